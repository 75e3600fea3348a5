"""In Chromium: a step's button says "正在处理…" once clicked and the form cannot be posted twice.

Issue 20 item 4: a slow answer (a render, a dossier, a slow line) left the button live, and a
second click posted the step again. The post is held back here so the page can be looked at while
it waits; then it goes on and the page answers as before. No console error: static/js/busy.js is a
file of ours, which the CSP (script-src 'self') runs.
"""

import pytest
from playwright.sync_api import Page, expect

from cases.models import CaseState, Offence
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import TEST_PASSWORD, member
from tests.support.units import WUHOU

pytestmark = pytest.mark.browser


@pytest.fixture
def registered_case(organisation_loaded):
    # A transactional test flushes the seeded offences: put back the one the case needs.
    Offence.objects.get_or_create(code="telecom_fraud", defaults={"name": "电信网络诈骗", "sort": 10})
    member(WUHOU, Role.INVESTIGATOR, username="wuhou_busy", department_kind="criminal")
    return CaseFactory(state=CaseState.REGISTERED, accepting_unit=unit(WUHOU), name="12·01 网络刷单诈骗案")


def test_a_posted_step_is_busy_and_cannot_be_posted_twice(
    page: Page, live_server, registered_case, browser_problems
):
    base, case = live_server.url, registered_case
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill("wuhou_busy")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")
    page.goto(f"{base}/cases/{case.pk}/")

    posts: list[str] = []
    held: list = []

    def hold(route):
        if route.request.method == "POST":
            posts.append(route.request.url)
            held.append(route)
        else:
            route.continue_()

    page.route(f"**/cases/{case.pk}/transitions/**", hold)
    page.locator("textarea[name=reasons]").fill(
        "经审查，被害人被冒充客服人员骗走人民币八万元，有诈骗犯罪事实，需要追究刑事责任，且属于本局管辖。"
    )
    selector = f"form[action='/cases/{case.pk}/transitions/request_filing/']"
    # Clicked and read inside the page: Playwright's own clicks and locators wait for the navigation
    # held back here. After the click, a second submit (Enter in a field, a double click that got
    # through, a script) is tried, and must not post.
    busy = page.evaluate(
        """s => new Promise(resolve => {
            const form = document.querySelector(s), button = form.querySelector("button[type=submit]");
            button.click();
            setTimeout(() => {
                const seen = [button.disabled, button.textContent.trim(), form.getAttribute("aria-busy")];
                form.requestSubmit();
                setTimeout(() => resolve(seen), 200);
            }, 100);
        })""",
        selector,
    )
    assert busy == [True, "正在处理…", "true"]
    page.wait_for_timeout(300)
    assert len(posts) == 1

    held[0].continue_()
    expect(page.get_by_text("已完成：呈请立案。")).to_be_visible()
    assert len(posts) == 1
    assert browser_problems == []
