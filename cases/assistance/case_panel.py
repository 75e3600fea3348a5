"""The assistance requests of a case, shown on the case page with a way to ask for more."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases import panels
from cases.assistance import permissions as perms


@panels.register("assistance_requests")
def assistance_requests_panel(case, user) -> panels.CasePanel | None:
    """List the case's requests this user may see, and offer a new one to those who may ask."""
    from cases.assistance.selectors import request_list_visible_to
    from cases.models import FINAL_STATES, CaseState

    requests = list(request_list_visible_to(user).filter(case=case).order_by("-id")[:50])
    open_case = case.state not in FINAL_STATES and case.state != CaseState.DRAFT
    units = {unit for unit, _role, _dept in perms.memberships_of(user)}
    may_ask = open_case and any(perms.may_create_for(unit, user) for unit in units)
    if not requests and not may_ask:
        return None
    new_url = f"{reverse('assistance:create')}?case={case.pk}" if may_ask else ""
    return panels.CasePanel(
        template="assistance/_case_panel.html",
        context={"requests": requests, "new_url": new_url},
        order=50,
        actions=(
            panels.CaseAction(
                _("Ask another unit for assistance"),
                new_url,
                _("A request to another unit for an investigative act or documents (MPS-2020 art 346)."),
            ),
        )
        if may_ask
        else (),
    )
