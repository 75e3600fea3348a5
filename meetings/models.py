"""Joint meetings (联席会议): series and rotation, meetings, participants, agenda, briefing, minutes.

A series (联席会议制度) is a standing arrangement among member units, each standing for its whole
subtree; the duty (轮值) passes along a set order and the duty member hosts the next regular
meeting. A meeting is scheduled, held and closed; its minutes (纪要, GB/T 9704-2012 §10.3) are drafted
by the host's liaison officer, signed by every member unit, issued by the host's head, and then its
typed resolutions act. DOMAIN.md §5 [S]: the charter, rotation order, frequency and sign-off rules
were not found, so every one of them is data on the series, not code.

Transition methods only guard and change the row (DESIGN.md, State machines); the services in
meetings.scheduling, meetings.minutes and meetings.action_items do everything else through
core.workflow.run_transition.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.words import shown
from meetings import permissions
from organisation.models import Unit


def _require(value: str, field: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _unit_fk(verbose_name, **extra):
    return models.ForeignKey(
        Unit, verbose_name=verbose_name, on_delete=models.PROTECT, related_name="+", **extra
    )


def _user_fk(verbose_name, **extra):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name="+",
        **extra,
    )


# --- series -----------------------------------------------------------------------------------------


class SeriesKind(models.TextChoices):
    POLICE_COOPERATION = "police_cooperation", _("Police cooperation (警务合作)")
    LEGAL_COLLABORATION = "legal_collaboration", _("Legal collaboration (法制协作)")


def _default_signatory_roles():
    return ["unit_head"]


class MeetingSeries(models.Model):
    """A standing joint-meeting arrangement (联席会议制度) among member units."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    short_name = models.CharField(_("short name"), max_length=32)
    kind = models.CharField(_("kind"), max_length=24, choices=SeriesKind.choices)
    chair_unit = _unit_fk(_("chair unit (主席单位)"))
    # DOMAIN.md §5 [S]: annual rotating hosting; the real frequency was not found, so it is data.
    frequency_months = models.PositiveSmallIntegerField(_("usual interval in months"), default=12)
    # The agreement asks for a joint exercise at least once a year (DOMAIN.md §5 [S]).
    drills_per_year = models.PositiveSmallIntegerField(_("joint drills a year"), default=1)
    # Which roles sign the 纪要 for a member unit; no sign-off rule was found (DOMAIN.md §5 [S]).
    signatory_roles = models.JSONField(_("roles that sign the minutes"), default=_default_signatory_roles)
    minutes_masthead = models.CharField(_("minutes masthead"), max_length=64)
    started_on = models.DateField(_("started on"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["id"]

    def __str__(self):
        return self.name


class SeriesMember(models.Model):
    """A member unit of a series; it stands for its whole subtree."""

    series = models.ForeignKey(
        MeetingSeries, verbose_name=_("series"), on_delete=models.CASCADE, related_name="members"
    )
    unit = _unit_fk(_("unit"))
    # Copied on save (and on reorganisation) so subtree scopes are one indexed prefix match.
    unit_path = models.CharField(_("unit path"), max_length=40, editable=False)
    rotation_position = models.PositiveSmallIntegerField(_("position in the rotation"))
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("series member")
        verbose_name_plural = _("series members")
        ordering = ["series", "rotation_position"]
        constraints = [
            models.UniqueConstraint(fields=["series", "unit"], name="meetings_member_unique_unit"),
            models.UniqueConstraint(
                fields=["series", "rotation_position"], name="meetings_member_unique_position"
            ),
        ]
        indexes = [
            models.Index(fields=["unit_path"], name="meetings_member_path", opclasses=["varchar_pattern_ops"])
        ]

    def __str__(self):
        return f"{self.series.short_name} · {self.unit}"

    def save(self, *args, **kwargs):
        self.unit_path = Unit.objects.values_list("path", flat=True).get(pk=self.unit_id)
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.left_on is None or self.left_on > timezone.localdate()


class DutyTerm(models.Model):
    """A member's turn on duty (轮值); handed over at the close of a regular meeting."""

    series = models.ForeignKey(
        MeetingSeries, verbose_name=_("series"), on_delete=models.CASCADE, related_name="duty_terms"
    )
    member = models.ForeignKey(
        SeriesMember, verbose_name=_("member on duty"), on_delete=models.PROTECT, related_name="duty_terms"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    handed_over_at = models.ForeignKey(
        "JointMeeting",
        verbose_name=_("handed over at meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("duty term")
        verbose_name_plural = _("duty terms")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["series"], condition=Q(ended_at__isnull=True), name="meetings_one_open_duty_term"
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.started_at:%Y-%m-%d}"


# --- meetings ---------------------------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular meeting (例会)")
    EXTRAORDINARY = "extraordinary", _("Extraordinary meeting (临时会议)")
    DRILL = "drill", _("Joint drill (联合演练)")


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    POSTPONED = "postponed", _("Postponed")
    IN_SESSION = "in_session", _("In session")
    # Not "Closed": its catalogue entry is a case's 已结案; a meeting's session is over (已闭会).
    CLOSED = "closed", _("Session ended")
    MINUTES_DRAFTING = "minutes_drafting", _("Minutes being drafted")
    MINUTES_CIRCULATING = "minutes_circulating", _("Minutes circulating for signature")
    MINUTES_SIGNED = "minutes_signed", _("Minutes signed")
    PUBLISHED = "published", _("Minutes published")
    CANCELLED = "cancelled", _("Cancelled")


MS = MeetingState
# Participants are expected in these states: clashes are looked for among them.
UPCOMING_STATES = frozenset({MS.SCHEDULED, MS.POSTPONED, MS.IN_SESSION})
# The organiser may still change the meeting's details (not a transition: meeting_update).
EDITABLE_STATES = frozenset({MS.DRAFT, MS.SCHEDULED, MS.POSTPONED})
# A meeting was held: it counts for the briefing period, the rotation and the drill register.
HELD_STATES = frozenset(
    {MS.CLOSED, MS.MINUTES_DRAFTING, MS.MINUTES_CIRCULATING, MS.MINUTES_SIGNED, MS.PUBLISHED}
)
AGENDA_EDITABLE_STATES = frozenset({MS.DRAFT, MS.SCHEDULED, MS.POSTPONED, MS.IN_SESSION})


def _minutes_in(state):
    def condition(meeting) -> bool:
        minutes = getattr(meeting, "minutes", None) if meeting.pk else None
        try:
            return minutes is not None and minutes.state == state
        except Minutes.DoesNotExist:
            return False

    return condition


class JointMeeting(ConcurrentTransitionMixin, models.Model):
    """One joint meeting (联席会议) of a series, from notice to published minutes."""

    # The iCalendar UID (RFC 5545 §3.8.4.7): never changes, whatever else does.
    uid = models.UUIDField(_("calendar UID"), unique=True, default=uuid.uuid4, editable=False)
    series = models.ForeignKey(
        MeetingSeries, verbose_name=_("series"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.REGULAR
    )
    session_number = models.PositiveSmallIntegerField(_("session number"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    host_unit = _unit_fk(_("host unit"))
    rotation_override_reason = models.TextField(_("reason for departing from the rotation"), blank=True)
    chair_unit = _unit_fk(_("chair unit"), null=True, blank=True)
    organiser = _user_fk(_("organiser"))
    organiser_unit = _unit_fk(_("organising unit"))
    start_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    end_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    description = models.TextField(_("notice text"), blank=True)
    state = FSMField(_("state"), default=MS.DRAFT, choices=MS.choices, protected=True, max_length=24)
    # RFC 5545 §3.8.7.4: raised on every organiser change of what the invitation carries.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    ical_changed_at = models.DateTimeField(_("calendar last modified"), null=True, blank=True)
    times_changed_at = models.DateTimeField(_("times last changed"), null=True, blank=True)
    notice_issued_at = models.DateTimeField(_("notice issued at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    postponed_at = models.DateTimeField(_("postponed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    postpone_reason = models.TextField(_("reason for postponement"), blank=True)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["-start_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_at__isnull=True)
                | Q(end_at__isnull=True)
                | Q(end_at__gt=models.F("start_at")),
                name="meetings_meeting_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["series", "session_number"],
                condition=Q(session_number__isnull=False) & ~Q(state="cancelled"),
                name="meetings_unique_session_number",
            ),
        ]
        indexes = [
            models.Index(fields=["series", "state", "start_at"], name="meetings_series_state_start"),
            models.Index(fields=["state", "start_at"], name="meetings_state_start"),
        ]

    def __str__(self):
        return self.title

    @property
    def effective_chair_unit_id(self) -> int:
        return self.chair_unit_id or self.series.chair_unit_id

    # --- scheduling ---------------------------------------------------------------------------------

    @transition(field=state, source=MS.DRAFT, target=MS.SCHEDULED, permission=permissions.may_organise)
    def schedule(self, *, by, now) -> None:
        """Issue the notice and send the invitations (会议通知)."""
        if self.start_at is None or self.end_at is None:
            raise ValidationError(
                {"start_at": _("Set the start and end of the meeting before scheduling it.")}
            )
        if self.start_at <= now:
            raise ValidationError({"start_at": _("A meeting is scheduled for a time still to come.")})
        if not (self.place or self.video_link):
            raise ValidationError({"place": _("Give the place or the video link of the meeting.")})
        self.notice_issued_at = now
        self.times_changed_at = now
        self.ical_changed_at = now

    @transition(
        field=state,
        source=[MS.SCHEDULED, MS.IN_SESSION],
        target=MS.POSTPONED,
        permission=permissions.may_organise,
    )
    def postpone(self, *, by, reason: str, now) -> None:
        """Postpone the meeting; the new date comes with `reschedule`."""
        self.postpone_reason = _require(reason, "reason", _("Give the reason for the postponement."))
        self.postponed_at = now
        self.sequence += 1
        self.ical_changed_at = now

    @transition(field=state, source=MS.POSTPONED, target=MS.SCHEDULED, permission=permissions.may_organise)
    def reschedule(self, *, by, start_at, end_at, now) -> None:
        """Fix the new date of a postponed meeting."""
        if start_at is None or end_at is None:
            raise ValidationError({"start_at": _("Give the new start and end of the meeting.")})
        if end_at <= start_at:
            raise ValidationError({"end_at": _("The meeting must end after it starts.")})
        if start_at <= now:
            raise ValidationError({"start_at": _("A meeting is scheduled for a time still to come.")})
        self.start_at, self.end_at = start_at, end_at
        self.sequence += 1
        self.times_changed_at = now
        self.ical_changed_at = now

    @transition(
        field=state,
        source=[MS.DRAFT, MS.SCHEDULED, MS.POSTPONED, MS.IN_SESSION],
        target=MS.CANCELLED,
        permission=permissions.may_organise,
    )
    def cancel(self, *, by, reason: str, now) -> None:
        """Cancel the meeting; whoever was invited gets a calendar cancellation."""
        self.cancel_reason = _require(reason, "reason", _("Give the reason for the cancellation."))
        self.cancelled_at = now
        if self.notice_issued_at is not None:
            self.sequence += 1
            self.ical_changed_at = now

    # --- the session --------------------------------------------------------------------------------

    @transition(
        field=state, source=MS.SCHEDULED, target=MS.IN_SESSION, permission=permissions.may_run_session
    )
    def open_session(self, *, by, now) -> None:
        """Open the session; the briefing is frozen as it stands."""
        self.opened_at = now

    def session_may_open(self, now=None) -> bool:
        """Tell whether the session may be opened now: from MEETING_OPEN_LEEWAY_MINUTES before the start."""
        if self.start_at is None:
            return True
        leeway = timezone.timedelta(minutes=settings.MEETING_OPEN_LEEWAY_MINUTES)
        return (now or timezone.now()) >= self.start_at - leeway

    @transition(field=state, source=MS.IN_SESSION, target=MS.CLOSED, permission=permissions.may_run_session)
    def close(self, *, by, now) -> None:
        """Close the session; the host's liaison officer drafts the minutes next."""
        self.closed_at = now

    # --- minutes (coupled to the Minutes machine, never in the API's list) ----------------------------

    @transition(
        field=state, source=MS.CLOSED, target=MS.MINUTES_DRAFTING, permission=permissions.may_draft_minutes
    )
    def start_minutes(self, *, by) -> None:
        """Start drafting the minutes (纪要)."""

    @transition(
        field=state,
        source=MS.MINUTES_DRAFTING,
        target=MS.MINUTES_CIRCULATING,
        conditions=[_minutes_in("circulating")],
        permission=permissions.may_draft_minutes,
    )
    def minutes_circulated(self, *, by) -> None:
        """Follow the minutes into circulation."""

    @transition(
        field=state,
        source=MS.MINUTES_CIRCULATING,
        target=MS.MINUTES_DRAFTING,
        conditions=[_minutes_in("drafting")],
        permission=permissions.may_draft_minutes,
    )
    def minutes_revised(self, *, by) -> None:
        """Follow the minutes back into drafting."""

    @transition(
        field=state,
        source=MS.MINUTES_CIRCULATING,
        target=MS.MINUTES_SIGNED,
        conditions=[_minutes_in("signed")],
        permission=permissions.may_sign_meeting,
    )
    def minutes_signed(self, *, by) -> None:
        """Follow the minutes once every member unit has signed."""

    @transition(
        field=state,
        source=MS.MINUTES_SIGNED,
        target=MS.PUBLISHED,
        conditions=[_minutes_in("published")],
        permission=permissions.may_issue_meeting_minutes,
    )
    def minutes_published(self, *, by) -> None:
        """Follow the minutes once the host's head has issued them."""

    @transition(
        field=state,
        source=MS.PUBLISHED,
        target=MS.MINUTES_DRAFTING,
        conditions=[_minutes_in("drafting")],
        permission=permissions.may_draft_minutes,
    )
    def minutes_reopened(self, *, by) -> None:
        """Follow issued minutes reopened for their correction (更正)."""


class ParticipantKind(models.TextChoices):
    LEADER = "leader", _("Leader (领导)")
    LIAISON = "liaison", _("Liaison officer (联络员)")
    LEGAL = "legal", _("Legal officer (法制)")
    EXPERT = "expert", _("Expert (专家)")
    OTHER = "other", _("Other")


class AttendanceRole(models.TextChoices):
    PRESENT = "present", _("Attends (出席)")
    OBSERVER = "observer", _("Sits in (列席)")


class Answer(models.TextChoices):
    NEEDS_ACTION = "needs_action", _("No answer yet")
    # A context of its own: "Accepted" of an assistance request means received (已接收).
    ACCEPTED = "accepted", pgettext_lazy("answer to a meeting invitation", "Accepted")
    DECLINED = "declined", _("Declined (请假)")
    DELEGATED = "delegated", _("Delegated")


class Presence(models.TextChoices):
    """What the roll call recorded of a participant (GB/T 9704-2012 §10.3 prints 出席, 请假, 列席)."""

    PRESENT = "present", _("Present (到会)")
    LEAVE = "leave", _("On leave (请假)")
    ABSENT = "absent", _("Absent without leave (缺席)")
    DELEGATED = "delegated", _("A delegate attended in their place")


class MeetingParticipant(models.Model):
    """A person invited to a meeting: an officer of a member unit, an expert, or an outside guest."""

    meeting = models.ForeignKey(
        JointMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="participants"
    )
    # The calendar address of a participant without e-mail (urn:uuid:…, RFC 5545 §3.3.3).
    uid = models.UUIDField(_("participant UID"), default=uuid.uuid4, editable=False)
    user = _user_fk(_("user"), null=True, blank=True)
    unit = _unit_fk(_("unit"), null=True, blank=True)
    member = models.ForeignKey(
        SeriesMember,
        verbose_name=_("member represented"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    external_name = models.CharField(_("name (guest)"), max_length=64, blank=True)
    external_affiliation = models.CharField(_("affiliation (guest)"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ParticipantKind.choices)
    attendance_role = models.CharField(
        _("attendance role"), max_length=12, choices=AttendanceRole.choices, default=AttendanceRole.PRESENT
    )
    is_chair = models.BooleanField(_("chairs the meeting"), default=False)
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices, default=Answer.NEEDS_ACTION)
    answer_reason = models.TextField(_("reason given"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = _user_fk(_("answered by"), null=True, blank=True)
    delegated_from = models.ForeignKey(
        "self",
        verbose_name=_("delegated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegates",
    )
    # Kept in step with `presence` (True only when present): the API and older rows read it.
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    # The roll call (meetings.scheduling.attendance_record); empty until recorded. Only a recorded
    # leave prints as 请假 in the 纪要 (issue 20): an unanswered invitation is no leave.
    presence = models.CharField(
        _("attendance recorded"), max_length=12, choices=Presence.choices, blank=True, default=""
    )
    presence_reason = models.TextField(_("reason for leave"), blank=True)
    invited_sequence = models.PositiveIntegerField(_("last sequence sent"), null=True, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["meeting", "-is_chair", "member__rotation_position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(user__isnull=False), name="meetings_participant_once"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(external_name=""), name="meetings_participant_named"
            ),
        ]
        indexes = [models.Index(fields=["user", "meeting"], name="meetings_participant_user")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id:
            return self.user.full_name or self.user.username
        return self.external_name

    @property
    def presence_as_recorded(self) -> str:
        """Return the recorded presence; for a row from before the roll call had one, read it from
        `attended` and the answer (a decline is a leave asked for, with its 请假事由)."""
        if self.presence:
            return self.presence
        if self.attended:
            return Presence.PRESENT
        if self.answer == Answer.DECLINED:
            return Presence.LEAVE
        if self.answer == Answer.DELEGATED:
            return Presence.DELEGATED
        return Presence.ABSENT if self.attended is False else ""

    @property
    def leave_reason(self) -> str:
        """Return the reason for a recorded leave: the roll call's, else the one given when declining."""
        return self.presence_reason or (self.answer_reason if self.answer == Answer.DECLINED else "")


# --- agenda -----------------------------------------------------------------------------------------


class AgendaSource(models.TextChoices):
    PROCEEDING_DISPUTED = "proceeding_disputed", _("Disputed jurisdiction")
    DESIGNATION_PENDING = "designation_pending", _("Designation request pending")
    MERGER_PROPOSAL = "merger_proposal", _("Merger proposal")
    REQUEST_OVERDUE = "request_overdue", _("Assistance request overdue")
    REQUEST_DISPUTED = "request_disputed", _("Assistance request disputed")
    BRIEFING = "briefing", _("Crime-pattern briefing")
    FREE = "free", _("Free topic")


class AgendaOutcome(models.TextChoices):
    NONE = "", _("Not yet discussed")
    DECIDED = "decided", _("Decided")
    DEFERRED = "deferred", _("Deferred")
    NOTED = "noted", _("Noted")


class AgendaItem(models.Model):
    """One item of a meeting's agenda, linked to the open matter it came from."""

    meeting = models.ForeignKey(
        JointMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    source_kind = models.CharField(_("source"), max_length=24, choices=AgendaSource.choices)
    target_type = models.CharField(_("object type"), max_length=64, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    # A free topic's or the briefing's title; for a matter, only a title the organiser typed (shown to
    # a viewer who may see every case of the matter). What the agenda says of a matter's cases is
    # composed when read, per viewer (meetings.agenda.agenda_display): no case text is kept here.
    title = models.CharField(_("title"), max_length=200, blank=True)
    # No longer written (issue 16): it held a copy of case text taken when the item was added, which
    # outlived a later 限制. Emptied by migration 0003; kept so that older rows and code load.
    summary = models.TextField(_("summary"), blank=True)
    presenting_unit = _unit_fk(_("presenting unit"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=AgendaOutcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    added_by = _user_fk(_("added by"))
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "target_type", "target_id"],
                condition=~Q(target_id=""),
                name="meetings_agenda_object_once",
            )
        ]

    def __str__(self):
        return self.title or f"{self.get_source_kind_display()} #{self.position}"


class Briefing(models.Model):
    """The crime-pattern briefing (定期分析研判发案规律) of a meeting: figures for its period."""

    meeting = models.OneToOneField(
        JointMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="briefing"
    )
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    figures = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("briefing pack"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set by briefing_get: the stored live figures are old and the worker is computing them again.
    updating = False

    class Meta:
        verbose_name = _("briefing")
        verbose_name_plural = _("briefings")

    def __str__(self):
        return f"{self.meeting} · {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


# --- minutes ----------------------------------------------------------------------------------------


class MinutesState(models.TextChoices):
    DRAFTING = "drafting", _("Drafting")
    CIRCULATING = "circulating", _("Circulating for signature")
    SIGNED = "signed", _("Signed by every member")
    PUBLISHED = "published", _("Issued and published")


MN = MinutesState


class Minutes(ConcurrentTransitionMixin, models.Model):
    """The minutes (纪要, GB/T 9704-2012 §10.3) of a meeting, signed by every member unit."""

    meeting = models.OneToOneField(
        JointMeeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="minutes"
    )
    state = FSMField(_("state"), default=MN.DRAFTING, choices=MN.choices, protected=True, max_length=16)
    # Raised at each circulation; a signature counts only for the version (and digest) it signed.
    version = models.PositiveSmallIntegerField(_("version"), default=0)
    opening = models.TextField(_("opening paragraph"), blank=True)
    closing = models.TextField(_("closing paragraph"), blank=True)
    content = models.JSONField(_("content as circulated"), default=dict, blank=True)
    content_digest = models.CharField(_("content digest"), max_length=64, blank=True)
    drafted_by = _user_fk(_("drafted by"))
    circulated_at = models.DateTimeField(_("circulated at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    issued_by = _user_fk(_("issued by"), null=True, blank=True)
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("issued minutes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revise_reason = models.TextField(_("reason for revision"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self):
        return f"{self.meeting} · {self.get_state_display()}"

    @transition(
        field=state, source=MN.DRAFTING, target=MN.CIRCULATING, permission=permissions.may_draft_minutes_of
    )
    def circulate(self, *, by, content: dict, digest: str, now) -> None:
        """Freeze the text and send it to every member unit for signature (会签)."""
        if not self.closing.strip() and not self.resolutions.exists():
            raise ValidationError(
                {"resolutions": _("Minutes record at least one decision or a closing paragraph.")}
            )
        self.version += 1
        self.content = content
        self.content_digest = digest
        self.circulated_at = now

    @transition(
        field=state, source=MN.CIRCULATING, target=MN.DRAFTING, permission=permissions.may_draft_minutes_of
    )
    def revise(self, *, by, reason: str) -> None:
        """Take the minutes back to drafting; signatures on the old version no longer count."""
        self.revise_reason = _require(reason, "reason", _("Give the reason for revising the minutes."))

    @transition(field=state, source=MN.CIRCULATING, target=MN.SIGNED, permission=permissions.may_sign)
    def complete_signing(self, *, by, now) -> None:
        """Record that every current member unit signed this version."""
        self.signed_at = now

    @transition(field=state, source=MN.SIGNED, target=MN.PUBLISHED, permission=permissions.may_issue_minutes)
    def issue(self, *, by, now) -> None:
        """Issue (签发) the minutes as a document and publish them to the members."""
        self.issued_by = by
        self.published_at = now

    @transition(
        field=state, source=MN.PUBLISHED, target=MN.DRAFTING, permission=permissions.may_draft_minutes_of
    )
    def correct(self, *, by, reason: str) -> None:
        """Reopen issued minutes for their correction (更正, issue 19 item 7).

        The issued 纪要 stands until the corrected text is signed by every member again and issued:
        that document then supersedes it (documents.services). Decisions already applied stay as
        they took effect; new ones apply when the correction is issued.
        """
        self.revise_reason = _require(reason, "reason", _("Say what the correction corrects."))


class SignoffAction(models.TextChoices):
    SIGNED = "signed", _("Signed (会签)")
    COMMENTED = "commented", _("Returned with comments")


class MinutesSignoff(models.Model):
    """A member unit's signature on, or comments to, one version of the minutes."""

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("minutes"), on_delete=models.CASCADE, related_name="signoffs"
    )
    unit = _unit_fk(_("member unit"))
    version = models.PositiveSmallIntegerField(_("version"))
    content_digest = models.CharField(_("content digest"), max_length=64)
    action = models.CharField(_("action"), max_length=12, choices=SignoffAction.choices)
    comment = models.TextField(_("comment"), blank=True)
    by = _user_fk(_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("minutes sign-off")
        verbose_name_plural = _("minutes sign-offs")
        ordering = ["minutes", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "unit", "version"],
                condition=Q(action="signed"),
                name="meetings_signoff_once_per_version",
            )
        ]

    def __str__(self):
        return f"{self.unit} · v{self.version} · {self.get_action_display()}"


# --- resolutions ------------------------------------------------------------------------------------


class ResolutionKind(models.TextChoices):
    JURISDICTION = "jurisdiction", _("Jurisdiction decision on a case")
    ACTION_ITEM = "action_item", _("Action item")
    NORMATIVE_DOCUMENT = "normative_document", _("Adoption of a normative document")
    NOTE = "note", _("Decision without further effect")


class ApplyState(models.TextChoices):
    PENDING = "pending", _("Waiting for the issued minutes")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Could not be applied")


class Resolution(models.Model):
    """A numbered decision (议定事项) of the minutes, typed so that it can act once they are issued."""

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("minutes"), on_delete=models.CASCADE, related_name="resolutions"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=24, choices=ResolutionKind.choices)
    text = models.TextField(_("text as printed"))
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A jurisdiction decision: a consultation agreement reached at the meeting (MPS-2020 art 22).
    proceeding = models.ForeignKey(
        "jurisdiction.JurisdictionProceeding",
        verbose_name=_("jurisdiction proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead_unit = _unit_fk(_("lead unit"), null=True, blank=True)
    assisting_units = models.ManyToManyField(
        Unit, verbose_name=_("assisting units"), blank=True, related_name="+"
    )
    # An action item.
    owner_unit = _unit_fk(_("owner unit"), null=True, blank=True)
    task = models.TextField(_("task"), blank=True)
    due_in_days = models.PositiveSmallIntegerField(_("due within days"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    # The adoption of a normative document.
    normative_title = models.CharField(_("title of the normative document"), max_length=200, blank=True)
    normative_text = models.TextField(_("text of the normative document"), blank=True)
    # The register entries of the same series the adopted document repeals (废止), once issued.
    repeals = models.ManyToManyField(
        "meetings.NormativeDocument", verbose_name=_("repeals"), blank=True, related_name="+"
    )
    # Applied only once the minutes are issued.
    apply_state = models.CharField(
        _("application"), max_length=12, choices=ApplyState.choices, default=ApplyState.PENDING
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    apply_error = models.TextField(_("why it could not be applied"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result_type = models.CharField(_("result type"), max_length=64, blank=True)
    result_id = models.CharField(_("result id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["minutes", "number"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "number"], name="meetings_resolution_number_once"),
            models.UniqueConstraint(
                fields=["minutes", "proceeding"],
                condition=Q(proceeding__isnull=False),
                name="meetings_resolution_proceeding_once",
            ),
            models.CheckConstraint(
                condition=~Q(kind="jurisdiction")
                | (Q(proceeding__isnull=False) & Q(lead_unit__isnull=False)),
                name="meetings_resolution_jurisdiction_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="action_item")
                | (
                    Q(owner_unit__isnull=False)
                    & (
                        (Q(due_in_days__isnull=False) & Q(due_on__isnull=True))
                        | (Q(due_in_days__isnull=True) & Q(due_on__isnull=False))
                    )
                ),
                name="meetings_resolution_action_item_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="normative_document") | ~Q(normative_title=""),
                name="meetings_resolution_normative_titled",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.text[:40]}"

    @property
    def apply_error_shown(self) -> str:
        """Why it could not be applied, in the reader's language: kept as message keys (core.words)."""
        return shown(self.apply_error)


class ActionItemState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ActionItem(ConcurrentTransitionMixin, models.Model):
    """A task a resolution gave a unit, tracked in its inbox until done and escalated when overdue."""

    resolution = models.OneToOneField(
        Resolution, verbose_name=_("resolution"), on_delete=models.PROTECT, related_name="action_item"
    )
    meeting = models.ForeignKey(
        JointMeeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="action_items"
    )
    series = models.ForeignKey(
        MeetingSeries, verbose_name=_("series"), on_delete=models.PROTECT, related_name="+"
    )
    owner_unit = _unit_fk(_("owner unit"))
    owner_unit_path = models.CharField(_("owner unit path"), max_length=40, editable=False)
    task = models.TextField(_("task"))
    due_at = models.DateTimeField(_("due at"))
    state = FSMField(
        _("state"),
        default=ActionItemState.OPEN,
        choices=ActionItemState.choices,
        protected=True,
        max_length=12,
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = _user_fk(_("completed by"), null=True, blank=True)
    result_note = models.TextField(_("result"), blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["owner_unit", "state"], name="meetings_action_owner_state"),
            models.Index(
                fields=["owner_unit_path"], name="meetings_action_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return self.task[:60]

    def save(self, *args, **kwargs):
        if not self.owner_unit_path:
            self.owner_unit_path = Unit.objects.values_list("path", flat=True).get(pk=self.owner_unit_id)
        super().save(*args, **kwargs)

    @transition(
        field=state,
        source=ActionItemState.OPEN,
        target=ActionItemState.DONE,
        permission=permissions.may_complete_action,
    )
    def complete(self, *, by, note: str, now) -> None:
        """Report the task done, with what was done."""
        self.result_note = _require(note, "note", _("Say what was done."))
        self.completed_at = now
        self.completed_by = by

    @transition(
        field=state,
        source=ActionItemState.OPEN,
        target=ActionItemState.WITHDRAWN,
        permission=permissions.may_withdraw_action,
    )
    def withdraw(self, *, by, reason: str) -> None:
        """Withdraw the task (the host's head, when the matter went away)."""
        self.withdrawn_reason = _require(reason, "reason", _("Give the reason for withdrawing the task."))


class NormativeStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    REPEALED = "repealed", _("Repealed")


class NormativeDocument(ConcurrentTransitionMixin, models.Model):
    """A normative document (规范性文件) a series adopted by resolution; the register is searchable.

    It enters the register in force when the 纪要 that adopted it is issued, and is repealed (废止)
    when a later 纪要 of the series adopts one that repeals it (meetings.normative).
    """

    series = models.ForeignKey(
        MeetingSeries, verbose_name=_("series"), on_delete=models.PROTECT, related_name="normative_documents"
    )
    resolution = models.OneToOneField(
        Resolution, verbose_name=_("resolution"), on_delete=models.PROTECT, related_name="normative_document"
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    adopted_on = models.DateField(_("adopted on"))
    minutes_number = models.CharField(_("minutes number"), max_length=64)
    minutes_document = models.ForeignKey(
        "documents.Document", verbose_name=_("minutes"), on_delete=models.PROTECT, related_name="+"
    )
    status = FSMField(
        _("status"),
        max_length=12,
        choices=NormativeStatus.choices,
        default=NormativeStatus.IN_FORCE,
        protected=True,
    )
    repealed_by = models.ForeignKey(
        "self",
        verbose_name=_("repealed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("normative document")
        verbose_name_plural = _("normative documents")
        ordering = ["-adopted_on", "-id"]
        indexes = [
            models.Index(fields=["series", "adopted_on"], name="meetings_normative_adopted"),
            models.Index(fields=["title"], name="meetings_normative_title"),
        ]

    def __str__(self):
        return self.title

    @transition(
        field=status,
        source=NormativeStatus.IN_FORCE,
        target=NormativeStatus.REPEALED,
        permission=permissions.may_repeal_normative,
    )
    def repeal(self, *, by, repealed_by: "NormativeDocument") -> None:
        """Mark the document repealed by a later one of the same series (the issued 纪要 says so)."""
        self.repealed_by = repealed_by


def minutes_digest(content: dict) -> str:
    """Return the SHA-256 of the minutes' content without the signatures (what every member signs)."""
    body = {key: value for key, value in content.items() if key != "signatures"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
