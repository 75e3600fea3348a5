"""API of joint meetings (/api/v1/meeting-series/, /api/v1/meetings/, /api/v1/action-items/).

Thin adapters (DESIGN.md, API conventions), one view per operation: every read starts from the
visibility selectors of meetings.selectors (a miss is 404, so an invisible meeting's existence stays
hidden), every write is a service of meetings.scheduling, agenda, briefing, minutes, resolutions or
action_items, which answer 409 when the object moved on, 403 when the user may not act and 400
naming the field when the input is refused. CaseDataAccess refuses auditors and system
administrators before anything is looked up. Units are named by division code in and out; times
are read in Asia/Shanghai when no offset is given (TIME_ZONE) and written with their offset.
"""

import datetime as dt

import django_filters
from django import forms
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    CursorPagination,
    OfficerRefSerializer,
    RolesFirst,
    StepApi,
    TimelineEntrySerializer,
    error_responses,
    inline_choice,
    step_api_schema,
)
from core.api import IdField as BoundedIdField
from core.ids import MAX_ID, MAX_INT, id_or_none
from core.workflow import timeline_for
from meetings import (
    agenda,
    briefing,
    case_text,
    ical,
    minutes,
    permissions,
    presenters,
    resolutions,
    scheduling,
    selectors,
)
from meetings.models import (
    ActionItemState,
    AgendaItem,
    AgendaOutcome,
    AgendaSource,
    Answer,
    AttendanceRole,
    MeetingKind,
    MeetingParticipant,
    MeetingState,
    NormativeStatus,
    ParticipantKind,
    Presence,
    Resolution,
    ResolutionKind,
    SignoffAction,
)
from meetings.permissions import LIAISON
from meetings.steps import ACTION_ITEM_MACHINE, MEETING_MACHINE, MINUTES_MACHINE
from organisation.apis import CaseDataAccess, UnitRefSerializer
from organisation.models import Unit, User

MS = MeetingState
TAG_SERIES = "meeting-series"
TAG = "meetings"
TAG_ACTIONS = "action-items"


# --- shared pieces ---------------------------------------------------------------------------------


class IdField(forms.CharField):
    """A form field for an object id in a query: ASCII digits only; anything else is refused."""

    default_error_messages = {"invalid": gettext_lazy("Enter the id as digits.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        number = id_or_none(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """A filter on an object id: an integer in the schema, ASCII digits in the query (else 400)."""

    field_class = IdField


class MeetingDocumentSerializer(serializers.Serializer):
    """A document of the meeting; download and verify it through /api/v1/documents/{id}/."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    number = serializers.CharField(help_text=gettext_lazy("Drawn when the document is issued."))
    issued_at = serializers.DateTimeField(allow_null=True)
    verification_code = serializers.CharField()
    render_state = serializers.CharField()


class SeriesRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class WarningSerializer(serializers.Serializer):
    """A scheduling warning; it never blocks (plan §5.2)."""

    code = serializers.CharField(
        help_text=gettext_lazy("participant_clash, series_clash, rest_day or holiday_data_missing.")
    )
    message = serializers.CharField()
    data = serializers.DictField()


def _user(username, field: str) -> User | None:
    if username in (None, ""):
        return None
    user = User.objects.filter(username=str(username).strip(), is_active=True).first()
    if user is None:
        raise serializers.ValidationError({field: [_("There is no user %(name)s.") % {"name": username}]})
    return user


# --- series ----------------------------------------------------------------------------------------


class SeriesListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    chair_unit = UnitRefSerializer()
    frequency_months = serializers.IntegerField()
    drills_per_year = serializers.IntegerField()
    started_on = serializers.DateField()
    is_active = serializers.BooleanField()


class SeriesMemberSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    rotation_position = serializers.IntegerField()
    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)


class HostProposalSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    reason = serializers.CharField(help_text=gettext_lazy("Which rotation rule proposed the unit."))


class SeriesDetailSerializer(SeriesListItemSerializer):
    signatory_roles = serializers.ListField(child=serializers.CharField())
    minutes_masthead = serializers.CharField()
    members = SeriesMemberSerializer(
        many=True, source="member_list", help_text=gettext_lazy("Current members in rotation order.")
    )
    duty_unit = UnitRefSerializer(allow_null=True, help_text=gettext_lazy("The member on duty (轮值) now."))
    next_host = HostProposalSerializer(allow_null=True)
    drill_gaps = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=gettext_lazy("Years with fewer joint drills than the series asks for."),
    )


def series_detail_data(series) -> dict:
    overview = presenters.series_overview(series)
    series.member_list = overview.members
    series.duty_unit = overview.duty_unit
    series.next_host = (
        {"unit": overview.next_host, "reason": overview.next_host_reason} if overview.next_host else None
    )
    series.drill_gaps = overview.drill_gaps
    return SeriesDetailSerializer(series).data


class SeriesPagination(CursorPagination):
    ordering = "id"


