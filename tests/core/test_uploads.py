"""Uploads are checked by content and size; an oversized body gets 413, not 400."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.uploads import validate_scan

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [("scan.pdf", PDF, "application/pdf"), ("scan.png", PNG, "image/png"), ("photo.jpg", JPEG, "image/jpeg")],
)
def test_accepted_by_content(name, content, mime):
    assert validate_scan(SimpleUploadedFile(name, content)).mime_type == mime


def test_content_decides_not_the_name():
    assert validate_scan(SimpleUploadedFile("looks-like.png", PDF)).mime_type == "application/pdf"
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            validate_scan(SimpleUploadedFile("warrant.pdf", b"<script>alert(1)</script>"))
        assert refused.value.code == "bad_content"
        assert "PDF, JPG, PNG, TIF" in refused.value.messages[0]


def test_size_limit_and_empty_file():
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            validate_scan(SimpleUploadedFile("big.pdf", PDF + b"0" * 2048), max_bytes=1024)
        assert refused.value.code == "too_large"
        assert "largest accepted is 1.0" in refused.value.messages[0]
    with pytest.raises(ValidationError) as empty:
        validate_scan(SimpleUploadedFile("empty.pdf", b""))
    assert empty.value.code == "empty"


def test_chinese_message_by_default():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_scan(SimpleUploadedFile("x.pdf", b"plain text"))
    with translation.override("zh-hans"):
        assert "文件内容" in refused.value.messages[0]


@pytest.mark.django_db
def test_declared_oversized_body_is_refused_with_413_before_reading(client, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.generic(
        "POST", "/api/v1/auth/token/", b"x" * 4096, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    page = client.generic("POST", "/login/", b"x" * 4096, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413


@pytest.mark.django_db
def test_oversized_form_body_within_upload_room_is_413_not_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = "username=" + "u" * 3000 + "&password=x"
    response = client.generic(
        "POST",
        "/api/v1/auth/token/",
        body.encode(),
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
