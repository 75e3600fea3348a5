"""Write the pictures of the state machines to docs/state-machines/, or check they are current."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.models import Case
from cases.statecharts import state_machine_markdown

# (model, file name); later machines (assistance requests, proceedings …) add themselves here.
MACHINES = [(Case, "case.md")]


def docs_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "state-machines"


class Command(BaseCommand):
    help = "Write docs/state-machines/*.md from the models' transitions (--check: fail if out of date)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Write nothing; fail if a file differs.")

    def handle(self, *args, check=False, **options):
        stale = []
        for model, name in MACHINES:
            path = docs_dir() / name
            text = state_machine_markdown(model)
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current == text:
                continue
            if check:
                stale.append(str(path))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {path}")
        if stale:
            raise CommandError(f"Out of date (run manage.py state_machine_docs): {', '.join(stale)}")
