"""Request id, oversized-body handling and the language of pages."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware as _DjangoLocaleMiddleware
from django.utils.translation import gettext as _

from core import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_address(request) -> str | None:
    # The reverse proxy is trusted to set X-Real-IP; anything else falls back to the socket peer.
    address = request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR")
    return address or None


class RequestIdMiddleware:
    """Give every request an id (kept from X-Request-ID when well formed) for logs and audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
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


def too_large_response(request) -> HttpResponse:
    message = _("The request body is larger than the server accepts.")
    if request.path_info.startswith("/api/"):
        return JsonResponse({"code": "too_large", "message": message, "fields": {}}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class RequestSizeLimitMiddleware:
    """Answer 413 before reading a body whose declared length is over the limit.

    Django answers an oversized form body with 400 and has no limit on file parts at all; the
    declared Content-Length is checked here against the largest upload plus room for the form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
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
