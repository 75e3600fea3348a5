"""API of the organisation: token sign-in and sign-out, the signed-in user, the unit directory, the inbox.

The unit directory is shared: every signed-in user may read it, whatever their role. The inbox
holds case work and is refused to users without an operational role.
"""

from datetime import timedelta

import django_filters
from django.conf import settings
from django.contrib.auth import authenticate, logout, user_logged_in, user_logged_out
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ApiError, CursorPagination, StepApi, error_responses, step_api_schema
from core.inbox import counts_by_kind, inbox_for
from organisation.authentication import api_token_issue, api_token_revoke
from organisation.models import ApiToken, LoginThrottle, Role, Unit, UnitLevel
from organisation.permissions import is_approver
from organisation.selectors import (
    membership_proposals_to_decide,
    memberships_current,
    password_resets_to_decide,
    unit_directory,
    user_may_read_case_data,
)
from organisation.steps import MEMBERSHIP_PROPOSAL_MACHINE, PASSWORD_RESET_MACHINE

# --- who may call case endpoints, and who decides roles -------------------------------------------


class CaseDataAccess(BasePermission):
    """Admit only users with a current operational membership: every case endpoint sits behind this.

    System administrators and auditors hold none (separation of duties), so they are refused before
    any object is looked up. An anonymous request is left to DRF, which answers 401.
    """

    message = _(
        "Your account has no role that may read case data (system administrators and auditors do not)."
    )
    code = "no_case_data_access"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user_may_read_case_data(user)


class RoleApprover(BasePermission):
    """Admit a unit head or a security officer (never an administrator): they decide role proposals."""

    message = _("Only a unit head or a security officer decides role proposals.")
    code = "no_approver_role"

    def has_permission(self, request, view):
        return is_approver(request.user)


# Unit levels travel by name in the API; the numbers are a storage detail.
LEVEL_NAMES = {level.value: level.name.lower() for level in UnitLevel}
LEVEL_VALUES = {name: value for value, name in LEVEL_NAMES.items()}
LEVEL_CHOICES = [(LEVEL_NAMES[level.value], level.label) for level in UnitLevel]


# --- token sign-in and sign-out ------------------------------------------------------------------


class TokenObtainApi(APIView):
    """Exchange a user name and password for an expiring API token."""

    # No authentication: a token client has no session, so there is no CSRF to check, and an
    # expired token sent along must not stop the client from getting a new one.
    authentication_classes = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=256, trim_whitespace=False, style={"input_type": "password"}
        )

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text=_("Send as `Authorization: Token <token>`; shown only once."))
        expiry = serializers.DateTimeField(help_text=_("When the token stops working (Asia/Shanghai time)."))

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        # The Django request carries the lockout flag the backend sets and is what the audit
        # receivers of user_login_failed and user_logged_in read.
        django_request = request._request
        user = authenticate(django_request, username=username, password=data.validated_data["password"])
        if user is None:
            # Locked before this attempt, or by this very failure: either way, say until when.
            locked_until = _locked_until(username)
            if locked_until is not None or getattr(django_request, "login_locked_out", False):
                raise _locked_out(locked_until)
            raise ApiError(_("The user name or password is not correct."), code="invalid_credentials")
        if user.must_change_password:
            # A temporary password from an approved reset opens only the change-password page.
            raise ApiError(
                _("Your password was reset: sign in on the web page and choose a new password first."),
                code="password_change_required",
                status_code=status.HTTP_403_FORBIDDEN,
            )
        api_token, token = api_token_issue(user=user)
        # login() would start a session; a token sign-in still announces itself for the audit trail.
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        return Response(self.OutputSerializer({"token": token, "expiry": api_token.expires_at}).data)


def _locked_until(username: str):
    locked_until = (
        LoginThrottle.objects.filter(username=username.lower()).values_list("locked_until", flat=True).first()
    )
    return locked_until if locked_until and locked_until > timezone.now() else None


def _locked_out(locked_until) -> ApiError:
    if locked_until is None:
        locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    return ApiError(
        _("Too many failed sign-in attempts. Try again after %(time)s.")
        % {"time": formats.date_format(timezone.localtime(locked_until), "Y-m-d H:i")},
        code="locked_out",
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        retry_after=(locked_until - timezone.now()).total_seconds(),
    )


