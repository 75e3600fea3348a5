"""Verification by code and by file: authentic, superseded or revoked (naming the later document) or
unknown; always audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from documents import services, tasks
from tests.support.documents import issue, walk_to_issue


@pytest.fixture
def rendered(office, linked):
    """An issued 移送案件通知书 rendered with the real renderer, and its bytes."""
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    document.refresh_from_db()
    return document, document.file.read()


def test_an_issued_pdf_is_authentic_by_file_and_by_code(rendered, kunming_intake_officer):
    document, content = rendered
    by_file = services.document_verify_file(content=content, by=kunming_intake_officer)
    assert by_file.result == "authentic" and by_file.document == document
    answer = services.document_verify_code(code=document.verification_code.lower(), by=kunming_intake_officer)
    facts = answer.as_dict()
    assert facts["result"] == "authentic"
    assert (facts["issuer"], facts["number"], facts["kind_title"], facts["status"]) == (
        "成都市公安局武侯区分局",
        document.number,
        "移送案件通知书",
        "issued",
    )
    events = AuditEvent.objects.filter(action="documents.document.verify", target_id=str(document.pk))
    assert sorted(e.payload["method"] for e in events) == ["code", "file"]
    assert {e.actor_username for e in events} == {"kunming_intake"}


def test_a_pdf_altered_by_one_byte_is_unknown(rendered, kunming_intake_officer):
    _document, content = rendered
    altered = bytearray(content)
    altered[len(altered) // 2] ^= 0x01
    answer = services.document_verify_file(content=bytes(altered), by=kunming_intake_officer)
    assert answer.result == "unknown" and answer.as_dict() == {"result": "unknown"}
    event = AuditEvent.objects.filter(action="documents.document.verify").latest("id")
    assert event.payload["result"] == "unknown" and event.target_id == ""


def test_a_corrected_pdf_is_superseded_and_names_its_correction(office, rendered, kunming_intake_officer):
    document, content = rendered
    correction = services.document_correct(document=document, by=office.head, reason="案由写错")
    # Before the correction is issued the original is what stands.
    assert services.document_verify_file(content=content, by=kunming_intake_officer).result == "authentic"
    correction = walk_to_issue(office, correction)
    facts = services.document_verify_file(content=content, by=kunming_intake_officer).as_dict()
    assert facts["result"] == "superseded" and correction.number in facts["voided_reason"]
    assert facts["replacement"]["number"] == correction.number
    assert facts["replacement"]["verification_code"] == correction.verification_code
    assert facts["revocation"] is None
    later = services.document_verify_code(code=correction.verification_code, by=kunming_intake_officer)
    assert later.result == "authentic" and later.as_dict()["corrects"]["number"] == document.number


def test_a_draft_and_an_unknown_code_are_unknown(office, linked, kunming_intake_officer):
    from tests.support.documents import draft

    document = draft(office)
    assert (
        services.document_verify_code(code=document.verification_code, by=kunming_intake_officer).result
        == "unknown"
    )
    assert services.document_verify_code(code="0000-0000-0000", by=kunming_intake_officer).result == "unknown"
    assert services.document_verify_code(code="nonsense", by=kunming_intake_officer).result == "unknown"


def test_a_recorded_served_copy_is_recognised_and_names_the_original_and_viewer(
    rendered, kunming_intake_officer
):
    document, content = rendered
    watermarked = content + b"\n% watermark for kunming_intake\n"
    services.document_copy_record(
        document=document, viewer=kunming_intake_officer, content=watermarked, purpose="送达"
    )
    facts = services.document_verify_file(content=watermarked, by=kunming_intake_officer).as_dict()
    assert facts["result"] == "authentic" and facts["number"] == document.number
    assert (
        facts["copy"]["viewer"] == kunming_intake_officer.display_name and facts["copy"]["purpose"] == "送达"
    )


def test_the_api_verifies_by_code_and_by_upload_for_anyone_signed_in(client, rendered, qinghai_investigator):
    document, content = rendered
    client.force_login(qinghai_investigator)
    url = "/api/v1/documents/verify/"
    by_code = client.post(url, {"code": document.verification_code}, content_type="application/json")
    assert by_code.status_code == 200 and by_code.json()["number"] == document.number
    upload = SimpleUploadedFile("x.pdf", content, content_type="application/pdf")
    by_file = client.post(url, {"file": upload})
    assert by_file.status_code == 200 and by_file.json()["result"] == "authentic"
    empty = client.post(url, {}, content_type="application/json")
    assert empty.status_code == 400 and empty.json()["code"] == "invalid"


def test_the_api_refuses_anonymous_verification(client, rendered):
    document, _content = rendered
    response = client.post(
        "/api/v1/documents/verify/", {"code": document.verification_code}, content_type="application/json"
    )
    assert response.status_code == 401


def test_the_verify_page_answers_by_code_and_by_upload(client, rendered, kunming_intake_officer):
    document, content = rendered
    client.force_login(kunming_intake_officer)
    url = reverse("documents:verify")
    page = client.get(url)
    assert page.status_code == 200
    by_code = client.get(url, {"code": document.verification_code})
    assert document.number in by_code.content.decode()
    upload = SimpleUploadedFile("x.pdf", content[:-1] + b"X", content_type="application/pdf")
    altered = client.post(url, {"file": upload})
    assert altered.status_code == 200 and document.number not in altered.content.decode()
    assert client.post(url, {}).status_code == 400
