"""The steps of a merger proposal (并案侦查, MPS-2020 art 21(2)), declared once (core.steps).

The other case's unit consents or declines (协商); the legal department of the unit that will lead
approves or rejects (法制审核); the proposing unit may withdraw while it is open. Who may take each
step is the transition's permission on the model (jurisdiction.permissions).
"""

from django.utils.translation import gettext_lazy as _

from core.steps import DANGER, PRIMARY, Machine, Step
from jurisdiction.merger import services
from jurisdiction.merger.forms import ApproveForm, ConsentForm, DeclineForm, RejectForm, WithdrawForm
from jurisdiction.models import MergerProposal


def _take_step(proposal, name, *, by, expected_state=None, reason=""):
    return services.merger_transition(
        proposal=proposal, name=name, by=by, reason=reason, expected_state=expected_state
    )


MERGER_MACHINE = Machine(
    MergerProposal,
    [
        Step(
            "consent",
            _("Consent to the merger"),
            emphasis=PRIMARY,
            form=ConsentForm,
            waiting=False,
            help=_("The legal department of the unit that will lead reviews the merger next."),
        ),
        Step(
            "decline",
            _("Decline the merger"),
            emphasis=DANGER,
            form=DeclineForm,
            confirm=_("Decline the merger: the cases stay apart."),
            help=_(
                "The cases stay apart; a unit that still disputes it may ask the common superior (art 22)."
            ),
        ),
        Step(
            "approve",
            _("Approve the merger (法制审核)"),
            emphasis=PRIMARY,
            form=ApproveForm,
            waiting=False,
            help=_(
                "The case is merged into the surviving one: both keep their numbers and histories, and the "
                "merged case's units assist in the surviving case."
            ),
        ),
        Step(
            "reject",
            _("Reject the merger (法制审核)"),
            emphasis=DANGER,
            form=RejectForm,
            confirm=_("Reject the merger: the cases stay apart."),
            help=_("The ground of art 21(2) is not made out: the cases stay apart."),
        ),
        Step(
            "withdraw",
            _("Withdraw the proposal"),
            emphasis=DANGER,
            form=WithdrawForm,
            confirm=_("Withdraw the proposal: the cases stay apart."),
            help=_("The proposal ends; the cases stay apart."),
        ),
    ],
    run=_take_step,
    # No inbox lists proposals yet: the other unit hears of one by notification (merger_propose), so
    # nothing is counted as waiting in the inbox (consent and approve are declared waiting=False).
    inbox_kinds=(),
)
