"""The demo world as `make demo` sets it up, for browser tests that walk it as its named officers."""

import pytest
from django.core.management import call_command

from organisation.demo import demo_seed


@pytest.fixture
def demo(settings, tmp_path, live_server, organisation_loaded):
    """Set up the demo as `make demo` does: its units, accounts and worked scenarios.

    The live server's database is flushed after each test, units and all: `organisation_loaded` loads
    the unit tree again, or a second walk in the same run would find no unit to seed the demo into.
    """
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_seed()
    for command in ("seed_demo_cases", "seed_meeting_series", "seed_demo_meetings"):
        call_command(command, "--force", verbosity=0)
    return live_server
