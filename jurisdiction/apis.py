"""API of jurisdiction proceedings (/api/v1/jurisdiction-proceedings/) and of a case's live analysis.

Thin adapters (DESIGN.md, API conventions): every read starts from
selectors.proceeding_visible_to (a miss is 404), every write is a service of jurisdiction.services,
which answers 409 when the proceeding moved on, 403 when the user may not act and 400 naming the
field when the input is refused. CaseDataAccess refuses auditors and system administrators before
anything is looked up. Units are named by division code in and out.
"""

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import case_get_visible, case_visible_to, grant_use_record
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
from core.api import IdFilter as BoundedIdFilter
from core.workflow import timeline_for
from documents import kinds as document_kinds
from documents.models import Document
from jurisdiction import permissions as perms
from jurisdiction import presenters, rules, selectors, services
from jurisdiction.documents import HANDOVER_LIST
from jurisdiction.facts import case_analysis
from jurisdiction.models import (
    HandoverItem,
    HandoverItemKind,
    JurisdictionProceeding,
    PartyPosition,
    ProceedingKind,
    ProceedingParty,
    ProceedingState,
)
from jurisdiction.selectors import proceeding_get_visible, proceeding_visible_to, proceedings_read_record
from jurisdiction.steps import PROCEEDING_MACHINE, api_transitions
from organisation.apis import CaseDataAccess, UnitRefSerializer
from organisation.models import Unit

S = ProceedingState
TAG = "jurisdiction-proceedings"

# --- the analysis of the rules engine (jurisdiction.rules.Analysis.to_dict) ----------------------


class AnalysisUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    path = serializers.CharField(help_text=gettext_lazy("Division codes from the ministry down."))


class JurisdictionBasisSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=gettext_lazy("e.g. crime_conduct, network, suspect_household."))
    label_zh = serializers.SerializerMethodField()
    label_en = serializers.SerializerMethodField()
    facts = serializers.ListField(child=serializers.CharField())
    facts_en = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=gettext_lazy(
            "The same facts in English, one for one; absent from an analysis kept before."
        ),
    )
    citation = serializers.CharField(help_text=gettext_lazy("The article applied, e.g. MPS-2020 art 16."))
    condition = serializers.CharField(
        help_text=gettext_lazy("Empty when the basis holds as such; if_necessary or if_more_suitable.")
    )
    roles = serializers.ListField(child=serializers.CharField())
    secondary = serializers.BooleanField()

    def get_label_zh(self, basis) -> str:
        return rules.KIND_LABELS.get(basis["kind"], ("", ""))[0]

    def get_label_en(self, basis) -> str:
        return rules.KIND_LABELS.get(basis["kind"], ("", ""))[1]


class JurisdictionCandidateSerializer(serializers.Serializer):
    unit = AnalysisUnitSerializer()
    bases = JurisdictionBasisSerializer(many=True)
    has_jurisdiction = serializers.BooleanField()


class OutsideSystemSerializer(serializers.Serializer):
    division_code = serializers.CharField()
    bases = JurisdictionBasisSerializer(many=True)


class AlternativeSerializer(serializers.Serializer):
    unit = AnalysisUnitSerializer()
    kind = serializers.CharField()
    citation = serializers.CharField()
    explanation_zh = serializers.CharField()
    explanation_en = serializers.CharField()


class RecommendationSerializer(serializers.Serializer):
    unit = AnalysisUnitSerializer(allow_null=True)
    outcome = serializers.CharField(
        help_text=gettext_lazy("keep, transfer, none_in_system, or facts_missing when no place is recorded.")
    )
    citations = serializers.ListField(child=serializers.CharField())
    explanation_zh = serializers.CharField()
    explanation_en = serializers.CharField()
    alternatives = AlternativeSerializer(many=True)


class FactorRowSerializer(serializers.Serializer):
    unit = AnalysisUnitSerializer()
    value = serializers.JSONField(allow_null=True, help_text=gettext_lazy("A count, an amount or a text."))
    text_zh = serializers.CharField()
    text_en = serializers.CharField()
    leads = serializers.BooleanField()


class FactorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label_zh = serializers.CharField()
    label_en = serializers.CharField()
    guideline = serializers.CharField()
    rows = FactorRowSerializer(many=True)
    leaders = AnalysisUnitSerializer(many=True)


class AnalysisNoteSerializer(serializers.Serializer):
    key = serializers.CharField()
    text_zh = serializers.CharField()
    text_en = serializers.CharField()
    citation = serializers.CharField()


class AnalysisChargeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    article = serializers.CharField(help_text=gettext_lazy("The Criminal Law article, e.g. CL art 266."))


class JurisdictionAnalysisSerializer(serializers.Serializer):
    """The rules engine's view of a case: candidates with their bases, the recommendation, factors."""

    rules_version = serializers.CharField()
    # Analyses stored before issue 18 carry no rule set: they were MPS-2020's alone.
    rule_set = serializers.CharField(
        default=rules.MPS_2020,
        help_text=gettext_lazy(
            "The rule set the case's charges select: MPS-2020, or telecom_fraud (the 2016 and 2021 "
            "telecom-fraud opinions beside MPS-2020)."
        ),
    )
    rule_set_citations = serializers.ListField(child=serializers.CharField(), default=list)
    charges = AnalysisChargeSerializer(many=True, default=list)
    candidates = JurisdictionCandidateSerializer(many=True)
    outside_system = OutsideSystemSerializer(many=True)
    recommendation = RecommendationSerializer()
    factors = FactorSerializer(many=True)
    notes = AnalysisNoteSerializer(many=True)
    common_superior = AnalysisUnitSerializer(allow_null=True)


class AnalysisCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()


class CaseJurisdictionAnalysisSerializer(JurisdictionAnalysisSerializer):
    case = AnalysisCaseSerializer()


# --- a proceeding --------------------------------------------------------------------------------


class ProceedingCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    accepting_unit = UnitRefSerializer()
    lead_unit = UnitRefSerializer(allow_null=True)


