"""DRF permission classes that need to know about memberships (core cannot)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from organisation.selectors import user_may_read_case_data


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
