"""The steps of a bulletin and of a recipient's answer, declared once (core.steps)."""

from django.utils.translation import gettext_lazy as _

from bulletins import services
from bulletins.forms import ReasonForm, ReportForm
from bulletins.models import Bulletin, BulletinKind, BulletinRecipient
from core.steps import DANGER, PRIMARY, SECONDARY, Machine, Step


def _take_bulletin_step(bulletin, name, *, by, expected_state=None, **values):
    return services.bulletin_transition(
        bulletin=bulletin, name=name, by=by, expected_state=expected_state, **values
    )


def _take_recipient_step(recipient, name, *, by, expected_state=None, **values):
    return services.recipient_transition(
        recipient=recipient, name=name, by=by, expected_state=expected_state, **values
    )


def _result_awaited(recipient) -> bool:
    """The bulletin is a directive, whose result the issuer awaits."""
    return recipient.bulletin.kind == BulletinKind.DIRECTIVE


BULLETIN_MACHINE = Machine(
    Bulletin,
    [
        # A draft is its author's to finish; the inbox lists what others wait for (waiting=False).
        Step(
            "issue",
            _("Issue"),
            emphasis=PRIMARY,
            waiting=False,
            help=_("Send it to its recipients; they are fixed now."),
        ),
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
    inbox_kinds=(),
)

RECIPIENT_MACHINE = Machine(
    BulletinRecipient,
    [
        Step("acknowledge", _("Acknowledge"), emphasis=PRIMARY),
        # Any recipient may report; only a directive's result is awaited (and listed in the inbox).
        Step(
            "report",
            _("Report the result"),
            emphasis=PRIMARY,
            form=ReportForm,
            waiting=_result_awaited,
        ),
    ],
    run=_take_recipient_step,
    inbox_kinds=("bulletins.acknowledge", "bulletins.report"),
    # The inbox lists a recipient's answer under its bulletin (the page where it is given).
    inbox_object=lambda recipient: ("bulletins.bulletin", str(recipient.bulletin_id)),
)
