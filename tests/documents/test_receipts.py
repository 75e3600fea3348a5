"""Returned 回执 (issue 19 item 2): a recipient's receipt, uploaded as the signed paper's scan or confirmed
in the system by the recipient unit, closes its service; page and API, audited, seen only by who sees
the document (an uninvolved province gets 404), recorded only by the recipient unit or the issuer.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.assistance import services as assistance_services
from cases.assistance.models import PropertyMeasureKind
from cases.assistance_kinds import AssistanceKind
from core.exceptions import Conflict, NotAllowed
from core.models import AuditEvent
from core.workflow import timeline_for
from documents import access, kinds, rendering, services
from documents.models import Document, DocumentRecipient, ReceiptMethod
from organisation.models import Unit
from tests.documents.geometry import Geometry
from tests.support.api import assert_error, token_client
from tests.support.documents import LINK, TRANSFER_DATA, walk_to_issue
from tests.support.factories.assistance import draft_request, walk
from tests.support.personas import Cast
from tests.support.units import KUNMING

pytestmark = pytest.mark.django_db

SCAN = b"%PDF-1.4\n% a signed receipt, scanned\n"


def _frozen(cast):
    """A deposit frozen for a freezing request in progress (as tests/assistance/test_release.py does)."""
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    return assistance_services.property_measure_record(
        by=cast.officer,
        request=request,
        kind=PropertyMeasureKind.DEPOSITS,
        target="6222 0000 0000 1234",
        institution="中国工商银行昆明分行",
        starts_on=timezone.localdate(),
    )


def scan(content: bytes = SCAN, name: str = "huizhi.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def notice(office, linked, fake_renderer):
    """A 移送案件通知书 Wuhou issued to the Kunming bureau and to a bank (no unit of ours)."""
    document = services.document_draft(
        kind="case_transfer_notice",
        issuing_unit=office.unit,
        department=office.unit.departments.get(kind="criminal"),
        by=office.investigator,
        data=TRANSFER_DATA,
        recipients=[
            {"name": "昆明市公安局", "unit": Unit.objects.get(code=KUNMING)},
            {"name": "中国工商银行昆明分行"},
        ],
        link_target_type=LINK,
        link_target_id="1",
    )
    return walk_to_issue(office, document)


def recipient_of(document: Document, name: str) -> DocumentRecipient:
    return document.recipients.get(name=name)


def test_the_recipient_unit_confirms_in_the_system_and_that_closes_its_service(
    notice, office, kunming_intake_officer
):
    kunming = recipient_of(notice, "昆明市公安局")
    assert kunming.served_at is None
    recorded = services.document_receipt_record(recipient=kunming, by=kunming_intake_officer, note="已收到")
    assert recorded.receipt_method == ReceiptMethod.CONFIRMED
    assert recorded.served_at == recorded.receipt_signed_at and recorded.served_by == kunming_intake_officer
    assert not recorded.receipt_file and recorded.receipt_note == "已收到"
    event = AuditEvent.objects.get(action="documents.document.receipt")
    assert event.payload["recipient"] == "昆明市公安局" and event.payload["method"] == "confirmed"
    assert event.payload["closed_service"] is True and event.acting_unit_code == KUNMING
    assert "receipt" in [row.action for row in timeline_for(notice)]
    # One receipt per recipient.
    with pytest.raises(Conflict):
        services.document_receipt_record(recipient=kunming, by=kunming_intake_officer)
    # Serving it again is refused too: the receipt closed the service.
    with pytest.raises(Conflict):
        services.document_serve(recipient=kunming, by=office.investigator)


def test_the_issuer_uploads_the_signed_paper_checked_by_its_content(notice, office):
    bank = recipient_of(notice, "中国工商银行昆明分行")
    # The issuer cannot confirm for the recipient: a scan of the signed paper is asked for.
    with pytest.raises(ValidationError) as no_scan:
        services.document_receipt_record(recipient=bank, by=office.investigator)
    assert "file" in no_scan.value.message_dict
    # A file whose content is no scan is refused whatever its name says.
    with pytest.raises(ValidationError) as not_a_scan:
        services.document_receipt_record(
            recipient=bank, by=office.investigator, file=scan(b"<html>not a scan</html>")
        )
    assert "file" in not_a_scan.value.message_dict
    signed = notice.issued_at  # signed at the counter as it was handed over
    with pytest.raises(ValidationError) as future:
        services.document_receipt_record(
            recipient=bank,
            by=office.investigator,
            file=scan(),
            signed_at=timezone.now() + dt.timedelta(days=1),
        )
    assert "signed_at" in future.value.message_dict
    with pytest.raises(ValidationError) as before_issue:
        services.document_receipt_record(
            recipient=bank,
            by=office.investigator,
            file=scan(),
            signed_at=notice.issued_at - dt.timedelta(days=1),
        )
    assert "signed_at" in before_issue.value.message_dict
    # The bank's served time was recorded earlier: the receipt keeps it.
    served = services.document_serve(recipient=bank, by=office.investigator)
    recorded = services.document_receipt_record(
        recipient=bank, by=office.investigator, file=scan(), signed_at=signed
    )
    assert (
        recorded.receipt_method == ReceiptMethod.SCAN and recorded.receipt_content_type == "application/pdf"
    )
    assert recorded.receipt_file.read() == SCAN and len(recorded.receipt_sha256) == 64
    assert recorded.served_at == served.served_at and recorded.receipt_signed_at == signed
    assert "huizhi" not in recorded.receipt_file.name  # the uploader's file name is never reused
    event = AuditEvent.objects.filter(action="documents.document.receipt").get()
    assert event.payload["closed_service"] is False and event.payload["sha256"] == recorded.receipt_sha256


def test_only_the_recipient_unit_or_the_issuer_records_a_receipt(notice, office, chongqing_liaison_officer):
    kunming = recipient_of(notice, "昆明市公安局")
    # A third unit that sees the document (here through its link) is neither: refused.
    access.unregister_resolver(LINK)
    access.register_resolver(LINK, lambda document, user: True)
    for attempt in ({}, {"file": scan()}):
        with pytest.raises(NotAllowed):
            services.document_receipt_record(recipient=kunming, by=chongqing_liaison_officer, **attempt)
    response = token_client(chongqing_liaison_officer).post(
        f"/api/v1/documents/{notice.pk}/recipients/{kunming.pk}/receipt/", {}, format="json"
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="documents.document.receipt").exists()


def test_a_draft_has_no_receipt(office, linked, kunming_intake_officer):
    document = services.document_draft(
        kind="case_transfer_notice",
        issuing_unit=office.unit,
        by=office.investigator,
        data=TRANSFER_DATA,
        recipients=[{"name": "昆明市公安局", "unit": Unit.objects.get(code=KUNMING)}],
        link_target_type=LINK,
        link_target_id="1",
    )
    with pytest.raises(Conflict):
        services.document_receipt_record(recipient=document.recipients.get(), by=kunming_intake_officer)


def test_the_api_uploads_confirms_and_serves_the_scan_and_an_uninvolved_province_gets_404(
    notice, office, kunming_intake_officer, qinghai_investigator
):
    kunming = recipient_of(notice, "昆明市公安局")
    bank = recipient_of(notice, "中国工商银行昆明分行")
    base = f"/api/v1/documents/{notice.pk}/recipients"
    outsider = token_client(qinghai_investigator)
    assert_error(outsider.post(f"{base}/{kunming.pk}/receipt/", {}, format="json"), 404, "not_found")
    assert_error(outsider.get(f"/api/v1/documents/{notice.pk}/"), 404, "not_found")

    issuer = token_client(office.investigator)
    refused = issuer.post(f"{base}/{bank.pk}/receipt/", {"file": scan(b"GIF89a")}, format="multipart")
    assert refused.status_code == 400 and "file" in refused.json()["fields"]
    uploaded = issuer.post(
        f"{base}/{bank.pk}/receipt/", {"file": scan(), "note": "银行盖章回执"}, format="multipart"
    )
    assert uploaded.status_code == 200, uploaded.json()
    rows = {row["name"]: row for row in uploaded.json()["recipients"]}
    receipt = rows["中国工商银行昆明分行"]["receipt"]
    assert receipt["method"] == "scan" and receipt["note"] == "银行盖章回执"
    assert rows["中国工商银行昆明分行"]["served_at"] and rows["昆明市公安局"]["receipt"] is None
    assert receipt["file_url"] == f"{base}/{bank.pk}/receipt/file/"
    again = issuer.post(f"{base}/{bank.pk}/receipt/", {"file": scan()}, format="multipart")
    assert again.status_code == 409

    file = issuer.get(receipt["file_url"])
    assert file.status_code == 200 and b"".join(file.streaming_content) == SCAN
    assert AuditEvent.objects.filter(action="documents.document.receipt_download").count() == 1
    assert_error(outsider.get(receipt["file_url"]), 404, "not_found")
    assert token_client(office.investigator).get(f"{base}/{kunming.pk}/receipt/file/").status_code == 404

    confirmed = token_client(kunming_intake_officer).post(f"{base}/{kunming.pk}/receipt/", {}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    receipt = {row["name"]: row for row in confirmed.json()["recipients"]}["昆明市公安局"]["receipt"]
    assert receipt["method"] == "confirmed" and receipt["file_url"] == ""


def test_the_document_page_lists_the_recipients_and_records_a_receipt(
    client, notice, office, kunming_intake_officer, qinghai_investigator
):
    kunming = recipient_of(notice, "昆明市公安局")
    client.force_login(qinghai_investigator)
    assert client.get(f"/documents/{notice.pk}/").status_code == 404
    assert client.post(f"/documents/{notice.pk}/recipients/{kunming.pk}/receipt/", {}).status_code == 404

    client.force_login(office.investigator)
    page = client.get(f"/documents/{notice.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "昆明市公安局" in html and "中国工商银行昆明分行" in html
    # The issuer may upload for either; the confirmation without a scan is the recipient unit's.
    assert html.count('enctype="multipart/form-data"') == 2
    refused = client.post(f"/documents/{notice.pk}/recipients/{kunming.pk}/receipt/", {})
    assert refused.status_code == 400 and "请上传已签收回执的扫描件" in refused.content.decode()

    client.force_login(kunming_intake_officer)
    done = client.post(
        f"/documents/{notice.pk}/recipients/{kunming.pk}/receipt/", {f"r{kunming.pk}-note": "收到"}
    )
    assert done.status_code == 302 and done.url.endswith(f"/documents/{notice.pk}/#recipient-{kunming.pk}")
    kunming.refresh_from_db()
    assert kunming.receipt_method == ReceiptMethod.CONFIRMED and kunming.served_at is not None
    assert "收到" in client.get(f"/documents/{notice.pk}/").content.decode()


def test_the_document_page_reads_its_recipients_in_a_fixed_number_of_queries(client, notice, office):
    client.force_login(office.investigator)
    with CaptureQueriesContext(connection) as two:
        assert client.get(f"/documents/{notice.pk}/").status_code == 200
    for name in ("成都市人民检察院", "成都市中级人民法院", "重庆市公安局"):
        DocumentRecipient.objects.create(document=notice, name=name)
    services.document_receipt_record(
        recipient=recipient_of(notice, "重庆市公安局"), by=office.investigator, file=scan()
    )
    with CaptureQueriesContext(connection) as five:
        page = client.get(f"/documents/{notice.pk}/")
    assert page.status_code == 200 and "成都市中级人民法院" in page.content.decode()
    assert len(five) == len(two), [query["sql"] for query in five.captured_queries]


def test_the_unfreeze_notice_from_the_release_to_its_returned_receipt_mps_2020_art_241(qinghai_investigator):
    """End to end: the head approves the release, the notice is issued with its stub filled from the
    workflow and a 回执; the requested unit confirms the receipt, which closes its service."""
    cast = Cast()
    measure = assistance_services.property_measure_propose_release(
        by=cast.investigator, measure=_frozen(cast), reason="已查明资金去向，不需要继续冻结"
    )
    measure = assistance_services.property_measure_approve_release(by=cast.unit_head, measure=measure)
    notice = Document.objects.get(pk=measure.release_document_id)
    assert notice.template_version == 2 and kinds.PART_RECEIPT in notice.snapshot["parts"]

    rendered = rendering.render_pdf(
        template_name=notice.spec.template_for(notice.template_version),
        context={**notice.snapshot, "seal": None},
        verification_code=notice.verification_code,
        title=notice.number,
        author=notice.issuing_unit.name,
    )
    pdf = Geometry(rendered.content)
    text = "".join("".join(row.text.split()) for page in pdf.pages for row in page.body_rows())
    head = cast.unit_head.display_name
    today = timezone.localdate()
    for line in (
        f"批准人：{head}",
        f"批准时间：{today.year}年{today.month}月{today.day}日",
        f"填发人：{head}",
    ):
        assert line in text, line
    assert "（回执）" in text and "解除冻结账户（账号）：" in text

    recipient = notice.recipients.get()
    path = f"/api/v1/documents/{notice.pk}/recipients/{recipient.pk}/receipt/"
    assert_error(token_client(qinghai_investigator).post(path, {}, format="json"), 404, "not_found")
    # The issuing side cannot answer for the bank's side without the scan.
    assert token_client(cast.investigator).post(path, {}, format="json").status_code == 400
    confirmed = token_client(cast.officer).post(path, {}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    recipient.refresh_from_db()
    assert recipient.receipt_method == ReceiptMethod.CONFIRMED and recipient.served_by == cast.officer
