"""The demo world as `make demo` sets it up, for browser tests that walk it as its named officers."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from organisation.demo import demo_seed

# The lists the migrations seed (offences, charges, experts' specialties), in the order they depend on.
SEEDING_MIGRATIONS = (
    "cases.migrations.0002_seed_offences",
    "cases.migrations.0013_charges",
    "organisation.migrations.0003_seed_specialties",
)


def restore_seeded_lists() -> None:
    """Seed again the lists a flush after a previous live-server test removed with every other row.

    The migrations seed them once per test database; without them a second walk in the same run finds
    no offence to choose at intake. Each seed is idempotent (update_or_create, or only the missing rows).
    """
    for module in SEEDING_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


@pytest.fixture
def demo(settings, tmp_path, live_server, organisation_loaded):
    """Set up the demo as `make demo` does: its units, accounts and worked scenarios.

    The live server's database is flushed after each test, units and all: `organisation_loaded` loads
    the unit tree again, or a second walk in the same run would find no unit to seed the demo into.
    """
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True
    restore_seeded_lists()
    demo_seed()
    for command in ("seed_demo_cases", "seed_meeting_series", "seed_demo_meetings"):
        call_command(command, "--force", verbosity=0)
    return live_server
