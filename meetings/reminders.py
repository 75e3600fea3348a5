"""Reminders before a meeting (plan §7), sent by a periodic scan, each at most once.

The offsets are `settings.MEETING_REMINDER_DAYS` (7 and 1 days by default). A scan sends, for each
scheduled meeting within the longest offset, only the smallest offset already due, and skips it
when the invitation (or the last change of time) reached people inside that window anyway. Keys
carry the meeting, the offset and the start time: a second scan adds nothing, a new date is
reminded afresh.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core import outbox, periodic
from core.models import OutboxMessage
from core.notifications import notify
from meetings import ical
from meetings.models import Answer, JointMeeting, MeetingParticipant, MeetingState

SUBJECT = _("[Meeting reminder] %(title)s starts in %(days)s days")
SUBJECT_TOMORROW = _("[Meeting reminder] %(title)s starts tomorrow")
BODY = _("%(when)s, %(place)s")


def _offsets() -> list[int]:
    return sorted({int(days) for days in settings.MEETING_REMINDER_DAYS if int(days) > 0})


def due_offset(meeting: JointMeeting, now: dt.datetime, offsets: list[int]) -> int | None:
    """Return the offset (days) to remind of now, or None.

    Of the offsets already due (start − offset ≤ now), the smallest; None when the times were
    fixed inside that window (the invitation itself was the reminder).
    """
    due = [days for days in offsets if meeting.start_at - dt.timedelta(days=days) <= now]
    if not due:
        return None
    days = min(due)
    if meeting.times_changed_at is not None and meeting.times_changed_at > meeting.start_at - dt.timedelta(
        days=days
    ):
        return None
    return days


def _when(meeting: JointMeeting) -> str:
    start, end = ical.local(meeting.start_at), ical.local(meeting.end_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}" if start.date() == end.date() else f"{start:%Y-%m-%d %H:%M}"


@transaction.atomic
def meeting_reminder_scan(now: dt.datetime | None = None) -> int:
    """Remind the participants of meetings starting soon; return how many reminders were new."""
    now = now or timezone.now()
    offsets = _offsets()
    if not offsets:
        return 0
    expected = MeetingParticipant.objects.exclude(
        answer__in=[Answer.DECLINED, Answer.DELEGATED]
    ).select_related("user")
    meetings = (
        JointMeeting.objects.filter(
            state=MeetingState.SCHEDULED,
            start_at__gt=now,
            start_at__lte=now + dt.timedelta(days=max(offsets)),
        )
        .prefetch_related(Prefetch("participants", queryset=expected.order_by("id"), to_attr="expected"))
        .order_by("start_at", "id")
    )
    sent = 0
    for meeting in meetings:
        days = due_offset(meeting, now, offsets)
        if days is None:
            continue
        start_epoch = int(meeting.start_at.timestamp())
        subject = SUBJECT_TOMORROW if days == 1 else SUBJECT
        params = {
            "title": meeting.title,
            "days": days,
            "when": _when(meeting),
            "place": ical.location_text(meeting),
        }
        users = [p.user for p in meeting.expected if p.user_id is not None]
        sent += notify(
            users=users,
            key=f"meeting:{meeting.pk}:remind:{days}d:{start_epoch}",
            subject=subject,
            body=BODY,
            url=ical.meeting_path(meeting),
            params=params,
        )
        guests = [p for p in meeting.expected if p.user_id is None and (p.email or "").strip()]
        if not guests:
            continue
        keys = {p.pk: f"meetings.remind:{meeting.pk}:{days}:{start_epoch}:{p.pk}" for p in guests}
        known = set(
            OutboxMessage.objects.filter(idempotency_key__in=keys.values()).values_list(
                "idempotency_key", flat=True
            )
        )
        with translation.override(settings.LANGUAGE_CODE):
            text_subject = str(subject) % params
            text_body = "\n".join([str(BODY) % params, ical.meeting_url(meeting)])
        for guest in guests:
            if keys[guest.pk] in known:
                continue
            outbox.enqueue(
                topic="mail.send",
                key=keys[guest.pk],
                payload={"subject": text_subject, "body": text_body, "to": [guest.email.strip()]},
            )
            sent += 1
    return sent


@periodic.register("meetings.reminders", every_seconds=settings.MEETING_REMINDER_SCAN_SECONDS)
def _reminder_job() -> None:
    meeting_reminder_scan()
