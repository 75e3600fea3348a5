"""API of documents (/api/v1/documents/): list, draft, detail, edit, transitions, issue, void,
correct, serve, file download and verification.

Thin adapters over services and selectors. A document the user may not see is 404
(documents.access.document_visible_to). The list shows what the user's own units drafted and issued:
documents of other units are reached through the object that links them (a case, a request).
Verification answers anyone signed in, by code or by file, and is audited.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core import words
from core.api import (
    ApiError,
    CursorPagination,
    RolesFirst,
    StepApi,
    error_responses,
    step_api_schema,
)
from core.exceptions import Conflict
from documents import permissions as perms
from documents import presenters, selectors, services
from documents.models import Document, ImmutableDocumentError, ReceiptMethod
from documents.presenters import document_steps, file_response
from documents.preview import preview_response
from documents.steps import DOCUMENT_MACHINE
from organisation.apis import CaseDataAccess, UnitRefSerializer
from organisation.models import Unit


class ReceiptSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ReceiptMethod.choices)
    signed_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(help_text=_("Who recorded it."))
    note = serializers.CharField()
    sha256 = serializers.CharField(help_text=_("SHA-256 of the scan; empty for a confirmation."))
    file_url = serializers.CharField(help_text=_("The scan's download; empty for a confirmation."))


class RecipientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = UnitRefSerializer(allow_null=True)
    served_at = serializers.DateTimeField(allow_null=True)
    receipt = serializers.SerializerMethodField(help_text=_("The returned 回执, once recorded."))

    @extend_schema_field(ReceiptSerializer(allow_null=True))
    def get_receipt(self, obj) -> dict | None:
        return presenters.receipt_of(obj, api=True)


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()


class DocumentListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_title = serializers.CharField(source="spec.title")
    title = serializers.CharField()
    issuing_unit = UnitRefSerializer()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    number = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    render_state = serializers.CharField()
    created_at = serializers.DateTimeField()


class DocumentDetailSerializer(DocumentListItemSerializer):
    data = serializers.JSONField()
    approval_chain = serializers.ListField(child=serializers.CharField())
    template_version = serializers.IntegerField(allow_null=True)
    snapshot = serializers.JSONField()
    sha256 = serializers.CharField()
    pages = serializers.IntegerField(allow_null=True)
    # Stored as a key with its arguments (core.words): read in the language of the request.
    render_error = serializers.SerializerMethodField(help_text=_("Why rendering failed, when it did."))
    verification_code = serializers.CharField()
    send_back_reason = serializers.CharField()
    voided_reason = serializers.CharField()
    replaces = DocumentRefSerializer(allow_null=True)
    replaced_by = DocumentRefSerializer(allow_null=True)
    link_target_type = serializers.CharField()
    link_target_id = serializers.CharField()
    recipients = RecipientSerializer(many=True, source="recipients.all")
    file_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField(
        help_text=_("The draft's PDF as it will be issued, marked 草稿 (empty once issued).")
    )
    transitions = serializers.SerializerMethodField(help_text=_("Transitions this user may take now."))

    def get_file_url(self, obj) -> str:
        return f"/api/v1/documents/{obj.pk}/file/" if obj.render_state == "done" else ""

    def get_preview_url(self, obj) -> str:
        return "" if obj.is_issued else f"/api/v1/documents/{obj.pk}/preview/"

    def get_render_error(self, obj) -> str:
        return words.shown(obj.render_error)

    def get_transitions(self, obj) -> list[str]:
        return document_steps(obj, self.context["user"])


def detail(document: Document, user) -> dict:
    return DocumentDetailSerializer(document, context={"user": user}).data


def _visible(user, pk: int) -> Document:
    document = selectors.document_for(user, pk)
    if document is None:
        raise Http404
    return document


class DocumentListApi(APIView):
    """List the documents of the user's own units; draft a new one."""

    permission_classes = [CaseDataAccess, RolesFirst]
    # 403 before the body is read to one who may create none (issue 16).
    write_roles = perms.DRAFTER_ROLES

    class InputSerializer(serializers.Serializer):
        kind = serializers.CharField(
            help_text=_(
                "A registered free-standing kind, e.g. report_for_approval; a kind that belongs to a "
                "process (an assistance letter, a designation decision, minutes) is refused."
            )
        )
        issuing_unit = serializers.CharField(help_text=_("Division code of the issuing unit."))
        department = serializers.CharField(required=False, help_text=_("Department kind, e.g. criminal."))
        title = serializers.CharField(required=False, allow_blank=True, default="")
        data = serializers.DictField(required=False, default=dict)
        recipients = serializers.ListField(child=serializers.CharField(), required=False, default=list)

    @extend_schema(
        operation_id="documents_list",
        tags=["documents"],
        responses={200: DocumentListItemSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        queryset = selectors.documents_of_user_units(request.user)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(DocumentListItemSerializer(page, many=True).data)

    @extend_schema(
        operation_id="documents_draft",
        tags=["documents"],
        request=InputSerializer,
        responses={201: DocumentDetailSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = Unit.objects.filter(code=values["issuing_unit"]).first()
        if unit is None or not perms.may_draft_for(unit.pk, request.user):
            raise serializers.ValidationError({"issuing_unit": [_("You may not draft for this unit.")]})
        department = None
        if values.get("department"):
            department = unit.departments.filter(kind=values["department"]).first()
            if department is None:
                raise serializers.ValidationError({"department": [_("The unit has no such department.")]})
        document = services.document_draft(
            kind=values["kind"],
            issuing_unit=unit,
            department=department,
            by=request.user,
            title=values["title"],
            data=values["data"],
            recipients=[{"name": name} for name in values["recipients"]],
        )
        return Response(
            detail(_visible(request.user, document.pk), request.user), status=status.HTTP_201_CREATED
        )


class DocumentDetailApi(APIView):
    """Read a document; change a draft's fields (an issued document refuses with 400)."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(required=False)
        data = serializers.DictField(required=False)

    @extend_schema(
        operation_id="documents_retrieve",
        tags=["documents"],
        responses={200: DocumentDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(detail(_visible(request.user, pk), request.user))

    @extend_schema(
        operation_id="documents_update",
        tags=["documents"],
        request=InputSerializer,
        responses={200: DocumentDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        document = _visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.document_update(
                document=document,
                by=request.user,
                data=data.validated_data.get("data"),
                title=data.validated_data.get("title"),
            )
        except ImmutableDocumentError as exc:
            raise ApiError(exc.messages[0], code="document_immutable") from None
        return Response(detail(_visible(request.user, pk), request.user))


@step_api_schema(operation_id="documents_transition", tags=["documents"], response=DocumentDetailSerializer)
class DocumentTransitionApi(StepApi):
    """Take a step: submit_for_review, submit_for_approval, approve_review, approve, send_back, issue,
    correct (drafts the correction; answers the new draft), revoke (drafts the 撤销决定书; answers it)."""

    permission_classes = [CaseDataAccess]
    machine = DOCUMENT_MACHINE

    def get_object(self, request, pk: int):
        return _visible(request.user, pk)

    def respond(self, request, instance, pk: int):
        # A correction or a revocation answers the draft it made.
        return Response(detail(_visible(request.user, self.result.pk), request.user))


class DocumentServeApi(APIView):
    """Record that one recipient was served (送达), with the time."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        served_at = serializers.DateTimeField(required=False)

    @extend_schema(
        operation_id="documents_serve",
        tags=["documents"],
        request=InputSerializer,
        responses={200: DocumentDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int, recipient_id: int):
        document = _visible(request.user, pk)
        recipient = document.recipients.filter(pk=recipient_id).first()
        if recipient is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.document_serve(
            recipient=recipient, by=request.user, served_at=data.validated_data.get("served_at")
        )
        return Response(detail(_visible(request.user, pk), request.user))


def _recipient(document: Document, recipient_id: int):
    recipient = document.recipients.filter(pk=recipient_id).first()
    if recipient is None:
        raise Http404
    return recipient


class DocumentReceiptApi(APIView):
    """Record the 回执 a recipient returned: the scan of the signed paper (multipart, the issuer's
    officers or the recipient unit), or without a file the recipient unit's confirmation. It closes
    the recipient's service. Audited."""

    permission_classes = [CaseDataAccess]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            required=False, help_text=_("The signed receipt's scan (PDF, JPEG, PNG or TIFF).")
        )
        signed_at = serializers.DateTimeField(
            required=False, help_text=_("When it was signed; now by default.")
        )
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    @extend_schema(
        operation_id="documents_receipt",
        tags=["documents"],
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={200: DocumentDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int, recipient_id: int):
        document = _visible(request.user, pk)
        recipient = _recipient(document, recipient_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.document_receipt_record(recipient=recipient, by=request.user, **data.validated_data)
        return Response(detail(_visible(request.user, pk), request.user))


class DocumentReceiptFileApi(APIView):
    """Download a recipient's returned receipt scan; 404 unless the user sees the document. Audited."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="documents_receipt_file",
        tags=["documents"],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description=_("The receipt's scan.")),
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request, pk: int, recipient_id: int):
        recipient = _recipient(_visible(request.user, pk), recipient_id)
        if not recipient.receipt_file:
            raise Http404
        services.receipt_downloaded(recipient=recipient, by=request.user)
        return presenters.receipt_file_response(recipient)


class DocumentFileApi(APIView):
    """Download the issued PDF; 404 unless the linking app's resolver lets the user see it. Audited."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="documents_file",
        tags=["documents"],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                description=_("The issued PDF, watermarked with the viewer's name, unit and time.")
            ),
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request, pk: int):
        try:
            document = services.document_download(
                document=_visible(request.user, pk), by=request.user, channel="api"
            )
        except Document.DoesNotExist:
            raise Http404 from None
        return file_response(document)


class DocumentPreviewApi(APIView):
    """Read a draft's PDF before taking its step (issue 19 item 3): who may read the draft; 404 for
    anyone else; 409 once issued (download the file instead). Audited as documents.document.preview."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="documents_preview",
        tags=["documents"],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                description=_(
                    "The draft as it will be issued: no number, no seal, marked 草稿 with the viewer."
                )
            ),
            **error_responses(401, 403, 404, 409),
        },
    )
    def get(self, request, pk: int):
        document = _visible(request.user, pk)
        if document.is_issued:
            raise Conflict(
                _("The document is issued: download its file instead."), current_state=document.state
            )
        return preview_response(document, request.user)


class SignatureSerializer(serializers.Serializer):
    signed = serializers.BooleanField(help_text=_("Whether the file carries a digital signature."))
    valid = serializers.BooleanField(
        help_text=_("Intact, cryptographically sound, chained to the trust roots, nothing added after it.")
    )
    signer = serializers.CharField(help_text=_("Common name of the signer's certificate (the organ)."))
    signer_unit = UnitRefSerializer(allow_null=True, help_text=_("The unit whose certificate signed it."))
    signed_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(help_text=_("Names the document's number."))
    intact = serializers.BooleanField(help_text=_("The signed bytes are unchanged."))
    chain_trusted = serializers.BooleanField(
        help_text=_("The certificate chains to the configured trust roots.")
    )
    covers_whole_file = serializers.BooleanField()
    demo = serializers.BooleanField(help_text=_("Signed with the demo CA: proves nothing outside the demo."))
    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("not_signed, unreadable, broken, modified, invalid, untrusted or appended."),
    )


class VerificationSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=list(services.RESULTS))
    issuer = serializers.CharField(required=False)
    number = serializers.CharField(required=False)
    kind = serializers.CharField(required=False)
    kind_title = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    issued_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.CharField(required=False)
    voided_reason = serializers.CharField(
        required=False, help_text=_("Why it no longer has effect (superseded, revoked or voided).")
    )
    replacement = serializers.DictField(
        required=False, allow_null=True, help_text=_("The correction that superseded it.")
    )
    revocation = serializers.DictField(
        required=False, allow_null=True, help_text=_("The 撤销决定书 that revoked it.")
    )
    corrects = serializers.DictField(
        required=False, allow_null=True, help_text=_("The earlier document this one corrects.")
    )
    copy = serializers.DictField(
        required=False, allow_null=True, help_text=_("A recorded served copy: viewer, time and purpose.")
    )
    signature = SignatureSerializer(
        required=False,
        allow_null=True,
        help_text=_("The file's digital signature (by code: the stored original's); absent when unknown."),
    )


class DocumentVerifyApi(APIView):
    """Verify a document by its code (JSON) or its file (multipart); anyone signed in; audited."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(required=False, allow_blank=True, help_text=_("e.g. 7K3M-Q9XA-2F4D"))
        file = serializers.FileField(required=False, help_text=_("The PDF to check, as received."))

        def validate(self, attrs):
            if not attrs.get("code") and not attrs.get("file"):
                raise serializers.ValidationError(_("Give a verification code or a file."))
            return attrs

    @extend_schema(
        operation_id="documents_verify",
        tags=["documents"],
        request={"application/json": InputSerializer, "multipart/form-data": InputSerializer},
        responses={200: VerificationSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data.get("file")
        if upload is not None:
            if upload.size > services.MAX_VERIFY_BYTES:
                raise serializers.ValidationError({"file": [_("The file is too large.")]})
            verification = services.document_verify_file(content=upload.read(), by=request.user)
        else:
            verification = services.document_verify_code(code=data.validated_data["code"], by=request.user)
        return Response(verification.as_dict())
