"""Inbox provider "cases.access_request": open access requests for the owning unit's deciders.

The intake officer or head of the unit that owns a case sees each open request to it until it is
granted, refused or withdrawn. Registered by importing this module from CasesConfig.ready(). An item
names the case (and nothing of the requester's purpose case) as far as the decider may see it now
(`cases.access.selectors.access_requests_shown`, issue 16).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.access.selectors import access_request_list_visible_to, access_requests_shown, deciding_unit_ids
from cases.models import AccessRequestState
from core import inbox

KIND = "cases.access_request"
KIND_LABEL = _("Requests for access to a case")
# The inbox shows what waits; a unit with more open requests works from the list page.
LIMIT = 200


@inbox.register("cases.access_requests")
def access_request_items(user) -> list[inbox.InboxItem]:
    """List the open requests addressed to a unit in which the user may decide them, oldest first."""
    units = deciding_unit_ids(user)
    if not units:
        return []
    open_requests = (
        access_request_list_visible_to(user)
        .filter(owning_unit_id__in=units, state=AccessRequestState.REQUESTED)
        .order_by("id")[:LIMIT]
    )
    shown = access_requests_shown(user, open_requests, path="inbox")
    return [
        inbox.InboxItem(
            kind=KIND,
            kind_label=str(KIND_LABEL),
            title=f"{item.case_shown.label} · {item.requesting_unit.name} · {item.requester.display_name}",
            url=reverse("access:detail", args=[item.pk]),
            state=item.state,
            state_label=str(item.get_state_display()),
            object_type="cases.caseaccessrequest",
            object_id=str(item.pk),
        )
        for item in shown
    ]
