"""Client address and request id come from the proxy headers only when TRUSTED_PROXIES says so."""

import pytest
from django.http import JsonResponse
from django.test import RequestFactory

from core import context
from core.middleware import RequestIdMiddleware, client_address
from core.models import AuditEvent
from tests.support.factories.organisation import UserFactory

FORGED = {
    "HTTP_X_REAL_IP": "203.0.113.66",
    "HTTP_X_FORWARDED_FOR": "203.0.113.77",
    "HTTP_X_REQUEST_ID": "forged-request-id-0001",
}


def _seen(request):
    current = context.current()
    return JsonResponse({"request_id": current.request_id, "address": current.client_address})


def _through_middleware(**meta):
    request = RequestFactory().get("/", **meta)
    response = RequestIdMiddleware(_seen)(request)
    import json

    return response, json.loads(response.content)


def test_headers_from_an_untrusted_peer_are_ignored(settings):
    settings.TRUSTED_PROXIES = []
    response, seen = _through_middleware(REMOTE_ADDR="198.51.100.9", **FORGED)

    assert seen["address"] == "198.51.100.9"
    assert seen["request_id"] != "forged-request-id-0001"
    assert response["X-Request-ID"] == seen["request_id"]


def test_a_peer_outside_the_trusted_networks_is_not_believed(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    _, seen = _through_middleware(REMOTE_ADDR="198.51.100.9", **FORGED)
    assert seen == {"request_id": seen["request_id"], "address": "198.51.100.9"}
    assert seen["request_id"] != "forged-request-id-0001"


@pytest.mark.parametrize("proxy", ["10.1.2.3", "192.0.2.1"])
def test_a_trusted_proxy_sets_address_and_request_id(settings, proxy):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    _, seen = _through_middleware(REMOTE_ADDR=proxy, **FORGED)
    assert seen == {"request_id": "forged-request-id-0001", "address": "203.0.113.66"}


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        # The client may prepend anything; the rightmost address not of a trusted proxy is the client.
        ("1.1.1.1, 203.0.113.5", "203.0.113.5"),
        ("1.1.1.1, 203.0.113.5, 10.9.9.9", "203.0.113.5"),
        ("10.1.1.1, 10.2.2.2", "10.1.1.1"),
        ("garbage", "10.1.2.3"),
    ],
)
def test_forwarded_for_through_trusted_proxies(settings, forwarded_for, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == expected


def test_a_trusted_proxy_with_a_malformed_request_id_gets_a_fresh_one(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    _, seen = _through_middleware(REMOTE_ADDR="10.1.2.3", HTTP_X_REQUEST_ID="bad id!")
    assert len(seen["request_id"]) == 32


def test_an_audited_login_records_the_peer_not_a_client_chosen_address(db, client, password, settings):
    settings.TRUSTED_PROXIES = []
    UserFactory(username="staff_officer_proxy", is_staff=True)
    response = client.post(
        "/admin/login/",
        {"username": "staff_officer_proxy", "password": password},
        REMOTE_ADDR="198.51.100.4",
        **FORGED,
    )
    assert response.status_code == 302

    login = AuditEvent.objects.get(action="auth.login")
    assert login.client_address == "198.51.100.4"
    assert login.request_id != "forged-request-id-0001"
    assert response["X-Request-ID"] == login.request_id
