"""Journey 3 of issue 20's "done when": the liaison's joint meeting, from invitation to issued 纪要.

The README's "Joint meetings" paragraph walked in Chromium at 1366 px as the demo's officers:
`seed_demo_meetings` has `chongqing.liaison` schedule the next 泛西南 meeting, hosted by the member the
rotation proposes (重庆市公安局), with each province's head, liaison and legal officer invited and 南明's
非法集资 jurisdiction consultation on the agenda. Province heads answer the invitation (accept, decline
with a reason, delegate a colleague picked by name); the liaison adds the overdue request to the agenda
and reads the briefing, opens the session, takes the roll call (present, on leave with the reason,
absent, a delegate), closes it and drafts the 纪要 with a jurisdiction agreement and an action item, the
units picked by name; every province's head signs; the host's head issues it. The decisions then act:
the agreement waits in the lead's legal review queue citing the 纪要, the action item in the owner
unit's inbox with its deadline.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from jurisdiction.models import JurisdictionProceeding
from meetings import scheduling
from meetings.models import (
    ActionItem,
    Answer,
    ApplyState,
    JointMeeting,
    MeetingParticipant,
    MeetingState,
    MinutesState,
    Presence,
)
from organisation.models import Unit, User
from tests.support.journeys import Journey, documented_clicks
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.browser

LIAISON, HOST_HEAD = "chongqing.liaison", "chongqing.unit-head"
# The host last: its head signs, then issues from the same page.
PROVINCES = ("sichuan", "guizhou", "yunnan", "xizang", "qinghai", "chongqing")
NANMING, WUHOU, YUZHONG = "520102", "510107", "500103"


def _name(username: str) -> str:
    return User.objects.get(username=username).display_name


def _bring_to_now(meeting: JointMeeting) -> JointMeeting:
    """Setup, not a step of the walk: the demo meeting is three weeks ahead and "开始会议" rightly
    refuses until shortly before the start, so its time is moved through the scheduling service (as
    its organiser's edit would) to half an hour from now, inside the leeway the session may open in."""
    start = timezone.now() + dt.timedelta(minutes=30)
    meeting, _warnings = scheduling.meeting_update(
        meeting=meeting,
        by=User.objects.get(username=LIAISON),
        start_at=start,
        end_at=start + dt.timedelta(hours=4),
    )
    return meeting


def _from_inbox(journey: Journey, page: Page, link: str | re.Pattern) -> None:
    """Follow the inbox (待办) item that names the meeting's step waiting for this user."""
    journey.click(page.locator("main table a").filter(has_text=link).first)


def _answer(journey: Journey, username: str, meeting: JointMeeting, choice: str, **values) -> None:
    page = journey.open_as(username)
    _from_inbox(journey, page, meeting.title)
    form = page.locator("details", has_text="您的回复")
    journey.expect_turn(page, "提交回复")
    journey.check(form.get_by_role("radio", name=choice, exact=True))
    if "reason" in values:
        journey.type(form.get_by_role("textbox", name="请假事由"), values["reason"])
    if "delegate" in values:
        journey.pick(
            form.get_by_role("combobox", name="委派人员"), values["delegate"], re.compile(values["delegate"])
        )
    journey.click(form.get_by_role("button", name="提交回复"))
    expect(page.get_by_text("您的回复已记录")).to_be_visible()


def _roll_call(journey: Journey, page: Page, name: str, presence: str, reason: str = "") -> None:
    row = page.locator("details", has_text=f"登记{name}的到会情况")
    journey.click(row.locator("summary"))
    journey.check(row.get_by_role("radio", name=presence, exact=True))
    if reason:
        journey.type(row.get_by_role("textbox", name="请假事由"), reason)
    journey.click(row.get_by_role("button", name="登记"))
    expect(page.get_by_text(re.compile(f"已登记{name}的到会情况"))).to_be_visible()


def _between(text: str, label: str, ends: tuple[str, ...]) -> str:
    """Return the text after `label` up to the first of `ends` that follows it."""
    assert label in text, f"{label} is not in the minutes"
    after = text.split(label, 1)[1]
    return after[: min((after.find(end) for end in ends if end in after), default=len(after))]


def test_meeting(journey: Journey):
    meeting = JointMeeting.objects.get(state=MeetingState.SCHEDULED, series__name="泛西南警务合作联席会议")
    meeting = _bring_to_now(meeting)
    delegate = User.objects.get(username="qinghai.dept-head")

    # The liaison answers the invitation from the inbox, adds the overdue request and reads the briefing.
    liaison = journey.open_as(LIAISON)
    _from_inbox(journey, liaison, meeting.title)
    journey.expect_turn(liaison, "提交回复")
    answer = liaison.locator("details", has_text="您的回复")
    journey.check(answer.get_by_role("radio", name="接受", exact=True))
    journey.click(answer.get_by_role("button", name="提交回复"))
    agenda = liaison.locator("details", has_text="增加议题")
    journey.click(agenda.locator("summary"))
    journey.choose(agenda.get_by_label("待议事项"), re.compile("超期协作请求"))
    journey.click(agenda.get_by_role("button", name="增加"))
    expect(liaison.locator("#agenda").get_by_text("超期协作请求")).to_be_visible()
    expect(liaison.locator("#briefing figure, #briefing table").first).to_be_visible()

    # The province heads answer: one accepts, one asks for leave, one sends a colleague picked by name.
    _answer(journey, "sichuan.unit-head", meeting, "接受")
    _answer(journey, "xizang.unit-head", meeting, "请假", reason="参加公安部专项督导")
    _answer(journey, "qinghai.unit-head", meeting, "已委派", delegate=delegate.display_name)

    # The host's liaison, still on the meeting's page, opens the session at its time, takes the roll
    # call and closes it.
    journey.click(journey.expect_turn(liaison, "开始会议"))
    expect(liaison.locator("#meeting-state")).to_contain_text("会议进行中")
    _roll_call(journey, liaison, _name(HOST_HEAD), "到会")
    _roll_call(journey, liaison, _name("sichuan.unit-head"), "到会")
    _roll_call(journey, liaison, _name("guizhou.unit-head"), "请假", reason="临时公务")
    _roll_call(journey, liaison, _name("yunnan.unit-head"), "缺席")
    _roll_call(journey, liaison, _name("qinghai.unit-head"), "委托他人代为出席")
    _roll_call(journey, liaison, delegate.display_name, "到会")
    journey.click(journey.expect_turn(liaison, "结束会议"))

    # The minutes: typed decisions with their units picked by name, then circulated for signature.
    journey.click(journey.expect_turn(liaison, "开始起草纪要"))
    decision = liaison.locator("details", has_text="增加议定事项")
    journey.click(decision.locator("summary"))
    journey.choose(decision.get_by_label("议定事项类别"), "案件管辖议定")
    journey.type(
        decision.get_by_label("印发文字"),
        "会议议定，贵阳某投资公司非法集资案由贵阳市公安局南明区分局主办，重庆市公安局渝中区分局、成都市公安局武侯区分局协办。",
    )
    journey.choose(decision.get_by_label("管辖程序"), re.compile("贵阳某投资公司非法集资案"))
    journey.pick(decision.get_by_role("combobox", name="主办单位"), "南明", re.compile("南明区分局"))
    journey.pick(decision.get_by_role("combobox", name="协办单位"), "渝中", re.compile("渝中区分局"))
    journey.pick(decision.get_by_role("combobox", name="协办单位"), "武侯", re.compile("武侯区分局"))
    journey.click(decision.get_by_role("button", name="加入议定事项"))
    expect(liaison.get_by_text("议定事项已加入纪要")).to_be_visible()
    decision = liaison.locator("details", has_text="增加议定事项")
    journey.click(decision.locator("summary"))
    journey.choose(decision.get_by_label("议定事项类别"), "督办事项")
    journey.type(
        decision.get_by_label("印发文字"),
        "成都市公安局武侯区分局核查本辖区受害人报案材料，汇总后送南明区分局。",
    )
    journey.pick(decision.get_by_role("combobox", name="责任单位"), "武侯", re.compile("武侯区分局"))
    journey.type(decision.get_by_label("任务"), "核查武侯区受害人报案材料，汇总后送贵阳市公安局南明区分局")
    journey.type(decision.get_by_label("办理期限（天）"), "15")
    journey.click(decision.get_by_role("button", name="加入议定事项"))
    expect(liaison.locator("#resolutions li")).to_have_count(2)
    journey.click(journey.expect_turn(liaison, "送成员单位会签"))

    # Every province's head signs from the inbox; the host's head then issues the 纪要.
    for province in PROVINCES:
        head = journey.open_as(f"{province}.unit-head")
        _from_inbox(journey, head, meeting.title)
        signoff = head.locator("#signoff")
        journey.expect_turn(head, "发送")
        journey.check(signoff.get_by_role("radio", name="已会签"))
        journey.click(signoff.get_by_role("button", name="发送"))
        expect(head.get_by_text("已代表")).to_be_visible()
    journey.click(journey.expect_turn(head, "签发纪要"))
    expect(head.locator("#minutes .render-state a")).to_be_visible(timeout=30_000)

    # The decisions act: the agreement in 南明's legal review queue citing the 纪要, the task in 武侯's
    # inbox with its deadline.
    meeting.refresh_from_db()
    number = meeting.minutes.document.number
    legal = journey.open_as("nanming.legal")
    review = legal.locator("main table tr", has_text="贵阳某投资公司非法集资案")
    expect(review).to_contain_text(number)
    journey.click(review.get_by_role("link"))
    journey.expect_turn(legal, "审核")
    owner = journey.open_as("wuhou.unit-head")
    task_row = owner.locator("main table tr", has_text="核查武侯区受害人报案材料")
    due_shown = task_row.locator("time.inbox__due-at").get_attribute("datetime")

    meeting.refresh_from_db()
    minutes = meeting.minutes
    assert meeting.state == MeetingState.PUBLISHED
    assert minutes.state == MinutesState.PUBLISHED
    rows = {
        p.user.username: p for p in MeetingParticipant.objects.filter(meeting=meeting).select_related("user")
    }
    assert rows["sichuan.unit-head"].answer == Answer.ACCEPTED
    assert rows["xizang.unit-head"].answer == Answer.DECLINED
    assert rows["guizhou.unit-head"].presence == Presence.LEAVE
    assert rows["guizhou.unit-head"].presence_reason == "临时公务"
    assert rows["yunnan.unit-head"].presence == Presence.ABSENT
    assert rows["qinghai.unit-head"].presence == Presence.DELEGATED
    assert rows[delegate.username].delegated_from == rows["qinghai.unit-head"]
    assert rows[delegate.username].presence == Presence.PRESENT

    # The issued 纪要's lists (GB/T 9704-2012 §10.3): 出席 the organiser and the recorded present (the
    # delegate as "周雪梅（代 徐卫东）"), 请假 the recorded leave only; the absent and the unrecorded in none.
    text = pdf_text(minutes.document, squeeze=True)
    present = _between(text, "出席：", ("请假：", "列席：", "会签单位："))
    excused = _between(text, "请假：", ("列席：", "会签单位："))
    for username in (LIAISON, HOST_HEAD, "sichuan.unit-head"):
        assert _name(username) in present, (username, present)
    assert delegate.display_name in present
    assert _name("guizhou.unit-head") in excused and _name("xizang.unit-head") in excused
    for username in ("yunnan.unit-head", "qinghai.unit-head", "guizhou.liaison", "sichuan.legal"):
        assert _name(username) not in present.replace(f"代{_name('qinghai.unit-head')}", "")
        assert _name(username) not in excused

    agreement, task = minutes.resolutions.order_by("number")
    assert agreement.apply_state == ApplyState.APPLIED and task.apply_state == ApplyState.APPLIED
    proceeding = JurisdictionProceeding.objects.get(pk=agreement.proceeding_id)
    assert proceeding.state == "agreed", proceeding.state  # in the lead's legal review
    assert proceeding.lead_unit.code == NANMING
    assert minutes.document.number in proceeding.agreement_citation
    assert {u.code for u in proceeding.assisting_units.all()} == {WUHOU, YUZHONG}
    item = ActionItem.objects.get(resolution=task)
    assert dt.datetime.fromisoformat(due_shown) == item.due_at
    assert item.owner_unit == Unit.objects.get(code=WUHOU)
    # 15 days from the issue, counted as a legal period (ending at 24:00 of its last day).
    days = (timezone.localdate(item.due_at) - timezone.localdate(minutes.published_at)).days
    assert days in (15, 16), item.due_at

    journey.assert_clean()
    figures = journey.record()
    assert figures["clicks"] == documented_clicks("meeting", 1366), figures
