"""In Chromium at phone width: the liaison officer running the demo meeting records a leave at the roll call
(issue 20 item 3: every 登记 form posted an empty participant and got a bare 400)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Offence
from meetings import scheduling
from meetings.management.commands.seed_demo_meetings import seed_demo_meetings
from meetings.models import JointMeeting, MeetingParticipant, Presence
from organisation.demo import DEMO_PASSWORD, demo_seed
from organisation.models import User

pytestmark = pytest.mark.browser

LIAISON = "chongqing.liaison"


@pytest.fixture
def meeting_in_session(organisation_loaded):
    demo_seed()
    Offence.objects.get_or_create(
        code="illegal_fundraising",
        defaults={"name": "非法集资", "name_en": "Illegal fund-raising", "sort": 30},
    )
    call_command("seed_meeting_series", verbosity=0)
    meeting, _created = seed_demo_meetings()
    soon = timezone.now() + dt.timedelta(minutes=10)
    JointMeeting.objects.filter(pk=meeting.pk).update(start_at=soon, end_at=soon + dt.timedelta(hours=4))
    meeting.refresh_from_db()
    meeting, _warnings = scheduling.meeting_transition(
        meeting=meeting, name="open_session", by=User.objects.get(username=LIAISON)
    )
    return meeting


def test_the_liaison_records_a_leave_at_the_roll_call_on_a_phone(
    page: Page, live_server, meeting_in_session, browser_problems, artifacts
):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(LIAISON)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/meetings/{meeting_in_session.pk}/")
    target = MeetingParticipant.objects.filter(meeting=meeting_in_session, presence="").select_related(
        "user"
    )[0]
    name = target.display_name
    row = page.locator("details", has_text=f"登记{name}的到会情况")
    row.locator("summary").click()
    row.get_by_role("radio", name="请假").check()
    row.get_by_role("textbox", name="请假事由").fill("临时公务")
    row.get_by_role("button", name="登记").click()
    expect(page.get_by_text(f"已登记{name}的到会情况：请假。")).to_be_visible()
    page.screenshot(path=artifacts / "meeting-roll-call-390.png", full_page=True)
    target.refresh_from_db()
    assert target.presence == Presence.LEAVE and target.presence_reason == "临时公务"
    assert browser_problems == []
