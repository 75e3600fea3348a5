"""Inbox providers: what waits for each user on assistance requests (registered in AppConfig.ready)."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.assistance import permissions as perms
from cases.assistance.models import AssistanceRequest, RequestState
from core import inbox
from core.deadline_rows import TargetDescription, register_target_describer
from core.labels import choice_label, detail_url
from organisation.models import Role

S = RequestState
# The inbox shows what waits; a unit with more than this many items of a kind works from the list.
LIMIT = 200
ITEM_FIELDS = (
    "number",
    "kind",
    "freeze_scope",
    "approval_unit_id",
    "state",
    "requesting_unit_id",
    "requesting_department_id",
    "requested_unit_id",
    "requesting_unit__name",
    "requested_unit__name",
)
# A draft waits for its drafter to submit it (issue 20: every step waiting for a user is in their
# 待办); one the approver sent back says so, with the reason on its page. Listed for the drafter
# whether or not its checklist is complete (a missing scan is the drafter's to upload), which the
# kit's waiting rule (available steps, anyone of the unit) does not say: the request machine does
# not claim these kinds (cases.assistance.steps), so tests/web/test_inbox_matches_the_steps.py
# holds the others to the kit and tests/assistance/test_draft_in_inbox.py these.
DRAFT_KINDS = ("draft", "sent_back")
KINDS = {
    "draft": _("Draft assistance requests to submit"),
    "sent_back": _("Assistance requests sent back to you to correct"),
    "approval": _("Assistance requests awaiting your approval"),
    "send": _("Approved assistance requests to send"),
    "intake": _("Incoming assistance requests to check"),
    "route": _("Accepted assistance requests to route to a department"),
    "routing": _("Assistance requests routed to your department"),
    "assigned": _("Assistance requests assigned to you"),
    "clarification": _("Questions on your assistance requests"),
    "returned": _("Returned assistance requests to correct"),
    "confirm": _("Fulfilled assistance requests to confirm"),
    "decide": _("Disputed assistance requests referred to your unit"),
}


def _units_with(user, *roles) -> list[int]:
    return sorted({unit for unit, role, _dept in perms.memberships_of(user) if role in roles})


def _departments_headed(user) -> list[int]:
    return sorted(
        {dept for _unit, role, dept in perms.memberships_of(user) if role == Role.DEPARTMENT_HEAD and dept}
    )


def _conditions(user) -> dict[str, Q]:
    """Return each kind's condition, leaving out the kinds the user's roles rule out."""
    requester_units = _units_with(user, *perms.REQUESTER_ROLES)
    heads = _units_with(user, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD)
    intake_units = _units_with(user, Role.INTAKE_OFFICER)
    departments = _departments_headed(user)
    # MPS-2020 art 356: the common superior's head decides a referred dispute.
    deciding_units = _units_with(user, Role.UNIT_HEAD)
    own_or_headed = Q(created_by=user) | Q(requesting_unit_id__in=heads) if heads else Q(created_by=user)
    conditions = {
        "draft": Q(state=S.DRAFT, created_by=user, rejection_reason=""),
        "sent_back": Q(state=S.DRAFT, created_by=user) & ~Q(rejection_reason=""),
        # The approval the law gives to a higher organ's head waits at that organ (approval_unit).
        "approval": Q(state=S.AWAITING_APPROVAL)
        & (Q(requesting_unit_id__in=heads) | Q(approval_unit_id__in=heads))
        if heads
        else None,
        "send": Q(state=S.APPROVED, created_by=user),
        "intake": Q(state__in=[S.SENT, S.RECEIVED], requested_unit_id__in=intake_units)
        if intake_units
        else None,
        # Accepted, a request waits for the intake officer to route it (found missing by the kit's
        # invariant: tests/web/test_inbox_matches_the_steps.py).
        "route": Q(state=S.ACCEPTED, requested_unit_id__in=intake_units) if intake_units else None,
        "routing": Q(state=S.ROUTED, routed_department_id__in=departments) if departments else None,
        "assigned": Q(state__in=[S.ASSIGNED, S.IN_PROGRESS], assignee=user),
        "clarification": Q(state=S.CLARIFICATION_REQUESTED, requesting_unit_id__in=requester_units)
        & own_or_headed
        if requester_units
        else None,
        "returned": Q(state=S.RETURNED, created_by=user),
        "confirm": Q(state=S.FULFILLED, requesting_unit_id__in=requester_units) & own_or_headed
        if requester_units
        else None,
        "decide": Q(state=S.REFERRED, referred_to_id__in=deciding_units) if deciding_units else None,
    }
    return {key: condition for key, condition in conditions.items() if condition is not None}


@inbox.register("assistance_requests")
def assistance_items(user):
    """Yield one item per request and kind waiting for this user, with its nearest open deadline.

    One query for every kind: each kind's condition is a boolean column of the same row, so the
    cost does not grow with the number of kinds (issue 8: the inbox within 3× of its SQL floor).
    """
    from cases.assistance.selectors import request_visible_to, with_deadlines

    if not perms.memberships_of(user):
        return []
    conditions = _conditions(user)
    visible = with_deadlines(request_visible_to(user), overdue=False)  # items show the due time alone
    url = detail_url("assistance:detail")

    def rows_for(keys: list[str]):
        return (
            inbox.flagged(visible, {key: conditions[key] for key in keys})
            .select_related("requesting_unit", "requested_unit")
            # What an item shows and `may_approve` reads: a tenth of the row and its relations.
            .only(*ITEM_FIELDS)
        )

    def build(key: str, request) -> inbox.InboxItem | None:
        if key == "approval" and not perms.may_approve(request, user):
            return None
        return inbox.InboxItem(
            kind=f"assistance_request.{key}",
            kind_label=str(KINDS[key]),
            title=f"{request.number} {choice_label(AssistanceRequest, 'kind', request.kind)} · "
            f"{request.requesting_unit.name} → {request.requested_unit.name}",
            url=url(request.pk),
            state=request.state,
            state_label=choice_label(AssistanceRequest, "state", request.state),
            due_at=request.next_due_at,
            object_type="assistance.assistancerequest",
            object_id=str(request.pk),
        )

    return inbox.items_by_kind(rows_for, conditions, build, limit=LIMIT)


def _describe_request(deadline) -> TargetDescription:
    request = AssistanceRequest.objects.filter(pk=deadline.target_id).first()
    if request is None:
        return TargetDescription(title=f"#{deadline.target_id}")
    return TargetDescription(
        title=f"{request.number} {request.get_kind_display()}",
        url=reverse("assistance:detail", args=[request.pk]),
    )


def _describe_measure(deadline) -> TargetDescription:
    from cases.assistance.models import PropertyMeasure

    measure = PropertyMeasure.objects.select_related("request").filter(pk=deadline.target_id).first()
    if measure is None:
        return TargetDescription(title=f"#{deadline.target_id}")
    return TargetDescription(
        title=f"{measure.request.number} {measure.get_kind_display()} {measure.target}",
        url=reverse("assistance:detail", args=[measure.request_id]),
    )


register_target_describer("assistance.assistancerequest", _describe_request)
register_target_describer("assistance.propertymeasure", _describe_measure)
