"""Charges (罪名) with their Criminal Law articles, under the offence groupings (issue 18 item 13):
the seeded list, the migration of existing cases, the API (list, create, edit), the intake form, and
the telecom-fraud place roles (法发〔2016〕32号 §5, 法发〔2021〕22号 §1) offered for places."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from cases.models import LOCATION_CITATIONS, Case, CaseState, Charge, LocationRole
from core.citations import references_in, unregistered
from core.models import AuditEvent
from jurisdiction import rules
from organisation.models import Unit
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, offence, unit
from tests.support.units import WUHOU

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
CHARGES = "/api/v1/charges/"

# The charges of the issue with their Criminal Law articles.
ARTICLES = {
    "诈骗罪": "CL art 266",
    "盗窃罪": "CL art 264",
    "帮助信息网络犯罪活动罪": "CL art 287之二",
    "掩饰、隐瞒犯罪所得、犯罪所得收益罪": "CL art 312",
    "走私、贩卖、运输、制造毒品罪": "CL art 347",
    "非法吸收公众存款罪": "CL art 176",
    "集资诈骗罪": "CL art 192",
    "拐卖妇女、儿童罪": "CL art 240",
    "抢劫罪": "CL art 263",
    "故意伤害罪": "CL art 234",
    "故意杀人罪": "CL art 232",
    "敲诈勒索罪": "CL art 274",
    "开设赌场罪": "CL art 303",
    "组织、领导传销活动罪": "CL art 224之一",
    "侵犯公民个人信息罪": "CL art 253之一",
    "洗钱罪": "CL art 191",
}


@pytest.fixture
def client(wuhou_investigator):
    return token_client(wuhou_investigator)


def test_the_charges_are_seeded_with_their_criminal_law_articles_cl_art_266_264_287_2():
    seeded = dict(Charge.objects.values_list("name", "article"))
    for name, article in ARTICLES.items():
        assert seeded[name] == article, name
    fraud = Charge.objects.get(code="fraud")
    assert (fraud.name, fraud.article, fraud.group.code) == ("诈骗罪", "CL art 266", "fraud")
    assert Charge.objects.get(code="drug_offences").group.name == "毒品"
    assert Charge.objects.get(code="aiding_cyber_crime").group.name == "电信网络诈骗"


def test_every_charges_article_is_in_the_citation_register():
    for article in Charge.objects.values_list("article", flat=True):
        assert references_in(article) and unregistered(article) == [], article


def test_the_telecom_group_names_seeded_charges_cl_art_287_2():
    codes = set(Charge.objects.values_list("code", flat=True))
    assert codes >= rules.TELECOM_CHARGES_ALWAYS | rules.TELECOM_CHARGES_BY_MEANS
    assert offence(rules.TELECOM_GROUPING).name == "电信网络诈骗"


def test_existing_cases_get_the_default_charge_of_their_grouping():
    migration = importlib.import_module("cases.migrations.0013_charges")
    telecom = CaseFactory(offence=offence("telecom_fraud"))
    drugs = CaseFactory(offence=offence("drugs"))
    fundraising = CaseFactory(offence=offence("illegal_fundraising"))
    none = CaseFactory(offence=None)
    migration.seed(apps, None)
    assert list(telecom.charges.values_list("code", flat=True)) == ["fraud"]
    assert list(drugs.charges.values_list("code", flat=True)) == ["drug_offences"]
    # 非法吸收公众存款罪 or 集资诈骗罪: no obvious default, the grouping is kept alone
    assert not fundraising.charges.exists() and fundraising.offence.code == "illegal_fundraising"
    assert not none.charges.exists()
    migration.seed(apps, None)  # again: nothing doubles
    assert telecom.charges.count() == 1


def test_the_api_lists_the_charges_with_articles_and_groupings(client):
    response = client.get(CHARGES)
    assert response.status_code == 200
    fraud = next(item for item in response.json() if item["code"] == "fraud")
    assert fraud == {
        "code": "fraud",
        "name": "诈骗罪",
        "name_en": "Fraud",
        "article": "CL art 266",
        "group": "fraud",
    }
    extortion = next(item for item in response.json() if item["code"] == "extortion")
    assert extortion["group"] is None and extortion["article"] == "CL art 274"


def test_a_case_records_its_charges_through_the_api_cl_art_266_and_287_2(client):
    response = client.post(
        CASES,
        {
            "name": "4·15 电信网络诈骗案",
            "offence": "telecom_fraud",
            "charges": ["fraud", "aiding_cyber_crime"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(c["code"], c["article"]) for c in body["charges"]] == [
        ("fraud", "CL art 266"),
        ("aiding_cyber_crime", "CL art 287之二"),
    ]
    case = Case.objects.get(pk=body["id"])
    event = AuditEvent.objects.get(action="cases.case.created", target_id=str(case.pk))
    assert event.payload["charges"] == ["fraud", "aiding_cyber_crime"]

    patched = client.patch(f"{CASES}{case.pk}/", {"charges": ["theft"]}, format="json")
    assert patched.status_code == 200, patched.content
    assert [c["name"] for c in patched.json()["charges"]] == ["盗窃罪"]
    update = AuditEvent.objects.filter(action="cases.case.updated", target_id=str(case.pk)).latest("id")
    assert "charges" in update.payload["fields"]
    assert client.patch(f"{CASES}{case.pk}/", {"name": "改名"}, format="json").json()["charges"][0][
        "code"
    ] == ("theft")


def test_an_unknown_charge_is_a_field_error(client):
    body = assert_error(
        client.post(CASES, {"name": "x", "charges": ["jaywalking"]}, format="json"), 400, "invalid"
    )
    assert "charges" in body["fields"] and "jaywalking" in body["fields"]["charges"][0]
    assert not Case.objects.exists()


def test_an_inactive_charge_cannot_be_chosen(client):
    Charge.objects.filter(code="theft").update(is_active=False)
    body = assert_error(
        client.post(CASES, {"name": "x", "charges": ["theft"]}, format="json"), 400, "invalid"
    )
    assert "charges" in body["fields"]


def test_an_uninvolved_province_cannot_change_a_cases_charges(qinghai_investigator):
    case = CaseFactory(state=CaseState.REGISTERED)
    response = token_client(qinghai_investigator).patch(
        f"{CASES}{case.pk}/", {"charges": ["theft"]}, format="json"
    )
    assert response.status_code == 404
    assert not case.charges.exists()


def test_intake_offers_the_charges_as_a_grouped_select_never_a_typed_code(client, wuhou_investigator):
    from django.test import Client

    page_client = Client()
    page_client.force_login(wuhou_investigator)
    page = page_client.get(reverse("cases:new"))
    assert page.status_code == 200
    html = page.text
    assert '<select name="charges"' in html and "multiple" in html
    assert '<optgroup label="电信网络诈骗">' in html
    # Item 14 of issue 18: the Chinese UI writes the article the Chinese way, never "CL art 266".
    assert "诈骗罪（《中华人民共和国刑法》第二百六十六条）" in html
    assert not references_in(html), references_in(html)
    wuhou = Unit.objects.get(code=WUHOU)
    response = page_client.post(
        reverse("cases:new"),
        {
            "accepting_unit": wuhou.pk,
            "name": "4·15 电信网络诈骗案",
            "offence": offence("telecom_fraud").pk,
            "charges": ["fraud", "concealing_proceeds"],
            "handling_code": "normal",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert sorted(case.charges.values_list("code", flat=True)) == ["concealing_proceeds", "fraud"]
    bad = page_client.post(
        reverse("cases:new"),
        {"accepting_unit": wuhou.pk, "name": "x", "charges": ["jaywalking"], "handling_code": "normal"},
    )
    assert bad.status_code == 400 and Case.objects.count() == 1


def test_places_offer_the_telecom_roles_with_the_opinions_citations_fa_fa_2016_32_and_2021_22(client):
    assert LOCATION_CITATIONS[LocationRole.FRAUD_CALL_MADE] == "法发〔2016〕32号 §5"
    assert LOCATION_CITATIONS[LocationRole.FRAUD_DEVICE] == "法发〔2021〕22号 §1"
    case = CaseFactory(accepting_unit=unit(WUHOU))
    response = client.post(
        f"{CASES}{case.pk}/locations/",
        {"role": "bank_card", "division_code": "530102", "address": "五华区某银行网点"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "bank_card"


def test_the_case_page_shows_the_charges_with_their_articles_cl_art_266(wuhou_investigator):
    from django.test import Client

    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=unit(WUHOU))
    case.charges.set([Charge.objects.get(code="fraud")])
    page_client = Client()
    page_client.force_login(wuhou_investigator)
    page = page_client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    assert "诈骗罪" in page.text and "第二百六十六条" in page.text


def test_the_case_panel_names_the_telecom_rules_fa_fa_2016_32_and_2021_22(wuhou_investigator):
    from django.test import Client

    from tests.support.factories.cases import CaseLocationFactory

    case = CaseFactory(
        state=CaseState.REGISTERED, accepting_unit=unit(WUHOU), offence=offence("telecom_fraud")
    )
    case.charges.set([Charge.objects.get(code="fraud")])
    CaseLocationFactory(case=case, role=LocationRole.FRAUD_CALL_MADE, division_code="530102")
    page_client = Client()
    page_client.force_login(wuhou_investigator)
    html = page_client.get(reverse("cases:detail", args=[case.pk])).text
    assert "电信网络诈骗案件管辖特别规定" in html
    assert "诈骗电话、短信息、电子邮件等的拨打地、发送地" in html
