"""Invitations by e-mail (iMIP, RFC 6047) through the outbox, and in-app for users without e-mail.

`invitations_send` writes one outbox message per participant with an address, in the caller's
transaction, keyed by meeting, participant, SEQUENCE and method: however often a step is retried,
each person gets each version of the invitation once. The calendar object is built when the
message is enqueued (DTSTAMP = that moment), so a retried delivery sends the same bytes. The
handler sends after its own commit, as core.notifications does: at most once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.models import OutboxMessage
from core.notifications import notify
from meetings import ical
from meetings.models import JointMeeting, MeetingParticipant, MeetingState

logger = logging.getLogger(__name__)

TOPIC = "meetings.invitation"

SUBJECT_NOTICE = _("[Meeting notice] %(title)s")
SUBJECT_CHANGE = _("[Meeting changed] %(title)s")
SUBJECT_POSTPONED = _("[Meeting postponed] %(title)s")
SUBJECT_CANCELLED = _("[Meeting cancelled] %(title)s")


def invitation_key(meeting: JointMeeting, participant: MeetingParticipant, method: str) -> str:
    return f"meetings.invite:{meeting.pk}:{participant.pk}:{meeting.sequence}:{method}"


def _subject_msgid(meeting: JointMeeting, participant: MeetingParticipant, method: str):
    if method == ical.CANCEL:
        return SUBJECT_CANCELLED
    if meeting.state == MeetingState.POSTPONED:
        return SUBJECT_POSTPONED
    if participant.invited_sequence is None:
        return SUBJECT_NOTICE
    return SUBJECT_CHANGE


def _when(meeting: JointMeeting) -> str:
    start, end = ical.local(meeting.start_at), ical.local(meeting.end_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def invitation_body(meeting: JointMeeting, *, method: str) -> str:
    """Return the plain-text body of an invitation e-mail (in the active language)."""
    lines = [meeting.title, str(_("Time: %(when)s")) % {"when": _when(meeting)}]
    location = ical.location_text(meeting)
    if location:
        lines.append(str(_("Place: %(place)s")) % {"place": location})
    lines.append("")
    lines.extend(ical.notice_lines(meeting, method=method))
    return "\n".join(lines)


def invitations_send(
    meeting: JointMeeting,
    *,
    method: str,
    participants: Iterable[MeetingParticipant],
    attendees: list[MeetingParticipant] | None = None,
) -> int:
    """Send `participants` the meeting's current calendar object for `method`; return how many are new.

    The calendar lists every participant as an ATTENDEE, or only `attendees` (the CANCEL a removed
    participant gets names that participant alone, RFC 5546 §3.2.5). A participant with an e-mail
    address gets an iMIP message; a user without one an in-app notification; a guest without an
    address nothing (the organiser reaches them otherwise).
    """
    participants = list(participants)
    if not participants:
        return 0
    stamp = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        ics = ical.meeting_calendar(meeting, method=method, stamp=stamp, only=attendees).decode("utf-8")
        body = invitation_body(meeting, method=method)
        subjects = {
            p.pk: str(_subject_msgid(meeting, p, method)) % {"title": meeting.title} for p in participants
        }
    keys = {p.pk: invitation_key(meeting, p, method) for p in participants if (p.email or "").strip()}
    known = set(
        OutboxMessage.objects.filter(idempotency_key__in=keys.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    sent = 0
    for participant in participants:
        email = (participant.email or "").strip()
        if email:
            if keys[participant.pk] in known:
                continue
            outbox.enqueue(
                topic=TOPIC,
                key=keys[participant.pk],
                payload={
                    "to": email,
                    "subject": subjects[participant.pk],
                    "body": body,
                    "ics": ics,
                    "method": method,
                    "meeting_id": meeting.pk,
                    "participant_id": participant.pk,
                    "sequence": meeting.sequence,
                },
            )
            sent += 1
        elif participant.user_id:
            sent += notify(
                users=[participant.user],
                key=f"meeting:{meeting.pk}:{method}:{meeting.sequence}",
                subject=_subject_msgid(meeting, participant, method),
                body=_("%(when)s, %(place)s"),
                url=ical.meeting_path(meeting),
                params={
                    "title": meeting.title,
                    "when": _when(meeting),
                    "place": ical.location_text(meeting),
                },
            )
        else:
            continue
        participant.invited_sequence = meeting.sequence
    ids = [p.pk for p in participants if p.invited_sequence == meeting.sequence]
    if ids and method == ical.REQUEST:
        MeetingParticipant.objects.filter(pk__in=ids).update(invited_sequence=meeting.sequence)
    return sent


def _send(message: EmailMessage, key: str) -> None:
    try:
        message.send()
    except Exception:
        # The outbox row is already done: the message is not retried, so it is never sent twice.
        logger.exception("Meeting invitation %s could not be sent", key)


@outbox.handler(TOPIC)
def deliver(payload: dict, *, key: str) -> None:
    """Send one iMIP message: text/calendar with the method parameter, plus the .ics as a file."""
    message = EmailMessage(
        subject=payload["subject"],
        body=payload["body"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[payload["to"]],
        headers={"X-Lianban-Outbox-Key": key},
    )
    # RFC 6047 §2.4: the iTIP method is repeated as the Content-Type's "method" parameter.
    part = MIMEText(payload["ics"], "calendar", "utf-8")
    part.set_param("method", payload["method"])
    message.attach(part)
    message.attach("invite.ics", payload["ics"].encode("utf-8"), "application/ics")
    transaction.on_commit(lambda: _send(message, key))
