"""Reads of jurisdiction proceedings: the one queryset that decides who sees a proceeding.

Only the parties, their superiors (any unit above a party, which includes every unit on the
designation route and the designating superior) see a proceeding (issue 5). An auditor or system
administrator has no operational standing and sees none.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from cases.standing import user_standing
from jurisdiction.models import ACTIVE_STATES, JurisdictionProceeding, ProceedingParty
from organisation.paths import at_or_below


def proceeding_visible_to(user) -> QuerySet[JurisdictionProceeding]:
    """Return the proceedings one of whose parties is in a unit the user works in, or below one."""
    standing = user_standing(user)
    if not standing.paths:
        return JurisdictionProceeding.objects.none()
    parties = ProceedingParty.objects.filter(at_or_below(standing.paths), proceeding=OuterRef("pk"))
    return JurisdictionProceeding.objects.filter(Exists(parties))


def proceeding_get_visible(user, pk) -> JurisdictionProceeding:
    """Return the proceeding if the user sees it, with what its page needs; 404 otherwise."""
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
