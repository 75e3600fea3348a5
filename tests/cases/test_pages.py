"""The case pages: list, intake, the case page with its facts, next steps and timeline."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CaseLocation, CasePerson, CaseState, HandlingCode
from core.identity import mask_id_number
from core.models import AuditEvent, TimelineEntry
from organisation.models import Unit
from tests.support.factories.assistance import draft_request
from tests.support.factories.cases import (
    CaseFactory,
    CaseLocationFactory,
    CasePersonFactory,
    id_number,
    offence,
)
from tests.support.pages import EXTERNAL, INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from tests.support.units import KUNMING, WUHOU

pytestmark = pytest.mark.django_db

SUSPECT_ID = id_number("520102", sequence=123)
WRONG_DIGIT = SUSPECT_ID[:-1] + ("0" if SUSPECT_ID[-1] != "0" else "1")


@pytest.fixture
def english(client):
    """Answer in English, so assertions on messages do not depend on the state of the catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def signed_in(client, wuhou_investigator):
    client.force_login(wuhou_investigator)
    return client


@pytest.fixture
def wuhou_case():
    case = CaseFactory(state=CaseState.REGISTERED, name="4·15 电信网络诈骗案")
    CaseLocationFactory(case=case)
    CasePersonFactory(case=case, name="张某", id_number=SUSPECT_ID, phones=["13812345678"])
    return case


def _detail(case) -> str:
    return reverse("cases:detail", args=[case.pk])


# --- the list ------------------------------------------------------------------------------------


def test_list_shows_visible_cases_with_identities_masked(signed_in, wuhou_case):
    response = signed_in.get(reverse("cases:list"))

    assert response.status_code == 200
    assert [case.pk for case in response.context["cases"]] == [wuhou_case.pk]
    html = response.text
    assert "4·15 电信网络诈骗案" in html
    assert wuhou_case.number in html
    assert SUSPECT_ID not in html
    assert "13812345678" not in html
    assert mask_id_number(SUSPECT_ID) in html
    assert "138****5678" in html
    assert 'class="badge state state--registered"' in html
    assert reverse("cases:detail", args=[wuhou_case.pk]) in html
    assert reverse("api:case-export") in html


def test_list_filters_by_state_offence_code_year_and_text(signed_in):
    fraud = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION, name="甲诈骗案", offence=offence("telecom_fraud")
    )
    theft = CaseFactory(state=CaseState.REGISTERED, name="乙盗窃案", offence=offence("theft"))
    draft = CaseFactory(state=CaseState.DRAFT, name="丙草稿", handling_code=HandlingCode.INTERNAL)
    url = reverse("cases:list")

    def shown(**query):
        response = signed_in.get(url, query)
        assert response.status_code == 200
        return {case.pk for case in response.context["cases"]}

    assert shown() == {fraud.pk, theft.pk, draft.pk}
    assert shown(state="registered") == {theft.pk}
    assert shown(offence="theft") == {theft.pk}
    assert shown(handling_code="internal") == {draft.pk}
    assert shown(year=fraud.number_year) == {fraud.pk, theft.pk}
    assert shown(q="盗窃") == {theft.pk}
    assert shown(q=fraud.number) == {fraud.pk}
    response = signed_in.get(url, {"state": "registered"})
    # The export link carries the same filters.
    assert f"{reverse('api:case-export')}?state=registered" in response.text


def test_list_pages_by_keyset(signed_in, monkeypatch):
    monkeypatch.setattr("cases.views.PAGE_SIZE", 2)
    cases = [CaseFactory(state=CaseState.REGISTERED) for _ in range(3)]
    url = reverse("cases:list")

    first = signed_in.get(url)
    assert [case.pk for case in first.context["cases"]] == [cases[2].pk, cases[1].pk]
    assert first.context["older_than"] == cases[1].pk
    second = signed_in.get(url, {"before": cases[1].pk})
    assert [case.pk for case in second.context["cases"]] == [cases[0].pk]
    assert second.context["older_than"] is None


