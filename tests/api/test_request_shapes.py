"""Hostile request shapes answer 400 with the one error body, never 500 (issue 16)."""

import pytest

from config.drf.parsers import MAX_JSON_DEPTH, json_depth_exceeds
from tests.support.api import assert_error, token_client

DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.django_db
def test_deep_json_to_the_token_endpoint_is_a_400_for_anyone(api_client):
    response = api_client.post("/api/v1/auth/token/", DEEP, content_type="application/json")
    body = assert_error(response, 400, "invalid")
    assert str(MAX_JSON_DEPTH) in body["message"]


@pytest.mark.django_db
def test_deep_json_inside_a_field_is_a_400(api_client):
    nested = "[" * 200 + "]" * 200
    body = f'{{"username": {nested}, "password": "x"}}'
    assert_error(
        api_client.post("/api/v1/auth/token/", body, content_type="application/json"), 400, "invalid"
    )


@pytest.mark.django_db
def test_deep_json_to_a_signed_in_post_is_a_400(wuhou_investigator):
    response = token_client(wuhou_investigator).post("/api/v1/cases/", DEEP, content_type="application/json")
    assert_error(response, 400, "invalid")


@pytest.mark.django_db
def test_deep_json_message_follows_accept_language(api_client):
    response = api_client.post(
        "/api/v1/auth/token/", DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    body = assert_error(response, 400, "invalid")
    assert "层" in body["message"], body


@pytest.mark.django_db
def test_nan_is_not_json(api_client):
    body = '{"username": NaN, "password": "x"}'
    assert_error(
        api_client.post("/api/v1/auth/token/", body, content_type="application/json"), 400, "invalid"
    )


def test_depth_is_measured_without_recursion():
    value: list = []
    for _ in range(100_000):
        value = [value]
    assert json_depth_exceeds(value)
    assert not json_depth_exceeds({"a": [[{"b": 1}]]})
    assert not json_depth_exceeds([[]] * 10, limit=2)
    assert json_depth_exceeds([[[]]], limit=2)