class SeriesListApi(generics.ListAPIView):
    """List the meeting series (联席会议制度) the user takes part in."""

    permission_classes = [CaseDataAccess]
    serializer_class = SeriesListItemSerializer
    pagination_class = SeriesPagination

    def get_queryset(self):
        return selectors.series_visible_to(self.request.user).select_related("chair_unit")

    @extend_schema(
        operation_id="meeting_series_list",
        tags=[TAG_SERIES],
        responses={200: SeriesListItemSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SeriesDetailApi(APIView):
    """Show a series: members in rotation order, the member on duty, the next host, drill gaps."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="meeting_series_retrieve",
        tags=[TAG_SERIES],
        responses={200: SeriesDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(series_detail_data(selectors.series_get_visible(request.user, pk)))


class NormativeDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    series = SeriesRefSerializer()
    title = serializers.CharField()
    text = serializers.CharField()
    adopted_on = serializers.DateField()
    minutes_number = serializers.CharField(help_text=gettext_lazy("Number of the 纪要 that adopted it."))
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")


class NormativePagination(CursorPagination):
    ordering = ("-adopted_on", "-id")


class SeriesNormativeApi(generics.ListAPIView):
    """Search the register of normative documents (规范性文件) the series adopted."""

    permission_classes = [CaseDataAccess]
    serializer_class = NormativeDocumentSerializer
    pagination_class = NormativePagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.NormativeDocument.objects.none()
        series = selectors.series_get_visible(self.request.user, self.kwargs["pk"])
        params = self.request.query_params
        wanted = params.get("status") or None
        if wanted is not None and wanted not in NormativeStatus.values:
            raise serializers.ValidationError({"status": [_("Not a valid status.")]})
        return selectors.normative_search(
            self.request.user, series=series, q=params.get("q", "").strip(), status=wanted
        ).select_related("series")

    @extend_schema(
        operation_id="meeting_series_normative_documents",
        tags=[TAG_SERIES],
        parameters=[
            OpenApiParameter("q", str, description=gettext_lazy("Words of the title or text.")),
            OpenApiParameter("status", str, enum=list(NormativeStatus.values)),
        ],
        responses={200: NormativeDocumentSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- meetings: list, create, detail ----------------------------------------------------------------


class MeetingListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    series = SeriesRefSerializer()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    session_number = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    host_unit = UnitRefSerializer()
    start_at = serializers.DateTimeField(allow_null=True)
    end_at = serializers.DateTimeField(allow_null=True)
    place = serializers.CharField()
    sequence = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class MeetingDetailSerializer(MeetingListItemSerializer):
    uid = serializers.UUIDField(help_text=gettext_lazy("The iCalendar UID; never changes."))
    chair_unit = UnitRefSerializer(source="effective_chair_unit")
    organiser = OfficerRefSerializer()
    organiser_unit = UnitRefSerializer()
    rotation_override_reason = serializers.CharField()
    video_link = serializers.CharField()
    description = serializers.CharField()
    notice_issued_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    postpone_reason = serializers.CharField()
    cancel_reason = serializers.CharField()
    available_transitions = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Transitions this user may take now.")
    )
    warnings = WarningSerializer(many=True)
    timeline = TimelineEntrySerializer(many=True)


def meeting_detail_data(meeting, user, warnings=None) -> dict:
    meeting.effective_chair_unit = meeting.chair_unit or meeting.series.chair_unit
    meeting.available_transitions = MEETING_MACHINE.available(meeting, user, api=True)
    meeting.warnings = presenters.warnings_data(
        presenters.meeting_warnings(meeting, user) if warnings is None else warnings
    )
    meeting.timeline = list(timeline_for(meeting).order_by("occurred_at", "id"))
    return MeetingDetailSerializer(meeting).data


def _meeting_response(request, pk, *, warnings=None, status_code=status.HTTP_200_OK) -> Response:
    meeting = selectors.meeting_get_visible(request.user, pk)
    return Response(meeting_detail_data(meeting, request.user, warnings), status=status_code)


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment that can be stored, given to the database in UTC.

    0001-01-01T00:00+14:00 is before year 1 in UTC (invalid), and PostgreSQL refuses offsets beyond
    ±15:59 that Python accepts (+18:33), so the moment goes on in UTC.
    """

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            try:
                return moment.astimezone(dt.UTC)
            except OverflowError:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class MeetingFilter(django_filters.FilterSet):
    series = IdFilter(field_name="series_id", label=gettext_lazy("id of the series"))
    state = django_filters.MultipleChoiceFilter(choices=MeetingState.choices, label=gettext_lazy("state"))
    start_from = MomentFilter(
        field_name="start_at", lookup_expr="gte", label=gettext_lazy("starting at or after")
    )
    start_to = MomentFilter(field_name="start_at", lookup_expr="lt", label=gettext_lazy("starting before"))

    class Meta:
        model = selectors.JointMeeting
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        # `from` is a Python keyword: the query parameters `from` and `to` fill the two date filters.
        if data is not None:
            data = data.copy()
            for alias, name in (("from", "start_from"), ("to", "start_to")):
                if alias in data and name not in data:
                    data[name] = data[alias]
        super().__init__(data, *args, **kwargs)


class MeetingPagination(CursorPagination):
    ordering = "-id"


class MeetingListApi(generics.ListAPIView):
    """List the meetings the user sees, newest first, or create a draft meeting of a series."""

    permission_classes = [CaseDataAccess, RolesFirst]
    # 403 before the body is read to one who may create none (issue 16).
    write_roles = LIAISON
    serializer_class = MeetingListItemSerializer
    filterset_class = MeetingFilter
    pagination_class = MeetingPagination

    class InputSerializer(serializers.Serializer):
        series = BoundedIdField(help_text=gettext_lazy("Id of a series the user takes part in."))
        kind = inline_choice(MeetingKind.choices, default=MeetingKind.REGULAR)
        host_unit = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text=gettext_lazy("Division code of the host; the rotation's proposal when empty."),
        )
        rotation_override_reason = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=2000,
            help_text=gettext_lazy("Required when the host is not the rotation's proposal."),
        )
        title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
        start_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        end_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        place = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
        video_link = serializers.URLField(required=False, allow_blank=True)
        description = serializers.CharField(required=False, allow_blank=True, default="", max_length=8000)

    def get_queryset(self):
        return selectors.meeting_visible_to(self.request.user).select_related("series", "host_unit")

    @extend_schema(
        operation_id="meetings_list",
        tags=[TAG],
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, description=gettext_lazy("starting at or after")),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description=gettext_lazy("starting before")),
        ],
        responses={200: MeetingListItemSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="meetings_create",
        tags=[TAG],
        description=gettext_lazy(
            "Create a draft meeting of a series (a liaison officer of the chair, of the member on duty or "
            "of a member). The host defaults to the rotation's proposal; another member needs a reason."
        ),
        request=InputSerializer,
        responses={201: MeetingDetailSerializer, **error_responses(400, 401, 403, 409)},
    )
    def post(self, request, *args, **kwargs):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {"video_link": "", **data.validated_data}
        series = selectors.series_visible_to(request.user).filter(pk=values.pop("series")).first()
        if series is None:
            raise serializers.ValidationError({"series": [_("No such series.")]})
        values["host_unit"] = selectors.unit_by_code(values["host_unit"], "host_unit")
        meeting = scheduling.meeting_create(series=series, by=request.user, **values)
        return _meeting_response(request, meeting.pk, status_code=status.HTTP_201_CREATED)


