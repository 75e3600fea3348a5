"""Action items (督办事项) of joint-meeting resolutions, tracked as core deadlines.

An action item opens when the 纪要 that decided it is issued: the owner unit gets the task with a
core.Deadline, so the "due soon" reminder and the four escalation levels come from the existing
deadline scan (core.deadline_rows): levels 1–2 the owner unit's intake officers and department
heads (and, for an action item, its liaison officers), level 3 its head, level 4 the head of the
common superior of the owner and the host unit (organisation.escalation). The period is the
meeting's own decision, not a statute: "within n days" is counted as CPL-2018 art 105 counts days (the
start day not counted, a last day on a rest day moves to the next working day); "by a date" runs to
the end of that date as written.

Completing the task meets the deadline; withdrawing it (the host's head) cancels it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core import audit, deadline_rows, holidays
from core import deadlines as core_deadlines
from core.deadline_rows import TargetDescription
from core.deadlines import Confidence, DeadlineRule, Kind, Period, RuleBook
from core.models import Deadline, EscalationLevel
from core.notifications import notify
from core.workflow import run_transition, timeline_add
from meetings import permissions as perms
from meetings.models import ActionItem, ActionItemState, Resolution
from meetings.resolutions import officers
from organisation.models import Role

TARGET_TYPE = "meetings.actionitem"
RULE_KEY = "meeting_action_item"
RULE_LABEL = gettext_noop("Action item of a joint meeting")
OWNER_OFFICERS = tuple(perms.ACTION_OWNERS)


def action_item_url(item_id: int) -> str:
    """Return the action item's page (§13.2 /meetings/action-items/<id>/)."""
    try:
        return reverse("meetings:action-item", args=[item_id])
    except NoReverseMatch:  # the pages are not mounted (config/urls.py)
        return f"/meetings/action-items/{item_id}/"


def action_item_rule(resolution: Resolution, *, citation: str, published_at: dt.datetime) -> DeadlineRule:
    """Return the deadline rule of one action item: the period the meeting set, as a rule of its own."""
    if resolution.due_in_days is not None:
        # "Within n days": CPL-2018 art 105 — the start day is not counted, a rest day at the end moves on.
        period, kind = Period(resolution.due_in_days, core_deadlines.Unit.DAYS), Kind.ORDINARY
    else:
        # "By <date>": applied as written, so the days up to that date and no extension.
        days = (resolution.due_on - timezone.localdate(published_at)).days
        if days < 1:
            raise ValidationError(
                {"due_on": [_("The due date has passed by the time the minutes are issued.")]}
            )
        period, kind = Period(days, core_deadlines.Unit.DAYS), Kind.FIXED
    return DeadlineRule(
        code=RULE_KEY,
        label=RULE_LABEL,
        period=period,
        citation=citation[:200],
        confidence=Confidence.RECOLLECTION,
        kind=kind,
    )


@transaction.atomic
def action_item_open(*, resolution, by, citation, published_at) -> ActionItem:
    """Open the action item a resolution decided, with its deadline; tell the owner unit.

    Idempotent: a resolution that already has its item returns it.
    """
    existing = ActionItem.objects.filter(resolution=resolution).first()
    if existing is not None:
        return existing
    minutes = resolution.minutes
    meeting = minutes.meeting
    owner = resolution.owner_unit
    rule = action_item_rule(resolution, citation=citation, published_at=published_at)
    due = rule.compute_due(published_at, calendar=holidays.calendar())
    item = ActionItem.objects.create(
        resolution=resolution,
        meeting=meeting,
        series_id=meeting.series_id,
        owner_unit=owner,
        task=resolution.task.strip(),
        due_at=due.at,
    )
    deadline = deadline_rows.deadline_start(
        target=item,
        rule_key=RULE_KEY,
        start=published_at,
        responsible_unit_code=owner.code,
        requester_unit_code=meeting.host_unit.code,
        # Not the task: a deadline row is read by the scan, inboxes and escalations, never under the
        # case's rule, so it keeps no text that may name a case (issue 16).
        label=RULE_LABEL,
        rules=RuleBook([rule]),
    )
    if deadline.due_at != item.due_at:
        item.due_at = deadline.due_at
        item.save(update_fields=["due_at"])
    audit.record(
        action="meetings.actionitem.open",
        actor=by,
        acting_unit_code=meeting.host_unit.code,
        target=item,
        payload={
            "resolution": resolution.pk,
            "citation": citation,
            "owner_unit": owner.code,
            "due_at": item.due_at,
            "deadline": deadline.pk,
        },
    )
    timeline_add(
        instance=item,
        actor=by,
        acting_unit_code=meeting.host_unit.code,
        action="open",
        to_state=item.state,
        note=citation,
    )
    notify(
        users=officers([owner.pk], OWNER_OFFICERS),
        key=f"action:{item.pk}:opened",
        subject=_("A joint meeting gave your unit a task (%(citation)s): %(task)s"),
        body=_("Due by %(due)s."),
        url=action_item_url(item.pk),
        params={"citation": citation, "task": item.task[:80], "due": core_deadlines.format_due(item.due_at)},
    )
    return item


