"""A user who may not take an action learns that first: 403 before any 400 about the body (issue 16),
in the language the request asks for.
"""

import re

import pytest

from cases.access import services as access_services
from cases.models import CaseState, HandlingCode
from organisation.models import Role
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, XINING

CJK = re.compile(r"[\u4e00-\u9fff]")
BAD_BODY = {"reason": ["not", "a", "string"], "expected_state": 12}


@pytest.fixture
def wuhou_case(db):
    return CaseFactory(accepting_unit=unit("510107"), state=CaseState.UNDER_INVESTIGATION)


@pytest.mark.django_db
def test_an_investigator_who_may_not_suspend_gets_403_whatever_the_body(wuhou_investigator, wuhou_case):
    client = token_client(wuhou_investigator)
    url = f"/api/v1/cases/{wuhou_case.pk}/transitions/suspend/"
    assert client.get(f"/api/v1/cases/{wuhou_case.pk}/").status_code == 200  # visible: not a 404
    assert_error(client.post(url, {"reason": "线索中断"}, format="json"), 403, "permission_denied")
    assert_error(client.post(url, BAD_BODY, format="json"), 403, "permission_denied")
    wuhou_case.refresh_from_db()
    assert wuhou_case.state == CaseState.UNDER_INVESTIGATION


@pytest.mark.django_db
def test_the_requester_may_not_grant_and_hears_so_before_the_days_are_checked():
    case = CaseFactory(
        accepting_unit=unit(CHENGDU), handling_code=HandlingCode.INTERNAL, state=CaseState.UNDER_INVESTIGATION
    )
    requester = officer(XINING)
    made = access_services.access_request_create(
        case_id=case.pk, by=requester, reason="核查嫌疑人身份，与本地案件串并"
    )
    response = token_client(requester).post(
        f"/api/v1/access-requests/{made.pk}/transitions/grant/", {"days": 2**70, "scope": "x"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    # The owner's intake officer may grant: the same body is then a 400 naming the fields.
    intake = officer(CHENGDU, Role.INTAKE_OFFICER)
    response = token_client(intake).post(
        f"/api/v1/access-requests/{made.pk}/transitions/grant/", {"days": 2**70, "scope": "x"}, format="json"
    )
    assert {"days", "scope"} <= set(assert_error(response, 400, "invalid")["fields"])


@pytest.mark.django_db
def test_an_object_the_user_may_not_see_is_404_before_403_and_400(qinghai_investigator, wuhou_case):
    response = token_client(qinghai_investigator).post(
        f"/api/v1/cases/{wuhou_case.pk}/transitions/suspend/", BAD_BODY, format="json"
    )
    assert_error(response, 404, "not_found")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_403_and_400_speak_the_language_asked_for(wuhou_investigator, wuhou_case, language):
    client = token_client(wuhou_investigator)
    refused = client.post(
        f"/api/v1/cases/{wuhou_case.pk}/transitions/suspend/",
        BAD_BODY,
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    invalid = client.post(
        f"/api/v1/cases/{wuhou_case.pk}/locations/",
        {"role": "victim_loss", "division_code": "530102", "victim_count": "many"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    for response, status, code in ((refused, 403, "permission_denied"), (invalid, 400, "invalid")):
        body = assert_error(response, status, code)
        messages = [body["message"], *(m for ms in body["fields"].values() for m in ms)]
        for message in messages:
            assert bool(CJK.search(message)) == (language == "zh-hans"), (language, message)


@pytest.mark.django_db
def test_one_who_may_open_no_case_gets_403_before_400(chongqing_liaison_officer):
    response = token_client(chongqing_liaison_officer).post("/api/v1/cases/", {"name": ["x"]}, format="json")
    assert_error(response, 403, "permission_denied")


@pytest.mark.django_db
def test_the_case_page_refuses_a_step_before_it_reads_the_form(wuhou_investigator, wuhou_case):
    from django.test import Client

    client = Client()
    client.force_login(wuhou_investigator)
    # No reason and a stale expected state: the form would be a 400 (or 409); the step is not hers.
    response = client.post(f"/cases/{wuhou_case.pk}/transitions/suspend/", {"expected_state": "draft"})
    assert response.status_code == 403
    wuhou_case.refresh_from_db()
    assert wuhou_case.state == CaseState.UNDER_INVESTIGATION
