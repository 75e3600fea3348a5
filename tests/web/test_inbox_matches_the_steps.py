"""The inbox's "waiting for you" equals what the transition kit says each persona may take next.

For every persona of a seeded scenario (the demo's, plus a fixed world with requests at several
stages, proceedings, a merger proposal, an issued bulletin, and an access request), the objects
the inbox lists under a machine's inbox kinds are exactly the objects on which the machine says that
persona has an available waiting step (core.steps.Machine.waiting_for). The inbox providers are
queries written for speed; the kit is the declaration: this test keeps the two the same.
"""

import pytest

from core.inbox import inbox_for
from core.steps import machines
from organisation.models import User

pytestmark = pytest.mark.django_db


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
