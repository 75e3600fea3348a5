"""Fixtures of the web tests: the demo world every inbox and next-step test walks."""

import pytest
from django.core.management import call_command

from organisation.demo import demo_seed
from organisation.models import Role
from tests.support.factories.world import build_world

# The world of tests/visibility's property test, fixed: every machine gets objects in several states.
PLAN = {
    "users": [[("510107", Role.INVESTIGATOR, "current")], [("530102", Role.LEGAL_OFFICER, "current")]],
    "cases": [
        {
            "accepting": code,
            "handling_code": "normal",
            "state": "under_investigation",
            "locations": [("conduct", code)],
            "persons": ["suspect"],
            "parties": [],
        }
        for code in ("510107", "530102", "500103", "520102", "510104")
    ],
    "requests": [
        {"case": 0, "to": "530102", "upto": "draft"},
        {"case": 0, "to": "500103", "upto": "sent"},
        {"case": 1, "to": "510107", "upto": "accepted"},
        {"case": 3, "to": "530102", "upto": "sent"},
    ],
    "proceedings": [{"case": 2, "extra": ["510107"]}, {"case": 3, "extra": ["530100", "500000"]}],
    "mergers": [{"into": 0, "merged": 4}],
    "bulletins": [{"case": 1, "targets": ["510107", "500103"]}],
    "grants": [{"user": 0, "case": 1, "status": "requested"}, {"user": 1, "case": 0, "status": "active"}],
    "meeting": None,  # the demo has its meeting (and series)
    "recode": [],
}


@pytest.fixture
def demo_world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_seed()
    for command in ("seed_demo_cases", "seed_meeting_series", "seed_demo_meetings"):
        call_command(command, "--force", verbosity=0)
    return build_world(PLAN)
