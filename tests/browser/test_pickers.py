"""In Chromium: a place is recorded by typing a unit's name and choosing it with the keyboard, no code typed.

The picker (organisation.pickers, static/js/pickers.js) is a WAI-ARIA combobox: typing lists the
units grouped by province and city, the arrow keys move, Enter chooses; the form sends the code.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from bulletins.models import Bulletin
from cases.models import CaseLocation
from organisation.models import Role
from tests.support.factories.cases import CaseFactory
from tests.support.factories.organisation import TEST_PASSWORD, member

pytestmark = pytest.mark.browser


@pytest.fixture
def draft(organisation_loaded):
    member("510107", Role.INVESTIGATOR, username="wuhou_investigator", department_kind="criminal")
    return CaseFactory()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_unit_is_picked_by_name_with_the_keyboard(
    page: Page, live_server, draft, browser_problems, artifacts, width
):
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    page.goto(f"{base}/cases/{draft.pk}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.locator("#id_username").fill("wuhou_investigator")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/cases/{draft.pk}/")

    page.locator("#id_location_role").select_option("victim_loss")
    picker = page.get_by_role("combobox", name="行政区划或单位")
    expect(picker).to_have_attribute("aria-expanded", "false")
    picker.press_sequentially("昆明", delay=30)
    listbox = page.get_by_role("listbox", name="匹配的单位")
    expect(listbox).to_be_visible()
    expect(picker).to_have_attribute("aria-expanded", "true")
    expect(listbox.locator(".picker__group").first).to_have_text("云南省公安厅 › 昆明市公安局")
    page.screenshot(path=artifacts / f"picker-units-{width}.png", full_page=False)

    # Down twice: past 昆明市公安局 to the first of its branches (五华区分局, by code).
    picker.press("ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    expect(listbox.get_by_role("option", selected=True)).to_contain_text("昆明市公安局530100")
    picker.press("ArrowDown")
    chosen = listbox.get_by_role("option", selected=True)
    expect(chosen).to_contain_text("昆明市公安局五华区分局")
    expect(picker).to_have_attribute("aria-activedescendant", re.compile(r"_listbox_o1$"))
    picker.press("Enter")
    expect(listbox).to_be_hidden()
    expect(picker).to_have_value("昆明市公安局五华区分局")
    expect(page.locator("input[name=division_code_picked]")).to_have_value("530102")

    page.locator("#id_location_address").fill("昆明市五华区某小区")
    page.locator("#places form.fact-form button[type=submit]").click()
    expect(page.locator("#places table")).to_contain_text("昆明市公安局五华区分局")
    assert CaseLocation.objects.get(case=draft).division_code == "530102"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not browser_problems, browser_problems


@pytest.fixture
def drafter(organisation_loaded):
    return member("510107", Role.INVESTIGATOR, username="wuhou_drafter", department_kind="criminal")


def test_two_units_are_added_by_keyboard_at_phone_width(
    page: Page, live_server, drafter, browser_problems, artifacts
):
    """The multi picker: type, arrow, Enter adds a chip; Backspace in the empty input removes the last."""
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    page.goto(f"{base}/bulletins/new/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.locator("#id_username").fill("wuhou_drafter")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/bulletins/new/")

    page.locator("#id_title").fill("协查通报")
    page.locator("#id_body").fill("请协查。")
    picker = page.get_by_role("combobox", name="另发以下单位")
    chips = page.get_by_role("list", name="已选单位").get_by_role("listitem")
    listbox = page.get_by_role("listbox", name="匹配的单位")
    picker.press_sequentially("五华", delay=30)
    expect(listbox).to_be_visible()
    picker.press("ArrowDown")
    picker.press("Enter")
    expect(chips).to_have_count(1)
    expect(picker).to_have_value("")
    picker.press_sequentially("xining", delay=30)
    expect(listbox.get_by_role("option").first).to_contain_text("西宁市公安局")
    picker.press("ArrowDown")
    picker.press("Enter")
    expect(chips).to_have_text(["昆明市公安局五华区分局×", "西宁市公安局×"])
    expect(page.get_by_role("status").filter(has_text="已添加：西宁市公安局。")).to_have_count(1)
    # Backspace in the empty input takes the last one off; it is added again by keyboard.
    picker.press("Backspace")
    expect(chips).to_have_count(1)
    # Enter before the list has come sends nothing: the form stays, the text stays to be chosen.
    picker.press_sequentially("xnsgaj", delay=30)
    picker.press("Enter")
    expect(page).to_have_url(f"{base}/bulletins/new/")
    expect(listbox.get_by_role("option").first).to_contain_text("西宁市公安局")
    picker.press("ArrowDown")
    picker.press("Enter")
    expect(chips).to_have_count(2)
    expect(page.get_by_role("button", name="移除西宁市公安局")).to_be_visible()
    page.screenshot(path=artifacts / "picker-multi-390.png", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/bulletins/\d+/$"))
    bulletin = Bulletin.objects.get()
    assert bulletin.target_spec["units"] == ["530102", "630100"]
    assert not browser_problems, browser_problems
