"""An assistance request shows its case: it is seen only while its case is (issue 16, read rules).

A unit above the requesting unit saw every request of a restricted case, with the case's number and
name, although the case itself is visible above its lead unit only.
"""

import pytest
from django.test import Client

from cases.assistance import services
from cases.assistance.models import AssistanceRequest
from cases.assistance.selectors import request_visible_to
from cases.models import CaseParty, CaseState, HandlingCode, PartyRole
from cases.visibility import rows_visible_to
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import KUNMING, WUHOU, WUHUA, XINING


@pytest.fixture
def restricted_request(db):
    case = CaseFactory(
        accepting_unit=unit(WUHOU),
        handling_code=HandlingCode.RESTRICTED,
        state=CaseState.UNDER_INVESTIGATION,
    )
    CaseParty.objects.create(case=case, unit=unit(WUHUA), role=PartyRole.ASSISTING)
    made = services.request_create(
        by=officer(WUHUA),
        case=case,
        requested_unit=unit("520100"),
        kind="evidence_collection",
        urgency="normal",
        matters="调取受害人银行流水及通话记录",
    )
    return case, made


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_superior_of_the_requester_not_above_the_lead_gets_404(restricted_request):
    case, made = restricted_request
    kunming = officer(KUNMING)
    client = token_client(kunming)
    assert_error(client.get(f"/api/v1/cases/{case.pk}/"), 404, "not_found")
    assert_error(client.get(f"/api/v1/assistance-requests/{made.pk}/"), 404, "not_found")
    assert client.get("/api/v1/assistance-requests/").json()["results"] == []
    assert browser(kunming).get(f"/assistance-requests/{made.pk}/").status_code == 404
    listing = browser(kunming).get("/assistance-requests/")
    assert listing.status_code == 200 and case.number not in listing.content.decode()


def test_the_requester_still_sees_it(restricted_request):
    case, made = restricted_request
    response = token_client(officer(WUHUA)).get(f"/api/v1/assistance-requests/{made.pk}/")
    assert response.status_code == 200 and response.json()["case"]["number"] == case.number


def test_the_rule_is_the_selector(restricted_request):
    _case, made = restricted_request
    for user in (officer(KUNMING), officer(WUHUA), officer(XINING)):
        assert set(rows_visible_to(user, AssistanceRequest)) == set(request_visible_to(user))
    assert list(rows_visible_to(officer(WUHUA), AssistanceRequest)) == [made]
