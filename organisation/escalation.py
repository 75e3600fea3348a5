"""Who hears of a deadline at each escalation level: core asks, the organisation answers.

Registered with core.deadline_rows in OrganisationConfig.ready():

    levels 1–2  the assignee; without one, the responsible unit's people for the work: the heads of
                the department it was routed to, or, while it is still with the unit's intake,
                its intake officers and department heads;
    level 3     the unit head(s) of the responsible unit, acting ones included;
    level 4     the unit head(s) of the common superior of the requesting and responsible units;
                when that is the responsible unit itself (an internal deadline, or a request from
                its own subtree), the heads of the unit above it.

Only memberships in force today count, of active users in active units.
"""

from collections.abc import Iterable

from core.deadline_rows import register_recipient_resolver, register_unit_namer
from core.models import Deadline, EscalationLevel
from organisation.models import Membership, Role, Unit, User
from organisation.selectors import common_superior


def _holders(unit_code: str, roles: Iterable[str], *, department_kind: str = "") -> list[User]:
    memberships = Membership.objects.current().filter(unit__code=unit_code, role__in=list(roles))
    if department_kind:
        memberships = memberships.filter(department__kind=department_kind)
    return list(User.objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by("pk"))


def _people_for_the_work(deadline: Deadline) -> list[User]:
    if deadline.assignee_id is not None and deadline.assignee.is_active:
        return [deadline.assignee]
    code = deadline.responsible_unit_code
    if deadline.responsible_department_kind:
        heads = _holders(code, [Role.DEPARTMENT_HEAD], department_kind=deadline.responsible_department_kind)
        if heads:
            return heads
    return _holders(code, [Role.INTAKE_OFFICER, Role.DEPARTMENT_HEAD])


def superior_unit(deadline: Deadline) -> Unit | None:
    """Return the unit whose heads hear of the deadline at level 4."""
    codes = {deadline.responsible_unit_code, deadline.requester_unit_code} - {""}
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=codes).select_related("parent")}
    responsible = units.get(deadline.responsible_unit_code)
    if responsible is None:
        return None
    superior = common_superior(units.values())
    if superior.pk == responsible.pk:
        return responsible.parent
    return superior


def deadline_recipients(deadline: Deadline, level: int) -> list[User]:
    """Return the users to tell of `deadline` at escalation `level`."""
    if level in (EscalationLevel.REMINDED, EscalationLevel.OVERDUE):
        return _people_for_the_work(deadline)
    if level == EscalationLevel.UNIT_HEAD:
        return _holders(deadline.responsible_unit_code, [Role.UNIT_HEAD])
    if level == EscalationLevel.COMMON_SUPERIOR:
        unit = superior_unit(deadline)
        return _holders(unit.code, [Role.UNIT_HEAD]) if unit is not None else []
    return []


def unit_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Unit.objects.filter(code__in=list(codes)).values_list("code", "name"))


def register() -> None:
    register_recipient_resolver(deadline_recipients)
    register_unit_namer(unit_names)