UPDATE_FIELDS = ("title", "start_at", "end_at", "place", "video_link", "description", "chair_unit")


class MeetingDetailApi(APIView):
    """Show one meeting with the user's transitions and its warnings, or change its details."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        expected_sequence = serializers.IntegerField(
            required=False,
            min_value=0,
            max_value=MAX_INT,
            help_text=gettext_lazy("The calendar sequence the client saw; 409 if it changed since."),
        )
        title = serializers.CharField(required=False, max_length=200)
        start_at = serializers.DateTimeField(required=False)
        end_at = serializers.DateTimeField(required=False)
        place = serializers.CharField(required=False, allow_blank=True, max_length=200)
        video_link = serializers.URLField(required=False, allow_blank=True)
        description = serializers.CharField(required=False, allow_blank=True, max_length=8000)
        chair_unit = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text=gettext_lazy("Division code; empty for the series' chair."),
        )

    @extend_schema(
        operation_id="meetings_retrieve",
        tags=[TAG],
        responses={200: MeetingDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return _meeting_response(request, pk)

    @extend_schema(
        operation_id="meetings_partial_update",
        tags=[TAG],
        description=gettext_lazy(
            "Change the details of a meeting not yet held (draft, scheduled, postponed); once invited, "
            "every change raises the calendar sequence and is sent to the participants."
        ),
        request=InputSerializer,
        responses={200: MeetingDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        fields = {name: values[name] for name in UPDATE_FIELDS if name in values}
        if "chair_unit" in fields:
            fields["chair_unit"] = selectors.unit_by_code(fields["chair_unit"], "chair_unit")
        _meeting, warnings = scheduling.meeting_update(
            meeting=meeting,
            by=request.user,
            expected_sequence=values.get("expected_sequence"),
            **fields,
        )
        return _meeting_response(request, meeting.pk, warnings=warnings)


@step_api_schema(
    operation_id="meetings_transition",
    tags=[TAG],
    response=MeetingDetailSerializer,
    expected_state_help=gettext_lazy("The state the client saw; 409 if the meeting has moved on since."),
)
class MeetingTransitionApi(StepApi):
    """Take a step of the meeting: schedule, postpone, reschedule, cancel, open or close the session,
    start the minutes."""

    permission_classes = [CaseDataAccess]
    machine = MEETING_MACHINE

    def get_object(self, request, pk: int):
        return selectors.meeting_get_visible(request.user, pk)

    def respond(self, request, instance, pk: int):
        return _meeting_response(request, pk)


class CalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class MeetingCalendarApi(APIView):
    """Download the meeting's invitation (METHOD:REQUEST) or cancellation (METHOD:CANCEL) as .ics."""

    permission_classes = [CaseDataAccess]
    renderer_classes = [JSONRenderer, CalendarRenderer]

    def handle_exception(self, exc):
        # Errors keep the one JSON error body whatever was negotiated.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="meetings_calendar",
        tags=[TAG],
        responses={
            (200, "text/calendar"): OpenApiResponse(response=OpenApiTypes.STR),
            **error_responses(401, 403, 404, 409),
        },
    )
    def get(self, request, pk: int):
        return ical.calendar_response(selectors.meeting_get_visible(request.user, pk))


