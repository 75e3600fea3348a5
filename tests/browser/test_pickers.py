"""In Chromium: a place is recorded by typing a unit's name and choosing it with the keyboard, no code typed.

The picker (organisation.pickers, static/js/pickers.js) is a WAI-ARIA combobox: typing lists the
units grouped by province and city, the arrow keys move, Enter chooses; the form sends the code.
"""

import re

import pytest
from playwright.sync_api import Page, expect

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
