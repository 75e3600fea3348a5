"""Action items: opened by the issued 纪要 with a deadline, escalated by the core scan, stopped when done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core import deadline_rows, holidays
from core.api import Conflict
from core.deadlines import SHANGHAI, Kind, Unit, compute_due
from core.models import AuditEvent, Deadline, DeadlineState, EscalationLevel, OutboxMessage
from meetings import action_items, resolutions
from meetings.models import ActionItem, ActionItemState
from meetings.selectors import action_items_visible_to, meeting_visible_to
from organisation.models import Role
from tests.factories.meetings import CHONGQING, GUIZHOU
from tests.factories.organisation import member
from tests.meetings.test_resolutions import issue, minutes_in, notified

NANMING, MPS = "520102", "000000"
TASK = "核查犯罪嫌疑人吉某某身份信息及户籍情况"


def add_action(minutes, office, *, owner=NANMING, task=TASK, **due):
    return resolutions.resolution_add(
        minutes_id=minutes.pk,
        by=office.liaison,
        kind="action_item",
        text=f"{task}，限期完成。",
        owner_unit=owner,
        task=task,
        **(due or {"due_in_days": 5}),
    )


@pytest.fixture
def issued(provinces, pan_southwest, nanming):
    """Minutes hosted by Chongqing give 南明 a five-day task and Guizhou one due on a date; issued now."""
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    five_days = add_action(minutes, host)
    by_date = add_action(
        minutes,
        host,
        owner=GUIZHOU,
        task="汇总全省协查反馈情况",
        due_on=timezone.localdate() + dt.timedelta(days=10),
    )
    document = issue(minutes, host.head)
    minutes.refresh_from_db()
    return minutes, document, five_days, by_date


def item_of(resolution) -> ActionItem:
    return ActionItem.objects.select_related("owner_unit").get(resolution=resolution)


def deadline_of(item) -> Deadline:
    return Deadline.objects.get(target_type="meetings.actionitem", target_id=str(item.pk))


def escalations(deadline) -> dict[int, set[int]]:
    """Return {level: user ids notified} of a deadline's escalation notifications."""
    found: dict[int, set[int]] = {}
    prefix = f"notify:deadline:{deadline.pk}:level:"
    for message in OutboxMessage.objects.filter(idempotency_key__startswith=prefix):
        level = int(message.idempotency_key.removeprefix(prefix).split(":")[0])
        found.setdefault(level, set()).add(message.payload["user_id"])
    return found


def test_action_item_in_owner_inbox_with_deadline(issued, provinces, nanming):
    minutes, document, five_days, by_date = issued
    item = item_of(five_days)
    assert item.state == ActionItemState.OPEN and item.owner_unit.code == NANMING
    assert (
        item.task == TASK
        and item.meeting_id == minutes.meeting_id
        and item.series_id == minutes.meeting.series_id
    )
    deadline = deadline_of(item)
    # "Within 5 days" counts as CPL art 105 counts: from the issue, start day not counted, rest day moves on.
    expected = compute_due(minutes.published_at, 5, Unit.DAYS, Kind.ORDINARY, calendar=holidays.calendar())
    assert item.due_at == deadline.due_at == expected.at
    assert deadline.rule_key == "meeting_action_item" and deadline.state == DeadlineState.RUNNING
    assert deadline.period == "5 days" and deadline.kind == Kind.ORDINARY
    assert deadline.responsible_unit_code == NANMING and deadline.requester_unit_code == CHONGQING
    assert deadline.label == TASK and document.number in deadline.citation
    assert deadline.next_escalation_at is not None
    # The deadline names the 纪要 and item, and leads to the action item's page.
    described = deadline_rows.describe_target(deadline)
    assert described.title == f"{document.number} 第1项"
    assert described.url.endswith(f"/action-items/{item.pk}/")
    # The owner unit's officers hear of it (not its investigators), and its officers see it and the meeting.
    assert notified(f"action:{item.pk}:opened") == {
        nanming.head.pk,
        nanming.department_head.pk,
        nanming.intake.pk,
    }
    assert list(action_items_visible_to(nanming.intake).filter(pk=item.pk)) == [item]
    assert meeting_visible_to(nanming.intake).filter(pk=minutes.meeting_id).exists()
    event = AuditEvent.objects.get(action="meetings.actionitem.open", target_id=str(item.pk))
    assert event.payload["deadline"] == deadline.pk and document.number in event.payload["citation"]

    # "By a date": runs to the end of that date, as written (no rest-day extension).
    dated = item_of(by_date)
    due_on = by_date.due_on
    end_of_day = dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)
    assert dated.due_at == deadline_of(dated).due_at == end_of_day
    assert deadline_of(dated).kind == Kind.FIXED
    assert notified(f"action:{dated.pk}:opened") == {
        provinces[GUIZHOU].head.pk,
        provinces[GUIZHOU].liaison.pk,
    }


