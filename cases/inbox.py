"""Inbox provider for cases: drafts to register, cases to ask 立案 for, requests for 立案 to approve."""

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import CaseState
from cases.permissions import HEADS, REGISTRARS
from core import inbox
from organisation.standing import user_standing

KINDS = {
    "register": _("Case drafts to register"),
    # A person's reminder, as "register" is: a registered case to ask the filing for (or to refer for
    # jurisdiction), for its author, the responsible unit's heads and, for a case transferred to the
    # unit at intake, its investigators.
    "file": _("Registered cases to ask the filing (立案) for or to refer for jurisdiction"),
    # The step's own waiting rule (cases.steps, start_investigation): the organ's head approves 立案.
    "decide": _("Requests for filing (立案) waiting for your approval"),
}
# The inbox shows what waits; a unit with more than this many open items works from the case list.
LIMIT = 200


def _units_holding(user, roles) -> list[int]:
    standing = user_standing(user)
    return [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, roles)]


@inbox.register("cases")
def case_items(user) -> list[inbox.InboxItem]:
    """List drafts to register, registered cases to ask the filing for, requests for filing to approve."""
    from cases import filing
    from cases.selectors import case_visible_to

    registrars = _units_holding(user, REGISTRARS)
    heads = _units_holding(user, HEADS)
    if not registrars and not heads:
        return []
    responsible_headed = Q(lead_unit_id__in=heads) | Q(lead_unit__isnull=True, accepting_unit_id__in=heads)
    responsible_written = Q(lead_unit_id__in=registrars) | Q(
        lead_unit__isnull=True, accepting_unit_id__in=registrars
    )
    conditions = {
        # An investigator sees their own drafts; a department head every draft of the unit.
        "register": Q(state=CaseState.DRAFT, accepting_unit_id__in=registrars)
        & (Q(created_by=user) | Q(accepting_unit_id__in=heads)),
        # A case transferred to the unit before 立案 (MPS-2020 art 175) is filed by it (art 178): no one
        # there wrote it, so each of its investigators is reminded.
        "file": Q(state=CaseState.REGISTERED, filing_requested_at__isnull=True)
        & (
            (Q(created_by=user) & responsible_written)
            | responsible_headed
            | (Q(lead_unit_id__in=registrars) & ~Q(lead_unit_id=F("accepting_unit_id")))
        ),
        "decide": Q(state=CaseState.REGISTERED) & filing.awaiting_approval_of(user),
    }
    items = []
    visible = case_visible_to(user).select_related("accepting_unit")
    for key, condition in conditions.items():
        for case in visible.filter(condition).order_by("id")[:LIMIT]:
            items.append(
                inbox.InboxItem(
                    kind=f"case.{key}",
                    kind_label=str(KINDS[key]),
                    title=f"{case.number or _('(draft)')} {case.name} · {case.accepting_unit.name}",
                    url=reverse("cases:detail", args=[case.pk]),
                    state=case.state,
                    state_label=str(case.get_state_display()),
                    object_type="cases.case",
                    object_id=str(case.pk),
                )
            )
    return items
