"""Editing a draft or returned request: through the API (audited, with a timeline row) and the page."""

from django.utils import timezone

from cases.assistance import services
from cases.assistance_kinds import AssistanceKind, DocumentType
from cases.models import CasePerson
from core.models import AuditEvent
from core.workflow import timeline_for
from organisation.models import Role
from tests.support.api import assert_error, token_client
from tests.support.factories.assistance import case_in, draft_request, scan, walk
from tests.support.factories.organisation import member
from tests.support.pages import page_client

BASE = "/api/v1/assistance-requests/"


def _returned(cast):
    request = walk(draft_request(cast.investigator), cast, "received")
    return services.request_transition(
        by=cast.intake,
        request=request,
        name="return_request",
        reason="立案决定书未签章",
        fields={"defects": [{"document_type": DocumentType.CASE_FILING_DECISION, "defect": "unsigned"}]},
    )


def test_requester_edits_a_draft_through_the_api_audited_with_a_timeline_row(cast):
    case = case_in("510107")
    suspect = CasePerson.objects.create(case=case, role="suspect", name="张三")
    request = draft_request(cast.investigator, case=case)
    client = token_client(cast.investigator)
    response = client.patch(
        f"{BASE}{request.pk}/",
        {
            "kind": "identity_check",
            "urgency": "urgent",
            "requested_unit": "520100",
            "subjects": [suspect.pk],
            "matters": "核查张三身份及前科",
            "legal_basis": "《公安机关办理刑事案件程序规定》第三百四十六条",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "identity_check"
    assert body["urgency"] == "urgent"
    assert body["requested_unit"]["code"] == "520100"
    assert body["subjects"] == ["张三"]
    assert body["matters"] == "核查张三身份及前科"
    assert body["state"] == "draft"
    # The required documents follow the new kind.
    required = {row["document_type"] for row in body["required_documents"]}
    assert "evidence_call_notice" not in required
    event = AuditEvent.objects.get(target_id=str(request.pk), action="assistance.assistancerequest.update")
    assert event.payload["changes"]["requested_unit"] == ["530100", "520100"]
    assert event.payload["changes"]["subjects"] == [[], ["张三"]]
    assert [entry.action for entry in timeline_for(request)][-1] == "update"
    # Leaving fields out keeps them; a PATCH that changes nothing writes nothing.
    again = client.patch(f"{BASE}{request.pk}/", {"urgency": "urgent"}, format="json")
    assert again.status_code == 200
    assert again.json()["matters"] == "核查张三身份及前科"
    assert AuditEvent.objects.filter(action="assistance.assistancerequest.update").count() == 1


def test_edit_refuses_bad_input_with_field_errors(cast):
    request = draft_request(cast.investigator)
    client = token_client(cast.investigator)
    assert_error(
        client.patch(f"{BASE}{request.pk}/", {"requested_unit": "510107"}, format="json"), 400, "invalid"
    )
    assert_error(
        client.patch(f"{BASE}{request.pk}/", {"requested_unit": "999999"}, format="json"), 400, "invalid"
    )
    assert_error(client.patch(f"{BASE}{request.pk}/", {"kind": "bribe"}, format="json"), 400, "invalid")
    assert_error(client.patch(f"{BASE}{request.pk}/", {"matters": "  "}, format="json"), 400, "invalid")
    elsewhere = CasePerson.objects.create(case=case_in("510107"), role="suspect", name="李四")
    assert_error(
        client.patch(f"{BASE}{request.pk}/", {"subjects": [elsewhere.pk]}, format="json"), 400, "invalid"
    )
    request.refresh_from_db()
    assert request.requested_unit.code == "530100"
    assert request.kind == AssistanceKind.EVIDENCE_COLLECTION


def test_returned_request_edits_keep_its_kind_and_requested_unit(cast):
    request = _returned(cast)
    client = token_client(cast.investigator)
    kind = client.patch(f"{BASE}{request.pk}/", {"kind": "identity_check"}, format="json")
    assert_error(kind, 400, "invalid")
    assert "kind" in kind.json()["fields"]
    unit = client.patch(f"{BASE}{request.pk}/", {"requested_unit": "520100"}, format="json")
    assert "requested_unit" in unit.json()["fields"]
    ok = client.patch(f"{BASE}{request.pk}/", {"matters": "调取受害人银行流水（补正）"}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == "returned"
    assert ok.json()["matters"] == "调取受害人银行流水（补正）"


def test_edit_is_404_for_the_uninvolved_403_for_others_409_once_sent(cast, qinghai_investigator):
    request = _returned(cast)
    assert_error(
        token_client(qinghai_investigator).patch(f"{BASE}{request.pk}/", {"matters": "x"}, format="json"),
        404,
        "not_found",
    )
    # The requested unit sees the returned request but may not edit it.
    assert_error(
        token_client(cast.intake).patch(f"{BASE}{request.pk}/", {"matters": "x"}, format="json"),
        403,
        "permission_denied",
    )
    services.request_document_upload(
        by=cast.investigator,
        request=request,
        document_type=DocumentType.CASE_FILING_DECISION,
        number="武公立字〔2026〕2号",
        issued_on=timezone.localdate(),
        file=scan(),
    )
    request = services.request_transition(by=cast.investigator, request=request, name="resubmit")
    conflict = token_client(cast.investigator).patch(f"{BASE}{request.pk}/", {"matters": "x"}, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["current_state"] == "sent"
    request.refresh_from_db()
    assert request.matters != "x"


def test_edit_page_for_the_requester(cast, qinghai_investigator):
    case = case_in("510107")
    suspect = CasePerson.objects.create(case=case, role="suspect", name="王五")
    request = draft_request(cast.investigator, case=case)
    client = page_client(cast.investigator)
    detail = client.get(f"/assistance-requests/{request.pk}/").content.decode()
    assert f"/assistance-requests/{request.pk}/edit/" in detail
    form = client.get(f"/assistance-requests/{request.pk}/edit/")
    assert form.status_code == 200
    assert "王五" in form.content.decode()
    response = client.post(
        f"/assistance-requests/{request.pk}/edit/",
        {
            "kind": "evidence_collection",
            "urgency": "extra_urgent",
            "requested_unit": "530100",
            "subjects": [suspect.pk],
            "matters": "调取王五的通话记录",
            "legal_basis": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    request.refresh_from_db()
    assert request.urgency == "extra_urgent"
    assert request.matters == "调取王五的通话记录"
    assert list(request.subjects.all()) == [suspect]
    bad = client.post(
        f"/assistance-requests/{request.pk}/edit/",
        {"kind": "evidence_collection", "urgency": "normal", "requested_unit": "510107", "matters": "x"},
    )
    assert bad.status_code == 400
    request.refresh_from_db()
    assert request.requested_unit.code == "530100"
    assert (
        page_client(qinghai_investigator).get(f"/assistance-requests/{request.pk}/edit/").status_code == 404
    )
    other_unit_head = member("510107", Role.LEGAL_OFFICER, username="legal_510107")
    assert page_client(other_unit_head).get(f"/assistance-requests/{request.pk}/edit/").status_code == 403
    walk(request, cast, "approved")
    assert client.get(f"/assistance-requests/{request.pk}/edit/").status_code == 409
    assert client.post(f"/assistance-requests/{request.pk}/edit/", {"matters": "y"}).status_code == 409
    assert (
        f"/assistance-requests/{request.pk}/edit/"
        not in client.get(f"/assistance-requests/{request.pk}/").content.decode()
    )


def test_edit_page_of_a_returned_request_locks_kind_and_unit(cast):
    request = _returned(cast)
    client = page_client(cast.investigator)
    response = client.post(
        f"/assistance-requests/{request.pk}/edit/",
        {
            "kind": "identity_check",
            "urgency": "normal",
            "requested_unit": "520100",
            "matters": "补正后的事项",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    request.refresh_from_db()
    assert request.kind == AssistanceKind.EVIDENCE_COLLECTION
    assert request.requested_unit.code == "530100"
    assert request.matters == "补正后的事项"