def test_list_costs_the_same_queries_for_5_and_50_cases(signed_in, django_assert_num_queries):
    def make(count):
        for _ in range(count):
            case = CaseFactory(state=CaseState.REGISTERED)
            CasePersonFactory(case=case, phones=["13812345678", "13912345678"])
            CasePersonFactory(case=case, role="victim")
            CaseLocationFactory(case=case)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(reverse("cases:list")).status_code == 200
        return len(queries)

    make(5)
    signed_in.get(reverse("cases:list"))  # warm the session and the standing
    five = count_queries()
    make(45)
    with django_assert_num_queries(five):
        response = signed_in.get(reverse("cases:list"))
    assert len(response.context["cases"]) == 50


def test_uninvolved_province_sees_nothing_in_the_list(client, qinghai_investigator, wuhou_case):
    client.force_login(qinghai_investigator)

    response = client.get(reverse("cases:list"))

    assert response.status_code == 200
    assert response.context["cases"] == []
    assert "4·15 电信网络诈骗案" not in response.text


# --- the case page -------------------------------------------------------------------------------


def test_an_english_page_keeps_the_canonical_citation_mps_2020_art_17(english, signed_in, wuhou_case):
    html = signed_in.get(_detail(wuhou_case)).text

    assert "MPS-2020 art 17" in html and "第十七条" not in html


def test_detail_shows_identities_in_full_and_audits_the_view(signed_in, wuhou_investigator, wuhou_case):
    response = signed_in.get(_detail(wuhou_case))

    assert response.status_code == 200
    html = response.text
    assert SUSPECT_ID in html
    assert "13812345678" in html
    assert wuhou_case.number in html
    assert "《公安机关办理刑事案件程序规定》第十七条" in html  # the citation of the victim's loss place
    assert "530102" in html
    event = AuditEvent.objects.get(action="cases.case.viewed_identities")
    assert event.actor_id == wuhou_investigator.pk
    assert event.target_id == str(wuhou_case.pk)
    assert event.payload == {"persons": 1}
    assert SUSPECT_ID not in str(event.payload)


def test_detail_offers_the_users_transitions_and_shows_the_timeline(signed_in, english):
    case = CaseFactory(state=CaseState.DRAFT)
    TimelineEntry.objects.create(
        target_type="cases.case", target_id=str(case.pk), actor_name="测试", action="created", note="开案"
    )

    response = signed_in.get(_detail(case))

    assert [offer.name for offer in response.context["offers"]] == ["register"]
    html = response.text
    assert f'action="{reverse("cases:transition", args=[case.pk, "register"])}"' in html
    assert 'name="expected_state" value="draft"' in html
    assert "Draft opened" in html
    assert "开案" in html


@pytest.mark.parametrize("persona", ["system_admin", "auditor"])
def test_users_without_an_operational_role_get_the_no_case_data_page(client, request, persona, wuhou_case):
    client.force_login(request.getfixturevalue(persona))

    for url in (reverse("cases:list"), reverse("cases:new"), _detail(wuhou_case)):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "无权查看案件数据" in response.text
        assert "4·15 电信网络诈骗案" not in response.text
    assert not AuditEvent.objects.filter(action="cases.case.viewed_identities").exists()


def test_pages_need_a_sign_in(client, wuhou_case):
    for url in (reverse("cases:list"), reverse("cases:new"), _detail(wuhou_case)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("organisation:login"))


