"""Inbox provider: what waits for each user on joint meetings (registered in AppConfig.ready).

One query per kind of item (the sign-off kind reads the user's member seats first: two), whatever
the number of meetings, each limited to what the user sees. The kinds follow plan §13.3: an
invitation to answer, a meeting to organise (a draft, a closed session without minutes, minutes
returned with comments), minutes to sign for the user's member unit, signed minutes to issue, an
open action item of the user's units, a resolution that could not be applied, and a series whose
next meeting or joint drill is due while the user's unit is on duty.
"""

import calendar
import datetime as dt

from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import inbox
from core.models import Deadline, DeadlineState
from meetings import case_text
from meetings.models import (
    HELD_STATES,
    ActionItemState,
    Answer,
    ApplyState,
    DutyTerm,
    JointMeeting,
    MeetingKind,
    MeetingParticipant,
    MeetingState,
    Minutes,
    MinutesSignoff,
    MinutesState,
    Resolution,
    SeriesMember,
    SignoffAction,
)
from meetings.permissions import ACTION_OWNERS, HEADS, LIAISON
from meetings.selectors import action_items_visible_to, meeting_visible_to
from organisation.standing import user_standing

MS = MeetingState
LIMIT = 200
ACTION_ITEM_TYPE = "meetings.actionitem"
# The duty member's liaison is reminded this long before the usual interval runs out (plan §13.3).
SERIES_DUE_WINDOW = dt.timedelta(days=60)
# A meeting counts as "something scheduled" for the series until it is held or cancelled.
PLANNED_STATES = (MS.DRAFT, MS.SCHEDULED, MS.POSTPONED, MS.IN_SESSION)

KINDS = {
    "invitation": gettext_lazy("Meeting invitations to answer"),
    "organise": gettext_lazy("Meetings to organise"),
    "sign": gettext_lazy("Minutes to sign for your unit (会签)"),
    "issue": gettext_lazy("Signed minutes to issue (签发)"),
    "action_item": gettext_lazy("Action items of joint meetings"),
    "resolution_failed": gettext_lazy("Decisions of joint meetings that could not be applied"),
    "series_due": gettext_lazy("Joint meetings or drills due from your unit on duty (轮值)"),
}


def _url(meeting_id: int, anchor: str = "") -> str:
    return reverse("meetings:detail", args=[meeting_id]) + anchor


def _item(key: str, *, title: str, url: str, state: str = "", state_label="", due_at=None, obj=None):
    return inbox.InboxItem(
        kind=f"meetings.{key}",
        kind_label=str(KINDS[key]),
        title=title,
        url=url,
        state=state,
        state_label=str(state_label),
        due_at=due_at,
        object_type=f"meetings.{type(obj).__name__.lower()}" if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
    )


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def _invitations(user) -> list[inbox.InboxItem]:
    rows = (
        MeetingParticipant.objects.filter(
            user=user, answer=Answer.NEEDS_ACTION, meeting__state__in=[MS.SCHEDULED, MS.POSTPONED]
        )
        .select_related("meeting")
        .order_by("meeting__start_at", "id")[:LIMIT]
    )
    return [
        _item(
            "invitation",
            title=row.meeting.title,
            url=_url(row.meeting_id, f"#participant-{row.pk}"),
            state=row.meeting.state,
            state_label=row.meeting.get_state_display(),
            due_at=row.meeting.start_at,
            obj=row.meeting,
        )
        for row in rows
    ]


def _organise(user, visible, liaison: list[int]) -> list[inbox.InboxItem]:
    comments = MinutesSignoff.objects.filter(
        minutes__meeting=OuterRef("pk"),
        action=SignoffAction.COMMENTED,
        version=OuterRef("minutes__version"),
    )
    # A draft is scheduled by the liaison of its host or organising unit; the minutes (started once
    # the session closed, revised when returned) are drafted by the host's liaison alone (the steps'
    # permissions, meetings.permissions).
    hosted = Q(host_unit_id__in=liaison)
    rows = visible.filter(
        (Q(state=MS.DRAFT) & (hosted | Q(organiser_unit_id__in=liaison)))
        | (Q(state=MS.CLOSED) & hosted)
        | (Q(state=MS.MINUTES_CIRCULATING) & hosted & Exists(comments))
    ).order_by("start_at", "id")[:LIMIT]
    items = []
    for meeting in rows:
        if meeting.state == MS.CLOSED:
            title, anchor = _("%(title)s · draft the minutes") % {"title": meeting.title}, "#next"
        elif meeting.state == MS.MINUTES_CIRCULATING:
            title, anchor = (
                _("%(title)s · minutes returned with comments") % {"title": meeting.title},
                "#minutes",
            )
        else:
            title, anchor = _("%(title)s · draft: invite and schedule") % {"title": meeting.title}, "#next"
        items.append(
            _item(
                "organise",
                title=title,
                url=_url(meeting.pk, anchor),
                state=meeting.state,
                state_label=meeting.get_state_display(),
                due_at=meeting.start_at if meeting.state == MS.DRAFT else None,
                obj=meeting,
            )
        )
    return items


