"""API of access requests (/api/v1/access-requests/): list, create, detail and transitions.

Thin adapters over cases.access (DESIGN.md, API conventions): every read starts from
`access_requests_visible_to` (a miss is 404), every write is a service that answers 409 when the
request moved on or one is already open, 403 when the user may not decide, 400 naming the field.
A request shows its case and the requester's purpose case as far as the viewer may see each now
(`cases.access.CaseMention`): in full when the viewer sees it, otherwise at most as search would
tell of it (the number of a normal or internal case; a restricted one only by its owning unit).
Creating one needs the user's own search hit (`hit`, the hit's `request_access_token`), as the page
does.
"""

import django_filters
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import access
from cases.models import AccessRequestState, AccessScope, CaseAccessRequest
from cases.selectors import case_discoverable_by
from core.api import (
    CursorPagination,
    IdField,
    IdFilter,
    OfficerRefSerializer,
    RolesFirst,
    TimelineEntrySerializer,
    error_responses,
    inline_choice,
    refuse_unpermitted_transition,
)
from core.workflow import available_transitions, timeline_for
from organisation.apis import UnitRefSerializer
from organisation.models import CASE_ROLES
from organisation.permissions import CaseDataAccess

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
    access_request.grant_or_none = access.grant_of(access_request)
    access_request.available_transitions = available_transitions(access_request, user)
    return access_request


def detail_data(access_request: CaseAccessRequest, user, *, path: str) -> dict:
    access.access_requests_shown(user, [access_request], path=path)
    _prepare(access_request, user)
    access_request.timeline = list(timeline_for(access_request))
    return AccessRequestDetailSerializer(access_request).data


def _detail_response(request, pk, status_code=status.HTTP_200_OK) -> Response:
    found = access.access_request_get_visible(request.user, pk)
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
            max_length=access.HIT_MAX_LENGTH,
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
        return access.access_request_list_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return page
        page = access.access_requests_shown(self.request.user, page, path=self.request.path)
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
        search_event_id = access.search_hit_check(request.user, values["hit"], case_id=values["case"])
        created = access.access_request_create(
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


@extend_schema(tags=[TAG])
class AccessRequestTransitionApi(APIView):
    """Grant (scope, days), refuse (reason) or withdraw an access request."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=2000,
            help_text=gettext_lazy("Required to refuse; a note otherwise."),
        )
        scope = serializers.ChoiceField(
            choices=AccessScope.choices,
            required=False,
            default=AccessScope.READ,
            help_text=gettext_lazy("grant: read (the case file) or read_documents (also its documents)."),
        )
        days = serializers.IntegerField(
            required=False,
            default=access.DEFAULT_DAYS,
            min_value=access.MIN_DAYS,
            max_value=access.MAX_DAYS,
            help_text=gettext_lazy("grant: how many days the access lasts, 1 to 30."),
        )
        expected_state = inline_choice(
            AccessRequestState.choices,
            required=False,
            help_text=gettext_lazy("The state the client saw; 409 if the request has moved on since."),
        )

    @extend_schema(
        operation_id="access_requests_transition",
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(access.TRANSITIONS))],
        request=InputSerializer,
        responses={200: AccessRequestDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int, name: str):
        found = access.access_request_get_visible(request.user, pk)
        if name not in access.TRANSITIONS:
            raise Http404(name)
        refuse_unpermitted_transition(found, name, request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        access.access_request_transition(
            request_id=found.pk,
            name=name,
            by=request.user,
            reason=values["reason"],
            scope=values["scope"],
            days=values["days"],
            expected_state=values.get("expected_state"),
        )
        return _detail_response(request, found.pk)
