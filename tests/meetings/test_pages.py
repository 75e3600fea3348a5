"""The meeting pages: the month calendar, a new meeting with the rotation's proposal, the meeting page
with its sections and forms (answers, steps, minutes and sign-off), the .ics, the series, an action item."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.models import HolidayOverride
from meetings.models import (
    ActionItem,
    ApplyState,
    JointMeeting,
    MeetingState,
    Minutes,
    MinutesState,
    Resolution,
    ResolutionKind,
)
from organisation.models import Unit
from tests.factories.meetings import CHONGQING, GUIZHOU, SICHUAN, SIX, invite, meeting_in
from tests.web.test_assets import EXTERNAL, INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    """Answer in English, so assertions on labels do not depend on the state of the catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def as_user(client, user):
    client.force_login(user)
    return client


def detail(meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


def action(meeting, name: str) -> str:
    return reverse("meetings:action", args=[meeting.pk, name])


def clean_html(html: str) -> None:
    assert not EXTERNAL.findall(html)
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_STYLE.findall(html)
    assert not INLINE_HANDLER.findall(html)


def _next_month_weekday(weekday: int) -> dt.date:
    """A date of next month falling on `weekday` (0 = Monday), in the second week."""
    today = timezone.localdate()
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    day = first + dt.timedelta(days=7)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def test_calendar_is_monday_first_shades_rest_days_and_marks_clashes(english, provinces, pan_southwest):
    tuesday = _next_month_weekday(1)
    saturday = tuesday + dt.timedelta(days=4)
    HolidayOverride.objects.create(date=tuesday, is_rest_day=True, name="测试假日")
    HolidayOverride.objects.create(date=saturday, is_rest_day=False, name="调休上班")
    start = timezone.make_aware(dt.datetime.combine(tuesday, dt.time(9)))
    first = meeting_in(
        pan_southwest, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison, start_at=start, hours=4
    )
    second = meeting_in(
        pan_southwest,
        host=CHONGQING,
        organiser=provinces[CHONGQING].liaison,
        start_at=start + dt.timedelta(hours=2),
        hours=2,
        title="临时会议",
    )
    client = as_user(english, provinces[GUIZHOU].head)

    response = client.get(reverse("meetings:calendar"), {"month": tuesday.strftime("%Y-%m")})

    assert response.status_code == 200
    html = response.text
    clean_html(html)
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html)
    assert headers[:7] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    cell = re.compile(
        r'<td class="meeting-calendar__day([^"]*)">\s*<span class="meeting-calendar__date">'
        r'<time datetime="([0-9-]+)"'
    )
    cells = {day: classes for classes, day in cell.findall(html)}
    assert len(cells) % 7 == 0
    assert "is-rest" in cells[tuesday.isoformat()]
    assert "is-rest" not in cells[saturday.isoformat()]
    assert "is-rest" in cells[(saturday + dt.timedelta(days=1)).isoformat()]
    assert "is-rest" not in cells[(tuesday + dt.timedelta(days=1)).isoformat()]
    for meeting in (first, second):
        assert detail(meeting) in html
    assert html.count("meeting-chip--clash") == 2


