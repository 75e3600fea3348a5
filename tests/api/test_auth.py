"""Token sign-in with expiry, use, revocation, sign-out; lockout through the token endpoint."""

import hashlib
import string
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.utils import timezone
from django.utils.crypto import get_random_string
from rest_framework.test import APIClient

from core.models import AuditEvent
from organisation.models import ApiToken, LoginThrottle
from tests.support.api import ENGLISH, assert_error, session_client

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
ME_URL = "/api/v1/me/"


def obtain(client, username, password):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def with_token(token: str) -> APIClient:
    client = APIClient(**ENGLISH)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def signals_sent():
    sent = []

    def receiver(signal_name):
        def record(sender, **kwargs):
            sent.append((signal_name, kwargs.get("user"), kwargs.get("request")))

        return record

    receivers = {
        user_logged_in: receiver("logged_in"),
        user_logged_out: receiver("logged_out"),
        user_login_failed: receiver("login_failed"),
    }
    for signal, func in receivers.items():
        signal.connect(func)
    yield sent
    for signal, func in receivers.items():
        signal.disconnect(func)


@pytest.mark.django_db
def test_token_obtained_with_expiry_in_shanghai_time_and_only_its_digest_stored(
    api_client, wuhou_investigator, password, signals_sent
):
    before = timezone.now()
    response = obtain(api_client, "wuhou_investigator", password)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expiry"}
    assert body["expiry"].endswith("+08:00")
    expiry = timezone.datetime.fromisoformat(body["expiry"])
    ttl = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert before + ttl - timedelta(seconds=5) <= expiry <= timezone.now() + ttl
    stored = ApiToken.objects.get(user=wuhou_investigator)
    assert stored.digest == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in {stored.digest, str(stored.pk)}
    assert len(body["token"]) >= 40
    assert [(name, user) for name, user, _ in signals_sent] == [("logged_in", wuhou_investigator)]


@pytest.mark.django_db
def test_each_sign_in_gets_a_different_token(api_client, wuhou_investigator, password):
    first = obtain(api_client, "wuhou_investigator", password).json()["token"]
    second = obtain(api_client, "wuhou_investigator", password).json()["token"]
    assert first != second
    assert ApiToken.objects.filter(user=wuhou_investigator).count() == 2


@pytest.mark.django_db
def test_token_authenticates_requests(api_client, wuhou_investigator, password):
    token = obtain(api_client, "wuhou_investigator", password).json()["token"]

    response = with_token(token).get(ME_URL)

    assert response.status_code == 200
    assert response.json()["user"]["username"] == "wuhou_investigator"


@pytest.mark.django_db
def test_token_endpoint_ignores_a_stale_token_sent_along(api_client, wuhou_investigator, password):
    stale = with_token("not-a-real-token")

    response = obtain(stale, "wuhou_investigator", password)

    assert response.status_code == 200


@pytest.mark.django_db
def test_bad_credentials_are_refused_with_a_clear_message(api_client, wuhou_investigator, signals_sent):
    body = assert_error(
        obtain(api_client, "wuhou_investigator", "wrong-password"), 400, "invalid_credentials"
    )

    assert "password" in body["message"]
    assert body["fields"] == {}
    assert not ApiToken.objects.exists()
    assert [name for name, _, _ in signals_sent] == ["login_failed"]


@pytest.mark.django_db
def test_unknown_user_gets_the_same_answer_as_a_wrong_password(api_client, wuhou_investigator):
    unknown = obtain(api_client, "nobody_here", "whatever-password").json()
    wrong = obtain(api_client, "wuhou_investigator", "whatever-password").json()
    assert unknown == wrong


@pytest.mark.django_db
def test_missing_fields_are_field_errors(api_client):
    body = assert_error(api_client.post(TOKEN_URL, {}, format="json"), 400, "invalid")
    assert set(body["fields"]) == {"username", "password"}


@pytest.mark.django_db
def test_inactive_user_cannot_obtain_a_token(api_client, wuhou_investigator, password):
    wuhou_investigator.is_active = False
    wuhou_investigator.save(update_fields=["is_active"])
    assert_error(obtain(api_client, "wuhou_investigator", password), 400, "invalid_credentials")


@pytest.mark.django_db
def test_lockout_after_repeated_failures_refuses_even_the_right_password(
    api_client, wuhou_investigator, password
):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        assert_error(obtain(api_client, "wuhou_investigator", "wrong-password"), 400, "invalid_credentials")
    # The failure that locks the account already says so.
    assert_error(obtain(api_client, "wuhou_investigator", "wrong-password"), 429, "locked_out")

    response = obtain(api_client, "wuhou_investigator", password)

    body = assert_error(response, 429, "locked_out")
    locked_until = timezone.localtime(LoginThrottle.objects.get(username="wuhou_investigator").locked_until)
    assert locked_until.strftime("%Y-%m-%d %H:%M") in body["message"]
    assert 0 < int(response["Retry-After"]) <= settings.LOGIN_LOCKOUT_MINUTES * 60
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_sign_in_works_again_when_the_lockout_ends(api_client, wuhou_investigator, password):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        obtain(api_client, "wuhou_investigator", "wrong-password")
    LoginThrottle.objects.filter(username="wuhou_investigator").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )

    assert obtain(api_client, "wuhou_investigator", password).status_code == 200


