"""The steps of an access request, declared once (core.steps): grant, refuse, withdraw."""

from django.utils.translation import gettext_lazy as _

from cases.access import services
from cases.access.forms import GrantForm, RefuseForm
from cases.models import CaseAccessRequest
from core.steps import DANGER, PRIMARY, Machine, Step


def _take_step(access_request, name, *, by, expected_state=None, **values):
    return services.access_request_transition(
        access_request=access_request, name=name, by=by, expected_state=expected_state, **values
    )


ACCESS_REQUEST_MACHINE = Machine(
    CaseAccessRequest,
    [
        # What the owning unit's deciders are expected to do: the request waits in their inbox.
        Step("grant", _("Grant access"), emphasis=PRIMARY, form=GrantForm),
        Step(
            "refuse",
            _("Refuse access"),
            emphasis=DANGER,
            form=RefuseForm,
            confirm=_("Refuse this request; the requester reads your reason."),
        ),
        Step(
            "withdraw",
            _("Withdraw the request"),
            emphasis=DANGER,
            confirm=_("Withdraw your request for access to this case."),
        ),
    ],
    run=_take_step,
    inbox_kinds=("cases.access_request",),
)
