"""Write the pictures of the state machines to docs/state-machines/, or check they are current."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_fsm import FSMFieldMixin

from core.statecharts import state_machine_markdown


def machines() -> list[tuple[type, str, str]]:
    """Find every machine: each model with a `state` field, and each declared machine (core.steps).

    A new machine is drawn without registering it here; one whose state field has another name
    (a normative document's `status`) is drawn from its declaration.
    """
    from core.steps import machines as declared

    found = {
        model: "state"
        for model in apps.get_models()
        if any(isinstance(field, FSMFieldMixin) and field.name == "state" for field in model._meta.fields)
    }
    for machine in declared.values():
        found.setdefault(machine.model, machine.state_field)
    return sorted(
        ((model, field, f"{model._meta.model_name}.md") for model, field in found.items()),
        key=lambda item: item[2],
    )


def docs_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "state-machines"


class Command(BaseCommand):
    help = "Write docs/state-machines/*.md from the models' transitions (--check: fail if out of date)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Write nothing; fail if a file differs.")

    def handle(self, *args, check=False, **options):
        stale = []
        for model, field, name in machines():
            path = docs_dir() / name
            text = state_machine_markdown(model, field)
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
