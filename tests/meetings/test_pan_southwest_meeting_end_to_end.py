"""Issue 6, "Done when": the next 泛西南 meeting from the notice to minutes that act.

Chongqing's liaison officer schedules the meeting the rotation gives to the next province; all six
provinces get invitations a calendar program opens; the agenda lists the Guiyang 非法集资
consultation and two overdue requests; the briefing shows the period's figures with charts; the
minutes name 重庆市公安局 the lead and give 南明 an identity check within 5 days; when all six have
signed and the host's head has issued the 纪要, the proceeding waits in Chongqing's legal review
citing it, and 南明's inbox shows the action item with its deadline.
"""

import datetime as dt
from decimal import Decimal

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from cases.assistance_kinds import AssistanceKind
from cases.models import CaseState, LocationRole
from core.inbox import inbox_for
from core.models import Deadline
from jurisdiction import services as jurisdiction_services
from jurisdiction.models import ProceedingState
from meetings import agenda, briefing, minutes, resolutions, rotation, scheduling
from meetings.models import ActionItem, AgendaSource, MeetingKind, MeetingState, MinutesState, SignoffAction
from organisation.models import Unit
from tests.support.factories.assistance import case_in, draft_request, walk
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, offence, unit
from tests.support.factories.meetings import meeting_in
from tests.support.personas import Cast
from tests.support.units import CHONGQING, SICHUAN, SIX

pytestmark = pytest.mark.django_db

NANMING, YUZHONG, WUHOU = "520102", "500103", "510107"


def _fundraising_case(nanming_head):
    """An illegal fund-raising case accepted in Guiyang with victims in Chongqing and Sichuan."""
    case = CaseFactory(
        name="贵阳某投资公司非法集资案",
        offence=offence("illegal_fundraising"),
        accepting_unit=unit(NANMING),
        state=CaseState.UNDER_INVESTIGATION,
        created_by=nanming_head,
    )
    CaseLocationFactory(case=case, role=LocationRole.CONDUCT, division_code=NANMING, address="南明区某写字楼")
    for code, victims, loss in ((YUZHONG, 120, "8600000.00"), (WUHOU, 45, "2100000.00")):
        CaseLocationFactory(
            case=case,
            role=LocationRole.VICTIM_LOSS,
            division_code=code,
            victim_count=victims,
            loss_amount=Decimal(loss),
        )
    return case


def _overdue_request(cast: Cast):
    """An identity check (7-day clock, MPS-2020 art 348) whose completion is two days late."""
    request = draft_request(
        cast.investigator,
        case=case_in(cast.requesting),
        to=cast.requested,
        kind=AssistanceKind.IDENTITY_CHECK,
    )
    request = walk(request, cast, "in_progress")
    late = Deadline.objects.filter(
        target_type="assistance.assistancerequest", target_id=str(request.pk), state="running"
    ).update(due_at=timezone.now() - dt.timedelta(days=2))
    assert late == 1
    return request


