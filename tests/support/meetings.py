"""Joint meetings further along: held sessions, minutes drafted, circulated, signed and published."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.models import OutboxMessage
from documents.models import Document, DocumentState
from meetings import minutes as minutes_services
from meetings import resolutions, scheduling
from meetings.models import (
    Answer,
    Briefing,
    JointMeeting,
    MeetingState,
    Minutes,
    MinutesState,
)
from organisation.models import Unit, User
from tests.support.factories.documents import DocumentFactory
from tests.support.factories.meetings import (
    ActionItemFactory,
    AgendaItemFactory,
    MinutesFactory,
    ResolutionFactory,
    invite,
    meeting_in,
)
from tests.support.units import CHONGQING, GUIZHOU, QINGHAI, SICHUAN, SIX, TIBET, YUNNAN

SHORT = {
    CHONGQING: "渝",
    SICHUAN: "川",
    GUIZHOU: "黔",
    YUNNAN: "滇",
    TIBET: "藏",
    QINGHAI: "青",
}


DECISIONS = (
    "南明区分局受理的非法集资案由重庆市公安局主办，四川省公安厅协办。",
    "贵阳市公安局南明区分局于5日内完成涉案人员身份核查。",
)


def name_officers(provinces) -> None:
    """Give each officer a recognisable name: 渝局长, 渝联络员, 渝法制员, …"""
    for code, office in provinces.items():
        for user, title in ((office.head, "局长"), (office.liaison, "联络员"), (office.legal, "法制员")):
            user.full_name = f"{SHORT[code]}{title}"
            user.save(update_fields=["full_name"])


def held_meeting(provinces, series, *, host=GUIZHOU) -> JointMeeting:
    """A closed 泛西南 session two days ago, with answers and a roll call that fill every list.

    Present: the head and liaison of each province, except: Qinghai's head declined (请假);
    Sichuan's head delegated to Sichuan's legal officer (出席 as "川法制员（代 川局长）");
    Yunnan's liaison accepted but was not there (请假); Tibet's legal officer and an outside expert
    sat in (列席). Chongqing's head chaired.
    """
    name_officers(provinces)
    # 09:00 to 17:00 Asia/Shanghai two days ago: one calendar day whenever the suite runs.
    day = timezone.localdate() - dt.timedelta(days=2)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    meeting = meeting_in(
        series,
        host=host,
        organiser=provinces[host].liaison,
        state=MeetingState.CLOSED,
        start_at=start,
        end_at=start + dt.timedelta(hours=8),
        session_number=15,
        place="贵阳市公安局会议室",
    )
    for code in SIX:
        office = provinces[code]
        head = invite(
            meeting,
            office.head,
            kind="leader",
            is_chair=code == CHONGQING,
            answer=Answer.ACCEPTED,
            attended=True,
        )
        invite(meeting, office.liaison, kind="liaison", answer=Answer.ACCEPTED, attended=code != YUNNAN)
        if code == QINGHAI:
            head.answer, head.attended = Answer.DECLINED, None
            head.save()
        if code == SICHUAN:
            head.answer, head.attended = Answer.DELEGATED, None
            head.save()
            invite(
                meeting,
                office.legal,
                kind="legal",
                answer=Answer.ACCEPTED,
                attended=True,
                delegated_from=head,
            )
    invite(
        meeting,
        provinces[TIBET].legal,
        kind="legal",
        attendance_role="observer",
        answer=Answer.ACCEPTED,
        attended=True,
    )
    meeting.participants.create(
        external_name="郑教授",
        external_affiliation="中国人民公安大学",
        kind="expert",
        attendance_role="observer",
        answer=Answer.ACCEPTED,
        attended=True,
    )
    for position, title in enumerate(("非法集资案件管辖争议", "逾期未办结的协作请求"), start=1):
        AgendaItemFactory(meeting=meeting, position=position, title=title, added_by=provinces[host].liaison)
    return meeting


def start_minutes(meeting: JointMeeting, by):
    """Start drafting through the scheduling service: its `start_minutes` after-callback drafts."""
    scheduling.meeting_transition(meeting=meeting, name="start_minutes", by=by)
    return Minutes.objects.get(meeting=meeting)


def add_decisions(minutes, texts=DECISIONS) -> None:
    # Note-kind decisions: what they would act on is meetings.resolutions' concern (test_resolutions).
    for number, text in enumerate(texts, start=1):
        ResolutionFactory(minutes=minutes, number=number, kind="note", text=text)


def circulate(minutes, by):
    return minutes_services.minutes_transition(minutes=minutes, name="circulate", by=by)


def sign(minutes, office, *, digest=None):
    minutes.refresh_from_db()
    return minutes_services.minutes_signoff(
        minutes=minutes,
        unit=office.unit,
        by=office.head,
        action="signed",
        digest=minutes.content_digest if digest is None else digest,
    )


def minutes_in(series, host_office, *, state=MinutesState.DRAFTING) -> Minutes:
    """Create a held meeting of `series` hosted by the office's unit, with minutes in `state`."""
    meeting_state = {
        MinutesState.DRAFTING: MeetingState.MINUTES_DRAFTING,
        MinutesState.CIRCULATING: MeetingState.MINUTES_CIRCULATING,
        MinutesState.SIGNED: MeetingState.MINUTES_SIGNED,
        MinutesState.PUBLISHED: MeetingState.PUBLISHED,
    }[state]
    meeting = meeting_in(
        series,
        host=host_office.unit.code,
        organiser=host_office.liaison,
        state=meeting_state,
        start_in=-dt.timedelta(days=3),
    )
    return MinutesFactory(meeting=meeting, state=state, drafted_by=host_office.liaison)


