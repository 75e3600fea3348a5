"""Request id and client address, oversized bodies, no-store caching and the language of pages."""

import functools
import ipaddress
import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware as _DjangoLocaleMiddleware
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
TOO_LARGE = "too_large"


@functools.lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _parse(address: str | None):
    try:
        return ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None


def _is_trusted(address) -> bool:
    if address is None:
        return False
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def from_trusted_proxy(request) -> bool:
    """Return whether the socket peer is one of TRUSTED_PROXIES, whose headers may be believed."""
    return _is_trusted(_parse(request.META.get("REMOTE_ADDR")))


def client_address(request) -> str | None:
    """Return the client's address: the socket peer, or what a trusted proxy says it forwarded for.

    A client can send any X-Real-IP or X-Forwarded-For it likes; only a peer listed in
    TRUSTED_PROXIES is believed. X-Forwarded-For is read from the right, skipping the trusted
    proxies' own entries, because anything to the left of the first proxy was written by the client.
    """
    peer = request.META.get("REMOTE_ADDR") or None
    if not _is_trusted(_parse(peer)):
        return peer
    real_ip = _parse(request.META.get("HTTP_X_REAL_IP"))
    if real_ip is not None:
        return real_ip.compressed
    chain = [_parse(item) for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if chain and all(address is not None for address in chain):
        for address in reversed(chain):
            if not _is_trusted(address):
                return address.compressed
        return chain[0].compressed
    return peer


def _request_id(request) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "") if from_trusted_proxy(request) else ""
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Give every request an id for logs and audit events (a trusted proxy's X-Request-ID if well formed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _request_id(request)
        token = context.activate(context.RequestContext(request.request_id, client_address(request)))
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request.request_id
        return response

    def process_exception(self, request, exception):
        # Django reports an oversized body as a 400; the client deserves 413 and a clear reason.
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        return None


class NoStoreMiddleware:
    """Forbid every cache to keep any response but a static asset.

    Pages, API answers, CSV exports and PDFs of a signed-in user carry case data; one rule for all
    of them (rather than a decorator per view) leaves no view to forget. A view's own
    Cache-Control is replaced, not merged, so nothing can make case data cacheable again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


def too_large_response(request) -> HttpResponse:
    """Answer 413 with the code too_large and a message in the active language (API: JSON; pages: HTML)."""
    message = _("The request body is larger than the server accepts.")
    if request.path_info.startswith("/api/"):
        return JsonResponse({"code": TOO_LARGE, "message": message, "fields": {}}, status=413)
    try:
        body = render_to_string("413.html", {"code": TOO_LARGE, "message": message}, request=request)
        content_type = "text/html; charset=utf-8"
    except Exception:  # the refusal must not fail on a template problem
        body, content_type = f"{TOO_LARGE}: {message}", "text/plain; charset=utf-8"
    response = HttpResponse(body, status=413, content_type=content_type)
    response["X-Error-Code"] = TOO_LARGE
    return response


def _multipart(request) -> bool:
    return request.META.get("CONTENT_TYPE", "").startswith("multipart/")


class RequestSizeLimitMiddleware:
    """Answer 413 to a body over the limit, before any middleware or view reads it.

    Django answers an oversized form body with 400 (raised while the CSRF middleware reads the
    form, where no view's exception handling sees it) and has no limit on file parts at all. So,
    in the request's language (this runs after LocaleMiddleware):

    - a declared Content-Length over the largest upload plus room for the form is refused unread;
    - a body that is not multipart is held to DATA_UPLOAD_MAX_MEMORY_SIZE, as Django would;
    - a page's multipart form is parsed here, so a field over the limit is refused here too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > settings.UPLOAD_MAX_BYTES + (limit or 0):
            return too_large_response(request)
        if limit is not None and length > limit and not _multipart(request):
            return too_large_response(request)
        if request.method == "POST" and _multipart(request) and not request.path_info.startswith("/api/"):
            try:
                request.POST  # noqa: B018 - parse now, as the CSRF middleware would a moment later
            except RequestDataTooBig:
                return too_large_response(request)
        return self.get_response(request)


class LocaleMiddleware(_DjangoLocaleMiddleware):
    """Speak Chinese on pages unless the user chose English; let API clients ask by Accept-Language.

    Officers' browsers often send an English Accept-Language on machines nobody configured, so pages
    follow only the explicit choice (the language cookie); API clients ask per request.
    """

    def process_request(self, request):
        if not request.path_info.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