class MeetingChecksApi(APIView):
    """Check a meeting's times without changing them: clashes of participants and of the series, rest days."""

    permission_classes = [CaseDataAccess]

    class QuerySerializer(serializers.Serializer):
        start_at = serializers.DateTimeField(required=False)
        end_at = serializers.DateTimeField(required=False)

        def validate(self, attrs):
            start, end = attrs.get("start_at"), attrs.get("end_at")
            if start is not None and end is not None and end <= start:
                raise serializers.ValidationError({"end_at": [_("The meeting must end after it starts.")]})
            return attrs

    @extend_schema(
        operation_id="meetings_checks",
        tags=[TAG],
        parameters=[
            OpenApiParameter("start_at", OpenApiTypes.DATETIME),
            OpenApiParameter("end_at", OpenApiTypes.DATETIME),
        ],
        responses={200: WarningSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        data = self.QuerySerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        warnings = scheduling.meeting_checks(
            meeting, start_at=values.get("start_at"), end_at=values.get("end_at"), user=request.user
        )
        return Response(presenters.warnings_data(warnings))


# --- participants ----------------------------------------------------------------------------------


class ParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    user = OfficerRefSerializer(allow_null=True)
    unit = UnitRefSerializer(allow_null=True, help_text=gettext_lazy("The unit the person works for."))
    member_unit = UnitRefSerializer(
        source="member.unit", allow_null=True, help_text=gettext_lazy("The member represented.")
    )
    external_affiliation = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    attendance_role = serializers.CharField()
    attendance_role_label = serializers.CharField(source="get_attendance_role_display")
    is_chair = serializers.BooleanField()
    answer = serializers.CharField()
    answer_label = serializers.CharField(source="get_answer_display")
    answer_reason = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answered_by = OfficerRefSerializer(allow_null=True)
    delegated_from = serializers.IntegerField(source="delegated_from_id", allow_null=True)
    attended = serializers.BooleanField(allow_null=True)
    presence = serializers.CharField(
        help_text=gettext_lazy("present, leave, absent or delegated; empty until recorded.")
    )
    presence_label = serializers.CharField(source="get_presence_display")
    presence_reason = serializers.CharField(help_text=gettext_lazy("The reason for a leave (请假事由)."))


def _participant(meeting, participant_id) -> MeetingParticipant:
    return get_object_or_404(meeting.participants.all(), pk=participant_id)


class ParticipantListApi(APIView):
    """List the meeting's participants with their answers, or invite one."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        user = serializers.CharField(
            required=False, allow_blank=True, default="", help_text=gettext_lazy("Username of an officer.")
        )
        unit = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text=gettext_lazy("Division code of the unit the officer attends for."),
        )
        external_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
        external_affiliation = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=120
        )
        email = serializers.EmailField(required=False, allow_blank=True)
        kind = inline_choice(ParticipantKind.choices)
        attendance_role = inline_choice(AttendanceRole.choices, default=AttendanceRole.PRESENT)
        is_chair = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        operation_id="meetings_participants_list",
        tags=[TAG],
        responses={200: ParticipantSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        return Response(ParticipantSerializer(selectors.participants_of(meeting), many=True).data)

    @extend_schema(
        operation_id="meetings_participants_create",
        tags=[TAG],
        request=InputSerializer,
        responses={201: ParticipantSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {"email": "", **data.validated_data}
        values["user"] = _user(values["user"], "user")
        values["unit"] = selectors.unit_by_code(values["unit"], "unit")
        participant = scheduling.participant_add(meeting=meeting, by=request.user, **values)
        participant = selectors.participants_of(meeting).get(pk=participant.pk)
        return Response(ParticipantSerializer(participant).data, status=status.HTTP_201_CREATED)


class ParticipantCandidateSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    role = serializers.CharField()
    kind = serializers.CharField(help_text=gettext_lazy("The participant kind proposed for the role."))


def _require_organiser(meeting, user) -> None:
    if not permissions.may_organise(meeting, user):
        raise PermissionDenied(_("Only the organisers of the meeting may do this."))


class ParticipantCandidatesApi(APIView):
    """Propose officers to invite: liaison, legal officers and heads of the member units, and experts."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="meetings_participants_candidates",
        tags=[TAG],
        parameters=[OpenApiParameter("q", str, description=gettext_lazy("Part of a name."))],
        responses={200: ParticipantCandidateSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        _require_organiser(meeting, request.user)
        candidates = scheduling.participant_candidates(
            meeting, query=request.query_params.get("q", "").strip()
        )
        return Response(ParticipantCandidateSerializer(candidates, many=True).data)


class ParticipantDetailApi(APIView):
    """Change a participant's attendance role (出席/列席) or chair, or withdraw the invitation
    (a calendar cancellation)."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        attendance_role = inline_choice(AttendanceRole.choices, required=False)
        is_chair = serializers.BooleanField(required=False)

    @extend_schema(
        operation_id="meetings_participants_partial_update",
        tags=[TAG],
        request=InputSerializer,
        responses={200: ParticipantSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int, pid: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        participant = _participant(meeting, pid)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        scheduling.participant_update(participant=participant, by=request.user, **data.validated_data)
        return Response(ParticipantSerializer(selectors.participants_of(meeting).get(pk=participant.pk)).data)

    @extend_schema(
        operation_id="meetings_participants_destroy",
        tags=[TAG],
        responses={
            204: OpenApiResponse(description=gettext_lazy("Removed.")),
            **error_responses(401, 403, 404, 409),
        },
    )
    def delete(self, request, pk: int, pid: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        participant = _participant(meeting, pid)
        scheduling.participant_remove(participant=participant, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ParticipantAnswerApi(APIView):
    """Answer an invitation: accept, decline (请假, with the reason) or delegate to a colleague."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        answer = inline_choice([c for c in Answer.choices if c[0] != Answer.NEEDS_ACTION])
        reason = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=2000,
            help_text=gettext_lazy("Required to decline."),
        )
        delegate = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text=gettext_lazy("delegated: username of the colleague who attends instead."),
        )

    @extend_schema(
        operation_id="meetings_participants_answer",
        tags=[TAG],
        request=InputSerializer,
        responses={200: ParticipantSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int, pid: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        participant = _participant(meeting, pid)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        scheduling.participant_answer(
            participant=participant,
            by=request.user,
            answer=values["answer"],
            reason=values["reason"],
            delegate=_user(values["delegate"], "delegate"),
        )
        return Response(ParticipantSerializer(selectors.participants_of(meeting).get(pk=participant.pk)).data)


class ParticipantAttendanceApi(APIView):
    """Record the roll call of the session: present, on leave (with the reason), absent, or a delegate
    who attended in their place; the older `attended` yes/no is still read when `presence` is absent."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        presence = serializers.ChoiceField(choices=Presence.choices, required=False)
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        delegate_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
        attended = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="meetings_participants_attendance",
        tags=[TAG],
        request=InputSerializer,
        responses={200: ParticipantSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int, pid: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        participant = _participant(meeting, pid)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        scheduling.attendance_record(
            participant=participant,
            by=request.user,
            presence=values.get("presence"),
            reason=values.get("reason", ""),
            delegate_name=values.get("delegate_name", ""),
            attended=values.get("attended"),
        )
        return Response(ParticipantSerializer(selectors.participants_of(meeting).get(pk=participant.pk)).data)


# --- agenda ----------------------------------------------------------------------------------------


class AgendaRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.id")
    position = serializers.IntegerField(source="item.position")
    source_kind = serializers.CharField(source="item.source_kind")
    source_label = serializers.CharField(source="item.get_source_kind_display")
    target_type = serializers.CharField(source="item.target_type")
    target_id = serializers.CharField(source="item.target_id")
    title = serializers.CharField(
        help_text=gettext_lazy("What the user may read of the matter and its cases now.")
    )
    presenting_unit = UnitRefSerializer(source="item.presenting_unit", allow_null=True)
    outcome = serializers.CharField(source="item.outcome")
    note = serializers.CharField(source="item.note")
    state_label = serializers.CharField(help_text=gettext_lazy("The matter's state now."))
    url = serializers.CharField(
        help_text=gettext_lazy("Page of the matter; empty when the user may not open it.")
    )
    summary = serializers.CharField()
    visible = serializers.BooleanField(help_text=gettext_lazy("Whether the user may open the matter."))


def agenda_rows(meeting, user) -> list:
    items = list(meeting.agenda_items.select_related("presenting_unit").order_by("position", "id"))
    return agenda.agenda_display(items, user, path=f"meetings/{meeting.pk}/agenda")


def _agenda_response(meeting, user, status_code=status.HTTP_200_OK) -> Response:
    return Response(AgendaRowSerializer(agenda_rows(meeting, user), many=True).data, status=status_code)


class AgendaListApi(APIView):
    """Show the agenda with each matter's state now, or add an item (an open matter or a free topic)."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        source_kind = inline_choice(AgendaSource.choices)
        target_id = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=64,
            help_text=gettext_lazy("Id of the matter, from the candidates; empty for a free topic."),
        )
        title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
        presenting_unit = serializers.CharField(
            required=False, allow_blank=True, default="", help_text=gettext_lazy("Division code.")
        )

    @extend_schema(
        operation_id="meetings_agenda_list",
        tags=[TAG],
        responses={200: AgendaRowSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return _agenda_response(selectors.meeting_get_visible(request.user, pk), request.user)

    @extend_schema(
        operation_id="meetings_agenda_create",
        tags=[TAG],
        request=InputSerializer,
        responses={201: AgendaRowSerializer(many=True), **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["presenting_unit"] = selectors.unit_by_code(values["presenting_unit"], "presenting_unit")
        agenda.agenda_item_add(meeting=meeting, by=request.user, **values)
        return _agenda_response(meeting, request.user, status.HTTP_201_CREATED)


class AgendaCandidateSerializer(serializers.Serializer):
    source_kind = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    state_label = serializers.CharField()
    opened_at = serializers.DateTimeField(allow_null=True)


class AgendaCandidatesApi(APIView):
    """Propose the open matters of the member units for the agenda (disputes, requests, mergers)."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="meetings_agenda_candidates",
        tags=[TAG],
        responses={200: AgendaCandidateSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        _require_organiser(meeting, request.user)
        return Response(AgendaCandidateSerializer(agenda.agenda_candidates(meeting), many=True).data)


class AgendaOrderApi(APIView):
    """Put the agenda in a new order (every item id once)."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        item_ids = serializers.ListField(child=BoundedIdField(), allow_empty=False)

    @extend_schema(
        operation_id="meetings_agenda_order",
        tags=[TAG],
        request=InputSerializer,
        responses={200: AgendaRowSerializer(many=True), **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agenda.agenda_reorder(meeting=meeting, by=request.user, item_ids=data.validated_data["item_ids"])
        return _agenda_response(meeting, request.user)


class AgendaItemApi(APIView):
    """Change an agenda item (title, presenter; the outcome during the session) or take it off."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(required=False, max_length=200)
        presenting_unit = serializers.CharField(required=False, allow_blank=True)
        outcome = inline_choice(
            [c for c in AgendaOutcome.choices if c[0]],
            required=False,
            help_text=gettext_lazy("In session: decided, deferred or noted."),
        )
        note = serializers.CharField(required=False, allow_blank=True, max_length=4000)

    @extend_schema(
        operation_id="meetings_agenda_partial_update",
        tags=[TAG],
        request=InputSerializer,
        responses={200: AgendaRowSerializer(many=True), **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int, item_id: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        item = get_object_or_404(meeting.agenda_items.all(), pk=item_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "outcome" in values:
            agenda.agenda_outcome_record(
                item=item, by=request.user, outcome=values.pop("outcome"), note=values.pop("note", "")
            )
        if "presenting_unit" in values:
            values["presenting_unit"] = selectors.unit_by_code(values["presenting_unit"], "presenting_unit")
        if values:
            agenda.agenda_item_update(item=item, by=request.user, **values)
        return _agenda_response(meeting, request.user)

    @extend_schema(
        operation_id="meetings_agenda_destroy",
        tags=[TAG],
        responses={
            204: OpenApiResponse(description=gettext_lazy("Removed.")),
            **error_responses(401, 403, 404, 409),
        },
    )
    def delete(self, request, pk: int, item_id: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        item = get_object_or_404(meeting.agenda_items.all(), pk=item_id)
        agenda.agenda_item_remove(item=item, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- briefing --------------------------------------------------------------------------------------


class BriefingSerializer(serializers.Serializer):
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    computed_at = serializers.DateTimeField()
    updating = serializers.BooleanField(
        help_text=gettext_lazy("The live figures are older than a few minutes and are being computed again.")
    )
    frozen_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("Set when the session opened; the figures no longer change.")
    )
    figures = serializers.JSONField(
        help_text=gettext_lazy(
            "period, scope, cases, flows, repeat_suspects {count, rows}, requests, fulfilment, overdue."
        )
    )
    document = MeetingDocumentSerializer(allow_null=True, help_text=gettext_lazy("The issued briefing pack."))


def _briefing_response(meeting) -> Response:
    return Response(BriefingSerializer(briefing.briefing_get(meeting)).data)


class BriefingApi(APIView):
    """Show the crime-pattern briefing (定期分析研判发案规律) of the meeting's period."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="meetings_briefing",
        tags=[TAG],
        responses={200: BriefingSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return _briefing_response(selectors.meeting_get_visible(request.user, pk))


class BriefingRefreshApi(APIView):
    """Compute the briefing's figures again (until the session opens)."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="meetings_briefing_refresh",
        tags=[TAG],
        request=None,
        responses={200: BriefingSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        briefing.briefing_refresh(meeting=meeting, by=request.user)
        return _briefing_response(meeting)


class BriefingPackApi(APIView):
    """Issue the frozen briefing as a document (发案规律分析研判材料) for the members."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="meetings_briefing_pack",
        tags=[TAG],
        request=None,
        responses={200: BriefingSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        briefing.briefing_pack_issue(meeting=meeting, by=request.user)
        return _briefing_response(meeting)


# --- minutes ---------------------------------------------------------------------------------------


class SignoffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = UnitRefSerializer()
    version = serializers.IntegerField()
    content_digest = serializers.CharField()
    action = serializers.CharField()
    action_label = serializers.CharField(source="get_action_display")
    comment = serializers.CharField()
    by = OfficerRefSerializer()
    at = serializers.DateTimeField()


class MemberStatusSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    signed = serializers.BooleanField(help_text=gettext_lazy("Signed the current version."))
    signoff = SignoffSerializer(allow_null=True)


class ResolutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    text = serializers.CharField()
    agenda_item = serializers.IntegerField(source="agenda_item_id", allow_null=True)
    proceeding = serializers.IntegerField(source="proceeding_id", allow_null=True)
    lead_unit = UnitRefSerializer(allow_null=True)
    assisting_units = UnitRefSerializer(many=True, source="assisting_units.all")
    owner_unit = UnitRefSerializer(allow_null=True)
    task = serializers.CharField()
    due_in_days = serializers.IntegerField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    normative_title = serializers.CharField()
    normative_text = serializers.CharField()
    repeals = serializers.SerializerMethodField()
    apply_state = serializers.CharField()
    apply_state_label = serializers.CharField(source="get_apply_state_display")
    applied_at = serializers.DateTimeField(allow_null=True)
    apply_error = serializers.CharField(
        source="apply_error_shown",
        help_text=gettext_lazy("Why it could not be applied; given to the host unit's officers only.")
    )
    attempts = serializers.IntegerField()
    result_type = serializers.CharField()
    result_id = serializers.CharField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_repeals(self, resolution) -> list[int]:
        """Return the ids of the register entries the adopted document repeals (prefetched)."""
        return [entry.pk for entry in resolution.repeals.all()]


class MinutesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    version = serializers.IntegerField()
    opening = serializers.CharField()
    closing = serializers.CharField()
    content = serializers.JSONField(
        help_text=gettext_lazy("As circulated (what is signed); the live draft while drafting.")
    )
    content_digest = serializers.CharField(
        help_text=gettext_lazy("Send it back with a signature; 409 if the minutes changed since.")
    )
    circulated_at = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    revise_reason = serializers.CharField()
    available_transitions = serializers.ListField(child=serializers.CharField())
    members = MemberStatusSerializer(many=True, source="member_status")
    signoffs = SignoffSerializer(many=True, source="signoff_list")
    resolutions = ResolutionSerializer(many=True, source="resolution_list")
    document = MeetingDocumentSerializer(allow_null=True, help_text=gettext_lazy("The issued 纪要."))


def resolutions_for(record, meeting, user) -> list[Resolution]:
    return presenters.resolutions_as_seen(
        record, meeting, user, path=f"meetings/{meeting.pk}/minutes/resolutions"
    )


def minutes_detail_data(record, user) -> dict:
    record.member_status = presenters.minutes_member_status(record)
    record.signoff_list = list(record.signoffs.select_related("unit", "by").order_by("at", "id"))
    record.resolution_list = resolutions_for(record, record.meeting, user)
    # For display only: what is signed stays as circulated (issue 16).
    record.content = presenters.minutes_content_as_seen(record, user, selectors.resolutions_of(record))
    record.opening, record.closing, record.revise_reason = presenters.minutes_paragraphs_as_seen(record, user)
    record.available_transitions = MINUTES_MACHINE.available(record, user, api=True)
    return MinutesSerializer(record).data


def _minutes_response(request, pk, status_code=status.HTTP_200_OK) -> Response:
    meeting = selectors.meeting_get_visible(request.user, pk)
    record = selectors.minutes_get_visible(meeting, request.user)
    record.refresh_from_db()
    return Response(minutes_detail_data(record, request.user), status=status_code)


class MinutesApi(APIView):
    """Show the minutes (纪要): content, version and digest, sign-off per member, resolutions, document."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        opening = serializers.CharField(required=False, allow_blank=True, max_length=8000)
        closing = serializers.CharField(required=False, allow_blank=True, max_length=8000)

    @extend_schema(
        operation_id="meetings_minutes",
        tags=[TAG],
        responses={200: MinutesSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return _minutes_response(request, pk)

    @extend_schema(
        operation_id="meetings_minutes_partial_update",
        tags=[TAG],
        request=InputSerializer,
        responses={200: MinutesSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        record = selectors.minutes_get_visible(meeting, request.user)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        minutes.minutes_update(minutes=record, by=request.user, **data.validated_data)
        return _minutes_response(request, pk)


@step_api_schema(
    operation_id="meetings_minutes_transition",
    tags=[TAG],
    response=MinutesSerializer,
    expected_state_help=gettext_lazy("The state the client saw; 409 if the minutes moved on since."),
)
class MinutesTransitionApi(StepApi):
    """Take a step of the minutes: circulate for signature, revise, or issue (签发)."""

    permission_classes = [CaseDataAccess]
    machine = MINUTES_MACHINE

    def get_object(self, request, pk: int):
        return selectors.minutes_get_visible(selectors.meeting_get_visible(request.user, pk), request.user)

    def respond(self, request, instance, pk: int):
        return _minutes_response(request, pk)


def signing_unit(meeting, user, code) -> Unit:
    """Return the member unit the user signs for: the one named, or the only one the user may sign for."""
    unit = selectors.unit_by_code(code, "unit")
    if unit is not None:
        return unit
    units = permissions.signing_units(meeting.series, user)
    if not units:
        raise PermissionDenied(_("You do not sign the minutes for any member unit."))
    if len(units) > 1:
        raise serializers.ValidationError({"unit": [_("You may sign for several units: name the unit.")]})
    return Unit.objects.get(pk=units[0])


class SignoffListApi(APIView):
    """List the signatures and comments, or sign (会签) or comment for a member unit."""

    permission_classes = [CaseDataAccess]

    class InputSerializer(serializers.Serializer):
        unit = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text=gettext_lazy(
                "Division code of the member unit; needed only when the user signs for several."
            ),
        )
        action = inline_choice(SignoffAction.choices)
        comment = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=4000,
            help_text=gettext_lazy("Required to comment."),
        )
        digest = serializers.CharField(
            max_length=64, help_text=gettext_lazy("content_digest of the minutes the user read.")
        )

    @extend_schema(
        operation_id="meetings_minutes_signoffs_list",
        tags=[TAG],
        responses={200: SignoffSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        record = selectors.minutes_get_visible(meeting, request.user)
        signoffs = record.signoffs.select_related("unit", "by").order_by("at", "id")
        return Response(SignoffSerializer(signoffs, many=True).data)

    @extend_schema(
        operation_id="meetings_minutes_signoffs_create",
        tags=[TAG],
        request=InputSerializer,
        responses={201: MinutesSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        record = selectors.minutes_get_visible(meeting, request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        minutes.minutes_signoff(
            minutes=record,
            unit=signing_unit(meeting, request.user, values["unit"]),
            by=request.user,
            action=values["action"],
            comment=values["comment"],
            digest=values["digest"],
        )
        return _minutes_response(request, pk, status.HTTP_201_CREATED)


class ResolutionInputSerializer(serializers.Serializer):
    kind = inline_choice(ResolutionKind.choices)
    text = serializers.CharField(max_length=8000, help_text=gettext_lazy("As printed in the 纪要."))
    agenda_item = BoundedIdField(required=False, allow_null=True)
    proceeding = BoundedIdField(
        required=False, allow_null=True, help_text=gettext_lazy("jurisdiction: id of the proceeding.")
    )
    lead_unit = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("jurisdiction: division code of the lead.")
    )
    assisting_units = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=gettext_lazy("jurisdiction: division codes.")
    )
    owner_unit = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("action_item: division code of the owner.")
    )
    task = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    due_in_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=365)
    due_on = serializers.DateField(required=False, allow_null=True)
    normative_title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    normative_text = serializers.CharField(required=False, allow_blank=True)
    repeals = serializers.ListField(
        child=BoundedIdField(),
        required=False,
        help_text=gettext_lazy("normative_document: ids of the series' documents in force it repeals."),
    )


def resolution_fields(meeting, values: dict) -> dict:
    """Turn the codes and ids of a resolution's input into the objects the service takes."""
    from jurisdiction.models import JurisdictionProceeding

    fields = dict(values)
    if "agenda_item" in fields:
        item_id = fields["agenda_item"]
        fields["agenda_item"] = None
        if item_id is not None:
            fields["agenda_item"] = AgendaItem.objects.filter(meeting=meeting, pk=item_id).first()
            if fields["agenda_item"] is None:
                raise serializers.ValidationError({"agenda_item": [_("No such item on this agenda.")]})
    if "proceeding" in fields:
        proceeding_id = fields["proceeding"]
        fields["proceeding"] = None
        if proceeding_id is not None:
            fields["proceeding"] = JurisdictionProceeding.objects.filter(pk=proceeding_id).first()
            if fields["proceeding"] is None:
                raise serializers.ValidationError({"proceeding": [_("No such proceeding.")]})
    for name in ("lead_unit", "owner_unit"):
        if name in fields:
            fields[name] = selectors.unit_by_code(fields[name], name)
    if "assisting_units" in fields:
        fields["assisting_units"] = [
            selectors.unit_by_code(code, "assisting_units") for code in fields["assisting_units"] if code
        ]
    return fields


class ResolutionListApi(APIView):
    """List the minutes' resolutions (议定事项), or add one while drafting."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="meetings_minutes_resolutions_list",
        tags=[TAG],
        responses={200: ResolutionSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        record = selectors.minutes_get_visible(meeting, request.user)
        return Response(ResolutionSerializer(resolutions_for(record, meeting, request.user), many=True).data)

    @extend_schema(
        operation_id="meetings_minutes_resolutions_create",
        tags=[TAG],
        request=ResolutionInputSerializer,
        responses={201: ResolutionSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        record = selectors.minutes_get_visible(meeting, request.user)
        data = ResolutionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = resolution_fields(meeting, data.validated_data)
        resolution = resolutions.resolution_add(
            minutes=record,
            by=request.user,
            kind=fields.pop("kind"),
            text=fields.pop("text"),
            agenda_item=fields.pop("agenda_item", None),
            **fields,
        )
        return Response(
            ResolutionSerializer(selectors.resolutions_of(record).get(pk=resolution.pk)).data,
            status=status.HTTP_201_CREATED,
        )


def _resolution(record, resolution_id) -> Resolution:
    return get_object_or_404(Resolution.objects.filter(minutes=record), pk=resolution_id)


class ResolutionDetailApi(APIView):
    """Change or remove a resolution while the minutes are drafted (numbers close up)."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="meetings_minutes_resolutions_partial_update",
        tags=[TAG],
        request=ResolutionInputSerializer(partial=True),
        responses={200: ResolutionSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int, rid: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        record = selectors.minutes_get_visible(meeting, request.user)
        resolution = _resolution(record, rid)
        data = ResolutionInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = resolution_fields(meeting, data.validated_data)
        resolutions.resolution_update(resolution=resolution, by=request.user, **fields)
        return Response(ResolutionSerializer(selectors.resolutions_of(record).get(pk=resolution.pk)).data)

    @extend_schema(
        operation_id="meetings_minutes_resolutions_destroy",
        tags=[TAG],
        responses={
            204: OpenApiResponse(description=gettext_lazy("Removed.")),
            **error_responses(401, 403, 404, 409),
        },
    )
    def delete(self, request, pk: int, rid: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        record = selectors.minutes_get_visible(meeting, request.user)
        resolution = _resolution(record, rid)
        resolutions.resolution_remove(resolution=resolution, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResolutionRetryApi(APIView):
    """Apply a resolution again that could not be applied when the minutes were issued."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="meetings_minutes_resolutions_retry",
        tags=[TAG],
        request=None,
        responses={200: ResolutionSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, pk: int, rid: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        record = selectors.minutes_get_visible(meeting, request.user)
        resolution = _resolution(record, rid)
        resolutions.resolution_retry(resolution=resolution, by=request.user)
        return Response(ResolutionSerializer(selectors.resolutions_of(record).get(pk=resolution.pk)).data)


# --- action items ----------------------------------------------------------------------------------


class MeetingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()


class ActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = MeetingRefSerializer()
    series = SeriesRefSerializer()
    resolution_number = serializers.IntegerField(source="resolution.number")
    owner_unit = UnitRefSerializer()
    task = serializers.CharField()
    due_at = serializers.DateTimeField()
    is_overdue = serializers.BooleanField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    completed_at = serializers.DateTimeField(allow_null=True)
    completed_by = OfficerRefSerializer(allow_null=True)
    result_note = serializers.CharField()
    withdrawn_reason = serializers.CharField()


class ActionItemDetailSerializer(ActionItemSerializer):
    available_transitions = serializers.ListField(child=serializers.CharField())
    timeline = TimelineEntrySerializer(many=True)


def _with_overdue(item, now):
    item.is_overdue = presenters.action_item_overdue(item, now)
    return item


class ActionItemFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(
        field_name="owner_unit__code", label=gettext_lazy("division code of the owner")
    )
    state = django_filters.ChoiceFilter(choices=ActionItemState.choices, label=gettext_lazy("state"))
    meeting = IdFilter(field_name="meeting_id", label=gettext_lazy("id of the meeting"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=gettext_lazy("open and past due"))

    class Meta:
        model = selectors.ActionItem
        fields = []

    def filter_overdue(self, queryset, name, value):
        late = {"state": ActionItemState.OPEN, "due_at__lt": timezone.now()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


class ActionItemPagination(CursorPagination):
    ordering = "-id"


class ActionItemListApi(generics.ListAPIView):
    """List the action items of the user's units (and the units below) and of meetings they host."""

    permission_classes = [CaseDataAccess]
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter
    pagination_class = ActionItemPagination

    def get_queryset(self):
        return selectors.action_items_listed(self.request.user)

    def get_serializer(self, *args, **kwargs):
        if args:
            now = timezone.now()
            items = case_text.mask_action_items(self.request.user, list(args[0]), path="action-items")
            args = ([_with_overdue(item, now) for item in items], *args[1:])
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        operation_id="action_items_list",
        tags=[TAG_ACTIONS],
        responses={200: ActionItemSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _action_item_response(request, pk) -> Response:
    item = _with_overdue(selectors.action_item_get_visible(request.user, pk), timezone.now())
    item.available_transitions = ACTION_ITEM_MACHINE.available(item, request.user, api=True)
    item.timeline = presenters.action_item_timeline(item)
    return Response(ActionItemDetailSerializer(item).data)


class ActionItemDetailApi(APIView):
    """Show one action item with the user's transitions."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="action_items_retrieve",
        tags=[TAG_ACTIONS],
        responses={200: ActionItemDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return _action_item_response(request, pk)


@step_api_schema(
    operation_id="action_items_transition", tags=[TAG_ACTIONS], response=ActionItemDetailSerializer
)
class ActionItemTransitionApi(StepApi):
    """Report the task done (with what was done) or withdraw it (the host's head, with the reason)."""

    permission_classes = [CaseDataAccess]
    machine = ACTION_ITEM_MACHINE

    def get_object(self, request, pk: int):
        return selectors.action_item_get_visible(request.user, pk)

    def respond(self, request, instance, pk: int):
        return _action_item_response(request, pk)
