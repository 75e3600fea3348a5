"""API views that belong to no app: the OpenAPI schema, Swagger UI, JSON errors for /api/, notifications,
and the audit trail for auditors (the events of their subtree, the CSV export, the chain).

Anyone who is not an auditor gets 404 from the audit endpoints (the JSON error body), as for any
object they may not see.
"""

import django_filters
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core import audit
from core.api import CursorPagination, error_body, error_responses
from core.audit_trail import (
    AuditFilterForm,
    audit_events_for,
    auditor_scope,
    chain_status,
    export_rows,
    filters_used,
)
from core.models import Notification
from core.notifications import notification_mark_all_read, notification_mark_read, notifications_for

API_PREFIX = "/api/"


@csrf_exempt  # a token client has no CSRF cookie, and a 404 changes nothing
def api_not_found(request, *args, **kwargs):
    """Answer a path under /api/ that no view serves with the JSON error body, for every method."""
    message = _("There is no API endpoint at this address.")
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            message = _("API addresses end with a slash: %(path)s") % {"path": request.path + "/"}
    return JsonResponse(error_body("not_found", message), status=404)


def server_error(request, *args, **kwargs):
    """Answer an unhandled error under /api/ with the JSON error body; elsewhere with the HTML page."""
    if request.path.startswith(API_PREFIX):
        message = _("The server failed to handle the request; the error has been logged.")
        return JsonResponse(error_body("server_error", message), status=500)
    return defaults.server_error(request, *args, **kwargs)


class SchemaApi(SpectacularAPIView):
    """The OpenAPI 3 schema, YAML by default, JSON with `?format=json`; for signed-in users only."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        # The negotiated renderer is the YAML or JSON schema renderer; errors keep the one JSON body.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class SwaggerApi(SpectacularSwaggerSplitView):
    """Swagger UI from the server's own static files, with its start-up script as a separate file.

    No inline script, so it runs under the strict Content-Security-Policy. A visitor who is not
    signed in is sent to the sign-in page.
    """

    permission_classes = [AllowAny]
    url_name = "api:schema"
    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)


# --- notifications -------------------------------------------------------------------------------
# Every signed-in user has notifications, whatever their role; each sees only their own, and
# another user's is answered 404 like any object that is not theirs.


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField(help_text=gettext_lazy("The page the notification is about; may be empty."))
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.BooleanField()
    dealt_at = serializers.DateTimeField(
        allow_null=True,
        help_text=gettext_lazy(
            "When the step it asked for was taken on its object (by the reader or a colleague); it then "
            "counts as read."
        ),
    )


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at",
        lookup_expr="isnull",
        label=gettext_lazy("only unread (true) or only read (false)"),
    )

    class Meta:
        model = Notification
        fields = []


@extend_schema(tags=["notifications"])
class NotificationListApi(generics.ListAPIView):
    """List the signed-in user's notifications, newest first."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return notifications_for(self.request.user)

    @extend_schema(
        operation_id="notifications_list",
        responses={200: NotificationSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationReadApi(APIView):
    """Mark one of the signed-in user's notifications read."""

    @extend_schema(
        operation_id="notifications_read",
        tags=["notifications"],
        request=None,
        responses={200: NotificationSerializer, **error_responses(401, 404)},
    )
    def post(self, request, pk: int):
        try:
            notification = notification_mark_read(by=request.user, notification_id=pk)
        except Notification.DoesNotExist:
            raise Http404 from None
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllApi(APIView):
    """Mark all the signed-in user's unread notifications read."""

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField(help_text=gettext_lazy("How many notifications were unread."))

    @extend_schema(
        operation_id="notifications_read_all",
        tags=["notifications"],
        request=None,
        responses={200: OutputSerializer, **error_responses(401)},
    )
    def post(self, request):
        marked = notification_mark_all_read(by=request.user)
        return Response(self.OutputSerializer({"marked": marked}).data)


# --- the audit trail, for auditors only ---------------------------------------------------------


FILTER_PARAMETERS = [
    OpenApiParameter("actor", str, description=gettext_lazy("User name of the actor.")),
    OpenApiParameter("unit", str, description=gettext_lazy("Division code of the acting unit.")),
    OpenApiParameter("target_type", str, description=gettext_lazy("Object type, e.g. cases.case.")),
    OpenApiParameter("target_id", str, description=gettext_lazy("Object id.")),
    OpenApiParameter(
        "action", str, description=gettext_lazy("An action, or its first part (auth finds auth.login).")
    ),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description=gettext_lazy("From this time (inclusive).")),
    OpenApiParameter(
        "until",
        OpenApiTypes.DATETIME,
        description=gettext_lazy("Until this time (inclusive; a bare date: that whole day)."),
    ),
]


class AuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_username = serializers.CharField()
    acting_unit_code = serializers.CharField()
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    payload = serializers.JSONField()
    request_id = serializers.CharField()
    client_address = serializers.CharField(allow_null=True)
    prev_hash = serializers.CharField()
    hash = serializers.CharField()


def _filtered_events(request):
    if auditor_scope(request.user) is None:
        raise Http404
    form = AuditFilterForm(request.query_params)
    if not form.is_valid():
        raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    return form, audit_events_for(request.user, form)


class NoStoreApi(APIView):
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class AuditEventListApi(NoStoreApi):
    """List the audit events of the auditor's subtree, newest first, with their payloads."""

    pagination_class = CursorPagination

    @extend_schema(
        operation_id="audit_events_list",
        tags=["audit"],
        parameters=FILTER_PARAMETERS,
        responses={200: AuditEventSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request):
        _, events = _filtered_events(request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(AuditEventSerializer(page, many=True).data)


class AuditEventExportApi(NoStoreApi):
    """Export the filtered audit events as CSV; the export is itself an audited event."""

    @extend_schema(
        operation_id="audit_events_export",
        tags=["audit"],
        parameters=FILTER_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description=gettext_lazy("CSV, one event a row.")
            ),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request):
        form, events = _filtered_events(request)
        audit.record(action="audit.exported", actor=request.user, payload={"filters": filters_used(form)})
        response = StreamingHttpResponse(export_rows(events), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        add_never_cache_headers(response)
        return response


class AuditChainApi(NoStoreApi):
    """Verify the audit chain now and answer its status."""

    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        events = serializers.IntegerField()
        checked_at = serializers.DateTimeField(allow_null=True)
        last_checkpoint = serializers.JSONField(allow_null=True)
        problems = serializers.ListField(child=serializers.CharField())
        keyed = serializers.BooleanField(
            help_text=gettext_lazy("Whether keyed checkpoints back the result (they detect truncation).")
        )

    @extend_schema(
        operation_id="audit_chain",
        tags=["audit"],
        parameters=[
            OpenApiParameter(
                "full", bool, description=gettext_lazy("1: recompute every hash, not the quick check.")
            )
        ],
        responses={200: OutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request):
        if auditor_scope(request.user) is None:
            raise Http404
        full = request.query_params.get("full") == "1"
        return Response(self.OutputSerializer(chain_status(full=full)).data)
