"""The assistance-request API: create, upload, transitions, lists, visibility, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.assistance.models import AssistanceRequest
from cases.assistance_kinds import AssistanceKind, DocumentType
from tests.support.api import assert_error, token_client
from tests.support.factories.assistance import attach_all, case_in, draft_request, scan, walk

BASE = "/api/v1/assistance-requests/"


def test_create_upload_send_and_detail(cast):
    case = case_in("510107")
    client = token_client(cast.investigator)
    response = client.post(
        BASE,
        {"case": case.pk, "requested_unit": "530100", "kind": "evidence_collection", "matters": "调取流水"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert body["state"] == "draft"
    assert {row["document_type"] for row in body["required_documents"] if row["status"] == "missing"} == {
        "assistance_letter",
        "police_id_copy",
        "evidence_call_notice",
        "case_filing_decision",
    }
    upload = client.post(
        f"{BASE}{pk}/documents/",
        {
            "document_type": "case_filing_decision",
            "number": "武公立字〔2026〕1号",
            "issued_on": "2026-01-05",
            "file": scan(),
        },
        format="multipart",
    )
    assert upload.status_code == 201, upload.content
    bad = client.post(
        f"{BASE}{pk}/documents/",
        {"document_type": "case_filing_decision", "number": "", "issued_on": "2026-01-05", "file": scan()},
        format="multipart",
    )
    assert_error(bad, 400, "invalid")
    not_a_scan = client.post(
        f"{BASE}{pk}/documents/",
        {
            "document_type": "police_id_copy",
            "number": "1",
            "issued_on": "2026-01-05",
            "file": scan("x.pdf").__class__("x.pdf", b"hello", content_type="application/pdf"),
        },
        format="multipart",
    )
    assert_error(not_a_scan, 400, "invalid")
    # The documents are a checklist from the first draft (issue 20): submitting waits for the scans,
    # naming them, instead of the send refusing after the approval.
    refused = token_client(cast.investigator).post(f"{BASE}{pk}/transitions/submit/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "step_blocked", refused.content
    assert "Copy of the officers' police ID cards" in refused.json()["message"]
    # The 办案协作函 is drafted with the request and issued on approval: it is no missing scan.
    assert "Assistance letter" not in refused.json()["message"]
    attach_all(
        cast.investigator,
        AssistanceRequest.objects.get(pk=pk),
        skip=[DocumentType.CASE_FILING_DECISION, DocumentType.ASSISTANCE_LETTER],
    )
    for name, user in (("submit", cast.investigator), ("approve", cast.department_head)):
        response = token_client(user).post(f"{BASE}{pk}/transitions/{name}/", {}, format="json")
        assert response.status_code == 200, response.content
    sent = client.post(f"{BASE}{pk}/transitions/send/", {"reason": ""}, format="json")
    assert sent.status_code == 200, sent.content
    detail = token_client(cast.intake).get(f"{BASE}{pk}/").json()
    assert detail["state"] == "sent"
    assert detail["available_transitions"] == ["receive"]
    assert detail["deadlines"][0]["rule_key"] == "acknowledge_receipt"
    assert detail["deadlines"][0]["remaining"]
    assert [entry["action"] for entry in detail["timeline"]][-1] == "send"
    stale = token_client(cast.intake).post(
        f"{BASE}{pk}/transitions/accept/", {"expected_state": "received"}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and stale.json()["current_state"] == "sent"
    forbidden = client.post(f"{BASE}{pk}/transitions/receive/", {}, format="json")
    assert_error(forbidden, 403, "permission_denied")


def test_return_through_the_api_must_name_document_and_defect(cast):
    request = walk(draft_request(cast.investigator), cast, "received")
    client = token_client(cast.intake)
    url = f"{BASE}{request.pk}/transitions/return_request/"
    assert_error(client.post(url, {"reason": "手续不全"}, format="json"), 400, "invalid")
    assert_error(client.post(url, {"defects": [{"defect": "unsigned"}]}, format="json"), 400, "invalid")
    response = client.post(
        url,
        {"reason": "未签章", "defects": [{"document_type": "case_filing_decision", "defect": "unsigned"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "returned"
    assert body["returns"][0]["document_type"] == "case_filing_decision"
    assert body["returns"][0]["defect"] == "unsigned"
    statuses = {row["document_type"]: row["status"] for row in body["required_documents"]}
    assert statuses["case_filing_decision"] == "defective"


def test_kinds_catalogue_lists_required_documents(wuhou_investigator):
    body = token_client(wuhou_investigator).get("/api/v1/assistance-kinds/").json()
    kinds = {row["kind"]: row for row in body}
    assert len(kinds) == len(AssistanceKind)
    assert [d["document_type"] for d in kinds["detention"]["documents"]][-1] == "detention_warrant"
    assert kinds["detention"]["approver_role"] == "unit_head"


def test_list_filters_by_direction_state_and_kind(cast):
    outgoing = walk(draft_request(cast.investigator), cast, "sent")
    draft_request(cast.investigator, kind=AssistanceKind.IDENTITY_CHECK, to="520100")
    mine = token_client(cast.investigator)
    assert {row["id"] for row in mine.get(BASE, {"direction": "outgoing"}).json()["results"]} >= {outgoing.pk}
    assert mine.get(BASE, {"direction": "incoming"}).json()["results"] == []
    intake = token_client(cast.intake)
    rows = intake.get(BASE, {"direction": "incoming"}).json()["results"]
    assert [row["id"] for row in rows] == [outgoing.pk]
    assert mine.get(BASE, {"kind": "identity_check"}).json()["results"][0]["state"] == "draft"
    assert mine.get(BASE, {"state": "sent"}).json()["results"][0]["id"] == outgoing.pk
    assert mine.get(BASE, {"overdue": "true"}).json()["results"] == []


def test_drafts_stay_with_the_requesting_side(cast):
    draft = draft_request(cast.investigator)
    client = token_client(cast.intake)
    assert client.get(BASE).json()["results"] == []
    assert_error(client.get(f"{BASE}{draft.pk}/"), 404, "not_found")


def _count_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BASE, {"page_size": 100})
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_list_costs_the_same_for_5_and_50_rows(cast):
    case = case_in("510107")
    for _ in range(5):
        draft_request(cast.investigator, case=case)
    client = token_client(cast.investigator)
    few, count = _count_list_queries(client)
    assert count == 5
    for _ in range(45):
        draft_request(cast.investigator, case=case)
    many, count = _count_list_queries(token_client(cast.investigator))
    assert count == 50
    assert few == many


@pytest.mark.parametrize("handling_code", ["normal", "restricted"])
def test_superiors_see_requests_of_their_subtree_except_restricted_requested_side(db, handling_code):
    from organisation.models import Role
    from tests.support.factories.organisation import member
    from tests.support.personas import Cast

    cast = Cast()
    case = case_in("510107", handling_code=handling_code)
    request = walk(draft_request(cast.investigator, case=case), cast, "sent")
    chengdu = member("510100", Role.DEPARTMENT_HEAD, username="chengdu_head", department_kind="criminal")
    yunnan = member("530000", Role.DEPARTMENT_HEAD, username="yunnan_head", department_kind="criminal")
    assert token_client(chengdu).get(f"{BASE}{request.pk}/").status_code == 200
    expected = 404 if handling_code == "restricted" else 200
    assert token_client(yunnan).get(f"{BASE}{request.pk}/").status_code == expected


def test_someone_who_may_not_return_gets_403_whatever_the_input(cast):
    request = walk(draft_request(cast.investigator), cast, "received")
    response = token_client(cast.investigator).post(
        f"{BASE}{request.pk}/transitions/return_request/", {"defects": []}, format="json"
    )
    assert_error(response, 403, "permission_denied")