def _open_deadline(item: ActionItem) -> Deadline | None:
    return deadline_rows.deadline_open(target=item, rule_key=RULE_KEY)


@transaction.atomic
def action_item_transition(
    *, item: ActionItem, name, by, note="", reason="", expected_state=None
) -> ActionItem:
    """Complete (`note`: what was done) or withdraw (`reason`) an open action item.

    `item` is the action item as the adapter read it (selectors.action_item_get_visible); it is
    read again by its pk, and core.workflow.run_transition locks it. Conflict (409) when the item is
    no longer open, PermissionDenied (403) when the user may not take the step, ValidationError
    (400) naming the field when the note or reason is missing.
    """
    from meetings.steps import ACTION_ITEM_MACHINE

    if ACTION_ITEM_MACHINE.step(name) is None:
        raise ValidationError({"name": [_("No such transition.")]})
    # Read again: the instance handed in may be stale, and its task may be masked for its reader.
    item = ActionItem.objects.select_related("meeting__host_unit", "owner_unit").filter(pk=item.pk).first()
    if item is None:
        raise ValidationError({"item": [_("No such action item.")]})
    now = timezone.now()
    if name == "complete":
        arguments = {"note": note, "now": now}
        acting = item.owner_unit.code
    else:
        arguments = {"reason": reason}
        acting = item.meeting.host_unit.code

    def after(instance, from_state, to_state):
        deadline = _open_deadline(instance)
        if deadline is not None:
            if to_state == ActionItemState.DONE:
                deadline_rows.deadline_meet(deadline=deadline, at=now)
            else:
                deadline_rows.deadline_cancel(deadline=deadline, at=now)
        if to_state == ActionItemState.DONE:
            notify(
                users=officers([item.meeting.host_unit_id], (Role.LIAISON_OFFICER,)),
                key=f"action:{instance.pk}:done",
                subject=_("%(unit)s reports a task of the joint meeting done: %(task)s"),
                body=_("What was done: %(note)s"),
                url=action_item_url(instance.pk),
                params={
                    "unit": item.owner_unit.name,
                    "task": instance.task[:80],
                    "note": instance.result_note,
                },
            )
        else:
            notify(
                users=officers([item.owner_unit_id], OWNER_OFFICERS),
                key=f"action:{instance.pk}:withdrawn",
                subject=_("A task of the joint meeting was withdrawn: %(task)s"),
                body=_("Reason: %(reason)s"),
                url=action_item_url(instance.pk),
                params={"task": instance.task[:80], "reason": instance.withdrawn_reason},
            )

    result = run_transition(
        model=ActionItem,
        pk=item.pk,
        name=name,
        by=by,
        acting_unit_code=acting,
        expected_state=expected_state,
        arguments=arguments,
        note=note if name == "complete" else reason,
        audit_payload={"note": note} if name == "complete" else {"reason": reason},
        after=after,
    )
    return result.instance


# --- the deadline scan's view of an action item ----------------------------------------------------


def _describe(deadline: Deadline) -> TargetDescription:
    item = (
        ActionItem.objects.select_related("resolution__minutes__document", "meeting")
        .filter(pk=deadline.target_id)
        .first()
        if str(deadline.target_id).isdigit()
        else None
    )
    if item is None:
        return TargetDescription(title=f"#{deadline.target_id}")
    document = item.resolution.minutes.document
    number = document.number if document is not None else item.meeting.title
    return TargetDescription(title=f"{number} 第{item.resolution.number}项", url=action_item_url(item.pk))


def _liaison_for_the_work(deadline: Deadline, level: int) -> list:
    """Add the owner unit's liaison officers at levels 1–2: they chase cross-province tasks.

    organisation.escalation names the intake officers and department heads; a provincial organ
    that owns a task may have neither among the officers who take part in joint meetings.
    """
    if deadline.target_type != TARGET_TYPE or level not in (
        EscalationLevel.REMINDED,
        EscalationLevel.OVERDUE,
    ):
        return []
    from organisation.models import Membership, User

    memberships = Membership.objects.current().filter(
        unit__code=deadline.responsible_unit_code, role=Role.LIAISON_OFFICER
    )
    return list(User.objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by("pk"))


deadline_rows.register_target_describer(TARGET_TYPE, _describe)
deadline_rows.register_recipient_resolver(_liaison_for_the_work)
