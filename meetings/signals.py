"""Keep the unit paths copied onto members and action items right after a reorganisation."""

from django.dispatch import receiver

from organisation.models import Unit
from organisation.signals import units_reorganised


@receiver(units_reorganised, dispatch_uid="meetings.refresh_paths")
def refresh_paths(sender, **kwargs) -> None:
    from meetings.models import ActionItem, SeriesMember

    paths = dict(Unit.objects.values_list("pk", "path"))
    for model, unit_field, path_field in (
        (SeriesMember, "unit_id", "unit_path"),
        (ActionItem, "owner_unit_id", "owner_unit_path"),
    ):
        stale = [
            row
            for row in model.objects.only("pk", unit_field, path_field)
            if paths.get(getattr(row, unit_field)) != getattr(row, path_field)
        ]
        for row in stale:
            setattr(row, path_field, paths[getattr(row, unit_field)])
        model.objects.bulk_update(stale, [path_field], batch_size=500)
