"""The documents API: draft, steps, issue, refusal to edit an issued document, downloads via the resolver."""

from core.models import AuditEvent
from documents import services, tasks
from documents.samples import SAMPLE_FIELDS
from tests.support.documents import TRANSFER_DATA, draft, issue


def step(client, document_id, name, **body):
    return client.post(
        f"/api/v1/documents/{document_id}/transitions/{name}/", body, content_type="application/json"
    )


def test_the_chain_through_the_api(client, office, linked):
    # A free-standing kind with the reviewed chain: a process's kind (the 移送案件通知书 this test
    # drafted before issue 16) is refused by the generic endpoint (tests/documents/test_process_rules.py).
    client.force_login(office.investigator)
    created = client.post(
        "/api/v1/documents/",
        {
            "kind": "report_for_approval",
            "issuing_unit": "510107",
            "department": "criminal",
            "data": SAMPLE_FIELDS["report_for_approval"],
            "recipients": ["昆明市公安局"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["transitions"] == ["submit_for_review"]
    assert step(client, pk, "submit_for_review").json()["state"] == "legal_review"
    forbidden = step(client, pk, "approve_review")
    assert forbidden.status_code == 403
    client.force_login(office.legal)
    assert step(client, pk, "approve_review").json()["state"] == "approval"
    client.force_login(office.head)
    assert step(client, pk, "approve").json()["state"] == "approved"
    issued = step(client, pk, "issue")
    assert issued.status_code == 200 and issued.json()["number"].startswith("武侯公（")
    stale = step(client, pk, "issue")
    assert stale.status_code == 409 and stale.json()["current_state"] == "issued"
    listed = client.get("/api/v1/documents/").json()
    assert [item["id"] for item in listed["results"]] == [pk]


def test_the_api_refuses_to_edit_an_issued_document(client, office, linked):
    document = issue(office)
    client.force_login(office.investigator)
    response = client.patch(
        f"/api/v1/documents/{document.pk}/", {"data": {"case_name": "另案"}}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "document_immutable" and "data" in body["message"]
    document.refresh_from_db()
    assert document.data["case_name"] == TRANSFER_DATA["case_name"]


def test_a_draft_in_review_cannot_be_edited_and_says_so_with_409(client, office, linked):
    document = draft(office)
    services.document_transition(document=document, name="submit_for_review", by=office.investigator)
    client.force_login(office.investigator)
    response = client.patch(
        f"/api/v1/documents/{document.pk}/", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["current_state"] == "legal_review"


def test_a_draft_can_be_edited(client, office, linked):
    document = draft(office)
    client.force_login(office.investigator)
    response = client.patch(
        f"/api/v1/documents/{document.pk}/",
        {"data": {**TRANSFER_DATA, "reason": "新理由"}},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["data"]["reason"] == "新理由"


def test_downloads_go_through_the_resolver_and_are_audited(
    client, office, linked, kunming_intake_officer, qinghai_investigator, auditor
):
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    api_url = f"/api/v1/documents/{document.pk}/file/"
    page_url = f"/documents/{document.pk}/download/"

    client.force_login(qinghai_investigator)  # uninvolved province: not even told it exists
    assert client.get(api_url).status_code == 404
    assert client.get(page_url).status_code == 404
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404

    client.force_login(auditor)
    assert client.get(api_url).status_code == 403

    client.force_login(kunming_intake_officer)  # the linking app's resolver lets Kunming see it
    response = client.get(api_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(page_url).status_code == 200
    events = AuditEvent.objects.filter(action="documents.document.download", target_id=str(document.pk))
    assert sorted(e.payload["channel"] for e in events) == ["api", "web"]
    assert {e.actor_username for e in events} == {"kunming_intake"}


def test_a_document_linked_without_a_resolver_is_seen_by_its_issuing_unit_only(
    client, office, kunming_intake_officer
):
    document = draft(office, link="tests.no_resolver")
    client.force_login(kunming_intake_officer)
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    client.force_login(office.legal)
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 200


def test_an_unrendered_document_has_no_file_yet(client, office, linked):
    document = issue(office)
    client.force_login(office.investigator)
    assert client.get(f"/api/v1/documents/{document.pk}/file/").status_code == 404


def test_an_issued_document_offers_correct_and_revoke_and_a_stale_step_is_409(client, office, linked):
    document = issue(office)
    client.force_login(office.head)
    detail = client.get(f"/api/v1/documents/{document.pk}/").json()
    assert detail["transitions"] == ["correct", "revoke"]
    stale = step(client, document.pk, "revoke", reason="重复制作", expected_state="approved")
    assert stale.status_code == 409 and stale.json()["current_state"] == "issued"
    assert step(client, document.pk, "fly").status_code == 404
    # The one-step void of before issue 19 is gone: a revocation needs its own decision.
    assert step(client, document.pk, "void", reason="重复制作").status_code == 404
    decision = step(client, document.pk, "revoke", reason="重复制作", expected_state="issued")
    assert decision.status_code == 200
    body = decision.json()
    assert body["kind"] == "revocation_decision" and body["state"] == "drafted"
    assert client.get(f"/api/v1/documents/{document.pk}/").json()["state"] == "issued"
    # One later document at a time: while the decision is on its way, neither step is open.
    assert step(client, document.pk, "correct", reason="案由写错").status_code == 409


def test_serve_and_correct_through_the_api(client, office, linked):
    document = issue(office)
    recipient = document.recipients.get()
    client.force_login(office.investigator)
    served = client.post(
        f"/api/v1/documents/{document.pk}/recipients/{recipient.pk}/serve/",
        {},
        content_type="application/json",
    )
    assert served.status_code == 200 and served.json()["recipients"][0]["served_at"]
    client.force_login(office.head)
    corrected = step(client, document.pk, "correct", reason="案由写错")
    assert corrected.status_code == 200
    body = corrected.json()
    assert body["state"] == "drafted" and body["replaces"]["id"] == document.pk


def test_a_draft_pdf_is_read_through_the_api_before_its_step(client, office, linked, qinghai_investigator):
    document = draft(office)
    client.force_login(office.head)
    body = client.get(f"/api/v1/documents/{document.pk}/").json()
    assert body["preview_url"] == f"/api/v1/documents/{document.pk}/preview/"
    answer = client.get(body["preview_url"])
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="documents.document.preview", target_id=str(document.pk)).exists()
    client.force_login(qinghai_investigator)
    assert client.get(f"/api/v1/documents/{document.pk}/preview/").status_code == 404
    issued_document = issue(office)
    client.force_login(office.head)
    assert client.get(f"/api/v1/documents/{issued_document.pk}/").json()["preview_url"] == ""
    assert client.get(f"/api/v1/documents/{issued_document.pk}/preview/").status_code == 409
