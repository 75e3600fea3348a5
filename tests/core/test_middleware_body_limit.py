"""A form POST over the body limit answers 413 with a code and a message in the request's language."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.UPLOAD_MAX_BYTES = 1024
    return settings


def _form_post(client, path, size, **extra):
    body = "username=" + "u" * size + "&password=x"
    return client.generic(
        "POST", path, body.encode(), content_type="application/x-www-form-urlencoded", **extra
    )


@pytest.mark.parametrize("size", [1500, 5000])  # over the form limit only; over form plus upload room
def test_page_form_over_the_limit_is_413_in_english_when_chosen(client, small_limits, size):
    client.cookies["django_language"] = "en"
    response = _form_post(client, "/login/", size)

    assert response.status_code == 413
    assert response["X-Error-Code"] == "too_large"
    text = response.content.decode()
    assert "too_large" in text
    assert "The request body is larger than the server accepts." in text


@pytest.mark.parametrize("size", [1500, 5000])
def test_page_form_over_the_limit_is_413_in_chinese_by_default(client, small_limits, size):
    response = _form_post(client, "/login/", size, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 413
    assert response["X-Error-Code"] == "too_large"
    assert "请求内容超过服务器允许的大小" in response.content.decode()


def test_multipart_form_with_an_oversized_field_is_413(client, small_limits):
    client.cookies["django_language"] = "en"
    response = client.post("/login/", {"username": "u" * 1500, "password": "x"})
    assert response.status_code == 413
    assert response["X-Error-Code"] == "too_large"


@pytest.mark.parametrize(
    ("language", "message"), [("en", "larger than the server accepts"), ("zh-hans", "超过")]
)
def test_api_over_the_limit_answers_in_the_accept_language(client, small_limits, language, message):
    for size in (1500, 5000):
        response = _form_post(client, "/api/v1/auth/token/", size, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 413
        assert response.json()["code"] == "too_large"
        assert message in response.json()["message"]


def test_readme_lists_upload_max_bytes():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "| `UPLOAD_MAX_BYTES` |" in readme
    assert "| `TRUSTED_PROXIES` |" in readme
