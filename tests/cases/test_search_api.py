"""GET /api/v1/search/ and the /search/ page: shape, purpose (400), rate (429), access, schema."""

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from cases.models import CaseState, HandlingCode, PartyRole
from cases.search.services import HIT_FIELDS, SearchKind
from core.models import AuditEvent
from organisation.models import Role
from tests.support.api import ENGLISH, assert_error, session_client, token_client
from tests.support.cases import ACCOUNT, PHONE, SUSPECT_ID, chengdu_case
from tests.support.factories.cases import CaseFactory, CasePersonFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, XINING

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search/"
PAGE = "/search/"


@pytest.fixture
def xining_investigator(db):
    return officer(XINING, Role.INVESTIGATOR)


@pytest.fixture
def xining_case(db):
    return CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(XINING), name="西宁案")


@pytest.fixture
def client(xining_investigator):
    return token_client(xining_investigator)


def test_search_answers_each_hit_with_the_fields_of_its_class(client, xining_case):
    normal = chengdu_case(HandlingCode.NORMAL)
    internal = chengdu_case(HandlingCode.INTERNAL)
    chengdu_case(HandlingCode.RESTRICTED)
    CasePersonFactory(case=xining_case, name="张三丰", id_number=SUSPECT_ID)

    response = client.get(
        SEARCH, {"kind": "id_number", "q": SUSPECT_ID.lower(), "purpose_case": xining_case.pk}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"kind", "query", "truncated", "counts", "results"}
    assert (body["kind"], body["query"], body["truncated"]) == ("id_number", SUSPECT_ID, False)
    assert body["counts"] == {"full": 1, "summary": 1, "minimal": 1}
    classes = {hit["id"]: hit["hit_class"] for hit in body["results"]}
    assert classes == {xining_case.pk: "full", normal.pk: "summary", internal.pk: "minimal"}
    for hit in body["results"]:
        assert set(hit) == HIT_FIELDS[hit["hit_class"]]
    minimal = next(hit for hit in body["results"] if hit["hit_class"] == "minimal")
    assert minimal["request_access_url"] == (
        f"/cases/{internal.pk}/request-access/?hit={minimal['request_access_token'].replace(':', '%3A')}"
    )
    assert "张三丰" not in str([hit for hit in body["results"] if hit["hit_class"] != "full"])


@pytest.mark.parametrize(
    ("kind", "query"),
    [("phone", "+86 139 8765 4321"), ("account", ACCOUNT), ("name", "zhangsanfeng"), ("name", "张三丰")],
)
def test_search_by_each_kind(client, kind, query):
    case = chengdu_case()
    response = client.get(SEARCH, {"kind": kind, "q": query, "purpose": "核查线索来源"})
    assert response.status_code == 200, response.content
    assert [hit["id"] for hit in response.json()["results"]] == [case.pk]


def test_search_without_a_purpose_is_400_naming_purpose(client):
    chengdu_case()
    body = assert_error(client.get(SEARCH, {"kind": "id_number", "q": SUSPECT_ID}), 400, "invalid")
    assert set(body["fields"]) == {"purpose"}
    body = assert_error(
        client.get(SEARCH, {"kind": "id_number", "q": SUSPECT_ID, "purpose": "查"}), 400, "invalid"
    )
    assert set(body["fields"]) == {"purpose"}
    assert not AuditEvent.objects.filter(action="cases.search").exists()


def test_bad_input_is_400_naming_the_field(client):
    body = assert_error(
        client.get(SEARCH, {"kind": "email", "q": "x", "purpose": "核查线索"}), 400, "invalid"
    )
    assert set(body["fields"]) == {"kind"}
    body = assert_error(
        client.get(SEARCH, {"kind": "id_number", "q": "123", "purpose": "核查线索"}), 400, "invalid"
    )
    assert set(body["fields"]) == {"q"}
    body = assert_error(
        client.get(SEARCH, {"kind": "phone", "q": PHONE, "purpose_case": chengdu_case().pk}), 400, "invalid"
    )
    assert set(body["fields"]) == {"purpose_case"}


