"""The README's first journey in Chromium (issue 20, "done when"; item 8's keyboard-only walk).

Wuhou's investigator opens a case at intake (its place picked by name), registers it and asks for its
filing; Wuhou's head files it from the inbox (立案, MPS-2020 art 178). The investigator then asks
昆明市公安局 to collect evidence (调取证据, MPS-2020 art 346): the required documents are a checklist
from the first draft (the scan of the officers' police ID uploaded in its row, the 办案协作函 and the
调取证据通知书 drafted, the case's 立案决定书 attached, art 347), the head approves, the investigator
sends. Kunming's intake receives, accepts and routes it (归口接收, art 348), the criminal department's
head assigns an officer picked by name, the officer does the work and reports the result, and Wuhou
confirms and closes it. Every officer starts from the inbox (待办) and sees the step that is theirs in
front of them.

The walk runs with the mouse on a desk screen and on a phone (390 px, no sideways scroll on any page),
and the request's part once more with the keyboard alone, counting the key presses.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from organisation.demo import demo_accounts
from tests.support.journeys import Journey, documented_clicks

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SCAN = {"name": "人民警察证复印件.pdf", "mimeType": "application/pdf", "buffer": PDF}
PHONE = {"width": 390, "height": 844}
CASE_NAME = "6·01 冒充客服退款诈骗案"
REQUEST_NUMBER = re.compile(r"R\d{15}")


def full_name(username: str) -> str:
    return next(account.full_name for account in demo_accounts() if account.username == username)


def fits(page: Page, width: int) -> None:
    """At a phone's width nothing scrolls sideways (issue 20 item 5)."""
    if width <= 390:
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"


def menu(journey: Journey, page: Page, name: str) -> None:
    """Follow a main-menu link; on a phone the menu opens behind its button first."""
    toggle = page.locator(".mainnav__toggle")
    if toggle.is_visible():
        journey.click(toggle)
    journey.click(page.locator(".mainnav__link", has_text=name))


def step(journey: Journey, page: Page, name: str) -> None:
    """Take the step that is the user's turn: it must be the live primary step on the page."""
    journey.click(journey.expect_turn(page, name))
    expect(page.locator(".message--success")).to_contain_text(name)
    fits(page, journey.viewport["width"])


def from_inbox(journey: Journey, page: Page, item: str) -> None:
    """Open the item waiting in the user's inbox (待办)."""
    journey.click(page.locator("main table.inbox a", has_text=item))
    fits(page, journey.viewport["width"])


