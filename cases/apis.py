"""API of cases: list, export, create, detail, edit, facts and transitions (DESIGN.md, API conventions).

Every view sits behind CaseDataAccess (no case data for administrators and auditors) and reads
cases only through cases.selectors.case_visible_to, so a case the user may not see answers 404
on every endpoint. Lists and exports mask identity numbers and phones; the detail shows them in
full and each such view is audited.
"""

import csv
import io

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import dossiers, permissions, related, selectors, services
from cases.filters import CaseFilter
from cases.models import (
    Case,
    CaseDossier,
    CaseLocation,
    CasePerson,
    CaseState,
    Charge,
    DossierState,
    FilingReview,
    Gender,
    HandlingCode,
    IdType,
    LocationRole,
    MatchKind,
    Offence,
    PartyRole,
    PersonRole,
)
from cases.steps import CASE_MACHINE
from core.api import StepApi, TimelineEntrySerializer, error_responses, step_api_schema
from core.grading import InformationAccuracy, SourceReliability, grade_text
from core.identity import mask_id_number, mask_phone
from core.ids import MAX_INT
from core.workflow import timeline_for
from organisation.apis import CaseDataAccess, UnitRefSerializer
from organisation.models import Unit
from organisation.standing import user_standing

# --- shared representations ----------------------------------------------------------------------


class OffenceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()


class ChargeSerializer(serializers.Serializer):
    """A charge (罪名) with its Criminal Law article and the offence grouping it belongs to."""

    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    article = serializers.CharField(help_text=gettext_lazy("The Criminal Law article, e.g. CL art 266."))
    group = serializers.CharField(
        source="group.code", default=None, allow_null=True, help_text=gettext_lazy("Offence grouping code.")
    )


def charges_input(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=48),
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "Charge codes (GET /api/v1/charges/); 诈骗罪 under the grouping telecom_fraud, or "
            "帮助信息网络犯罪活动罪, selects the telecom-fraud jurisdiction rules."
        ),
        **kwargs,
    )


class PhonesField(serializers.ListField):
    """Phone numbers of a person: a list of strings in, the person's phones (in full) out."""

    child = serializers.CharField(max_length=32)

    def to_representation(self, data):
        return [phone.number for phone in data.all()]


class MaskedPhonesField(serializers.ListField):
    child = serializers.CharField()

    def to_representation(self, data):
        return [mask_phone(phone.number) for phone in data.all()]


class MaskedIdNumberField(serializers.CharField):
    def to_representation(self, value):
        return mask_id_number(value) if value else ""


class PersonBankAccountSerializer(serializers.Serializer):
    bank = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    account_number = serializers.CharField(max_length=64)


class CasePersonSerializer(serializers.Serializer):
    """A person of the case in full: the same shape is written and read."""

    id = serializers.IntegerField(read_only=True)
    role = serializers.ChoiceField(choices=PersonRole.choices)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    name = serializers.CharField(max_length=64)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    id_type = serializers.ChoiceField(choices=IdType.choices, required=False)
    id_number = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "For a resident identity card, the 18-character number, checked by its check digit (GB 11643)."
        ),
    )
    household_division_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    household_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    household_unit = UnitRefSerializer(read_only=True, allow_null=True)
    habitual_division_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    habitual_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    habitual_since = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "When living at the habitual residence began (MPS-2020 art 16: one year or more)."
        ),
    )
    habitual_unit = UnitRefSerializer(read_only=True, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    phones = PhonesField(required=False)
    bank_accounts = PersonBankAccountSerializer(many=True, required=False)


class CaseLocationSerializer(serializers.Serializer):
    """A place of the case: the same shape is written and read."""

    id = serializers.IntegerField(read_only=True)
    role = serializers.ChoiceField(choices=LocationRole.choices)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    citation = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The rule that makes this kind of place a crime location.")
    )
    division_code = serializers.CharField(
        max_length=12,
        help_text=gettext_lazy(
            "Division code of the place: a division of the six regions, or of another province "
            "(outside the system)."
        ),
    )
    division_unit = UnitRefSerializer(read_only=True, allow_null=True)
    is_outside_system = serializers.BooleanField(read_only=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    occurred = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_main = serializers.BooleanField(
        required=False, help_text=gettext_lazy("Main crime location (主要犯罪地).")
    )
    victim_count = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_INT,
        help_text=gettext_lazy("Victims harmed at this place."),
    )
    loss_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=0,
        help_text=gettext_lazy("Loss at this place, in yuan."),
    )
    note = serializers.CharField(required=False, allow_blank=True)


class CasePartySerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    role = serializers.ChoiceField(choices=PartyRole.choices)
    role_label = serializers.CharField(source="get_role_display")


class SuspectSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    id_type = serializers.CharField()
    id_number = MaskedIdNumberField(help_text=gettext_lazy("Masked, e.g. 5101**********1234."))
    phones = MaskedPhonesField(help_text=gettext_lazy("Masked, e.g. 138****5678."))


class RelatedMatchSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MatchKind.choices)
    kind_label = serializers.CharField()
    value = serializers.CharField(help_text=gettext_lazy("Masked."))
    person = serializers.CharField(help_text=gettext_lazy("The suspect of this case who matched."))


class RelatedCaseSerializer(serializers.Serializer):
    """A possible related case, told as far as the user may know of it (DESIGN.md, Visibility)."""

    disclosure = serializers.ChoiceField(
        choices=[related.FULL, related.SUMMARY, related.NUMBER_ONLY, related.RESTRICTED],
        help_text=gettext_lazy(
            "full: the user may see the other case; summary: a normal case; number_only: an internal "
            "case; restricted: only that a restricted case matches and whom to ask."
        ),
    )
    case_id = serializers.IntegerField(allow_null=True)
    url = serializers.CharField()
    number = serializers.CharField()
    name = serializers.CharField()
    offence = serializers.CharField()
    state_label = serializers.CharField()
    unit_code = serializers.CharField(help_text=gettext_lazy("The other case's lead unit: whom to ask."))
    unit_name = serializers.CharField()
    matches = RelatedMatchSerializer(many=True)
    found_at = serializers.DateTimeField()
    text = serializers.CharField()


class CaseFieldsSerializer(serializers.Serializer):
    """What every representation of a case shows."""

    id = serializers.IntegerField()
    number = serializers.CharField(help_text=gettext_lazy("Allocated at registration; empty for a draft."))
    external_number = serializers.CharField()
    name = serializers.CharField()
    offence = OffenceSerializer(allow_null=True)
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_label = serializers.CharField(source="get_state_display")
    handling_code = serializers.ChoiceField(choices=HandlingCode.choices)
    source_reliability = serializers.CharField(
        help_text=gettext_lazy("Source reliability A, B, C or X (DOMAIN.md §4); empty when not graded.")
    )
    information_accuracy = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Information accuracy 1 to 4; null when not graded.")
    )
    grade = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            'The grade as printed beside the handling code, e.g. "B2"; empty when not graded.'
        )
    )
    accepting_unit = UnitRefSerializer()
    accepted_at = serializers.DateTimeField(allow_null=True)
    lead_unit = UnitRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_grade(self, obj) -> str:
        return grade_text(obj.source_reliability, obj.information_accuracy)


def source_reliability_input(**kwargs) -> serializers.ChoiceField:
    """An input of the source reliability grade; an unknown grade is a 400 naming the field."""
    return serializers.ChoiceField(
        choices=SourceReliability.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("A, B, C or X; empty for not graded."),
        **kwargs,
    )


def information_accuracy_input(**kwargs) -> serializers.ChoiceField:
    """An input of the information accuracy grade; an unknown grade is a 400 naming the field."""
    return serializers.ChoiceField(
        choices=InformationAccuracy.choices,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("1 to 4; null for not graded."),
        **kwargs,
    )


class CaseListItemSerializer(CaseFieldsSerializer):
    persons_count = serializers.IntegerField()
    suspects_count = serializers.IntegerField()
    victims_count = serializers.IntegerField()
    locations_count = serializers.IntegerField()
    suspects = SuspectSummarySerializer(
        many=True, help_text=gettext_lazy("Identity numbers and phones masked.")
    )


class FilingReviewSerializer(serializers.ModelSerializer):
    """A complainant's application against a 不予立案 and its decision (MPS-2020 art 179)."""

    deciding_unit = serializers.CharField(source="deciding_unit.code")
    kind = serializers.CharField(
        help_text=gettext_lazy("reconsideration (复议) or review (复核, by the superior).")
    )
    outcome = serializers.CharField(help_text=gettext_lazy("upheld or revoked; empty until decided."))

    class Meta:
        model = FilingReview
        fields = [
            "id",
            "kind",
            "applicant",
            "received_on",
            "deciding_unit",
            "extended_at",
            "extension_reason",
            "decided_at",
            "outcome",
            "decision_reason",
        ]


