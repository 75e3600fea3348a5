"""The meeting's state machine through `meeting_transition`: who may take which step, guards, effects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.api import Conflict
from core.models import AuditEvent, Notification, TimelineEntry
from core.workflow import available_transitions
from meetings import scheduling
from meetings.models import (
    Answer,
    Briefing,
    JointMeeting,
    MeetingState,
    Minutes,
)
from meetings.steps import MEETING_MACHINE
from tests.support.factories.meetings import invite, meeting_in
from tests.support.units import CHONGQING, GUIZHOU, SIX, YUNNAN

pytestmark = pytest.mark.django_db

S = MeetingState
PERSONAS = ("host_liaison", "host_head", "chair_liaison", "chair_head", "member_liaison", "member_head")

# Guizhou hosts, Chongqing chairs the series and organised the meeting, Yunnan is another member.
EXPECTED = {
    S.DRAFT: {"host_liaison": {"schedule", "cancel"}, "chair_liaison": {"schedule", "cancel"}},
    S.SCHEDULED: {
        "host_liaison": {"postpone", "cancel", "open_session"},
        "host_head": {"open_session"},
        "chair_liaison": {"postpone", "cancel"},
        "chair_head": {"open_session"},
    },
    S.POSTPONED: {"host_liaison": {"reschedule", "cancel"}, "chair_liaison": {"reschedule", "cancel"}},
    S.IN_SESSION: {
        "host_liaison": {"postpone", "cancel", "close"},
        "host_head": {"close"},
        "chair_liaison": {"postpone", "cancel"},
        "chair_head": {"close"},
    },
    S.CLOSED: {"host_liaison": {"start_minutes"}},
    S.MINUTES_DRAFTING: {},
    S.MINUTES_CIRCULATING: {},
    S.MINUTES_SIGNED: {},
    S.PUBLISHED: {},
    S.CANCELLED: {},
}


def personas(provinces) -> dict:
    host, chair, other = provinces[GUIZHOU], provinces[CHONGQING], provinces[YUNNAN]
    return {
        "host_liaison": host.liaison,
        "host_head": host.head,
        "chair_liaison": chair.liaison,
        "chair_head": chair.head,
        "member_liaison": other.liaison,
        "member_head": other.head,
    }


def hosted(series, provinces, *, state=S.SCHEDULED, **fields) -> JointMeeting:
    return meeting_in(
        series,
        host=GUIZHOU,
        organiser=provinces[CHONGQING].liaison,
        organiser_unit=provinces[CHONGQING].unit,
        state=state,
        **fields,
    )


def step(meeting, name, by, **kwargs):
    return scheduling.meeting_transition(meeting=meeting, name=name, by=by, **kwargs)


@pytest.mark.parametrize("state", list(EXPECTED))
def test_available_transitions_per_persona_and_state(state, provinces, pan_southwest):
    meeting = hosted(pan_southwest, provinces, state=state)
    people = personas(provinces)
    for persona in PERSONAS:
        meeting = JointMeeting.objects.get(pk=meeting.pk)
        names = set(available_transitions(meeting, people[persona])) & set(MEETING_MACHINE.names())
        assert names == EXPECTED[state].get(persona, set()), (state, persona)


def test_reasons_are_required_to_postpone_and_cancel(provinces, pan_southwest):
    meeting = hosted(pan_southwest, provinces)
    for name in ("postpone", "cancel"):
        with pytest.raises(ValidationError) as refused:
            step(meeting, name, provinces[GUIZHOU].liaison, reason="  ")
        assert "reason" in refused.value.message_dict
        meeting.refresh_from_db()
        assert meeting.state == S.SCHEDULED and meeting.sequence == 0
    meeting, _ = step(meeting, "postpone", provinces[GUIZHOU].liaison, reason="主要领导另有公务")
    assert meeting.state == S.POSTPONED and meeting.postpone_reason == "主要领导另有公务"
    entry = TimelineEntry.objects.get(target_id=str(meeting.pk), action="postpone")
    assert entry.note == "主要领导另有公务" and entry.from_state == S.SCHEDULED


def test_stale_expected_state_is_409_and_the_wrong_user_403(provinces, pan_southwest):
    meeting = hosted(pan_southwest, provinces)
    with pytest.raises(Conflict) as stale:
        step(meeting, "postpone", provinces[GUIZHOU].liaison, reason="x", expected_state=S.DRAFT)
    assert stale.value.current_state == S.SCHEDULED
    with pytest.raises(Conflict):
        step(meeting, "close", provinces[GUIZHOU].liaison)  # not from this state
    with pytest.raises(PermissionDenied):
        step(meeting, "postpone", provinces[YUNNAN].liaison, reason="x")
    with pytest.raises(ValidationError) as unknown:
        step(meeting, "minutes_signed", provinces[GUIZHOU].liaison)  # coupled, never through here
    assert "name" in unknown.value.message_dict
    meeting.refresh_from_db()
    assert meeting.state == S.SCHEDULED


def test_schedule_needs_a_future_time_and_every_member_invited(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = hosted(pan_southwest, provinces, state=S.DRAFT)
    for code in SIX[:-1]:
        invite(meeting, provinces[code].head)
    with pytest.raises(ValidationError) as missing:
        step(meeting, "schedule", provinces[GUIZHOU].liaison)
    assert "participants" in missing.value.message_dict
    assert provinces[SIX[-1]].unit.name in str(missing.value)
    meeting.refresh_from_db()
    assert meeting.state == S.DRAFT and meeting.notice_issued_at is None
    assert not AuditEvent.objects.filter(action="meetings.jointmeeting.schedule").exists()
    invite(meeting, provinces[SIX[-1]].liaison, kind="liaison")
    JointMeeting.objects.filter(pk=meeting.pk).update(
        start_at=timezone.now() - dt.timedelta(hours=1), end_at=timezone.now() + dt.timedelta(hours=1)
    )
    with pytest.raises(ValidationError) as past:
        step(meeting, "schedule", provinces[GUIZHOU].liaison)
    assert "start_at" in past.value.message_dict
    start = timezone.now() + dt.timedelta(days=3)
    JointMeeting.objects.filter(pk=meeting.pk).update(start_at=start, end_at=start + dt.timedelta(hours=4))
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _warnings = step(meeting, "schedule", provinces[GUIZHOU].liaison, expected_state=S.DRAFT)
    assert meeting.state == S.SCHEDULED and meeting.sequence == 0
    assert meeting.notice_issued_at == meeting.times_changed_at == meeting.ical_changed_at
    assert len(mail.outbox) == 6


def test_reschedule_needs_new_times_still_to_come(provinces, pan_southwest):
    meeting = hosted(pan_southwest, provinces, state=S.POSTPONED, sequence=1)
    past = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        step(meeting, "reschedule", provinces[GUIZHOU].liaison, fields={})
    with pytest.raises(ValidationError):
        step(
            meeting,
            "reschedule",
            provinces[GUIZHOU].liaison,
            fields={"start_at": past, "end_at": past + dt.timedelta(hours=2)},
        )
    start = timezone.now() + dt.timedelta(days=10)
    meeting, _ = step(
        meeting,
        "reschedule",
        provinces[GUIZHOU].liaison,
        fields={"start_at": start.isoformat(), "end_at": (start + dt.timedelta(hours=2)).isoformat()},
    )
    assert meeting.state == S.SCHEDULED and meeting.sequence == 2 and meeting.start_at == start


def test_open_session_freezes_the_briefing_and_takes_attendance_from_the_answers(provinces, pan_southwest):
    too_early = hosted(pan_southwest, provinces, start_in=dt.timedelta(hours=3))
    # Not yet possible: the step's need names why (409), and the meeting stays scheduled.
    with pytest.raises(Conflict) as early:
        step(too_early, "open_session", provinces[GUIZHOU].head)
    assert early.value.code == "step_blocked" and early.value.current_state == S.SCHEDULED
    assert str(settings.MEETING_OPEN_LEEWAY_MINUTES) in str(early.value)
    too_early.refresh_from_db()
    assert too_early.state == S.SCHEDULED and too_early.opened_at is None
    meeting = hosted(pan_southwest, provinces, start_in=dt.timedelta(minutes=30))
    came = invite(meeting, provinces[GUIZHOU].head, answer=Answer.ACCEPTED)
    away = invite(meeting, provinces[YUNNAN].head, answer=Answer.DECLINED, answer_reason="出差")
    silent = invite(meeting, provinces[CHONGQING].head)
    meeting, _ = step(meeting, "open_session", provinces[GUIZHOU].head)
    assert meeting.state == S.IN_SESSION and meeting.opened_at is not None
    assert Briefing.objects.get(meeting=meeting).frozen_at is not None
    attended = dict(meeting.participants.values_list("pk", "attended"))
    assert attended == {came.pk: True, away.pk: False, silent.pk: None}


def test_close_hands_over_notifies_the_host_liaison_and_minutes_start(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = hosted(pan_southwest, provinces, state=S.IN_SESSION)
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = step(meeting, "close", provinces[CHONGQING].head)
    assert meeting.state == S.CLOSED and meeting.closed_at is not None
    notice = Notification.objects.get(user=provinces[GUIZHOU].liaison, key=f"meeting:{meeting.pk}:closed")
    assert meeting.title in notice.subject
    with pytest.raises(PermissionDenied):
        step(meeting, "start_minutes", provinces[GUIZHOU].head)
    meeting, _ = step(meeting, "start_minutes", provinces[GUIZHOU].liaison)
    assert meeting.state == S.MINUTES_DRAFTING
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.state == "drafting" and minutes.drafted_by == provinces[GUIZHOU].liaison
    actions = list(
        AuditEvent.objects.filter(target_id=str(meeting.pk), action__startswith="meetings.jointmeeting.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["meetings.jointmeeting.close", "meetings.jointmeeting.start_minutes"]


def test_postpone_and_cancel_from_the_session(provinces, pan_southwest, django_capture_on_commit_callbacks):
    adjourned = hosted(pan_southwest, provinces, state=S.IN_SESSION)
    invite(adjourned, provinces[YUNNAN].head)
    with django_capture_on_commit_callbacks(execute=True):
        adjourned, _ = step(adjourned, "postpone", provinces[GUIZHOU].liaison, reason="突发警情，休会")
    assert adjourned.state == S.POSTPONED and adjourned.sequence == 1
    abandoned = hosted(pan_southwest, provinces, state=S.IN_SESSION)
    abandoned, _ = step(abandoned, "cancel", provinces[CHONGQING].liaison, reason="议题撤回")
    assert abandoned.state == S.CANCELLED and abandoned.cancel_reason == "议题撤回"
