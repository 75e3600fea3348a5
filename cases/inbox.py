"""Inbox provider for cases: drafts to register, cases to ask 立案 for, requests for 立案 to approve."""

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import CasePerson, CaseState, FilingReview, PersonRole
from cases.permissions import HEADS, REGISTRARS, UNIT_HEADS, WRITERS
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
    # 不予立案 (cases.steps): the notice to serve on the complainants within 3 days (MPS-2020 art 178
    # ¶2), and the applications for 复议 or 复核 for the deciding organ's head (art 179).
    "serve": _("Notices of not filing (不予立案通知书) to serve on the complainants (3 days)"),
    "review": _("Applications against a decision not to file (复议、复核) waiting for your decision"),
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
    writers = _units_holding(user, WRITERS)
    if not registrars and not heads and not _units_holding(user, UNIT_HEADS):
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
        "file": Q(
            state=CaseState.REGISTERED, filing_requested_at__isnull=True, refusal_requested_at__isnull=True
        )
        & (
            # Its author, and whoever asked before and had the report sent back (the report's drafter).
            (
                (Q(created_by=user) | Q(filing_report__created_by=user) | Q(refusal_report__created_by=user))
                & responsible_written
            )
            | responsible_headed
            | (Q(lead_unit_id__in=registrars) & ~Q(lead_unit_id=F("accepting_unit_id")))
        ),
        "decide": Q(state=CaseState.REGISTERED) & filing.awaiting_approval_of(user),
        "serve": Q(state=CaseState.NOT_FILED, refusal_served_on__isnull=True)
        & Exists(CasePerson.objects.filter(case=OuterRef("pk"), role=PersonRole.COMPLAINANT))
        & (Q(lead_unit_id__in=writers) | Q(lead_unit__isnull=True, accepting_unit_id__in=writers)),
        "review": Q(state=CaseState.NOT_FILED)
        & Exists(
            FilingReview.objects.filter(
                case=OuterRef("pk"),
                decided_at__isnull=True,
                deciding_unit_id__in=_units_holding(user, UNIT_HEADS),
            )
        ),
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
