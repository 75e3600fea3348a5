"""Who may act on bulletins: transition permission callables `(instance, user)` (DESIGN.md)."""

from organisation.models import Role
from organisation.standing import user_standing

# Who drafts and edits a bulletin of the issuing unit.
DRAFTERS = frozenset(
    {Role.INVESTIGATOR, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD, Role.LIAISON_OFFICER, Role.INTAKE_OFFICER}
)
# Who sends a request to look out (协查通报, 预警): it asks, it does not order.
BULLETIN_ISSUERS = frozenset({Role.UNIT_HEAD, Role.DEPARTMENT_HEAD})
# An order (指令) is signed by the head of the issuing organ.
DIRECTIVE_ISSUERS = frozenset({Role.UNIT_HEAD})
# Who answers for a recipient unit: its intake point, its head and its liaison officers.
RESPONDERS = frozenset({Role.INTAKE_OFFICER, Role.UNIT_HEAD, Role.LIAISON_OFFICER})
# Who opens a case for the recipient unit (cases.services.case_create asks the same).
CASE_OPENERS = frozenset({Role.INVESTIGATOR, Role.DEPARTMENT_HEAD})


def issuer_roles(bulletin) -> frozenset:
    from bulletins.models import BulletinKind

    return DIRECTIVE_ISSUERS if bulletin.kind == BulletinKind.DIRECTIVE else BULLETIN_ISSUERS


def may_edit(bulletin, user) -> bool:
    """Allow the drafters of the issuing unit."""
    return user_standing(user).holds(bulletin.issuing_unit_id, DRAFTERS)


def may_issue(bulletin, user) -> bool:
    """Allow the head (and, for a bulletin, a department head) of the issuing unit."""
    return user_standing(user).holds(bulletin.issuing_unit_id, issuer_roles(bulletin))


def may_close(bulletin, user) -> bool:
    """Allow those who may issue it: the issuer ends or withdraws what it sent."""
    return may_issue(bulletin, user)


def may_respond(recipient, user) -> bool:
    """Allow the intake officers, head and liaison officers of the recipient unit."""
    return user_standing(user).holds(recipient.unit_id, RESPONDERS)
