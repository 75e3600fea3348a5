"""API of the shared registers: the expert pool (/api/v1/experts/), the liaison register (/api/v1/liaisons/).

Every signed-in user reads both (DESIGN.md: shared directories), auditors and system administrators
included; phones and e-mail addresses are null for users without an operational membership (see
organisation.registers.selectors.may_see_contacts). Changes are for the unit head or liaison officer of the
unit concerned or of a unit above it: 403 for anybody else.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CursorPagination, RolesFirst, error_responses
from organisation.apis import UnitRefSerializer
from organisation.models import Availability, LiaisonRole, Unit, User
from organisation.registers import selectors, services

TAG_EXPERTS = "experts"
TAG_LIAISONS = "liaisons"


# --- shared pieces --------------------------------------------------------------------------------


class SpecialtySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OfficerSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField(source="display_name")


class ContactsHiddenMixin:
    """Blank out contact fields for a reader without an operational membership (context `show_contacts`)."""

    contact_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_contacts", False):
            for name in self.contact_fields:
                data[name] = None
        return data


def _context(request) -> dict:
    user = request.user
    return {
        "request": request,
        "show_contacts": selectors.may_see_contacts(user),
        "editor_units": selectors.editor_units(user),
    }


def _unit_from_code(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code=(code or "").strip(), is_active=True).first()
    if unit is None:
        raise serializers.ValidationError({field: [_("No active unit has this division code.")]})
    return unit


def _user_from_username(username: str, field: str) -> User:
    user = User.objects.filter(username=(username or "").strip(), is_active=True).first()
    if user is None:
        raise serializers.ValidationError({field: [_("No active account has this user name.")]})
    return user


# --- experts --------------------------------------------------------------------------------------


class ExpertSerializer(ContactsHiddenMixin, serializers.Serializer):
    contact_fields = ("phone", "email")

    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    user = OfficerSerializer(
        allow_null=True, help_text=_("The officer's account; null for an outside expert.")
    )
    affiliation = serializers.CharField(help_text=_("Affiliation of an outside expert."))
    unit = UnitRefSerializer(allow_null=True, help_text=_("The unit that keeps the listing."))
    title = serializers.CharField()
    specialties = SpecialtySerializer(many=True, source="specialties.all")
    availability = serializers.ChoiceField(choices=Availability.choices)
    availability_label = serializers.CharField(source="get_availability_display")
    phone = serializers.CharField(
        allow_null=True, help_text=_("Null unless the reader has an operational role.")
    )
    email = serializers.CharField(
        allow_null=True, help_text=_("Null unless the reader has an operational role.")
    )
    note = serializers.CharField()
    is_active = serializers.BooleanField(help_text=_("False once taken off the pool."))
    updated_at = serializers.DateTimeField()
    may_edit = serializers.SerializerMethodField(help_text=_("Whether the reader may change this listing."))

    def get_may_edit(self, expert) -> bool:
        units = self.context.get("editor_units") or []
        return selectors.may_edit_unit(None, expert.unit, units=units)


class ExpertFilterSerializer(serializers.Serializer):
    specialty = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Specialty code.")
    )
    region = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Province code (51 or 510000).")
    )
    availability = serializers.ChoiceField(
        choices=Availability.choices, required=False, allow_blank=True, default=""
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text=_("Part of a name, affiliation or title."),
    )
    active = serializers.BooleanField(
        required=False, default=True, help_text=_("Listed experts (default) or, with false, those taken off.")
    )


class ExpertInputSerializer(serializers.Serializer):
    user = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("User name of an officer; leave out for an outside expert."),
    )
    external_name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    affiliation = serializers.CharField(required=False, allow_blank=True, max_length=120)
    unit = serializers.CharField(
        required=False, help_text=_("Division code of the unit that keeps the listing.")
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=64)
    specialties = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=_("Specialty codes.")
    )
    availability = serializers.ChoiceField(choices=Availability.choices, required=False)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    is_active = serializers.BooleanField(required=False)


def _expert_values(validated: dict) -> dict:
    values = dict(validated)
    if "unit" in values:
        values["unit"] = _unit_from_code(values["unit"], "unit")
    if values.get("user"):
        values["user"] = _user_from_username(values["user"], "user")
    else:
        values.pop("user", None)
    return values


class ExpertPagination(CursorPagination):
    ordering = "id"


class ExpertListApi(generics.ListAPIView):
    """Search the expert pool by specialty, province, availability and name; or list an expert."""

    permission_classes = [IsAuthenticated, RolesFirst]
    # 403 before the body is read to one who may create none (issue 16).
    write_roles = selectors.EDITOR_ROLES

    serializer_class = ExpertSerializer
    pagination_class = ExpertPagination
    filter_backends = []

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_context(self.request)}

    def get_queryset(self):
        filters = ExpertFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.expert_list(**filters.validated_data)

    @extend_schema(
        operation_id="experts_list",
        tags=[TAG_EXPERTS],
        parameters=[ExpertFilterSerializer],
        responses={200: ExpertSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="experts_create",
        tags=[TAG_EXPERTS],
        description=_(
            "List an officer (by user name) or an outside expert (name and affiliation) in the pool, kept "
            "by a unit; an officer already listed has the listing changed. For the unit head or liaison "
            "officer of the unit or of a unit above it."
        ),
        request=ExpertInputSerializer,
        responses={201: ExpertSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request, *args, **kwargs):
        data = ExpertInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expert = services.expert_upsert(by=request.user, **_expert_values(data.validated_data))
        return Response(
            ExpertSerializer(expert, context=_context(request)).data, status=status.HTTP_201_CREATED
        )


class ExpertDetailApi(APIView):
    """Show one expert, or change the listing."""

    @extend_schema(
        operation_id="experts_retrieve",
        tags=[TAG_EXPERTS],
        responses={200: ExpertSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(ExpertSerializer(selectors.expert_get(pk), context=_context(request)).data)

    @extend_schema(
        operation_id="experts_partial_update",
        tags=[TAG_EXPERTS],
        request=ExpertInputSerializer,
        responses={200: ExpertSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        expert = selectors.expert_get(pk)
        data = ExpertInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        expert = services.expert_upsert(by=request.user, expert=expert, **_expert_values(data.validated_data))
        return Response(ExpertSerializer(expert, context=_context(request)).data)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ExpertEndApi(APIView):
    """Take an expert off the pool; 409 if already off."""

    @extend_schema(
        operation_id="experts_end",
        tags=[TAG_EXPERTS],
        request=ReasonSerializer,
        responses={200: ExpertSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        expert = selectors.expert_get(pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expert = services.expert_deactivate(by=request.user, expert=expert, **data.validated_data)
        return Response(ExpertSerializer(expert, context=_context(request)).data)


class SpecialtyListApi(APIView):
    """List the specialties the expert pool is searched by."""

    @extend_schema(
        operation_id="specialties_list",
        tags=[TAG_EXPERTS],
        responses={200: SpecialtySerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        return Response(SpecialtySerializer(selectors.specialty_list(), many=True).data)


# --- liaison officers -----------------------------------------------------------------------------


class LiaisonSerializer(ContactsHiddenMixin, serializers.Serializer):
    contact_fields = ("phone", "mobile", "email")

    id = serializers.IntegerField()
    unit = UnitRefSerializer()
    user = OfficerSerializer()
    role = serializers.ChoiceField(choices=LiaisonRole.choices)
    role_label = serializers.CharField(source="get_role_display")
    phone = serializers.CharField(
        allow_null=True, help_text=_("Null unless the reader has an operational role.")
    )
    mobile = serializers.CharField(
        allow_null=True, help_text=_("Null unless the reader has an operational role.")
    )
    email = serializers.CharField(
        allow_null=True, help_text=_("Null unless the reader has an operational role.")
    )
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True, help_text=_("Last day of service; null while open."))
    may_edit = serializers.SerializerMethodField(
        help_text=_("Whether the reader may change this assignment.")
    )

    def get_may_edit(self, assignment) -> bool:
        units = self.context.get("editor_units") or []
        return selectors.may_edit_unit(None, assignment.unit, units=units)


class LiaisonFilterSerializer(serializers.Serializer):
    region = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Province code (51 or 510000).")
    )
    unit = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Division code of a unit.")
    )
    current = serializers.BooleanField(
        required=False, default=True, help_text=_("Only assignments in force today (default); false for all.")
    )


class LiaisonInputSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text=_("Division code of the unit."))
    user = serializers.CharField(help_text=_("User name of the officer."))
    role = serializers.ChoiceField(choices=LiaisonRole.choices, default=LiaisonRole.PRIMARY)
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    mobile = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True)
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)


class LiaisonUpdateSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    mobile = serializers.CharField(required=False, allow_blank=True, max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True)


class LiaisonEndSerializer(ReasonSerializer):
    valid_to = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Last day of service; today when left out."),
    )


class LiaisonPagination(CursorPagination):
    ordering = "id"


class LiaisonListApi(generics.ListAPIView):
    """Search the liaison register by province and unit; or name a unit's liaison officer or deputy."""

    permission_classes = [IsAuthenticated, RolesFirst]
    # 403 before the body is read to one who may create none (issue 16).
    write_roles = selectors.EDITOR_ROLES

    serializer_class = LiaisonSerializer
    pagination_class = LiaisonPagination
    filter_backends = []

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_context(self.request)}

    def get_queryset(self):
        filters = LiaisonFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        values["unit"] = _unit_from_code(values["unit"], "unit") if values["unit"] else None
        return selectors.liaison_list(**values)

    @extend_schema(
        operation_id="liaisons_list",
        tags=[TAG_LIAISONS],
        parameters=[LiaisonFilterSerializer],
        responses={200: LiaisonSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="liaisons_create",
        tags=[TAG_LIAISONS],
        description=_(
            "Name a unit's liaison officer (one open per unit) or a deputy, with contact details. For the "
            "unit head or liaison officer of the unit or of a unit above it."
        ),
        request=LiaisonInputSerializer,
        responses={201: LiaisonSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request, *args, **kwargs):
        data = LiaisonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["unit"] = _unit_from_code(values["unit"], "unit")
        values["user"] = _user_from_username(values["user"], "user")
        assignment = services.liaison_assign(by=request.user, **values)
        return Response(
            LiaisonSerializer(assignment, context=_context(request)).data, status=status.HTTP_201_CREATED
        )


class LiaisonDetailApi(APIView):
    """Show one liaison assignment, or change its contact details."""

    @extend_schema(
        operation_id="liaisons_retrieve",
        tags=[TAG_LIAISONS],
        responses={200: LiaisonSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(LiaisonSerializer(selectors.liaison_get(pk), context=_context(request)).data)

    @extend_schema(
        operation_id="liaisons_partial_update",
        tags=[TAG_LIAISONS],
        request=LiaisonUpdateSerializer,
        responses={200: LiaisonSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        assignment = selectors.liaison_get(pk)
        data = LiaisonUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        assignment = services.liaison_update(by=request.user, assignment=assignment, **data.validated_data)
        return Response(LiaisonSerializer(assignment, context=_context(request)).data)


class LiaisonEndApi(APIView):
    """End a liaison assignment (today, or on the last day given); 409 if it has ended."""

    @extend_schema(
        operation_id="liaisons_end",
        tags=[TAG_LIAISONS],
        request=LiaisonEndSerializer,
        responses={
            200: OpenApiResponse(LiaisonSerializer, description=_("The ended assignment.")),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request, pk: int):
        assignment = selectors.liaison_get(pk)
        data = LiaisonEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.liaison_end(by=request.user, assignment=assignment, **data.validated_data)
        return Response(LiaisonSerializer(assignment, context=_context(request)).data)
