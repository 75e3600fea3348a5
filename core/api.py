"""API helpers shared by every app: the single error body, its schema, pagination, the JSON parser
with a depth limit and the bounded integer inputs (ids, counts, filters).
"""

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, pagination, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.guards import holds_role_anywhere, transition_refused
from core.ids import MAX_ID, MAX_INT
from core.parsers import MAX_JSON_DEPTH, JSONParser, json_depth_exceeds  # noqa: F401 (the API's kit)


class Conflict(exceptions.APIException):
    """A transition or write lost a race: the object moved on."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail=None, *, current_state: str | None = None):
        super().__init__(detail or _("The object was changed by someone else; reload it and try again."))
        self.current_state = current_state


class ApiError(exceptions.APIException):
    """An error that names its own code in the error body, e.g. `invalid_credentials` or `locked_out`.

    `retry_after` (seconds) becomes a Retry-After header.
    """

    def __init__(
        self, message, *, code: str, status_code: int = status.HTTP_400_BAD_REQUEST, retry_after=None
    ):
        super().__init__(message, code=code)
        self.status_code = status_code
        self.custom_code = code
        if retry_after is not None:
            # DRF's handler turns `wait` into the Retry-After header.
            self.wait = max(int(retry_after), 1)


_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def _flatten(detail):
    if isinstance(detail, list):
        return (
            [str(item) for item in detail] if all(not isinstance(i, dict | list) for i in detail) else detail
        )
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    return [str(detail)]


def _specific_code(exc: exceptions.APIException) -> str | None:
    """Return the code an API error was raised with when it is more specific than its class default.

    A permission class with `code = "no_case_data_access"` raises PermissionDenied(code=...); the
    code travels on the detail.
    """
    custom = getattr(exc, "custom_code", None)
    if custom:
        return custom
    code = getattr(exc.detail, "code", None)
    if (
        isinstance(code, str)
        and code != exc.default_code
        and not isinstance(exc, exceptions.AuthenticationFailed)
    ):
        return code
    return None


def exception_handler(exc, context):
    """Answer every API error as {"code", "message", "fields"} with a translated message."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _CODES.get(response.status_code, "error")
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = (
            _flatten(exc.detail)
            if isinstance(exc.detail, dict)
            else {"non_field_errors": _flatten(exc.detail)}
        )
        message = _("The input is not valid; see the field errors.")
        non_field = fields.get("non_field_errors")
        if isinstance(non_field, list) and non_field and len(fields) == 1:
            message = non_field[0]
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        message = str(detail) if not isinstance(detail, dict | list) else _("The request failed.")
        if isinstance(exc, exceptions.APIException):
            code = _specific_code(exc) or code
    body = error_body(code, message, fields)
    if isinstance(exc, Conflict) and exc.current_state is not None:
        body["current_state"] = exc.current_state
    # Keep WWW-Authenticate, Allow and Retry-After; the renderer sets the content type.
    headers = {key: value for key, value in response.headers.items() if key.lower() != "content-type"}
    return Response(body, status=response.status_code, headers=headers)


def refuse_unpermitted_transition(instance, name: str, user) -> None:
    """Raise PermissionDenied (403) when `user` may not take transition `name` of `instance` now.

    Call it after the object is found visible and before the body is validated: a user who may not
    act learns that first (403 before 400), whatever the body says. Only what the service would
    refuse with 403 is refused here (core.guards.transition_refused).
    """
    if transition_refused(instance, name, user):
        raise exceptions.PermissionDenied()


class RolesFirst(permissions.BasePermission):
    """Refuse a write (403) to one who holds none of the view's `write_roles`, before the body is read.

    DRF runs permissions in `initial()` and parses the body only when the view reads request.data,
    so a user who may not create learns that first (403 before 400, issue 16). A view that creates
    declares `write_roles` and lists this class after CaseDataAccess; the message is DRF's, in the
    request's language.
    """

    def has_permission(self, request, view):
        roles = getattr(view, "write_roles", None)
        if request.method in permissions.SAFE_METHODS or roles is None:
            return True
        return holds_role_anywhere(request.user, roles)


class ErrorSerializer(serializers.Serializer):
    """The single error body of every API response that is not a success."""

    code = serializers.CharField(
        help_text=gettext_lazy("Stable machine-readable code, e.g. not_found, locked_out.")
    )
    message = serializers.CharField(help_text=gettext_lazy("Translated message for people."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy("Errors per input field (400 only); empty otherwise."),
    )


_ERROR_DESCRIPTIONS = {
    400: gettext_lazy("The input is not valid."),
    401: gettext_lazy("Not signed in, or the token is expired or revoked."),
    403: gettext_lazy("Not allowed."),
    404: gettext_lazy("Not found, or not visible to this user."),
    409: gettext_lazy("The object moved on; reload it."),
    429: gettext_lazy("Too many attempts; retry later."),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Return OpenAPI responses for the given error statuses, all using the error body component."""
    return {
        status_code: OpenApiResponse(
            response=ErrorSerializer, description=_ERROR_DESCRIPTIONS.get(status_code, "")
        )
        for status_code in statuses
    }


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: a deep page costs the same as the first."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_schema_operation_parameters(self, view):
        # DRF clamps page_size itself; the schema says so, so that clients and the fuzzer know.
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class TimelineEntrySerializer(serializers.Serializer):
    """One row of an object's timeline (core.TimelineEntry), the same for every object type."""

    occurred_at = serializers.DateTimeField()
    actor_name = serializers.CharField()
    acting_unit_code = serializers.CharField()
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    note = serializers.CharField()


# --- bounded integers ----------------------------------------------------------------------------


def IdField(**kwargs) -> serializers.IntegerField:
    """Return a serializer field for the id of a row: an integer from 1 to the largest bigint."""
    kwargs.setdefault("min_value", 1)
    kwargs.setdefault("max_value", MAX_ID)
    return serializers.IntegerField(**kwargs)


def CountField(*, max_value: int = MAX_INT, min_value: int = 0, **kwargs) -> serializers.IntegerField:
    """Return a serializer field for a count or a number of days: bounded on both sides."""
    return serializers.IntegerField(min_value=min_value, max_value=max_value, **kwargs)


class _IdFormField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """A filter on a row id (`?case=12`): an integer from 1 to the largest bigint, else a 400.

    django-filter's NumberFilter parses a Decimal of any size, which the database then refuses.
    """

    field_class = _IdFormField


class IntegerFilter(django_filters.Filter):
    """A filter on a bounded integer column (`?year=2026`); give min_value and max_value."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int, max_value: int, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        self.min_value, self.max_value = min_value, max_value
        # drf-spectacular reads a filter's schema override from this attribute.
        self._spectacular_annotation = {
            "field": {"type": "integer", "minimum": min_value, "maximum": max_value}
        }
