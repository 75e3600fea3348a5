"""Served copies of issued documents carry the viewer's name, unit and time (issue 7 item 4).

Every download (page and API) is a copy rendered from the frozen snapshot with a watermark; the
copy's SHA-256 is recorded, so verifying the downloaded bytes answers that it is a genuine copy of
the document, while the original file stays as it was.
"""

import hashlib

import pytest
from django.utils import timezone

from documents import services, tasks
from documents.models import Document, DocumentCopy
from tests.support.documents import issue
from tests.support.pdf import poppler

pytestmark = pytest.mark.django_db


def _download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def _text(content: bytes, tmp_path, name: str, *options: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    return poppler("pdftotext", *(options or ("-layout",)), path, "-")


@pytest.fixture
def rendered(office, linked):
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    return Document.objects.get(pk=document.pk)


def test_a_download_is_a_watermarked_copy_that_verifies_as_the_document(
    client, rendered, kunming_intake_officer, tmp_path
):
    original = rendered.file.read()
    rendered.file.close()
    assert hashlib.sha256(original).hexdigest() == rendered.sha256

    client.force_login(kunming_intake_officer)
    before = timezone.localtime()
    copy = _download(client, f"/api/v1/documents/{rendered.pk}/file/")

    assert copy.startswith(b"%PDF") and copy != original
    text = _text(copy, tmp_path, "copy")
    assert kunming_intake_officer.display_name in text
    assert "昆明市公安局" in text  # the viewer's unit
    assert before.strftime("%Y-%m-%d") in text  # the local date (Asia/Shanghai)
    assert rendered.number.replace(" ", "") in text.replace(" ", "")  # the document itself is intact
    assert kunming_intake_officer.display_name not in _text(original, tmp_path, "original")

    # The original file is untouched.
    stored = Document.objects.get(pk=rendered.pk)
    assert stored.sha256 == rendered.sha256
    assert hashlib.sha256(stored.file.read()).hexdigest() == rendered.sha256
    stored.file.close()

    recorded = DocumentCopy.objects.get(document=rendered)
    assert recorded.sha256 == hashlib.sha256(copy).hexdigest()
    assert recorded.viewer == kunming_intake_officer and recorded.purpose == "download:api"

    verification = services.document_verify_file(content=copy, by=kunming_intake_officer)
    answer = verification.as_dict()
    assert answer["result"] == services.AUTHENTIC
    assert answer["number"] == rendered.number
    assert answer["copy"]["viewer"] == kunming_intake_officer.display_name
    # One changed byte of the copy is not recognised.
    assert services.document_verify_file(content=copy[:-8] + b"00000000").result == services.UNKNOWN


def test_two_viewers_get_different_copies_and_both_verify(client, rendered, office, kunming_intake_officer):
    client.force_login(kunming_intake_officer)
    theirs = _download(client, f"/documents/{rendered.pk}/download/")
    client.force_login(office.head)
    ours = _download(client, f"/api/v1/documents/{rendered.pk}/file/")

    assert hashlib.sha256(theirs).digest() != hashlib.sha256(ours).digest()
    copies = {c.viewer.username: c for c in DocumentCopy.objects.filter(document=rendered)}
    assert set(copies) == {kunming_intake_officer.username, office.head.username}
    assert copies[kunming_intake_officer.username].purpose == "download:web"
    for content, viewer in ((theirs, kunming_intake_officer), (ours, office.head)):
        answer = services.document_verify_file(content=content).as_dict()
        assert answer["result"] == services.AUTHENTIC and answer["number"] == rendered.number
        assert answer["copy"]["viewer"] == viewer.display_name
    # The verification endpoint answers the same for an uploaded copy.
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/api/v1/documents/verify/", {"file": SimpleUploadedFile("copy.pdf", theirs, "application/pdf")}
    )
    assert response.status_code == 200
    assert response.json()["result"] == services.AUTHENTIC
    assert response.json()["copy"]["viewer"] == kunming_intake_officer.display_name


def test_a_name_no_font_can_draw_is_printed_with_a_question_mark(rendered, kunming_intake_officer, tmp_path):
    kunming_intake_officer.full_name = "李\ue000明"  # a private-use character: no glyph in any font
    content = services.document_copy_render(document=rendered, viewer=kunming_intake_officer)
    assert "李?明" in _text(content, tmp_path, "odd")


def test_the_watermark_text_names_viewer_units_and_local_time(kunming_intake_officer):
    moment = timezone.now()
    text = services.watermark_text(viewer=kunming_intake_officer, at=moment)
    local = timezone.localtime(moment)
    assert str(local.tzinfo) == "Asia/Shanghai"
    assert text.startswith(kunming_intake_officer.display_name)
    assert "昆明市公安局" in text and local.strftime("%Y-%m-%d %H:%M:%S") in text


def test_the_case_dossier_stamps_its_documents_and_shows_the_grade(
    office, django_capture_on_commit_callbacks, tmp_path
):
    from cases import dossiers
    from cases.models import HandlingCode
    from tests.support.cases import build_dossier
    from tests.support.documents import issued
    from tests.support.factories.assistance import case_in
    from tests.support.factories.organisation import member

    case = case_in("510107", handling_code=HandlingCode.INTERNAL, created_by=office.investigator)
    case.source_reliability, case.information_accuracy = "B", 2
    case.save(update_fields=["source_reliability", "information_accuracy"])
    document = issued(office, link_type=dossiers.CASE_LINK, link_id=case.pk, reason="犯罪地在昆明市五华区")

    # The dossier is asked for by a colleague the document does not name: the investigator who drafted
    # it is its 办案人 on the stub (issue 19), so only another reader's name tells the stamp apart.
    reader = member("510107", "investigator", username="dossier_reader", department_kind="criminal")
    reader.full_name = "卷宗调阅人"
    reader.save(update_fields=["full_name"])
    dossier = build_dossier(django_capture_on_commit_callbacks, case, reader)

    assert dossier.state == "done", dossier.error
    document.refresh_from_db()
    # Without -layout, pdftotext keeps the diagonal watermark out of the lines it crosses.
    pages = _text(dossier.file.read(), tmp_path, "dossier", "-raw").split("\f")
    dossier.file.close()
    assert "处理等级：内部 · B2" in pages[0]
    document_pages = pages[-1 - document.pages : -1]  # pdftotext ends with a form feed
    assert document_pages and all(reader.display_name in page for page in document_pages)
    # The stored original is not stamped.
    original = document.file.read()
    document.file.close()
    assert hashlib.sha256(original).hexdigest() == document.sha256
    assert reader.display_name not in _text(original, tmp_path, "original")
