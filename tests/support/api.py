"""API clients as a caller would hold them, and the check of the single error body."""

from rest_framework.test import APIClient

from organisation.authentication import api_token_issue

ERROR_KEYS = {"code", "message", "fields"}
# Messages are asserted in English; Chinese is the default, asked for by no Accept-Language.
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def token_client(user) -> APIClient:
    """Return a client that sends a fresh token for the user, as an API client would."""
    _, token = api_token_issue(user=user)
    client = APIClient(**ENGLISH)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def session_client(user) -> APIClient:
    """Return a client signed in with a browser session (CSRF enforced, as in a browser)."""
    client = APIClient(enforce_csrf_checks=True, **ENGLISH)
    client.force_login(user)
    return client


def assert_error(response, status: int, code: str):
    """Assert the response is the single error body with this status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body["message"]
    return body
