"""End to end in Chromium: a Wuhou investigator files a draft, records a place and a suspect, registers it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from cases.models import Case, CaseState, Offence
from core.identity import make_id_number
from organisation.models import Role
from tests.support.factories.organisation import TEST_PASSWORD, member

pytestmark = pytest.mark.browser

SUSPECT_ID = make_id_number("520102", dt.date(1990, 3, 7), 123)


@pytest.fixture
def investigator(organisation_loaded):
    # A transactional test flushes the seeded offences: put back the one the case needs.
    Offence.objects.get_or_create(code="telecom_fraud", defaults={"name": "电信网络诈骗", "sort": 10})
    return member("510107", Role.INVESTIGATOR, username="wuhou_investigator", department_kind="criminal")


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/cases/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/cases/$"))
    page.locator("#id_username").fill("wuhou_investigator")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/cases/")


def _top(page: Page) -> None:
    """Scroll to the top, so the sticky side column sits where a reader first sees it."""
    page.evaluate("window.scrollTo(0, 0)")


def test_investigator_files_registers_and_sees_the_number(
    page: Page, live_server, investigator, browser_problems, artifacts
):
    base = live_server.url
    _sign_in(page, base)
    expect(page.locator(".mainnav__link.is-active")).to_have_attribute("href", "/cases/")
    page.screenshot(path=artifacts / "cases-empty-list.png", full_page=True)

    # Intake: a draft in the investigator's own unit.
    page.locator("a.button--primary[href='/cases/new/']").click()
    expect(page.locator("#id_accepting_unit")).to_contain_text("成都市公安局武侯区分局")
    page.locator("#id_name").fill("4·15 电信网络诈骗案")
    page.locator("#id_offence").select_option(label="电信网络诈骗")
    page.locator("#id_external_number").fill("J5101072026041500")
    page.locator("#id_summary").fill(
        "2026年4月15日，受害人在昆明市五华区被冒充客服诈骗，损失人民币38万元；嫌疑人居住在贵阳。"
    )
    page.screenshot(path=artifacts / "case-new.png", full_page=True)
    page.locator("form.form-panel button[type=submit]").click()

    case = Case.objects.get()
    expect(page).to_have_url(f"{base}/cases/{case.pk}/")
    expect(page.locator(".case-head .state--draft")).to_be_visible()

    # A victim's place in Kunming, by htmx: the page reloads with it.
    page.locator("#id_location_role").select_option("victim_loss")
    expect(page.locator("#id_location_role")).to_contain_text("《公安机关办理刑事案件程序规定》第十七条")
    page.locator("#id_location_division_code").fill("530102")
    page.locator("#id_location_address").fill("昆明市五华区某小区")
    page.locator("#id_location_occurred").fill("2026-04-15")
    page.locator("#id_location_is_main").check()
    page.locator("#places form.fact-form button[type=submit]").click()
    places = page.locator("#places table")
    expect(places).to_contain_text("昆明市公安局五华区分局")
    expect(places).to_contain_text("《公安机关办理刑事案件程序规定》第十七条")

    # A suspect: a wrong check digit is refused on the field, and nothing typed is lost.
    person = page.locator("#persons form.fact-form")
    person.locator("#id_person_role").select_option("suspect")
    person.locator("#id_person_name").fill("王某")
    person.locator("#id_person_id_type").select_option("resident_id")
    wrong = SUSPECT_ID[:-1] + ("0" if SUSPECT_ID[-1] != "0" else "1")
    person.locator("#id_person_id_number").fill(wrong)
    person.locator("#id_person_household_division_code").fill("520102")
    person.locator("#id_person_household_address").fill("贵阳市南明区某街道")
    person.locator("#id_person_habitual_division_code").fill("520102")
    person.locator("#id_person_habitual_since").fill("2020-01-01")
    person.locator("#id_person_phones").fill("13812345678")
    person.locator("button[type=submit]").click()
    person = page.locator("#persons form.fact-form")
    expect(person.locator(".has-error .form__error")).to_be_visible()
    expect(person.locator("#id_person_name")).to_have_value("王某")
    expect(person.locator("#id_person_phones")).to_have_value("13812345678")
    page.locator("#persons").screenshot(path=artifacts / "case-person-error.png")

    person.locator("#id_person_id_number").fill(SUSPECT_ID)
    person.locator("button[type=submit]").click()
    expect(page.locator("#persons .person__name")).to_have_text("王某")
    expect(page.locator("#persons .id-number")).to_have_text(SUSPECT_ID)

    _top(page)
    page.screenshot(path=artifacts / "case-draft.png", full_page=True)

    # Register: the case gets its number.
    page.locator(f"form[action='/cases/{case.pk}/transitions/register/'] button").click()
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    expect(page.locator(".case-number")).to_have_text(case.number)
    expect(page.locator(".case-head .state--registered")).to_be_visible()
    _top(page)
    page.screenshot(path=artifacts / "case-detail.png", full_page=True)

    page.locator(".mainnav__link[href='/cases/']").click()
    expect(page.locator(".case-table")).to_contain_text(case.number)
    expect(page.locator(".case-table")).not_to_contain_text(SUSPECT_ID)
    page.screenshot(path=artifacts / "case-list.png", full_page=True)

    assert browser_problems == []