def test_too_many_searches_are_429_with_retry_after(client, settings):
    settings.SEARCH_RATE_PER_MINUTE = 2
    params = {"kind": "phone", "q": PHONE, "purpose": "核查线索来源"}
    assert client.get(SEARCH, params).status_code == 200
    assert client.get(SEARCH, params).status_code == 200
    response = client.get(SEARCH, params)
    assert_error(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert AuditEvent.objects.filter(action="cases.search").count() == 2


def test_auditors_are_403_and_anonymous_401(auditor):
    api_client = APIClient(**ENGLISH)
    params = {"kind": "phone", "q": PHONE, "purpose": "核查线索来源"}
    assert_error(token_client(auditor).get(SEARCH, params), 403, "no_case_data_access")
    assert_error(api_client.get(SEARCH, params), 401, "not_authenticated")


def test_the_schema_describes_the_search(xining_investigator):
    schema = session_client(xining_investigator).get("/api/schema/?format=json").json()
    operation = schema["paths"][SEARCH]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"kind", "q", "purpose_case", "purpose"}
    assert {"200", "400", "429"} <= set(operation["responses"])
    kind = next(p for p in operation["parameters"] if p["name"] == "kind")
    assert kind["required"] and sorted(kind["schema"]["enum"]) == sorted(SearchKind.values)


# --- the page -------------------------------------------------------------------------------------


@pytest.fixture
def page_client(xining_investigator):
    browser = Client(**ENGLISH)
    browser.force_login(xining_investigator)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


def test_the_page_offers_the_users_own_cases_as_purpose(page_client, xining_case):
    seen_from_above = CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit("630102"))
    response = page_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{xining_case.pk}"' in html
    assert f'value="{seen_from_above.pk}"' not in html  # a case below is not "of the searcher's"
    assert not AuditEvent.objects.filter(action="cases.search").exists()


def test_the_page_shows_hits_and_offers_to_request_access(page_client, xining_case):
    internal = chengdu_case(HandlingCode.INTERNAL)
    normal = chengdu_case(HandlingCode.NORMAL)
    response = page_client.get(PAGE, {"kind": "id_number", "q": SUSPECT_ID, "purpose_case": xining_case.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert internal.number in html and normal.number in html
    assert f"/cases/{internal.pk}/request-access/" in html
    assert f"/cases/{normal.pk}/request-access/" in html
    assert "成都电诈案" in html  # the normal case's name
    assert "张三丰" not in html  # no person's name on a hit the user may not open
    assert "2 cases found" in html
    assert AuditEvent.objects.filter(action="cases.search").count() == 1


def test_the_page_refuses_a_search_without_purpose(page_client):
    response = page_client.get(PAGE, {"kind": "id_number", "q": SUSPECT_ID, "purpose": ""})
    assert response.status_code == 400
    assert "State the purpose of the search" in response.content.decode()


def test_the_page_shows_the_rate_error(page_client, settings):
    settings.SEARCH_RATE_PER_MINUTE = 1
    params = {"kind": "phone", "q": PHONE, "purpose": "核查线索来源"}
    assert page_client.get(PAGE, params).status_code == 200
    response = page_client.get(PAGE, params)
    assert response.status_code == 429
    assert "Too many searches" in response.content.decode()


def test_the_page_tells_an_auditor_there_is_no_case_data(auditor):
    browser = Client()
    browser.force_login(auditor)
    assert browser.get(PAGE).status_code == 403


def test_a_visible_hit_links_to_the_case_and_names_the_matching_persons(page_client):
    case = chengdu_case()
    case.parties.create(unit=unit(CHENGDU), role=PartyRole.ASSISTING)
    case.parties.create(unit=unit(XINING), role=PartyRole.ASSISTING)
    by_number = page_client.get(PAGE, {"kind": "case_number", "q": case.number, "purpose": "核查线索来源"})
    assert f'href="/cases/{case.pk}/"' in by_number.content.decode()
    by_phone = page_client.get(PAGE, {"kind": "phone", "q": PHONE, "purpose": "核查线索来源"})
    html = by_phone.content.decode()
    assert f'href="/cases/{case.pk}/"' in html
    assert "张三丰" in html