def test_overdue_action_item_escalates_to_unit_head_and_common_superior(issued, provinces, nanming):
    _minutes, document, five_days, by_date = issued
    mps_head = member(MPS, Role.UNIT_HEAD, username="mps_head")
    deadline = deadline_of(item_of(five_days))
    times = deadline_rows.escalation_times(deadline)
    minute = dt.timedelta(minutes=1)

    deadline_rows.deadline_scan(now=times[EscalationLevel.OVERDUE] + minute)
    # Already overdue when first seen: no "due soon", the overdue notice to those doing the work.
    assert escalations(deadline) == {EscalationLevel.OVERDUE: {nanming.intake.pk, nanming.department_head.pk}}
    deadline_rows.deadline_scan(now=times[EscalationLevel.OVERDUE] + 2 * minute)  # nothing twice
    assert set(escalations(deadline)) == {EscalationLevel.OVERDUE}

    deadline_rows.deadline_scan(now=times[EscalationLevel.UNIT_HEAD] + minute)
    assert escalations(deadline)[EscalationLevel.UNIT_HEAD] == {nanming.head.pk}
    deadline_rows.deadline_scan(now=times[EscalationLevel.COMMON_SUPERIOR] + minute)
    # 南明 (Guizhou) and the host Chongqing: their common superior is the ministry.
    assert escalations(deadline)[EscalationLevel.COMMON_SUPERIOR] == {mps_head.pk}
    deadline.refresh_from_db()
    assert (
        deadline.escalation_level == EscalationLevel.COMMON_SUPERIOR and deadline.next_escalation_at is None
    )
    message = OutboxMessage.objects.get(
        idempotency_key=f"notify:deadline:{deadline.pk}:level:4:{mps_head.pk}"
    )
    assert message.payload["params"]["title"] == f"{document.number} 第1项"
    assert message.payload["url"].endswith(f"/action-items/{deadline.target_id}/")

    # A provincial organ that owns a task: its liaison officer is told at the deadline too.
    provincial = deadline_of(item_of(by_date))
    deadline_rows.deadline_scan(now=provincial.due_at + minute)
    assert provincial_liaison_told(provincial, provinces[GUIZHOU].liaison.pk)


def provincial_liaison_told(deadline, user_id) -> bool:
    return user_id in escalations(deadline).get(EscalationLevel.OVERDUE, set())


def test_completed_item_stops_escalating(issued, provinces, nanming):
    _minutes, _document, five_days, by_date = issued
    host = provinces[CHONGQING]
    item = item_of(five_days)
    with pytest.raises(ValidationError) as refused:
        action_items.action_item_transition(item_id=item.pk, name="complete", by=nanming.intake, note=" ")
    assert "note" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        action_items.action_item_transition(
            item_id=item.pk, name="complete", by=nanming.investigator, note="已核查"
        )
    with pytest.raises(Conflict):
        action_items.action_item_transition(
            item_id=item.pk, name="complete", by=nanming.intake, note="已核查", expected_state="done"
        )
    done = action_items.action_item_transition(
        item_id=item.pk, name="complete", by=nanming.intake, note="已核查身份信息，反馈重庆市公安局。"
    )
    assert done.state == ActionItemState.DONE and done.completed_by == nanming.intake
    deadline = deadline_of(item)
    assert deadline.state == DeadlineState.MET and deadline.next_escalation_at is None
    assert notified(f"action:{item.pk}:done") == {host.liaison.pk}
    with pytest.raises(Conflict):
        action_items.action_item_transition(item_id=item.pk, name="complete", by=nanming.intake, note="再次")

    # Withdrawn by the host's head (not by the owner): the clock is dropped.
    other = item_of(by_date)
    with pytest.raises(PermissionDenied):
        action_items.action_item_transition(
            item_id=other.pk, name="withdraw", by=provinces[GUIZHOU].head, reason="不再需要"
        )
    withdrawn = action_items.action_item_transition(
        item_id=other.pk, name="withdraw", by=host.head, reason="相关案件已撤销"
    )
    assert withdrawn.state == ActionItemState.WITHDRAWN
    assert deadline_of(other).state == DeadlineState.CANCELLED
    with pytest.raises(ValidationError):
        action_items.action_item_transition(item_id=other.pk, name="reopen", by=host.head)

    # Long after both deadlines the scan tells nobody anything about them.
    later = timezone.now() + dt.timedelta(days=60)
    assert deadline_rows.deadline_scan(now=later) == 0
    assert escalations(deadline) == {} and escalations(deadline_of(other)) == {}
    assert AuditEvent.objects.filter(action="meetings.actionitem.complete").count() == 1
    assert AuditEvent.objects.filter(action="meetings.actionitem.withdraw").count() == 1
