"""The documents an assistance request generates: drafted with it, issued on its approval, attached.

Rendered with the real renderer (Celery is eager in tests; the outbox delivers on commit).
"""

import re

from django.test import Client
from django.urls import reverse

from cases.assistance import services
from cases.assistance.documents_bridge import LINK_TYPE, linked_documents
from cases.assistance_kinds import DocumentSource, DocumentType
from cases.models import CasePerson
from documents import services as document_services
from documents.models import Document
from tests.support.factories.assistance import attach_all, draft_request
from tests.support.pdf import pdf_text

GENERATED = {DocumentType.ASSISTANCE_LETTER, DocumentType.EVIDENCE_CALL_NOTICE}


def _suspect(case) -> CasePerson:
    return CasePerson.objects.create(case=case, role="suspect", name="王某某", id_number="520102199001011234")


def _pdf_text(document: Document) -> str:
    return pdf_text(document)


def _evidence_request(cast):
    request = draft_request(cast.investigator)  # Wuhou → Kunming, evidence collection
    services.request_update(by=cast.investigator, request=request, subjects=[_suspect(request.case)])
    return request


def _approve(cast, request, django_capture_on_commit_callbacks):
    attach_all(cast.investigator, request, skip=GENERATED)
    services.request_transition(by=cast.investigator, request=request, name="submit")
    with django_capture_on_commit_callbacks(execute=True):
        return services.request_transition(by=cast.department_head, request=request, name="approve")


def test_drafting_a_request_drafts_its_letter_and_notice_with_the_request_data(cast):
    request = _evidence_request(cast)
    drafts = {doc.kind: doc for doc in linked_documents(request)}
    assert set(drafts) == {"assistance_letter", "evidence_call_notice"}
    letter, notice = drafts["assistance_letter"], drafts["evidence_call_notice"]
    for document in (letter, notice):
        assert document.state == "drafted"
        assert (document.link_target_type, document.link_target_id) == (LINK_TYPE, str(request.pk))
        assert document.issuing_unit == request.requesting_unit
        assert document.department.kind == "criminal"
        assert document.data["recipient"] == request.requested_unit.name
        assert document.data["case_name"] == request.case.name
        assert document.data["case_number"] == request.case.number
    assert letter.data["matters"] == request.matters
    assert "王某某" in letter.data["suspects"] and "520102199001011234" in letter.data["suspects"]
    assert letter.data["contact_officers"]
    assert notice.data["evidence"] == request.matters
    assert not letter.spec.missing_fields(letter.data) and not notice.spec.missing_fields(notice.data)


def test_an_edit_before_approval_updates_the_drafts(cast):
    request = _evidence_request(cast)
    services.request_update(by=cast.investigator, request=request, matters="调取嫌疑人银行卡开户资料")
    for document in linked_documents(request):
        assert document.state == "drafted"
        field = "matters" if document.kind == "assistance_letter" else "evidence"
        assert document.data[field] == "调取嫌疑人银行卡开户资料"


def test_approval_issues_renders_and_attaches_them_and_kunming_verifies(
    cast, kunming_intake_officer, qinghai_investigator, password, django_capture_on_commit_callbacks
):
    request = _evidence_request(cast)
    request = _approve(cast, request, django_capture_on_commit_callbacks)
    documents = {doc.kind: doc for doc in linked_documents(request)}
    letter, notice = documents["assistance_letter"], documents["evidence_call_notice"]
    assert re.fullmatch(r".+公（刑）协字〔\d{4}〕\d+号", letter.number), letter.number
    assert re.fullmatch(r".+公（刑）调字〔\d{4}〕\d+号", notice.number), notice.number
    for document in (letter, notice):
        assert document.state == "issued" and document.render_state == "done"
        assert document.data["approver"]
        text = _pdf_text(document)
        squeezed = re.sub(r"\s+", "", text)
        assert document.number in squeezed
        assert re.sub(r"\s+", "", request.case.name) in squeezed

    # The issued forms are the request's documents of their type: nothing is missing, it can be sent.
    attached = {doc.document_type: doc for doc in request.current_documents()}
    for document in (letter, notice):
        row = attached[document.kind]
        assert row.source == DocumentSource.GENERATED
        assert row.generated_document_id == document.pk
        assert row.number == document.number
    assert request.missing_documents() == ()
    request = services.request_transition(by=cast.investigator, request=request, name="send")
    assert request.state == "sent"

    # Kunming's intake sees them on the request with number, download link and verification code.
    intake = Client()
    assert intake.login(username=kunming_intake_officer.username, password=password)
    page = intake.get(reverse("assistance:detail", args=[request.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for document in (letter, notice):
        assert document.number in html
        assert document.verification_code in html
        assert reverse("documents:download", args=[document.pk]) in html
    api = intake.get(f"/api/v1/assistance-requests/{request.pk}/")
    assert api.status_code == 200, api.content
    rows = {row["document_type"]: row for row in api.json()["required_documents"]}
    assert rows["assistance_letter"]["document"]["verification_code"] == letter.verification_code
    assert rows["evidence_call_notice"]["document"]["generated_document_id"] == notice.pk

    download = intake.get(reverse("documents:download", args=[letter.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    via_request = intake.get(
        reverse("assistance:document", args=[request.pk, attached["evidence_call_notice"].pk])
    )
    assert via_request.status_code == 200
    verification = document_services.document_verify_code(
        code=letter.verification_code.lower(), by=kunming_intake_officer
    )
    assert verification.result == "authentic"
    assert verification.as_dict()["number"] == letter.number

    outsider = Client()
    assert outsider.login(username=qinghai_investigator.username, password=password)
    assert outsider.get(reverse("documents:download", args=[letter.pk])).status_code == 404
    assert outsider.get(f"/api/v1/documents/{notice.pk}/file/").status_code == 404


def test_a_scan_uploaded_for_a_generated_type_stands_as_the_fallback(cast):
    request = _evidence_request(cast)
    attach_all(cast.investigator, request)  # every document by hand, the letter and notice included
    services.request_transition(by=cast.investigator, request=request, name="submit")
    services.request_transition(by=cast.department_head, request=request, name="approve")
    assert {doc.source for doc in request.current_documents()} == {DocumentSource.UPLOADED}
    assert not linked_documents(request).filter(state="issued").exists()
    request = services.request_transition(by=cast.investigator, request=request, name="send")
    assert request.state == "sent"
