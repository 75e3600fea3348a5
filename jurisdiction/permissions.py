"""Who may take each transition of a jurisdiction proceeding: callables `(proceeding, user) -> bool`.

Each names the roles and the unit they must be held in, relative to the proceeding: the opening or
holding unit, any party, the proposed lead (its legal department reviews an agreement), the unit
holding the designation request on its way up (层报), or the designating superior. Visibility is
not checked here: a caller that cannot see the proceeding gets 404 first.
"""

from collections.abc import Callable

from core.registry import Registry
from organisation.models import Role
from organisation.paths import covers
from organisation.standing import user_standing

MANAGERS = frozenset({Role.DEPARTMENT_HEAD, Role.UNIT_HEAD, Role.LEGAL_OFFICER})
DECIDERS = frozenset({Role.UNIT_HEAD, Role.LEGAL_OFFICER})
LEGAL = frozenset({Role.LEGAL_OFFICER})
UNIT_HEADS = frozenset({Role.UNIT_HEAD})
HANDOVER_ROLES = frozenset({Role.INVESTIGATOR, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD, Role.LEGAL_OFFICER})

_PARTIES_ATTRIBUTE = "_party_units"


def party_units(proceeding) -> dict[int, str]:
    """Return {unit id: unit path} of the proceeding's parties, read once per proceeding object."""
    cached = getattr(proceeding, _PARTIES_ATTRIBUTE, None)
    if cached is None:
        cached = dict(proceeding.parties.values_list("unit_id", "unit_path"))
        setattr(proceeding, _PARTIES_ATTRIBUTE, cached)
    return cached


def forget_parties(proceeding) -> None:
    if hasattr(proceeding, _PARTIES_ATTRIBUTE):
        delattr(proceeding, _PARTIES_ATTRIBUTE)


def superior_units_of(proceeding, user, roles=DECIDERS) -> list[int]:
    """Return the user's units holding `roles` that stand at or above every party (common superiors)."""
    paths = list(party_units(proceeding).values())
    standing = user_standing(user)
    return [
        unit_id
        for unit_id, path in standing.path_by_unit.items()
        if paths and all(covers(path, party) for party in paths) and standing.holds(unit_id, roles)
    ]


def may_manage(proceeding, user) -> bool:
    """Allow a department head, unit head or legal officer of the opening or holding unit."""
    standing = user_standing(user)
    return standing.holds(proceeding.opening_unit_id, MANAGERS) or standing.holds(
        proceeding.holding_unit_id, MANAGERS
    )


def may_take_part(proceeding, user) -> bool:
    """Allow a department head, unit head or legal officer of any party."""
    standing = user_standing(user)
    return any(standing.holds(unit_id, MANAGERS) for unit_id in party_units(proceeding))


def may_review_agreement(proceeding, user) -> bool:
    """Allow a legal officer of the proposed lead unit (法制审核)."""
    return user_standing(user).holds(proceeding.lead_unit_id, LEGAL)


def filing_unit_id(proceeding) -> int | None:
    request = proceeding.designation_requests.order_by("-id").first()
    return request.filing_unit_id if request is not None else None


def may_file_designation(proceeding, user) -> bool:
    """Allow the head of the unit that filed the designation request (MPS-2020 art 22)."""
    return user_standing(user).holds(filing_unit_id(proceeding), UNIT_HEADS)


def may_act_on_route(proceeding, user) -> bool:
    """Allow the head or legal officer of the superior holding the request on its way up."""
    return user_standing(user).holds(proceeding.current_route_unit_id, DECIDERS)


def may_designate_directly(proceeding, user) -> bool:
    """Allow the head or legal officer of a unit standing above every party (MPS-2020 art 22)."""
    return bool(superior_units_of(proceeding, user))


def may_designate(proceeding, user) -> bool:
    """Allow the head of the designating superior, who signs the 指定管辖决定书."""
    return user_standing(user).holds(proceeding.superior_unit_id, UNIT_HEADS)


def may_start_handover(proceeding, user) -> bool:
    """Allow the head of the unit giving the case up, who signs and issues its 移送案件通知书.

    MPS-2020 arts 175, 184: the transfer needs the approval of the head (县级以上公安机关负责人批准);
    issuing the approved notice (签发) is the head's, and it opens the handover.
    """
    return user_standing(user).holds(proceeding.holding_unit_id, UNIT_HEADS)


def may_settle(proceeding, user) -> bool:
    """Allow an officer of either side, or the superior (settling follows the confirmed handover)."""
    standing = user_standing(user)
    return (
        standing.holds(proceeding.holding_unit_id, HANDOVER_ROLES)
        or standing.holds(proceeding.lead_unit_id, HANDOVER_ROLES)
        or standing.holds(proceeding.superior_unit_id, DECIDERS)
    )


# --- agreements reached elsewhere (a joint meeting's signed 纪要) ---------------------------------

# Filled by the apps above (meetings) in AppConfig.ready(): each says whether the user may record,
# for the proceeding, an agreement a body outside the proceeding reached (MPS-2020 art 22: 协商).
_resolution_authorities: Registry[str, Callable[[object, object], bool]] = Registry(
    "jurisdiction resolution authorities"
)


def register_resolution_authority(func):
    """Register `func(proceeding, user) -> bool` that allows `agree_by_resolution`."""
    return _resolution_authorities.add_function(func)


def may_agree_by_resolution(proceeding, user) -> bool:
    """Allow whoever a registered authority names (the host head issuing a joint meeting's 纪要)."""
    return any(func(proceeding, user) for func in _resolution_authorities.values())


def may_record_position(proceeding, user, unit_id: int) -> bool:
    """Allow a department head, unit head or legal officer of that party to state its position."""
    return unit_id in party_units(proceeding) and user_standing(user).holds(unit_id, MANAGERS)


def may_edit_handover(proceeding, user) -> bool:
    """Allow an officer of the unit handing over to write the list."""
    return user_standing(user).holds(proceeding.holding_unit_id, HANDOVER_ROLES)


def handover_side(proceeding, user) -> str | None:
    """Return which side of the handover the user signs for: sender, receiver, or None."""
    standing = user_standing(user)
    if standing.holds(proceeding.holding_unit_id, HANDOVER_ROLES):
        return "sender"
    if standing.holds(proceeding.lead_unit_id, HANDOVER_ROLES):
        return "receiver"
    return None


# --- merger proposals -----------------------------------------------------------------------------


def may_answer_merger(proposal, user) -> bool:
    """Allow a department head, unit head or legal officer of the side that did not propose."""
    return user_standing(user).holds(proposal.consenting_unit_id, MANAGERS)


def may_review_merger(proposal, user) -> bool:
    """Allow a legal officer of the unit that will lead the merged investigation (法制审核)."""
    return user_standing(user).holds(proposal.into_unit_id, LEGAL)


def may_withdraw_merger(proposal, user) -> bool:
    """Allow a department head, unit head or legal officer of the proposing unit."""
    return user_standing(user).holds(proposal.proposing_unit_id, MANAGERS)
