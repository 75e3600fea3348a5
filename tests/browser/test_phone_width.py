"""In Chromium at a phone's 390 px and a desk's 1280 px, and printed: the inbox and the four object pages.

At 390 px no page scrolls sideways, the menu hides behind a disclosure button and opens one item a
line, tables are cards, and the next-step panel comes before the facts. At 1280 px the same pages keep
their desk layout (menu in a row, side column on the right, tables as tables); there the print button
calls window.print, and printed, the steps, forms, menu and buttons are gone and the facts and
timelines are black on white.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.models import LocationRole
from tests.support.factories.assistance import case_in, draft_request
from tests.support.factories.cases import CaseLocationFactory
from tests.support.factories.jurisdiction import JurisdictionProceedingFactory
from tests.support.factories.meetings import meeting_in, pan_southwest_series
from tests.support.units import CHONGQING, WUHOU, WUHUA

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}


@pytest.fixture
def pages(organisation_loaded, cast):
    """A case with places, a request, a proceeding and a meeting, each with a Cast officer who sees it."""
    investigator = cast.office(WUHOU, "wuhou").investigator
    case = case_in(WUHOU, created_by=investigator)
    CaseLocationFactory(
        case=case,
        role=LocationRole.VICTIM_LOSS,
        division_code=WUHUA,
        # A long unbroken run of characters must break, not widen the page.
        address="昆明市五华区" + "X" * 60,
        victim_count=37,
        loss_amount=Decimal("1250000.00"),
    )
    request = draft_request(investigator, case=case)
    proceeding = JurisdictionProceedingFactory(case=case, parties=[WUHOU, WUHUA])
    liaison = cast.office(CHONGQING, "chongqing").liaison
    meeting = meeting_in(pan_southwest_series(), host=CHONGQING, organiser=liaison)
    return {
        "inbox": (investigator, reverse("organisation:home")),
        "case": (investigator, reverse("cases:detail", args=[case.pk])),
        "request": (investigator, reverse("assistance:detail", args=[request.pk])),
        "proceeding": (
            cast.office(WUHOU, "wuhou").head,
            reverse("jurisdiction:proceeding-detail", args=[proceeding.pk]),
        ),
        "meeting": (liaison, reverse("meetings:detail", args=[meeting.pk])),
    }


@pytest.fixture
def visit(page: Page, live_server, pages, password):
    """Open one of the pages as its officer (signing in again only when the officer changes)."""
    signed_in = {}

    def open_page(name: str) -> None:
        user, path = pages[name]
        if signed_in.get("user") != user.pk:
            page.context.clear_cookies()
            page.goto(f"{live_server.url}/login/")
            page.get_by_label("用户名").fill(user.username)
            page.get_by_label("密码").fill(password)
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name="待办")).to_be_visible()
            signed_in["user"] = user.pk
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main")).to_be_visible()

    return open_page


def scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def next_steps_before_facts(page: Page) -> bool:
    """Whether the next-step panel starts above every visible block of facts on the page."""
    return page.evaluate(
        """() => {
            const visible = (el) => el.getClientRects().length > 0;
            const next = [...document.querySelectorAll('.next-steps')].find(visible);
            const facts = [...document.querySelectorAll('.facts')].filter(visible);
            if (!next || !facts.length) return null;
            const top = next.getBoundingClientRect().top;
            return facts.every((el) => top < el.getBoundingClientRect().top);
        }"""
    )


def next_steps_first_in_tab_order(page: Page) -> bool:
    """Whether the next-step panel comes before every visible block of facts in the page's order.

    Tab follows the markup, not the layout: a panel moved up by CSS alone was still the last stop.
    """
    return page.evaluate(
        """() => {
            const visible = (el) => el.getClientRects().length > 0;
            const next = [...document.querySelectorAll('.next-steps')].find(visible);
            const facts = [...document.querySelectorAll('.facts')].filter(visible);
            if (!next || !facts.length) return null;
            return facts.every((el) => next.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )


OBJECT_PAGES = ("case", "request", "proceeding", "meeting")


def test_every_page_fits_a_phone_with_the_menu_collapsed_and_the_next_step_first(
    page: Page, visit, browser_problems, artifacts
):
    page.set_viewport_size(PHONE)
    for name in ("inbox", *OBJECT_PAGES):
        visit(name)
        page.screenshot(path=artifacts / f"phone-{name}.png", full_page=True)
        assert scroll_width(page) <= PHONE["width"], name

        # The menu is behind its button; opened, each entry is one line, closed again by Escape.
        toggle = page.locator(".mainnav__toggle")
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.locator(".mainnav__list")).to_be_hidden()
        if name == "inbox":
            toggle.click()
            expect(toggle).to_have_attribute("aria-expanded", "true")
            links = page.locator(".mainnav__link")
            expect(links.first).to_be_visible()
            heights = links.evaluate_all("els => els.map(el => el.getBoundingClientRect().height)")
            line = page.evaluate(
                "parseFloat(getComputedStyle(document.querySelector('.mainnav__link')).lineHeight)"
            )
            assert heights and max(heights) < 2 * line + 20, heights  # one line and its padding
            page.screenshot(path=artifacts / "phone-menu-open.png", full_page=True)
            assert scroll_width(page) <= PHONE["width"]
            page.keyboard.press("Escape")
            expect(toggle).to_have_attribute("aria-expanded", "false")
            expect(page.locator(".mainnav__list")).to_be_hidden()
            continue

        assert next_steps_before_facts(page) is True, name
        assert next_steps_first_in_tab_order(page) is True, name
        expect(page.get_by_role("button", name="打印")).to_be_visible()
        # In the page header's title row, not on a row of its own (issue 20 item 5).
        assert page.locator(".case-head .print-action, .page-head .print-action").count() == 1, name

    # A data table is a list of cards: a cell is a block under its column's name.
    visit("case")
    cell = page.locator("#places tbody td").first
    assert cell.evaluate("el => getComputedStyle(el).display") == "block"
    assert cell.get_attribute("data-label") == "地点类型"
    assert page.locator("#places thead").evaluate("el => el.getBoundingClientRect().height") <= 1

    assert browser_problems == []


