"""In Chromium: 立案 (MPS-2020 art 178) from the inbox, as the investigator and the head see it.

The investigator asks for the filing on the case page; the approval is the county-level head's, so
the investigator sees the step greyed out with the reason, never a live-looking red button; the head
finds the request in the inbox, reads it and approves it, and the case shows its 立案决定书. The head's
panel fits a 390 px phone.
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from cases.models import Case, CaseState, Offence
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import member
from tests.support.units import WUHOU

pytestmark = pytest.mark.browser

DISABLED_GREY = "rgb(238, 240, 243)"


@pytest.fixture
def registered_case(organisation_loaded):
    # A transactional test flushes the seeded offences: put back the one the case needs.
    Offence.objects.get_or_create(code="telecom_fraud", defaults={"name": "电信网络诈骗", "sort": 10})
    filer = member(WUHOU, Role.INVESTIGATOR, username="wuhou_filer", department_kind="criminal")
    head = member(WUHOU, Role.UNIT_HEAD, username="wuhou_head")
    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=unit(WUHOU), name="11·20 冒充公检法诈骗案")
    return case, filer, head


def test_filing_is_asked_for_and_approved_from_the_inbox_mps_2020_art_178(
    page: Page, browser: Browser, live_server, registered_case, sign_in, browser_problems, artifacts
):
    # Signed in by session cookie: this walk is about the filing, not the login form.
    base, (case, filer, head_user) = live_server.url, registered_case
    sign_in(page, filer)
    page.goto(f"{base}/cases/{case.pk}/")
    page.locator("textarea[name=reasons]").fill(
        "经审查，被害人被冒充公安机关人员骗走人民币十二万元，有诈骗犯罪事实，需要追究刑事责任，且属于本局管辖。"
    )
    page.get_by_role("button", name="呈请立案").click()
    expect(page.get_by_text("已完成：呈请立案。")).to_be_visible()

    # The approval is not the investigator's: greyed out, with the reason beside it.
    approve = page.locator(f"form[action='/cases/{case.pk}/transitions/start_investigation/'] button")
    expect(approve).to_be_disabled()
    assert approve.evaluate("b => getComputedStyle(b).backgroundColor") == DISABLED_GREY
    expect(page.locator(".next-step__reasons")).to_contain_text("负责人批准")
    expect(page.locator(".next-step__reasons")).to_contain_text(
        "《公安机关办理刑事案件程序规定》第一百七十八条"
    )
    page.locator("aside").first.screenshot(path=artifacts / "filing-asked.png")

    # The head, on a phone: the inbox names the request; the case page offers the approval.
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}
    )
    sign_in(context, head_user)
    head = context.new_page()
    head.goto(f"{base}/")
    item = head.get_by_role("link", name=re.compile(case.name)).first
    expect(head.locator("main")).to_contain_text("待您批准的呈请立案")
    item.click()
    expect(head).to_have_url(f"{base}/cases/{case.pk}/")
    panel = head.locator(".next-steps")
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    head.get_by_role("button", name="批准立案并开始侦查").click()
    expect(head.get_by_text("已完成：批准立案并开始侦查。")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_INVESTIGATION and case.is_filed
    decision = head.get_by_role("link", name=re.compile("立案决定书"))
    expect(decision).to_be_visible()
    head.screenshot(path=artifacts / "filing-approved-390.png", full_page=True)
    context.close()
    assert browser_problems == []
    assert Case.objects.get(pk=case.pk).filing_decision is not None
