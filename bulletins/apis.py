"""API of bulletins and directives (/api/v1/bulletins/): thin adapters over selectors and services.

Attachments (附件) live under /api/v1/bulletins/{id}/attachments/: whoever sees the bulletin sees
them; they are added and removed only while it is a draft.

Every read starts from bulletins.selectors.bulletin_visible_to (a miss is 404); writes are the
services, which answer 403, 400 naming the field (`targets` for what the issuer may not reach) and
409 when the object moved on. Units are named by division code.
"""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from bulletins import selectors, services
from bulletins.models import (
    BulletinKind,
    BulletinUrgency,
)
from bulletins.permissions import DRAFTERS
from bulletins.presenters import attachment_file_response, progress_data, recipient_is_overdue
from bulletins.selectors import recipient_get_visible
from bulletins.steps import BULLETIN_MACHINE, RECIPIENT_MACHINE
from cases.models import HandlingCode
from core import grading
from core.api import (
    CursorPagination,
    IdField,
    OfficerRefSerializer,
    RolesFirst,
    StepApi,
    TimelineEntrySerializer,
    error_responses,
    step_api_schema,
)
from core.workflow import timeline_for
from organisation.apis import CaseDataAccess, UnitRefSerializer
from organisation.models import Unit

TAG = "bulletins"


class BulletinSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    issuing_unit = UnitRefSerializer()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    handling_code = serializers.CharField()
    grade = serializers.CharField()
    urgency = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    on_behalf_label = serializers.CharField()
    recipient_count = serializers.IntegerField()
    acknowledged_count = serializers.IntegerField(default=0)
    reported_count = serializers.IntegerField(default=0)
    overdue_count = serializers.IntegerField(default=0)


class RegionProgressSerializer(serializers.Serializer):
    province_code = serializers.CharField()
    province_name = serializers.CharField(allow_null=True)
    total = serializers.IntegerField()
    pending = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    reported = serializers.IntegerField()
    overdue = serializers.IntegerField()


class BulletinAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text=gettext_lazy("In bytes."))
    sha256 = serializers.CharField()
    source_reliability = serializers.CharField(help_text=gettext_lazy("A, B, C or X; empty when not graded."))
    information_accuracy = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("1 to 4; null when not graded.")
    )
    grade = serializers.CharField(
        help_text=gettext_lazy('The grade as printed, e.g. "B2"; empty when not graded.')
    )
    uploaded_by = OfficerRefSerializer()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj) -> str:
        return reverse("api:bulletin-attachment-file", args=[obj.bulletin_id, obj.pk])


class BulletinDetailSerializer(BulletinSerializer):
    body = serializers.CharField()
    source_reliability = serializers.CharField()
    information_accuracy = serializers.IntegerField(allow_null=True)
    ack_within_hours = serializers.IntegerField()
    result_within_days = serializers.IntegerField(allow_null=True)
    supplement_of = serializers.IntegerField(source="supplement_of_id", allow_null=True)
    # Only a case the user may see now (selectors.shown_case_id); null otherwise (issue 16).
    linked_case = serializers.IntegerField(source="linked_case_shown", allow_null=True, default=None)
    on_behalf_of_series = serializers.IntegerField(source="on_behalf_of_series_id", allow_null=True)
    target_spec = serializers.JSONField()
    end_reason = serializers.CharField()
    available_transitions = serializers.ListField(child=serializers.CharField())
    attachments = BulletinAttachmentSerializer(many=True, source="attachment_list")
    timeline = TimelineEntrySerializer(many=True)


class BulletinRecipientSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    province_code = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    ack_due_at = serializers.DateTimeField(allow_null=True)
    result_due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = OfficerRefSerializer(allow_null=True)
    result = serializers.CharField()
    result_at = serializers.DateTimeField(allow_null=True)
    result_by = OfficerRefSerializer(allow_null=True)
    opened_case = serializers.IntegerField(source="opened_case_shown", allow_null=True, default=None)
    available_transitions = serializers.ListField(child=serializers.CharField())


class ProgressSerializer(serializers.Serializer):
    totals = serializers.DictField(child=serializers.IntegerField(), allow_null=True)
    regions = RegionProgressSerializer(many=True)
    recipients = BulletinRecipientSerializer(many=True)


