"""API of the audit trail, for auditors only: the events of their subtree, the CSV export, the chain.

Anyone who is not an auditor gets 404 (the JSON error body), as for any object they may not see.
"""

from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core import audit
from core.api import CursorPagination, error_responses
from core.audit_trail import (
    AuditFilterForm,
    audit_events_for,
    auditor_scope,
    chain_status,
    export_rows,
    filters_used,
)

FILTER_PARAMETERS = [
    OpenApiParameter("actor", str, description=_("User name of the actor.")),
    OpenApiParameter("unit", str, description=_("Division code of the acting unit.")),
    OpenApiParameter("target_type", str, description=_("Object type, e.g. cases.case.")),
    OpenApiParameter("target_id", str, description=_("Object id.")),
    OpenApiParameter("action", str, description=_("An action, or its first part (auth finds auth.login).")),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description=_("From this time (inclusive).")),
    OpenApiParameter(
        "until",
        OpenApiTypes.DATETIME,
        description=_("Until this time (inclusive; a bare date: that whole day)."),
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
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=_("CSV, one event a row.")),
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
            help_text=_("Whether keyed checkpoints back the result (they detect truncation).")
        )

    @extend_schema(
        operation_id="audit_chain",
        tags=["audit"],
        parameters=[
            OpenApiParameter("full", bool, description=_("1: recompute every hash, not the quick check."))
        ],
        responses={200: OutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request):
        if auditor_scope(request.user) is None:
            raise Http404
        full = request.query_params.get("full") == "1"
        return Response(self.OutputSerializer(chain_status(full=full)).data)
