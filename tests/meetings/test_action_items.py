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
from tests.support.factories.organisation import member
from tests.support.meetings import issue, minutes_in, notified, publish
from tests.support.units import CHONGQING, GUIZHOU

NANMING, MPS = "520102", "000000"
TASK = "核查犯罪嫌疑人吉某某身份信息及户籍情况"


def add_action(minutes, office, *, owner=NANMING, task=TASK, **due):
    return resolutions.resolution_add(
        minutes=minutes,
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
    # The deadline row keeps no copy of the task, which may name a case (issue 16): its label is the
    # rule's, the task is read on the item under the case's rule.
    assert deadline.label == "Action item of a joint meeting" and document.number in deadline.citation
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
        action_items.action_item_transition(item=item, name="complete", by=nanming.intake, note=" ")
    assert "note" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        action_items.action_item_transition(
            item=item, name="complete", by=nanming.investigator, note="已核查"
        )
    with pytest.raises(Conflict):
        action_items.action_item_transition(
            item=item, name="complete", by=nanming.intake, note="已核查", expected_state="done"
        )
    done = action_items.action_item_transition(
        item=item, name="complete", by=nanming.intake, note="已核查身份信息，反馈重庆市公安局。"
    )
    assert done.state == ActionItemState.DONE and done.completed_by == nanming.intake
    deadline = deadline_of(item)
    assert deadline.state == DeadlineState.MET and deadline.next_escalation_at is None
    assert notified(f"action:{item.pk}:done") == {host.liaison.pk}
    with pytest.raises(Conflict):
        action_items.action_item_transition(item=item, name="complete", by=nanming.intake, note="再次")

    # Withdrawn by the host's head (not by the owner): the clock is dropped.
    other = item_of(by_date)
    with pytest.raises(PermissionDenied):
        action_items.action_item_transition(
            item=other, name="withdraw", by=provinces[GUIZHOU].head, reason="不再需要"
        )
    withdrawn = action_items.action_item_transition(
        item=other, name="withdraw", by=host.head, reason="相关案件已撤销"
    )
    assert withdrawn.state == ActionItemState.WITHDRAWN
    assert deadline_of(other).state == DeadlineState.CANCELLED
    with pytest.raises(ValidationError):
        action_items.action_item_transition(item=other, name="reopen", by=host.head)

    # Long after both deadlines the scan tells nobody anything about them.
    later = timezone.now() + dt.timedelta(days=60)
    assert deadline_rows.deadline_scan(now=later) == 0
    assert escalations(deadline) == {} and escalations(deadline_of(other)) == {}
    assert AuditEvent.objects.filter(action="meetings.actionitem.complete").count() == 1
    assert AuditEvent.objects.filter(action="meetings.actionitem.withdraw").count() == 1


# --- the count pinned on fixed dates (CPL art 105), not recomputed the way the code computes it ------


def end_of(year: int, month: int, day: int) -> dt.datetime:
    """24:00 of a day in Beijing time, which core.deadlines keeps as 00:00 of the next day."""
    return dt.datetime(year, month, day, tzinfo=SHANGHAI) + dt.timedelta(days=1)


def opened_at(resolution, published_at: dt.datetime, office) -> ActionItem:
    return action_items.action_item_open(
        resolution=resolution,
        by=office.head,
        citation="《泛西南警务合作联席会议纪要》第1项",
        published_at=published_at,
    )


@pytest.mark.parametrize(
    ("published_at", "days", "due_at"),
    [
        # Issued Fri 26 Sep 2025: the 26th is not counted, so day 5 is 1 Oct — National Day (1–8 Oct
        # 2025 are rest days) — and the period runs to the end of the first working day, Thu 9 Oct.
        (dt.datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI), 5, end_of(2025, 10, 9)),
        # Issued Tue 10 Jun 2025: day 5 is Sun 15 Jun, a rest day, so it ends with Mon 16 Jun.
        (dt.datetime(2025, 6, 10, 10, 0, tzinfo=SHANGHAI), 5, end_of(2025, 6, 16)),
        # Day 3 is Fri 13 Jun, a working day: no move. Issued just before midnight, still the 10th.
        (dt.datetime(2025, 6, 10, 23, 59, tzinfo=SHANGHAI), 3, end_of(2025, 6, 13)),
        # Issued at 00:30 on Fri 13 Jun in Beijing, still the 12th in UTC: the days are Beijing's, so
        # day 1 is Sat 14 Jun and it ends with Mon 16 Jun (in UTC it would have been Fri 13).
        (dt.datetime(2025, 6, 12, 16, 30, tzinfo=dt.UTC), 1, end_of(2025, 6, 16)),
    ],
)
def test_within_n_days_counts_as_cpl_article_105(provinces, pan_southwest, published_at, days, due_at):
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    resolution = add_action(minutes, host, due_in_days=days)
    item = opened_at(resolution, published_at, host)
    deadline = deadline_of(item)
    assert item.due_at == deadline.due_at == due_at
    assert deadline.kind == Kind.ORDINARY and deadline.started_at == published_at


@pytest.mark.parametrize(
    ("published_at", "due_on"),
    [
        (dt.datetime(2025, 6, 10, 10, 0, tzinfo=SHANGHAI), dt.date(2025, 6, 14)),  # a Saturday
        (dt.datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI), dt.date(2025, 10, 3)),  # National Day
    ],
)
def test_by_a_date_on_a_rest_day_does_not_move(provinces, pan_southwest, published_at, due_on):
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    resolution = add_action(minutes, host, due_on=timezone.localdate() + dt.timedelta(days=30))
    # The meeting decided it in 2025: the date is set as the minutes printed it.
    type(resolution).objects.filter(pk=resolution.pk).update(due_on=due_on)
    resolution.refresh_from_db()
    item = opened_at(resolution, published_at, host)
    deadline = deadline_of(item)
    assert item.due_at == deadline.due_at == end_of(due_on.year, due_on.month, due_on.day)
    assert deadline.kind == Kind.FIXED


def test_issuing_the_minutes_counts_from_their_issue(provinces, pan_southwest):
    """Through the issue itself: the 纪要's published_at is the start (here 26 Sep 2025, 10:00)."""
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    resolution = add_action(minutes, host, due_in_days=5)
    document = publish(minutes, host.head)
    issued_at = dt.datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)
    type(minutes).objects.filter(pk=minutes.pk).update(published_at=issued_at)
    minutes.refresh_from_db()
    resolutions.resolutions_apply(minutes=minutes, by=host.head, document=document)
    item = item_of(resolution)
    assert item.due_at == deadline_of(item).due_at == end_of(2025, 10, 9)
    assert deadline_of(item).started_at == issued_at
