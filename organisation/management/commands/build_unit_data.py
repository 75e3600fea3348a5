"""Regenerate organisation/data/units.csv from the divisions file (a development step, never at run time)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organisation.data.build_units import (
    DIVISIONS_CSV,
    EXTRA_UNITS_CSV,
    UNITS_CSV,
    DivisionDataError,
    build_units,
    read_divisions,
    read_extra_units,
    units_csv_text,
)


class Command(BaseCommand):
    help = (
        "Build organisation/data/units.csv (the committed unit tree) from divisions-southwest.csv and "
        "extra_units.csv. Review the diff, commit it, then run load_organisation."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", type=Path, default=DIVISIONS_CSV, help="divisions CSV (default: %(default)s)"
        )
        parser.add_argument("--extra", type=Path, default=EXTRA_UNITS_CSV, help="hand-maintained extra units")
        parser.add_argument(
            "--output", type=Path, default=UNITS_CSV, help="units CSV to write (default: %(default)s)"
        )
        parser.add_argument(
            "--check", action="store_true", help="write nothing; fail if the output file is not up to date"
        )

    def handle(self, *args, source: Path, extra: Path, output: Path, check: bool, **options):
        try:
            rows = build_units(read_divisions(source), read_extra_units(extra))
        except (OSError, DivisionDataError) as exc:
            raise CommandError(str(exc)) from exc
        text = units_csv_text(rows)
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if check:
            if current != text:
                raise CommandError(f"{output} is out of date; run build_unit_data and commit the result.")
            self.stdout.write(f"{output} is up to date ({len(rows)} units).")
            return
        if current == text:
            self.stdout.write(f"{output} unchanged ({len(rows)} units).")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(rows)} units to {output}."))
