"""Request everything a world offers as each persona and report what leaked (tests/visibility).

Each request runs in a savepoint rolled back after it, so a read that writes (an audit row, a
computed briefing) changes nothing the next persona reads.
"""

from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from urllib.parse import urlencode

from django.db import transaction
from django.test import Client

from tests.support.factories.organisation import UserFactory, member
from tests.support.routes import admin_requests, requests
from tests.visibility.oracle import forbidden_for

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


def _superiors(world, limit: int) -> list:
    """Return investigators of the parent units of parties that do not lead: where 限制 differs.

    DESIGN.md: a superior sees what its subtree sees, except 限制 items, which only the ancestors of
    the lead unit see. The parent of a party that is not the lead is the persona that rule is about.
    """
    from cases.models import CaseParty, PartyRole

    parents = []
    rows = (
        CaseParty.objects.filter(case__in=[case.pk for case in world.cases])
        .exclude(role__in=[PartyRole.LEAD, PartyRole.ACCEPTING])
        .select_related("unit__parent", "case")
        .order_by("pk")
    )
    for row in rows:
        parent = row.unit.parent
        lead = row.case.lead_unit_id or row.case.accepting_unit_id
        if parent is not None and parent.pk != lead and parent.code not in parents:
            parents.append(parent.code)
    return [
        member(code, "investigator", username=f"superior_{code}_{len(world.users)}")
        for code in parents[:limit]
    ]


def personas(world, *, actors: int = 1):
    """Return the world's users, `actors` of the users the services needed, the superiors of
    parties, an auditor and the system administrator."""
    # Whom the services needed, one per unit: the case rule reads units, not which case role.
    by_unit = {}
    for (code, _role), actor in world.actors.items():
        by_unit.setdefault(code, actor)
    users = [*world.users, *list(by_unit.values())[:actors], *_superiors(world, max(actors, 2))]
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


def check_world(
    world, *, exhaustive: bool = False, actors: int = 1, who=None, only: str = ""
) -> tuple[list[str], dict[str, int]]:
    """Request everything as everyone; return the leaks found and the count of responses by status.

    `who` replaces the personas, `only` keeps the routes matching that pattern (regression tests).
    """
    unit_codes = sorted({case.accepting_unit.code for case in world.cases})
    gets = [
        (route, url) for route, url in requests(unit_codes, exhaustive=exhaustive) if re.match(only, route)
    ]
    leaks: list[str] = []
    statuses: dict[str, int] = defaultdict(int)
    started, count = time.monotonic(), 0
    per_route: dict[str, float] = defaultdict(float)
    for user in who if who is not None else personas(world, actors=actors):
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
            for route in (("api/v1/search/", "search/") if exhaustive else ("api/v1/search/",))
            if re.match(only, route)
        ]
        own = [*gets, *(r for r in admin_requests() if re.match(only, r[0]))] if user.is_staff else gets
        for route, url, echoed in [*((route, url, "") for route, url in own), *search_gets]:
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