def publish(minutes: Minutes, head: User, *, number: str = "") -> Document:
    """Issue the 纪要 document and publish the minutes, as `issue` does before applying resolutions."""
    meeting = minutes.meeting
    now = timezone.now()
    number = number or f"{meeting.host_unit.name[:1]}公纪字〔{timezone.localdate().year}〕{minutes.pk}号"
    document = DocumentFactory(
        kind="meeting_minutes",
        issuing_unit=meeting.host_unit,
        state=DocumentState.ISSUED,
        title=f"{meeting.series.minutes_masthead}（第{minutes.pk}次会议）",
        data={"masthead": meeting.series.minutes_masthead, "opening": minutes.opening},
        number=number,
        issued_at=now,
        issued_by=head,
        created_by=head,
        link_target_type="meetings.meeting",
        link_target_id=str(meeting.pk),
    )
    Minutes.objects.filter(pk=minutes.pk).update(
        state=MinutesState.PUBLISHED, published_at=now, issued_by=head, document=document
    )
    JointMeeting.objects.filter(pk=meeting.pk).update(state=MeetingState.PUBLISHED)
    minutes.refresh_from_db()
    return document


def issue(minutes: Minutes, head: User, **kwargs) -> Document:
    document = publish(minutes, head, **kwargs)
    resolutions.resolutions_apply(minutes=minutes, by=head, document=document)
    return document


def notified(key: str) -> set[int]:
    """Return the ids of the users notified under a notification key."""
    return {
        message.payload["user_id"]
        for message in OutboxMessage.objects.filter(idempotency_key__startswith=f"notify:{key}:")
    }


def published_meeting(series, *, host: str, organiser, owner: str, participants=()):
    """A meeting with everything a route can name: participant, agenda item, briefing, minutes,
    a resolution and its action item."""
    start = timezone.now() - dt.timedelta(days=10)
    meeting = meeting_in(
        series,
        host=host,
        organiser=organiser,
        state=MeetingState.PUBLISHED,
        start_at=start.replace(microsecond=0),
        opened_at=start,
        closed_at=start + dt.timedelta(hours=8),
    )
    participant = None
    for user in participants:
        participant = invite(meeting, user)
    item = AgendaItemFactory(meeting=meeting, position=1, title="案件协查机制", added_by=organiser)
    Briefing.objects.create(
        meeting=meeting,
        period_start=start - dt.timedelta(days=365),
        period_end=start,
        figures={},
        computed_at=start,
        frozen_at=start,
    )
    minutes = MinutesFactory(
        meeting=meeting,
        state=MinutesState.PUBLISHED,
        version=1,
        opening="导语",
        drafted_by=organiser,
        published_at=timezone.now(),
    )
    action = ActionItemFactory(
        resolution__minutes=minutes, resolution__number=1, resolution__owner_unit=Unit.objects.get(code=owner)
    )
    resolution = action.resolution
    return meeting, participant, item, resolution, action