def walk_request(journey: Journey) -> None:
    width = journey.viewport["width"]

    # Intake: a draft case, its place picked by name, registered, its filing asked for.
    investigator = journey.open_as("wuhou.investigator")
    fits(investigator, width)
    menu(journey, investigator, "案件")
    journey.click(journey.expect_turn(investigator, "新建案件"))
    journey.choose(investigator.locator("#id_offence"), "诈骗")
    journey.type(investigator.locator("#id_name"), CASE_NAME)
    journey.type(investigator.locator("#id_summary"), "被害人接到冒充网店客服的电话，按指示转账五万元。")
    journey.click(journey.expect_turn(investigator, "新建草稿"))
    fits(investigator, width)
    place = investigator.locator("form", has=investigator.locator("input[name=division_code]"))
    journey.pick(place.locator("input[name=division_code]"), "武侯", re.compile("^成都市公安局武侯区分局"))
    journey.click(place.locator("button[type=submit]"))
    expect(investigator.locator("main")).to_contain_text("犯罪行为发生地")
    step(journey, investigator, "受理案件")
    journey.type(
        investigator.locator("textarea[name=reasons]"), "有犯罪事实，需要追究刑事责任，且属于本局管辖。"
    )
    step(journey, investigator, "呈请立案")

    # 立案: the head finds the request in the inbox and files the case (MPS-2020 art 178).
    head = journey.open_as("wuhou.unit-head")
    from_inbox(journey, head, CASE_NAME)
    step(journey, head, "批准立案")
    expect(head.locator("main")).to_contain_text("立案决定书")

    # The request: drafted from the case, the unit picked by name, the checklist completed in place.
    menu(journey, investigator, "案件")
    journey.click(investigator.locator("main a", has_text=CASE_NAME).first)
    fits(investigator, width)
    journey.click(journey.expect_turn(investigator, "请求其他单位协作"))
    fits(investigator, width)
    journey.pick(investigator.locator("#id_requested_unit"), "昆明", re.compile("^昆明市公安局 "))
    journey.choose(investigator.locator("#id_kind"), "调取证据")
    journey.type(investigator.locator("#id_matters"), "调取被害人银行账户的交易流水及转账凭证。")
    journey.click(journey.expect_turn(investigator, "创建草稿"))
    fits(investigator, width)
    number = REQUEST_NUMBER.search(investigator.locator("h1").inner_text()).group()
    expect(investigator.locator("main")).to_contain_text("请先上传扫描件：办案民警人民警察证复印件")
    upload = investigator.locator("#document-police_id_copy form")
    journey.type(upload.locator("input[name=number]"), "人民警察证复印件")
    journey.type(upload.locator("input[name=issued_on]"), "2026-12-01")
    journey.attach(upload.locator("input[type=file]"), SCAN)
    journey.click(upload.locator("button[type=submit]"))
    fits(investigator, width)
    step(journey, investigator, "提交审批")

    # The head approves from the inbox; the investigator sends from the inbox.
    menu(journey, head, "待办")
    from_inbox(journey, head, number)
    step(journey, head, "审批通过")
    menu(journey, investigator, "待办")
    from_inbox(journey, investigator, number)
    step(journey, investigator, "发送")

    # Kunming: intake receives, accepts and routes it (art 348); the department head assigns; the
    # officer does the work.
    intake = journey.open_as("kunming.intake")
    from_inbox(journey, intake, number)
    step(journey, intake, "签收")
    step(journey, intake, "接收")
    expect(intake.locator("#id_route_department")).to_have_value("criminal")
    step(journey, intake, "分派部门")
    department_head = journey.open_as("kunming.dept-head")
    from_inbox(journey, department_head, number)
    officer_name = full_name("kunming.investigator")
    journey.pick(department_head.locator("#id_assign_assignee"), officer_name, re.compile(f"^{officer_name}"))
    step(journey, department_head, "指定承办民警")
    officer = journey.open_as("kunming.investigator")
    from_inbox(journey, officer, number)
    step(journey, officer, "开始办理")
    journey.type(officer.locator("#id_fulfil_results"), "已调取被害人账户交易流水及转账凭证，随函反馈。")
    step(journey, officer, "办结并反馈结果")

    # Wuhou confirms the result and closes the request.
    menu(journey, investigator, "待办")
    from_inbox(journey, investigator, number)
    step(journey, investigator, "确认并结束")
    expect(investigator.locator("main")).to_contain_text("已调取被害人账户交易流水")


def test_request(journey):
    walk_request(journey)
    journey.assert_clean()
    figures = journey.record()
    assert figures["clicks"] == documented_clicks("request", 1366)


def test_request_phone(journey):
    journey.name = "request"
    journey.viewport = PHONE
    walk_request(journey)
    journey.assert_clean()
    figures = journey.record()
    assert figures["clicks"] == documented_clicks("request", 390)


# --- the keyboard alone (issue 20 item 8) -------------------------------------------------------


def filed_case() -> str:
    """A case Wuhou has filed, as the mouse walk leaves it: the keyboard walk starts from the request."""
    from cases import filing, services
    from cases.models import Offence
    from organisation.models import Unit, User

    investigator = User.objects.get(username="wuhou.investigator")
    head = User.objects.get(username="wuhou.unit-head")
    case = services.case_create(
        by=investigator,
        accepting_unit=Unit.objects.get(code="510107"),
        name=CASE_NAME,
        offence=Offence.objects.get(name="诈骗"),
        summary="被害人接到冒充网店客服的电话，按指示转账五万元。",
    )
    services.case_transition(case=case, name="register", by=investigator)
    filing.filing_request(case=case.pk, by=investigator, reasons="有犯罪事实，需要追究刑事责任。")
    filing.filing_approve(case=case.pk, by=head)
    return CASE_NAME


def enter(journey: Journey, target) -> None:
    """Reach a link or button with Tab and follow it with Enter."""
    journey.tab_to(target)
    journey.press(target.page, "Enter", navigates=True)


def take(journey: Journey, page: Page, name: str) -> None:
    """The user's step, live and primary, reached with Tab and taken with Enter."""
    enter(journey, journey.expect_turn(page, name))
    expect(page.locator(".message--success")).to_contain_text(name)


