"""API of access requests (/api/v1/access-requests/) and the case detail API opened by a grant."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.access import services as access_services
from cases.models import AccessScope, CaseAccessGrant, CaseState, HandlingCode
from core.models import AuditEvent
from documents.models import Document
from organisation.models import Role
from tests.support.api import assert_error, token_client
from tests.support.cases import expire
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, GUIYANG, XINING

BASE = "/api/v1/access-requests/"


@pytest.fixture
def chengdu_case(db):
    return CaseFactory(
        accepting_unit=unit(CHENGDU), handling_code=HandlingCode.INTERNAL, state=CaseState.UNDER_INVESTIGATION
    )


@pytest.fixture
def xining(db):
    return officer(XINING)


@pytest.fixture
def chengdu_intake(db):
    return officer(CHENGDU, Role.INTAKE_OFFICER)


def create(client, case, reason="核查嫌疑人身份", hit=None):
    """Ask for access from the client's own search hit for the case (issue 16: only from a hit)."""
    if hit is None:
        found = client.get(
            "/api/v1/search/", {"kind": "case_number", "q": case.number, "purpose": "核查嫌疑人身份"}
        ).json()["results"]
        hit = next((h["request_access_token"] for h in found if "request_access_token" in h), "no-hit")
    return client.post(BASE, {"case": case.pk, "reason": reason, "hit": hit}, format="json")