class CaseDetailSerializer(CaseFieldsSerializer):
    """A case in full, for those who may see it: identity numbers and phones unmasked."""

    summary = serializers.CharField()
    suspended_reason = serializers.CharField()
    closed_reason = serializers.CharField()
    revoke_reason = serializers.CharField()
    created_by = serializers.CharField(source="created_by.display_name", default="")
    parties = CasePartySerializer(many=True, source="party_list")
    locations = CaseLocationSerializer(many=True, source="location_list")
    persons = CasePersonSerializer(many=True, source="person_list")
    available_transitions = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Transitions this user may take now.")
    )
    can_edit = serializers.BooleanField(help_text=gettext_lazy("Whether this user may edit the case now."))
    timeline = TimelineEntrySerializer(many=True)
    related = RelatedCaseSerializer(
        many=True, help_text=gettext_lazy("Possible related cases: other cases naming one of its suspects.")
    )
    is_filed = serializers.BooleanField(
        help_text=gettext_lazy(
            "Whether the case was filed (立案, MPS-2020 art 178): a transfer is then art 184's, before it "
            "art 175's."
        )
    )
    filed_at = serializers.DateTimeField(allow_null=True)
    filing_decision = serializers.IntegerField(
        source="filing_decision_id",
        allow_null=True,
        help_text=gettext_lazy("The 立案决定书 (a document id), once the case is filed."),
    )
    charges = serializers.SerializerMethodField(help_text=gettext_lazy("The charges (罪名) of the case."))
    not_filed_at = serializers.DateTimeField(
        allow_null=True,
        help_text=gettext_lazy("When the organ's head decided not to file (不予立案, MPS-2020 art 178 ¶1)."),
    )
    refusal_ground = serializers.CharField(
        help_text=gettext_lazy(
            "The ground for not filing (MPS-2020 art 178 ¶1): no_crime, trivial or exempt."
        )
    )
    refusal_notice = serializers.IntegerField(
        source="refusal_notice_id",
        allow_null=True,
        help_text=gettext_lazy("The 不予立案通知书 (a document id), once the case is not filed."),
    )
    refusal_served_on = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The day the notice was served on the complainants (MPS-2020 art 178 ¶2)."),
    )
    filing_reviews = FilingReviewSerializer(
        many=True,
        source="filing_reviews.all",
        help_text=gettext_lazy(
            "The complainants' applications for 复议 or 复核 of a 不予立案 (MPS-2020 art 179)."
        ),
    )

    @extend_schema_field(ChargeSerializer(many=True))
    def get_charges(self, case) -> list:
        return ChargeSerializer(case.charges.select_related("group").order_by("sort", "code"), many=True).data


def case_detail_data(case: Case, user, *, path: str) -> dict:
    """Represent the case in full for the user; what showing it records is services.case_show's."""
    services.case_show(case=case, by=user, path=path)
    case.available_transitions = CASE_MACHINE.available(case, user, api=True)
    case.timeline = list(timeline_for(case))
    return CaseDetailSerializer(case).data


def _visible_case(request, pk) -> Case:
    return selectors.case_get_visible(request.user, pk)


