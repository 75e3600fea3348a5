"""What the meeting pages and the API both show, shaped once: warnings, sign-off status, an item's timeline.

Reads only (they call selectors and services' read helpers); the pages render these, the API
serializes them.
"""

from dataclasses import dataclass

from django.utils import timezone

from cases.selectors import case_visible_to
from core.workflow import timeline_for
from meetings import case_text, minutes, rotation, scheduling, selectors
from meetings.models import (
    EDITABLE_STATES,
    UPCOMING_STATES,
    ActionItemState,
    MinutesState,
    Resolution,
    SignoffAction,
)
from organisation.models import Unit
from organisation.standing import user_standing


@dataclass
class SeriesOverview:
    """A series as its page and the API show it: members, the member on duty, the next host, drill gaps."""

    members: list
    duty_unit: Unit | None
    next_host: Unit | None
    next_host_reason: str
    drill_gaps: list[int]


def series_overview(series) -> SeriesOverview:
    """Return the members in rotation order, the unit on duty, the rotation's proposal and the drill gaps."""
    members = list(selectors.current_members(series).select_related("unit").order_by("rotation_position"))
    host, reason = rotation.series_propose_host(series) if members else (None, "")
    return SeriesOverview(
        members=members,
        duty_unit=selectors.series_duty_unit(series),
        next_host=host,
        next_host_reason=str(reason) if host is not None else "",
        drill_gaps=selectors.drill_gaps(series),
    )


def meeting_warnings(meeting, user) -> list:
    """Return the warnings of a meeting still to be held (none once it is held or cancelled)."""
    if meeting.start_at is None or meeting.end_at is None:
        return []
    if meeting.state not in EDITABLE_STATES | UPCOMING_STATES:
        return []
    return scheduling.meeting_checks(meeting, user=user)


def warnings_data(warnings) -> list[dict]:
    """Return warnings as the API writes them: code, message, data."""
    return [{"code": w.code, "message": str(w.message), "data": dict(w.data)} for w in warnings or []]


def minutes_member_status(record) -> list[dict]:
    """Return each current member unit with its last sign-off and whether it signed the current version."""
    statuses = []
    for unit, signoff in minutes.minutes_status(record):
        signed = bool(
            signoff is not None
            and signoff.action == SignoffAction.SIGNED
            and signoff.version == record.version
            and signoff.content_digest == record.content_digest
        )
        statuses.append({"unit": unit, "signed": signed, "signoff": signoff})
    return statuses


def action_item_overdue(item, now=None) -> bool:
    """Tell whether the item is open and past its due time."""
    return item.state == ActionItemState.OPEN and item.due_at < (now or timezone.now())


def action_item_timeline(item) -> list:
    """Return the item's timeline, without its notes (result, reason) for one the task is hidden from."""
    entries = list(timeline_for(item).order_by("occurred_at", "id"))
    if getattr(item, "case_text_hidden", False):
        # The result and the reason may name the case as the task did.
        for entry in entries:
            entry.note = ""
    return entries


def resolutions_as_seen(record, meeting, user, *, path: str) -> list[Resolution]:
    """Return the minutes' resolutions as this user may read them now.

    A decision's text about a case the user may not see now is not shown (issue 16), and why a
    decision could not be applied (it names the state of a proceeding or case another member may not
    see) is read only by the host unit's officers, who apply it again.
    """
    rows = list(selectors.resolutions_of(record))
    if meeting.host_unit_id not in user_standing(user).unit_ids:
        for row in rows:
            row.apply_error = ""
    return case_text.mask_resolutions(user, rows, path=path)


def minutes_content_as_seen(record, user, resolutions) -> dict:
    """Return the minutes' content for display: the live draft while drafting, else as circulated,
    a decision about a case the user may not see now read neutrally (what is signed is not changed)."""
    content = minutes.minutes_content(record) if record.state == MinutesState.DRAFTING else record.content
    return case_text.mask_minutes_content(
        user, content or {}, list(resolutions), path=f"meetings/{record.meeting_id}/minutes"
    )


def minutes_paragraphs_as_seen(record, user) -> list[str]:
    """Return the draft's opening, closing and revision reason as this user may read them now."""
    return case_text.redact_case_mentions(
        [record.opening, record.closing, record.revise_reason], case_visible_to(user)
    )
