"""iCalendar objects and iMIP invitations: properties, SEQUENCE, UID, CANCEL, answers (plan §6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from icalendar import Calendar

from core.api import Conflict
from core.models import Notification, OutboxMessage
from meetings import ical, invitations, scheduling
from meetings.models import JointMeeting, MeetingParticipant, MeetingState
from organisation.models import Role
from tests.support.factories.organisation import member
from tests.support.units import CHONGQING, GUIZHOU, SICHUAN, SIX, YUNNAN

pytestmark = pytest.mark.django_db


def local_start(days: int, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def organise(series, provinces, *, days=20, heads=True, liaisons=False):
    """Create a draft meeting of `series` through the services, with each member's head invited."""
    organiser = provinces[CHONGQING].liaison
    meeting = scheduling.meeting_create(
        series=series,
        by=organiser,
        kind="regular",
        start_at=local_start(days),
        end_at=local_start(days, 17),
        place="重庆市公安局三楼会议室",
        video_link="https://video.example/room/15",
        description="审议年度协作事项。",
    )
    codes = [member.unit.code for member in series.members.select_related("unit")]
    for code in codes:
        office = provinces[code]
        if heads:
            scheduling.participant_add(
                meeting=meeting,
                by=organiser,
                user=office.head,
                kind="leader",
                attendance_role="present",
                is_chair=code == CHONGQING,
            )
        if liaisons:
            scheduling.participant_add(
                meeting=meeting,
                by=organiser,
                user=office.liaison,
                kind="liaison",
                attendance_role="observer",
            )
    return meeting


def schedule(meeting, by, capture):
    with capture(execute=True):
        meeting, _warnings = scheduling.meeting_transition(meeting=meeting, name="schedule", by=by)
    return meeting


def calendar_parts(message) -> list[tuple[str, bytes]]:
    """Return (method parameter, bytes) of each text/calendar part of an e-mail."""
    return [
        (part.get_param("method"), part.get_payload(decode=True))
        for part in message.message().walk()
        if part.get_content_type() == "text/calendar"
    ]


def ics_attachments(message) -> list[bytes]:
    return [
        part.get_payload(decode=True)
        for part in message.message().walk()
        if part.get_content_type() == "application/ics"
    ]


def event_of(data: bytes):
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def attendees(event) -> dict[str, dict]:
    values = event.get("attendee")
    values = values if isinstance(values, list) else [values]
    return {str(value): dict(value.params) for value in values}


def subject(msgid, meeting) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(msgid) % {"title": meeting.title}


def mails_to(address: str):
    return [message for message in mail.outbox if address in message.to]