def test_the_issues_scenario_through_the_api(chengdu_case, xining, chengdu_intake):
    requester, decider = token_client(xining), token_client(chengdu_intake)
    assert_error(requester.get(f"/api/v1/cases/{chengdu_case.pk}/"), 404, "not_found")

    response = create(requester, chengdu_case)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "requested"
    assert body["case"] == {"id": chengdu_case.pk, "number": chengdu_case.number, "visible": False}
    assert body["owning_unit"]["code"] == CHENGDU and body["requesting_unit"]["code"] == XINING
    assert body["available_transitions"] == ["withdraw"]
    assert body["grant"] is None
    pk = body["id"]
    assert decider.get(f"{BASE}{pk}/").json()["available_transitions"] == ["grant", "refuse"]

    response = decider.post(
        f"{BASE}{pk}/transitions/grant/",
        {"scope": "read", "days": 7, "expected_state": "requested", "reason": "同意"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "granted" and body["grant"]["scope"] == "read" and body["grant"]["is_active"]
    assert [entry["action"] for entry in body["timeline"]] == ["created", "grant"]

    detail = requester.get(f"/api/v1/cases/{chengdu_case.pk}/")
    assert detail.status_code == 200
    assert detail.json()["number"] == chengdu_case.number
    use = AuditEvent.objects.get(action=access_services.ACTION_USE)
    assert use.actor_id == xining.pk
    assert use.payload["path"] == f"/api/v1/cases/{chengdu_case.pk}/"
    assert use.payload["case"] == chengdu_case.pk

    expire(CaseAccessGrant.objects.all())
    assert_error(requester.get(f"/api/v1/cases/{chengdu_case.pk}/"), 404, "not_found")
    assert requester.get(f"{BASE}{pk}/").json()["grant"]["is_active"] is False
    assert AuditEvent.objects.filter(action=access_services.ACTION_USE).count() == 1


def test_every_detail_view_through_the_grant_is_audited(chengdu_case, xining, chengdu_intake):
    requester = token_client(xining)
    pk = create(requester, chengdu_case).json()["id"]
    token_client(chengdu_intake).post(f"{BASE}{pk}/transitions/grant/", {"days": 3}, format="json")
    for _ in range(3):
        assert requester.get(f"/api/v1/cases/{chengdu_case.pk}/").status_code == 200
    assert AuditEvent.objects.filter(action=access_services.ACTION_USE, actor_id=xining.pk).count() == 3
    # The owning unit's own views are no grant use.
    assert token_client(officer(CHENGDU)).get(f"/api/v1/cases/{chengdu_case.pk}/").status_code == 200
    assert AuditEvent.objects.filter(action=access_services.ACTION_USE).count() == 3


def test_a_read_grant_does_not_open_documents_but_a_documents_grant_does(
    chengdu_case, xining, chengdu_intake
):
    document = Document.objects.create(
        kind="case_transfer_notice",
        issuing_unit=unit(CHENGDU),
        created_by=chengdu_intake,
        title="移送案件通知书",
        # Issued: a draft is read by its drafting unit's officers alone, grant or not (issue 16 leak 9).
        state="issued",
        link_target_type="cases.case",
        link_target_id=str(chengdu_case.pk),
    )
    requester = token_client(xining)
    pk = create(requester, chengdu_case).json()["id"]
    token_client(chengdu_intake).post(f"{BASE}{pk}/transitions/grant/", {"scope": "read"}, format="json")
    assert requester.get(f"/api/v1/cases/{chengdu_case.pk}/").status_code == 200
    assert_error(requester.get(f"/api/v1/documents/{document.pk}/"), 404, "not_found")
    CaseAccessGrant.objects.update(scope=AccessScope.READ_DOCUMENTS)
    assert requester.get(f"/api/v1/documents/{document.pk}/").status_code == 200
    assert AuditEvent.objects.filter(
        action=access_services.ACTION_USE, payload__path=f"documents/{document.pk}"
    ).exists()


def test_bad_input_names_the_field(chengdu_case, xining, chengdu_intake):
    requester, decider = token_client(xining), token_client(chengdu_intake)
    body = assert_error(create(requester, chengdu_case, reason=""), 400, "invalid")
    assert "reason" in body["fields"]
    # A hit from before the officer's unit came to see the case.
    owner = officer(CHENGDU)
    hit = access_services.search_hit_token(user=owner, case_id=chengdu_case.pk, search_event_id=None)
    body = assert_error(create(token_client(owner), chengdu_case, hit=hit), 400, "invalid")
    assert "case" in body["fields"]
    pk = create(requester, chengdu_case).json()["id"]
    for days in (0, 31):
        body = assert_error(
            decider.post(f"{BASE}{pk}/transitions/grant/", {"days": days}, format="json"), 400, "invalid"
        )
        assert "days" in body["fields"]
    body = assert_error(
        decider.post(f"{BASE}{pk}/transitions/refuse/", {"reason": ""}, format="json"), 400, "invalid"
    )
    assert "reason" in body["fields"]
    assert_error(decider.post(f"{BASE}{pk}/transitions/explode/", {}, format="json"), 404, "not_found")


def test_duplicates_and_stale_decisions_are_conflicts(chengdu_case, xining, chengdu_intake):
    requester, decider = token_client(xining), token_client(chengdu_intake)
    pk = create(requester, chengdu_case).json()["id"]
    assert_error(create(requester, chengdu_case), 409, "conflict")
    assert (
        decider.post(f"{BASE}{pk}/transitions/refuse/", {"reason": "无关"}, format="json").status_code == 200
    )
    stale = decider.post(f"{BASE}{pk}/transitions/grant/", {"expected_state": "requested"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and stale.json()["current_state"] == "refused"
    assert requester.post(f"{BASE}{pk}/transitions/withdraw/", {}, format="json").status_code == 409


def test_the_wrong_decider_is_refused(chengdu_case, xining, chengdu_intake):
    requester, decider = token_client(xining), token_client(chengdu_intake)
    pk = create(requester, chengdu_case).json()["id"]
    assert_error(
        requester.post(f"{BASE}{pk}/transitions/grant/", {"days": 30}, format="json"),
        403,
        "permission_denied",
    )
    assert_error(
        decider.post(f"{BASE}{pk}/transitions/withdraw/", {}, format="json"), 403, "permission_denied"
    )
    # 403 comes before any complaint about the input.
    assert_error(
        requester.post(f"{BASE}{pk}/transitions/grant/", {"days": 99}, format="json"),
        403,
        "permission_denied",
    )
    assert not CaseAccessGrant.objects.exists()


def test_an_uninvolved_province_gets_404(chengdu_case, xining, chengdu_intake):
    pk = create(token_client(xining), chengdu_case).json()["id"]
    guiyang = token_client(officer(GUIYANG, Role.INTAKE_OFFICER))
    assert guiyang.get(BASE).json()["results"] == []
    assert_error(guiyang.get(f"{BASE}{pk}/"), 404, "not_found")
    for name in ("grant", "refuse", "withdraw"):
        assert_error(
            guiyang.post(f"{BASE}{pk}/transitions/{name}/", {"reason": "x"}, format="json"), 404, "not_found"
        )
    restricted = CaseFactory(
        accepting_unit=unit(CHENGDU),
        handling_code=HandlingCode.RESTRICTED,
        state=CaseState.UNDER_INVESTIGATION,
    )
    assert_error(create(token_client(xining), restricted), 404, "not_found")


def test_auditors_are_refused(chengdu_case, auditor):
    assert_error(token_client(auditor).get(BASE), 403, "no_case_data_access")


def _list_queries(client, url) -> tuple[int, int]:
    client.get(url)  # the token's last use is written at most once a while: not in the measured request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.json()["results"]), len(queries)


def test_the_list_costs_the_same_for_two_rows_as_for_eight(chengdu_case, xining, chengdu_intake):
    decider = token_client(chengdu_intake)
    requesters = [officer(XINING) for _ in range(8)]
    for requester in requesters[:2]:
        access_services.access_request_create(case_id=chengdu_case.pk, by=requester, reason="核查")
    few = _list_queries(decider, BASE)
    for number, requester in enumerate(requesters[2:]):
        made = access_services.access_request_create(case_id=chengdu_case.pk, by=requester, reason="核查")
        if number % 2:
            access_services.access_request_transition(access_request=made, name="grant", by=chengdu_intake)
    many = _list_queries(decider, BASE)
    assert few[0] == 2 and many[0] == 8
    # Token, the memberships (one read for the permission and the standing), the page: the same for
    # 2 rows as for 8.
    assert few[1] == many[1] == 3, (few, many)
    mine = token_client(requesters[0]).get(f"{BASE}?mine=true").json()["results"]
    assert len(mine) == 1
    to_decide = decider.get(f"{BASE}?state=granted").json()["results"]
    assert len(to_decide) == 3
