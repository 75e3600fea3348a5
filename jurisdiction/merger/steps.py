"""The steps of a merger proposal (并案侦查, MPS-2020 art 21(2)), declared once (core.steps).

The other case's unit consents or declines (协商); the legal department of the unit that will lead
approves or rejects (法制审核); the proposing unit may withdraw while it is open. Who may take each
step is the transition's permission on the model (jurisdiction.permissions).
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.steps import DANGER, PRIMARY, Machine, Step
from jurisdiction.merger import services
from jurisdiction.merger.forms import ApproveForm, ConsentForm, DeclineForm, RejectForm, WithdrawForm
from jurisdiction.models import MergerProposal


def _take_step(proposal, name, *, by, expected_state=None, reason=""):
    return services.merger_transition(
        proposal=proposal, name=name, by=by, reason=reason, expected_state=expected_state
    )


# Whose turn the primary steps are, said to the proposing unit, which may only withdraw meanwhile
# (core.steps.Step.turn, issue 20): the step that moves the proposal on stays in front of it.
def _consent_turn(proposal):
    unit = (
        proposal.into_unit if proposal.consenting_unit_id == proposal.into_unit_id else proposal.merged_unit
    )
    return format_lazy(_("{unit} consents to the merger or declines it (协商)."), unit=unit.name)


def _review_turn(proposal):
    return format_lazy(
        _("The legal department of {unit} reviews the merger (法制审核)."), unit=proposal.into_unit.name
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
            turn=_consent_turn,
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
            turn=_review_turn,
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
