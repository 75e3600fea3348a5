"""The inbox's "waiting for you" equals what the transition kit says each persona may take next.

For every persona of a seeded scenario (the demo's, plus a fixed world with requests at several
stages, proceedings, a merger proposal, an issued bulletin, and an access request), the objects
the inbox lists under a machine's inbox kinds are exactly the objects on which the machine says that
persona has an available waiting step (core.steps.Machine.waiting_for). The inbox providers are
queries written for speed; the kit is the declaration: this test keeps the two the same.
"""

import pytest
from django.core.management import call_command

from core.inbox import inbox_for
from core.steps import machines
from organisation.demo import demo_seed
from organisation.models import Role, User
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

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_seed()
    for command in ("seed_demo_cases", "seed_meeting_series", "seed_demo_meetings"):
        call_command(command, "--force", verbosity=0)
    return build_world(PLAN)


def test_every_machine_says_which_inbox_kinds_list_its_waiting_objects():
    undeclared = [machine.object_type for machine in machines.values() if machine.inbox_kinds is None]
    assert not undeclared, f"declare inbox_kinds (an empty tuple if none) for {undeclared}"


def test_the_inbox_lists_exactly_the_objects_waiting_for_each_persona(demo_world):
    rows = {machine.object_type: list(machine.model._default_manager.all()) for machine in machines.values()}
    assert sum(len(objects) for objects in rows.values()) > 20, "the demo world should exercise the machines"
    # Machines may share an inbox kind (a meeting and its minutes are organised under one), so the
    # comparison is of every kind a machine claims at once; items name their objects by type and id.
    claimed = {kind for machine in machines.values() for kind in machine.inbox_kinds or ()}
    mismatches = []
    compared = 0
    personas = User.objects.filter(memberships__isnull=False).distinct().order_by("username")
    for user in personas:
        listed = {(item.object_type, item.object_id) for item in inbox_for(user) if item.kind in claimed}
        waiting = {
            machine.inbox_object(instance)
            for machine in machines.values()
            for instance in rows[machine.object_type]
            if machine.waiting_for(instance, user)
        }
        compared += len(waiting)
        if listed != waiting:
            mismatches.append(
                f"{user.username}: inbox only {sorted(listed - waiting)}, kit only {sorted(waiting - listed)}"
            )
    assert not mismatches, "\n".join(mismatches)
    assert compared > 0, "some persona should have something waiting in the demo world"
