"""Reads of joint meetings: the one queryset per object type that decides who sees what.

A meeting is seen by the member units themselves (not their subtrees: a county bureau takes part
through its provincial organ), the chair and organising units, units above a member (the
ministry), its participants (experts and delegates included) and the owner units of its action
items. A draft is seen only by the liaison officers and heads of its host and organising units.
An auditor or administrator has no operational standing and sees none. A miss is 404 everywhere.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import (
    HELD_STATES,
    ActionItem,
    DutyTerm,
    JointMeeting,
    MeetingKind,
    MeetingParticipant,
    MeetingSeries,
    MeetingState,
    Minutes,
    MinutesState,
    NormativeDocument,
    NormativeStatus,
    Resolution,
    SeriesMember,
)
from meetings.permissions import SESSION_RUNNERS
from organisation.models import PATH_SEPARATOR, Unit
from organisation.paths import at_or_below, strictly_below
from organisation.standing import user_standing


def current_members(series) -> QuerySet[SeriesMember]:
    today = timezone.localdate()
    return series.members.filter(joined_on__lte=today).exclude(left_on__lte=today)


def member_paths(series) -> list[str]:
    """Return the unit paths of the series' current members (each stands for its subtree)."""
    return list(current_members(series).values_list("unit_path", flat=True))


def _current_member_rows(series_ref) -> QuerySet[SeriesMember]:
    today = timezone.localdate()
    return SeriesMember.objects.filter(series=series_ref, joined_on__lte=today).exclude(left_on__lte=today)


def series_visible_to(user) -> QuerySet[MeetingSeries]:
    """Return the series the user takes part in: member, chair, above a member, or a participant."""
    standing = user_standing(user)
    if not standing.paths:
        return MeetingSeries.objects.none()
    members = _current_member_rows(OuterRef("pk")).filter(
        Q(unit_id__in=standing.unit_ids) | strictly_below(standing.paths, "unit_path")
    )
    participates = MeetingParticipant.objects.filter(meeting__series=OuterRef("pk"), user=user).exclude(
        meeting__state=MeetingState.DRAFT
    )
    return MeetingSeries.objects.filter(
        Q(chair_unit_id__in=standing.unit_ids) | Exists(members) | Exists(participates)
    )


def meeting_visible_to(user) -> QuerySet[JointMeeting]:
    """Return the meetings the user sees (see the module docstring)."""
    standing = user_standing(user)
    if not standing.paths:
        return JointMeeting.objects.none()
    units = standing.unit_ids
    members = _current_member_rows(OuterRef("series")).filter(
        Q(unit_id__in=units) | strictly_below(standing.paths, "unit_path")
    )
    participates = MeetingParticipant.objects.filter(meeting=OuterRef("pk"), user=user)
    owns_action = ActionItem.objects.filter(meeting=OuterRef("pk"), owner_unit_id__in=units)
    published = ~Q(state=MeetingState.DRAFT) & (
        Q(series__chair_unit_id__in=units)
        | Q(chair_unit_id__in=units)
        | Q(organiser_unit_id__in=units)
        | Exists(members)
        | Exists(participates)
        | Exists(owns_action)
    )
    organising = [unit_id for unit_id in units if standing.holds(unit_id, SESSION_RUNNERS)]
    draft = Q(state=MeetingState.DRAFT) & (
        Q(host_unit_id__in=organising) | Q(organiser_unit_id__in=organising)
    )
    return JointMeeting.objects.filter(published | draft)


def meeting_get_visible(user, pk) -> JointMeeting:
    """Return the meeting if the user sees it, with its series and units; 404 otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    meeting = (
        meeting_visible_to(user)
        .select_related(
            "series", "series__chair_unit", "host_unit", "chair_unit", "organiser", "organiser_unit"
        )
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def series_get_visible(user, pk) -> MeetingSeries:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    series = series_visible_to(user).select_related("chair_unit").filter(pk=pk).first()
    if series is None:
        raise Http404
    return series


def action_items_visible_to(user) -> QuerySet[ActionItem]:
    """Return the action items of the user's units and the units below them, and of meetings they host."""
    standing = user_standing(user)
    if not standing.paths:
        return ActionItem.objects.none()
    return ActionItem.objects.filter(
        at_or_below(standing.paths, "owner_unit_path") | Q(meeting__host_unit_id__in=standing.unit_ids)
    )


def action_item_get_visible(user, pk) -> ActionItem:
    """Return the action item if the user sees it (404 otherwise), its task masked as the user may read it.

    The one read of an action item for its page and the API: the items of the user's units and the
    units below them, and of the meetings their units host (action_items_visible_to).
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    item = (
        action_items_visible_to(user)
        .select_related("meeting", "series", "resolution__minutes__document", "owner_unit", "completed_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    from meetings.case_text import mask_action_items

    # The task's text about a case the user may not see now is not shown (issue 16).
    mask_action_items(user, [item], path=f"action-items/{item.pk}")
    return item


def minutes_readable(meeting, record, user) -> bool:
    """Tell whether the user reads the minutes: a draft only the host unit's officers (plan §10.2),
    from circulation everyone who sees the meeting."""
    if record is None:
        return False
    return record.state != MinutesState.DRAFTING or meeting.host_unit_id in user_standing(user).unit_ids


def minutes_of(meeting) -> Minutes | None:
    """Return the meeting's minutes, None before they are started."""
    try:
        return meeting.minutes
    except Minutes.DoesNotExist:
        return None


