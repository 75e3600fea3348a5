"""Inbox items of the organisation: role proposals and password resets waiting for a second person."""

from django.urls import reverse
from django.utils.translation import gettext as _

from core import inbox
from core.inbox import InboxItem
from organisation.selectors import membership_proposals_to_decide, password_resets_to_decide

LIMIT = 50


@inbox.register("organisation.role_decisions")
def role_decision_items(user) -> list[InboxItem]:
    """Return the role proposals and password reset requests the user may decide."""
    items = [
        InboxItem(
            kind="organisation.membership_proposal",
            kind_label=_("Role proposal"),
            title=f"{proposal.user.display_name} · {proposal.unit.name} · {proposal.get_role_display()}",
            url=reverse("organisation:membership-proposals") + f"#proposal-{proposal.pk}",
            state=proposal.state,
            state_label=proposal.get_state_display(),
            object_type="organisation.membershipproposal",
            object_id=str(proposal.pk),
        )
        for proposal in membership_proposals_to_decide(user)[:LIMIT]
    ]
    items += [
        InboxItem(
            kind="organisation.password_reset",
            kind_label=_("Password reset request"),
            title=f"{reset.user.display_name} ({reset.user.username})",
            url=reverse("organisation:password-resets") + f"#reset-{reset.pk}",
            state=reset.state,
            state_label=reset.get_state_display(),
            object_type="organisation.passwordresetrequest",
            object_id=str(reset.pk),
        )
        for reset in password_resets_to_decide(user)[:LIMIT]
    ]
    return items