def test_calendar_parses_and_carries_every_property(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = organise(pan_southwest, provinces)
    meeting = schedule(meeting, provinces[CHONGQING].liaison, django_capture_on_commit_callbacks)
    stamp = timezone.now()
    data = ical.meeting_calendar(meeting, method="REQUEST", stamp=stamp)
    calendar, event = event_of(data)
    text = data.decode()
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//Lianban//Joint meetings//ZH"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "REQUEST"
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Asia/Shanghai"
    standards = zone.walk("STANDARD")
    assert len(standards) == 1 and not zone.walk("DAYLIGHT")
    assert standards[0]["TZOFFSETFROM"].td == dt.timedelta(hours=8)
    assert standards[0]["TZOFFSETTO"].td == dt.timedelta(hours=8)
    assert "TZOFFSETTO:+0800" in text
    assert str(event["UID"]) == f"{meeting.uid}@{settings.MEETING_ICAL_DOMAIN}"
    assert event["DTSTAMP"].dt == stamp.astimezone(dt.UTC).replace(microsecond=0)
    assert event["DTSTAMP"].dt.utcoffset() == dt.timedelta(0)
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTEND"].params["TZID"] == "Asia/Shanghai"
    assert event["DTSTART"].dt == meeting.start_at and event["DTEND"].dt == meeting.end_at
    assert event["DTSTART"].dt.hour == 9
    assert str(event["SUMMARY"]) == meeting.title == "泛西南警务合作联席会议第一次会议"
    assert "重庆市公安局三楼会议室" in str(event["LOCATION"])
    assert "https://video.example/room/15" in str(event["LOCATION"])
    assert str(event["URL"]).endswith(f"/meetings/{meeting.pk}/")
    assert str(event["URL"]).startswith(("http://", "https://"))
    assert str(event["URL"]) in str(event["DESCRIPTION"])
    assert "审议年度协作事项。" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["CLASS"]) == "CONFIDENTIAL"
    assert str(event["TRANSP"]) == "OPAQUE"
    assert event["LAST-MODIFIED"].dt == meeting.ical_changed_at.astimezone(dt.UTC).replace(microsecond=0)
    organizer = event["ORGANIZER"]
    assert str(organizer) == f"mailto:{provinces[CHONGQING].liaison.email}"
    assert organizer.params["CN"].startswith(provinces[CHONGQING].unit.name)
    people = attendees(event)
    assert len(people) == 6
    chair = people[f"mailto:{provinces[CHONGQING].head.email}"]
    assert chair["ROLE"] == "CHAIR"
    guizhou = people[f"mailto:{provinces[GUIZHOU].head.email}"]
    assert guizhou == {
        "CUTYPE": "INDIVIDUAL",
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "NEEDS-ACTION",
        "RSVP": "TRUE",
        "CN": f"{provinces[GUIZHOU].unit.name} {provinces[GUIZHOU].head.display_name}",
    }


