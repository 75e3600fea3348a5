"""The second person's decisions, declared once (core.steps): a role proposal and a password reset.

Both are one shape: a request waits (proposed) until a second person approves or rejects it, with a
note; who may decide is the transition's permission (organisation.permissions).
"""

from django.utils.translation import gettext_lazy as _

from core.steps import DANGER, PRIMARY, Machine, Step
from organisation import services
from organisation.forms import NoteForm
from organisation.models import MembershipProposal, PasswordResetRequest

_PROPOSAL_SERVICES = {
    "approve": services.membership_proposal_approve,
    "reject": services.membership_proposal_reject,
}
_RESET_SERVICES = {"approve": services.password_reset_approve, "reject": services.password_reset_reject}


def _decide_proposal(proposal, name, *, by, expected_state=None, note=""):
    return _PROPOSAL_SERVICES[name](proposal=proposal, by=by, note=note, expected_state=expected_state)


def _decide_reset(reset, name, *, by, expected_state=None, note=""):
    return _RESET_SERVICES[name](reset=reset, by=by, note=note, expected_state=expected_state)


MEMBERSHIP_PROPOSAL_MACHINE = Machine(
    MembershipProposal,
    [
        Step(
            "approve",
            _("Approve"),
            emphasis=PRIMARY,
            form=NoteForm,
            help=_(
                "The role is in force from its first day; an account's first role gets a one-time password."
            ),
        ),
        Step(
            "reject",
            _("Reject"),
            emphasis=DANGER,
            form=NoteForm,
            confirm=_("Reject this role proposal."),
        ),
    ],
    run=_decide_proposal,
    inbox_kinds=("organisation.membership_proposal",),
)

PASSWORD_RESET_MACHINE = Machine(
    PasswordResetRequest,
    [
        Step(
            "approve",
            _("Approve"),
            emphasis=PRIMARY,
            form=NoteForm,
            help=_("A one-time password is shown to you alone; hand it to the officer in person."),
        ),
        Step(
            "reject",
            _("Reject"),
            emphasis=DANGER,
            form=NoteForm,
            confirm=_("Reject this password reset request."),
        ),
    ],
    run=_decide_reset,
    inbox_kinds=("organisation.password_reset",),
)
