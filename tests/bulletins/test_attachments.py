"""Attachments of bulletins (附件): graded photos and scans, added to a draft, seen with the bulletin."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bulletins.models import BulletinAttachment
from bulletins.services import bulletin_attachment_add, bulletin_transition
from core.models import AuditEvent
from tests.support.bulletins import draft

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def bulletin(yunnan_head):
    """A draft of 云南省公安厅 sent, once issued, to 武侯 only (so 青海 is uninvolved)."""
    return draft(yunnan_head, "530000", targets={"units": ["510107"]})


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def _upload(client, bulletin, *, name="photo.png", content=PNG, title="嫌疑人照片", **grades):
    return client.post(
        f"/api/v1/bulletins/{bulletin.pk}/attachments/",
        {"title": title, "file": SimpleUploadedFile(name, content), **grades},
        format="multipart",
    )


def _add(user, bulletin, content=PNG, name="photo.png", **extra):
    return bulletin_attachment_add(
        bulletin=bulletin,
        by=user,
        title=extra.pop("title", "赃物照片"),
        file=SimpleUploadedFile(name, content),
        **extra,
    )


def _issue(bulletin, user):
    return bulletin_transition(bulletin=bulletin, name="issue", by=user)


def test_drafter_uploads_png_and_pdf_listed_with_grade_on_api_and_page(client, yunnan_head, bulletin):
    api_client = api(yunnan_head)
    png = _upload(
        api_client, bulletin, name="../../etc/passwd.png", source_reliability="B", information_accuracy=2
    )
    assert png.status_code == 201, png.json()
    assert png.json()["grade"] == "B2" and png.json()["content_type"] == "image/png"
    pdf = _upload(api_client, bulletin, name="扫描件.pdf", content=PDF, title="协查函扫描件")
    assert pdf.status_code == 201, pdf.json()
    assert pdf.json()["grade"] == "" and pdf.json()["content_type"] == "application/pdf"

    stored = BulletinAttachment.objects.get(pk=png.json()["id"])
    # A random name under the bulletin's folder: the uploader's name never becomes a path.
    assert stored.file.name.startswith(f"bulletins/{bulletin.pk}/") and stored.file.name.endswith(".png")
    assert "passwd" not in stored.file.name and ".." not in stored.file.name
    assert stored.size == len(PNG) and stored.sha256 == hashlib.sha256(PNG).hexdigest()
    assert AuditEvent.objects.filter(action="bulletins.bulletinattachment.add").count() == 2

    listed = api_client.get(f"/api/v1/bulletins/{bulletin.pk}/attachments/").json()
    assert [(row["title"], row["grade"]) for row in listed] == [("嫌疑人照片", "B2"), ("协查函扫描件", "")]
    detail = api_client.get(f"/api/v1/bulletins/{bulletin.pk}/").json()
    assert [row["id"] for row in detail["attachments"]] == [row["id"] for row in listed]
    assert detail["attachments"][0]["download_url"] == (
        f"/api/v1/bulletins/{bulletin.pk}/attachments/{stored.pk}/file/"
    )
    assert [entry["action"] for entry in detail["timeline"]][-2:] == ["attachment_add", "attachment_add"]

    client.force_login(yunnan_head)
    page = client.get(f"/bulletins/{bulletin.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "嫌疑人照片" in text and ">B2</span>" in text and "协查函扫描件" in text
    assert (
        f'action="/bulletins/{bulletin.pk}/attachments/"' in text and 'enctype="multipart/form-data"' in text
    )
    assert f"/bulletins/{bulletin.pk}/attachments/{stored.pk}/remove/" in text
    assert "<script" not in text.split("<main", 1)[-1] and " style=" not in text


def test_upload_and_remove_on_the_page(client, yunnan_head, bulletin, django_capture_on_commit_callbacks):
    client.force_login(yunnan_head)
    response = client.post(
        f"/bulletins/{bulletin.pk}/attachments/",
        {
            "title": "赃物照片",
            "file": SimpleUploadedFile("goods.png", PNG),
            "source_reliability": "A",
            "information_accuracy": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    attachment = BulletinAttachment.objects.get(bulletin=bulletin)
    assert attachment.grade == "A1"
    download = client.get(f"/bulletins/{bulletin.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG

    refused = client.post(
        f"/bulletins/{bulletin.pk}/attachments/",
        {"title": "假文件", "file": SimpleUploadedFile("report.pdf", b"not a pdf at all")},
    )
    assert refused.status_code == 400 and 'class="form__row has-error"' in refused.content.decode()

    storage, name = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.post(f"/bulletins/{bulletin.pk}/attachments/{attachment.pk}/remove/")
    assert removed.status_code == 302
    assert not BulletinAttachment.objects.filter(bulletin=bulletin).exists()
    assert not storage.exists(name)
    assert AuditEvent.objects.filter(action="bulletins.bulletinattachment.remove").count() == 1


def test_fake_content_is_400_naming_file(yunnan_head, bulletin):
    response = _upload(api(yunnan_head), bulletin, name="report.pdf", content=b"just some text, not a PDF")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"file"}
    assert not BulletinAttachment.objects.exists()


def test_too_large_is_400_naming_file(settings, yunnan_head, bulletin):
    settings.UPLOAD_MAX_BYTES = 1024
    response = _upload(api(yunnan_head), bulletin, content=PNG + bytes(2048))
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"file"}
    assert not BulletinAttachment.objects.exists()


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("title", {"title": "   "}),
        ("source_reliability", {"source_reliability": "Z"}),
        ("information_accuracy", {"information_accuracy": 7}),
    ],
)
def test_service_names_the_bad_field(yunnan_head, bulletin, field, values):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        _add(yunnan_head, bulletin, **values)
    assert set(error.value.message_dict) == {field}


def test_after_issue_attachments_do_not_change_409(yunnan_head, bulletin):
    attachment = _add(yunnan_head, bulletin)
    _issue(bulletin, yunnan_head)
    client = api(yunnan_head)
    added = _upload(client, bulletin)
    assert added.status_code == 409, added.json()
    assert added.json()["code"] == "conflict"
    removed = client.delete(f"/api/v1/bulletins/{bulletin.pk}/attachments/{attachment.pk}/")
    assert removed.status_code == 409
    assert BulletinAttachment.objects.filter(bulletin=bulletin).count() == 1


def test_drafter_removes_through_the_api(yunnan_head, bulletin):
    attachment = _add(yunnan_head, bulletin)
    response = api(yunnan_head).delete(f"/api/v1/bulletins/{bulletin.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 204
    assert not BulletinAttachment.objects.exists()


def test_uninvolved_province_gets_404_on_list_file_and_page(
    client, yunnan_head, qinghai_investigator, bulletin
):
    attachment = _add(yunnan_head, bulletin)
    _issue(bulletin, yunnan_head)
    outsider = api(qinghai_investigator)
    for path in (
        f"/api/v1/bulletins/{bulletin.pk}/attachments/",
        f"/api/v1/bulletins/{bulletin.pk}/attachments/{attachment.pk}/file/",
    ):
        assert outsider.get(path).status_code == 404, path
    assert _upload(outsider, bulletin).status_code == 404
    assert outsider.delete(f"/api/v1/bulletins/{bulletin.pk}/attachments/{attachment.pk}/").status_code == 404
    client.force_login(qinghai_investigator)
    assert client.get(f"/bulletins/{bulletin.pk}/").status_code == 404
    assert client.get(f"/bulletins/{bulletin.pk}/attachments/{attachment.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="bulletins.bulletinattachment.download").exists()


def test_attachment_of_another_bulletin_is_404(yunnan_head, bulletin):
    other = draft(yunnan_head, "530000", targets={"units": ["510107"]})
    attachment = _add(yunnan_head, other)
    response = api(yunnan_head).get(f"/api/v1/bulletins/{bulletin.pk}/attachments/{attachment.pk}/file/")
    assert response.status_code == 404


def test_recipient_unit_downloads_after_issue_audited(yunnan_head, wuhou_intake, bulletin):
    attachment = _add(yunnan_head, bulletin, source_reliability="B", information_accuracy=2)
    client = api(wuhou_intake)
    # A draft is the issuing unit's own: the recipient sees nothing of it yet.
    assert client.get(f"/api/v1/bulletins/{bulletin.pk}/attachments/").status_code == 404
    _issue(bulletin, yunnan_head)

    listed = client.get(f"/api/v1/bulletins/{bulletin.pk}/attachments/").json()
    assert [(row["id"], row["grade"]) for row in listed] == [(attachment.pk, "B2")]
    response = client.get(listed[0]["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="bulletins.bulletinattachment.download")
    assert event.actor_id == wuhou_intake.pk
    assert event.payload["attachment"] == attachment.pk and event.payload["channel"] == "api"
    # A recipient may read the attachments, never change them.
    assert client.delete(f"/api/v1/bulletins/{bulletin.pk}/attachments/{attachment.pk}/").status_code == 409


def test_detail_api_costs_the_same_for_more_attachments(yunnan_head, bulletin):
    client = api(yunnan_head)
    _add(yunnan_head, bulletin)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/api/v1/bulletins/{bulletin.pk}/").status_code == 200
    for _ in range(4):
        _add(yunnan_head, bulletin, content=PDF, name="scan.pdf")
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/api/v1/bulletins/{bulletin.pk}/")
    assert len(response.json()["attachments"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)