class LogoutApi(APIView):
    """Revoke the token the request was made with; for a browser session, end the session."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout",
        tags=["auth"],
        request=None,
        responses={204: OpenApiResponse(description=_("Signed out.")), **error_responses(401, 403)},
    )
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            api_token_revoke(api_token=request.auth)
            user_logged_out.send(sender=request.user.__class__, request=request._request, user=request.user)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the signed-in user --------------------------------------------------------------------------


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class DepartmentRefSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    code_prefix = serializers.CharField(
        help_text=_("Department short code used in document numbers (部门代字).")
    )


class PersonRefSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()


class MeUserSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    police_number = serializers.CharField()


class MeMembershipSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    department = DepartmentRefSerializer(allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField(help_text=_("The role as shown to people, marked when acting (代理)."))
    is_acting = serializers.BooleanField()
    acting_for = PersonRefSerializer(
        allow_null=True, help_text=_("The head an acting membership stands in for.")
    )
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)


class MeApi(APIView):
    """Show the signed-in user, the memberships in force today and whether they may read case data."""

    class OutputSerializer(serializers.Serializer):
        user = MeUserSerializer()
        memberships = MeMembershipSerializer(many=True)
        roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
        may_read_case_data = serializers.BooleanField(
            help_text=_("False for system administrators and auditors: case endpoints answer them 403.")
        )

    @extend_schema(operation_id="me", tags=["me"], responses={200: OutputSerializer, **error_responses(401)})
    def get(self, request):
        user = request.user
        memberships = list(memberships_current(user))
        output = {
            "user": user,
            "memberships": memberships,
            "roles": sorted({m.role for m in memberships}),
            "may_read_case_data": user_may_read_case_data(user),
        }
        return Response(self.OutputSerializer(output).data)


# --- the unit directory --------------------------------------------------------------------------


class UnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=LEVEL_CHOICES, method="filter_level", label=_("level"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("division code of the parent unit"))
    province = django_filters.CharFilter(field_name="province_code", label=_("division code of the province"))
    active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))
    search = django_filters.CharFilter(
        method="filter_search", label=_("part of the name, or the start of the code")
    )

    class Meta:
        model = Unit
        fields = []

    def filter_level(self, queryset, name, value):
        return queryset.filter(level=LEVEL_VALUES[value])

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value)) if value else queryset


class UnitLevelField(serializers.ChoiceField):
    """The level by name (ministry, province, prefecture, county)."""

    def __init__(self, **kwargs):
        super().__init__(choices=LEVEL_CHOICES, **kwargs)

    def to_representation(self, value):
        return LEVEL_NAMES[value]


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Division code; the ministry is 000000."))
    name = serializers.CharField()
    division_name = serializers.CharField()
    level = UnitLevelField()
    level_label = serializers.CharField(source="get_level_display")
    parent = UnitRefSerializer(allow_null=True)
    province_code = serializers.CharField()
    code_prefix = serializers.CharField(help_text=_("Organ short name used in document numbers (机关代字)."))
    is_remote = serializers.BooleanField(help_text=_("Remote area: longer periods for some checks."))
    is_active = serializers.BooleanField()
    intake_department = DepartmentRefSerializer(
        allow_null=True, help_text=_("The department that receives incoming requests (归口接收).")
    )
    departments = DepartmentRefSerializer(many=True, source="active_departments")
    children_count = serializers.IntegerField(help_text=_("Number of active units directly below."))


class UnitPagination(CursorPagination):
    ordering = "code"


@extend_schema(tags=["units"])
class UnitListApi(generics.ListAPIView):
    """List units of the directory, by division code, with filters and search."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    pagination_class = UnitPagination

    def get_queryset(self):
        return unit_directory()

    @extend_schema(
        operation_id="units_list", responses={200: UnitSerializer(many=True), **error_responses(400, 401)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["units"])
class UnitDetailApi(generics.RetrieveAPIView):
    """Show one unit by its division code (the ministry is 000000)."""

    serializer_class = UnitSerializer
    lookup_field = "code"

    def get_queryset(self):
        return unit_directory()

    @extend_schema(
        operation_id="units_retrieve", responses={200: UnitSerializer, **error_responses(401, 404)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- the inbox -----------------------------------------------------------------------------------


class InboxItemSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text=_("Stable key of the kind of work, e.g. assistance_request.intake.")
    )
    kind_label = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(help_text=_("The page where the work is done."))
    state = serializers.CharField()
    state_label = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()


class InboxApi(APIView):
    """List what waits for the user, overdue first, with a count per kind."""

    permission_classes = [CaseDataAccess]

    class OutputSerializer(serializers.Serializer):
        items = InboxItemSerializer(many=True)
        counts = serializers.DictField(
            child=serializers.IntegerField(), help_text=_("Number of items per kind.")
        )

    @extend_schema(
        operation_id="inbox", tags=["inbox"], responses={200: OutputSerializer, **error_responses(401, 403)}
    )
    def get(self, request):
        items = inbox_for(request.user)
        return Response(self.OutputSerializer({"items": items, "counts": counts_by_kind(items)}).data)


# --- role proposals (separation of duties) -------------------------------------------------------


class MembershipProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = PersonRefSerializer()
    unit = UnitRefSerializer()
    department = DepartmentRefSerializer(allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    is_acting = serializers.BooleanField()
    reason = serializers.CharField()
    state = serializers.CharField()
    proposed_by = PersonRefSerializer()
    proposed_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    temporary_password = serializers.CharField(
        required=False,
        allow_null=True,
        help_text=_(
            "On the approval of an account's first role only: its one-time password, shown once to the "
            "approver; the account must change it at its next sign-in."
        ),
    )


class MembershipProposalListApi(generics.ListAPIView):
    """List the role proposals waiting for this unit head's or security officer's decision."""

    permission_classes = [RoleApprover]
    serializer_class = MembershipProposalSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return membership_proposals_to_decide(None)  # schema generation has no user
        return membership_proposals_to_decide(self.request.user)

    @extend_schema(
        operation_id="membership_proposals_list",
        tags=["membership-proposals"],
        responses={200: MembershipProposalSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _proposal_response(proposal) -> Response:
    return Response(MembershipProposalSerializer(proposal).data)


class _ProposalDecision(StepApi):
    permission_classes = [RoleApprover]
    machine = MEMBERSHIP_PROPOSAL_MACHINE

    def get_object(self, request, pk: int):
        # A proposal the user may not decide is 404, like any object out of sight.
        return get_object_or_404(membership_proposals_to_decide(request.user), pk=pk)

    def respond(self, request, instance, pk: int):
        return _proposal_response(self.result)


@step_api_schema(
    operation_id="membership_proposals_transition",
    tags=["membership-proposals"],
    response=MembershipProposalSerializer,
)
class MembershipProposalDecideApi(_ProposalDecision):
    """Approve or reject a role proposal (`note`); the approver is a second person (never the proposer)."""


def _fixed_step_schema(step_view, *, operation_id: str, tags, response):
    """Describe a route that names its step in the path (`…/approve/`): the step view's input."""
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            tags=tags,
            request=step_view.input_serializer,
            responses={200: response, **error_responses(400, 401, 403, 404, 409)},
        )
    )


@_fixed_step_schema(
    MembershipProposalDecideApi,
    operation_id="membership_proposals_approve",
    tags=["membership-proposals"],
    response=MembershipProposalSerializer,
)
class MembershipProposalApproveApi(_ProposalDecision):
    """Approve a role proposal: `…/approve/`, the same as `…/transitions/approve/`."""


@_fixed_step_schema(
    MembershipProposalDecideApi,
    operation_id="membership_proposals_reject",
    tags=["membership-proposals"],
    response=MembershipProposalSerializer,
)
class MembershipProposalRejectApi(_ProposalDecision):
    """Reject a role proposal: `…/reject/`, the same as `…/transitions/reject/`."""


# --- password reset requests (separation of duties) ------------------------------------------------


class PasswordResetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = PersonRefSerializer()
    reason = serializers.CharField()
    state = serializers.CharField()
    requested_by = PersonRefSerializer()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class PasswordResetApprovedSerializer(PasswordResetSerializer):
    temporary_password = serializers.CharField(
        help_text=_("Shown once, to the approver only; the account must change it at its next sign-in.")
    )


class PasswordResetListApi(generics.ListAPIView):
    """List the password reset requests waiting for this security officer's or unit head's decision."""

    permission_classes = [RoleApprover]
    serializer_class = PasswordResetSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return password_resets_to_decide(None)  # schema generation has no user
        return password_resets_to_decide(self.request.user)

    @extend_schema(
        operation_id="password_resets_list",
        tags=["password-resets"],
        responses={200: PasswordResetSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PasswordResetDecisionSerializer(PasswordResetSerializer):
    temporary_password = serializers.CharField(
        required=False,
        allow_null=True,
        help_text=_(
            "On an approval only: shown once, to the approver only; the account must change it at its "
            "next sign-in."
        ),
    )


def _reset_response(reset) -> Response:
    password = getattr(reset, "temporary_password", None)
    if password:
        fields = {name: getattr(reset, name) for name in PasswordResetSerializer().fields}
        return Response(PasswordResetApprovedSerializer({**fields, "temporary_password": password}).data)
    return Response(PasswordResetSerializer(reset).data)


class _ResetDecision(StepApi):
    permission_classes = [RoleApprover]
    machine = PASSWORD_RESET_MACHINE

    def get_object(self, request, pk: int):
        return get_object_or_404(password_resets_to_decide(request.user), pk=pk)

    def respond(self, request, instance, pk: int):
        return _reset_response(self.result)


@step_api_schema(
    operation_id="password_resets_transition",
    tags=["password-resets"],
    response=PasswordResetDecisionSerializer,
)
class PasswordResetDecideApi(_ResetDecision):
    """Approve or reject a password reset request (`note`); a request the user may not decide is 404."""


@_fixed_step_schema(
    PasswordResetDecideApi,
    operation_id="password_resets_approve",
    tags=["password-resets"],
    response=PasswordResetApprovedSerializer,
)
class PasswordResetApproveApi(_ResetDecision):
    """Approve a reset: `…/approve/`; the answer shows the temporary password, once."""


@_fixed_step_schema(
    PasswordResetDecideApi,
    operation_id="password_resets_reject",
    tags=["password-resets"],
    response=PasswordResetSerializer,
)
class PasswordResetRejectApi(_ResetDecision):
    """Reject a reset: `…/reject/`, the same as `…/transitions/reject/`."""
