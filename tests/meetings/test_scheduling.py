"""Warnings (clashes, rest days), participants and detail edits of a meeting (plan §5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from core import holidays
from core.api import Conflict
from core.models import AuditEvent, HolidayOverride
from meetings import scheduling
from meetings.models import Answer, AttendanceRole, JointMeeting, MeetingParticipant, MeetingState
from organisation.models import Role
from tests.support.api import token_client
from tests.support.factories.meetings import invite, meeting_in
from tests.support.factories.organisation import member
from tests.support.units import CHONGQING, GUIZHOU, SICHUAN, YUNNAN

pytestmark = pytest.mark.django_db


def on(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def next_weekday(start: dt.date, weekday: int) -> dt.date:
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def force(meeting, state: str, **fields) -> None:
    """Put a meeting in a state directly (the state field is protected), as a fixture would."""
    JointMeeting.objects.filter(pk=meeting.pk).update(state=state, **fields)
    meeting.refresh_from_db()


def codes(warnings) -> list[str]:
    return [warning.code for warning in warnings]


@pytest.fixture
def two_meetings(provinces, pan_southwest, chuanyu_legal):
    """A 泛西南 meeting and a 川渝法制 meeting the same day; Sichuan's head is invited to both."""
    day = next_weekday(timezone.localdate() + dt.timedelta(days=21), 2)  # a Wednesday
    pan = meeting_in(
        pan_southwest,
        host=CHONGQING,
        organiser=provinces[CHONGQING].liaison,
        start_at=on(day, 9),
        end_at=on(day, 17),
        title="泛西南会议",
    )
    legal = meeting_in(
        chuanyu_legal,
        host=SICHUAN,
        organiser=provinces[SICHUAN].liaison,
        start_at=on(day, 14),
        end_at=on(day, 18),
        title="川渝法制会议",
    )
    for office in provinces.values():
        invite(pan, office.head)
    invite(legal, provinces[SICHUAN].head)
    invite(legal, provinces[CHONGQING].legal, kind="legal")
    return pan, legal


def test_clash_with_a_participants_other_meeting_warns(provinces, two_meetings, django_assert_num_queries):
    pan, legal = two_meetings
    # Participants' clashes (one query), the series' meetings, the viewer's standing and what they
    # see, the holiday overrides and their names.
    with django_assert_num_queries(6):
        warnings = scheduling.meeting_checks(pan, user=provinces[SICHUAN].liaison)
    clashes = [w for w in warnings if w.code == "participant_clash"]
    assert len(clashes) == 1
    (clash,) = clashes
    assert clash.data["user_id"] == provinces[SICHUAN].head.pk
    assert clash.data["meeting_id"] == legal.pk
    assert "川渝法制会议" in clash.message
    # Guizhou does not see the legal series' meeting: it is "another meeting", unnamed.
    (hidden,) = [
        w
        for w in scheduling.meeting_checks(pan, user=provinces[GUIZHOU].liaison)
        if w.code == "participant_clash"
    ]
    assert "川渝法制会议" not in hidden.message and "meeting_id" not in hidden.data
    # The same check for a proposed new time.
    later = pan.start_at + dt.timedelta(days=1)
    moved = scheduling.meeting_checks(pan, start_at=later, end_at=later + dt.timedelta(hours=3))
    assert "participant_clash" not in codes(moved)


def test_declined_or_other_times_do_not_clash(provinces, two_meetings):
    pan, legal = two_meetings
    MeetingParticipant.objects.filter(meeting=legal, user=provinces[SICHUAN].head).update(
        answer=Answer.DECLINED
    )
    assert "participant_clash" not in codes(scheduling.meeting_checks(pan))
    MeetingParticipant.objects.filter(meeting=legal).update(answer=Answer.NEEDS_ACTION)
    MeetingParticipant.objects.filter(meeting=pan, user=provinces[SICHUAN].head).update(
        answer=Answer.DELEGATED
    )
    assert "participant_clash" not in codes(scheduling.meeting_checks(pan))
    MeetingParticipant.objects.filter(meeting=pan).update(answer=Answer.ACCEPTED)
    force(legal, MeetingState.CANCELLED)
    assert "participant_clash" not in codes(scheduling.meeting_checks(pan))
    # Back to back is no clash.
    force(legal, MeetingState.SCHEDULED, start_at=pan.end_at, end_at=pan.end_at + dt.timedelta(hours=2))
    assert "participant_clash" not in codes(scheduling.meeting_checks(pan))


