"""What every page about case data shares: sign-in, and no case data for one without an operational role.

One mixin for every app (it was written five times). Auditors and administrators hold no operational
role (separation of duties); a page about one object answers them 404, as it answers any user who may
not see the object, while the lists (`explain_no_access = True`) say why they are empty.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render

from organisation.selectors import user_may_read_case_data


class CaseDataPageMixin(LoginRequiredMixin):
    """Sign-in required; a user without an operational role sees no case data (404, or why on a list)."""

    explain_no_access = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not user_may_read_case_data(request.user):
            if self.explain_no_access:
                return render(request, "cases/no_access.html", status=403)
            raise Http404
        return super().dispatch(request, *args, **kwargs)
