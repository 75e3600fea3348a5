"""API helpers shared by every app: the single error body and pagination."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    """A transition or write lost a race: the object moved on."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail=None, *, current_state: str | None = None):
        super().__init__(detail or _("The object was changed by someone else; reload it and try again."))
        self.current_state = current_state


_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def _flatten(detail):
    if isinstance(detail, list):
        return [str(item) for item in detail] if all(not isinstance(i, dict | list) for i in detail) else detail
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    return [str(detail)]


def exception_handler(exc, context):
    """Answer every API error as {"code", "message", "fields"} with a translated message."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _CODES.get(response.status_code, "error")
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": _flatten(exc.detail)}
        message = _("The input is not valid; see the field errors.")
        non_field = fields.get("non_field_errors")
        if isinstance(non_field, list) and non_field and len(fields) == 1:
            message = non_field[0]
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        message = str(detail) if not isinstance(detail, dict | list) else _("The request failed.")
        if isinstance(exc, exceptions.APIException):
            code = getattr(exc, "custom_code", None) or code
    body = {"code": code, "message": message, "fields": fields}
    if isinstance(exc, Conflict) and exc.current_state is not None:
        body["current_state"] = exc.current_state
    return Response(body, status=response.status_code, headers=response.headers if hasattr(response, "headers") else None)


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: a deep page costs the same as the first."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
