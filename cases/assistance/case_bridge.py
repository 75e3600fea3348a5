"""The few things assistance requests need from cases, in one place."""

from cases.models import FINAL_STATES, CaseParty, CaseState, PartyRole
from cases.selectors import case_visible_to
from organisation.standing import standing_forget


def case_party_requested(*, case, unit) -> None:
    """Make the requested unit a party of the case, so it sees the case's basic data."""
    CaseParty.objects.get_or_create(
        case=case, unit=unit, role=PartyRole.REQUESTED, defaults={"unit_path": unit.path}
    )


def case_may_request_assistance(*, case, user) -> bool:
    """Return whether the user may draft a request from this case: visible, registered, not finished."""
    if case.state == CaseState.DRAFT or case.state in FINAL_STATES:
        return False
    return case_visible_to(user).filter(pk=case.pk).exists()


__all__ = ["case_may_request_assistance", "case_party_requested", "standing_forget"]
