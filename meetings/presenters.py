"""What the meeting pages and the API both show, shaped once: warnings, sign-off status, an item's timeline.

Reads only (they call selectors and services' read helpers); the pages render these, the API
serializes them.
"""

from django.utils import timezone

from core.workflow import timeline_for
from meetings import minutes, scheduling
from meetings.models import EDITABLE_STATES, UPCOMING_STATES, ActionItemState, SignoffAction


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
