"""Who may take each Case transition and edit a case: callables `(case, user) -> bool`.

Each rule names the roles and the unit they must be held in, relative to the case: the accepting
unit, the lead unit, the *responsible* unit (the lead once there is one, before that the accepting
unit), or a unit above the accepting unit (a common superior settling jurisdiction). Acting (代理)
memberships count like the role they stand in for. Visibility is not checked here: a caller that
cannot see the case gets 404 before any of these is asked.
"""

from collections.abc import Callable

from core.registry import Registry
from organisation.models import PATH_SEPARATOR, Role
from organisation.standing import user_standing

HEADS = frozenset({Role.DEPARTMENT_HEAD, Role.UNIT_HEAD})
WRITERS = frozenset({Role.INVESTIGATOR, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD})
REGISTRARS = frozenset({Role.INVESTIGATOR, Role.DEPARTMENT_HEAD})
CREATORS = REGISTRARS
JURISDICTION_OPENERS = frozenset({Role.DEPARTMENT_HEAD, Role.UNIT_HEAD, Role.LEGAL_OFFICER})
JURISDICTION_SETTLERS = frozenset({Role.UNIT_HEAD, Role.LEGAL_OFFICER})
UNIT_HEADS = frozenset({Role.UNIT_HEAD})


def responsible_unit_id(case) -> int:
    """Return the lead unit's id, or the accepting unit's before a lead is fixed."""
    return case.lead_unit_id or case.accepting_unit_id


def may_register(case, user) -> bool:
    """Allow an investigator or department head of the accepting unit."""
    return user_standing(user).holds(case.accepting_unit_id, REGISTRARS)


def may_request_filing(case, user) -> bool:
    """Allow an investigator or head of the responsible unit to ask for the filing (呈请立案)."""
    return user_standing(user).holds(responsible_unit_id(case), WRITERS)


def filing_organ(case):
    """Return the organ whose head approves the case's filing: the county-level or higher organ the
    responsible unit is, or belongs to (a 派出所's county bureau), MPS-2020 art 178.
    """
    return case.responsible_unit.county_level_organ()


def may_approve_filing(case, user) -> bool:
    """Allow the head (or acting head) of the county-level or higher organ of the responsible unit.

    MPS-2020 art 178: 立案 needs the approval of the head of a county-level or higher organ; a
    department head, or the head of a 派出所 (below county level), cannot approve it. The transition
    is start_investigation (the name the API had before 立案 was a step of its own).
    """
    organ = filing_organ(case)
    return organ is not None and user_standing(user).holds(organ.pk, UNIT_HEADS)


# Who records a complainant's application against a 不予立案 (MPS-2020 art 179): the officers of the
# responsible unit and the organ's legal officers, who receive and prepare it.
REVIEW_RECORDERS = frozenset({Role.INVESTIGATOR, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD, Role.LEGAL_OFFICER})


def may_record_filing_review(case, user) -> bool:
    """Allow an officer of the responsible unit, or a legal officer or head of its filing organ."""
    standing = user_standing(user)
    if standing.holds(responsible_unit_id(case), REVIEW_RECORDERS):
        return True
    organ = filing_organ(case)
    return organ is not None and standing.holds(organ.pk, REVIEW_RECORDERS - {Role.INVESTIGATOR})


def review_organ(case):
    """Return the superior organ that decides a 复核 (MPS-2020 art 179 ¶2): the filing organ's parent."""
    organ = filing_organ(case)
    return organ.parent if organ is not None else None


def may_record_superior_review(case, user) -> bool:
    """Allow a legal officer, department head or head of the superior organ (MPS-2020 art 179 ¶2)."""
    superior = review_organ(case)
    return superior is not None and user_standing(user).holds(
        superior.pk, REVIEW_RECORDERS - {Role.INVESTIGATOR}
    )


def may_decide_filing_review(case, user) -> bool:
    """Allow the head of the organ that decides the open application (MPS-2020 art 179 ¶1–2).

    A 复议 is decided by the organ that decided not to file, with its head's approval as the decision
    was made (art 178 ¶1); a 复核 by the head of the organ above it.
    """
    review = case.open_filing_review()
    if review is None:
        return may_approve_filing(case, user)
    return user_standing(user).holds(review.deciding_unit_id, UNIT_HEADS)


def may_open_jurisdiction_question(case, user) -> bool:
    """Allow a department head, unit head or legal officer of the responsible unit."""
    return user_standing(user).holds(responsible_unit_id(case), JURISDICTION_OPENERS)


# Apps above cases (jurisdiction) register who else settles: the legal officer of an agreed lead unit
# approving the agreement, the unit head of the superior designating, the unit a case is transferred
# to. Cases cannot import them, so they answer through this list.
SettlementAuthority = Callable[[object, object], bool]
_settlement_authorities: Registry[str, SettlementAuthority] = Registry("case settlement authorities")


