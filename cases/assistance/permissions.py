"""Who may take each transition of an assistance request: callables (request, user) by role and unit.

Never permission strings: a global permission would override an object-level denial. A user's
current memberships are read once and kept on the user object for the rest of the request, so a
list that asks about many requests costs no extra queries.
"""

from organisation.models import Role, Unit
from organisation.selectors import operational_memberships, operational_memberships_forget

REQUESTER_ROLES = (Role.INVESTIGATOR, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD)
SENIOR_ROLES = (Role.UNIT_HEAD, Role.LEGAL_OFFICER)


def memberships_of(user) -> list[tuple[int, str, int | None]]:
    """Return (unit id, role, department id) of the user's current operational memberships."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [(unit, role, department) for unit, _path, role, department in operational_memberships(user)]


def forget(user) -> None:
    """Drop the cached memberships (after a membership change in the same request)."""
    if user is not None:
        operational_memberships_forget(user)


def holds(user, unit_id, *roles, department_id=None) -> bool:
    """Return whether the user holds one of the roles in this very unit (and department, if given)."""
    return any(
        unit == unit_id and role in roles and (department_id is None or department == department_id)
        for unit, role, department in memberships_of(user)
    )


def may_submit(request, user) -> bool:
    """Put a draft to the approver: an officer of the requesting unit."""
    return holds(user, request.requesting_unit_id, *REQUESTER_ROLES)


def may_act_as_requester(request, user) -> bool:
    """Send, resubmit, answer a question, confirm, withdraw: an officer of the requesting unit."""
    return holds(user, request.requesting_unit_id, *REQUESTER_ROLES)


def may_approve(request, user) -> bool:
    """The department head approves; a coercive measure needs the unit head (KINDS[kind].approver_role).

    A property inquiry or freeze needs the head of an organ of the level the law names (MPS-2020 arts
    238, 239, 243 ¶2; `request.approval_rule`): the head of the organ the submission routed it to.
    """
    if request.approval_rule is not None:
        return holds(user, request.approval_unit_id or request.requesting_unit_id, Role.UNIT_HEAD)
    unit_id = request.requesting_unit_id
    if holds(user, unit_id, Role.UNIT_HEAD):
        return True
    if request.spec.approver_role == Role.UNIT_HEAD:
        return False
    department_id = request.requesting_department_id
    return holds(user, unit_id, Role.DEPARTMENT_HEAD, department_id=department_id)


def may_approve_release(request, user) -> bool:
    """Lift a freeze: the head of the organ that approved it (MPS-2020 art 241), as approve_release asks."""
    return holds(user, request.approval_unit_id or request.requesting_unit_id, Role.UNIT_HEAD)


def may_act_as_intake(request, user) -> bool:
    """The requested unit's single intake point (归口接收, MPS-2020 art 348)."""
    return holds(user, request.requested_unit_id, Role.INTAKE_OFFICER)


def may_assign(request, user) -> bool:
    """The head of the department the request was routed to."""
    if request.routed_department_id is None:
        return False
    return holds(
        user, request.requested_unit_id, Role.DEPARTMENT_HEAD, department_id=request.routed_department_id
    )


def is_assignee(request, user) -> bool:
    """Start and fulfil: the officer the work was assigned to."""
    return user is not None and request.assignee_id is not None and request.assignee_id == user.pk


def may_dispute(request, user) -> bool:
    """Either side (art 356): the requester's officers, or the requested unit's intake, heads, legal."""
    return holds(user, request.requesting_unit_id, *REQUESTER_ROLES, Role.LEGAL_OFFICER) or holds(
        user,
        request.requested_unit_id,
        Role.INTAKE_OFFICER,
        Role.DEPARTMENT_HEAD,
        Role.UNIT_HEAD,
        Role.LEGAL_OFFICER,
    )


def may_refer(request, user) -> bool:
    """The unit head or legal officer of either unit takes the dispute to the common superior."""
    return holds(user, request.requesting_unit_id, *SENIOR_ROLES) or holds(
        user, request.requested_unit_id, *SENIOR_ROLES
    )


def may_decide(request, user) -> bool:
    """The common superior decides a referred dispute with its head's approval (MPS-2020 art 356).

    Art 356: failing agreement, the dispute over jurisdiction or classification is put to the common
    superior organ to decide (提请共同的上级公安机关决定); the organ's decision is its head's, so its
    legal officer may prepare it (it is told of the referral) but not decide alone.
    """
    return request.referred_to_id is not None and holds(user, request.referred_to_id, Role.UNIT_HEAD)


def may_create_for(unit_id, user) -> bool:
    """Return whether the user may draft a request on behalf of this unit."""
    return holds(user, unit_id, *REQUESTER_ROLES)


def may_edit_documents(request, user) -> bool:
    return holds(user, request.requesting_unit_id, *REQUESTER_ROLES)


def may_record_follow_up(request, user) -> bool:
    """Custody and property follow-up: the requested unit's officers on the work, or the requester's."""
    return (
        is_assignee(request, user)
        or holds(user, request.requested_unit_id, Role.INTAKE_OFFICER, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD)
        or holds(user, request.requesting_unit_id, *REQUESTER_ROLES)
    )


def heads_organ_at_level(user, unit, level: int) -> bool:
    """Return whether the user heads `unit`, or an organ above it, at `level` or higher (UnitLevel).

    What the law leaves to "the head of a county-level (city-level, provincial) or higher organ"
    (e.g. MPS-2020 arts 80, 238, 239) may be approved by the unit head of such an organ: the unit
    itself when its level is high enough, else one of its superiors that is.
    """
    heads = {unit_id for unit_id, role, _dept in memberships_of(user) if role == Role.UNIT_HEAD}
    if not heads:
        return False
    if unit.pk in heads and unit.level <= level:
        return True
    return Unit.objects.ancestors_of(unit).filter(pk__in=heads, level__lte=level).exists()
