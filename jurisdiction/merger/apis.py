"""API of merger proposals (并案侦查, MPS-2020 art 21(2)): /api/v1/merger-proposals/.

Thin adapters (DESIGN.md, API conventions) over jurisdiction.merger.services: every read starts from
merger_visible_to (a proposal about cases the user sees neither of is 404), every write is
merger_propose or merger_transition, which answer 409 when the proposal moved on, 403 when the user
may not act and 400 naming the field when the input is refused. Each case of a proposal is shown
as far as the user may know it (jurisdiction.merger.presenters). CaseDataAccess refuses auditors
and system administrators before anything is looked up.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Case, RelatedCaseMatch
from cases.selectors import case_visible_to
from core.api import (
    CursorPagination,
    IdField,
    IdFilter,
    OfficerRefSerializer,
    RolesFirst,
    StepApi,
    TimelineEntrySerializer,
    error_responses,
    inline_choice,
    step_api_schema,
)
from core.ids import id_or_none
from jurisdiction.merger import presenters as present
from jurisdiction.merger import selectors, services
from jurisdiction.merger.steps import MERGER_MACHINE
from jurisdiction.models import MergerGround, MergerProposal, MergerState
from jurisdiction.permissions import MANAGERS
from organisation.apis import CaseDataAccess, UnitRefSerializer

TAG = "merger-proposals"


class MergerCaseSerializer(serializers.Serializer):
    """One case of a proposal, as far as the user may know it."""

    id = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Null for a case the user does not see.")
    )
    number = serializers.CharField(
        help_text=gettext_lazy("Empty only for a restricted case the user does not see.")
    )
    name = serializers.CharField(help_text=gettext_lazy("Empty for a case the user does not see."))
    state = serializers.CharField(help_text=gettext_lazy("Empty for a case the user does not see."))
    state_label = serializers.CharField()
    unit = UnitRefSerializer(help_text=gettext_lazy("The unit handling the case: whom to ask."))
    visible = serializers.BooleanField(help_text=gettext_lazy("Whether the user may open the case."))


class MergerMatchSerializer(serializers.Serializer):
    """The related-case notice the proposal started from."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=gettext_lazy("id_number, phone or bank_account."))
    kind_label = serializers.CharField(source="get_kind_display")
    value = serializers.CharField(source="matched_value_masked", help_text=gettext_lazy("Masked."))


class MergerProposalListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    available_transitions = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Transitions this user may take now.")
    )
    waiting_for = serializers.CharField()
    into_case = MergerCaseSerializer(
        source="into_case_data", help_text=gettext_lazy("The surviving case; its unit leads.")
    )
    merged_case = MergerCaseSerializer(
        source="merged_case_data", help_text=gettext_lazy("The case investigated within the other.")
    )
    ground = serializers.CharField(help_text=gettext_lazy("The ground of MPS-2020 art 21(2)."))
    ground_label = serializers.CharField(source="get_ground_display")
    proposing_unit = UnitRefSerializer()
    consenting_unit = UnitRefSerializer(help_text=gettext_lazy("The side that consents or declines (协商)."))
    reviewing_unit = UnitRefSerializer(
        source="into_unit", help_text=gettext_lazy("Its legal department reviews the merger (法制审核).")
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MergerProposalDetailSerializer(MergerProposalListItemSerializer):
    # The texts are empty for a reader who sees only one case and works in neither unit the proposal
    # is exchanged between (jurisdiction.merger.presenters.texts_visible).
    reasons = serializers.CharField(source="shown_reasons")
    match = MergerMatchSerializer(allow_null=True)
    proposed_by = OfficerRefSerializer()
    response = serializers.CharField(
        source="shown_response", help_text=gettext_lazy("The consenting or declining unit's answer.")
    )
    legal_review_note = serializers.CharField(source="shown_legal_review_note")
    timeline = TimelineEntrySerializer(many=True)


def _case_data(side: present.CaseSide) -> dict:
    return {
        "id": side.id,
        "number": side.number,
        "name": side.name,
        "state": side.state,
        "state_label": side.state_label,
        "unit": side.unit,
        "visible": side.visible,
    }


def _prepare(proposal: MergerProposal, user, visible: set[int]) -> MergerProposal:
    into, merged = present.sides(proposal, visible)
    # The nested cases come from what the user may know of them, not from the foreign keys.
    proposal.into_case_data, proposal.merged_case_data = _case_data(into), _case_data(merged)
    proposal.available_transitions = MERGER_MACHINE.available(proposal, user, api=True)
    proposal.waiting_for = present.waiting_for(proposal)
    proposal.consenting_unit = present.consenting_unit(proposal)
    return proposal


def list_data(proposals: list[MergerProposal], user, *, path: str) -> list[dict]:
    """Represent a page of proposals in a fixed number of queries (the cases' visibility, grant uses)."""
    visible = selectors.visible_case_ids(user, proposals)
    selectors.proposals_read_record(user, visible, path=path)
    return [MergerProposalListItemSerializer(_prepare(p, user, visible)).data for p in proposals]


def detail_data(proposal: MergerProposal, user, *, path: str) -> dict:
    visible = selectors.visible_case_ids(user, [proposal])
    selectors.proposals_read_record(user, visible, path=path)
    _prepare(proposal, user, visible)
    texts = present.texts_visible(proposal, user, visible)
    proposal.shown_reasons = proposal.reasons if texts else ""
    proposal.shown_response = proposal.response if texts else ""
    proposal.shown_legal_review_note = proposal.legal_review_note if texts else ""
    proposal.timeline = present.timeline(proposal, texts=texts)
    return MergerProposalDetailSerializer(proposal).data


def _detail_response(request, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
    proposal = selectors.proposal_get_visible(request.user, pk)
    return Response(detail_data(proposal, request.user, path=request.path), status=status_code)


# --- list and propose ----------------------------------------------------------------------------


class CaseIdFilter(IdFilter):
    """The id of a case, either side of a proposal."""


class MergerProposalFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=MergerState.choices, label=gettext_lazy("state"))
    ground = django_filters.ChoiceFilter(choices=MergerGround.choices, label=gettext_lazy("ground"))
    case = CaseIdFilter(method="filter_case", label=gettext_lazy("id of a case, surviving or merged"))

    class Meta:
        model = MergerProposal
        fields = []

    def filter_case(self, queryset, name, value):
        return queryset.filter(Q(into_case_id=value) | Q(merged_case_id=value))


class MergerProposalPagination(CursorPagination):
    ordering = "-id"


def _case_reference(value: str, field: str, user) -> tuple[Case, RelatedCaseMatch | None]:
    """Find the case a proposal names: one the user sees (id or number), or one a notice named.

    A case the user does not see is known only by the number a related-case notice gave
    (cases.related); its id was never told. Anything else is "No such case." whether it exists or
    not, so that the answer reveals nothing.
    """
    text = str(value).strip()
    visible = case_visible_to(user)
    number = id_or_none(text)
    found = visible.filter(pk=number).first() if number else visible.filter(number=text).first()
    if found is not None:
        return found, None
    told = selectors.notice_case(user, number=text) if text and number is None else None
    if told is not None:
        return told
    raise serializers.ValidationError({field: [_("No such case.")]})


class MergerProposalListApi(generics.ListAPIView):
    """List the merger proposals about cases the user sees, newest first, or propose one."""

    permission_classes = [CaseDataAccess, RolesFirst]
    # 403 before the body is read to one who may create none (issue 16).
    write_roles = MANAGERS
    serializer_class = MergerProposalListItemSerializer
    filterset_class = MergerProposalFilter
    pagination_class = MergerProposalPagination

    class InputSerializer(serializers.Serializer):
        into_case = serializers.CharField(
            max_length=40,
            help_text=gettext_lazy(
                "The surviving case, whose unit leads: the id or number of a case the user sees, or the "
                "number a related-case notice gave of a case the user does not see."
            ),
        )
        merged_case = serializers.CharField(
            max_length=40,
            help_text=gettext_lazy("The case to investigate within the other; named the same way."),
        )
        ground = inline_choice(
            MergerGround.choices, help_text=gettext_lazy("A ground of MPS-2020 art 21(2).")
        )
        reasons = serializers.CharField(allow_blank=True, max_length=4000)
        match = IdField(
            required=False,
            allow_null=True,
            help_text=gettext_lazy(
                "Id of the related-case notice the proposal starts from; found by itself when the two "
                "cases have one."
            ),
        )

    def get_queryset(self):
        return selectors.with_related(selectors.merger_visible_to(self.request.user))

    @extend_schema(
        operation_id="merger_proposals_list",
        tags=[TAG],
        responses={200: MergerProposalListItemSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(list_data(page, request.user, path=request.path))

    @extend_schema(
        operation_id="merger_proposals_create",
        tags=[TAG],
        description=gettext_lazy(
            "Propose to investigate one case within another (并案侦查, MPS-2020 art 21(2)): a department "
            "head, unit head or legal officer of either case's unit. The other unit consents or declines; "
            "the legal department of the surviving case's unit reviews."
        ),
        request=InputSerializer,
        responses={201: MergerProposalDetailSerializer, **error_responses(400, 401, 403, 409)},
    )
    def post(self, request, *args, **kwargs):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        found, errors = {}, {}
        for field in ("into_case", "merged_case"):
            try:
                found[field] = _case_reference(values[field], field, user)
            except serializers.ValidationError as error:
                errors.update(error.detail)
        if errors:
            raise serializers.ValidationError(errors)
        (into_case, into_notice), (merged_case, merged_notice) = found["into_case"], found["merged_case"]
        match = None
        if values.get("match") is not None:
            match = RelatedCaseMatch.objects.filter(
                pk=values["match"], case__in=case_visible_to(user).values("pk")
            ).first()
            if match is None:
                raise serializers.ValidationError({"match": [_("No such related-case notice.")]})
        else:
            match = into_notice or merged_notice or selectors.notice_between(user, into_case, merged_case)
        proposal = services.merger_propose(
            into_case=into_case,
            merged_case=merged_case,
            by=user,
            ground=values["ground"],
            reasons=values["reasons"],
            match=match,
        )
        return _detail_response(request, proposal.pk, status.HTTP_201_CREATED)


# --- one proposal --------------------------------------------------------------------------------


class MergerProposalDetailApi(APIView):
    """Show one proposal: both cases as far as the user knows them, ground, answers and timeline."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="merger_proposals_retrieve",
        tags=[TAG],
        responses={200: MergerProposalDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return _detail_response(request, pk)


@step_api_schema(
    operation_id="merger_proposals_transition",
    tags=[TAG],
    response=MergerProposalDetailSerializer,
    expected_state_help=gettext_lazy("The state the client saw; 409 if the proposal has moved on since."),
)
class MergerProposalTransitionApi(StepApi):
    """Take a step: consent or decline (the other unit), approve or reject (legal review), withdraw."""

    permission_classes = [CaseDataAccess]
    machine = MERGER_MACHINE

    def get_object(self, request, pk: int):
        return selectors.proposal_get_visible(request.user, pk)

    def respond(self, request, instance, pk: int):
        return _detail_response(request, instance.pk)
