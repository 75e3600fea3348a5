"""The merger panel of the case page (并案侦查, MPS-2020 art 21(2)).

Registered with cases.panels (the case page knows nothing of jurisdiction). It says whether the
case is merged into another or has others merged into it, lists the case's proposals both ways
with what each waits for and the step this user may take, and offers the heads and legal officers
of the unit handling the case the form to propose a merger, starting from the case's related-case
notices. Every other case is named only as far as the user may know it
(jurisdiction.merger.presenters).
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import panels
from cases.models import Case
from cases.selectors import case_visible_to
from jurisdiction.merger import presenters as present
from jurisdiction.merger import selectors
from jurisdiction.merger.forms import ProposeForm
from jurisdiction.merger.steps import MERGER_MACHINE
from jurisdiction.models import MergerState

OPEN_STATES = (MergerState.PROPOSED, MergerState.AGREED)


def _row(proposal, case, visible: set[int], user) -> dict:
    into, merged = present.sides(proposal, visible)
    outgoing = proposal.merged_case_id == case.pk
    other = into if outgoing else merged
    if outgoing:
        direction = _("Merge this case into %(other)s") % {"other": other.label}
    else:
        direction = _("Merge %(other)s into this case") % {"other": other.label}
    return {
        "proposal": proposal,
        "other": other,
        "direction": direction,
        "waiting_for": present.waiting_for(proposal),
        "your_steps": [MERGER_MACHINE.step(name).label for name in MERGER_MACHINE.available(proposal, user)],
        "is_open": proposal.state in OPEN_STATES,
        "url": reverse("mergers:detail", args=[proposal.pk]),
    }


def _brief(case: Case, visible: set[int]) -> present.CaseSide:
    # A merged case is named as far as the user may know it, like any other (a restricted one by
    # its unit only): the merger joined the investigations, not who may see each case.
    return present.case_side(case, visible=case.pk in visible)


@panels.register("merger")
def merger_panel(case, user) -> panels.CasePanel | None:
    """Show the case's mergers and proposals, and to its unit's managers the form to propose one."""
    proposals = list(
        selectors.with_related(selectors.merger_visible_to(user))
        .filter(Q(into_case=case) | Q(merged_case=case))
        .order_by("-id")
    )
    merged_into = (
        Case.objects.select_related("accepting_unit", "lead_unit", "offence")
        .filter(pk=case.merged_into_id)
        .first()
        if case.merged_into_id
        else None
    )
    merged_cases = list(
        case.merged_cases.select_related("accepting_unit", "lead_unit", "offence").order_by("id")
    )
    proposer = present.may_propose(case, user)
    if not (proposals or merged_into or merged_cases or proposer):
        return None
    cases = [c for c in (merged_into, *merged_cases) if c is not None]
    visible = selectors.visible_case_ids(user, proposals)
    if cases:
        visible |= set(
            case_visible_to(user).filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True)
        )
    # The page records the case's own showing; the other cases named in full are recorded here.
    selectors.proposals_read_record(user, visible - {case.pk}, path=reverse("cases:detail", args=[case.pk]))
    candidates = present.candidates(case, user) if proposer else []
    return panels.CasePanel(
        template="jurisdiction/merger_panel.html",
        context={
            "case": case,
            "merged_into": _brief(merged_into, visible) if merged_into else None,
            "merged_cases": [_brief(c, visible) for c in merged_cases],
            "rows": [_row(p, case, visible, user) for p in proposals],
            "form": ProposeForm(candidates=candidates) if proposer else None,
            "propose_url": reverse("mergers:propose", args=[case.pk]) if proposer else "",
        },
        order=45,
    )