def _sign(user, standing, visible) -> list[inbox.InboxItem]:
    today = timezone.localdate()
    seats = (
        SeriesMember.objects.filter(unit_id__in=standing.unit_ids, joined_on__lte=today)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .select_related("series")
    )
    signing = [
        seat
        for seat in seats
        if standing.holds(seat.unit_id, frozenset(seat.series.signatory_roles or ["unit_head"]))
    ]
    if not signing:
        return []
    signed = MinutesSignoff.objects.filter(
        minutes=OuterRef("pk"),
        version=OuterRef("version"),
        content_digest=OuterRef("content_digest"),
        action=SignoffAction.SIGNED,
        unit_id__in=[seat.unit_id for seat in signing],
    )
    rows = (
        Minutes.objects.filter(
            state=MinutesState.CIRCULATING,
            meeting__series_id__in={seat.series_id for seat in signing},
            meeting__in=visible,
        )
        .exclude(Exists(signed))
        .select_related("meeting")
        .order_by("circulated_at", "id")[:LIMIT]
    )
    return [
        _item(
            "sign",
            title=_("%(title)s · version %(version)d") % {"title": row.meeting.title, "version": row.version},
            url=_url(row.meeting_id, "#minutes"),
            state=row.state,
            state_label=row.get_state_display(),
            obj=row.meeting,
        )
        for row in rows
    ]


def _issue(visible, heads: list[int]) -> list[inbox.InboxItem]:
    rows = visible.filter(state=MS.MINUTES_SIGNED, host_unit_id__in=heads).order_by("id")[:LIMIT]
    return [
        _item(
            "issue",
            title=meeting.title,
            url=_url(meeting.pk, "#minutes"),
            state=meeting.state,
            state_label=meeting.get_state_display(),
            obj=meeting,
        )
        for meeting in rows
    ]


def _action_items(user, owners: list[int]) -> list[inbox.InboxItem]:
    due = Subquery(
        Deadline.objects.filter(
            target_type=ACTION_ITEM_TYPE,
            target_id=Cast(OuterRef("pk"), CharField()),
            state__in=(DeadlineState.RUNNING, DeadlineState.PAUSED),
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    rows = (
        action_items_visible_to(user)
        .filter(state=ActionItemState.OPEN, owner_unit_id__in=owners)
        .annotate(deadline_due=due)
        .select_related("owner_unit", "resolution")
        .order_by("due_at", "id")[:LIMIT]
    )
    # A task's text about a case the user may not see now is not shown (issue 16).
    rows = case_text.mask_action_items(user, list(rows), path="inbox")
    return [
        _item(
            "action_item",
            title=f"{item.owner_unit.name} · {item.task[:80]}",
            url=reverse("meetings:action-item", args=[item.pk]),
            state=item.state,
            state_label=item.get_state_display(),
            due_at=item.deadline_due or item.due_at,
            obj=item,
        )
        for item in rows
    ]


def _failed(visible, units: list[int]) -> list[inbox.InboxItem]:
    rows = (
        Resolution.objects.filter(
            apply_state=ApplyState.FAILED,
            minutes__meeting__host_unit_id__in=units,
            minutes__meeting__in=visible,
        )
        .select_related("minutes__meeting")
        .order_by("id")[:LIMIT]
    )
    return [
        _item(
            "resolution_failed",
            title=_("%(title)s · decision %(number)d")
            % {"title": row.minutes.meeting.title, "number": row.number},
            url=_url(row.minutes.meeting_id, f"#resolution-{row.pk}"),
            state=row.apply_state,
            state_label=row.get_apply_state_display(),
            obj=row,
        )
        for row in rows
    ]


def _series_due(liaison: list[int], now: dt.datetime) -> list[inbox.InboxItem]:
    year = timezone.localdate().year
    meetings = JointMeeting.objects.filter(series=OuterRef("series"))
    last_held = (
        meetings.filter(state__in=HELD_STATES, kind=MeetingKind.REGULAR)
        .order_by("-end_at")
        .values("end_at")[:1]
    )
    drills = meetings.filter(kind=MeetingKind.DRILL).exclude(state=MS.CANCELLED)
    drills_last_year = (
        drills.filter(state__in=HELD_STATES, start_at__year=year - 1)
        .order_by()
        .values("series")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    rows = (
        DutyTerm.objects.filter(ended_at__isnull=True, member__unit_id__in=liaison, series__is_active=True)
        .annotate(
            last_held=Subquery(last_held),
            planned=Exists(meetings.filter(state__in=PLANNED_STATES, kind=MeetingKind.REGULAR)),
            drill_this_year=Exists(drills.filter(start_at__year=year)),
            drills_last_year=Subquery(drills_last_year),
        )
        .select_related("series")
        .order_by("id")[:LIMIT]
    )
    items = []
    for term in rows:
        series = term.series
        url = reverse("meetings:series", args=[series.pk])
        if not term.planned:
            since = term.last_held or term.started_at
            due = _add_months(since, series.frequency_months)
            if due - SERIES_DUE_WINDOW <= now:
                items.append(
                    _item(
                        "series_due",
                        title=_("%(series)s · next meeting") % {"series": series.name},
                        url=url,
                        due_at=due,
                        obj=series,
                    )
                )
        drill_gap = (not term.drill_this_year) or (
            series.started_on.year < year and (term.drills_last_year or 0) < series.drills_per_year
        )
        if series.drills_per_year and drill_gap:
            items.append(
                _item(
                    "series_due",
                    title=_("%(series)s · joint drill") % {"series": series.name},
                    url=url,
                    obj=series,
                )
            )
    return items


@inbox.register("meetings")
def meetings_items(user) -> list[inbox.InboxItem]:
    """List one item per step waiting for this user on the meetings the user sees."""
    standing = user_standing(user)
    if not standing.unit_ids:
        return []
    liaison = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, LIAISON)]
    heads = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, HEADS)]
    visible = meeting_visible_to(user)
    items = _invitations(user)
    if liaison:
        items += _organise(user, visible, liaison)
    items += _sign(user, standing, visible)
    if heads:
        items += _issue(visible, heads)
    owners = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, ACTION_OWNERS)]
    if owners:
        items += _action_items(user, owners)
    if liaison or heads:
        items += _failed(visible, sorted(set(liaison + heads)))
    if liaison:
        items += _series_due(liaison, timezone.now())
    return items
