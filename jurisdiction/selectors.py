"""Reads of jurisdiction proceedings: the one queryset that decides who sees a proceeding.

A proceeding shows its case (number, name, facts, the analysis), so what it shows of the case is
what the viewer may see of the case, no more (DESIGN.md "Visibility and security", issue 16): a
proceeding is visible to the units of its own audience — its parties and any unit above one — *and*
only while `cases.selectors.case_visible_to` opens its case to the viewer, handling code and access
grants included. A unit that must act on a restricted case's proceeding without standing above its
lead (a level of the designation route, 层报, MPS-2020 art 22) is made a party to the case when the
request reaches it (jurisdiction.services), never let past the case's rule. The rows hanging off a
proceeding (parties, requests, route steps, the handover list) are read only through a visible
proceeding (`proceeding_rows_visible_to`). An auditor or system administrator sees none.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from cases.selectors import case_visible_to, grant_uses_record
from cases.standing import user_standing
from jurisdiction.models import ACTIVE_STATES, JurisdictionProceeding, ProceedingParty
from organisation.paths import at_or_below


def proceeding_visible_to(user) -> QuerySet[JurisdictionProceeding]:
    """Return the proceedings with a party at or below one of the user's units, whose case the user sees."""
    standing = user_standing(user)
    if not standing.paths:
        return JurisdictionProceeding.objects.none()
    parties = ProceedingParty.objects.filter(at_or_below(standing.paths), proceeding=OuterRef("pk"))
    # The case is never null: a plain IN lets PostgreSQL join through the case's primary key
    # (cases.visibility.shown_cases_condition's "or null" would force a full scan of the cases).
    return JurisdictionProceeding.objects.filter(Exists(parties), case__in=case_visible_to(user).values("pk"))


def proceeding_rows_visible_to(model):
    """Return the read rule of a model hanging off a proceeding: its rows of visible proceedings."""

    def visible_to(user) -> QuerySet:
        return model._default_manager.filter(proceeding__in=proceeding_visible_to(user).values("pk"))

    return visible_to


def proceedings_read_record(user, proceedings, *, path: str) -> None:
    """Audit each proceeding shown whose case only an access grant opens (`cases.caseaccessgrant.use`)."""
    grant_uses_record(user, {proceeding.case_id for proceeding in proceedings}, path=path)


def proceeding_get_visible(user, pk) -> JurisdictionProceeding:
    """Return the proceeding if the user sees it, with what its page needs; 404 otherwise.

    What shows it (the API's representation, the page) audits a grant's use with
    `proceedings_read_record`; a step that fails before showing anything records none.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    proceeding = (
        proceeding_visible_to(user)
        .select_related(
            "case__accepting_unit",
            "case__lead_unit",
            "case__offence",
            "opening_unit",
            "holding_unit",
            "lead_unit",
            "superior_unit",
            "opened_by",
        )
        .filter(pk=pk)
        .first()
    )
    if proceeding is None:
        raise Http404
    return proceeding


def proceeding_active_for_case(case) -> JurisdictionProceeding | None:
    return (
        JurisdictionProceeding.objects.filter(case=case, state__in=ACTIVE_STATES)
        .select_related("lead_unit", "superior_unit", "holding_unit", "opening_unit")
        .first()
    )