def choose_by_keys(journey: Journey, page: Page, picker, text: str, option: str) -> None:
    """A picker chosen by keyboard: type part of the name, arrow down to the option, Enter."""
    journey.tab_to(picker)
    journey.keyboard_type(page, text)
    listbox = page.locator(f"#{picker.get_attribute('aria-controls')}")
    expect(listbox.get_by_role("option").first).to_be_visible()
    for _ in range(10):
        journey.press(page, "ArrowDown")
        active = listbox.locator("[aria-selected=true]")
        if active.count() and active.first.inner_text().startswith(option):
            break
    journey.press(page, "Enter")
    expect(picker).to_have_value(re.compile(f"^{option}"))


def test_request_keyboard(journey):
    case_name = filed_case()

    # Wuhou drafts the request from the filed case, completes the checklist and submits it.
    investigator = journey.open_as("wuhou.investigator", keyboard=True)
    enter(journey, investigator.locator(".mainnav__link", has_text="案件"))
    enter(journey, investigator.locator("main a", has_text=case_name).first)
    enter(journey, journey.expect_turn(investigator, "请求其他单位协作"))
    choose_by_keys(journey, investigator, investigator.locator("#id_requested_unit"), "昆明", "昆明市公安局")
    journey.tab_to(investigator.locator("#id_kind"))
    for _ in range(20):
        if investigator.locator("#id_kind").input_value() == "evidence_collection":
            break
        journey.press(investigator, "ArrowDown")
    expect(investigator.locator("#id_kind")).to_have_value("evidence_collection")
    journey.tab_to(investigator.locator("#id_matters"))
    journey.keyboard_type(investigator, "调取被害人银行账户的交易流水及转账凭证。")
    take(journey, investigator, "创建草稿")
    number = REQUEST_NUMBER.search(investigator.locator("h1").inner_text()).group()
    upload = investigator.locator("#document-police_id_copy form")
    journey.tab_to(upload.locator("input[name=number]"))
    journey.keyboard_type(investigator, "人民警察证复印件")
    journey.tab_to(upload.locator("input[name=issued_on]"))
    # The copy was made today: ↑ in each part of the date sets it to today's (whatever order the
    # browser's locale shows year, month and day in), → moves to the next part.
    for key in ("ArrowUp", "ArrowRight", "ArrowUp", "ArrowRight", "ArrowUp"):
        journey.press(investigator, key)
    expect(upload.locator("input[name=issued_on]")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    journey.tab_to(upload.locator("input[type=file]"))
    with investigator.expect_file_chooser() as chooser:
        journey.press(investigator, "Space")
    chooser.value.set_files(SCAN)
    enter(journey, upload.locator("button[type=submit]"))
    take(journey, investigator, "提交审批")

    head = journey.open_as("wuhou.unit-head", keyboard=True)
    enter(journey, head.locator("main table.inbox a", has_text=number))
    take(journey, head, "审批通过")
    enter(journey, investigator.locator(".mainnav__link", has_text="待办"))
    enter(journey, investigator.locator("main table.inbox a", has_text=number))
    take(journey, investigator, "发送")

    # Kunming receives, accepts, routes, assigns and fulfils it.
    intake = journey.open_as("kunming.intake", keyboard=True)
    enter(journey, intake.locator("main table.inbox a", has_text=number))
    take(journey, intake, "签收")
    take(journey, intake, "接收")
    take(journey, intake, "分派部门")
    department_head = journey.open_as("kunming.dept-head", keyboard=True)
    enter(journey, department_head.locator("main table.inbox a", has_text=number))
    officer_name = full_name("kunming.investigator")
    assignee = department_head.locator("#id_assign_assignee")
    choose_by_keys(journey, department_head, assignee, officer_name, officer_name)
    take(journey, department_head, "指定承办民警")
    officer = journey.open_as("kunming.investigator", keyboard=True)
    enter(journey, officer.locator("main table.inbox a", has_text=number))
    take(journey, officer, "开始办理")
    journey.tab_to(officer.locator("#id_fulfil_results"))
    journey.keyboard_type(officer, "已调取被害人账户交易流水及转账凭证，随函反馈。")
    take(journey, officer, "办结并反馈结果")

    # Wuhou confirms and closes it.
    enter(journey, investigator.locator(".mainnav__link", has_text="待办"))
    enter(journey, investigator.locator("main table.inbox a", has_text=number))
    take(journey, investigator, "确认并结束")

    assert journey.clicks == 0, "the keyboard walk clicked"
    journey.assert_clean()
    figures = journey.record()
    assert figures["keys"] == documented_clicks("request_keyboard", 1366)
