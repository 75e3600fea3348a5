"""Property: no persona reads, on any path, what the case rule does not let it see (issue 16).

Hypothesis builds a random world (tests/support/factories/world.py): units of the six regions' tree, users
with current, acting, expired and future memberships, cases with random handling codes and states,
assistance requests, jurisdiction proceedings, merger proposals, a joint meeting with agenda items,
bulletins with a linked case, access grants (active, expired, revoked) and cases re-coded after
all of that was written. Then every persona (each user of the world, an auditor and the system
administrator) requests every list and every path that takes an id (tests/visibility/paths.py,
walked from the URLconf), and every search for each case's number and identity numbers; no
response may contain a marker of a case the persona may not see (tests/visibility/oracle.py).

The example budget is `VISIBILITY_EXAMPLES` (5 in CI; `make fuzz` runs more). Each example runs
inside a savepoint that is rolled back, and each request inside its own, so the world is the same
for every persona and no example sees another's rows.
"""

from __future__ import annotations

import logging
import os

import pytest
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, Phase, given, settings

from tests.support.factories.world import build_world
from tests.support.routes import patterns
from tests.visibility.strategies import plans
from tests.visibility.sweep import check_world

EXAMPLES = int(os.environ.get("VISIBILITY_EXAMPLES", "5"))
# `make fuzz`: GETs on every transition and action too, every list filtered by case, every actor.
EXHAUSTIVE = os.environ.get("VISIBILITY_EXHAUSTIVE", "") not in ("", "0")
# Of the users the services needed (heads, intake and liaison officers), how many are personas too.
ACTORS = 99 if EXHAUSTIVE else 1


def test_every_id_pattern_is_typed():
    """Every int argument of every URL pattern names a model the property test fills."""
    _, untyped = patterns()
    assert untyped == []


@pytest.mark.django_db
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # A failing world is reported whole: shrinking would replay thousands of requests per step.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(plan=plans())
def test_no_persona_reads_a_case_it_may_not_see(plan, settings_override):
    with transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            world = build_world(plan)
        leaks, statuses = check_world(world, exhaustive=EXHAUSTIVE, actors=ACTORS)
        if os.environ.get("VISIBILITY_VERBOSE"):
            print(
                f"\nworld: {len(world.users)} users, {len(world.actors)} actors, {len(world.cases)} cases;"
                f" responses {statuses}; notes {world.notes}"
            )
        transaction.set_rollback(True)
    assert not leaks, "\n".join([f"{len(leaks)} leak(s); world notes: {world.notes}", *sorted(set(leaks))])
    assert statuses.get("2xx", 0) > 0


@pytest.fixture
def settings_override(settings):
    # Thousands of expected 403s and 404s would each print a warning.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    # Every persona searches every marker: the per-minute limit would answer 429 and prove nothing.
    settings.SEARCH_RATE_PER_MINUTE = 100000
