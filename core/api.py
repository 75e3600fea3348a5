"""API helpers shared by every app: the single error body, its schema, pagination, the bounded
integer inputs (ids, counts, filters) and the transition kit's API side. What DRF loads by name from
the settings (the JSON parser, the schema class, the token authentication) is in config/drf/.
"""

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, pagination, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import Conflict, DomainError, NotAllowed
from core.filters import IdFilter, IntegerFilter  # noqa: F401 (the API's kit)
from core.guards import holds_role_anywhere, transition_refused
from core.ids import MAX_ID, MAX_INT
from core.steps import check_transition, reasons_text


class _ConflictError(exceptions.APIException):
    """core.exceptions.Conflict as DRF answers it (409 with the current state)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, conflict: Conflict):
        super().__init__(str(conflict.message))
        self.current_state = conflict.current_state
        if conflict.code != Conflict.code:
            self.custom_code = conflict.code


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
    conflict = exc if isinstance(exc, Conflict) else None
    if conflict is not None:
        exc = _ConflictError(conflict)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, NotAllowed) and exc.message is not NotAllowed.default_message:
        exc = exceptions.PermissionDenied(str(exc.message), code=exc.code)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DomainError) and not isinstance(exc, DjangoValidationError):
        exc = ApiError(exc.message, code=exc.code)
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
    if isinstance(exc, _ConflictError) and exc.current_state is not None:
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


def inline_choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field whose enum is written inline: several resources have a differently valued "kind"."""
    field_class = extend_schema_field({"type": "string", "enum": [value for value, _label in choices]})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


class OfficerRefSerializer(serializers.Serializer):
    """An officer as every resource names one: username and full name."""

    username = serializers.CharField()
    full_name = serializers.CharField(source="display_name")


# --- bounded integers ----------------------------------------------------------------------------


def IdField(**kwargs) -> serializers.IntegerField:
    """Return a serializer field for the id of a row: an integer from 1 to the largest bigint."""
    kwargs.setdefault("min_value", 1)
    kwargs.setdefault("max_value", MAX_ID)
    return serializers.IntegerField(**kwargs)


def CountField(*, max_value: int = MAX_INT, min_value: int = 0, **kwargs) -> serializers.IntegerField:
    """Return a serializer field for a count or a number of days: bounded on both sides."""
    return serializers.IntegerField(min_value=min_value, max_value=max_value, **kwargs)


# --- the transition kit's API side ---------------------------------------------------------------


def _serializer_field(form_field: forms.Field, *, required: bool | None = None) -> serializers.Field:
    """Describe a form field as the DRF field the schema shows (the form itself parses the input).

    `required` overrides the form's (DRF rebuilds a declared field from its arguments, so it must be
    given here, not set on the field afterwards).
    """
    common = {
        "required": form_field.required if required is None else required,
        "help_text": form_field.help_text or None,
    }
    if not common["required"] and form_field.initial not in (None, "") and not callable(form_field.initial):
        # What a form fills in for a field left out is its initial value: the schema shows it as the default.
        common["default"] = form_field.initial
    if getattr(form_field, "takes_objects", False):
        # A list of JSON objects (e.g. the defects of a return): the form field checks each one.
        return serializers.ListField(child=serializers.DictField(), **common)
    if isinstance(form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField) or getattr(
        form_field, "takes_list", False
    ):
        choices = [value for value, _label in getattr(form_field, "choices", ()) if value != ""]
        child = serializers.ChoiceField(choices=choices) if choices else serializers.CharField()
        return serializers.ListField(child=child, **common)
    if isinstance(form_field, forms.ModelChoiceField):
        if form_field.to_field_name:
            return serializers.CharField(**common)
        return IdField(**common)
    if isinstance(form_field, forms.TypedChoiceField | forms.ChoiceField):
        choices = [(value, label) for value, label in form_field.choices if value != ""]
        return serializers.ChoiceField(choices=choices, **common)
    if isinstance(form_field, forms.BooleanField):
        return serializers.BooleanField(**{**common, "required": False})
    if isinstance(form_field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=form_field.min_value, max_value=form_field.max_value, **common
        )
    if isinstance(form_field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=form_field.max_digits, decimal_places=form_field.decimal_places, **common
        )
    if isinstance(form_field, forms.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(form_field, forms.DateField):
        return serializers.DateField(**common)
    if not form_field.required and "default" not in common:
        # A form gives "" for a text field left out; the schema says so.
        common["default"] = ""
    return serializers.CharField(
        # Sent blank, a field its step requires is refused: the schema says so even where it may be left out.
        max_length=getattr(form_field, "max_length", None),
        allow_blank=not form_field.required,
        **common,
    )


def step_input_serializer(machine, *, name: str, expected_state_help=None) -> type[serializers.Serializer]:
    """Return the serializer that describes a machine's step input in the schema.

    It is the union of the fields of the API steps' forms (a field is required only where every
    step needs it: which step needs what is the step's form's business), plus `expected_state`.
    """
    fields: dict[str, serializers.Field] = {}
    for step in machine.steps:
        if not step.api or step.form is None:
            continue
        for field_name, form_field in step.form.base_fields.items():
            if field_name not in fields:
                fields[field_name] = _serializer_field(form_field, required=False)
    state_field = machine.model._meta.get_field(machine.state_field)
    fields["expected_state"] = serializers.ChoiceField(
        choices=list(state_field.choices),
        required=False,
        help_text=expected_state_help,
    )
    return type(name, (serializers.Serializer,), fields)


def _form_data(form_class, data) -> dict:
    """Return the JSON body as the data a form reads, refusing values of the wrong shape (400)."""
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("The body must be a JSON object.")]})
    shaped = {}
    for field_name, form_field in form_class.base_fields.items() if form_class else ():
        if field_name not in data:
            continue
        value = data[field_name]
        if getattr(form_field, "takes_objects", False):
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise exceptions.ValidationError({field_name: [_("Expected a list of objects.")]})
            shaped[field_name] = value
            continue
        takes_list = isinstance(
            form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
        ) or getattr(form_field, "takes_list", False)
        if takes_list:
            if not isinstance(value, list) or any(isinstance(item, dict | list) for item in value):
                raise exceptions.ValidationError({field_name: [_("Expected a list of values.")]})
        elif isinstance(value, dict | list):
            raise exceptions.ValidationError({field_name: [_("Expected a single value.")]})
        elif value is None:
            continue
        elif isinstance(value, bool) and not isinstance(form_field, forms.BooleanField):
            raise exceptions.ValidationError({field_name: [_("Expected a single value.")]})
        shaped[field_name] = value if takes_list else (value if isinstance(value, bool) else str(value))
    return shaped


