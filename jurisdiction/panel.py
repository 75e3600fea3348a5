"""The jurisdiction panel of the case page: the proceeding under way, past ones, and how to open one.

Registered with cases.panels (the case page knows nothing of jurisdiction). It shows only the
proceedings the user sees (jurisdiction.selectors), what the active one waits for and what this
user can do on it, the rules engine's live analysis of the case before any proceeding is opened
(so investigators see the candidates and the recommendation first), and, to the heads and legal
officers of the unit handling the case, the form that opens a consultation or a transfer.
"""

from django.urls import reverse
from django.utils import timezone

from cases import panels
from core import deadline_rows
from core.models import DeadlineState
from jurisdiction import presenters, selectors
from jurisdiction.forms import OpenForm
from jurisdiction.models import ACTIVE_STATES, JurisdictionProceeding
from jurisdiction.selectors import proceeding_visible_to
from jurisdiction.services import COMPLAINANT_RULE

OPEN_DEADLINE_STATES = (DeadlineState.RUNNING, DeadlineState.PAUSED)


def _active_summary(proceeding, user) -> dict:
    now = timezone.now()
    parties = selectors.parties_of(proceeding)
    documents = presenters.proceeding_documents(proceeding, user)
    deadlines = [row for row in deadline_rows.deadlines_for(proceeding) if row.state in OPEN_DEADLINE_STATES]
    actions = presenters.user_actions(
        proceeding,
        user,
        parties=parties,
        documents=documents,
        complainant_deadline_open=any(row.rule_key == COMPLAINANT_RULE for row in deadlines),
    )
    return {
        "proceeding": proceeding,
        "parties": [
            {
                "unit": party.unit,
                "bases": presenters.bases_display(party.bases),
                "position": presenters.position_label(party),
            }
            for party in parties
        ],
        "deadlines": [
            {
                "label": deadline_rows.label_text(row),
                "due": deadline_rows.due_text(row),
                "remaining": deadline_rows.remaining_text(row),
                "overdue": row.state == DeadlineState.RUNNING and row.due_at <= now,
                "row": row,
            }
            for row in deadlines
        ],
        "waiting_for": presenters.waiting_for(
            proceeding,
            parties=parties,
            documents=documents,
            units={party.unit_id: party.unit for party in parties},
        ),
        "your_steps": presenters.your_steps(proceeding, user, actions=actions, documents=documents),
        "url": reverse("jurisdiction:proceeding-detail", args=[proceeding.pk]),
    }


@panels.register("jurisdiction")
def jurisdiction_panel(case, user) -> panels.CasePanel | None:
    """Show the case's proceedings to those who see them, the live analysis, and the form to open one."""
    from cases.models import FINAL_STATES, CaseState
    from jurisdiction.facts import case_analysis

    proceedings = list(
        proceeding_visible_to(user)
        .filter(case=case)
        .select_related("lead_unit", "holding_unit", "superior_unit", "opening_unit")
        .order_by("-id")
    )
    active = next((p for p in proceedings if p.state in ACTIVE_STATES), None)
    past = [p for p in proceedings if p is not active]
    # The case's state already says its jurisdiction is in question; a proceeding between other
    # units stays unnamed to a user who does not see it.
    elsewhere = active is None and (
        case.state == CaseState.JURISDICTION_PENDING
        and JurisdictionProceeding.objects.filter(case=case, state__in=ACTIVE_STATES).exists()
    )
    show_analysis = active is None and not elsewhere and case.state not in FINAL_STATES
    opener = active is None and not elsewhere and presenters.may_open(case, user)
    if not proceedings and not show_analysis and not elsewhere:
        return None
    return panels.CasePanel(
        template="jurisdiction/_case_panel.html",
        context={
            "case": case,
            "active": _active_summary(active, user) if active is not None else None,
            "past": [
                {"proceeding": p, "url": reverse("jurisdiction:proceeding-detail", args=[p.pk])} for p in past
            ],
            "elsewhere": elsewhere,
            "analysis": presenters.analysis_display(case_analysis(case).to_dict()) if show_analysis else None,
            "form": OpenForm() if opener else None,
            "open_url": reverse("jurisdiction:proceeding-open", args=[case.pk]) if opener else "",
        },
        order=40,
    )