class ProceedingDocumentSerializer(serializers.Serializer):
    """A document of the proceeding; read it and take its steps through /api/v1/documents/{id}/."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    number = serializers.CharField(help_text=gettext_lazy("Drawn when the document is issued."))
    issued_at = serializers.DateTimeField(allow_null=True)


class PartyBriefSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    position = serializers.CharField(help_text=gettext_lazy("claim, decline, propose; empty until stated."))


class PartySerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    bases = JurisdictionBasisSerializer(
        many=True, help_text=gettext_lazy("The unit's legal bases found when the proceeding opened.")
    )
    position = serializers.CharField(help_text=gettext_lazy("claim, decline, propose; empty until stated."))
    position_label = serializers.CharField(source="get_position_display")
    proposed_unit = UnitRefSerializer(allow_null=True)
    reasons = serializers.CharField()
    positioned_by = OfficerRefSerializer(allow_null=True)
    positioned_at = serializers.DateTimeField(allow_null=True)


class RouteUnitSerializer(serializers.Serializer):
    code = serializers.CharField(source="unit.code")
    name = serializers.CharField(source="unit.name")
    is_current = serializers.BooleanField(
        help_text=gettext_lazy("The unit holding the designation request now.")
    )


class RouteStepSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    action = serializers.CharField(help_text=gettext_lazy("forward, return or take_up."))
    action_label = serializers.CharField(source="get_action_display")
    note = serializers.CharField()
    by = OfficerRefSerializer()
    at = serializers.DateTimeField()


class DesignationRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filing_unit = UnitRefSerializer()
    suspects = serializers.CharField()
    charge = serializers.CharField()
    facts = serializers.CharField()
    dispute = serializers.CharField()
    consultation_record = serializers.CharField()
    reasons = serializers.CharField()
    proposed_unit = UnitRefSerializer(allow_null=True)
    report_document = ProceedingDocumentSerializer(
        allow_null=True, help_text=gettext_lazy("The 呈请报告书: legal review, then the head's approval.")
    )
    created_by = OfficerRefSerializer()
    created_at = serializers.DateTimeField()


class HandoverItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=gettext_lazy("suspect, property or file."))
    kind_label = serializers.CharField(source="get_kind_display")
    description = serializers.CharField()
    quantity = serializers.CharField()
    note = serializers.CharField()
    added_by = OfficerRefSerializer()
    added_at = serializers.DateTimeField()


class HandoverConfirmationSerializer(serializers.Serializer):
    side = serializers.CharField(help_text=gettext_lazy("sender or receiver."))
    side_label = serializers.CharField(source="get_side_display")
    unit = UnitRefSerializer()
    by = OfficerRefSerializer()
    at = serializers.DateTimeField()
    list_digest = serializers.CharField()
    is_current = serializers.BooleanField(help_text=gettext_lazy("Signed for the list as it is now."))


class MyActionsSerializer(serializers.Serializer):
    """What the requesting user may do besides the transitions."""

    position_units = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("Division codes of the parties the user may state a position for now."),
    )
    edit_handover = serializers.BooleanField(help_text=gettext_lazy("May add and remove list lines now."))
    handover_side = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The side the user signs the handover list for, if any.")
    )


class ProceedingListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = ProceedingCaseSerializer()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    opening_unit = UnitRefSerializer()
    holding_unit = UnitRefSerializer()
    lead_unit = UnitRefSerializer(allow_null=True)
    superior_unit = UnitRefSerializer(allow_null=True)
    parties = PartyBriefSerializer(many=True, source="parties.all")
    consultation_due_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProceedingDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = ProceedingCaseSerializer()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    available_transitions = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Transitions this user may take now.")
    )
    my_actions = MyActionsSerializer()
    reason = serializers.CharField()
    opened_by = OfficerRefSerializer()
    opened_at = serializers.DateTimeField()
    opening_unit = UnitRefSerializer()
    holding_unit = UnitRefSerializer(help_text=gettext_lazy("Held the case when the proceeding opened."))
    parties = PartySerializer(many=True, source="party_list")
    consultation_due_at = serializers.DateTimeField(allow_null=True)
    lead_unit = UnitRefSerializer(allow_null=True)
    assisting_units = UnitRefSerializer(many=True, source="assisting_unit_list")
    outcome_reason = serializers.CharField()
    legal_review_note = serializers.CharField()
    superior_unit = UnitRefSerializer(allow_null=True)
    designated_directly = serializers.BooleanField()
    route = RouteUnitSerializer(
        many=True,
        source="route_units",
        help_text=gettext_lazy(
            "The superiors the designation request goes through (层报); the last one designates."
        ),
    )
    current_route_unit = UnitRefSerializer(allow_null=True)
    route_steps = RouteStepSerializer(many=True, source="route_step_list")
    designation_requests = DesignationRequestSerializer(many=True, source="designation_request_list")
    decision_document = ProceedingDocumentSerializer(
        allow_null=True, help_text=gettext_lazy("The 指定管辖决定书 (MPS-2020 art 23).")
    )
    transfer_notice = ProceedingDocumentSerializer(
        allow_null=True, help_text=gettext_lazy("The 移送案件通知书 (MPS-2020 arts 175, 184).")
    )
    handover_list = ProceedingDocumentSerializer(
        allow_null=True, help_text=gettext_lazy("The co-signed 移交清单, issued when both sides signed.")
    )
    needs_handover = serializers.BooleanField()
    after_filing = serializers.BooleanField(
        help_text=gettext_lazy(
            "Whether the case was filed (立案) when the proceeding opened: a transfer before it is "
            "MPS-2020 art 175's (24 hours), after it art 184's (head approval, 3-day notice)."
        )
    )
    family_notice_owed = serializers.BooleanField(
        help_text=gettext_lazy(
            "A suspect in custody is handed over and the family has not been told yet (MPS-2020 art 184)."
        )
    )
    family_notified_at = serializers.DateTimeField(allow_null=True)
    family_notice = serializers.CharField()
    handover_items = HandoverItemSerializer(many=True, source="handover_item_list")
    handover_confirmations = HandoverConfirmationSerializer(many=True, source="confirmation_list")
    handover_digest = serializers.CharField(
        help_text=gettext_lazy("Digest of the list as it is now: send it back to confirm this list.")
    )
    settled_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField()
    rules_version = serializers.CharField()
    analysis = serializers.SerializerMethodField()
    timeline = TimelineEntrySerializer(many=True)

    @extend_schema_field(JurisdictionAnalysisSerializer(allow_null=True))
    def get_analysis(self, obj) -> dict | None:
        # Shown as stored: the analysis the parties were drawn from, not today's.
        return obj.analysis or None


def _route_units(proceeding: JurisdictionProceeding) -> list[dict]:
    units = Unit.objects.in_bulk(proceeding.route) if proceeding.route else {}
    current = proceeding.current_route_unit_id
    if proceeding.state == S.FORWARDING:
        current_index = proceeding.route_position
    elif proceeding.state == S.AT_SUPERIOR:
        current_index = len(proceeding.route) - 1
    else:
        current_index = None
    return [
        {"unit": units[unit_id], "is_current": index == current_index and unit_id == current}
        for index, unit_id in enumerate(proceeding.route)
        if unit_id in units
    ]


def detail_data(proceeding: JurisdictionProceeding, user) -> dict:
    """Represent the proceeding in full for the user, in a fixed number of queries."""
    proceeding.party_list = list(
        proceeding.parties.select_related("unit", "proposed_unit", "positioned_by").order_by("id")
    )
    proceeding.assisting_unit_list = list(proceeding.assisting_units.order_by("code"))
    proceeding.route_units = _route_units(proceeding)
    current = next((row["unit"] for row in proceeding.route_units if row["is_current"]), None)
    proceeding.current_route_unit = current
    proceeding.route_step_list = list(proceeding.route_steps.select_related("unit", "by").order_by("id"))
    proceeding.designation_request_list = list(
        proceeding.designation_requests.select_related(
            "filing_unit", "proposed_unit", "report_document", "created_by"
        ).order_by("-id")
    )
    # A draft is named only to the officers of its issuing unit who take its steps (issue 16 leak 9).
    readable = presenters.proceeding_documents(proceeding, user)
    listed = {document.pk for document in readable}
    for designation_request in proceeding.designation_request_list:
        if designation_request.report_document_id not in listed:
            designation_request.report_document = None

    def latest(kind: str) -> Document | None:
        return presenters.latest_of_kind(readable, kind)

    proceeding.decision_document = latest(document_kinds.JURISDICTION_DESIGNATION_DECISION.code)
    proceeding.transfer_notice = latest(document_kinds.CASE_TRANSFER_NOTICE.code)
    proceeding.handover_list = latest(HANDOVER_LIST.code)
    proceeding.handover_item_list = list(proceeding.handover_items.select_related("added_by").order_by("id"))
    proceeding.handover_digest = services.handover_digest(proceeding)
    proceeding.confirmation_list = list(
        proceeding.handover_confirmations.select_related("unit", "by").order_by("side")
    )
    for confirmation in proceeding.confirmation_list:
        confirmation.is_current = confirmation.list_digest == proceeding.handover_digest
    proceeding.available_transitions = api_transitions(proceeding, user)
    proceeding.family_notice_owed = services.family_notice_owed(proceeding)
    in_handover = proceeding.state == S.HANDOVER
    proceeding.my_actions = {
        "position_units": [
            party.unit.code
            for party in proceeding.party_list
            if proceeding.state == S.CONSULTING and perms.may_record_position(proceeding, user, party.unit_id)
        ],
        "edit_handover": in_handover and perms.may_edit_handover(proceeding, user),
        "handover_side": perms.handover_side(proceeding, user) if in_handover else None,
    }
    proceeding.timeline = list(timeline_for(proceeding))
    return ProceedingDetailSerializer(proceeding).data


def _detail_response(request, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
    proceeding = proceeding_get_visible(request.user, pk)
    # A proceeding whose case only an access grant opens to the user: every showing is audited.
    proceedings_read_record(request.user, [proceeding], path=request.path)
    return Response(detail_data(proceeding, request.user), status=status_code)


def _unit(code, field: str) -> Unit | None:
    """Return the unit with this division code, None for no code; 400 naming the field otherwise."""
    if code in (None, ""):
        return None
    unit = Unit.objects.filter(code=str(code).strip()).first()
    if unit is None:
        raise serializers.ValidationError(
            {field: [_("There is no unit with the code %(code)s.") % {"code": code}]}
        )
    return unit


# --- list and open -------------------------------------------------------------------------------


class IdFilter(BoundedIdFilter):
    """A filter on an object id: an integer in the schema."""


class ProceedingFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ProceedingState.choices, label=gettext_lazy("state"))
    kind = django_filters.ChoiceFilter(choices=ProceedingKind.choices, label=gettext_lazy("kind"))
    case = IdFilter(field_name="case_id", label=gettext_lazy("id of the case"))
    awaiting_me = django_filters.BooleanFilter(
        method="filter_awaiting_me",
        label=gettext_lazy("Only the proceedings waiting on a step I may take (true) or the others (false)"),
    )

    class Meta:
        model = JurisdictionProceeding
        fields = []

    def filter_awaiting_me(self, queryset, name, value):
        condition = selectors.awaiting_condition(self.request.user)
        queryset = selectors.with_filing_unit(queryset)
        return queryset.filter(condition) if value else queryset.exclude(condition)


class ProceedingPagination(CursorPagination):
    ordering = "-id"


class ProceedingListApi(generics.ListAPIView):
    """List the proceedings the user may see, newest first, or open one on a case."""

    permission_classes = [CaseDataAccess, RolesFirst]
    # 403 before the body is read to one who may create none (issue 16).
    write_roles = perms.MANAGERS
    serializer_class = ProceedingListItemSerializer
    filterset_class = ProceedingFilter
    pagination_class = ProceedingPagination

    class InputSerializer(serializers.Serializer):
        case = IdField(help_text=gettext_lazy("Id of a case the user may see."))
        kind = inline_choice(ProceedingKind.choices, default=ProceedingKind.DISPUTE)
        reason = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=2000,
            help_text=gettext_lazy("Why the jurisdiction is in question."),
        )
        extra_units = serializers.ListField(
            child=serializers.CharField(),
            required=False,
            default=list,
            help_text=gettext_lazy(
                "Division codes of units taking part besides those the rules find a basis for "
                "(a unit claiming the case on facts not yet recorded)."
            ),
        )

    def get_queryset(self):
        return (
            proceeding_visible_to(self.request.user)
            .select_related(
                "case__accepting_unit",
                "case__lead_unit",
                "opening_unit",
                "holding_unit",
                "lead_unit",
                "superior_unit",
            )
            .prefetch_related(
                Prefetch("parties", queryset=ProceedingParty.objects.select_related("unit").order_by("id"))
            )
        )

    @extend_schema(
        operation_id="jurisdiction_proceedings_list",
        tags=[TAG],
        responses={200: ProceedingListItemSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        proceedings_read_record(request.user, page, path=request.path)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="jurisdiction_proceedings_create",
        tags=[TAG],
        description=gettext_lazy(
            "Open a proceeding on a case (a manager of the unit holding it): a consultation (dispute) "
            "lists every unit the rules find a basis for as a party (MPS-2020 arts 21–23); a transfer "
            "moves the case to the unit with jurisdiction (arts 175, 184)."
        ),
        request=InputSerializer,
        responses={201: ProceedingDetailSerializer, **error_responses(400, 401, 403, 409)},
    )
    def post(self, request, *args, **kwargs):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = case_visible_to(request.user).filter(pk=values["case"]).first()
        if case is None:
            raise serializers.ValidationError({"case": [_("No such case.")]})
        extra_units = [_unit(code, "extra_units") for code in values["extra_units"]]
        proceeding = services.proceeding_open(
            case=case,
            by=request.user,
            kind=values["kind"],
            reason=values["reason"],
            extra_units=[unit for unit in extra_units if unit is not None],
        )
        return _detail_response(request, proceeding.pk, status.HTTP_201_CREATED)


# --- one proceeding ------------------------------------------------------------------------------


class ProceedingDetailApi(APIView):
    """Show one proceeding: parties and positions, route, requests, documents, handover, timeline."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="jurisdiction_proceedings_retrieve",
        tags=[TAG],
        responses={200: ProceedingDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return _detail_response(request, pk)


@step_api_schema(
    operation_id="jurisdiction_proceedings_transition",
    tags=[TAG],
    response=ProceedingDetailSerializer,
    expected_state_help=gettext_lazy("The state the client saw; 409 if the proceeding has moved on since."),
)
class ProceedingTransitionApi(StepApi):
    """Take a step of the proceeding, e.g. start_consultation, agree, request_designation, forward."""

    permission_classes = [CaseDataAccess]
    machine = PROCEEDING_MACHINE

    def get_object(self, request, pk: int):
        return proceeding_get_visible(request.user, pk)

    def respond(self, request, instance, pk: int):
        return _detail_response(request, instance.pk)


class ProceedingPositionApi(APIView):
    """State a party's position in the consultation (协商): claim, decline, or propose another unit."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        unit = serializers.CharField(
            required=False,
            help_text=gettext_lazy(
                "Division code of the party the position is for; needed only when the user may speak for "
                "several parties."
            ),
        )
        position = inline_choice(PartyPosition.choices)
        reasons = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        proposed_unit = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text=gettext_lazy("propose: division code of the party proposed to lead."),
        )

    @extend_schema(
        operation_id="jurisdiction_proceedings_position",
        tags=[TAG],
        request=InputSerializer,
        responses={200: ProceedingDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        proceeding = proceeding_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = _unit(values.get("unit"), "unit") or self._only_party_unit(proceeding, request.user)
        services.position_record(
            proceeding=proceeding,
            unit=unit,
            by=request.user,
            position=values["position"],
            reasons=values["reasons"],
            proposed_unit=_unit(values.get("proposed_unit"), "proposed_unit"),
        )
        return _detail_response(request, proceeding.pk)

    @staticmethod
    def _only_party_unit(proceeding, user) -> Unit:
        mine = [
            unit_id
            for unit_id in perms.party_units(proceeding)
            if perms.may_record_position(proceeding, user, unit_id)
        ]
        if not mine:
            raise PermissionDenied(_("You may not state a position for any party to this proceeding."))
        if len(mine) > 1:
            raise serializers.ValidationError(
                {"unit": [_("You may speak for several parties: name the unit.")]}
            )
        return Unit.objects.get(pk=mine[0])


class ProceedingDecisionApi(APIView):
    """Draft (or rewrite while drafted) the 指定管辖决定书 at the designating superior (MPS-2020 art 23).

    Its legal department reviews it and its head approves it through /api/v1/documents/{id}/; the
    designate transition then issues it.
    """

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        lead_unit = serializers.CharField(help_text=gettext_lazy("Division code of the party designated."))
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    @extend_schema(
        operation_id="jurisdiction_proceedings_decision",
        tags=[TAG],
        request=InputSerializer,
        responses={200: ProceedingDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        proceeding = proceeding_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.designation_decision_draft(
            proceeding=proceeding,
            by=request.user,
            lead_unit=_unit(values["lead_unit"], "lead_unit"),
            reason=values["reason"],
        )
        return _detail_response(request, proceeding.pk)


class HandoverItemListApi(APIView):
    """Add a line to the handover list (移交清单, MPS-2020 arts 23, 185); both signatures are cleared."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        kind = inline_choice(HandoverItemKind.choices)
        description = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
        quantity = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    @extend_schema(
        operation_id="jurisdiction_proceedings_handover_items_create",
        tags=[TAG],
        request=InputSerializer,
        responses={201: ProceedingDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        proceeding = proceeding_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.handover_item_add(proceeding=proceeding, by=request.user, **data.validated_data)
        return _detail_response(request, proceeding.pk, status.HTTP_201_CREATED)


class HandoverItemDetailApi(APIView):
    """Remove a line from the handover list; both signatures are cleared."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="jurisdiction_proceedings_handover_items_destroy",
        tags=[TAG],
        responses={
            204: OpenApiResponse(description=gettext_lazy("Removed.")),
            **error_responses(401, 403, 404, 409),
        },
    )
    def delete(self, request, pk: int, item_id: int):
        proceeding = proceeding_get_visible(request.user, pk)
        item = get_object_or_404(HandoverItem.objects.filter(proceeding=proceeding), pk=item_id)
        services.handover_item_remove(item=item, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HandoverConfirmationApi(APIView):
    """Sign the handover list for the user's side; once both sides signed the same list, it settles."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        digest = serializers.CharField(
            max_length=64,
            help_text=gettext_lazy(
                "handover_digest of the list the user read; 409 if the list changed since."
            ),
        )

    @extend_schema(
        operation_id="jurisdiction_proceedings_handover_confirm",
        tags=[TAG],
        request=InputSerializer,
        responses={200: ProceedingDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        proceeding = proceeding_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.handover_confirm(
            proceeding=proceeding, by=request.user, digest=data.validated_data["digest"]
        )
        return _detail_response(request, proceeding.pk)


class ComplainantsNotifiedApi(APIView):
    """Record that the complainants were told of the transfer in writing (MPS-2020 art 184)."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=2000,
            help_text=gettext_lazy("How and when the complainants were told."),
        )

    @extend_schema(
        operation_id="jurisdiction_proceedings_complainants_notified",
        tags=[TAG],
        request=InputSerializer,
        responses={200: ProceedingDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        proceeding = proceeding_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.complainants_notified(
            proceeding=proceeding, by=request.user, note=data.validated_data["note"]
        )
        return _detail_response(request, proceeding.pk)


class FamilyNotifiedApi(APIView):
    """Record that the family of a suspect in custody was told of the transfer (MPS-2020 art 184)."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=2000,
            help_text=gettext_lazy("How and when the family was told."),
        )

    @extend_schema(
        operation_id="jurisdiction_proceedings_family_notified",
        tags=[TAG],
        request=InputSerializer,
        responses={200: ProceedingDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        proceeding = proceeding_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.family_notified(proceeding=proceeding, by=request.user, note=data.validated_data["note"])
        return _detail_response(request, proceeding.pk)


# --- a case's live analysis ----------------------------------------------------------------------


class CaseJurisdictionAnalysisApi(APIView):
    """Analyse the case's jurisdiction now: every candidate unit with its bases and citations, the
    recommendation with its alternatives, and the factors weighed (MPS-2020 arts 15–23)."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="cases_jurisdiction_analysis",
        tags=["cases"],
        parameters=[OpenApiParameter("case_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: CaseJurisdictionAnalysisSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, case_id: int):
        case = case_get_visible(request.user, case_id)
        # The analysis shows the case's places and persons: a showing through a grant is audited.
        grant_use_record(request.user, case, path=request.path)
        analysis = case_analysis(case).to_dict()
        analysis["case"] = {"id": case.pk, "number": case.number, "name": case.name}
        return Response(CaseJurisdictionAnalysisSerializer(analysis).data)