def _unit(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise serializers.ValidationError(
            {field: [_("There is no unit with the code %(code)s.") % {"code": code}]}
        )
    return unit


def _charges(codes) -> list[Charge]:
    """Return the active charges of these codes, or a 400 naming the unknown ones."""
    codes = list(dict.fromkeys(codes or ()))
    found = {charge.code: charge for charge in Charge.objects.filter(code__in=codes, is_active=True)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise serializers.ValidationError(
            {"charges": [_("There is no charge with the code %(code)s.") % {"code": ", ".join(unknown)}]}
        )
    return [found[code] for code in codes]


def _offence(code):
    if code in (None, ""):
        return None
    offence = Offence.objects.filter(code=code, is_active=True).first()
    if offence is None:
        raise serializers.ValidationError(
            {"offence": [_("There is no offence with the code %(code)s.") % {"code": code}]}
        )
    return offence


# --- offences ------------------------------------------------------------------------------------


@extend_schema(tags=["cases"])
class OffenceListApi(generics.ListAPIView):
    """List the offences a case may be filed under, in their display order."""

    permission_classes = [CaseDataAccess]
    serializer_class = OffenceSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return selectors.offence_list()

    @extend_schema(
        operation_id="offences_list",
        responses={200: OffenceSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["cases"])
class ChargeListApi(generics.ListAPIView):
    """List the charges (罪名) a case may record, with their Criminal Law articles and groupings."""

    permission_classes = [CaseDataAccess]
    serializer_class = ChargeSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return selectors.charge_list()

    @extend_schema(
        operation_id="charges_list",
        responses={200: ChargeSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- the case list, export and creation ----------------------------------------------------------


@extend_schema(tags=["cases"])
class CaseListApi(generics.ListAPIView):
    """List the cases the user may see, newest first, or open a draft case."""

    permission_classes = [CaseDataAccess]
    serializer_class = CaseListItemSerializer
    filterset_class = CaseFilter

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        offence = serializers.CharField(
            required=False, allow_blank=True, help_text=gettext_lazy("Offence code.")
        )
        summary = serializers.CharField(required=False, allow_blank=True, default="")
        external_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        handling_code = serializers.ChoiceField(
            choices=HandlingCode.choices, required=False, default=HandlingCode.NORMAL
        )
        source_reliability = source_reliability_input(default="")
        information_accuracy = information_accuracy_input(default=None)
        charges = charges_input(default=list)
        accepting_unit = serializers.CharField(
            required=False,
            help_text=gettext_lazy(
                "Division code of the accepting unit; needed only when you may open cases in several units."
            ),
        )

    def get_queryset(self):
        return selectors.case_list_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        # The page shows these cases: those only a grant opens are grant uses (issue 16).
        page = super().paginate_queryset(queryset)
        return selectors.cases_shown(self.request.user, page, path=self.request.path)

    @extend_schema(
        operation_id="cases_list",
        responses={200: CaseListItemSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="cases_create",
        request=InputSerializer,
        responses={201: CaseDetailSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request, *args, **kwargs):
        # 403 before any complaint about the body: one who may open no case hears that first.
        standing = user_standing(request.user)
        if not any(standing.holds(unit_id, permissions.CREATORS) for unit_id in standing.unit_ids):
            raise PermissionDenied(_("Only investigators and department heads can open cases."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        accepting_unit = self._accepting_unit(request.user, values.get("accepting_unit"))
        case = services.case_create(
            by=request.user,
            accepting_unit=accepting_unit,
            name=values["name"],
            offence=_offence(values.get("offence")),
            summary=values["summary"],
            external_number=values["external_number"],
            handling_code=values["handling_code"],
            source_reliability=values["source_reliability"],
            information_accuracy=values["information_accuracy"],
            charges=_charges(values["charges"]),
        )
        case = selectors.case_get_visible(request.user, case.pk)
        return Response(
            case_detail_data(case, request.user, path=request.path), status=status.HTTP_201_CREATED
        )

    @staticmethod
    def _accepting_unit(user, code: str | None) -> Unit:
        if code:
            return _unit(code, "accepting_unit")
        standing = user_standing(user)
        eligible = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, permissions.CREATORS)]
        if not eligible:
            raise PermissionDenied(_("Only investigators and department heads can open cases."))
        if len(eligible) > 1:
            raise serializers.ValidationError(
                {"accepting_unit": [_("You may open cases in several units: name the accepting unit.")]}
            )
        return Unit.objects.get(pk=eligible[0])


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


# Cells a spreadsheet would run as a formula are prefixed with a quote (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _suspects_text(case: Case) -> str:
    parts = []
    for person in case.suspects:
        details = [mask_id_number(person.id_number)] if person.id_number else []
        details += [mask_phone(phone.number) for phone in person.phones.all()]
        parts.append(f"{person.name} ({', '.join(details)})" if details else person.name)
    return "; ".join(parts)


@extend_schema(tags=["cases"])
class CaseExportApi(generics.ListAPIView):
    """Export the cases the user may see, with the list's filters, as CSV; identities masked; audited."""

    permission_classes = [CaseDataAccess]
    renderer_classes = [CsvRenderer, JSONRenderer]
    filterset_class = CaseFilter
    pagination_class = None

    def get_queryset(self):
        return selectors.case_list_visible_to(self.request.user).order_by("-id")

    def handle_exception(self, exc):
        # Errors keep the one JSON error body whatever was negotiated.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="cases_export",
        responses={
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request, *args, **kwargs):
        cases = self.filter_queryset(self.get_queryset())
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                _("Case number"),
                _("External case number"),
                _("Case name"),
                _("Offence"),
                _("State"),
                _("Handling code"),
                _("Grading"),
                _("Accepting unit"),
                _("Lead unit"),
                _("Accepted at"),
                _("Suspects"),
                _("Victims"),
                _("Locations"),
            ]
        )
        exported: list[int] = []
        for case in cases.iterator(chunk_size=500):
            exported.append(case.pk)
            accepted = (
                timezone.localtime(case.accepted_at).strftime("%Y-%m-%d %H:%M") if case.accepted_at else ""
            )
            writer.writerow(
                [
                    _cell(value)
                    for value in (
                        case.number,
                        case.external_number,
                        case.name,
                        case.offence.name if case.offence_id else "",
                        case.get_state_display(),
                        case.get_handling_code_display(),
                        grade_text(case.source_reliability, case.information_accuracy),
                        case.accepting_unit.name,
                        case.lead_unit.name if case.lead_unit_id else "",
                        accepted,
                        _suspects_text(case),
                        case.victims_count,
                        case.locations_count,
                    )
                ]
            )
        services.case_export_record(
            by=request.user, filters=dict(request.query_params.items()), count=len(exported)
        )
        # Each exported case only a grant opens is a use of the grant (issue 16).
        selectors.grant_uses_record(request.user, exported, path=request.path)
        response = HttpResponse(
            # A byte-order mark, so that spreadsheet programs read the file as UTF-8.
            "\ufeff" + buffer.getvalue(),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
        return response


# --- one case ------------------------------------------------------------------------------------


@extend_schema(tags=["cases"])
class CaseDetailApi(APIView):
    """Show one case in full (identities unmasked, the view audited), or edit its fields."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120, required=False)
        offence = serializers.CharField(
            required=False, allow_blank=True, help_text=gettext_lazy("Offence code.")
        )
        summary = serializers.CharField(required=False, allow_blank=True)
        external_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
        handling_code = serializers.ChoiceField(choices=HandlingCode.choices, required=False)
        source_reliability = source_reliability_input()
        information_accuracy = information_accuracy_input()
        charges = charges_input()

    @extend_schema(
        operation_id="cases_retrieve", responses={200: CaseDetailSerializer, **error_responses(401, 403, 404)}
    )
    def get(self, request, pk: int):
        case = _visible_case(request, pk)
        return Response(case_detail_data(case, request.user, path=request.path))

    @extend_schema(
        operation_id="cases_partial_update",
        request=InputSerializer,
        responses={200: CaseDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        case = _visible_case(request, pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "offence" in values:
            values["offence"] = _offence(values["offence"])
        if "charges" in values:
            values["charges"] = _charges(values["charges"])
        services.case_update(case=case, by=request.user, data=values)
        return Response(case_detail_data(_visible_case(request, pk), request.user, path=request.path))


@step_api_schema(
    operation_id="cases_transition",
    tags=["cases"],
    response=CaseDetailSerializer,
    expected_state_help=gettext_lazy("The state the client saw; 409 if the case has moved on since."),
)
class CaseTransitionApi(StepApi):
    """Take a step of the case (register, start_investigation, suspend, close, revoke …; cases.steps)."""

    permission_classes = [CaseDataAccess]
    machine = CASE_MACHINE

    def get_object(self, request, pk: int):
        return _visible_case(request, pk)

    def respond(self, request, instance, pk: int):
        # Shown to the user who just acted, even if the change took the case out of their sight.
        case = Case.objects.select_related("offence", "accepting_unit", "lead_unit", "created_by").get(
            pk=instance.pk
        )
        return Response(case_detail_data(case, request.user, path=request.path))


# --- facts ---------------------------------------------------------------------------------------


def _location(case: Case, location_id: int) -> CaseLocation:
    location = case.locations.filter(pk=location_id).first()
    if location is None:
        raise Http404
    return location


def _person(case: Case, person_id: int) -> CasePerson:
    person = case.persons.filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


def _location_output(location: CaseLocation) -> dict:
    location = CaseLocation.objects.select_related("division_unit").get(pk=location.pk)
    return CaseLocationSerializer(location).data


def _person_output(person: CasePerson) -> dict:
    person = (
        CasePerson.objects.select_related("household_unit", "habitual_unit")
        .prefetch_related("phones", "bank_accounts")
        .get(pk=person.pk)
    )
    return CasePersonSerializer(person).data


@extend_schema(tags=["cases"])
class CaseLocationCreateApi(APIView):
    """Add a place to the case with its role (MPS-2020 arts 16–18) and division code."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="cases_locations_create",
        request=CaseLocationSerializer,
        responses={201: CaseLocationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        case = _visible_case(request, pk)
        data = CaseLocationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        location = services.case_location_add(case=case, by=request.user, data=data.validated_data)
        return Response(_location_output(location), status=status.HTTP_201_CREATED)


@extend_schema(tags=["cases"])
class CaseLocationDetailApi(APIView):
    """Change or remove a place of the case."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="cases_locations_partial_update",
        request=CaseLocationSerializer,
        responses={200: CaseLocationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int, location_id: int):
        location = _location(_visible_case(request, pk), location_id)
        data = CaseLocationSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        location = services.case_location_update(location=location, by=request.user, data=data.validated_data)
        return Response(_location_output(location))

    @extend_schema(
        operation_id="cases_locations_destroy",
        responses={
            204: OpenApiResponse(description=gettext_lazy("Removed.")),
            **error_responses(401, 403, 404, 409),
        },
    )
    def delete(self, request, pk: int, location_id: int):
        location = _location(_visible_case(request, pk), location_id)
        services.case_location_remove(location=location, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["cases"])
class CasePersonCreateApi(APIView):
    """Add a suspect, victim or witness to the case."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="cases_persons_create",
        request=CasePersonSerializer,
        responses={201: CasePersonSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        case = _visible_case(request, pk)
        data = CasePersonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = services.case_person_add(case=case, by=request.user, data=data.validated_data)
        return Response(_person_output(person), status=status.HTTP_201_CREATED)


@extend_schema(tags=["cases"])
class CasePersonDetailApi(APIView):
    """Change or remove a person of the case; phones and bank accounts given replace the old ones."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="cases_persons_partial_update",
        request=CasePersonSerializer,
        responses={200: CasePersonSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int, person_id: int):
        person = _person(_visible_case(request, pk), person_id)
        data = CasePersonSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        person = services.case_person_update(person=person, by=request.user, data=data.validated_data)
        return Response(_person_output(person))

    @extend_schema(
        operation_id="cases_persons_destroy",
        responses={
            204: OpenApiResponse(description=gettext_lazy("Removed.")),
            **error_responses(401, 403, 404, 409),
        },
    )
    def delete(self, request, pk: int, person_id: int):
        person = _person(_visible_case(request, pk), person_id)
        services.case_person_remove(person=person, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the case dossier ----------------------------------------------------------------------------


class CaseDossierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    state = serializers.ChoiceField(choices=DossierState.choices)
    progress = serializers.IntegerField(help_text=gettext_lazy("Per cent built, 0 to 100."))
    total = serializers.IntegerField(help_text=gettext_lazy("Documents going into the dossier."))
    done_count = serializers.IntegerField(help_text=gettext_lazy("Documents added so far."))
    pages = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    file_url = serializers.SerializerMethodField()

    def get_file_url(self, dossier: CaseDossier) -> str | None:
        if dossier.state != DossierState.DONE:
            return None
        return reverse("api:case-dossier-file", kwargs={"pk": dossier.case_id, "dossier_id": dossier.pk})


@extend_schema(tags=["cases"])
class CaseDossierCreateApi(APIView):
    """Queue a dossier of the case: cover, contents and every issued document you may see."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="cases_dossiers_create",
        request=None,
        responses={202: CaseDossierSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, pk: int):
        case = _visible_case(request, pk)
        dossier = dossiers.dossier_request(case=case, by=request.user, path=request.path)
        return Response(CaseDossierSerializer(dossier).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["cases"])
class CaseDossierDetailApi(APIView):
    """The dossier's state and progress; only its requester, while they see the case, finds it."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="cases_dossiers_retrieve",
        responses={200: CaseDossierSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int, dossier_id: int):
        dossier = dossiers.dossier_get_visible(request.user, pk, dossier_id, path=request.path)
        return Response(CaseDossierSerializer(dossier).data)


@extend_schema(tags=["cases"])
class CaseDossierFileApi(APIView):
    """Download the finished dossier PDF (audited); 404 until it is done."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="cases_dossiers_file",
        responses={
            (200, "application/pdf"): OpenApiResponse(description=gettext_lazy("The dossier PDF.")),
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request, pk: int, dossier_id: int):
        dossier = dossiers.dossier_get_visible(request.user, pk, dossier_id, path=request.path)
        dossiers.dossier_download(dossier=dossier, by=request.user, channel="api")
        return FileResponse(
            dossier.file.open("rb"),
            as_attachment=True,
            filename=f"dossier-{dossier.case_id}-{dossier.pk}.pdf",
            content_type="application/pdf",
        )
