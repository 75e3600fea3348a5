"""The request-access page and API are reachable only from a search hit (issue 16, leak 4).

`GET /cases/{n}/request-access/` answered for any case id with its number, name, offence and owning
unit: walking the ids listed every discoverable case without a purpose, a rate limit or an audit
event. Now the page and `POST /api/v1/access-requests/` need the signed, short-lived token of the
user's own search hit (`request_access_token`, in the hit's `request_access_url`); anything else
is 404, and the request names the search it came from.
"""

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from cases.access import services as access_services
from cases.models import CaseAccessRequest, CaseState, HandlingCode
from cases.search import services as search
from core.models import AuditEvent
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, GUIYANG, XINING


@pytest.fixture
def normal_case(db):
    return CaseFactory(
        name="公开行动专案",
        accepting_unit=unit(CHENGDU),
        handling_code=HandlingCode.NORMAL,
        state=CaseState.UNDER_INVESTIGATION,
    )


@pytest.fixture
def internal_case(db):
    return CaseFactory(
        name="秘密行动专案",
        accepting_unit=unit(CHENGDU),
        handling_code=HandlingCode.INTERNAL,
        state=CaseState.UNDER_INVESTIGATION,
    )


@pytest.fixture
def xining(db):
    return officer(XINING)


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def hit_for(user, case) -> dict:
    """Search the case's number as the user would; return the hit (with its link and token)."""
    result = search.search(by=user, kind="case_number", query=case.number, purpose_text="核查嫌疑人身份")
    [hit] = result.hits
    return hit


def test_the_page_without_a_hit_is_404_for_any_case(normal_case, internal_case, xining):
    page = browser(xining)
    for case in (normal_case, internal_case):
        response = page.get(f"/cases/{case.pk}/request-access/")
        assert response.status_code == 404
        assert case.number not in response.content.decode()
        assert page.post(f"/cases/{case.pk}/request-access/", {"reason": "核查嫌疑人身份"}).status_code == 404
    assert not CaseAccessRequest.objects.exists()


def test_one_click_from_a_hit_shows_what_the_hit_showed_and_no_more(normal_case, internal_case, xining):
    page = browser(xining)
    for case, told in ((normal_case, True), (internal_case, False)):
        hit = hit_for(xining, case)
        response = page.get(hit["request_access_url"])
        assert response.status_code == 200
        text = response.content.decode()
        assert case.number in text and unit(CHENGDU).name in text
        assert (case.name in text) is told  # an internal case's name is not told, as in the hit
        assert ("name" in hit) is told


def test_the_search_page_links_each_hit_to_its_form(normal_case, xining):
    page = browser(xining)
    response = page.get(
        "/search/", {"kind": "case_number", "q": normal_case.number, "purpose": "核查嫌疑人身份"}
    )
    assert response.status_code == 200
    [link] = [
        part.split('"', 1)[0]
        for part in response.content.decode().split('href="')[1:]
        if "/request-access/" in part.split('"', 1)[0]
    ]
    link = link.replace("&amp;", "&")
    assert urlparse(link).path == f"/cases/{normal_case.pk}/request-access/"
    assert page.get(link).status_code == 200


def test_a_request_from_the_hit_names_its_search(internal_case, xining):
    hit = hit_for(xining, internal_case)
    searched = AuditEvent.objects.get(action=search.AUDIT_ACTION, actor_id=xining.pk)
    response = browser(xining).post(hit["request_access_url"], {"reason": "核查嫌疑人身份"})
    made = CaseAccessRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/access-requests/{made.pk}/"
    created = AuditEvent.objects.get(action="cases.caseaccessrequest.create")
    assert created.payload["search"] == searched.pk


def test_someone_elses_or_another_cases_or_an_old_hit_is_404(normal_case, internal_case, xining, settings):
    hit = hit_for(xining, normal_case)
    token = hit["request_access_token"]
    # Another officer with the first one's link.
    assert browser(officer(XINING)).get(hit["request_access_url"]).status_code == 404
    # The token of one case on another case.
    assert browser(xining).get(f"/cases/{internal_case.pk}/request-access/?hit={token}").status_code == 404
    # A forged or mangled token.
    assert browser(xining).get(f"/cases/{normal_case.pk}/request-access/?hit={token}x").status_code == 404
    assert browser(xining).get(f"/cases/{normal_case.pk}/request-access/?hit={'a' * 5000}").status_code == 404
    # A hit older than ACCESS_REQUEST_HIT_SECONDS.
    settings.ACCESS_REQUEST_HIT_SECONDS = -1
    assert browser(xining).get(hit["request_access_url"]).status_code == 404


def test_a_case_restricted_since_the_search_is_404_even_with_the_hit(internal_case, xining):
    hit = hit_for(xining, internal_case)
    type(internal_case).objects.filter(pk=internal_case.pk).update(handling_code=HandlingCode.RESTRICTED)
    response = browser(xining).get(hit["request_access_url"])
    assert response.status_code == 404 and internal_case.number not in response.content.decode()


def test_an_uninvolved_province_gets_404_with_its_own_search(normal_case, internal_case):
    # Guiyang searching finds the cases too: its own hits work for it alone.
    guiyang = officer(GUIYANG)
    hit = hit_for(guiyang, internal_case)
    assert browser(guiyang).get(hit["request_access_url"]).status_code == 200
    assert browser(guiyang).get(f"/cases/{normal_case.pk}/request-access/").status_code == 404
    assert browser(officer(XINING)).get(hit["request_access_url"]).status_code == 404


def test_the_api_needs_the_hit_too(internal_case, xining):
    client = token_client(xining)
    body = assert_error(
        client.post("/api/v1/access-requests/", {"case": internal_case.pk, "reason": "核查"}, format="json"),
        400,
        "invalid",
    )
    assert "hit" in body["fields"]
    assert_error(
        client.post(
            "/api/v1/access-requests/",
            {"case": internal_case.pk, "reason": "核查", "hit": "forged"},
            format="json",
        ),
        404,
        "not_found",
    )
    found = client.get(
        "/api/v1/search/", {"kind": "case_number", "q": internal_case.number, "purpose": "核查嫌疑人身份"}
    ).json()["results"]
    [hit] = found
    assert parse_qs(urlparse(hit["request_access_url"]).query)["hit"] == [hit["request_access_token"]]
    # Someone else's hit is 404 on the API as on the page.
    other = token_client(officer(XINING))
    assert_error(
        other.post(
            "/api/v1/access-requests/",
            {"case": internal_case.pk, "reason": "核查", "hit": hit["request_access_token"]},
            format="json",
        ),
        404,
        "not_found",
    )
    response = client.post(
        "/api/v1/access-requests/",
        {"case": internal_case.pk, "reason": "核查嫌疑人身份", "hit": hit["request_access_token"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["case"] == {
        "id": internal_case.pk,
        "number": internal_case.number,
        "visible": False,
    }
    assert AuditEvent.objects.get(action="cases.caseaccessrequest.create").payload["search"]
    assert access_services.ACTION_USE not in set(AuditEvent.objects.values_list("action", flat=True))