def test_another_meeting_of_the_series_at_the_same_time_warns(provinces, pan_southwest):
    first = meeting_in(pan_southwest, host=CHONGQING, organiser=provinces[CHONGQING].liaison)
    second = meeting_in(
        pan_southwest,
        host=CHONGQING,
        organiser=provinces[CHONGQING].liaison,
        state=MeetingState.DRAFT,
        start_at=first.start_at + dt.timedelta(hours=2),
        end_at=first.end_at + dt.timedelta(hours=2),
        kind="drill",
    )
    (warning,) = [
        w for w in scheduling.meeting_checks(second, user=provinces[GUIZHOU].head) if w.code == "series_clash"
    ]
    assert warning.data["meeting_id"] == first.pk and first.title in warning.message


def test_rest_day_from_override_warns_makeup_workday_does_not(provinces, pan_southwest):
    soon = timezone.localdate() + dt.timedelta(days=30)
    holiday = next_weekday(soon, 1)  # a Tuesday, declared a holiday
    makeup = next_weekday(soon, 5)  # a Saturday, declared a make-up working day (调休上班)
    HolidayOverride.objects.create(date=holiday, is_rest_day=True, name="测试假日")
    HolidayOverride.objects.create(date=makeup, is_rest_day=False, name="调休上班")
    meeting = meeting_in(
        pan_southwest,
        host=CHONGQING,
        organiser=provinces[CHONGQING].liaison,
        start_at=on(holiday, 9),
        end_at=on(holiday, 17),
    )
    (rest,) = [w for w in scheduling.meeting_checks(meeting) if w.code == "rest_day"]
    assert rest.data == {"date": holiday.isoformat(), "what": "测试假日"}
    assert holiday.isoformat() in rest.message
    saturday = scheduling.meeting_checks(meeting, start_at=on(makeup, 9), end_at=on(makeup, 17))
    assert "rest_day" not in codes(saturday)
    # A meeting over two days warns for each rest day it touches, and not for the day it ends at midnight.
    span = scheduling.meeting_checks(
        meeting, start_at=on(holiday - dt.timedelta(days=1), 9), end_at=on(holiday + dt.timedelta(days=1), 0)
    )
    assert [w.data["date"] for w in span if w.code == "rest_day"] == [holiday.isoformat()]


def test_unknown_holiday_year_warns_weekends_only(provinces, pan_southwest):
    calendar = holidays.calendar()
    year = next(
        y
        for y in range(timezone.localdate().year + 1, timezone.localdate().year + 50)
        if not calendar.knows(y)
    )
    saturday = next_weekday(dt.date(year, 3, 1), 5)
    wednesday = next_weekday(dt.date(year, 3, 1), 2)
    meeting = meeting_in(
        pan_southwest,
        host=CHONGQING,
        organiser=provinces[CHONGQING].liaison,
        start_at=on(wednesday, 9),
        end_at=on(wednesday, 17),
    )
    weekday = scheduling.meeting_checks(meeting)
    assert codes(weekday) == ["holiday_data_missing"]
    assert weekday[0].data == {"year": year} and str(year) in weekday[0].message
    weekend = scheduling.meeting_checks(meeting, start_at=on(saturday, 9), end_at=on(saturday, 17))
    assert codes(weekend) == ["rest_day", "holiday_data_missing"]
    assert weekend[0].data["date"] == saturday.isoformat()
    # Once the year's arrangement is entered, it is known: no more "data missing".
    HolidayOverride.objects.create(date=dt.date(year, 1, 1), name="元旦")
    assert codes(scheduling.meeting_checks(meeting)) == []