def minutes_get_visible(meeting, user) -> Minutes:
    """Return the minutes of a meeting the user sees; 404 when there are none or they are unreadable."""
    record = minutes_of(meeting)
    if not minutes_readable(meeting, record, user):
        raise Http404
    return record


def unit_by_code(code, field: str) -> Unit | None:
    """Return the unit of a division code (None for none); ValidationError naming `field` if none has it."""
    if code in (None, ""):
        return None
    unit = Unit.objects.filter(code=str(code).strip()).first()
    if unit is None:
        raise ValidationError({field: [_("There is no unit with the code %(code)s.") % {"code": code}]})
    return unit


def participants_of(meeting) -> QuerySet[MeetingParticipant]:
    """Return the meeting's participants with what their rows show."""
    return meeting.participants.select_related(
        "user", "unit", "member__unit", "answered_by", "delegated_from"
    )


def resolutions_of(record) -> QuerySet[Resolution]:
    """Return the minutes' resolutions in order, with the units, proceeding and repeals they name."""
    return (
        record.resolutions.select_related("lead_unit", "owner_unit", "proceeding__holding_unit")
        .prefetch_related("assisting_units", "repeals")
        .order_by("number")
    )


def action_items_listed(user) -> QuerySet[ActionItem]:
    """Return the action items the user sees, with what a list shows of each."""
    return action_items_visible_to(user).select_related(
        "meeting", "series", "resolution", "owner_unit", "completed_by"
    )


def normative_visible_to(user) -> QuerySet[NormativeDocument]:
    """Return the normative documents of series whose member subtrees the user works within or above."""
    standing = user_standing(user)
    if not standing.paths:
        return NormativeDocument.objects.none()
    today = timezone.localdate()
    # Within a member's subtree: a member path is a prefix of (or equal to) one of the user's paths.
    inside = Q(pk__in=[])
    for path in standing.paths:
        parts = path.split(PATH_SEPARATOR)
        prefixes = [PATH_SEPARATOR.join(parts[: n + 1]) for n in range(len(parts))]
        inside |= Q(unit_path__in=prefixes)
    members = (
        SeriesMember.objects.filter(series=OuterRef("series"), joined_on__lte=today)
        .exclude(left_on__lte=today)
        .filter(inside | strictly_below(standing.paths, "unit_path"))
    )
    return NormativeDocument.objects.filter(Exists(members))


def series_duty_unit(series, at: dt.datetime | None = None) -> Unit | None:
    """Return the unit on duty (轮值) at `at` (now by default); issue 7 reads it for directives."""
    at = at or timezone.now()
    term = (
        DutyTerm.objects.filter(series=series, started_at__lte=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
        .select_related("member__unit")
        .order_by("-started_at")
        .first()
    )
    return term.member.unit if term is not None else None


def drill_gaps(series, today: dt.date | None = None) -> list[int]:
    """Return the years with fewer joint drills than the series asks for (DOMAIN.md §5 [S]).

    Each past year from the series' start counts the drills held; the current year is listed only
    when no drill is held or scheduled in it.
    """
    today = today or timezone.localdate()
    if series.drills_per_year < 1:
        # A series that holds no joint exercise (the legal-department series) has no gap.
        return []
    drills = JointMeeting.objects.filter(
        series=series, kind=MeetingKind.DRILL, start_at__isnull=False
    ).exclude(state=MeetingState.CANCELLED)
    held = dict(
        drills.filter(state__in=HELD_STATES)
        .values_list("start_at__year")
        .annotate(n=Count("id"))
        .values_list("start_at__year", "n")
    )
    planned_this_year = drills.filter(start_at__year=today.year).exists()
    gaps = [
        year
        for year in range(series.started_on.year, today.year)
        if held.get(year, 0) < series.drills_per_year
    ]
    if not planned_this_year:
        gaps.append(today.year)
    return gaps


def series_bulletin_issuer(user, unit, series_id):
    """Let a series' duty unit direct the series' member subtrees on its behalf (issue 7 item 3).

    Registered with bulletins (which sits below meetings); whether the user may issue at all is the
    bulletin's own permission.
    """
    from bulletins.authority import SeriesIssuer

    series = MeetingSeries.objects.filter(pk=series_id, is_active=True).first()
    if series is None:
        return None
    duty = series_duty_unit(series)
    if duty is None or duty.pk != unit.pk:
        return None
    return SeriesIssuer(label=f"{series.name}（轮值：{unit.name}）", member_paths=tuple(member_paths(series)))


def normative_search(user, *, series=None, q="", status=None) -> QuerySet[NormativeDocument]:
    """Return the normative documents the user sees, newest first, whose title or text contains `q`."""
    entries = normative_visible_to(user)
    if series is not None and series != "":
        series_id = series.pk if isinstance(series, MeetingSeries) else series
        try:
            entries = entries.filter(series_id=int(series_id))
        except (TypeError, ValueError):
            raise ValidationError({"series": [_("No such series.")]}) from None
    if status:
        if status not in NormativeStatus.values:
            raise ValidationError({"status": [_("Choose in force or repealed.")]})
        entries = entries.filter(status=status)
    text = (q or "").strip()
    if text:
        entries = entries.filter(Q(title__icontains=text) | Q(text__icontains=text))
    return entries.select_related("series").order_by("-adopted_on", "-id")
