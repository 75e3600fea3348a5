"""The steps of a bulletin and of a recipient's answer, declared once (core.steps)."""

from django.utils.translation import gettext_lazy as _

from bulletins import services
from bulletins.forms import ReasonForm, ReportForm
from bulletins.models import Bulletin, BulletinRecipient
from core.steps import DANGER, PRIMARY, SECONDARY, Machine, Step


def _take_bulletin_step(bulletin, name, *, by, expected_state=None, **values):
    return services.bulletin_transition(
        bulletin_id=bulletin.pk, name=name, by=by, expected_state=expected_state, **values
    )


def _take_recipient_step(recipient, name, *, by, expected_state=None, **values):
    return services.recipient_transition(
        recipient_id=recipient.pk, name=name, by=by, expected_state=expected_state, **values
    )


BULLETIN_MACHINE = Machine(
    Bulletin,
    [
        Step("issue", _("Issue"), emphasis=PRIMARY, help=_("Send it to its recipients; they are fixed now.")),
        Step("close", _("Close"), emphasis=SECONDARY, form=ReasonForm),
        Step(
            "withdraw",
            _("Withdraw"),
            emphasis=DANGER,
            form=ReasonForm,
            confirm=_("Withdraw this bulletin from every recipient."),
        ),
    ],
    run=_take_bulletin_step,
)

RECIPIENT_MACHINE = Machine(
    BulletinRecipient,
    [
        Step("acknowledge", _("Acknowledge"), emphasis=PRIMARY),
        Step("report", _("Report the result"), emphasis=PRIMARY, form=ReportForm),
    ],
    run=_take_recipient_step,
)
