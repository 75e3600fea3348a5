"""Every endpoint under /api/v1/ refuses system administrators and auditors, and anonymous requests.

The endpoints are found by walking the URL configuration, so an endpoint added later is covered
without touching this file. Only the shared directory and the sign-in endpoints are exempt.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from core.apis import api_not_found
from tests.support.api import ERROR_KEYS, session_client, token_client

API_PREFIX = "api/v1/"
# Readable by every signed-in user: the sign-in endpoints, the user's own account, the unit directory.
SHARED = {
    "api/v1/auth/token/",
    "api/v1/auth/logout/",
    "api/v1/me/",
    "api/v1/units/",
    "api/v1/units/<str:code>/",
    # Personal notifications: each user reads only their own, and none about cases reach
    # administrators or auditors (they hold no role that would be told).
    "api/v1/notifications/",
    "api/v1/notifications/read-all/",
    "api/v1/notifications/<int:pk>/read/",
    # Verification answers by code (or file) to anyone signed in, as DESIGN.md says: whoever holds a
    # document may check it; it tells issuer, number, kind, date and status, nothing of the case.
    "api/v1/documents/verify/",
    # The expert pool and the liaison register are shared directories (DESIGN.md); contact details
    # are withheld from users without an operational role, and only a unit's head or liaison
    # officer changes entries (tests/organisation/test_register_api.py).
    "api/v1/experts/",
    "api/v1/experts/<int:pk>/",
    "api/v1/experts/<int:pk>/end/",
    "api/v1/specialties/",
    "api/v1/liaisons/",
    "api/v1/liaisons/<int:pk>/",
    "api/v1/liaisons/<int:pk>/end/",
}
# The audit trail: auditors only (tests/core/test_audit_view.py); everyone else, the system
# administrator included, gets 404.
AUDIT = {"api/v1/audit-events/", "api/v1/audit-events/export/", "api/v1/audit-chain/"}
OPEN_TO_ANONYMOUS = {"api/v1/auth/token/"}
# Sample values for path parameters, by name; an unknown name falls back to its converter's sample.
SAMPLE_KWARGS = {"code": "510107", "year": "2026", "name": "submit"}
CONVERTER_SAMPLES = {
    "int": "1",
    "str": "1",
    "slug": "sample",
    "uuid": "00000000-0000-4000-8000-000000000001",
    "path": "x",
}
METHODS = ["get", "post", "put", "patch", "delete"]


def _route(pattern) -> str:
    text = str(pattern.pattern)
    if hasattr(pattern.pattern, "_route"):
        return text
    # A regex pattern: keep it readable and fillable ("^", "$" dropped).
    return text.removeprefix("^").removesuffix("$").removesuffix("\\Z")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + _route(pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + _route(pattern), pattern.callback


def _fill(route: str) -> str:
    def route_sample(match):
        converter, name = match.group(1) or "str", match.group(2)
        return SAMPLE_KWARGS.get(name) or CONVERTER_SAMPLES[converter]

    url = re.sub(r"<(?:(\w+):)?(\w+)>", route_sample, route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE_KWARGS.get(m.group(1), "1"), url)
    assert not re.search(r"[\\^$()\[\]*+?{}|]", url), f"add a sample for the regex route {route!r}"
    return "/" + url


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(actions)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return ["get", "post"]
    return [method for method in METHODS if hasattr(view_class, method)]


def api_endpoints() -> list[tuple[str, str, list[str]]]:
    endpoints = []
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX) or callback is api_not_found:
            continue
        url = _fill(route)
        assert resolve(url).func is callback, f"{route}: the sample URL {url} resolves to another view"
        endpoints.append((route, url, _methods(callback)))
    return endpoints


ENDPOINTS = api_endpoints()
CASE_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if endpoint[0] not in SHARED]


def test_the_walk_finds_the_endpoints():
    routes = {route for route, _, _ in ENDPOINTS}
    assert routes >= SHARED
    assert "api/v1/inbox/" in {route for route, _, _ in CASE_ENDPOINTS}


# Each persona with every endpoint it may not use: the auditor reads the audit trail, nothing else.
REFUSED = [
    (persona, *endpoint)
    for persona in ("system_admin", "auditor")
    for endpoint in CASE_ENDPOINTS
    if not (persona == "auditor" and endpoint[0] in AUDIT)
]


@pytest.mark.parametrize("auth", ["token", "session"])
@pytest.mark.parametrize(
    ("persona", "route", "url", "methods"),
    REFUSED,
    ids=[f"{persona}-{route}" for persona, route, _, _ in REFUSED],
)
@pytest.mark.django_db
def test_administrators_and_auditors_get_nothing_from_case_endpoints(
    request, persona, auth, route, url, methods
):
    user = request.getfixturevalue(persona)
    client = token_client(user) if auth == "token" else session_client(user)
    if auth == "session":
        # Past the CSRF check, so that what is tested is the permission, not the missing token.
        client.handler.enforce_csrf_checks = False
    assert methods, route
    for method in methods:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code in (403, 404), (method, url, response.status_code, response.content)
        body = response.json()
        assert set(body) == ERROR_KEYS, (method, url, body)
        assert body["fields"] == {}


@pytest.mark.parametrize(
    ("route", "url", "methods"),
    [endpoint for endpoint in ENDPOINTS if endpoint[0] not in OPEN_TO_ANONYMOUS],
    ids=[route for route, _, _ in ENDPOINTS if route not in OPEN_TO_ANONYMOUS],
)
@pytest.mark.django_db
def test_anonymous_requests_get_401_in_the_error_format(api_client, route, url, methods):
    for method in methods:
        response = getattr(api_client, method)(url, {}, format="json")
        assert response.status_code == 401, (method, url, response.status_code, response.content)
        body = response.json()
        assert set(body) == ERROR_KEYS
        assert body["code"] == "not_authenticated"
