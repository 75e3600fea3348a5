"""In Chromium: a freeze renewed through its original approval (MPS-2020 art 240), the officer on a phone.

The measures table carried each row's steps in a column that ran off a 390 px screen; on a phone each
measure is now one block, so the officer asks for the renewal there, and the head approves it at the
desk, which issues the 协助冻结财产通知书 of the continued freeze.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from cases.assistance import services
from cases.assistance.models import PropertyMeasure
from cases.assistance_kinds import AssistanceKind
from cases.models import Offence
from tests.support.factories.assistance import draft_request, walk
from tests.support.factories.organisation import TEST_PASSWORD
from tests.support.personas import Cast

pytestmark = pytest.mark.browser


@pytest.fixture
def freeze(organisation_loaded):
    Offence.objects.get_or_create(code="telecom_fraud", defaults={"name": "电信网络诈骗", "sort": 10})
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    measure = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="deposits",
        target="账号6222020200112233445",
        institution="中国工商银行昆明分行",
        amount=120000,
        starts_on=timezone.localdate() - dt.timedelta(days=170),
    )
    return cast, request, measure


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")


def test_a_freeze_is_renewed_from_a_phone_and_approved_at_the_desk_mps_2020_art_240(
    page: Page, browser: Browser, live_server, freeze, browser_problems, artifacts
):
    cast, request, measure = freeze
    base = live_server.url
    phone = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}
    )
    officer = phone.new_page()
    _sign_in(officer, base, cast.investigator.username)
    officer.goto(f"{base}/assistance-requests/{request.pk}/")
    renew = officer.locator(
        f"form[action='/assistance-requests/{request.pk}/property-measures/{measure.pk}/renew/'] button"
    )
    renew.scroll_into_view_if_needed()
    # The whole button lies inside its panel and the screen, wide enough to read its label.
    fits = renew.evaluate(
        """b => { const r = b.getBoundingClientRect(), p = b.closest('section').getBoundingClientRect();
                  return {left: r.left, right: r.right, width: r.width, panel: p.right,
                          fits: r.left >= p.left && r.right <= p.right && p.right <= 390
                                && r.width >= 120}; }"""
    )
    assert fits["fits"], fits
    officer.screenshot(path=artifacts / "freeze-renewal-390.png", full_page=True)
    renew.click()
    expect(officer.get_by_text("已申请续冻，等待原批准冻结的负责人批准。")).to_be_visible()
    phone.close()

    _sign_in(page, base, cast.unit_head.username)
    page.goto(f"{base}/assistance-requests/{request.pk}/")
    page.get_by_role("button", name="批准续冻", exact=True).click()
    expect(page.get_by_text("已完成：批准续冻。")).to_be_visible()
    renewed = PropertyMeasure.objects.get(renewed_from=measure)
    assert renewed.state == "in_force" and renewed.notice_document_id is not None
    expect(page.get_by_role("link", name="协助冻结财产通知书")).to_be_visible()
    assert browser_problems == []
