"""The README's journeys walked in Chromium as the demo's named officers (issue 20, "done when")."""

import pytest
from django.core.management import call_command

from organisation.demo import DEMO_PASSWORD, demo_seed
from tests.support.browser import (  # noqa: F401
    artifacts,
    browser_context_args,
    browser_problems,
    browser_type_launch_args,
)
from tests.support.journeys import Journey


@pytest.fixture
def demo(settings, tmp_path, live_server):
    """Set up the demo as `make demo` does: its units, accounts and worked scenarios."""
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_seed()
    for command in ("seed_demo_cases", "seed_meeting_series", "seed_demo_meetings"):
        call_command(command, "--force", verbosity=0)
    return live_server


@pytest.fixture
def journey(request, browser, demo):
    """A journey named after its test; every browser it opened is closed at the end."""
    walk = Journey(request.node.originalname.removeprefix("test_"), browser, demo.url, DEMO_PASSWORD)
    yield walk
    walk.close()