class _ListData(dict):
    """A dict that answers getlist() as a QueryDict does, for forms' multiple-value widgets."""

    def getlist(self, key, default=None):
        value = self.get(key, default if default is not None else [])
        return value if isinstance(value, list) else [value]


def step_input(machine, name: str, data, *, instance=None) -> tuple[dict, str | None]:
    """Parse an API step's body with the step's form: return (values for the service, expected_state).

    A field error answers 400 naming the field; an `expected_state` that is no state of the machine too.
    """
    step = machine.step(name)
    expected = data.get("expected_state") if isinstance(data, dict) else None
    state_values = {value for value, _label in machine.model._meta.get_field(machine.state_field).choices}
    if expected is not None and expected not in state_values:
        raise exceptions.ValidationError({"expected_state": [_("Not a state of this object.")]})
    if step.form is None:
        _form_data(None, data)
        return {}, expected
    form = step.form(data=_ListData(_form_data(step.form, data)), **step.form_kwargs(instance))
    if not form.is_valid():
        raise exceptions.ValidationError(
            {key: [str(message) for message in messages] for key, messages in form.errors.items()}
        )
    return dict(form.cleaned_data), expected


class StepApi(APIView):
    """`POST …/{pk}/transitions/{name}/`: take a step of the object's machine (the one generic API view).

    A subclass names its `machine` and says how to find the object the user may see (`get_object`,
    404 otherwise) and what to answer (`respond`; what the service returned is `self.result`, e.g. the
    new draft of a correction); `step_api_schema` describes it. The order is the project's: 404 for
    an object out of sight or no such step, 403 for one who may not take the step (before the body
    is read), 400 for the input, 409 when the object moved on.
    """

    machine = None
    result = None

    def get_object(self, request, **kwargs):
        raise NotImplementedError

    def respond(self, request, instance, **kwargs) -> Response:
        raise NotImplementedError

    def post(self, request, name: str, **kwargs):
        instance = self.get_object(request, **kwargs)
        step = self.machine.step(name)
        if step is None or not step.api:
            raise Http404(name)
        check = check_transition(instance, name, request.user)
        if check.refused:
            # With the step's reason when its rule says who decides (core.steps.Step.refusal).
            raise exceptions.PermissionDenied(reasons_text(check.reasons) if check.reasons else None)
        values, expected = step_input(self.machine, name, request.data, instance=instance)
        self.result = self.machine.take(
            instance, name, by=request.user, values=values, expected_state=expected
        )
        return self.respond(request, instance, **kwargs)


def step_api_schema(
    *,
    operation_id: str,
    response,
    tags=None,
    name_param: str = "name",
    description=None,
    expected_state_help=None,
):
    """Describe a StepApi subclass in the schema: its step names, the union input, the error body."""

    def decorator(view_class):
        machine = view_class.machine
        # Named as the hand-written input serializers were, so the schema's components keep their names.
        request = step_input_serializer(
            machine,
            name=f"{view_class.__name__.removesuffix('Api')}InputSerializer",
            expected_state_help=expected_state_help,
        )
        schema = extend_schema(
            operation_id=operation_id,
            tags=tags,
            description=description,
            parameters=[
                OpenApiParameter(name_param, str, OpenApiParameter.PATH, enum=machine.names(api=True))
            ],
            request=request,
            responses={200: response, **error_responses(400, 401, 403, 404, 409)},
        )
        # A route that names its step in the path (`…/approve/`) describes the same input.
        view_class.input_serializer = request
        return extend_schema_view(post=schema)(view_class)

    return decorator
