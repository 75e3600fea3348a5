"""API of assistance requests (/api/v1/assistance-requests/) and the catalogue of kinds.

Thin adapters: every read starts from selectors.request_visible_to (a miss is 404), every write is
a service. CaseDataAccess refuses auditors and system administrators before anything is looked up.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.assistance import overreach, presenters, selectors, services
from cases.assistance.models import (
    DOCUMENT_TYPE_CHOICES,
    FREEZE_SCOPE_CHOICES,
    KIND_CHOICES,
    URGENCY_CHOICES,
    CustodyEventKind,
    PropertyMeasure,
    PropertyMeasureKind,
    RequestState,
)
from cases.assistance.permissions import REQUESTER_ROLES
from cases.assistance.steps import MEASURE_MACHINE, REQUEST_MACHINE
from cases.assistance_kinds import DOCUMENTS, KINDS
from cases.models import CasePerson
from cases.selectors import case_visible_to
from core import deadline_rows
from core.api import (
    CursorPagination,
    IdField,
    OfficerRefSerializer,
    RolesFirst,
    StepApi,
    TimelineEntrySerializer,
    error_responses,
    inline_choice,
    step_api_schema,
)
from core.grading import InformationAccuracy, SourceReliability, grade_text
from organisation.apis import CaseDataAccess, UnitRefSerializer
from organisation.models import Unit

# --- shared output pieces ------------------------------------------------------------------------

FIRST_RESPONSE_HELP = _(
    "A first-response measure (先期处置): while the case's jurisdiction is disputed, no party sends "
    "officers or a coercive request into another area without this flag and a reason "
    "(公通字〔2020〕6号 no. 3)."
)
FREEZE_SCOPE_HELP = _(
    "A freeze only: what it reaches, which sets whose head approves it (MPS-2020 arts 239, 243); "
    "deposits unless said."
)


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()


class DeadlineSerializer(serializers.Serializer):
    rule_key = serializers.CharField()
    label = serializers.SerializerMethodField()
    citation = serializers.CharField()
    period = serializers.CharField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    due_text = serializers.SerializerMethodField(help_text=_("As officers write it, e.g. 2026-03-08 24:00."))
    remaining = serializers.SerializerMethodField(
        help_text=_("The time left, how long it is overdue, or that the clock is paused, in words.")
    )
    remaining_seconds = serializers.SerializerMethodField(help_text=_("Negative once overdue."))
    is_overdue = serializers.SerializerMethodField()
    is_paused = serializers.SerializerMethodField()

    def get_label(self, obj) -> str:
        return deadline_rows.label_text(obj)

    def get_due_text(self, obj) -> str:
        return deadline_rows.due_text(obj)

    def get_remaining(self, obj) -> str:
        return deadline_rows.remaining_text(obj)

    def get_remaining_seconds(self, obj) -> int:
        reference = obj.paused_at if obj.paused_at else timezone.now()
        return int((obj.due_at - reference).total_seconds())

    def get_is_overdue(self, obj) -> bool:
        return obj.state == "running" and obj.due_at <= timezone.now()

    def get_is_paused(self, obj) -> bool:
        return obj.state == "paused"


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document_type = serializers.CharField()
    document_label = serializers.CharField(source="get_document_type_display")
    source = serializers.CharField()
    number = serializers.CharField()
    issued_on = serializers.DateField()
    uploaded_by = OfficerRefSerializer()
    uploaded_at = serializers.DateTimeField()
    is_current = serializers.BooleanField()
    defect = serializers.CharField(help_text=_("The defect named when the request was returned, if any."))
    source_reliability = serializers.CharField(help_text=_("A, B, C or X; empty when not graded."))
    information_accuracy = serializers.IntegerField(
        allow_null=True, help_text=_("1 to 4; null when not graded.")
    )
    grade = serializers.SerializerMethodField(
        help_text=_('The grade as printed, e.g. "B2"; empty when not graded.')
    )
    download_url = serializers.SerializerMethodField()
    generated_document_id = serializers.IntegerField(
        allow_null=True, help_text=_("The issued document (documents API) when the system generated it.")
    )
    verification_code = serializers.SerializerMethodField(
        help_text=_("The code printed on a generated document, for verification; empty for a scan.")
    )

    def get_grade(self, obj) -> str:
        return grade_text(obj.source_reliability, obj.information_accuracy)

    def get_download_url(self, obj) -> str:
        return f"/api/v1/assistance-requests/{obj.request_id}/documents/{obj.pk}/file/"

    def get_verification_code(self, obj) -> str:
        generated = getattr(obj, "generated", None)
        return generated.verification_code if generated is not None else ""


class RequiredDocumentSerializer(serializers.Serializer):
    document_type = serializers.CharField(source="spec.type.value")
    label = serializers.CharField(source="spec.label")
    source = serializers.CharField(source="spec.source.value")
    citation = serializers.CharField(source="spec.citation")
    status = serializers.ChoiceField(choices=["present", "missing", "defective"])
    document = DocumentSerializer(allow_null=True)


class ReturnSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    document_type = serializers.CharField()
    document_label = serializers.CharField(source="get_document_type_display")
    document_id = serializers.IntegerField(allow_null=True)
    defect = serializers.CharField()
    defect_label = serializers.CharField(source="get_defect_display")
    explanation = serializers.CharField()
    returned_by = OfficerRefSerializer()
    returned_at = serializers.DateTimeField()


class CustodyEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    person_name = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    place = serializers.CharField()
    officers = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class PropertyMeasureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    target = serializers.CharField()
    institution = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    starts_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    state = serializers.CharField()
    found_unrelated_at = serializers.DateTimeField(allow_null=True)
    release_reason = serializers.CharField()
    release_approved_at = serializers.DateTimeField(allow_null=True)
    release_document = serializers.IntegerField(
        source="release_document_id",
        allow_null=True,
        help_text=_(
            "Id of the document issued on the release's approval: the 协助解除冻结财产通知书 of a "
            "freeze (MPS-2020 art 241), the 解除查封决定书 or 解除扣押决定书 of a seal or seizure "
            "(MPS-2020 art 233)."
        ),
    )
    released_at = serializers.DateTimeField(allow_null=True)
    renewal_reminder_on = serializers.DateField(allow_null=True)
    renewed_from = serializers.IntegerField(
        source="renewed_from_id", allow_null=True, help_text=_("Id of the measure this one renews (续冻).")
    )
    lapsed = serializers.BooleanField(
        help_text=_(
            "The freeze expired without an approved renewal: deemed released "
            "(视为自动解除冻结, MPS-2020 art 240)."
        )
    )
    renewal_starts_on = serializers.DateField(
        allow_null=True, help_text=_("While a renewal is asked for: the first day of the period asked.")
    )
    renewal_kind = serializers.CharField(help_text=_("While a renewal is asked for: the period's kind."))
    renewal_approved_at = serializers.DateTimeField(allow_null=True)
    notice_document = serializers.IntegerField(
        source="notice_document_id",
        allow_null=True,
        help_text=_(
            "On a renewed period: id of the 协助冻结财产通知书 of the continued freeze "
            "(继续冻结, MPS-2020 art 240)."
        ),
    )
    returned_to = serializers.CharField(
        help_text=_("A seal or seizure: to whom it was returned (MPS-2020 art 233).")
    )
    announced_on = serializers.DateField(
        allow_null=True,
        help_text=_(
            "A seal or seizure whose owner is unknown: the date of the public notice (MPS-2020 art 233)."
        ),
    )


class RequestListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    case = CaseRefSerializer()
    requesting_unit = UnitRefSerializer()
    requested_unit = UnitRefSerializer()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    urgency = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    assignee = OfficerRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    next_due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()


class RequestDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    case = CaseRefSerializer()
    requesting_unit = UnitRefSerializer()
    requested_unit = UnitRefSerializer()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    urgency = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    matters = serializers.CharField()
    legal_basis = serializers.CharField()
    first_response_urgent = serializers.BooleanField(help_text=FIRST_RESPONSE_HELP)
    first_response_reason = serializers.CharField()
    freeze_scope = serializers.CharField(help_text=FREEZE_SCOPE_HELP)
    approval_unit = UnitRefSerializer(allow_null=True)
    approval_note = serializers.CharField(
        help_text=_("Whose head approves where the law names an organ's level (MPS-2020 arts 238, 239, 243).")
    )
    subjects = serializers.SerializerMethodField()
    created_by = OfficerRefSerializer()
    created_at = serializers.DateTimeField()
    approved_by = OfficerRefSerializer(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    routed_department = serializers.CharField(source="routed_department.kind", allow_null=True, default=None)
    assignee = OfficerRefSerializer(allow_null=True)
    fulfilled_at = serializers.DateTimeField(allow_null=True)
    results = serializers.CharField()
    clarification_question = serializers.CharField()
    clarification_answer = serializers.CharField()
    rejection_reason = serializers.CharField()
    withdrawal_reason = serializers.CharField()
    dispute_reason = serializers.CharField()
    referred_to = UnitRefSerializer(allow_null=True)
    decision = serializers.CharField()
    resubmission_count = serializers.IntegerField()
    forwarded_from = serializers.CharField(source="forwarded_from.number", allow_null=True, default=None)
    available_transitions = serializers.ListField(child=serializers.CharField())
    required_documents = RequiredDocumentSerializer(many=True)
    documents = DocumentSerializer(many=True, source="all_documents")
    returns = ReturnSerializer(many=True, source="all_returns")
    deadlines = DeadlineSerializer(many=True)
    custody_events = CustodyEventSerializer(many=True, source="all_custody_events")
    property_measures = PropertyMeasureSerializer(many=True, source="all_property_measures")
    timeline = TimelineEntrySerializer(many=True)

    def get_subjects(self, obj) -> list[str]:
        return [person.name for person in obj.subjects.all()]


def detail_data(request, user) -> dict:
    """Serialise a request with what this user can do and every deadline, document and event."""
    return RequestDetailSerializer(presenters.request_detail(request, user)).data


# --- list and create -------------------------------------------------------------------------


class RequestPagination(CursorPagination):
    ordering = "-id"


class RequestListApi(APIView):
    """List the assistance requests the user may see, or draft a new one from a case."""

    permission_classes = [CaseDataAccess, RolesFirst]
    # 403 before the body is read to one who may create none (issue 16).
    write_roles = REQUESTER_ROLES

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=RequestState.choices, required=False)
        kind = inline_choice(KIND_CHOICES, required=False)
        direction = serializers.ChoiceField(
            choices=[("incoming", _("Incoming")), ("outgoing", _("Outgoing"))], required=False
        )
        unit = serializers.CharField(required=False, help_text=_("Division code of either unit."))
        overdue = serializers.BooleanField(required=False, allow_null=True, default=None)

    class InputSerializer(serializers.Serializer):
        case = IdField(help_text=_("Id of a case the user may see."))
        requested_unit = serializers.CharField(help_text=_("Division code of the requested unit."))
        requesting_unit = serializers.CharField(
            required=False, help_text=_("Division code; by default the user's own unit.")
        )
        kind = inline_choice(KIND_CHOICES)
        urgency = serializers.ChoiceField(choices=URGENCY_CHOICES, default="normal")
        matters = serializers.CharField()
        legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
        subjects = serializers.ListField(child=IdField(), required=False, default=list)
        first_response_urgent = serializers.BooleanField(
            required=False, default=False, help_text=FIRST_RESPONSE_HELP
        )
        first_response_reason = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text=_("Required with first_response_urgent: why the measure cannot wait."),
        )
        freeze_scope = serializers.ChoiceField(
            choices=FREEZE_SCOPE_CHOICES,
            required=False,
            allow_blank=True,
            default="",
            help_text=FREEZE_SCOPE_HELP,
        )

    @extend_schema(
        operation_id="assistance_requests_list",
        tags=["assistance-requests"],
        parameters=[FilterSerializer],
        responses={200: RequestListItemSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        requests = selectors.request_list_visible_to(request.user, **filters.validated_data)
        paginator = RequestPagination()
        page = paginator.paginate_queryset(requests, request, view=self)
        page = selectors.requests_shown(request.user, page, path=request.path)
        return paginator.get_paginated_response(RequestListItemSerializer(page, many=True).data)

    @extend_schema(
        operation_id="assistance_requests_create",
        tags=["assistance-requests"],
        request=InputSerializer,
        responses={201: RequestDetailSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = case_visible_to(request.user).filter(pk=values["case"]).first()
        if case is None:
            raise serializers.ValidationError({"case": [_("No such case.")]})
        requested_unit = Unit.objects.filter(code=values["requested_unit"]).first()
        if requested_unit is None:
            raise serializers.ValidationError({"requested_unit": [_("No unit has this division code.")]})
        requesting_unit = None
        if values.get("requesting_unit"):
            requesting_unit = Unit.objects.filter(code=values["requesting_unit"]).first()
            if requesting_unit is None:
                raise serializers.ValidationError({"requesting_unit": [_("No unit has this division code.")]})
        subjects = list(CasePerson.objects.filter(case=case, pk__in=values["subjects"]))
        if len(subjects) != len(set(values["subjects"])):
            raise serializers.ValidationError({"subjects": [_("Choose persons of this request's case.")]})
        created = services.request_create(
            by=request.user,
            case=case,
            requested_unit=requested_unit,
            requesting_unit=requesting_unit,
            kind=values["kind"],
            urgency=values["urgency"],
            matters=values["matters"],
            legal_basis=values["legal_basis"],
            subjects=subjects,
            first_response_urgent=values["first_response_urgent"],
            first_response_reason=values["first_response_reason"],
            freeze_scope=values["freeze_scope"],
        )
        detail = selectors.request_get_visible(request.user, created.pk, path=request.path)
        return Response(detail_data(detail, request.user), status=status.HTTP_201_CREATED)


class RequestDetailApi(APIView):
    """Show one request: state, what the user can do, documents, deadlines, timeline."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="assistance_requests_retrieve",
        tags=["assistance-requests"],
        responses={200: RequestDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        found = selectors.request_get_visible(request.user, pk, path=request.path)
        return Response(detail_data(found, request.user))

    class UpdateSerializer(serializers.Serializer):
        # Not an enum in the schema: one "kind" enum per component keeps the generated names stable.
        kind = serializers.CharField(required=False, help_text=_("A kind of /assistance-kinds/."))
        urgency = serializers.ChoiceField(choices=URGENCY_CHOICES, required=False)
        requested_unit = serializers.CharField(
            required=False, help_text=_("Division code; a returned request keeps its requested unit.")
        )
        subjects = serializers.ListField(
            child=IdField(), required=False, help_text=_("Ids of persons of the case.")
        )
        matters = serializers.CharField(required=False)
        legal_basis = serializers.CharField(required=False, allow_blank=True)
        first_response_urgent = serializers.BooleanField(required=False, help_text=FIRST_RESPONSE_HELP)
        first_response_reason = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text=_("Required while first_response_urgent is set; dropped when it is cleared."),
        )
        freeze_scope = serializers.ChoiceField(
            choices=FREEZE_SCOPE_CHOICES, required=False, allow_blank=True, help_text=FREEZE_SCOPE_HELP
        )

    @extend_schema(
        operation_id="assistance_requests_partial_update",
        tags=["assistance-requests"],
        description=_(
            "Correct a draft or a returned request (its requester only); the fields left out keep their "
            "value. A returned request keeps its kind, requested unit and first-response flag."
        ),
        request=UpdateSerializer,
        responses={200: RequestDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "requested_unit" in values:
            values["requested_unit"] = Unit.objects.filter(code=values["requested_unit"].strip()).first()
            if values["requested_unit"] is None:
                raise serializers.ValidationError({"requested_unit": [_("No unit has this division code.")]})
        if "subjects" in values:
            ids = set(values["subjects"])
            values["subjects"] = list(CasePerson.objects.filter(case_id=target.case_id, pk__in=ids))
            if len(values["subjects"]) != len(ids):
                raise serializers.ValidationError({"subjects": [_("Choose persons of this request's case.")]})
        services.request_update(by=request.user, request=target, **values)
        found = selectors.request_get_visible(request.user, pk, path=request.path)
        return Response(detail_data(found, request.user))


@step_api_schema(
    operation_id="assistance_requests_transition",
    tags=["assistance-requests"],
    response=RequestDetailSerializer,
)
class RequestTransitionApi(StepApi):
    """Take a transition, e.g. submit, approve, send, receive, accept, return_request, route, assign."""

    permission_classes = [CaseDataAccess]
    machine = REQUEST_MACHINE

    def get_object(self, request, pk: int):
        return selectors.request_get_visible(request.user, pk, path=request.path)

    def respond(self, request, instance, pk: int):
        found = selectors.request_get_visible(request.user, pk, path=request.path)
        return Response(detail_data(found, request.user))


class RequestDocumentUploadApi(APIView):
    """Attach a scan (PDF, JPEG, PNG, TIFF) with its number and date; it replaces one of the same type."""

    permission_classes = [CaseDataAccess]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        document_type = serializers.ChoiceField(choices=DOCUMENT_TYPE_CHOICES)
        number = serializers.CharField(max_length=64)
        issued_on = serializers.DateField()
        file = serializers.FileField()
        source_reliability = serializers.ChoiceField(
            choices=SourceReliability.choices, required=False, allow_blank=True, default=""
        )
        information_accuracy = serializers.ChoiceField(
            choices=InformationAccuracy.choices, required=False, allow_null=True, default=None
        )

    @extend_schema(
        operation_id="assistance_requests_documents_create",
        tags=["assistance-requests"],
        request={"multipart/form-data": InputSerializer},
        responses={201: DocumentSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.request_document_upload(by=request.user, request=target, **data.validated_data)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class RequestDocumentFileApi(APIView):
    """Download a document's scan; every download is audited."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="assistance_requests_documents_file",
        tags=["assistance-requests"],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description=_("The scan.")),
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request, pk: int, document_id: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        document = get_object_or_404(target.documents.all(), pk=document_id)
        response = presenters.document_file_response(target, document, request.user, channel="api")
        if response is None:
            raise serializers.ValidationError(_("This document has no file yet."))
        return response


class CustodyEventListApi(APIView):
    """List or record the custody follow-up of a coercive request (capture, collection, interrogation)."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        kind = inline_choice(CustodyEventKind.choices)
        occurred_at = serializers.DateTimeField()
        place = serializers.CharField(required=False, allow_blank=True, default="")
        person_name = serializers.CharField(required=False, allow_blank=True, default="")
        officers = serializers.ListField(
            child=serializers.CharField(),
            required=False,
            default=list,
            help_text=_("collection: the names of at least two officers (MPS-2020 art 351)."),
        )
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="assistance_requests_custody_list",
        tags=["assistance-requests"],
        responses={200: CustodyEventSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        return Response(CustodyEventSerializer(target.custody_events.all(), many=True).data)

    @extend_schema(
        operation_id="assistance_requests_custody_create",
        tags=["assistance-requests"],
        request=InputSerializer,
        responses={201: CustodyEventSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.custody_event_record(by=request.user, request=target, **data.validated_data)
        return Response(CustodyEventSerializer(event).data, status=status.HTTP_201_CREATED)


class PropertyMeasureListApi(APIView):
    """List or record freezes, seals and seizures, each with its period and expiry."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        kind = inline_choice(PropertyMeasureKind.choices)
        target = serializers.CharField(max_length=200)
        institution = serializers.CharField(required=False, allow_blank=True, default="")
        amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
        starts_on = serializers.DateField()

    @extend_schema(
        operation_id="assistance_requests_property_list",
        tags=["assistance-requests"],
        responses={200: PropertyMeasureSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        return Response(PropertyMeasureSerializer(target.property_measures.all(), many=True).data)

    @extend_schema(
        operation_id="assistance_requests_property_create",
        tags=["assistance-requests"],
        request=InputSerializer,
        responses={201: PropertyMeasureSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        measure = services.property_measure_record(by=request.user, request=target, **data.validated_data)
        return Response(PropertyMeasureSerializer(measure).data, status=status.HTTP_201_CREATED)


class PropertyMeasureRenewApi(APIView):
    """Ask to renew a freeze before it expires (续冻, MPS-2020 art 240), with its original approval.

    202: the renewal is asked for and waits for the head who approved the freeze (the body is the
    measure, state renewal_proposed; that head takes transitions/approve_renewal or refuse_renewal).
    201: the asker is that head, so the renewal is approved at once (the body is the new measure).
    """

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        starts_on = serializers.DateField(
            required=False,
            allow_null=True,
            default=None,
            help_text=_("First day of the renewed period; by default the old expiry, so the periods join."),
        )
        kind = serializers.CharField(
            required=False,
            help_text=_(
                "The renewed period's kind: deposits, deposits_major, securities or equity; "
                "by default the old one's."
            ),
        )

    @extend_schema(
        operation_id="assistance_requests_property_renew",
        tags=["assistance-requests"],
        request=InputSerializer,
        responses={
            201: OpenApiResponse(
                PropertyMeasureSerializer,
                description=_("Renewed at once (the asker approves renewals): the new measure."),
            ),
            202: OpenApiResponse(
                PropertyMeasureSerializer,
                description=_("Asked for: the measure, waiting for its approver (MPS-2020 art 240)."),
            ),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request, pk: int, measure_id: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        measure = get_object_or_404(PropertyMeasure.objects.filter(request=target), pk=measure_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.property_measure_renew(by=request.user, measure=measure, **data.validated_data)
        renewed = result.pk != measure.pk
        return Response(
            PropertyMeasureSerializer(result).data,
            status=status.HTTP_201_CREATED if renewed else status.HTTP_202_ACCEPTED,
        )


class _MeasureStepApi(StepApi):
    """Take a step of a property measure: found unrelated (release due within 3 days), or released."""

    permission_classes = [CaseDataAccess]
    machine = MEASURE_MACHINE

    def get_object(self, request, pk: int, measure_id: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        return get_object_or_404(PropertyMeasure.objects.filter(request=target), pk=measure_id)

    def respond(self, request, instance, pk: int, measure_id: int):
        return Response(PropertyMeasureSerializer(PropertyMeasure.objects.get(pk=instance.pk)).data)


@step_api_schema(
    operation_id="assistance_requests_property_action",
    tags=["assistance-requests"],
    response=PropertyMeasureSerializer,
    name_param="action",
)
class PropertyMeasureActionApi(_MeasureStepApi):
    """Take a step of a property measure by its name in the path (the older shape of transitions/)."""

    def post(self, request, pk: int, measure_id: int, action: str):
        return super().post(request, name=action, pk=pk, measure_id=measure_id)


@step_api_schema(
    operation_id="assistance_requests_property_transition",
    tags=["assistance-requests"],
    response=PropertyMeasureSerializer,
)
class PropertyMeasureTransitionApi(_MeasureStepApi):
    """Take a step of a property measure (MPS-2020 arts 233, 240, 241, 247).

    approve_renewal / refuse_renewal (the head who approved the freeze, before it expires), unrelated
    (release due within 3 days), propose_release, approve_release / refuse_release (the head who
    approved the measure; the approval issues its notice or decision), release (a seal or seizure:
    returned_to, or announced_on when the owner is unknown).
    """


class LeadForwardApi(APIView):
    """Forward a lead found while working the request to the third unit it belongs to (art 349)."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        to_unit = serializers.CharField(help_text=_("Division code of the unit the lead belongs to."))
        matters = serializers.CharField()
        # Not an enum in the schema: one "kind" enum per component keeps the generated names stable.
        kind = serializers.CharField(
            default="work_in_area_notice", help_text=_("A kind of /assistance-kinds/.")
        )

    @extend_schema(
        operation_id="assistance_requests_forward_lead",
        tags=["assistance-requests"],
        request=InputSerializer,
        responses={201: RequestListItemSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to_unit = Unit.objects.filter(code=data.validated_data["to_unit"]).first()
        if to_unit is None:
            raise serializers.ValidationError({"to_unit": [_("No unit has this division code.")]})
        lead = services.request_forward_lead(
            by=request.user,
            request=target,
            to_unit=to_unit,
            matters=data.validated_data["matters"],
            kind=data.validated_data["kind"],
        )
        lead = selectors.request_list_visible_to(request.user).get(pk=lead.pk)
        selectors.requests_shown(request.user, [lead], path=request.path)
        return Response(RequestListItemSerializer(lead).data, status=status.HTTP_201_CREATED)


class OverreachApi(APIView):
    """Record an act of the cooperating unit beyond the request: who did what, and when (MPS-2020 art 355).

    The requester bears the liability for what was asked; an act beyond it is the cooperating unit's.
    Officers of either side, or of the superior the request was referred to, record it once the
    request was sent; it changes no state and goes on the request's timeline and the audit trail.
    """

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        officer = serializers.CharField(
            max_length=100, help_text=_("The officer of the cooperating unit who acted beyond the request.")
        )
        act = serializers.CharField(max_length=2000, help_text=_("What was done beyond the request."))
        acted_on = serializers.DateField(required=False, allow_null=True, default=None)

    class OutputSerializer(serializers.Serializer):
        cooperating_unit = serializers.CharField(help_text=_("Division code of the cooperating unit."))
        officer = serializers.CharField()
        act = serializers.CharField()
        acted_on = serializers.CharField(allow_blank=True, help_text=_("ISO date, or empty when not known."))
        citation = serializers.CharField()
        recorded_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="assistance_requests_record_overreach",
        tags=["assistance-requests"],
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        target = selectors.request_get_visible(request.user, pk, path=request.path)
        # Who may not record it is told so before the body is read (403 and 409 before 400).
        overreach.overreach_refusal(target, request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = overreach.overreach_record(request=target, by=request.user, **data.validated_data)
        body = {**entry.data, "recorded_at": entry.occurred_at}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


# --- the catalogue -------------------------------------------------------------------------------


class KindDocumentSerializer(serializers.Serializer):
    document_type = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()
    citation = serializers.CharField()


class AssistanceKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    citation = serializers.CharField()
    must_ask = serializers.BooleanField(help_text=_("Art 346 ¶1: must go through the local police."))
    coercive = serializers.BooleanField()
    approver_role = serializers.CharField()
    notice_only = serializers.BooleanField()
    completion_rule = serializers.CharField(allow_null=True)
    custody_follow_up = serializers.BooleanField()
    property_follow_up = serializers.BooleanField()
    documents = KindDocumentSerializer(many=True)


def kind_catalogue() -> list[dict]:
    return [
        {
            "kind": kind.value,
            "label": spec.label,
            "citation": spec.citation,
            "must_ask": spec.must_ask,
            "coercive": spec.coercive,
            "approver_role": spec.approver_role,
            "notice_only": spec.notice_only,
            "completion_rule": spec.completion_rule,
            "custody_follow_up": spec.custody_follow_up,
            "property_follow_up": spec.property_follow_up,
            "documents": [
                {
                    "document_type": t.value,
                    "label": DOCUMENTS[t].label,
                    "source": DOCUMENTS[t].source.value,
                    "citation": DOCUMENTS[t].citation,
                }
                for t in spec.documents
            ],
        }
        for kind, spec in KINDS.items()
    ]


class AssistanceKindListApi(APIView):
    """List the kinds of assistance (MPS-2020 art 346) with the documents each must carry (art 347)."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="assistance_kinds_list",
        tags=["assistance-requests"],
        responses={200: AssistanceKindSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(AssistanceKindSerializer(kind_catalogue(), many=True).data)