def test_schedule_and_reschedule_keep_their_warnings_in_the_audit(
    provinces, two_meetings, django_capture_on_commit_callbacks
):
    pan, _legal = two_meetings
    force(pan, MeetingState.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        _meeting, warnings = scheduling.meeting_transition(
            meeting=pan, name="schedule", by=provinces[CHONGQING].liaison
        )
    assert "participant_clash" in codes(warnings)
    event = AuditEvent.objects.get(action="meetings.jointmeeting.schedule")
    assert [w["code"] for w in event.payload["warnings"]] == codes(warnings)


def test_participants_are_officers_of_member_subtrees_or_experts(
    provinces, pan_southwest, nanming, xining_investigator, qinghai_investigator
):
    meeting = meeting_in(
        pan_southwest, host=CHONGQING, organiser=provinces[CHONGQING].liaison, state=MeetingState.DRAFT
    )
    organiser = provinces[CHONGQING].liaison
    head = scheduling.participant_add(
        meeting=meeting,
        by=organiser,
        user=provinces[GUIZHOU].head,
        kind="leader",
        attendance_role="present",
    )
    assert head.member.unit == provinces[GUIZHOU].unit and head.email == provinces[GUIZHOU].head.email
    branch = scheduling.participant_add(
        meeting=meeting, by=organiser, user=nanming.head, kind="leader", attendance_role="observer"
    )
    assert branch.unit == nanming.unit and branch.member.unit == provinces[GUIZHOU].unit
    expert = scheduling.participant_add(
        meeting=meeting,
        by=organiser,
        user=xining_investigator,
        kind="expert",
        attendance_role="observer",
    )
    assert expert.member is None
    outsider = member("000000", Role.LIAISON_OFFICER, username="ministry_liaison")  # above, not within
    with pytest.raises(ValidationError) as refused:
        scheduling.participant_add(
            meeting=meeting, by=organiser, user=outsider, kind="liaison", attendance_role="present"
        )
    assert "user" in refused.value.message_dict
    with pytest.raises(ValidationError):
        scheduling.participant_add(
            meeting=meeting,
            by=organiser,
            user=provinces[GUIZHOU].head,
            kind="leader",
            attendance_role="present",
        )
    with pytest.raises(ValidationError) as unnamed:
        scheduling.participant_add(meeting=meeting, by=organiser, kind="expert", attendance_role="observer")
    assert "external_name" in unnamed.value.message_dict
    with pytest.raises(PermissionDenied):
        scheduling.participant_add(
            meeting=meeting,
            by=provinces[YUNNAN].head,
            user=provinces[YUNNAN].legal,
            kind="legal",
            attendance_role="present",
        )
    force(meeting, MeetingState.CLOSED)
    with pytest.raises(Conflict):
        scheduling.participant_add(
            meeting=meeting,
            by=organiser,
            user=provinces[YUNNAN].legal,
            kind="legal",
            attendance_role="present",
        )


def test_candidates_are_member_officers_then_experts_by_name(
    provinces, pan_southwest, nanming, django_assert_num_queries
):
    meeting = meeting_in(pan_southwest, host=CHONGQING, organiser=provinces[CHONGQING].liaison)
    invite(meeting, provinces[GUIZHOU].head)
    # The current member units, then their officers.
    with django_assert_num_queries(2):
        candidates = scheduling.participant_candidates(meeting)
    users = {c.user_id for c in candidates}
    expected = {u.pk for office in provinces.values() for u in (office.head, office.legal, office.liaison)}
    assert users == expected - {provinces[GUIZHOU].head.pk}
    kinds = {c.user_id: c.kind for c in candidates}
    assert kinds[provinces[YUNNAN].legal.pk] == "legal" and kinds[provinces[YUNNAN].head.pk] == "leader"
    found = scheduling.participant_candidates(meeting, query="nanming_dept")
    assert [(c.user_id, c.kind) for c in found] == [(nanming.department_head.pk, "expert")]


def test_stale_sequence_is_409_and_bad_times_are_400(provinces, pan_southwest):
    meeting = meeting_in(pan_southwest, host=CHONGQING, organiser=provinces[CHONGQING].liaison, sequence=2)
    organiser = provinces[CHONGQING].liaison
    with pytest.raises(Conflict):
        scheduling.meeting_update(meeting=meeting, by=organiser, expected_sequence=1, place="新址")
    updated, _warnings = scheduling.meeting_update(
        meeting=meeting, by=organiser, expected_sequence=2, place="新址"
    )
    assert updated.place == "新址" and updated.sequence == 3
    with pytest.raises(ValidationError) as backwards:
        scheduling.meeting_update(
            meeting=meeting, by=organiser, end_at=meeting.start_at - dt.timedelta(hours=1)
        )
    assert "end_at" in backwards.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        scheduling.meeting_update(meeting=meeting, by=organiser, state="closed")
    assert "state" in unknown.value.message_dict
    with pytest.raises(PermissionDenied):
        scheduling.meeting_update(meeting=meeting, by=provinces[GUIZHOU].legal, place="别处")


def test_roll_call_only_until_the_minutes_circulate_by_who_runs_it(provinces, pan_southwest):
    meeting = meeting_in(
        pan_southwest, host=CHONGQING, organiser=provinces[CHONGQING].liaison, state=MeetingState.IN_SESSION
    )
    guest = invite(meeting, provinces[GUIZHOU].head, attendance_role=AttendanceRole.OBSERVER)
    with pytest.raises(PermissionDenied):
        scheduling.attendance_record(participant=guest, by=provinces[GUIZHOU].liaison, attended=True)
    recorded = scheduling.attendance_record(participant=guest, by=provinces[CHONGQING].head, attended=False)
    assert recorded.attended is False
    assert AuditEvent.objects.filter(action="meetings.participant.attendance").count() == 1
    # Corrected after the session until the minutes circulate (issue 20), then no more.
    force(meeting, MeetingState.CLOSED)
    corrected = scheduling.attendance_record(participant=guest, by=provinces[CHONGQING].head, attended=True)
    assert corrected.attended is True and corrected.presence == "present"
    force(meeting, MeetingState.MINUTES_CIRCULATING)
    with pytest.raises(Conflict):
        scheduling.attendance_record(participant=guest, by=provinces[CHONGQING].head, attended=False)


def test_answers_only_by_the_person_or_the_member_liaison_and_until_the_session(provinces, pan_southwest):
    meeting = meeting_in(pan_southwest, host=CHONGQING, organiser=provinces[CHONGQING].liaison)
    row = invite(meeting, provinces[GUIZHOU].head)
    for stranger in (provinces[YUNNAN].liaison, provinces[GUIZHOU].legal, provinces[CHONGQING].liaison):
        with pytest.raises(PermissionDenied):
            scheduling.participant_answer(participant=row, by=stranger, answer="accepted")
    with pytest.raises(ValidationError):
        scheduling.participant_answer(participant=row, by=provinces[GUIZHOU].head, answer="maybe")
    with pytest.raises(ValidationError) as outside:
        scheduling.participant_answer(
            participant=row,
            by=provinces[GUIZHOU].head,
            answer="delegated",
            delegate=provinces[YUNNAN].legal,
        )
    assert "delegate" in outside.value.message_dict
    answered = scheduling.participant_answer(participant=row, by=provinces[GUIZHOU].head, answer="accepted")
    assert answered.answer == Answer.ACCEPTED and answered.answered_by == provinces[GUIZHOU].head
    assert AuditEvent.objects.filter(action="meetings.participant.answer").count() == 1
    force(meeting, MeetingState.IN_SESSION)
    with pytest.raises(Conflict):
        scheduling.participant_answer(
            participant=row, by=provinces[GUIZHOU].head, answer="declined", reason="x"
        )


def test_a_participant_removed_while_waiting_for_the_meeting_lock_is_a_404(
    provinces, pan_southwest, monkeypatch
):
    """Two organisers at once: the row goes between the first read and the lock; no DoesNotExist (500)."""
    meeting = meeting_in(
        pan_southwest, host=CHONGQING, organiser=provinces[CHONGQING].liaison, state=MeetingState.IN_SESSION
    )
    guest = invite(meeting, provinces[GUIZHOU].head, attendance_role=AttendanceRole.OBSERVER)
    lock = scheduling._lock

    def lock_after_the_other_removed_it(meeting_id):
        MeetingParticipant.objects.filter(pk=guest.pk).delete()
        return lock(meeting_id)

    monkeypatch.setattr(scheduling, "_lock", lock_after_the_other_removed_it)
    organiser, head = provinces[CHONGQING].liaison, provinces[CHONGQING].head
    for call in (
        lambda: scheduling.attendance_record(participant=guest, by=head, attended=True),
        lambda: scheduling.participant_update(participant=guest, by=organiser, kind="leader"),
        lambda: scheduling.participant_remove(participant=guest, by=organiser),
        lambda: scheduling.participant_answer(
            participant=guest, by=provinces[GUIZHOU].head, answer="accepted"
        ),
    ):
        with pytest.raises(Http404):
            call()
    monkeypatch.undo()
    # A participant id in the path that is no id at all ("²" passes str.isdigit) or is gone: the
    # adapter reads the row on the meeting (the services take the row it read), 404 as well.
    MeetingParticipant.objects.filter(pk=guest.pk).delete()
    client = token_client(head)
    for participant_id in ("²", "1" * 19, guest.pk):
        path = f"/api/v1/meetings/{meeting.pk}/participants/{participant_id}/attendance/"
        assert client.post(path, {"attended": True}, format="json").status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="meetings.participant.").exists()
