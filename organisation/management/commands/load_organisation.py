"""Load or reload the unit tree from organisation/data/units.csv; safe to run any number of times."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organisation.services import organisation_load


class Command(BaseCommand):
    help = (
        "Create or update the units, their standard departments and intake points from "
        "organisation/data/units.csv. Units missing from the data are deactivated, never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, help="units CSV to load (default: the committed organisation/data/units.csv)"
        )

    def handle(self, *args, path: Path | None, verbosity: int, **options):
        try:
            report = organisation_load(path=path)
        except (OSError, ValidationError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(report.summary()) if report.changed else report.summary())
        if verbosity >= 2:
            for label, codes in (
                ("updated", report.updated_codes),
                ("deactivated", report.deactivated_codes),
            ):
                if codes:
                    self.stdout.write(f"{label}: {' '.join(codes)}")
