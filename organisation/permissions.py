"""Who decides a role proposal or a password reset: the second person of the separation of duties.

The permission callables of the decisions' transitions (organisation.models) and the pages' and the
API's question "is this user an approver at all" read these rules; the lists of what a user may
decide (organisation.selectors) follow the same ones.
"""

from django.utils.translation import gettext as _

from organisation.models import CASE_ROLES, MembershipProposal, PasswordResetRequest, Role
from organisation.selectors import memberships_current, password_resets_to_decide

# Who decides role proposals and password resets (never an administrator account).
APPROVER_ROLES = (Role.UNIT_HEAD, Role.SECURITY_OFFICER)


def is_approver(user) -> bool:
    """Tell whether the user holds a role that decides proposals and resets (never an administrator)."""
    if not getattr(user, "is_authenticated", False) or user.is_staff or user.is_superuser:
        return False
    return memberships_current(user).filter(role__in=APPROVER_ROLES).exists()


def proposal_refusal(user, proposal: MembershipProposal) -> str:
    """Return why `user` may not decide the proposal (empty when they may).

    A case role: a unit head of the unit itself, or a security officer of the unit or above. The
    auditor and security officer roles: a security officer of the unit or above only, so that no
    unit head picks who audits them. Never the proposer, the user concerned, or an administrator.
    """
    if user.is_administrator:
        return _("An administrator account cannot approve roles.")
    if user.pk in (proposal.proposed_by_id, proposal.user_id):
        return _("A role change is approved by a second person, not by its proposer or the user concerned.")
    for membership in memberships_current(user).filter(role__in=APPROVER_ROLES):
        if membership.role == Role.SECURITY_OFFICER and membership.unit.contains(proposal.unit):
            return ""
        if (
            membership.role == Role.UNIT_HEAD
            and proposal.role in CASE_ROLES
            and membership.unit_id == proposal.unit_id
        ):
            return ""
    return _("Only a unit head of the unit or a security officer may approve this role.")


def reset_refusal(user, reset: PasswordResetRequest) -> str:
    """Return why `user` may not decide the reset request (empty when they may).

    Decided by the rule of organisation.selectors.password_resets_to_decide: a security officer of
    a unit of the account or above, or a unit head of the account's unit when the account holds
    case roles only. Never the requester, the account itself, or an administrator.
    """
    if user.is_administrator:
        return _("An administrator account cannot approve a password reset.")
    if user.pk in (reset.requested_by_id, reset.user_id):
        return _("A password reset is approved by a second person, not by its requester or the account.")
    if not password_resets_to_decide(user).filter(pk=reset.pk).exists():
        return _("Only a security officer of the account's unit or above, or its unit head, approves this.")
    return ""


def decision_refusal(user, request) -> str:
    """Return why `user` may not decide a role proposal or a password reset request (empty: they may)."""
    if not getattr(user, "is_authenticated", False):
        return _("Only a unit head or a security officer decides role proposals.")
    if isinstance(request, MembershipProposal):
        return proposal_refusal(user, request)
    return reset_refusal(user, request)