def test_the_desk_layout_is_unchanged_and_print_keeps_only_the_record(
    page: Page, visit, browser_problems, artifacts
):
    page.set_viewport_size(DESK)
    for name in ("inbox", *OBJECT_PAGES):
        visit(name)
        assert scroll_width(page) <= DESK["width"], name
        # The menu is one row of links, no button.
        expect(page.locator(".mainnav__toggle")).to_be_hidden()
        expect(page.locator(".mainnav__list")).to_be_visible()
        tops = page.locator(".mainnav__link").evaluate_all(
            "els => els.map(el => el.getBoundingClientRect().top)"
        )
        assert len(set(tops)) == 1, (name, tops)
        if name == "inbox":
            continue
        if name == "case":
            # First in the page's order, the next steps still sit in the right-hand column on a desk.
            side = page.locator(".case-layout__side").bounding_box()
            main = page.locator(".case-layout__main").bounding_box()
            assert side and main and side["x"] > main["x"] + main["width"] - 1 and side["y"] == main["y"]

        # The print button prints (window.print, called from a static file: the CSP allows no inline script).
        page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
        page.get_by_role("button", name="打印").click()
        assert page.evaluate("window.printed") == 1, name

        page.emulate_media(media="print")
        display = "el => getComputedStyle(el).display"
        for selector in (
            ".next-step",
            ".next-steps",
            ".mainnav",
            ".print-action",
            "main form",
            "main button",
        ):
            hidden = page.locator(selector)
            if hidden.count():
                assert set(hidden.evaluate_all(f"els => els.map({display})")) == {"none"}, (name, selector)
        timeline = page.locator(".timeline, section.panel:has(> h2:text-is('办理记录')) > ol").first
        for shown in (page.locator(".facts").first, timeline):
            expect(shown).to_be_visible()
            assert shown.evaluate("el => getComputedStyle(el).color") == "rgb(0, 0, 0)", name
        assert page.locator("body").evaluate("el => getComputedStyle(el).backgroundColor") in (
            "rgba(0, 0, 0, 0)",
            "rgb(255, 255, 255)",
        )
        page.screenshot(path=artifacts / f"print-{name}.png", full_page=True)
        page.emulate_media(media="screen")

    # The case page keeps its two columns (the facts on the left, the steps on the right) and its tables.
    visit("case")
    main = page.locator(".case-layout__main").bounding_box()
    side = page.locator(".case-layout__side").bounding_box()
    assert side["x"] >= main["x"] + main["width"]
    assert side["y"] == main["y"]
    assert page.locator("#places td").first.evaluate("el => getComputedStyle(el).display") == "table-cell"
    expect(page.locator("#places thead th").first).to_be_visible()

    assert browser_problems == []
