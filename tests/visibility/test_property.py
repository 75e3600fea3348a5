"""Property: no persona reads, on any path, what the case rule does not let it see (issue 16).

Hypothesis builds a random world (tests/factories/world.py): units of the six regions' tree, users
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
from collections import defaultdict
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client, TestCase
from hypothesis import HealthCheck, Phase, given, settings

from tests.factories.organisation import UserFactory, member
from tests.factories.world import build_world
from tests.visibility.oracle import forbidden_for
from tests.visibility.paths import patterns, requests
from tests.visibility.strategies import plans

EXAMPLES = int(os.environ.get("VISIBILITY_EXAMPLES", "5"))
# `make fuzz`: GETs on every transition and action too, every list filtered by case, every actor.
EXHAUSTIVE = os.environ.get("VISIBILITY_EXHAUSTIVE", "") not in ("", "0")
# Of the users the services needed (heads, intake and liaison officers), how many are personas too.
ACTORS = 99 if EXHAUSTIVE else 2
PURPOSE = "核查跨区域线索"


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def _get(client: Client, url: str):
    """GET in a savepoint rolled back after: a read that writes (an audit row, a cache) changes nothing."""
    with transaction.atomic():
        response = client.get(url)
        body = _body(response)
        transaction.set_rollback(True)
    return response.status_code, body


def _personas(world):
    # Whom the services needed, one per unit: the case rule reads units, not which case role.
    by_unit = {}
    for (code, _role), actor in world.actors.items():
        by_unit.setdefault(code, actor)
    users = [*world.users, *list(by_unit.values())[:ACTORS]]
    users.append(member("000000", "auditor", username=f"auditor_{len(users)}"))
    users.append(UserFactory(username=f"sysadmin_{len(users)}", is_staff=True, is_superuser=True))
    return users


def _describe(user) -> str:
    roles = ", ".join(
        f"{m.role}@{m.unit.code}{' acting' if m.is_acting else ''}"
        f"{' until ' + str(m.valid_to) if m.valid_to else ''}{' from ' + str(m.valid_from)}"
        for m in user.memberships.select_related("unit")
    )
    return f"{user.username} [{roles or ('system administrator' if user.is_superuser else 'no membership')}]"


def check_world(world) -> tuple[list[str], dict[str, int]]:
    """Request everything as everyone; return the leaks found and the count of responses by status."""
    unit_codes = sorted({case.accepting_unit.code for case in world.cases})
    gets = requests(unit_codes, exhaustive=EXHAUSTIVE)
    leaks: list[str] = []
    statuses: dict[str, int] = defaultdict(int)
    import time
    started, count = time.monotonic(), 0
    per_route: dict[str, float] = defaultdict(float)
    for user in _personas(world):
        forbidden = forbidden_for(user, world)
        if not forbidden.hidden:
            continue
        client = Client(raise_request_exception=False)
        client.force_login(user)
        searches = []
        for pk, markers in world.markers.items():
            if pk not in forbidden.hidden:
                continue  # a case the persona may see: its search answer may say anything
            if markers.number:
                searches.append(("case_number", markers.number, markers.number))
            searches.append(("id_number", markers.id_numbers[0], markers.id_numbers[0]))
            searches.append(("name", f"张{markers.person_names[0]}", markers.person_names[0]))
        search_gets = [
            (route, f"/{route}?{urlencode({'kind': kind, 'q': query, 'purpose': PURPOSE})}", echoed)
            for kind, query, echoed in searches
            for route in ("api/v1/search/", "search/")
        ]
        for route, url, echoed in [*((route, url, "") for route, url in gets), *search_gets]:
            t0 = time.monotonic()
            status, body = _get(client, url)
            per_route[route] += time.monotonic() - t0
            count += 1
            statuses[f"{status // 100}xx"] += 1
            if status >= 500:
                statuses[f"500 {route}"] += 1
            # A search answer repeats its query: the searched marker is the persona's own input.
            for what in forbidden.leaks(route, body, ignore=echoed):
                leaks.append(f"{status} GET {url}  as {_describe(user)}  shows {what}")
    if os.environ.get("VISIBILITY_VERBOSE"):
        print(f"\n{count} requests in {time.monotonic() - started:.1f}s")
        for route, spent in sorted(per_route.items(), key=lambda kv: -kv[1])[:25]:
            print(f"  {spent:6.2f}s {route}")
    return leaks, dict(statuses)


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
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plan=plans())
def test_no_persona_reads_a_case_it_may_not_see(plan, settings_override):
    with transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            world = build_world(plan)
        leaks, statuses = check_world(world)
        if os.environ.get("VISIBILITY_VERBOSE"):
            print(f"\nworld: {len(world.users)} users, {len(world.actors)} actors, {len(world.cases)} cases;"
                  f" responses {statuses}; notes {world.notes}")
        transaction.set_rollback(True)
    assert not leaks, "\n".join([f"{len(leaks)} leak(s); world notes: {world.notes}", *sorted(set(leaks))])
    assert statuses.get("2xx", 0) > 0


@pytest.fixture
def settings_override(settings):
    # Thousands of expected 403s and 404s would each print a warning.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    # Every persona searches every marker: the per-minute limit would answer 429 and prove nothing.
    settings.SEARCH_RATE_PER_MINUTE = 100000
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
