"""In Chromium: the request form swaps the list of required documents by htmx; no CSP violation."""

import pytest
from playwright.sync_api import Page, expect

from organisation.models import Role
from tests.support.factories.assistance import case_in
from tests.support.factories.organisation import TEST_PASSWORD, member

pytestmark = pytest.mark.browser


def test_request_form_lists_the_documents_of_the_chosen_kind(
    page: Page, live_server, organisation_loaded, browser_problems
):
    investigator = member("510107", Role.INVESTIGATOR, username="wuhou_browser", department_kind="criminal")
    case = case_in("510107", created_by=investigator)
    page.goto(f"{live_server.url}/login/?next=/assistance-requests/new/")
    page.locator("input[name=username]").fill("wuhou_browser")
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("#kind-documents")).to_contain_text("立案决定书")
    page.locator("select[name=kind]").select_option("detention")
    expect(page.locator("#kind-documents")).to_contain_text("拘留证")
    expect(page.locator("#kind-documents")).not_to_contain_text("立案决定书")
    page.locator("select[name=case]").select_option(str(case.pk))
    page.locator("input[name=requested_unit]").fill("530100")
    page.locator("textarea[name=matters]").fill("协助拘留犯罪嫌疑人张某")
    page.locator("form[action='/assistance-requests/new/'] button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("R510107")
    expect(page.locator("body")).to_contain_text("拘留证")
    assert browser_problems == []
