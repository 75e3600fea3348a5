"""Reminders before a meeting (plan §7): 7 and 1 days ahead, each once, again after a new date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import periodic
from core.models import Notification, OutboxMessage
from meetings import reminders, scheduling
from meetings.models import Answer, JointMeeting, MeetingState
from tests.support.factories.meetings import invite, meeting_in
from tests.support.units import CHONGQING, GUIZHOU, SICHUAN, YUNNAN

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def meeting(provinces, pan_southwest):
    """A meeting 10 days ahead, fixed 20 days before it; Yunnan declined; a guest expert with e-mail."""
    meeting = meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=provinces[GUIZHOU].liaison,
        start_in=dt.timedelta(days=10),
        times_changed_at=timezone.now() - dt.timedelta(days=10),
    )
    for code in (CHONGQING, SICHUAN, GUIZHOU):
        invite(meeting, provinces[code].head)
    invite(meeting, provinces[YUNNAN].head, answer=Answer.DECLINED, answer_reason="出差")
    meeting.participants.create(
        external_name="李教授", external_affiliation="四川警察学院", email="li@college.example", kind="expert"
    )
    return meeting


def reminded(meeting, days: int) -> set[int]:
    key = f"meeting:{meeting.pk}:remind:{days}d:{int(meeting.start_at.timestamp())}"
    return set(Notification.objects.filter(key=key).values_list("user_id", flat=True))


def scan(at, capture) -> int:
    with capture(execute=True):
        return reminders.meeting_reminder_scan(now=at)


def test_seven_and_one_day_reminders_each_once_across_scans(
    meeting, provinces, django_capture_on_commit_callbacks
):
    start = meeting.start_at
    heads = {provinces[code].head.pk for code in (CHONGQING, SICHUAN, GUIZHOU)}
    assert scan(start - 8 * DAY, django_capture_on_commit_callbacks) == 0
    assert scan(start - 7 * DAY + dt.timedelta(minutes=5), django_capture_on_commit_callbacks) == 4
    assert reminded(meeting, 7) == heads  # not the one who declined
    guest_mail = [m for m in mail.outbox if m.to == ["li@college.example"]]
    assert len(guest_mail) == 1 and meeting.title in guest_mail[0].subject
    for at in (start - 7 * DAY + dt.timedelta(minutes=10), start - 3 * DAY):
        assert scan(at, django_capture_on_commit_callbacks) == 0
    assert scan(start - DAY + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 4
    assert reminded(meeting, 1) == heads
    assert scan(start - dt.timedelta(hours=2), django_capture_on_commit_callbacks) == 0
    assert scan(start + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
    assert Notification.objects.filter(key__contains=":remind:").count() == 6
    assert (
        OutboxMessage.objects.filter(idempotency_key__startswith=f"meetings.remind:{meeting.pk}:").count()
        == 2
    )
    # Heads have e-mail: each got exactly two reminder e-mails, the guest two.
    assert len(mail.outbox) == 8


def test_meeting_fixed_inside_window_skips_the_longer_reminder(
    meeting, provinces, django_capture_on_commit_callbacks
):
    start = meeting.start_at
    JointMeeting.objects.filter(pk=meeting.pk).update(times_changed_at=start - 5 * DAY)
    assert scan(start - 5 * DAY + dt.timedelta(hours=1), django_capture_on_commit_callbacks) == 0
    assert scan(start - 2 * DAY, django_capture_on_commit_callbacks) == 0
    assert reminded(meeting, 7) == set()
    assert scan(start - DAY + dt.timedelta(hours=1), django_capture_on_commit_callbacks) == 4
    assert len(reminded(meeting, 1)) == 3


def test_a_missed_scan_sends_only_the_nearest_reminder(meeting, django_capture_on_commit_callbacks):
    start = meeting.start_at
    assert scan(start - 12 * dt.timedelta(hours=1), django_capture_on_commit_callbacks) == 4
    assert reminded(meeting, 7) == set() and len(reminded(meeting, 1)) == 3


def test_rescheduled_meeting_is_reminded_again(meeting, provinces, django_capture_on_commit_callbacks):
    start = meeting.start_at
    assert scan(start - DAY + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 4
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.meeting_transition(
            meeting=meeting, name="postpone", by=provinces[GUIZHOU].liaison, reason="场地冲突"
        )
        new_start = (now + 20 * DAY).replace(microsecond=0)
        scheduling.meeting_transition(
            meeting=meeting,
            name="reschedule",
            by=provinces[GUIZHOU].liaison,
            fields={"start_at": new_start, "end_at": new_start + dt.timedelta(hours=4)},
        )
    meeting.refresh_from_db()
    assert meeting.start_at == new_start
    assert scan(new_start - 7 * DAY + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 4
    assert len(reminded(meeting, 7)) == 3
    assert scan(new_start - DAY + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 4
    assert Notification.objects.filter(key__contains=f"meeting:{meeting.pk}:remind:1d:").count() == 6


@pytest.mark.parametrize("state", [MeetingState.CANCELLED, MeetingState.POSTPONED, MeetingState.DRAFT])
def test_cancelled_meeting_is_not_reminded(state, meeting, django_capture_on_commit_callbacks):
    JointMeeting.objects.filter(pk=meeting.pk).update(state=state)
    for days in (7, 1):
        at = meeting.start_at - days * DAY + dt.timedelta(minutes=1)
        assert scan(at, django_capture_on_commit_callbacks) == 0
    assert not Notification.objects.filter(key__contains=":remind:").exists()
    assert mail.outbox == []


@override_settings(MEETING_REMINDER_DAYS=(3,))
def test_offsets_come_from_the_settings_and_the_job_is_registered(
    meeting, django_capture_on_commit_callbacks
):
    start = meeting.start_at
    assert scan(start - 6 * DAY, django_capture_on_commit_callbacks) == 0
    assert scan(start - 3 * DAY + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 4
    assert len(reminded(meeting, 3)) == 3
    job = {job.name: job for job in periodic.jobs()}["meetings.reminders"]
    assert job.func is reminders._reminder_job


def test_a_repeated_scan_costs_one_query_per_due_meeting(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    start = timezone.now() + dt.timedelta(days=10)
    for n in range(3):
        other = meeting_in(
            pan_southwest,
            host=GUIZHOU,
            organiser=provinces[GUIZHOU].liaison,
            start_at=start + n * dt.timedelta(hours=9),
            title=f"会议{n}",
        )
        for code in (CHONGQING, SICHUAN):
            invite(other, provinces[code].head)
    reminders.meeting_reminder_scan(now=start - 7 * DAY + dt.timedelta(days=1))
    # Nothing new to send: meetings, their participants, then one known-keys check per meeting.
    with CaptureQueriesContext(connection) as queries:
        assert reminders.meeting_reminder_scan(now=start - 7 * DAY + dt.timedelta(days=1, minutes=5)) == 0
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 2 + 3