def register_settlement_authority(func: SettlementAuthority) -> SettlementAuthority:
    """Register `func(case, user) -> bool`, asked when the built-in rule says no."""
    return _settlement_authorities.add_function(func)


_merge_authorities: Registry[str, SettlementAuthority] = Registry("case merge authorities")


def register_merge_authority(func: SettlementAuthority) -> SettlementAuthority:
    """Register `func(case, user) -> bool`: whoever an approved merger names marks the case merged."""
    return _merge_authorities.add_function(func)


# Apps above cases (jurisdiction) say whether a case's jurisdiction is still in question: a proceeding
# open on it, from the consultation to the handover of its files (MPS-2020 arts 22, 23, 185).
JurisdictionQuestion = Callable[[object], bool]
_jurisdiction_questions: Registry[str, JurisdictionQuestion] = Registry("case jurisdiction questions")


def register_jurisdiction_question(func: JurisdictionQuestion) -> JurisdictionQuestion:
    """Register `func(case) -> bool`: True while the case's jurisdiction is not settled."""
    return _jurisdiction_questions.add_function(func)


def jurisdiction_unsettled(case) -> bool:
    """Tell whether a registered app holds the case's jurisdiction in question (a proceeding open on it)."""
    return any(question(case) for question in _jurisdiction_questions.values())


def may_merge(case, user) -> bool:
    """Allow only whom a registered merge authority names: a merger is decided by consultation and
    legal review (MPS-2020 art 21(2)), never by one unit's own say.
    """
    return any(authority(case, user) for authority in _merge_authorities.values())


def may_settle_jurisdiction(case, user) -> bool:
    """Allow the unit head or legal officer of the responsible or accepting unit, or of a unit above,
    or whoever a registered settlement authority names (the jurisdiction proceedings).

    A superior settles by designation (MPS-2020 art 22).
    """
    if any(authority(case, user) for authority in _settlement_authorities.values()):
        return True
    standing = user_standing(user)
    if standing.holds(responsible_unit_id(case), JURISDICTION_SETTLERS):
        return True
    if standing.holds(case.accepting_unit_id, JURISDICTION_SETTLERS):
        return True
    return standing.holds_above(case.accepting_unit.path, JURISDICTION_SETTLERS)


def may_suspend(case, user) -> bool:
    """Allow a department or unit head of the lead unit."""
    return user_standing(user).holds(responsible_unit_id(case), HEADS)


def may_resume(case, user) -> bool:
    """Allow a department or unit head of the lead unit."""
    return user_standing(user).holds(responsible_unit_id(case), HEADS)


def may_close(case, user) -> bool:
    """Allow a department or unit head of the lead unit."""
    return user_standing(user).holds(responsible_unit_id(case), HEADS)


def may_transfer_for_prosecution(case, user) -> bool:
    """Allow the unit head (or acting head) of the lead unit."""
    return user_standing(user).holds(responsible_unit_id(case), UNIT_HEADS)


def may_revoke(case, user) -> bool:
    """Allow the unit head (or acting head) of the responsible unit."""
    return user_standing(user).holds(responsible_unit_id(case), UNIT_HEADS)


def may_edit(case, user) -> bool:
    """Allow an investigator or head of the responsible unit to edit the facts (state checked apart)."""
    return user_standing(user).holds(responsible_unit_id(case), WRITERS)


def may_create_in(unit_id: int, user) -> bool:
    return user_standing(user).holds(unit_id, CREATORS)


def acting_unit_code(case, user) -> str:
    """Name the unit on whose behalf the user acts on the case: lead, accepting, the nearest superior."""
    standing = user_standing(user)
    for unit in (case.lead_unit, case.accepting_unit):
        if unit is not None and unit.pk in standing.roles_by_unit:
            return unit.code
    # A superior acting on the case (settling jurisdiction): its own code ends its path.
    above = [path for path in standing.paths if case.accepting_unit.path.startswith(path + PATH_SEPARATOR)]
    return max(above, key=len).rsplit(PATH_SEPARATOR, 1)[-1] if above else ""


# --- access requests (issue 7) --------------------------------------------------------------------

ACCESS_DECIDERS = frozenset({Role.INTAKE_OFFICER, Role.UNIT_HEAD})


def may_decide_access(access_request, user) -> bool:
    """Allow the intake officer or head of the unit that owns the case (DESIGN.md, access grants)."""
    return user_standing(user).holds(access_request.owning_unit_id, ACCESS_DECIDERS)


def may_withdraw_access_request(access_request, user) -> bool:
    """Allow the requester."""
    return access_request.requester_id == getattr(user, "pk", None)