def test_invitation_email_has_text_calendar_method_request_part(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = organise(pan_southwest, provinces, liaisons=True)
    assert mail.outbox == []  # nothing is sent while the meeting is a draft
    meeting = schedule(meeting, provinces[CHONGQING].liaison, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 12
    for office in provinces.values():
        for user in (office.head, office.liaison):
            (message,) = mails_to(user.email)
            assert message.subject == subject(invitations.SUBJECT_NOTICE, meeting)
            (part,) = calendar_parts(message)
            method, data = part
            assert method == "REQUEST"
            calendar, event = event_of(data)
            assert calendar["METHOD"] == "REQUEST"
            assert str(event["UID"]).startswith(str(meeting.uid))
            (attachment,) = ics_attachments(message)
            assert attachment == data
    observer = attendees(event)[f"mailto:{provinces[SICHUAN].liaison.email}"]
    assert observer["ROLE"] == "OPT-PARTICIPANT"
    # Each message is in the outbox once, keyed by participant, SEQUENCE and method.
    keys = OutboxMessage.objects.filter(topic=invitations.TOPIC).values_list("idempotency_key", flat=True)
    assert len(set(keys)) == 12
    with django_capture_on_commit_callbacks(execute=True):
        again = invitations.invitations_send(
            meeting, method="REQUEST", participants=meeting.participants.all()
        )
    assert again == 0 and len(mail.outbox) == 12
    assert set(meeting.participants.values_list("invited_sequence", flat=True)) == {0}


def test_user_without_email_is_told_in_the_application(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = organise(pan_southwest, provinces)
    deputy = member(YUNNAN, Role.DEPARTMENT_HEAD, username="yunnan_deputy", department_kind="criminal")
    scheduling.participant_add(
        meeting=meeting,
        by=provinces[CHONGQING].liaison,
        user=deputy,
        kind="leader",
        attendance_role="present",
    )
    schedule(meeting, provinces[CHONGQING].liaison, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 6
    notification = Notification.objects.get(user=deputy)
    assert notification.key == f"meeting:{meeting.pk}:REQUEST:0"
    assert meeting.title in notification.subject


def test_reschedule_raises_sequence_and_keeps_uid(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = schedule(
        organise(pan_southwest, provinces), provinces[CHONGQING].liaison, django_capture_on_commit_callbacks
    )
    uid = meeting.uid
    organiser = provinces[CHONGQING].liaison
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = scheduling.meeting_transition(
            meeting=meeting, name="postpone", by=organiser, reason="台风预警，推迟举行"
        )
    assert meeting.sequence == 1
    postponed = mails_to(provinces[GUIZHOU].head.email)[-1]
    assert postponed.subject == subject(invitations.SUBJECT_POSTPONED, meeting)
    (part,) = calendar_parts(postponed)
    assert part[0] == "REQUEST"
    _calendar, event = event_of(part[1])
    assert str(event["STATUS"]) == "TENTATIVE"
    assert int(event["SEQUENCE"]) == 1
    assert str(event["SUMMARY"]) == ical.summary_text(meeting, method="REQUEST") != meeting.title
    assert "台风预警，推迟举行" in str(event["DESCRIPTION"])
    new_start = local_start(40)
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = scheduling.meeting_transition(
            meeting=meeting,
            name="reschedule",
            by=organiser,
            fields={"start_at": new_start, "end_at": new_start + dt.timedelta(hours=6)},
        )
    assert meeting.uid == uid and meeting.sequence == 2
    assert meeting.times_changed_at is not None
    latest = mails_to(provinces[GUIZHOU].head.email)[-1]
    assert latest.subject == subject(invitations.SUBJECT_CHANGE, meeting)
    (part,) = calendar_parts(latest)
    _calendar, event = event_of(part[1])
    assert str(event["UID"]) == f"{uid}@{settings.MEETING_ICAL_DOMAIN}"
    assert int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].dt == new_start
    assert len(mails_to(provinces[GUIZHOU].head.email)) == 3


ORGANISER_CHANGES = {
    "title": lambda m, o: scheduling.meeting_update(
        meeting=m, by=o.liaison, title="泛西南警务合作联席会议（扩大）"
    ),
    "place": lambda m, o: scheduling.meeting_update(meeting=m, by=o.liaison, place="成都市公安局会议中心"),
    "times": lambda m, o: scheduling.meeting_update(
        meeting=m, by=o.liaison, start_at=local_start(30), end_at=local_start(30, 12)
    ),
    "video_link": lambda m, o: scheduling.meeting_update(meeting=m, by=o.liaison, video_link=""),
    "description": lambda m, o: scheduling.meeting_update(meeting=m, by=o.liaison, description="新增议题"),
    "participant_role": lambda m, o: scheduling.participant_update(
        participant=m.participants.get(user__username="guizhou_head"),
        by=o.liaison,
        attendance_role="observer",
    ),
}


@pytest.mark.parametrize("change", sorted(ORGANISER_CHANGES))
def test_every_organiser_change_raises_sequence_answers_do_not(
    change, provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = schedule(
        organise(pan_southwest, provinces), provinces[CHONGQING].liaison, django_capture_on_commit_callbacks
    )
    guizhou = meeting.participants.get(user=provinces[GUIZHOU].head)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.participant_answer(participant=guizhou, by=provinces[GUIZHOU].head, answer="accepted")
        scheduling.participant_answer(
            participant=meeting.participants.get(user=provinces[YUNNAN].head),
            by=provinces[YUNNAN].liaison,
            answer="declined",
            reason="同期有专项行动",
        )
    meeting.refresh_from_db()
    assert meeting.sequence == 0  # answers are attendee acts (RFC 5546 §2.1.4)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        ORGANISER_CHANGES[change](meeting, provinces[CHONGQING])
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert meeting.ical_changed_at is not None
    assert len(mail.outbox) == sent + 6
    update = mails_to(provinces[SICHUAN].head.email)[-1]
    (part,) = calendar_parts(update)
    _calendar, event = event_of(part[1])
    assert int(event["SEQUENCE"]) == 1
    # The earlier answers are carried into the update.
    people = attendees(event)
    assert people[f"mailto:{provinces[GUIZHOU].head.email}"]["PARTSTAT"] == "ACCEPTED"
    assert people[f"mailto:{provinces[YUNNAN].head.email}"]["PARTSTAT"] == "DECLINED"


def test_edits_in_draft_send_nothing_and_keep_sequence(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = organise(pan_southwest, provinces)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.meeting_update(meeting=meeting, by=provinces[CHONGQING].liaison, place="另址")
    meeting.refresh_from_db()
    assert meeting.sequence == 0 and meeting.place == "另址" and mail.outbox == []


def test_cancellation_mails_method_cancel_to_every_participant(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = schedule(
        organise(pan_southwest, provinces, liaisons=True),
        provinces[CHONGQING].liaison,
        django_capture_on_commit_callbacks,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = scheduling.meeting_transition(
            meeting=meeting, name="cancel", by=provinces[CHONGQING].liaison, reason="议题已另行协调解决"
        )
    assert meeting.state == MeetingState.CANCELLED and meeting.sequence == 1
    assert len(mail.outbox) == 12
    for message in mail.outbox:
        assert message.subject == subject(invitations.SUBJECT_CANCELLED, meeting)
        ((method, data),) = calendar_parts(message)
        assert method == "CANCEL"
        calendar, event = event_of(data)
        assert calendar["METHOD"] == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 1
        assert len(attendees(event)) == 12
        assert "议题已另行协调解决" in str(event["DESCRIPTION"])
    # The download of a cancelled meeting is the CANCEL object.
    data, method = ical.calendar_for_download(meeting)
    assert method == "CANCEL" and Calendar.from_ical(data)["METHOD"] == "CANCEL"


def test_cancelling_a_draft_mails_nobody(provinces, pan_southwest, django_capture_on_commit_callbacks):
    meeting = organise(pan_southwest, provinces)
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = scheduling.meeting_transition(
            meeting=meeting, name="cancel", by=provinces[CHONGQING].liaison, reason="不再举行"
        )
    assert meeting.sequence == 0 and mail.outbox == []
    with pytest.raises(Conflict):
        ical.calendar_for_download(organise(pan_southwest, provinces, heads=False))


def test_removed_participant_gets_cancel_others_request(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = schedule(
        organise(pan_southwest, provinces, liaisons=True),
        provinces[CHONGQING].liaison,
        django_capture_on_commit_callbacks,
    )
    mail.outbox.clear()
    removed = meeting.participants.get(user=provinces[YUNNAN].liaison)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.participant_remove(participant=removed, by=provinces[CHONGQING].liaison)
    assert not MeetingParticipant.objects.filter(pk=removed.pk).exists()
    (cancel,) = mails_to(provinces[YUNNAN].liaison.email)
    ((method, data),) = calendar_parts(cancel)
    assert method == "CANCEL"
    _calendar, event = event_of(data)
    assert list(attendees(event)) == [f"mailto:{provinces[YUNNAN].liaison.email}"]
    assert int(event["SEQUENCE"]) == 1
    others = [message for message in mail.outbox if message is not cancel]
    assert len(others) == 11
    for message in others:
        ((method, data),) = calendar_parts(message)
        _calendar, event = event_of(data)
        assert method == "REQUEST" and int(event["SEQUENCE"]) == 1
        assert f"mailto:{provinces[YUNNAN].liaison.email}" not in attendees(event)
        assert message.subject == subject(invitations.SUBJECT_CHANGE, meeting)


def test_accept_decline_delegate_show_in_next_ics(
    provinces, pan_southwest, django_capture_on_commit_callbacks
):
    meeting = schedule(
        organise(pan_southwest, provinces), provinces[CHONGQING].liaison, django_capture_on_commit_callbacks
    )
    mail.outbox.clear()
    by_user = {p.user_id: p for p in meeting.participants.all()}
    deputy = member(GUIZHOU, Role.DEPARTMENT_HEAD, username="guizhou_deputy", department_kind="criminal")
    deputy.email = "guizhou_deputy@police.example"
    deputy.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.participant_answer(
            participant=by_user[provinces[SICHUAN].head.pk],
            by=provinces[SICHUAN].head,
            answer="accepted",
        )
        with pytest.raises(ValidationError) as refused:
            scheduling.participant_answer(
                participant=by_user[provinces[YUNNAN].head.pk],
                by=provinces[YUNNAN].head,
                answer="declined",
            )
        assert "reason" in refused.value.message_dict
        scheduling.participant_answer(
            participant=by_user[provinces[YUNNAN].head.pk],
            by=provinces[YUNNAN].liaison,  # the liaison officer records the leader's answer
            answer="declined",
            reason="参加全国会议",
        )
        delegated = scheduling.participant_answer(
            participant=by_user[provinces[GUIZHOU].head.pk],
            by=provinces[GUIZHOU].head,
            answer="delegate",
            reason="由分管负责人参会",
            delegate=deputy,
        )
    meeting = JointMeeting.objects.get(pk=meeting.pk)
    assert meeting.sequence == 0
    yunnan = MeetingParticipant.objects.get(pk=by_user[provinces[YUNNAN].head.pk].pk)
    assert yunnan.answered_by == provinces[YUNNAN].liaison and yunnan.answer_reason == "参加全国会议"
    stand_in = MeetingParticipant.objects.get(meeting=meeting, user=deputy)
    assert stand_in.delegated_from_id == delegated.pk and stand_in.member_id == delegated.member_id
    # The delegate alone got a REQUEST at the current SEQUENCE; the organiser an e-mailed notification.
    invited = [m for m in mail.outbox if calendar_parts(m)]
    assert [m.to for m in invited] == [[deputy.email]]
    ((method, data),) = calendar_parts(invited[0])
    assert method == "REQUEST" and int(event_of(data)[1]["SEQUENCE"]) == 0
    assert len(mails_to(provinces[CHONGQING].liaison.email)) == 2
    # The organiser hears of the decline and the delegation.
    keys = set(Notification.objects.filter(user=provinces[CHONGQING].liaison).values_list("key", flat=True))
    assert any(":answer:" in key and key.endswith(tuple("0123456789")) for key in keys)
    assert len([key for key in keys if ":answer:" in key]) == 2
    data, method = ical.calendar_for_download(meeting)
    _calendar, event = event_of(data)
    people = attendees(event)
    assert people[f"mailto:{provinces[SICHUAN].head.email}"]["PARTSTAT"] == "ACCEPTED"
    assert people[f"mailto:{provinces[SICHUAN].head.email}"]["RSVP"] == "FALSE"
    assert people[f"mailto:{provinces[YUNNAN].head.email}"]["PARTSTAT"] == "DECLINED"
    original = people[f"mailto:{provinces[GUIZHOU].head.email}"]
    assert original["PARTSTAT"] == "DELEGATED"
    assert original["DELEGATED-TO"] == f"mailto:{deputy.email}"
    substitute = people[f"mailto:{deputy.email}"]
    assert substitute["PARTSTAT"] == "NEEDS-ACTION" and substitute["RSVP"] == "TRUE"
    assert substitute["DELEGATED-FROM"] == f"mailto:{provinces[GUIZHOU].head.email}"
    assert people[f"mailto:{provinces[SIX[-1]].head.email}"]["PARTSTAT"] == "NEEDS-ACTION"


def test_participant_without_address_is_a_urn_uuid(provinces, pan_southwest):
    meeting = organise(pan_southwest, provinces)
    guest = scheduling.participant_add(
        meeting=meeting,
        by=provinces[CHONGQING].liaison,
        external_name="王教授",
        external_affiliation="西南政法大学",
        kind="expert",
        attendance_role="observer",
    )
    JointMeeting.objects.filter(pk=meeting.pk).update(state=MeetingState.SCHEDULED)
    meeting = JointMeeting.objects.get(pk=meeting.pk)
    _calendar, event = event_of(ical.meeting_calendar(meeting, method="REQUEST", stamp=timezone.now()))
    people = attendees(event)
    assert people[f"urn:uuid:{guest.uid}"]["CN"] == "西南政法大学 王教授"
