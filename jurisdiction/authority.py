"""Who settles a case's jurisdiction through a proceeding (asked by cases.permissions).

The case's own rule lets its responsible unit and the units above it settle; a proceeding adds the
legal officer of an agreed lead unit approving the agreement, the head of the designating superior,
and the officers of the unit holding a case it transfers or gives up.
"""

from jurisdiction import permissions as perms
from jurisdiction.models import JurisdictionProceeding, ProceedingState
from organisation.standing import user_standing

S = ProceedingState


def may_settle_case(case, user) -> bool:
    standing = user_standing(user)
    if not standing.roles_by_unit:
        return False
    proceeding = (
        JurisdictionProceeding.objects.filter(
            case_id=case.pk,
            state__in=[S.SETTLED, S.DESIGNATED, S.HANDOVER, S.WITHDRAWN, S.TRANSFERRING],
        )
        .order_by("-id")
        .first()
    )
    if proceeding is None:
        return False
    return (
        # An approved agreement settles the case, then moves it (TRANSFERRING) if it changes hands.
        (
            proceeding.state in (S.SETTLED, S.TRANSFERRING)
            and standing.holds(proceeding.lead_unit_id, perms.LEGAL)
        )
        or standing.holds(proceeding.superior_unit_id, perms.UNIT_HEADS)
        or standing.holds(proceeding.holding_unit_id, perms.MANAGERS)
    )