def test_uninvolved_province_gets_404_on_every_page_of_a_case(client, qinghai_investigator, wuhou_case):
    client.force_login(qinghai_investigator)
    location = wuhou_case.locations.get()
    person = wuhou_case.persons.get()
    gets = [
        _detail(wuhou_case),
        reverse("cases:location-new", args=[wuhou_case.pk]),
        reverse("cases:person-new", args=[wuhou_case.pk]),
    ]
    posts = [
        reverse("cases:transition", args=[wuhou_case.pk, "start_investigation"]),
        reverse("cases:transition", args=[wuhou_case.pk, "revoke"]),
        reverse("cases:location-new", args=[wuhou_case.pk]),
        reverse("cases:person-new", args=[wuhou_case.pk]),
        reverse("cases:location-remove", args=[wuhou_case.pk, location.pk]),
        reverse("cases:person-remove", args=[wuhou_case.pk, person.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"expected_state": "registered", "reason": "x"}).status_code == 404, url
    wuhou_case.refresh_from_db()
    assert wuhou_case.state == CaseState.REGISTERED
    assert wuhou_case.locations.count() == 1
    assert wuhou_case.persons.count() == 1
    assert not AuditEvent.objects.filter(action="cases.case.viewed_identities").exists()


def test_a_missing_case_is_404(signed_in):
    assert signed_in.get(reverse("cases:detail", args=[999999])).status_code == 404


# --- intake --------------------------------------------------------------------------------------


def test_intake_offers_the_users_units_and_creates_a_draft(signed_in, wuhou_investigator):
    form = signed_in.get(reverse("cases:new"))
    assert form.status_code == 200
    wuhou = Unit.objects.get(code=WUHOU)
    assert list(form.context["form"].fields["accepting_unit"].choices) == [(wuhou.pk, wuhou.name)]

    response = signed_in.post(
        reverse("cases:new"),
        {
            "accepting_unit": wuhou.pk,
            "name": "4·15 电信网络诈骗案",
            "offence": offence("telecom_fraud").pk,
            "external_number": "A5101070000123",
            "handling_code": "normal",
            "summary": "受害人在昆明被骗。",
        },
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == _detail(case)
    assert case.state == CaseState.DRAFT
    assert case.accepting_unit == wuhou
    assert case.created_by == wuhou_investigator
    assert case.external_number == "A5101070000123"
    assert AuditEvent.objects.filter(action="cases.case.created", target_id=str(case.pk)).exists()


def test_intake_refuses_a_unit_that_is_not_the_users(signed_in):
    kunming = Unit.objects.get(code=KUNMING)

    response = signed_in.post(
        reverse("cases:new"), {"accepting_unit": kunming.pk, "name": "某案", "handling_code": "normal"}
    )

    assert response.status_code == 400
    assert "accepting_unit" in response.context["form"].errors
    assert 'value="某案"' in response.text
    assert not Case.objects.exists()


def test_intake_is_refused_to_a_user_who_may_not_open_cases(client, kunming_intake_officer):
    client.force_login(kunming_intake_officer)

    assert client.get(reverse("cases:new")).status_code == 403
    assert client.post(reverse("cases:new"), {"name": "x"}).status_code == 403
    assert not Case.objects.exists()


# --- facts ---------------------------------------------------------------------------------------


@pytest.fixture
def draft():
    return CaseFactory(state=CaseState.DRAFT)


def _person_data(**overrides):
    return {
        "role": "suspect",
        "name": "王某",
        "id_type": "resident_id",
        "id_number": SUSPECT_ID,
        "gender": "unknown",
        "household_division_code": "520102",
        "household_address": "贵阳市南明区某街道",
        "habitual_division_code": "520102",
        "habitual_since": "2020-01-01",
        "phones": "13812345678\n028-8888 6666",
        "bank_accounts": "工商银行 6222020200112233445",
        **overrides,
    }


def test_a_place_is_added_with_its_role_and_division(signed_in, draft):
    response = signed_in.post(
        reverse("cases:location-new", args=[draft.pk]),
        {"role": "victim_loss", "division_code": "530102", "address": "昆明市五华区某小区", "is_main": "on"},
    )

    assert response.status_code == 302
    assert response.url == _detail(draft) + "#places"
    location = CaseLocation.objects.get(case=draft)
    assert location.division_unit.code == "530102"
    assert location.is_main
    page = signed_in.get(_detail(draft)).text
    assert "昆明市公安局五华区分局" in page
    assert "《公安机关办理刑事案件程序规定》第十七条" in page  # MPS-2020 art 17, as a Chinese page cites it


def test_a_place_with_a_bad_division_shows_the_error_and_keeps_the_input(signed_in, draft):
    response = signed_in.post(
        reverse("cases:location-new", args=[draft.pk]),
        {"role": "conduct", "division_code": "510199", "address": "成都市某地"},
    )

    assert response.status_code == 400
    assert "division_code" in response.context["form"].errors
    assert 'value="成都市某地"' in response.text
    assert not CaseLocation.objects.exists()


def test_with_htmx_an_error_swaps_the_form_and_a_success_reloads_the_page(signed_in, draft):
    url = reverse("cases:location-new", args=[draft.pk])
    htmx = {"HX-Request": "true"}

    bad = signed_in.post(url, {"role": "conduct", "division_code": "12"}, headers=htmx)
    assert bad.status_code == 200
    assert bad.text.lstrip().startswith("<form")
    assert "<html" not in bad.text
    assert "division_code" in bad.context["form"].errors

    good = signed_in.post(url, {"role": "conduct", "division_code": "510107"}, headers=htmx)
    assert good.status_code == 200
    assert good.headers["HX-Refresh"] == "true"
    assert CaseLocation.objects.filter(case=draft).count() == 1


def test_a_person_is_added_with_identity_residences_phones_and_accounts(signed_in, draft):
    response = signed_in.post(reverse("cases:person-new", args=[draft.pk]), _person_data())

    assert response.status_code == 302
    person = CasePerson.objects.get(case=draft)
    assert person.id_number == SUSPECT_ID
    assert person.gender == "male"  # from the number
    assert person.household_unit.code == "520102"
    assert list(person.phones.values_list("number", flat=True)) == ["13812345678", "02888886666"]
    assert list(person.bank_accounts.values_list("bank", "account_number")) == [
        ("工商银行", "6222020200112233445")
    ]
    assert SUSPECT_ID in signed_in.get(_detail(draft)).text


def test_a_wrong_check_digit_is_an_error_on_the_field_and_keeps_the_rest(signed_in, english, draft):
    response = signed_in.post(
        reverse("cases:person-new", args=[draft.pk]), _person_data(id_number=WRONG_DIGIT)
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["id_number"]
    assert "check" in errors["id_number"][0].lower()
    html = response.text
    # The error sits next to its field, and everything typed comes back.
    field = re.search(r'<div class="form__row has-error">(.*?)</div>', html, re.S).group(1)
    assert 'name="id_number"' in field
    assert 'class="form__error"' in field
    assert f'value="{WRONG_DIGIT}"' in html
    assert 'value="王某"' in html
    assert "贵阳市南明区某街道" in html
    assert "6222020200112233445" in html
    assert not CasePerson.objects.exists()


def test_places_and_persons_are_removed_by_post(signed_in, draft):
    location = CaseLocationFactory(case=draft)
    person = CasePersonFactory(case=draft)

    assert signed_in.get(reverse("cases:location-remove", args=[draft.pk, location.pk])).status_code == 405
    signed_in.post(reverse("cases:location-remove", args=[draft.pk, location.pk]))
    signed_in.post(reverse("cases:person-remove", args=[draft.pk, person.pk]))

    assert not draft.locations.exists()
    assert not draft.persons.exists()


def test_a_user_who_may_not_edit_gets_no_forms_and_403_on_the_form_pages(client, kunming_intake_officer):
    case = CaseFactory(state=CaseState.REGISTERED, parties=[(Unit.objects.get(code=KUNMING), "requested")])
    client.force_login(kunming_intake_officer)

    page = client.get(_detail(case))
    assert page.status_code == 200
    assert page.context["can_edit"] is False
    assert reverse("cases:location-new", args=[case.pk]) not in page.text
    assert client.get(reverse("cases:location-new", args=[case.pk])).status_code == 403
    assert client.post(reverse("cases:person-new", args=[case.pk]), _person_data()).status_code == 403


# --- transitions ---------------------------------------------------------------------------------


def test_the_register_form_registers_the_case(signed_in, draft):
    response = signed_in.post(
        reverse("cases:transition", args=[draft.pk, "register"]), {"expected_state": "draft"}
    )

    assert response.status_code == 302
    assert response.url == _detail(draft)
    draft.refresh_from_db()
    assert draft.state == CaseState.REGISTERED
    assert draft.number.startswith(f"A{WUHOU}")
    page = signed_in.get(_detail(draft)).text
    assert draft.number in page
    assert AuditEvent.objects.filter(action="cases.case.register", target_id=str(draft.pk)).count() == 1


def test_a_stale_transition_form_answers_409_with_the_current_state(signed_in, english):
    case = CaseFactory(state=CaseState.REGISTERED)

    response = signed_in.post(
        reverse("cases:transition", args=[case.pk, "register"]), {"expected_state": "draft"}
    )

    assert response.status_code == 409
    assert "was changed by someone else and is now “Registered”" in response.text
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    assert not AuditEvent.objects.filter(action="cases.case.register").exists()


def test_a_transition_the_user_may_not_take_is_a_403_message(signed_in, english):
    case = CaseFactory(state=CaseState.REGISTERED)

    response = signed_in.post(
        reverse("cases:transition", args=[case.pk, "start_investigation"]), {"expected_state": "registered"}
    )

    assert response.status_code == 403
    assert "You may not take this step on this case." in response.text
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED


def test_a_transition_needing_a_reason_shows_the_field_error(client, wuhou_head, english):
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    client.force_login(wuhou_head)
    page = client.get(_detail(case))
    suspend = next(offer for offer in page.context["offers"] if offer.name == "suspend")
    assert "reason" in suspend.form.fields

    response = client.post(
        reverse("cases:transition", args=[case.pk, "suspend"]), {"expected_state": "under_investigation"}
    )
    assert response.status_code == 400
    bound = next(offer for offer in response.context["offers"] if offer.name == "suspend").form
    assert "reason" in bound.errors

    done = client.post(
        reverse("cases:transition", args=[case.pk, "suspend"]),
        {"expected_state": "under_investigation", "reason": "嫌疑人在逃"},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SUSPENDED
    timeline = client.get(_detail(case)).text
    assert "嫌疑人在逃" in timeline
    assert "Suspend the investigation" in timeline


def test_an_unknown_transition_is_404(signed_in, draft):
    assert signed_in.post(reverse("cases:transition", args=[draft.pk, "explode"])).status_code == 404


def test_the_case_page_offers_no_jurisdiction_step_of_its_own(client, wuhou_head):
    # Issue 17: jurisdiction is settled one way only, through a jurisdiction proceeding.
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    client.force_login(wuhou_head)

    names = [offer.name for offer in client.get(_detail(case)).context["offers"]]

    assert "suspend" in names and "open_jurisdiction_question" not in names
    for name in ("open_jurisdiction_question", "settle_jurisdiction"):
        response = client.post(
            reverse("cases:transition", args=[case.pk, name]),
            {"expected_state": "under_investigation", "reason": "管辖争议"},
        )
        assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_INVESTIGATION


# --- the pages' hygiene --------------------------------------------------------------------------


def test_case_pages_load_nothing_from_outside_and_need_no_inline_code(signed_in, wuhou_case, draft):
    pages = [
        signed_in.get(reverse("cases:list")),
        signed_in.get(reverse("cases:new")),
        signed_in.get(_detail(wuhou_case)),
        signed_in.get(_detail(draft)),
        signed_in.get(reverse("cases:location-new", args=[draft.pk])),
        signed_in.get(reverse("cases:person-new", args=[draft.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.text
        assert not EXTERNAL.findall(html)
        assert not INLINE_SCRIPT.findall(html)
        assert not INLINE_STYLE.findall(html)
        assert not INLINE_HANDLER.findall(html)


def test_the_navigation_links_to_the_cases(signed_in):
    html = signed_in.get(reverse("cases:list")).text
    assert re.search(r'<a class="mainnav__link is-active" href="/cases/" aria-current="page">', html)


def test_case_page_lists_its_assistance_requests_and_offers_a_new_one(client, wuhou_investigator):
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    client.force_login(wuhou_investigator)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/assistance-requests/new/?case={case.pk}" in page
    assert 'href="/assistance-requests/"' in page  # the header's way to every request
    request = draft_request(wuhou_investigator, case=case, to="530100")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/assistance-requests/{request.pk}/" in page
