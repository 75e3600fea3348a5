"""Scheduling of joint meetings: create, edit, the meeting's state machine, participants, answers.

Every state change of a meeting goes through `meeting_transition` → core.workflow.run_transition
(lock, check, transition, save, audit, timeline); what a step sets off — invitations (iTIP
REQUEST/CANCEL through the outbox), the frozen briefing, the duty handover, the minutes — happens
in its `after` callback, in the same transaction. Warnings (clashes, rest days) never block: they
are returned, shown and kept in the audit payload.

SEQUENCE (RFC 5545 §3.8.7.4, plan §6.1) is raised under the meeting's row lock on every organiser
change of what the calendar object carries, once notice was given; answers and delegations are
attendee acts and leave it alone (RFC 5546 §2.1.4).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import chinese_calendar
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from core import audit, holidays
from core.exceptions import Conflict
from core.models import HolidayOverride
from core.notifications import notify
from core.numerals import chinese_numeral
from core.workflow import model_update, run_transition, timeline_add
from meetings import briefing, ical, invitations, permissions, rotation
from meetings.models import (
    EDITABLE_STATES,
    UPCOMING_STATES,
    AgendaItem,
    AgendaSource,
    Answer,
    AttendanceRole,
    JointMeeting,
    MeetingKind,
    MeetingParticipant,
    MeetingSeries,
    MeetingState,
    ParticipantKind,
    Presence,
    SeriesMember,
)
from meetings.rotation import HostProposal, series_propose_host
from meetings.selectors import current_members, meeting_visible_to
from organisation.models import PATH_SEPARATOR, Membership, Role, Unit, User
from organisation.paths import covers
from organisation.standing import user_standing

__all__ = [
    "HostProposal",
    "MeetingWarning",
    "ParticipantCandidate",
    "attendance_record",
    "may_take_roll_call",
    "meeting_checks",
    "meeting_create",
    "meeting_transition",
    "meeting_update",
    "participant_add",
    "participant_answer",
    "participant_candidates",
    "participant_remove",
    "participant_update",
    "series_propose_host",
]

MS = MeetingState
ABSENT_ANSWERS = (Answer.DECLINED, Answer.DELEGATED)
# The officers of a member unit who take part in its name (plan §5.1).
CANDIDATE_ROLES = (Role.UNIT_HEAD, Role.DEPARTMENT_HEAD, Role.LIAISON_OFFICER, Role.LEGAL_OFFICER)
KIND_OF_ROLE = {
    Role.UNIT_HEAD: ParticipantKind.LEADER,
    Role.DEPARTMENT_HEAD: ParticipantKind.LEADER,
    Role.LIAISON_OFFICER: ParticipantKind.LIAISON,
    Role.LEGAL_OFFICER: ParticipantKind.LEGAL,
}
CANDIDATE_LIMIT = 100
# A meeting longer than this is a data error, not a reason to list a year of rest days.
MAX_DAYS_CHECKED = 31
# What the calendar object carries of the meeting itself (participants are handled separately).
ICAL_FIELDS = frozenset({"title", "start_at", "end_at", "place", "video_link", "description", "chair_unit"})
UPDATABLE_FIELDS = ICAL_FIELDS | {"host_unit", "rotation_override_reason", "session_number"}
UNIT_FIELDS = frozenset({"chair_unit", "host_unit"})
GUEST_FIELDS = frozenset({"external_name", "external_affiliation", "email"})
PARTICIPANT_ICAL_FIELDS = frozenset({"attendance_role", "is_chair"}) | GUEST_FIELDS
ANSWER_ALIASES = {
    "accept": Answer.ACCEPTED,
    "accepted": Answer.ACCEPTED,
    "decline": Answer.DECLINED,
    "declined": Answer.DECLINED,
    "delegate": Answer.DELEGATED,
    "delegated": Answer.DELEGATED,
}


@dataclass(frozen=True)
class MeetingWarning:
    """Something the organiser should know before fixing the date; never blocking."""

    code: str
    message: str
    data: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "data": self.data}


@dataclass(frozen=True)
class ParticipantCandidate:
    user_id: int
    name: str
    unit_id: int
    unit_name: str
    role: str
    kind: str


# --- helpers ---------------------------------------------------------------------------------------


def _lock(pk: int) -> JointMeeting:
    """Read the meeting again under a row lock: the instance the adapter read may be stale."""
    return (
        JointMeeting.objects.select_for_update(of=("self",))
        .select_related("series", "host_unit", "organiser", "organiser_unit")
        .get(pk=pk)
    )


def _fresh(meeting_id) -> JointMeeting:
    return JointMeeting.objects.select_related(
        "series", "host_unit", "chair_unit", "organiser", "organiser_unit"
    ).get(pk=meeting_id)


def _acting_unit_code(meeting: JointMeeting, user) -> str:
    """Name the unit the user acts for: host, organiser, chair, duty member, then any member."""
    standing = user_standing(user)
    series = meeting.series
    candidates = [
        meeting.host_unit_id,
        meeting.organiser_unit_id,
        meeting.effective_chair_unit_id,
        permissions.duty_unit_id(series),
        *sorted(permissions.current_member_units(series)),
    ]
    for unit_id in candidates:
        if unit_id is not None and unit_id in standing.roles_by_unit:
            return Unit.objects.filter(pk=unit_id).values_list("code", flat=True).first() or ""
    return ""


def _aware(value, name: str) -> dt.datetime | None:
    """Accept an aware datetime, a naive one (local Asia/Shanghai) or an ISO string; None stays None."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValidationError({name: [_("Enter a date and time.")]})
        value = parsed
    if not isinstance(value, dt.datetime):
        raise ValidationError({name: [_("Enter a date and time.")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _check_times(start_at, end_at) -> None:
    if start_at is not None and end_at is not None and end_at <= start_at:
        raise ValidationError({"end_at": [_("The meeting must end after it starts.")]})


def _raise_sequence(meeting: JointMeeting, now: dt.datetime, *, times: bool = False) -> list[str]:
    """Raise SEQUENCE for an organiser change (RFC 5545 §3.8.7.4); return the fields to save."""
    meeting.sequence += 1
    meeting.ical_changed_at = now
    fields = ["sequence", "ical_changed_at", "updated_at"]
    if times:
        meeting.times_changed_at = now
        fields.append("times_changed_at")
    return fields


def _notice_given(meeting: JointMeeting) -> bool:
    # Invitations went out and the meeting is still to be held: changes are sent as updates.
    return meeting.state in (MS.SCHEDULED, MS.POSTPONED)


def _participants(meeting: JointMeeting) -> list[MeetingParticipant]:
    return list(meeting.participants.select_related("user", "unit").order_by("id"))


def member_for(series: MeetingSeries, unit: Unit | None) -> SeriesMember | None:
    """Return the current member whose subtree holds `unit` (members' subtrees are disjoint)."""
    if unit is None:
        return None
    for member in current_members(series):
        if covers(member.unit_path, unit.path):
            return member
    return None


def _officers(unit_ids, roles) -> list[User]:
    memberships = Membership.objects.current().filter(unit_id__in=list(unit_ids), role__in=list(roles))
    return list(User.objects.filter(pk__in=memberships.values("user_id")))


def _default_title(series: MeetingSeries, kind: str, number: int | None) -> str:
    # The title is the meeting's official designation (第N次会议), Chinese whatever the UI language.
    if kind == MeetingKind.DRILL or not number:
        return f"{series.name}联合演练" if kind == MeetingKind.DRILL else series.name
    # Session numbers past 999 stay in Arabic digits in a title, as they always were.
    return f"{series.name}第{chinese_numeral(number, below=1000)}次会议"


# --- warnings (plan §5.2) ----------------------------------------------------------------------------


def _when(start_at, end_at) -> str:
    start, end = ical.local(start_at), ical.local(end_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def _holiday_name(day: dt.date, names: dict[dt.date, str]) -> str:
    if day in names:
        return names[day]
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        is_holiday, name = False, None
    if is_holiday and name:
        for holiday in chinese_calendar.Holiday:
            if holiday.value == name:
                return holiday.chinese
        return name
    return str(_("weekend")) if day.weekday() >= 5 else str(_("holiday"))


def _rest_day_warnings(start_at: dt.datetime, end_at: dt.datetime) -> list[MeetingWarning]:
    calendar = holidays.calendar()
    first = timezone.localtime(start_at).date()
    last = timezone.localtime(end_at - dt.timedelta(microseconds=1)).date()
    days = [first + dt.timedelta(days=n) for n in range(min((last - first).days + 1, MAX_DAYS_CHECKED))]
    names = dict(HolidayOverride.objects.filter(date__in=days, is_rest_day=True).values_list("date", "name"))
    warnings = []
    for day in days:
        if calendar.is_rest_day(day):
            what = _holiday_name(day, names)
            warnings.append(
                MeetingWarning(
                    "rest_day",
                    str(_("%(date)s is a rest day (%(what)s).")) % {"date": day.isoformat(), "what": what},
                    {"date": day.isoformat(), "what": what},
                )
            )
    for year in calendar.unknown_years({day.year for day in days}):
        warnings.append(
            MeetingWarning(
                "holiday_data_missing",
                str(
                    _(
                        "The holiday arrangements for %(year)s are not entered yet: only weekends "
                        "count as rest days."
                    )
                )
                % {"year": year},
                {"year": year},
            )
        )
    return warnings


def meeting_checks(meeting: JointMeeting, *, start_at=None, end_at=None, user=None) -> list[MeetingWarning]:
    """Return the warnings for holding `meeting` at `start_at`–`end_at` (its own times by default).

    Participants' other meetings at that time (one query), the series' other meetings, rest days
    and years without holiday data. Another meeting's title is named only when `user` sees it.
    """
    start_at = start_at or meeting.start_at
    end_at = end_at or meeting.end_at
    if start_at is None or end_at is None or end_at <= start_at:
        return []
    clashes = []
    if meeting.pk is not None:
        expected = (
            MeetingParticipant.objects.filter(meeting_id=meeting.pk, user__isnull=False)
            .exclude(answer__in=ABSENT_ANSWERS)
            .values("user_id")
        )
        clashes = list(
            MeetingParticipant.objects.filter(
                user_id__in=expected,
                meeting__state__in=UPCOMING_STATES,
                meeting__start_at__lt=end_at,
                meeting__end_at__gt=start_at,
            )
            .exclude(meeting_id=meeting.pk)
            .exclude(answer__in=ABSENT_ANSWERS)
            .select_related("meeting", "user")
            .order_by("meeting__start_at", "meeting_id", "user_id")
        )
    same_series = list(
        JointMeeting.objects.filter(series_id=meeting.series_id, start_at__lt=end_at, end_at__gt=start_at)
        .exclude(pk=meeting.pk)
        .exclude(state=MS.CANCELLED)
        .order_by("start_at", "id")
    )
    others = {row.meeting_id for row in clashes} | {other.pk for other in same_series}
    visible = set()
    if user is not None and others:
        visible = set(meeting_visible_to(user).filter(pk__in=others).values_list("pk", flat=True))

    def named(other: JointMeeting) -> str:
        return other.title if other.pk in visible else str(_("another meeting"))

    warnings = []
    for row in clashes:
        other = row.meeting
        data = {
            "user_id": row.user_id,
            "name": row.user.display_name,
            "when": _when(other.start_at, other.end_at),
        }
        if other.pk in visible:
            data["meeting_id"] = other.pk
        warnings.append(
            MeetingWarning(
                "participant_clash",
                str(_("%(name)s is also expected at %(meeting)s (%(when)s)."))
                % {"name": data["name"], "meeting": named(other), "when": data["when"]},
                data,
            )
        )
    for other in same_series:
        data = {"when": _when(other.start_at, other.end_at)}
        if other.pk in visible:
            data["meeting_id"] = other.pk
        warnings.append(
            MeetingWarning(
                "series_clash",
                str(_("The series has %(meeting)s at the same time (%(when)s)."))
                % {"meeting": named(other), "when": data["when"]},
                data,
            )
        )
    return warnings + _rest_day_warnings(start_at, end_at)


# --- create and edit (plan §5.3) ------------------------------------------------------------------


def _organising_unit(series: MeetingSeries, by, host_unit: Unit) -> Unit:
    """Return the unit the organiser acts for: host, chair, duty member, then any member."""
    standing = user_standing(by)
    candidates = [
        host_unit.pk,
        series.chair_unit_id,
        permissions.duty_unit_id(series),
        *sorted(permissions.current_member_units(series)),
    ]
    for unit_id in candidates:
        if standing.holds(unit_id, permissions.LIAISON):
            return Unit.objects.get(pk=unit_id)
    raise PermissionDenied


@transaction.atomic
def meeting_create(
    *,
    series: MeetingSeries,
    by: User,
    kind: str,
    host_unit: Unit | None = None,
    title: str = "",
    start_at=None,
    end_at=None,
    place: str = "",
    video_link: str = "",
    description: str = "",
    rotation_override_reason: str = "",
) -> JointMeeting:
    """Create a draft meeting of the series, hosted by the rotation's proposal unless a reason says why not.

    The session number is the last one plus one (the series row lock serialises two creations);
    the standing crime-pattern briefing is the first agenda item.
    """
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    if not permissions.may_organise_series(series, by):
        raise PermissionDenied
    if not series.is_active:
        raise ValidationError({"series": [_("The series is no longer active.")]})
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": [_("Choose a regular meeting, an extraordinary meeting or a drill.")]})
    start_at, end_at = _aware(start_at, "start_at"), _aware(end_at, "end_at")
    _check_times(start_at, end_at)
    if video_link:
        try:
            URLValidator(schemes=["http", "https"])(video_link)
        except ValidationError:
            raise ValidationError({"video_link": [_("Enter a valid link.")]}) from None
    proposal = series_propose_host(series)
    host_unit = host_unit or proposal.unit
    if host_unit.pk not in permissions.current_member_units(series):
        raise ValidationError({"host_unit": [_("The host must be a current member of the series.")]})
    override = (rotation_override_reason or "").strip()
    if host_unit.pk != proposal.unit.pk and not override:
        raise ValidationError(
            {
                "rotation_override_reason": [
                    _("%(unit)s is not the host the rotation proposes (%(proposal)s): say why.")
                    % {"unit": host_unit.name, "proposal": proposal.reason}
                ]
            }
        )
    number = None
    if kind != MeetingKind.DRILL:
        last = (
            JointMeeting.objects.filter(series=series)
            .exclude(state=MS.CANCELLED)
            .aggregate(last=Max("session_number"))["last"]
        )
        number = (last or 0) + 1
    meeting = JointMeeting.objects.create(
        series=series,
        kind=kind,
        session_number=number,
        title=(title or "").strip() or _default_title(series, kind, number),
        host_unit=host_unit,
        rotation_override_reason=override if host_unit.pk != proposal.unit.pk else "",
        organiser=by,
        organiser_unit=_organising_unit(series, by, host_unit),
        start_at=start_at,
        end_at=end_at,
        place=(place or "").strip(),
        video_link=video_link or "",
        description=(description or "").strip(),
    )
    with translation.override(settings.LANGUAGE_CODE):
        briefing_title = str(AgendaSource.BRIEFING.label)
    AgendaItem.objects.create(
        meeting=meeting,
        position=1,
        source_kind=AgendaSource.BRIEFING,
        title=briefing_title,
        presenting_unit=host_unit,
        added_by=by,
    )
    payload = {
        "series": series.pk,
        "kind": kind,
        "session_number": number,
        "host_unit": host_unit.code,
        "proposal": proposal.unit.code,
        "proposal_reason": proposal.reason,
        "rotation_override_reason": meeting.rotation_override_reason,
    }
    audit.record(
        action="meetings.jointmeeting.create",
        actor=by,
        acting_unit_code=meeting.organiser_unit.code,
        target=meeting,
        payload=payload,
    )
    timeline_add(
        instance=meeting,
        actor=by,
        acting_unit_code=meeting.organiser_unit.code,
        action="create",
        to_state=meeting.state,
        data=payload,
    )
    briefing.briefing_prepare(meeting)
    return _fresh(meeting.pk)


@transaction.atomic
def meeting_update(
    *, meeting: JointMeeting, by: User, expected_sequence: int | None = None, **fields: Any
) -> tuple[JointMeeting, list[MeetingWarning]]:
    """Change a meeting's details (not its state); once notice was given, send the update.

    `meeting` is the meeting as the adapter read it; it is locked again by its pk. 409 when the
    meeting can no longer be edited or `expected_sequence` is stale; a change of what the calendar
    carries raises SEQUENCE and sends every participant a REQUEST.
    """
    meeting = _lock(meeting.pk)
    if meeting.state not in EDITABLE_STATES:
        raise Conflict(current_state=meeting.state)
    if not permissions.may_organise(meeting, by):
        raise PermissionDenied
    if expected_sequence is not None and int(expected_sequence) != meeting.sequence:
        raise Conflict(
            _("The meeting was changed by someone else; reload it and try again."),
            current_state=meeting.state,
        )
    unknown = sorted(set(fields) - UPDATABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    now = timezone.now()
    changes: dict[str, Any] = {}
    if "start_at" in fields or "end_at" in fields:
        start_at = _aware(fields.get("start_at", meeting.start_at), "start_at")
        end_at = _aware(fields.get("end_at", meeting.end_at), "end_at")
        _check_times(start_at, end_at)
        if (start_at, end_at) != (meeting.start_at, meeting.end_at):
            if meeting.state == MS.POSTPONED:
                raise ValidationError(
                    {"start_at": [_("A postponed meeting gets its new date by rescheduling.")]}
                )
            if meeting.state == MS.SCHEDULED and (start_at is None or end_at is None or start_at <= now):
                raise ValidationError({"start_at": [_("A meeting is scheduled for a time still to come.")]})
            changes["start_at"], changes["end_at"] = start_at, end_at
    for name in ("title", "place", "description", "rotation_override_reason"):
        if name in fields:
            value = (fields[name] or "").strip()
            if name == "title" and not value:
                raise ValidationError({"title": [_("Give the meeting a title.")]})
            if value != getattr(meeting, name):
                changes[name] = value
    if "video_link" in fields and (fields["video_link"] or "") != meeting.video_link:
        link = fields["video_link"] or ""
        if link:
            try:
                URLValidator(schemes=["http", "https"])(link)
            except ValidationError:
                raise ValidationError({"video_link": [_("Enter a valid link.")]}) from None
        changes["video_link"] = link
    for name in sorted(UNIT_FIELDS):
        if name in fields:
            unit = fields[name]
            if unit is not None and not isinstance(unit, Unit):
                unit = Unit.objects.filter(pk=unit).first()
                if unit is None:
                    raise ValidationError({name: [_("No such unit.")]})
            if (unit.pk if unit else None) != getattr(meeting, f"{name}_id"):
                changes[name] = unit
    if "session_number" in fields and fields["session_number"] != meeting.session_number:
        changes["session_number"] = fields["session_number"]
    if "host_unit" in changes:
        host = changes["host_unit"]
        if meeting.state != MS.DRAFT:
            raise ValidationError({"host_unit": [_("The host changes only while the meeting is a draft.")]})
        if host is None or host.pk not in permissions.current_member_units(meeting.series):
            raise ValidationError({"host_unit": [_("The host must be a current member of the series.")]})
        proposal = series_propose_host(meeting.series)
        reason = changes.get("rotation_override_reason", meeting.rotation_override_reason)
        if host.pk != proposal.unit.pk and not reason:
            raise ValidationError(
                {
                    "rotation_override_reason": [
                        _("%(unit)s is not the host the rotation proposes (%(proposal)s): say why.")
                        % {"unit": host.name, "proposal": proposal.reason}
                    ]
                }
            )
    if "session_number" in changes and meeting.state != MS.DRAFT:
        raise ValidationError(
            {"session_number": [_("The session number changes only while the meeting is a draft.")]}
        )
    if not changes:
        return _fresh(meeting.pk), meeting_checks(meeting, user=by)
    send = _notice_given(meeting) and bool(ICAL_FIELDS & set(changes))
    raised = _raise_sequence(meeting, now, times=bool({"start_at", "end_at"} & set(changes))) if send else []
    # Units by id, so that the audit names each change from and to (the one edit path: model_update).
    values = {
        (f"{name}_id" if name in UNIT_FIELDS else name): (value.pk if isinstance(value, Unit) else value)
        for name, value in changes.items()
    }
    model_update(
        instance=meeting,
        values=values,
        by=by,
        action="update",
        acting_unit_code=_acting_unit_code(meeting, by),
        with_values=tuple(values),
        extra_update_fields=tuple(raised),
    )
    if send:
        invitations.invitations_send(meeting, method=ical.REQUEST, participants=_participants(meeting))
    return _fresh(meeting.pk), meeting_checks(meeting, user=by)


# --- the state machine (plan §3.1) -----------------------------------------------------------------


def _require_participants_of_every_member(meeting: JointMeeting) -> None:
    members = set(permissions.current_member_units(meeting.series))
    represented = set(
        meeting.participants.filter(member__isnull=False).values_list("member__unit_id", flat=True)
    )
    missing = members - represented
    if missing:
        names = ", ".join(Unit.objects.filter(pk__in=missing).order_by("code").values_list("name", flat=True))
        raise ValidationError(
            {
                "participants": [
                    _("Invite at least one participant of each member unit: %(units)s.") % {"units": names}
                ]
            }
        )


def _default_attendance(meeting: JointMeeting, by) -> None:
    """Start the roll call from the answers; whoever runs the session corrects it.

    An acceptance reads as present, a decline as leave (its 请假事由 is the reason), a delegation as
    represented by the delegate (who is there); whoever opens the session is there, and so is the
    organiser unless they declined. Any other unanswered invitation stays unrecorded: it is no leave
    (issue 20).
    """
    rows = meeting.participants.filter(presence="", attended__isnull=True)
    there = (
        Q(answer=Answer.ACCEPTED)
        | Q(user_id=by.pk)
        | Q(user_id=meeting.organiser_id, answer=Answer.NEEDS_ACTION)
        # A delegate attends on the delegation: they need not answer their own invitation as well.
        | Q(delegated_from__isnull=False, answer=Answer.NEEDS_ACTION)
    )
    rows.filter(there).update(presence=Presence.PRESENT, attended=True)
    rows.filter(answer=Answer.DECLINED).update(presence=Presence.LEAVE, attended=False)
    rows.filter(answer=Answer.DELEGATED).update(presence=Presence.DELEGATED, attended=False)


def _after(name: str, *, by, now):
    def after(meeting: JointMeeting, from_state: str, to_state: str) -> None:
        if name == "schedule":
            _require_participants_of_every_member(meeting)
            invitations.invitations_send(meeting, method=ical.REQUEST, participants=_participants(meeting))
        elif name in ("postpone", "reschedule"):
            # Plan §6.2: a postponement is a REQUEST with STATUS:TENTATIVE, the new date a CONFIRMED one.
            invitations.invitations_send(meeting, method=ical.REQUEST, participants=_participants(meeting))
        elif name == "cancel":
            if meeting.notice_issued_at is not None:
                invitations.invitations_send(meeting, method=ical.CANCEL, participants=_participants(meeting))
        elif name == "open_session":
            briefing.briefing_freeze(meeting, at=now)
            _default_attendance(meeting, by)
        elif name == "close":
            if meeting.kind == MeetingKind.REGULAR:
                rotation.duty_handover(meeting, at=now, by=by)
            notify(
                users=_officers([meeting.host_unit_id], [Role.LIAISON_OFFICER]),
                key=f"meeting:{meeting.pk}:closed",
                about=meeting,
                asks=True,
                subject=_("Draft the minutes of %(title)s"),
                body=_("The session is closed; the host's liaison officer drafts the minutes (纪要)."),
                url=ical.meeting_path(meeting),
                params={"title": meeting.title},
            )
        elif name == "start_minutes":
            from meetings import minutes

            minutes.minutes_start(meeting, by)

    return after


@transaction.atomic
def meeting_transition(
    *,
    meeting: JointMeeting,
    name: str,
    by: User,
    reason: str = "",
    fields: dict[str, Any] | None = None,
    expected_state: str | None = None,
) -> tuple[JointMeeting, list[MeetingWarning]]:
    """Take transition `name` of the meeting through the single service path, with its effects.

    `meeting` is the meeting as the adapter read it; it is read again by its pk (and
    core.workflow.run_transition locks it). Conflict (409) when the meeting has moved on (or is not
    in `expected_state`), PermissionDenied (403) when the user may not take the step,
    ValidationError (400) naming the field when the input is refused. Returns the meeting as it is
    now and the warnings of its (new) date.
    """
    from meetings.steps import MEETING_MACHINE

    # Only the declared steps: the `minutes_*` transitions follow the minutes, nobody takes them.
    if MEETING_MACHINE.step(name) is None:
        raise ValidationError({"name": [_("No such transition.")]})
    fields = dict(fields or {})
    meeting = JointMeeting.objects.select_related("series").get(pk=meeting.pk)
    now = timezone.now()
    arguments: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    warnings: list[MeetingWarning] = []
    note = ""
    if name in ("postpone", "cancel"):
        arguments = {"reason": reason, "now": now}
        note = (reason or "").strip()
        payload["reason"] = note
    elif name == "reschedule":
        start_at = _aware(fields.get("start_at"), "start_at")
        end_at = _aware(fields.get("end_at"), "end_at")
        arguments = {"start_at": start_at, "end_at": end_at, "now": now}
        payload.update(start_at=start_at, end_at=end_at)
        warnings = meeting_checks(meeting, start_at=start_at, end_at=end_at, user=by)
    elif name in ("schedule", "open_session", "close"):
        arguments = {"now": now}
        if name == "schedule":
            warnings = meeting_checks(meeting, user=by)
    if warnings:
        payload["warnings"] = [warning.as_dict() for warning in warnings]
    run_transition(
        model=JointMeeting,
        pk=meeting.pk,
        name=name,
        by=by,
        acting_unit_code=_acting_unit_code(meeting, by),
        expected_state=expected_state,
        arguments=arguments,
        note=note,
        audit_payload=payload,
        after=_after(name, by=by, now=now),
    )
    return _fresh(meeting.pk), warnings


# --- participants (plan §5.1) ----------------------------------------------------------------------


def participant_candidates(meeting: JointMeeting, query: str = "") -> list[ParticipantCandidate]:
    """Return whom the organiser may invite: member officers, listed experts, and any active user by name.

    Officers (head, department head, liaison, legal) of the member units themselves come first;
    then the experts of the expert pool (专家人才库, issue 7 item 5) who are listed and available or
    of limited availability, each in the unit that keeps their listing when they work there (an
    outside expert has no account and is invited as a guest); with a query, any other active user
    matching it is offered as an expert. A query matches names and units, and for listed experts
    also a specialty. Those already invited are left out. Officers and listed experts come from one
    query.
    """
    from django.db.models import Case, Exists, F, OuterRef, Value, When

    from organisation.models import OPERATIONAL_ROLES, Availability, ExpertProfile

    query = (query or "").strip()
    taken = MeetingParticipant.objects.filter(meeting_id=meeting.pk, user__isnull=False).values("user_id")
    member_units = set(permissions.current_member_units(meeting.series))
    is_officer = Q(unit_id__in=list(member_units), role__in=CANDIDATE_ROLES)
    is_listed = Q(
        user__expert_profile__is_active=True,
        user__expert_profile__availability__in=(Availability.AVAILABLE, Availability.LIMITED),
        role__in=OPERATIONAL_ROLES,
    )
    officers = (
        Membership.objects.current()
        .filter(is_officer | is_listed)
        .exclude(user_id__in=taken)
        .select_related("user", "unit")
        .annotate(
            # Officers first (in their old order), then experts, each first at the unit keeping the listing.
            candidate_rank=Case(
                When(is_officer, then=Value(0)),
                When(unit_id=F("user__expert_profile__unit_id"), then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("candidate_rank", "unit__code", "role", "user__username", "id")
    )
    matches = (
        Q(user__full_name__icontains=query)
        | Q(user__username__icontains=query)
        | Q(unit__name__icontains=query)
    )
    if query:
        in_specialty = Exists(
            ExpertProfile.specialties.through.objects.filter(
                expertprofile__user_id=OuterRef("user_id"), specialty__name__icontains=query
            )
        )
        officers = officers.filter(matches | (is_listed & in_specialty))
    candidates: list[ParticipantCandidate] = []
    seen: set[int] = set()
    for membership in officers[:CANDIDATE_LIMIT]:
        if membership.user_id in seen:
            continue
        seen.add(membership.user_id)
        officer = membership.unit_id in member_units and membership.role in CANDIDATE_ROLES
        candidates.append(
            ParticipantCandidate(
                user_id=membership.user_id,
                name=membership.user.display_name,
                unit_id=membership.unit_id,
                unit_name=membership.unit.name,
                role=membership.role,
                kind=KIND_OF_ROLE.get(membership.role, ParticipantKind.OTHER)
                if officer
                else ParticipantKind.EXPERT,
            )
        )
    if query and len(candidates) < CANDIDATE_LIMIT:
        experts = (
            Membership.objects.current()
            .operational()
            .filter(Q(user__full_name__icontains=query) | Q(user__username__icontains=query))
            .exclude(user_id__in=taken)
            .exclude(user_id__in=seen)
            .select_related("user", "unit")
            .order_by("user__username", "unit__code", "id")
        )
        for membership in experts[: CANDIDATE_LIMIT - len(candidates)]:
            if membership.user_id in seen:
                continue
            seen.add(membership.user_id)
            candidates.append(
                ParticipantCandidate(
                    user_id=membership.user_id,
                    name=membership.user.display_name,
                    unit_id=membership.unit_id,
                    unit_name=membership.unit.name,
                    role=membership.role,
                    kind=ParticipantKind.EXPERT,
                )
            )
    return candidates


def _require_participants_editable(meeting: JointMeeting, by) -> None:
    if meeting.state not in EDITABLE_STATES:
        raise Conflict(current_state=meeting.state)
    if not permissions.may_organise(meeting, by):
        raise PermissionDenied


def _user_unit(series: MeetingSeries, user: User, unit: Unit | None, *, expert: bool) -> Unit | None:
    """Return the unit a user takes part for: the one given (where they work) or the first fitting one."""
    units = [
        m.unit
        for m in Membership.objects.current()
        .operational()
        .filter(user=user)
        .select_related("unit")
        .order_by("unit__code")
    ]
    if unit is not None:
        if unit.pk not in {u.pk for u in units}:
            raise ValidationError({"unit": [_("The person does not work in that unit.")]})
        return unit
    inside = [u for u in units if member_for(series, u) is not None]
    if inside:
        # A member unit itself before a unit in its subtree.
        members = set(permissions.current_member_units(series))
        inside.sort(key=lambda u: (u.pk not in members, u.code))
        return inside[0]
    if not expert:
        return None
    return units[0] if units else None


def _participant_payload(participant: MeetingParticipant) -> dict:
    return {
        "participant": participant.pk,
        "user": participant.user_id,
        "name": participant.display_name,
        "unit": participant.unit.code if participant.unit_id else "",
        "kind": participant.kind,
        "attendance_role": participant.attendance_role,
        "is_chair": participant.is_chair,
    }


def _record(meeting, by, action: str, data: dict, note: str = "") -> None:
    audit.record(
        action=f"meetings.participant.{action}",
        actor=by,
        acting_unit_code=_acting_unit_code(meeting, by),
        target=meeting,
        payload=data,
    )
    timeline_add(instance=meeting, actor=by, action=f"participant_{action}", note=note, data=data)


@transaction.atomic
def participant_add(
    *,
    meeting: JointMeeting,
    by: User,
    user: User | None = None,
    unit: Unit | None = None,
    external_name: str = "",
    external_affiliation: str = "",
    email: str = "",
    kind: str,
    attendance_role: str,
    is_chair: bool = False,
) -> MeetingParticipant:
    """Invite a person: an officer of a member unit (or its subtree), an expert user, or a guest.

    An officer stands for the member whose subtree holds the unit; an expert stands for nobody.
    Once notice was given the addition raises SEQUENCE and everybody gets the updated REQUEST.
    `meeting` is the meeting as the adapter read it; it is locked again by its pk.
    """
    meeting = _lock(meeting.pk)
    _require_participants_editable(meeting, by)
    if kind not in ParticipantKind.values:
        raise ValidationError({"kind": [_("Choose a kind of participant.")]})
    if attendance_role not in AttendanceRole.values:
        raise ValidationError({"attendance_role": [_("Choose whether the person attends or sits in.")]})
    member = None
    if user is not None:
        if not user.is_active:
            raise ValidationError({"user": [_("The account is not active.")]})
        if meeting.participants.filter(user=user).exists():
            raise ValidationError({"user": [_("The person is already invited.")]})
        expert = kind == ParticipantKind.EXPERT
        unit = _user_unit(meeting.series, user, unit, expert=expert)
        if not expert:
            member = member_for(meeting.series, unit)
            if member is None:
                raise ValidationError(
                    {
                        "user": [
                            _(
                                "Only officers of the member units take part in a member's name; "
                                "invite others as experts."
                            )
                        ]
                    }
                )
        address = (user.email or "").strip()
        name, affiliation = "", ""
    else:
        name = (external_name or "").strip()
        if not name:
            raise ValidationError({"external_name": [_("Give the guest's name.")]})
        if kind not in (ParticipantKind.EXPERT, ParticipantKind.OTHER):
            raise ValidationError(
                {"kind": [_("A guest without an account takes part as an expert or other.")]}
            )
        address = (email or "").strip()
        if address:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
        affiliation = (external_affiliation or "").strip()
        unit = None
    participant = MeetingParticipant.objects.create(
        meeting=meeting,
        user=user,
        unit=unit,
        member=member,
        external_name=name,
        external_affiliation=affiliation,
        email=address,
        kind=kind,
        attendance_role=attendance_role,
        is_chair=bool(is_chair),
    )
    send = _notice_given(meeting)
    if send:
        meeting.save(update_fields=_raise_sequence(meeting, timezone.now()))
    _record(meeting, by, "add", {**_participant_payload(participant), "sequence": meeting.sequence})
    if send:
        invitations.invitations_send(meeting, method=ical.REQUEST, participants=_participants(meeting))
    return MeetingParticipant.objects.select_related("user", "unit", "member").get(pk=participant.pk)


def _lock_participant(participant: MeetingParticipant) -> tuple[JointMeeting, MeetingParticipant]:
    """Lock the participant's meeting by its pk, then read the participant again: 404 if it is gone.

    `participant` is the row as the adapter read it on a meeting the user sees. Another request may
    remove it between that read and the meeting's lock, so the row is looked for again under the
    lock rather than assumed.
    """
    meeting = _lock(participant.meeting_id)
    participant = (
        MeetingParticipant.objects.select_for_update(of=("self",))
        .select_related("user", "unit", "member", "member__unit")
        .filter(pk=participant.pk, meeting_id=meeting.pk)
        .first()
    )
    if participant is None:
        raise Http404
    return meeting, participant


@transaction.atomic
def participant_update(*, participant: MeetingParticipant, by: User, **fields: Any) -> MeetingParticipant:
    """Change a participant's role, chair or (a guest's) name and address; once notice was given, send it."""
    meeting, participant = _lock_participant(participant)
    _require_participants_editable(meeting, by)
    allowed = {"kind", "attendance_role", "is_chair"} | (
        GUEST_FIELDS if participant.user_id is None else set()
    )
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    if "kind" in fields and fields["kind"] not in ParticipantKind.values:
        raise ValidationError({"kind": [_("Choose a kind of participant.")]})
    if "attendance_role" in fields and fields["attendance_role"] not in AttendanceRole.values:
        raise ValidationError({"attendance_role": [_("Choose whether the person attends or sits in.")]})
    if "external_name" in fields and not (fields["external_name"] or "").strip():
        raise ValidationError({"external_name": [_("Give the guest's name.")]})
    if fields.get("email"):
        try:
            validate_email(fields["email"].strip())
        except ValidationError:
            raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
    changed = []
    for name, value in fields.items():
        if name == "is_chair":
            value = bool(value)
        elif isinstance(value, str):
            value = value.strip()
        if getattr(participant, name) != value:
            setattr(participant, name, value)
            changed.append(name)
    if not changed:
        return participant
    participant.save(update_fields=changed)
    send = _notice_given(meeting) and bool(PARTICIPANT_ICAL_FIELDS & set(changed))
    if send:
        meeting.save(update_fields=_raise_sequence(meeting, timezone.now()))
    _record(
        meeting,
        by,
        "update",
        {**_participant_payload(participant), "changed": changed, "sequence": meeting.sequence},
    )
    if send:
        invitations.invitations_send(meeting, method=ical.REQUEST, participants=_participants(meeting))
    return participant


@transaction.atomic
def participant_remove(*, participant: MeetingParticipant, by: User) -> None:
    """Un-invite a participant: a CANCEL naming only them, the updated REQUEST to the others (plan §6.3)."""
    meeting, participant = _lock_participant(participant)
    _require_participants_editable(meeting, by)
    send = _notice_given(meeting)
    payload = _participant_payload(participant)
    if send:
        meeting.save(update_fields=_raise_sequence(meeting, timezone.now()))
        invitations.invitations_send(
            meeting, method=ical.CANCEL, participants=[participant], attendees=[participant]
        )
    # Whoever this person delegated to stays invited in their own right.
    participant.delegates.update(delegated_from=None)
    if participant.delegated_from_id is not None:
        # The delegation lapses: the original is asked again.
        MeetingParticipant.objects.filter(pk=participant.delegated_from_id, answer=Answer.DELEGATED).update(
            answer=Answer.NEEDS_ACTION, answered_at=None, answered_by=None
        )
    participant.delete()
    _record(meeting, by, "remove", {**payload, "sequence": meeting.sequence})
    if send:
        invitations.invitations_send(meeting, method=ical.REQUEST, participants=_participants(meeting))


def _may_answer_for(participant: MeetingParticipant, meeting: JointMeeting, by) -> bool:
    if participant.user_id is not None and participant.user_id == getattr(by, "pk", None):
        return True
    standing = user_standing(by)
    if participant.member_id is not None and standing.holds(participant.member.unit_id, permissions.LIAISON):
        # A liaison officer records the answer of a leader of the member unit (answered_by shows it).
        return True
    # A guest without an account answers through the organiser.
    return participant.user_id is None and permissions.may_organise(meeting, by)


@transaction.atomic
def participant_answer(
    *,
    participant: MeetingParticipant,
    by: User,
    answer: str,
    reason: str = "",
    delegate: User | None = None,
) -> MeetingParticipant:
    """Record a participant's answer: accept, decline (a reason, 请假事由) or delegate to a colleague.

    Open while the meeting is scheduled or postponed, changeable until the session opens. A
    delegation invites the delegate (same role, the same member) and sends them the REQUEST at the
    current SEQUENCE (RFC 5546 §3.2.2.3); answers never raise SEQUENCE (RFC 5546 §2.1.4). The
    organiser hears of declines and delegations.
    """
    meeting, participant = _lock_participant(participant)
    if meeting.state not in (MS.SCHEDULED, MS.POSTPONED):
        raise Conflict(current_state=meeting.state)
    if not _may_answer_for(participant, meeting, by):
        raise PermissionDenied
    value = ANSWER_ALIASES.get((answer or "").strip().lower())
    if value is None:
        raise ValidationError({"answer": [_("Accept, decline or delegate.")]})
    if participant.answer == Answer.DELEGATED:
        raise ValidationError({"answer": [_("The invitation was delegated; the delegate answers now.")]})
    reason = (reason or "").strip()
    if value == Answer.DECLINED and not reason:
        raise ValidationError({"reason": [_("Give the reason for not attending (请假事由).")]})
    now = timezone.now()
    created = None
    if value == Answer.DELEGATED:
        if delegate is None:
            raise ValidationError({"delegate": [_("Choose the colleague who attends instead.")]})
        if participant.member_id is None:
            raise ValidationError(
                {"delegate": [_("Only a member unit's participant delegates to a colleague.")]}
            )
        if meeting.participants.filter(user=delegate).exists():
            raise ValidationError({"delegate": [_("The colleague is already invited.")]})
        path = participant.member.unit_path
        delegate_unit = (
            Unit.objects.filter(
                pk__in=Membership.objects.current().operational().filter(user=delegate).values("unit_id")
            )
            .filter(Q(path=path) | Q(path__startswith=path + PATH_SEPARATOR))
            .order_by("path")
            .first()
        )
        if delegate_unit is None or not delegate.is_active:
            raise ValidationError(
                {
                    "delegate": [
                        _("The delegate must work in %(unit)s or a unit under it.")
                        % {"unit": participant.member.unit.name}
                    ]
                }
            )
        created = MeetingParticipant.objects.create(
            meeting=meeting,
            user=delegate,
            unit=delegate_unit,
            member=participant.member,
            email=(delegate.email or "").strip(),
            kind=participant.kind,
            attendance_role=participant.attendance_role,
            is_chair=participant.is_chair,
            delegated_from=participant,
        )
    participant.answer = value
    participant.answer_reason = reason
    participant.answered_at = now
    participant.answered_by = by
    participant.save(update_fields=["answer", "answer_reason", "answered_at", "answered_by"])
    data = {
        "participant": participant.pk,
        "name": participant.display_name,
        "answer": value,
        "reason": reason,
        "delegate": created.pk if created else None,
        "delegate_name": created.display_name if created else "",
        "sequence": meeting.sequence,
    }
    _record(meeting, by, "answer", data, note=reason)
    if created is not None:
        invitations.invitations_send(meeting, method=ical.REQUEST, participants=[created])
    if value in ABSENT_ANSWERS:
        subject = (
            _("%(name)s declined %(title)s")
            if value == Answer.DECLINED
            else _("%(name)s delegated %(title)s to %(delegate)s")
        )
        notify(
            users=[meeting.organiser],
            key=f"meeting:{meeting.pk}:answer:{participant.pk}:{value}:{int(now.timestamp())}",
            subject=subject,
            body=_("Reason: %(reason)s") if reason else "",
            url=ical.meeting_path(meeting),
            params={
                "name": participant.display_name,
                "title": meeting.title,
                "delegate": data["delegate_name"],
                "reason": reason,
            },
        )
    return participant


# The roll call is taken in session and corrected until the minutes' text is frozen for signature.
ROLL_CALL_STATES = frozenset({MS.IN_SESSION, MS.CLOSED, MS.MINUTES_DRAFTING})


def may_take_roll_call(meeting: JointMeeting, user) -> bool:
    """Allow whoever runs the session, and the host's liaison officer who drafts the minutes."""
    return permissions.may_run_session(meeting, user) or permissions.may_draft_minutes(meeting, user)


@transaction.atomic
def attendance_record(
    *,
    participant: MeetingParticipant,
    by: User,
    presence: str | None = None,
    reason: str = "",
    delegate_name: str = "",
    attended: bool | None = None,
) -> MeetingParticipant:
    """Record at the roll call whether a participant was present, on leave (with the reason), absent,
    or represented by a delegate who attended in their place (named, unless already invited as their
    delegate). Open in session and until the minutes circulate, to whoever runs the session or
    drafts the minutes.

    `attended` is the older yes/no of the API: yes is present; no is leave for one who declined
    (their 请假事由 stands), absent otherwise. Returns the participant; for a delegate, the delegate's
    row is recorded present too.
    """
    meeting, participant = _lock_participant(participant)
    if meeting.state not in ROLL_CALL_STATES:
        raise Conflict(current_state=meeting.state)
    if not may_take_roll_call(meeting, by):
        raise PermissionDenied
    if presence is None:
        if not isinstance(attended, bool):
            raise ValidationError({"attended": [_("Say whether the person attended.")]})
        if attended:
            presence = Presence.PRESENT
        else:
            presence = Presence.LEAVE if participant.answer == Answer.DECLINED else Presence.ABSENT
    if presence not in Presence.values:
        raise ValidationError({"presence": [_("Choose present, on leave, absent or a delegate.")]})
    reason = (reason or "").strip()
    if presence == Presence.LEAVE and not reason:
        reason = participant.answer_reason if participant.answer == Answer.DECLINED else ""
        if not reason:
            raise ValidationError({"reason": [_("Give the reason for the leave (请假事由).")]})
    delegate = None
    if presence == Presence.DELEGATED:
        delegate = _roll_call_delegate(meeting, participant, by, (delegate_name or "").strip())
    if presence != Presence.LEAVE:
        reason = ""
    data = {"participant": participant.pk, "name": participant.display_name, "presence": presence}
    if participant.presence != presence or participant.presence_reason != reason:
        participant.presence = presence
        participant.presence_reason = reason
        participant.attended = presence == Presence.PRESENT
        participant.save(update_fields=["presence", "presence_reason", "attended"])
        if reason:
            data["reason"] = reason
        if delegate is not None:
            data["delegate"], data["delegate_name"] = delegate.pk, delegate.display_name
        _record(meeting, by, "attendance", data, note=reason)
    return participant


def _roll_call_delegate(meeting, participant, by, name: str) -> MeetingParticipant:
    """Return the delegate who attended in `participant`'s place, recorded present.

    The delegate invited when the participant delegated is the one, unless another name is given;
    a name not invited is added as the participant's delegate (their unit, their role).
    """
    if participant.delegated_from_id is not None:
        raise ValidationError({"presence": [_("A delegate cannot delegate in turn.")]})
    invited = list(participant.delegates.select_related("user"))
    delegate = next((row for row in invited if not name or row.display_name == name), None)
    if delegate is None:
        if not name:
            raise ValidationError({"delegate_name": [_("Give the name of who attended in their place.")]})
        delegate = MeetingParticipant.objects.create(
            meeting=meeting,
            external_name=name[:64],
            external_affiliation=(
                participant.unit.name if participant.unit_id else participant.external_affiliation
            ),
            unit=participant.unit,
            member=participant.member,
            kind=participant.kind,
            attendance_role=participant.attendance_role,
            is_chair=participant.is_chair,
            delegated_from=participant,
            presence=Presence.PRESENT,
            attended=True,
        )
        _record(meeting, by, "add", {**_participant_payload(delegate), "sequence": meeting.sequence})
    elif delegate.presence != Presence.PRESENT:
        delegate.presence, delegate.presence_reason, delegate.attended = Presence.PRESENT, "", True
        delegate.save(update_fields=["presence", "presence_reason", "attended"])
    return delegate
