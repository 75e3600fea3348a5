"""Rotation (轮值): the pure order, the host proposal, the override reason, the handover, the seed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from core.models import AuditEvent, Notification
from meetings import rotation, scheduling, selectors
from meetings.models import (
    AgendaItem,
    DutyTerm,
    JointMeeting,
    MeetingKind,
    MeetingSeries,
    MeetingState,
    SeriesMember,
)
from tests.support.factories.meetings import meeting_in
from tests.support.units import CHONGQING, GUIZHOU, QINGHAI, SICHUAN, TIBET, YUNNAN

ORDER = [(1, "A"), (2, "B"), (3, "C")]


@pytest.mark.parametrize(
    ("order", "current", "expected"),
    [
        (ORDER, None, "A"),
        (ORDER, 1, "B"),
        (ORDER, 2, "C"),
        (ORDER, 3, "A"),  # wraps round
        ([(3, "C"), (1, "A")], 1, "C"),  # sorted by position, whatever the input order
        ([(1, "A"), (3, "C")], 2, "C"),  # position 2's holder left: the next after it
        ([(1, "A"), (3, "C")], 7, "A"),
        ([(5, "E")], 5, "E"),
    ],
)
def test_next_in_rotation(order, current, expected):
    assert rotation.next_in_rotation(order, current) == expected


def test_next_in_rotation_needs_a_member():
    with pytest.raises(ValueError):
        rotation.next_in_rotation([], None)


def held(series, provinces, host, *, days_ago=30, kind=MeetingKind.REGULAR, state=MeetingState.CLOSED):
    return meeting_in(
        series,
        host=host,
        organiser=provinces[host].liaison,
        state=state,
        kind=kind,
        start_in=-dt.timedelta(days=days_ago),
    )


@pytest.mark.django_db
def test_proposal_follows_the_duty_term_then_the_last_host_then_the_first(provinces, pan_southwest):
    first = rotation.series_propose_host(pan_southwest)
    assert first.unit.code == CHONGQING and "重庆市公安局" in first.reason
    held(pan_southwest, provinces, SICHUAN, days_ago=400)
    held(pan_southwest, provinces, GUIZHOU, days_ago=30)
    # Drills, drafts and cancelled meetings do not move the rotation.
    held(pan_southwest, provinces, TIBET, days_ago=10, kind=MeetingKind.DRILL)
    held(pan_southwest, provinces, QINGHAI, days_ago=5, state=MeetingState.CANCELLED)
    after_last = rotation.series_propose_host(pan_southwest)
    assert after_last.unit.code == YUNNAN
    assert "云南省公安厅" in after_last.reason and "贵州省公安厅" in after_last.reason
    DutyTerm.objects.create(series=pan_southwest, member=pan_southwest.members.get(unit__code=TIBET))
    on_duty = rotation.series_propose_host(pan_southwest)
    assert on_duty.unit.code == TIBET and "西藏自治区公安厅" in on_duty.reason
    # The member on duty left the series: the turn passes on.
    pan_southwest.members.filter(unit__code=TIBET).update(left_on=timezone.localdate() - dt.timedelta(days=1))
    assert rotation.series_propose_host(pan_southwest).unit.code == QINGHAI


@pytest.mark.django_db
def test_create_defaults_to_the_proposal_and_an_override_needs_a_reason(provinces, pan_southwest):
    organiser = provinces[CHONGQING].liaison
    meeting = scheduling.meeting_create(series=pan_southwest, by=organiser, kind=MeetingKind.REGULAR)
    assert meeting.host_unit.code == CHONGQING and meeting.rotation_override_reason == ""
    assert meeting.state == MeetingState.DRAFT and meeting.session_number == 1
    assert meeting.organiser == organiser and meeting.organiser_unit.code == CHONGQING
    assert meeting.title == "泛西南警务合作联席会议第一次会议"
    (briefing,) = AgendaItem.objects.filter(meeting=meeting)
    assert (briefing.position, briefing.source_kind) == (1, "briefing")
    with pytest.raises(ValidationError) as refused:
        scheduling.meeting_create(
            series=pan_southwest, by=organiser, kind=MeetingKind.REGULAR, host_unit=provinces[GUIZHOU].unit
        )
    assert list(refused.value.message_dict) == ["rotation_override_reason"]
    assert "重庆市公安局" in refused.value.message_dict["rotation_override_reason"][0]
    other = scheduling.meeting_create(
        series=pan_southwest,
        by=provinces[GUIZHOU].liaison,
        kind=MeetingKind.EXTRAORDINARY,
        host_unit=provinces[GUIZHOU].unit,
        rotation_override_reason="案件集中发生在贵州，就近召开",
    )
    assert other.session_number == 2 and other.organiser_unit.code == GUIZHOU
    assert other.rotation_override_reason == "案件集中发生在贵州，就近召开"
    event = AuditEvent.objects.get(action="meetings.jointmeeting.create", target_id=str(other.pk))
    assert event.payload["proposal"] == CHONGQING and event.payload["host_unit"] == GUIZHOU
    drill = scheduling.meeting_create(series=pan_southwest, by=organiser, kind=MeetingKind.DRILL)
    assert drill.session_number is None and drill.title == "泛西南警务合作联席会议联合演练"
    # A cancelled session gives its number back.
    JointMeeting.objects.filter(pk=other.pk).update(state=MeetingState.CANCELLED)
    assert scheduling.meeting_create(series=pan_southwest, by=organiser, kind="regular").session_number == 2


@pytest.mark.django_db
def test_only_member_liaison_officers_create_and_the_host_is_a_member(
    provinces, pan_southwest, chuanyu_legal
):
    with pytest.raises(PermissionDenied):
        scheduling.meeting_create(series=pan_southwest, by=provinces[CHONGQING].head, kind="regular")
    with pytest.raises(PermissionDenied):
        scheduling.meeting_create(series=chuanyu_legal, by=provinces[GUIZHOU].liaison, kind="regular")
    with pytest.raises(ValidationError) as not_member:
        scheduling.meeting_create(
            series=chuanyu_legal,
            by=provinces[SICHUAN].liaison,
            kind="regular",
            host_unit=provinces[GUIZHOU].unit,
            rotation_override_reason="借用场地",
        )
    assert "host_unit" in not_member.value.message_dict


def close(meeting, by, capture):
    with capture(execute=True):
        meeting, _warnings = scheduling.meeting_transition(meeting=meeting, name="close", by=by)
    return meeting


@pytest.mark.django_db
def test_duty_is_handed_over_at_the_close_of_a_regular_meeting(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    rotation.duty_open_first(pan_southwest, at=timezone.now() - dt.timedelta(days=300))
    (first,) = DutyTerm.objects.filter(series=pan_southwest)
    assert first.member.unit.code == CHONGQING
    assert selectors.series_duty_unit(pan_southwest).code == CHONGQING
    meeting = held(pan_southwest, provinces, CHONGQING, days_ago=0, state=MeetingState.IN_SESSION)
    meeting = close(meeting, provinces[CHONGQING].head, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.ended_at == meeting.closed_at
    current = DutyTerm.objects.get(series=pan_southwest, ended_at__isnull=True)
    assert current.member.unit.code == SICHUAN
    assert current.handed_over_at == meeting and current.started_at == meeting.closed_at
    assert selectors.series_duty_unit(pan_southwest).code == SICHUAN
    assert (
        selectors.series_duty_unit(pan_southwest, at=meeting.closed_at - dt.timedelta(days=1)).code
        == CHONGQING
    )
    assert rotation.series_propose_host(pan_southwest).unit.code == SICHUAN
    assert Notification.objects.filter(
        user=provinces[SICHUAN].liaison, key=f"series:{pan_southwest.pk}:duty:{current.pk}"
    ).exists()
    assert AuditEvent.objects.filter(action="meetings.dutyterm.handover").count() == 1


@pytest.mark.django_db
def test_a_host_out_of_turn_moves_the_rotation_on_from_itself(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    rotation.duty_open_first(pan_southwest, at=timezone.now() - dt.timedelta(days=300))
    meeting = held(pan_southwest, provinces, YUNNAN, days_ago=0, state=MeetingState.IN_SESSION)
    close(meeting, provinces[YUNNAN].head, django_capture_on_commit_callbacks)
    assert DutyTerm.objects.get(series=pan_southwest, ended_at__isnull=True).member.unit.code == TIBET
    # Qinghai, last in the order, passes the duty back to the first.
    meeting = held(pan_southwest, provinces, QINGHAI, days_ago=0, state=MeetingState.IN_SESSION)
    close(meeting, provinces[QINGHAI].head, django_capture_on_commit_callbacks)
    assert DutyTerm.objects.get(series=pan_southwest, ended_at__isnull=True).member.unit.code == CHONGQING
    assert DutyTerm.objects.filter(series=pan_southwest).count() == 3


@pytest.mark.django_db
def test_extraordinary_meetings_and_drills_do_not_hand_over(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    rotation.duty_open_first(pan_southwest, at=timezone.now() - dt.timedelta(days=300))
    for kind in (MeetingKind.EXTRAORDINARY, MeetingKind.DRILL):
        meeting = held(
            pan_southwest, provinces, CHONGQING, days_ago=0, kind=kind, state=MeetingState.IN_SESSION
        )
        close(meeting, provinces[CHONGQING].head, django_capture_on_commit_callbacks)
    (term,) = DutyTerm.objects.filter(series=pan_southwest)
    assert term.ended_at is None and term.member.unit.code == CHONGQING


@pytest.mark.django_db
def test_seed_creates_the_two_series_with_members_and_duty_once():
    call_command("seed_meeting_series", verbosity=0)
    call_command("seed_meeting_series", verbosity=0)
    pan = MeetingSeries.objects.get(name="泛西南警务合作联席会议")
    legal = MeetingSeries.objects.get(name="川渝公安法制执法协作联席会议")
    assert MeetingSeries.objects.count() == 2
    assert list(pan.members.order_by("rotation_position").values_list("unit__code", flat=True)) == [
        CHONGQING,
        SICHUAN,
        GUIZHOU,
        YUNNAN,
        TIBET,
        QINGHAI,
    ]
    assert list(legal.members.order_by("rotation_position").values_list("unit__code", flat=True)) == [
        SICHUAN,
        CHONGQING,
    ]
    assert (pan.chair_unit.code, legal.chair_unit.code) == (CHONGQING, SICHUAN)
    assert (pan.kind, legal.kind) == ("police_cooperation", "legal_collaboration")
    assert pan.minutes_masthead == "泛西南警务合作联席会议纪要" and pan.drills_per_year == 1
    assert SeriesMember.objects.count() == 8
    assert DutyTerm.objects.count() == 2
    assert selectors.series_duty_unit(pan).code == CHONGQING
    assert selectors.series_duty_unit(legal).code == SICHUAN
