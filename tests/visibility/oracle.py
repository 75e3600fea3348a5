"""What a persona may read of each case of the world: the case rule is the definition.

`case_visible_to(user)` decides what a persona may see. Of a case it may not see, a response may
never contain the summary, a location address, a person's name or identity number; on a discovery
surface (search and the pages that follow a search hit) it may contain what
`case_discovery_summary` allows for a case in `case_discoverable_by(user)` (the number, and the
name of a 普通 case), and nowhere else even that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cases.models import Case, HandlingCode
from cases.selectors import case_discoverable_by, case_visible_to
from tests.support.factories.world import World

# Routes that may mention a case the viewer cannot open, under the discovery rules (DESIGN.md
# "Visibility and security"): cross-province search and what follows from a hit; a joint meeting's
# agenda, which describes each matter "under the discovery rules" (meetings.agenda.case_text); and
# the models whose read rule declares `mentions` (cases.visibility): a merger proposal names both
# its cases, a case page names the case it was merged into and its merger panel the other case.
DISCOVERY_SURFACES = re.compile(
    r"^(api/v1/search/|search/|cases/<int:pk>/request-access/|api/v1/access-requests/|access-requests/"
    r"|api/v1/meetings/<int:pk>/(agenda/|$)|meetings/<int:pk>/$"
    r"|api/v1/merger-proposals/|jurisdiction/mergers/|api/v1/cases/<int:pk>/$|cases/<int:pk>/$)"
)


@dataclass(frozen=True)
class Forbidden:
    """Marker strings a persona must not read, each with what it is."""

    everywhere: dict[str, str]
    outside_discovery: dict[str, str]
    hidden: frozenset[int]  # ids of the cases the persona may not see

    def leaks(self, route: str, body: str, *, ignore: str = "") -> list[str]:
        found = [what for marker, what in self.everywhere.items() if marker in body and marker != ignore]
        if not DISCOVERY_SURFACES.match(route):
            found += [
                what for marker, what in self.outside_discovery.items() if marker in body and marker != ignore
            ]
        return found


def forbidden_for(user, world: World) -> Forbidden:
    visible = set(case_visible_to(user).values_list("pk", flat=True))
    discoverable = set(case_discoverable_by(user).values_list("pk", flat=True))
    codes = dict(Case.objects.values_list("pk", "handling_code"))
    everywhere: dict[str, str] = {}
    outside: dict[str, str] = {}
    for pk, markers in world.markers.items():
        if pk in visible:
            continue
        code = codes[pk]
        label = f"case {pk} ({code}, {markers.case.state}, {markers.number})"
        for marker in markers.secret():
            everywhere[marker] = f"{label}: a summary, address, person name or ID number ({marker})"
        mentionable = {markers.number} if pk in discoverable else set()
        if pk in discoverable and code == HandlingCode.NORMAL:
            mentionable.add(markers.name)
        for marker, what in ((markers.number, "number"), (markers.name, "name")):
            if not marker:
                continue  # a draft has no number
            target = outside if marker in mentionable else everywhere
            target[marker] = f"{label}: its {what} ({marker})"
    hidden = frozenset(world.markers) - visible
    return Forbidden(everywhere=everywhere, outside_discovery=outside, hidden=hidden)