def test_new_meeting_page_proposes_the_host_and_creates_a_draft(english, provinces, pan_southwest):
    client = as_user(english, provinces[CHONGQING].liaison)
    url = reverse("meetings:create")

    page = client.get(url, {"series": pan_southwest.pk})
    assert page.status_code == 200
    clean_html(page.text)
    assert 'id="host-proposal"' in page.text and "First in the rotation" in page.text
    assert re.search(r'<option value="500000" selected>', page.text)

    start = timezone.localtime(timezone.now() + dt.timedelta(days=20)).replace(second=0, microsecond=0)
    form = {
        "series": pan_southwest.pk,
        "kind": "regular",
        "host_unit": GUIZHOU,
        "title": "",
        "start_at": start.strftime("%Y-%m-%dT%H:%M"),
        "end_at": (start + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        "place": "重庆",
    }
    refused = client.post(f"{url}?series={pan_southwest.pk}", form)
    assert refused.status_code == 400
    assert "form__error" in refused.text
    assert not JointMeeting.objects.exists()

    form["host_unit"] = CHONGQING
    response = client.post(f"{url}?series={pan_southwest.pk}", form)
    meeting = JointMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(meeting)
    assert meeting.state == MeetingState.DRAFT and meeting.host_unit.code == CHONGQING
    assert timezone.localtime(meeting.start_at) == start


def test_meeting_page_answer_steps_and_errors(english, provinces, pan_southwest):
    meeting = meeting_in(pan_southwest, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison)
    mine = invite(meeting, provinces[CHONGQING].head)
    invite(meeting, provinces[GUIZHOU].head, is_chair=True)
    client = as_user(english, provinces[CHONGQING].head)

    page = client.get(detail(meeting))
    assert page.status_code == 200
    html = page.text
    clean_html(html)
    for section in ('id="participants"', 'id="agenda"', 'id="briefing"', 'id="timeline"', "<svg"):
        assert section in html, section
    assert f'name="participant" value="{mine.pk}"' in html
    assert "Your answer" in html

    refused = client.post(
        action(meeting, "answer"), {"participant": mine.pk, "answer": "declined", "reason": ""}
    )
    assert refused.status_code == 400 and "form__error" in refused.text
    answered = client.post(
        action(meeting, "answer"), {"participant": mine.pk, "answer": "declined", "reason": "另有公务"}
    )
    assert answered.status_code == 302
    mine.refresh_from_db()
    assert mine.answer == "declined" and mine.answer_reason == "另有公务"
    assert "另有公务" in client.get(detail(meeting)).text

    assert (
        client.post(action(meeting, "cancel"), {"expected_state": "scheduled", "reason": "x"}).status_code
        == 403
    )
    liaison = as_user(english, provinces[GUIZHOU].liaison)
    stale = liaison.post(action(meeting, "cancel"), {"expected_state": "draft", "reason": "x"})
    assert stale.status_code == 409
    assert (
        liaison.post(action(meeting, "cancel"), {"expected_state": "scheduled", "reason": ""}).status_code
        == 400
    )
    assert liaison.post(action(meeting, "no_such_step"), {}).status_code == 404
    done = liaison.post(action(meeting, "postpone"), {"expected_state": "scheduled", "reason": "台风"})
    assert done.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.POSTPONED and meeting.sequence == 1

    ics = client.get(reverse("meetings:ics", args=[meeting.pk]))
    assert ics.status_code == 200
    assert ics["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert b"DECLINED" in ics.content


def test_minutes_drafting_circulation_and_signature_on_the_page(english, provinces, chuanyu_legal):
    meeting = meeting_in(
        chuanyu_legal,
        host=SICHUAN,
        organiser=provinces[SICHUAN].liaison,
        state=MeetingState.CLOSED,
        start_in=-dt.timedelta(days=1),
    )
    for code in (SICHUAN, CHONGQING):
        invite(meeting, provinces[code].head, attended=True, answer="accepted")
    liaison = as_user(english, provinces[SICHUAN].liaison)
    assert liaison.post(action(meeting, "start_minutes"), {"expected_state": "closed"}).status_code == 302
    page = liaison.get(detail(meeting))
    assert 'id="minutes"' in page.text and "Edit the draft" in page.text
    assert (
        liaison.post(
            action(meeting, "minutes_update"), {"opening": "会议于成都召开。", "closing": "会议圆满结束。"}
        ).status_code
        == 302
    )
    refused = liaison.post(action(meeting, "resolution_add"), {"kind": "action_item", "text": "核查"})
    assert refused.status_code == 400 and "form__error" in refused.text
    assert (
        liaison.post(
            action(meeting, "resolution_add"), {"kind": "note", "text": "下次会议由重庆承办"}
        ).status_code
        == 302
    )
    assert liaison.post(action(meeting, "circulate"), {"expected_state": "drafting"}).status_code == 302
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.state == MinutesState.CIRCULATING

    head = as_user(english, provinces[CHONGQING].head)
    page = head.get(detail(meeting))
    assert 'id="signoff-status"' in page.text and page.text.count("Not yet signed") == 2
    assert "下次会议由重庆承办" in page.text
    stale = head.post(action(meeting, "signoff"), {"unit": CHONGQING, "action": "signed", "digest": "0" * 64})
    assert stale.status_code == 409
    signed = head.post(
        action(meeting, "signoff"), {"unit": CHONGQING, "action": "signed", "digest": minutes.content_digest}
    )
    assert signed.status_code == 302
    assert head.get(detail(meeting)).text.count("Not yet signed") == 1
    assert (
        as_user(english, provinces[CHONGQING].legal)
        .post(
            action(meeting, "signoff"),
            {"unit": CHONGQING, "action": "signed", "digest": minutes.content_digest},
        )
        .status_code
        == 403
    )


def test_series_and_normative_pages(english, provinces, pan_southwest):
    client = as_user(english, provinces["530000"].liaison)
    page = client.get(reverse("meetings:series", args=[pan_southwest.pk]))
    assert page.status_code == 200
    clean_html(page.text)
    names = [Unit.objects.get(code=code).name for code in SIX]
    members = page.text[page.text.index('id="members"') : page.text.index('id="series-meetings"')]
    positions = [members.index(name) for name in names]
    assert positions == sorted(positions)
    assert 'id="next-host"' in page.text and 'id="drill-warning"' in page.text
    assert str(timezone.localdate().year) in page.text
    register = client.get(reverse("meetings:normative-documents", args=[pan_southwest.pk]), {"q": "协作"})
    assert register.status_code == 200 and "No normative document matches." in register.text


def test_action_item_page_reports_it_done(english, provinces, pan_southwest, nanming):
    meeting = meeting_in(
        pan_southwest, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison, state=MeetingState.PUBLISHED
    )
    minutes = Minutes.objects.create(
        meeting=meeting, state=MinutesState.PUBLISHED, version=1, drafted_by=meeting.organiser
    )
    resolution = Resolution.objects.create(
        minutes=minutes,
        number=1,
        kind=ResolutionKind.ACTION_ITEM,
        text="核查",
        owner_unit=nanming.unit,
        task="核查身份",
        due_in_days=5,
        apply_state=ApplyState.APPLIED,
    )
    item = ActionItem.objects.create(
        resolution=resolution,
        meeting=meeting,
        series=pan_southwest,
        owner_unit=nanming.unit,
        task="核查身份",
        due_at=timezone.now() + dt.timedelta(days=5),
    )
    client = as_user(english, nanming.head)
    url = reverse("meetings:action-item", args=[item.pk])
    page = client.get(url)
    assert page.status_code == 200 and "核查身份" in page.text and "Report it done" in page.text
    clean_html(page.text)
    post_url = reverse("meetings:action-item-action", args=[item.pk, "complete"])
    assert client.post(post_url, {"expected_state": "open", "note": ""}).status_code == 400
    assert client.post(post_url, {"expected_state": "open", "note": "已核查"}).status_code == 302
    item.refresh_from_db()
    assert item.state == "done"
    assert client.post(post_url, {"expected_state": "open", "note": "again"}).status_code == 409


def test_published_meeting_shows_minutes_signatures_and_follow_up(english, provinces, chuanyu_legal):
    from tests.meetings.test_visibility import published_meeting

    meeting, _participant, _item, resolution, action_item = published_meeting(
        chuanyu_legal,
        host=SICHUAN,
        organiser=provinces[SICHUAN].liaison,
        owner=CHONGQING,
        participants=[provinces[SICHUAN].head, provinces[CHONGQING].head],
    )
    client = as_user(english, provinces[CHONGQING].legal)
    page = client.get(detail(meeting))
    assert page.status_code == 200
    html = page.text
    clean_html(html)
    assert 'id="minutes"' in html and 'id="resolutions"' in html
    assert f'id="resolution-{resolution.pk}"' in html
    assert reverse("meetings:action-item", args=[action_item.pk]) in html
    assert "Applied" in html
    # Nothing to take on a published meeting for a legal officer: no forms but the language switch.
    assert 'action="/meetings/' not in html