def _detail(request, pk) -> Response:
    bulletin = selectors.bulletin_get_visible(request.user, pk)
    bulletin.available_transitions = BULLETIN_MACHINE.available(bulletin, request.user, api=True)
    bulletin.attachment_list = list(selectors.attachments_of(bulletin))
    bulletin.timeline = list(timeline_for(bulletin).order_by("occurred_at", "id"))
    return Response(BulletinDetailSerializer(bulletin).data)


class BulletinInputSerializer(serializers.Serializer):
    # Plain choice fields: their enums take the names ENUM_NAME_OVERRIDES gives these choice sets.
    kind = serializers.ChoiceField(choices=BulletinKind.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)
    targets = serializers.JSONField(help_text=gettext_lazy('e.g. {"levels": [3], "provinces": ["500000"]}'))
    handling_code = serializers.ChoiceField(
        choices=HandlingCode.choices, required=False, default=HandlingCode.NORMAL
    )
    source_reliability = serializers.ChoiceField(
        choices=[("", ""), *list(grading.SourceReliability.choices)], required=False, default=""
    )
    information_accuracy = serializers.ChoiceField(
        choices=grading.InformationAccuracy.choices, required=False, allow_null=True, default=None
    )
    urgency = serializers.ChoiceField(
        choices=BulletinUrgency.choices, required=False, default=BulletinUrgency.ORDINARY
    )
    ack_within_hours = serializers.IntegerField(
        min_value=1, max_value=24 * 366, required=False, allow_null=True
    )
    result_within_days = serializers.IntegerField(min_value=1, max_value=366, required=False, allow_null=True)
    supplement_of = IdField(required=False, allow_null=True)
    linked_case = IdField(required=False, allow_null=True)
    on_behalf_of_series = IdField(required=False, allow_null=True)


def service_data(values: dict) -> dict:
    renames = {
        "targets": "target_spec",
        "supplement_of": "supplement_of_id",
        "linked_case": "linked_case_id",
        "on_behalf_of_series": "on_behalf_of_series_id",
    }
    return {renames.get(key, key): value for key, value in values.items()}


