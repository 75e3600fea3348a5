"""Register the demo's specimen seal images (样章): one per unit that has members, never a real seal.

Idempotent: a unit that already has a seal image in force keeps it. Registered in the name of the
demo's system administrator (`admin`, made by seed_demo), audited like an upload.
"""

from django.core.management.base import BaseCommand, CommandError

from documents import seals
from documents.models import SealImage
from organisation.models import Membership, Unit, User


class Command(BaseCommand):
    help = "Register a specimen seal image (样章 SPECIMEN) for every unit with members that has none."

    def handle(self, *args, **options):
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("No administrator account: run seed_demo first.")
        sealed = SealImage.objects.filter(active_until__isnull=True).values_list("unit_id", flat=True)
        units = (
            Unit.objects.filter(pk__in=Membership.objects.values("unit_id"), is_active=True)
            .exclude(pk__in=sealed)
            .order_by("code")
        )
        count = 0
        for unit in units:
            seals.seal_register(unit=unit, content=seals.specimen_svg(unit.name), by=admin, specimen=True)
            count += 1
        self.stdout.write(f"Specimen seal images registered: {count}.")
