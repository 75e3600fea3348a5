"""End to end in Chromium: a provincial head reads the joint meeting, downloads the invitation, accepts."""

import icalendar
import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Offence
from meetings.management.commands.seed_demo_meetings import seed_demo_meetings
from meetings.models import Answer, MeetingParticipant
from organisation.demo import DEMO_PASSWORD, demo_seed

pytestmark = pytest.mark.browser

HEAD = "yunnan.unit-head"


@pytest.fixture
def demo_meeting(organisation_loaded):
    demo_seed()
    # A flush by an earlier transactional test takes the offences the migration seeded with it.
    Offence.objects.get_or_create(
        code="illegal_fundraising",
        defaults={"name": "非法集资", "name_en": "Illegal fund-raising", "sort": 30},
    )
    call_command("seed_meeting_series", verbosity=0)
    meeting, created = seed_demo_meetings()
    assert created
    return meeting


def test_a_provincial_head_reads_the_meeting_downloads_the_invitation_and_accepts(
    page: Page, live_server, demo_meeting, browser_problems, artifacts
):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(HEAD)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    # The invitation waits in the inbox and the menu leads to the meetings.
    expect(page.get_by_text(demo_meeting.title).first).to_be_visible()
    page.locator(".mainnav").get_by_role("link", name="联席会议", exact=True).click()
    page.get_by_role("link", name=demo_meeting.title).first.click()
    expect(page.get_by_role("heading", name=demo_meeting.title)).to_be_visible()
    expect(page.get_by_text("贵阳某投资公司非法集资案").first).to_be_visible()
    expect(page.locator("svg").first).to_be_attached()
    page.screenshot(path=artifacts / "meeting.png", full_page=True)

    # The invitation opens in a calendar program: an RFC 5545 REQUEST with this meeting's UID.
    with page.expect_download() as download_info:
        page.locator(f"a[href='/meetings/{demo_meeting.pk}/calendar.ics']").first.click()
    calendar = icalendar.Calendar.from_ical(download_info.value.path().read_bytes())
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar.walk("VEVENT")[0]["UID"]).startswith(str(demo_meeting.uid))

    # The viewer's own answer form is open: nobody has answered yet.
    expect(page.locator("summary", has_text="您的回复")).to_be_visible()
    page.locator("label", has_text="接受").first.click()
    page.get_by_role("button", name="提交回复").click()
    participant = MeetingParticipant.objects.get(meeting=demo_meeting, user__username=HEAD)
    expect(page.locator(".answer--accepted").first).to_be_visible()
    participant.refresh_from_db()
    assert participant.answer == Answer.ACCEPTED

    page.locator(".mainnav").get_by_role("link", name="联席会议", exact=True).click()
    page.get_by_role("link", name="日历", exact=True).click()
    expect(page.get_by_role("heading", name="会议日历")).to_be_visible()
    expect(page.locator(".meeting-calendar")).to_be_visible()
    month = timezone.localtime(demo_meeting.start_at).strftime("%Y-%m")
    page.goto(f"{live_server.url}/meetings/calendar/?month={month}")
    expect(page.locator(".meeting-calendar").get_by_text(demo_meeting.title)).to_be_visible()
    page.screenshot(path=artifacts / "meeting-calendar.png", full_page=True)

    assert browser_problems == []
