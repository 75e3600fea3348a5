"""The one error body, {"code", "message", "fields"}, for every failure under /api/."""

import json
import re

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from core.apis import server_error
from tests.support.api import assert_error, token_client


@pytest.mark.django_db
def test_400_lists_field_errors(api_client):
    body = assert_error(
        api_client.post("/api/v1/auth/token/", {"username": "x"}, format="json"), 400, "invalid"
    )
    assert list(body["fields"]) == ["password"]
    assert all(isinstance(message, str) for message in body["fields"]["password"])


@pytest.mark.django_db
def test_400_for_a_body_that_is_not_json(api_client):
    response = api_client.post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert_error(response, 400, "invalid")


@pytest.mark.django_db
def test_401_when_not_signed_in(api_client):
    response = api_client.get("/api/v1/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_403_names_the_reason(system_admin):
    assert_error(token_client(system_admin).get("/api/v1/inbox/"), 403, "no_case_data_access")


@pytest.mark.django_db
def test_404_for_an_unknown_object(wuhou_investigator):
    assert_error(token_client(wuhou_investigator).get("/api/v1/units/123456/"), 404, "not_found")


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.django_db
def test_404_for_an_unknown_api_path_is_json_whoever_asks(api_client, method):
    response = getattr(api_client, method)("/api/v1/nope/")
    assert_error(response, 404, "not_found")
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_404_for_an_unknown_api_path_is_json_for_a_client_without_csrf_cookie():
    client = APIClient(enforce_csrf_checks=True)
    assert_error(client.post("/api/v1/nope/", {}, format="json"), 404, "not_found")


@pytest.mark.django_db
def test_404_for_a_missing_slash_says_so(wuhou_investigator):
    body = assert_error(token_client(wuhou_investigator).get("/api/v1/me"), 404, "not_found")
    assert "/api/v1/me/" in body["message"]


@pytest.mark.django_db
def test_405_for_a_method_the_endpoint_does_not_take(wuhou_investigator):
    response = token_client(wuhou_investigator).delete("/api/v1/me/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_405_for_get_on_the_token_endpoint(api_client):
    assert_error(api_client.get("/api/v1/auth/token/"), 405, "method_not_allowed")


def test_500_under_api_is_json():
    response = server_error(RequestFactory().get("/api/v1/units/"))
    assert response.status_code == 500
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "server_error"


def test_500_elsewhere_is_the_html_page():
    response = server_error(RequestFactory().get("/units/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_messages_are_chinese_by_default():
    response = APIClient().get("/api/v1/me/")
    assert_error(response, 401, "not_authenticated")
    message = response.json()["message"]
    assert re.search(r"[\u4e00-\u9fff]", message), message


@pytest.mark.django_db
def test_messages_are_english_on_request():
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/nope/")
    assert response.json()["message"] == "There is no API endpoint at this address."