def test_pan_southwest_meeting_from_schedule_to_acting_minutes(
    provinces, pan_southwest, nanming, django_capture_on_commit_callbacks, client
):
    chongqing = provinces[CHONGQING]
    # The last meeting was Chongqing's: the rotation gives the next one to Sichuan.
    meeting_in(
        pan_southwest,
        host=CHONGQING,
        organiser=chongqing.liaison,
        state=MeetingState.PUBLISHED,
        start_at=timezone.now() - dt.timedelta(days=200),
        session_number=14,
    )
    proposed, reason = rotation.series_propose_host(pan_southwest)
    assert proposed.code == SICHUAN and reason

    # 1. Chongqing's liaison officer schedules the meeting hosted by the proposal.
    start = (timezone.localtime() + dt.timedelta(days=21)).replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = scheduling.meeting_create(
        series=pan_southwest,
        by=chongqing.liaison,
        kind=MeetingKind.REGULAR,
        title="泛西南警务合作联席会议第十五次会议",
        start_at=start,
        end_at=start + dt.timedelta(hours=8),
        place="成都市公安局会议中心",
    )
    assert meeting.host_unit.code == SICHUAN and meeting.session_number == 15
    for office in provinces.values():
        for user, kind in ((office.head, "leader"), (office.liaison, "liaison"), (office.legal, "legal")):
            scheduling.participant_add(
                meeting=meeting,
                by=chongqing.liaison,
                user=user,
                unit=office.unit,
                kind=kind,
                attendance_role="present",
            )
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _warnings = scheduling.meeting_transition(
            meeting=meeting, name="schedule", by=chongqing.liaison
        )
    assert meeting.state == MeetingState.SCHEDULED
    invited = set()
    for message in mail.outbox:
        calendars = [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]
        assert calendars, message.subject
        parsed = icalendar.Calendar.from_ical(calendars[0].get_payload(decode=True))
        assert str(parsed["METHOD"]) == "REQUEST"
        event = parsed.walk("VEVENT")[0]
        assert str(event["UID"]).startswith(str(meeting.uid))
        invited.update(message.to)
    assert invited == {u.email for o in provinces.values() for u in (o.head, o.liaison, o.legal)}

    # 2. The agenda lists the open consultation and the two overdue requests.
    case = _fundraising_case(nanming.head)
    proceeding = jurisdiction_services.proceeding_open(
        case=case, by=nanming.head, reason="三地均有管辖依据，协商管辖"
    )
    proceeding = jurisdiction_services.proceeding_transition(
        proceeding=proceeding, name="start_consultation", by=nanming.head
    )
    assert proceeding.state == ProceedingState.CONSULTING
    overdue = [_overdue_request(Cast("510107", "530100")), _overdue_request(Cast("500103", "520102"))]
    candidates = agenda.agenda_candidates(meeting)
    by_kind = {(c.source_kind, c.target_id) for c in candidates}
    assert (AgendaSource.PROCEEDING_DISPUTED, str(proceeding.pk)) in by_kind
    assert {(AgendaSource.REQUEST_OVERDUE, str(r.pk)) for r in overdue} <= by_kind
    sichuan = provinces[SICHUAN]
    consultation_item = agenda.agenda_item_add(
        meeting=meeting,
        by=sichuan.liaison,
        source_kind=AgendaSource.PROCEEDING_DISPUTED,
        target_id=str(proceeding.pk),
    )
    for request in overdue:
        agenda.agenda_item_add(
            meeting=meeting,
            by=sichuan.liaison,
            source_kind=AgendaSource.REQUEST_OVERDUE,
            target_id=str(request.pk),
        )
    rows = agenda.agenda_display(meeting.agenda_items.all(), chongqing.head)
    assert [row.item.source_kind for row in rows].count(AgendaSource.REQUEST_OVERDUE) == 2

    # 3. The briefing shows the period's figures, with charts on the meeting page.
    figures = briefing.briefing_get(meeting).figures
    assert any(row for row in figures["cases"])
    page = client
    page.force_login(chongqing.liaison)
    html = page.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "<svg" in html and "非法集资" in html

    # 4. The session is held; the host's liaison drafts the minutes with two typed decisions.
    meeting.refresh_from_db()
    type(meeting).objects.filter(pk=meeting.pk).update(start_at=timezone.now() + dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.meeting_transition(meeting=meeting, name="open_session", by=sichuan.liaison)
        scheduling.meeting_transition(meeting=meeting, name="close", by=sichuan.liaison)
        scheduling.meeting_transition(meeting=meeting, name="start_minutes", by=sichuan.liaison)
    record = meeting.minutes
    resolutions.resolution_add(
        minutes=record,
        by=sichuan.liaison,
        kind="jurisdiction",
        agenda_item=consultation_item,
        text="贵阳某投资公司非法集资案由重庆市公安局主办，四川省、贵州省公安机关协助。",
        proceeding=proceeding,
        lead_unit=Unit.objects.get(code=CHONGQING),
    )
    resolutions.resolution_add(
        minutes=record,
        by=sichuan.liaison,
        kind="action_item",
        text="贵阳市公安局南明区分局在5日内完成涉案人员身份核查。",
        owner_unit=nanming.unit,
        task="完成涉案人员身份核查",
        due_in_days=5,
    )
    with django_capture_on_commit_callbacks(execute=True):
        record = minutes.minutes_transition(minutes=record, name="circulate", by=sichuan.liaison)
    assert record.state == MinutesState.CIRCULATING
    assert "重庆市公安局主办" in str(record.content) and "5日内" in str(record.content)

    # 5. Nothing acts before all six have signed and the host's head has issued the 纪要.
    for code in SIX:
        assert proceeding.__class__.objects.get(pk=proceeding.pk).state == ProceedingState.CONSULTING
        with django_capture_on_commit_callbacks(execute=True):
            minutes.minutes_signoff(
                minutes=record,
                unit=provinces[code].unit,
                by=provinces[code].head,
                action=SignoffAction.SIGNED,
                digest=record.content_digest,
            )
    record.refresh_from_db()
    assert record.state == MinutesState.SIGNED
    assert not ActionItem.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        record = minutes.minutes_transition(minutes=record, name="issue", by=sichuan.head)
    assert record.state == MinutesState.PUBLISHED
    number = record.document.number
    assert number and "纪" in number

    proceeding.refresh_from_db()
    assert proceeding.state == ProceedingState.AGREED
    assert proceeding.lead_unit.code == CHONGQING and number in proceeding.agreement_citation
    case.refresh_from_db()
    assert case.lead_unit.code == NANMING  # the legal review has not yet approved it
    page.force_login(chongqing.legal)
    queue = page.get("/jurisdiction/reviews/").content.decode()
    assert case.name in queue and number in queue

    item = ActionItem.objects.get()
    assert item.owner_unit == nanming.unit
    page.force_login(nanming.head)
    inbox = page.get("/").content.decode()  # the home page is the inbox
    assert "完成涉案人员身份核查" in inbox
    [entry] = [i for i in inbox_for(nanming.head) if i.kind == "meetings.action_item"]
    assert entry.due_at == item.due_at and item.due_at > timezone.now() + dt.timedelta(days=4)

    # The legal officer of the agreed lead approves: the case's lead changes now, once.
    jurisdiction_services.proceeding_transition(
        proceeding=proceeding, name="approve_agreement", by=chongqing.legal
    )
    case.refresh_from_db()
    assert case.lead_unit.code == CHONGQING