class BulletinListApi(generics.ListAPIView):
    """List the bulletins the user sees, with progress counts; POST drafts one (issuing_unit by code)."""

    permission_classes = [CaseDataAccess, RolesFirst]
    # 403 before the body is read to one who may create none (issue 16).
    write_roles = DRAFTERS
    serializer_class = BulletinSerializer
    pagination_class = CursorPagination

    class CreateSerializer(BulletinInputSerializer):
        issuing_unit = serializers.CharField(max_length=6)

    def get_queryset(self):
        return selectors.bulletin_list_visible_to(self.request.user)

    @extend_schema(
        operation_id="bulletins_list",
        tags=[TAG],
        responses={200: BulletinSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="bulletins_create",
        tags=[TAG],
        request=CreateSerializer,
        responses={201: BulletinDetailSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request, *args, **kwargs):
        data = self.CreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        unit = Unit.objects.filter(code=values.pop("issuing_unit")).first()
        if unit is None:
            raise ValidationError({"issuing_unit": [gettext_lazy("No such unit.")]})
        bulletin = services.bulletin_create(by=request.user, issuing_unit=unit, data=service_data(values))
        response = _detail(request, bulletin.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class BulletinDetailApi(APIView):
    """Show a bulletin; PATCH changes a draft."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="bulletins_retrieve",
        tags=[TAG],
        responses={200: BulletinDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return _detail(request, pk)

    @extend_schema(
        operation_id="bulletins_partial_update",
        tags=[TAG],
        request=BulletinInputSerializer(partial=True),
        responses={200: BulletinDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        bulletin = selectors.bulletin_get_visible(request.user, pk)
        data = BulletinInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.bulletin_update(
            bulletin=bulletin, by=request.user, data=service_data(dict(data.validated_data))
        )
        return _detail(request, pk)


@step_api_schema(operation_id="bulletins_transition", tags=[TAG], response=BulletinDetailSerializer)
class BulletinTransitionApi(StepApi):
    """Issue a draft, close an issued bulletin, or withdraw one (`reason`)."""

    permission_classes = [CaseDataAccess]
    machine = BULLETIN_MACHINE

    def get_object(self, request, pk: int):
        return selectors.bulletin_get_visible(request.user, pk)

    def respond(self, request, instance, pk: int):
        return _detail(request, pk)


class BulletinRecipientsApi(APIView):
    """The recipients the user follows (all of them for the issuer's side) and progress per region."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="bulletins_recipients",
        tags=[TAG],
        responses={200: ProgressSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        bulletin = selectors.bulletin_get_visible(request.user, pk)
        return Response(ProgressSerializer(progress_data(bulletin, request.user)).data)


def _recipient_response(user, bulletin, code) -> Response:
    row = recipient_get_visible(user, bulletin, code)
    row.is_overdue = recipient_is_overdue(row, timezone.now())
    row.available_transitions = RECIPIENT_MACHINE.available(row, user, api=True)
    return Response(BulletinRecipientSerializer(row).data)


@step_api_schema(
    operation_id="bulletins_recipient_transition", tags=[TAG], response=BulletinRecipientSerializer
)
class RecipientTransitionApi(StepApi):
    """Acknowledge for your unit, or report its result (`result`)."""

    permission_classes = [CaseDataAccess]
    machine = RECIPIENT_MACHINE

    def get_object(self, request, pk: int, code: str):
        return recipient_get_visible(request.user, selectors.bulletin_get_visible(request.user, pk), code)

    def respond(self, request, instance, pk: int, code: str):
        return _recipient_response(request.user, instance.bulletin, code)


class RecipientCaseApi(APIView):
    """Open a case in the recipient unit for the bulletin (or link `case`, an existing one)."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
        summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=8000)
        case = IdField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="bulletins_recipient_case",
        tags=[TAG],
        request=InputSerializer,
        responses={200: BulletinRecipientSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int, code: str):
        bulletin = selectors.bulletin_get_visible(request.user, pk)
        row = recipient_get_visible(request.user, bulletin, code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.bulletin_open_case(
            recipient=row,
            by=request.user,
            name=values["name"],
            summary=values["summary"],
            case_id=values["case"],
        )
        return _recipient_response(request.user, bulletin, code)


# --- attachments (附件) ----------------------------------------------------------------------------


class BulletinAttachmentListApi(APIView):
    """List a bulletin's attachments; POST attaches a photo or scan (PDF, JPEG, PNG, TIFF) to a draft."""

    permission_classes = [CaseDataAccess]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=120)
        file = serializers.FileField()
        # The same choice sets as BulletinInputSerializer, so the schema keeps one enum for each grade.
        source_reliability = serializers.ChoiceField(
            choices=[("", ""), *list(grading.SourceReliability.choices)], required=False, default=""
        )
        information_accuracy = serializers.ChoiceField(
            choices=grading.InformationAccuracy.choices, required=False, allow_null=True, default=None
        )

    @extend_schema(
        operation_id="bulletins_attachments_list",
        tags=[TAG],
        responses={200: BulletinAttachmentSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        bulletin = selectors.bulletin_get_visible(request.user, pk)
        return Response(BulletinAttachmentSerializer(selectors.attachments_of(bulletin), many=True).data)

    @extend_schema(
        operation_id="bulletins_attachments_create",
        tags=[TAG],
        request={"multipart/form-data": InputSerializer},
        responses={201: BulletinAttachmentSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        bulletin = selectors.bulletin_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.bulletin_attachment_add(
            bulletin=bulletin, by=request.user, **data.validated_data
        )
        return Response(BulletinAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class BulletinAttachmentDetailApi(APIView):
    """Remove an attachment from a draft."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="bulletins_attachments_destroy",
        tags=[TAG],
        responses={
            204: OpenApiResponse(description=gettext_lazy("Removed.")),
            **error_responses(401, 403, 404, 409),
        },
    )
    def delete(self, request, pk: int, aid: int):
        _bulletin, attachment = selectors.attachment_get_visible(request.user, pk, aid)
        services.bulletin_attachment_remove(attachment=attachment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulletinAttachmentFileApi(APIView):
    """Download an attachment; every download is audited."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="bulletins_attachments_file",
        tags=[TAG],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description=gettext_lazy("The file.")),
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request, pk: int, aid: int):
        _bulletin, attachment = selectors.attachment_get_visible(request.user, pk, aid)
        return attachment_file_response(attachment, request.user, channel="api")
