"""Pages of access requests: the request form from a search hit, the owning unit's list, one's own."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases.access import services as access_services
from cases.models import AccessRequestState, CaseAccessGrant, CaseAccessRequest, CaseState, HandlingCode
from cases.search import services as search
from core.models import AuditEvent
from organisation.models import Role
from tests.support.cases import expire
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, GUIYANG, XINING


@pytest.fixture
def chengdu_case(db):
    return CaseFactory(
        name="秘密行动专案",
        accepting_unit=unit(CHENGDU),
        handling_code=HandlingCode.INTERNAL,
        state=CaseState.UNDER_INVESTIGATION,
    )


@pytest.fixture
def xining(db):
    return officer(XINING)


@pytest.fixture
def chengdu_intake(db):
    return officer(CHENGDU, Role.INTAKE_OFFICER)


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def ask(case, user) -> CaseAccessRequest:
    return access_services.access_request_create(case_id=case.pk, by=user, reason="核查嫌疑人身份")


def hit_url(case, user) -> str:
    """Return the link of the user's search hit for the case (the form opens only from one)."""
    found = search.search(by=user, kind="case_number", query=case.number, purpose_text="核查嫌疑人身份")
    [hit] = found.hits
    return hit["request_access_url"]


def test_the_request_form_from_a_hit_tells_only_the_number_and_unit(chengdu_case, xining):
    page = browser(xining)
    url = hit_url(chengdu_case, xining)
    response = page.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert chengdu_case.number in text and unit(CHENGDU).name in text
    assert "秘密行动专案" not in text  # an internal case's name is not told

    assert page.post(url, {"reason": " "}).status_code == 400
    response = page.post(url, {"reason": "核查嫌疑人身份"})
    made = CaseAccessRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/access-requests/{made.pk}/"
    assert made.requester == xining and made.owning_unit == unit(CHENGDU)
    # A second one while the first is open.
    assert page.post(url, {"reason": "再次"}).status_code == 409


def test_the_form_is_404_for_a_restricted_case_and_leads_home_for_a_seen_one(chengdu_case, xining):
    restricted = CaseFactory(
        accepting_unit=unit(CHENGDU),
        handling_code=HandlingCode.RESTRICTED,
        state=CaseState.UNDER_INVESTIGATION,
    )
    token = access_services.search_hit_token(user=xining, case_id=restricted.pk, search_event_id=None)
    assert browser(xining).get(f"/cases/{restricted.pk}/request-access/?hit={token}").status_code == 404
    # A hit from before the officer came to see the case leads to the case itself.
    owner = officer(CHENGDU)
    token = access_services.search_hit_token(user=owner, case_id=chengdu_case.pk, search_event_id=None)
    response = browser(owner).get(f"/cases/{chengdu_case.pk}/request-access/?hit={token}")
    assert response.status_code == 302 and response["Location"] == f"/cases/{chengdu_case.pk}/"


def test_grant_from_the_owning_units_list_opens_the_case_page_until_expiry(
    chengdu_case, xining, chengdu_intake
):
    made = ask(chengdu_case, xining)
    decider, requester = browser(chengdu_intake), browser(xining)
    assert requester.get(f"/cases/{chengdu_case.pk}/").status_code == 404
    listing = decider.get("/access-requests/")
    assert listing.status_code == 200
    assert f"/access-requests/{made.pk}/transitions/grant/" in listing.content.decode()
    response = decider.post(
        f"/access-requests/{made.pk}/transitions/grant/",
        {"expected_state": "requested", "scope": "read", "days": "7", "next": "access:list"},
    )
    assert response.status_code == 302 and response["Location"] == "/access-requests/"
    made.refresh_from_db()
    assert made.state == AccessRequestState.GRANTED

    assert requester.get(f"/cases/{chengdu_case.pk}/").status_code == 200
    use = AuditEvent.objects.get(action=access_services.ACTION_USE)
    assert use.actor_id == xining.pk and use.payload["path"] == f"/cases/{chengdu_case.pk}/"
    mine = requester.get("/access-requests/mine/")
    assert mine.status_code == 200 and chengdu_case.number in mine.content.decode()

    expire(CaseAccessGrant.objects.all())
    assert requester.get(f"/cases/{chengdu_case.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action=access_services.ACTION_USE).count() == 1


def test_refuse_needs_a_reason_and_a_stale_form_is_409(chengdu_case, xining, chengdu_intake):
    made = ask(chengdu_case, xining)
    decider = browser(chengdu_intake)
    url = f"/access-requests/{made.pk}/transitions/refuse/"
    assert decider.post(url, {"expected_state": "requested", "reason": ""}).status_code == 400
    assert (
        decider.post(
            f"/access-requests/{made.pk}/transitions/grant/", {"expected_state": "requested", "days": "31"}
        ).status_code
        == 400
    )
    assert decider.post(url, {"expected_state": "requested", "reason": "与本案无关"}).status_code == 302
    assert decider.post(url, {"expected_state": "requested", "reason": "again"}).status_code == 409
    made.refresh_from_db()
    assert made.state == AccessRequestState.REFUSED and made.decision_reason == "与本案无关"


def test_the_requester_withdraws_but_may_not_grant(chengdu_case, xining):
    made = ask(chengdu_case, xining)
    requester = browser(xining)
    response = requester.post(
        f"/access-requests/{made.pk}/transitions/grant/", {"expected_state": "requested", "days": "7"}
    )
    assert response.status_code == 403
    response = requester.post(
        f"/access-requests/{made.pk}/transitions/withdraw/", {"expected_state": "requested"}
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.state == AccessRequestState.WITHDRAWN


def test_an_uninvolved_province_gets_404(chengdu_case, xining, chengdu_intake):
    made = ask(chengdu_case, xining)
    guiyang = browser(officer(GUIYANG, Role.INTAKE_OFFICER))
    assert guiyang.get(f"/access-requests/{made.pk}/").status_code == 404
    assert (
        guiyang.post(
            f"/access-requests/{made.pk}/transitions/grant/", {"expected_state": "requested"}
        ).status_code
        == 404
    )
    listing = guiyang.get("/access-requests/")
    assert listing.status_code == 200 and chengdu_case.number not in listing.content.decode()
    assert browser(xining).get(f"/access-requests/{made.pk}/").status_code == 200


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_lists_cost_the_same_for_two_rows_as_for_eight(chengdu_case, chengdu_intake):
    requesters = [officer(XINING) for _ in range(8)]
    for requester in requesters[:2]:
        ask(chengdu_case, requester)
    decider = browser(chengdu_intake)
    few = _page_queries(decider, "/access-requests/")
    for number, requester in enumerate(requesters[2:]):
        made = ask(chengdu_case, requester)
        if number % 2:
            access_services.access_request_transition(access_request=made, name="grant", by=chengdu_intake)
    many = _page_queries(decider, "/access-requests/")
    assert few == many
    assert decider.get("/access-requests/").content.decode().count('class="panel queue-item"') == 8
    own = browser(requesters[0])
    assert _page_queries(own, "/access-requests/mine/") == _page_queries(
        own, "/access-requests/mine/?state=requested"
    )
