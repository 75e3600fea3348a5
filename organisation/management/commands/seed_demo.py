"""Create the demo accounts (every role in a dozen units, and an administrator) and print them."""

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organisation.demo import DEMO_PASSWORD, demo_seed


def _width(text: str) -> int:
    """Return the terminal width of text: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = (
        "Create the demo accounts, idempotently, and print them with the shared password. "
        "Runs only with DEBUG or LIANBAN_DEMO on, or with --force, so that production never gets demo "
        "accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though neither DEBUG nor LIANBAN_DEMO is on"
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="set every demo account's password back to the demo one",
        )

    def handle(self, *args, force: bool, reset_passwords: bool, verbosity: int, **options):
        if not (settings.DEBUG or settings.DEMO or force):
            raise CommandError(
                "Refusing to create demo accounts with neither DEBUG nor LIANBAN_DEMO on: "
                "they share a published password. "
                "Pass --force if this really is a demonstration machine."
            )
        try:
            report = demo_seed(reset_passwords=reset_passwords)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if verbosity < 1:
            return
        headers = ("username", "unit", "role")
        table = [headers, *((row.username, row.unit, row.role) for row in report.rows)]
        widths = [max(_width(line[i]) for line in table) for i in range(len(headers))]
        for n, line in enumerate(table):
            self.stdout.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(line)).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        summary = (
            f"{report.users_created} users and {report.memberships_created} memberships created"
            + (f", {report.passwords_reset} passwords reset" if reset_passwords else "")
            + "."
        )
        self.stdout.write(
            self.style.SUCCESS(summary) if report.users_created or report.memberships_created else summary
        )