@pytest.mark.django_db
def test_expired_token_is_refused(api_client, wuhou_investigator, password):
    token = obtain(api_client, "wuhou_investigator", password).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = with_token(token).get(ME_URL)

    body = assert_error(response, 401, "not_authenticated")
    assert "expired" in body["message"]
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_unknown_token_is_refused(wuhou_investigator):
    assert_error(with_token("x" * 43).get(ME_URL), 401, "not_authenticated")


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token ä"])
@pytest.mark.django_db
def test_malformed_token_header_is_refused(header):
    client = APIClient(**ENGLISH)
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get(ME_URL), 401, "not_authenticated")


@pytest.mark.django_db
def test_token_of_a_disabled_user_is_refused(api_client, wuhou_investigator, password):
    token = obtain(api_client, "wuhou_investigator", password).json()["token"]
    wuhou_investigator.is_active = False
    wuhou_investigator.save(update_fields=["is_active"])

    assert_error(with_token(token).get(ME_URL), 401, "not_authenticated")


@pytest.mark.django_db
def test_last_used_is_recorded_at_most_once_a_minute(api_client, wuhou_investigator, password):
    client = with_token(obtain(api_client, "wuhou_investigator", password).json()["token"])
    client.get(ME_URL)
    first_use = ApiToken.objects.get().last_used_at
    assert first_use is not None

    client.get(ME_URL)
    assert ApiToken.objects.get().last_used_at == first_use

    ApiToken.objects.update(last_used_at=first_use - timedelta(minutes=2))
    client.get(ME_URL)
    assert ApiToken.objects.get().last_used_at > first_use - timedelta(minutes=2)


@pytest.mark.django_db
def test_logout_revokes_the_token(api_client, wuhou_investigator, password, signals_sent):
    token = obtain(api_client, "wuhou_investigator", password).json()["token"]
    client = with_token(token)

    response = client.post(LOGOUT_URL)

    assert response.status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    body = assert_error(client.get(ME_URL), 401, "not_authenticated")
    assert "revoked" in body["message"]
    assert ("logged_out", wuhou_investigator) in [(name, user) for name, user, _ in signals_sent]


@pytest.mark.django_db
def test_logout_revokes_only_the_token_used(api_client, wuhou_investigator, password):
    kept = obtain(api_client, "wuhou_investigator", password).json()["token"]
    revoked = obtain(api_client, "wuhou_investigator", password).json()["token"]

    with_token(revoked).post(LOGOUT_URL)

    assert with_token(kept).get(ME_URL).status_code == 200
    assert with_token(revoked).get(ME_URL).status_code == 401


@pytest.mark.django_db
def test_logout_ends_a_browser_session(wuhou_investigator, signals_sent):
    client = session_client(wuhou_investigator)
    # What a page of the site leaves in the browser: the CSRF cookie, echoed in the header.
    secret = get_random_string(32, allowed_chars=string.ascii_letters + string.digits)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    assert client.get(ME_URL).status_code == 200

    response = client.post(LOGOUT_URL, HTTP_X_CSRFTOKEN=secret)

    assert response.status_code == 204
    assert_error(client.get(ME_URL), 401, "not_authenticated")
    assert ("logged_out", wuhou_investigator) in [(name, user) for name, user, _ in signals_sent]


@pytest.mark.django_db
def test_session_logout_needs_the_csrf_token(wuhou_investigator):
    client = session_client(wuhou_investigator)

    assert_error(client.post(LOGOUT_URL), 403, "permission_denied")
    assert client.get(ME_URL).status_code == 200


@pytest.mark.django_db
def test_logout_needs_authentication(api_client):
    assert_error(api_client.post(LOGOUT_URL), 401, "not_authenticated")


@pytest.mark.django_db
def test_token_sign_in_failure_and_sign_out_are_in_the_audit_trail(
    api_client, wuhou_investigator, password, settings
):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's peer, so its X-Request-ID is believed
    obtain(api_client, "wuhou_investigator", "wrong-password")
    token = obtain(api_client, "wuhou_investigator", password).json()["token"]
    with_token(token).post(LOGOUT_URL, HTTP_X_REQUEST_ID="logout-request-0001")

    events = list(
        AuditEvent.objects.order_by("id").values("action", "actor_username", "payload", "request_id")
    )
    assert [event["action"] for event in events] == ["auth.login_failed", "auth.login", "auth.logout"]
    assert events[0]["payload"]["username"] == "wuhou_investigator"
    assert "password" not in str(events[0]["payload"])
    assert events[1]["actor_username"] == events[2]["actor_username"] == "wuhou_investigator"
    assert events[2]["request_id"] == "logout-request-0001"
