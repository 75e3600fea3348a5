"""End to end in Chromium: a demo investigator signs in, sees the inbox, switches to English and back."""

import re

import pytest
from playwright.sync_api import Page, expect

from organisation.demo import DEMO_PASSWORD, demo_seed

pytestmark = pytest.mark.browser

INVESTIGATOR = "wuhou.investigator"


@pytest.fixture
def demo_accounts(organisation_loaded):
    demo_seed()


def test_investigator_signs_in_sees_the_inbox_and_switches_language(
    page: Page, live_server, demo_accounts, browser_problems, artifacts
):
    page.goto(f"{live_server.url}/")

    # Not signed in: the Chinese sign-in page, which returns to the inbox afterwards.
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.screenshot(path=artifacts / "login.png", full_page=True)
    page.get_by_label("用户名").fill(INVESTIGATOR)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    expect(page.get_by_text("暂无待办事项")).to_be_visible()
    expect(page.locator(".identity")).to_contain_text("成都市公安局武侯区分局")
    expect(page.locator(".identity")).to_contain_text("办案民警")
    page.screenshot(path=artifacts / "inbox.png", full_page=True)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()
    expect(page.locator(".identity")).to_contain_text("Investigator")

    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # The unit tree: a province opens by htmx, then one of its prefectures.
    page.get_by_role("link", name="单位", exact=True).click()
    expect(page.get_by_role("heading", name="单位", exact=True)).to_be_visible()
    page.locator("summary", has_text="四川省公安厅").locator(".unit-node__meta").click()
    chengdu = page.locator("summary", has_text="成都市公安局").first
    expect(chengdu).to_be_visible()
    chengdu.locator(".unit-node__meta").click()
    expect(page.get_by_role("link", name="成都市公安局武侯区分局", exact=True)).to_be_visible()
    page.screenshot(path=artifacts / "unit-tree.png", full_page=True)

    page.get_by_role("link", name="成都市公安局武侯区分局", exact=True).click()
    expect(page.get_by_role("heading", name="成都市公安局武侯区分局")).to_be_visible()
    expect(page.locator(".breadcrumbs")).to_contain_text("四川省公安厅")
    page.screenshot(path=artifacts / "unit-detail.png", full_page=True)

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_text("您已退出登录")).to_be_visible()

    assert browser_problems == []
