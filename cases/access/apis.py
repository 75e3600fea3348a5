"""API of access requests (/api/v1/access-requests/): list, create, detail and transitions.

Thin adapters over cases.access (DESIGN.md, API conventions): every read starts from
`selectors.access_requests_visible_to` (a miss is 404), every write is a service that answers 409
when the request moved on or one is already open, 403 when the user may not decide, 400 naming the
field; the steps come from the request's machine (cases.access.steps). A request shows its case and
the requester's purpose case as far as the viewer may see each now (`selectors.CaseMention`): in
full when the viewer sees it, otherwise at most as search would tell of it (the number of a normal
or internal case; a restricted one only by its owning unit). Creating one needs the user's own
search hit (`hit`, the hit's `request_access_token`), as the page does.
"""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import selectors, services
from cases.access.steps import ACCESS_REQUEST_MACHINE
from cases.models import AccessRequestState, AccessScope, CaseAccessRequest
from cases.selectors import case_discoverable_by
from core.api import (
    CursorPagination,
    IdField,
    IdFilter,
    OfficerRefSerializer,
    RolesFirst,
    StepApi,
    TimelineEntrySerializer,
    error_responses,
    step_api_schema,
)
from core.workflow import timeline_for
from organisation.apis import CaseDataAccess, UnitRefSerializer
from organisation.models import CASE_ROLES

TAG = "access-requests"


class AccessCaseSerializer(serializers.Serializer):
    """A case as far as the viewer may know it now (the owning unit is on the request; issue 16)."""

    id = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Null only for a restricted case the user does not see.")
    )
    number = serializers.CharField(
        help_text=gettext_lazy("Empty only for a restricted case the user does not see.")
    )
    visible = serializers.BooleanField(help_text=gettext_lazy("Whether the user may open the case now."))


class GrantSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=AccessScope.choices)
    scope_label = serializers.CharField(source="get_scope_display")
    starts_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    is_active = serializers.SerializerMethodField()

    def get_is_active(self, grant) -> bool:
        return grant.is_active()


class AccessRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = AccessCaseSerializer(source="case_shown")
    requester = OfficerRefSerializer()
    requesting_unit = UnitRefSerializer()
    owning_unit = UnitRefSerializer(
        help_text=gettext_lazy("The unit that decides: the case's responsible unit.")
    )
    reason = serializers.CharField()
    purpose_case = AccessCaseSerializer(source="purpose_case_shown", allow_null=True)
    state = serializers.CharField(help_text=gettext_lazy("requested, granted, refused or withdrawn."))
    state_label = serializers.CharField(source="get_state_display")
    decided_by = OfficerRefSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    grant = GrantSerializer(source="grant_or_none", allow_null=True)
    available_transitions = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Transitions this user may take now.")
    )


class AccessRequestDetailSerializer(AccessRequestSerializer):
    timeline = TimelineEntrySerializer(many=True)


def _prepare(access_request: CaseAccessRequest, user) -> CaseAccessRequest:
    access_request.grant_or_none = selectors.grant_of(access_request)
    access_request.available_transitions = ACCESS_REQUEST_MACHINE.available(access_request, user, api=True)
    return access_request


def detail_data(access_request: CaseAccessRequest, user, *, path: str) -> dict:
    selectors.access_requests_shown(user, [access_request], path=path)
    _prepare(access_request, user)
    access_request.timeline = list(timeline_for(access_request))
    return AccessRequestDetailSerializer(access_request).data


def _detail_response(request, pk, status_code=status.HTTP_200_OK) -> Response:
    found = selectors.access_request_get_visible(request.user, pk)
    return Response(detail_data(found, request.user, path=request.path), status=status_code)


class AccessRequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AccessRequestState.choices, label=gettext_lazy("state"))
    mine = django_filters.BooleanFilter(
        method="filter_mine",
        label=gettext_lazy("Only the requests I made (true) or only those addressed to my units (false)"),
    )
    case = IdFilter(method="filter_case", label=gettext_lazy("id of the case"))

    class Meta:
        model = CaseAccessRequest
        fields = []

    def filter_case(self, queryset, name, value):
        # The rows never give a restricted case's id to a viewer who does not see it; neither does
        # a filter matching it (issue 16).
        discoverable = case_discoverable_by(self.request.user).values("pk")
        return queryset.filter(case_id=value, case__in=discoverable)

    def filter_mine(self, queryset, name, value):
        mine = {"requester_id": self.request.user.pk}
        return queryset.filter(**mine) if value else queryset.exclude(**mine)


class AccessRequestPagination(CursorPagination):
    ordering = "-id"


@extend_schema(tags=[TAG])
class AccessRequestListApi(generics.ListAPIView):
    """List the access requests the user made or must decide, newest first; or ask for access to a case."""

    permission_classes = [CaseDataAccess, RolesFirst]
    # 403 before the body is read to one who may create none (issue 16).
    write_roles = CASE_ROLES
    serializer_class = AccessRequestSerializer
    filterset_class = AccessRequestFilter
    pagination_class = AccessRequestPagination

    class InputSerializer(serializers.Serializer):
        case = IdField(help_text=gettext_lazy("Id of the case found by search."))
        hit = serializers.CharField(
            max_length=services.HIT_MAX_LENGTH,
            help_text=gettext_lazy(
                "The request_access_token of your search hit for the case; it lasts an hour."
            ),
        )
        reason = serializers.CharField(
            max_length=2000, allow_blank=True, help_text=gettext_lazy("Why you need access to the case.")
        )
        purpose_case = IdField(
            required=False, allow_null=True, help_text=gettext_lazy("Id of your own case the access is for.")
        )

    def get_queryset(self):
        return selectors.access_request_list_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return page
        page = selectors.access_requests_shown(self.request.user, page, path=self.request.path)
        for item in page:
            _prepare(item, self.request.user)
        return page

    @extend_schema(
        operation_id="access_requests_list",
        responses={200: AccessRequestSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="access_requests_create",
        request=InputSerializer,
        responses={201: AccessRequestDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, *args, **kwargs):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # Only from the user's own search hit; anything else is 404 (issue 16, leak 4).
        search_event_id = services.search_hit_check(request.user, values["hit"], case_id=values["case"])
        created = services.access_request_create(
            case_id=values["case"],
            by=request.user,
            reason=values["reason"],
            purpose_case=values.get("purpose_case"),
            search_event_id=search_event_id,
        )
        return _detail_response(request, created.pk, status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class AccessRequestDetailApi(APIView):
    """Show one access request with its grant and timeline."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="access_requests_retrieve",
        responses={200: AccessRequestDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return _detail_response(request, pk)


@step_api_schema(
    operation_id="access_requests_transition",
    tags=[TAG],
    response=AccessRequestDetailSerializer,
    expected_state_help=gettext_lazy("The state the client saw; 409 if the request has moved on since."),
)
class AccessRequestTransitionApi(StepApi):
    """Grant (scope, days), refuse (reason) or withdraw an access request."""

    permission_classes = [CaseDataAccess]
    machine = ACCESS_REQUEST_MACHINE

    def get_object(self, request, pk: int):
        return selectors.access_request_get_visible(request.user, pk)

    def respond(self, request, instance, pk: int):
        return _detail_response(request, instance.pk)
