"""DRF permission classes that need to know about memberships (core cannot)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from organisation.models import Role
from organisation.selectors import memberships_current, user_may_read_case_data


class CaseDataAccess(BasePermission):
    """Admit only users with a current operational membership: every case endpoint sits behind this.

    System administrators and auditors hold none (separation of duties), so they are refused before
    any object is looked up. An anonymous request is left to DRF, which answers 401.
    """

    message = _(
        "Your account has no role that may read case data (system administrators and auditors do not)."
    )
    code = "no_case_data_access"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user_may_read_case_data(user)


class RoleApprover(BasePermission):
    """Admit a unit head or a security officer (never an administrator): they decide role proposals."""

    message = _("Only a unit head or a security officer decides role proposals.")
    code = "no_approver_role"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated) or user.is_staff or user.is_superuser:
            return False
        return memberships_current(user).filter(role__in=(Role.UNIT_HEAD, Role.SECURITY_OFFICER)).exists()
