"""iCalendar (RFC 5545) objects of joint meetings, as invitations (RFC 5546 iTIP) carry them.

One VEVENT per meeting. Its UID never changes; SEQUENCE is the meeting's `sequence`, raised by the
services on every organiser change (RFC 5545 §3.8.7.4, plan §6.1); the attendees' answers are
shown as PARTSTAT and never raise it (RFC 5546 §2.1.4). The VTIMEZONE is written by hand: China
has kept +08:00 without daylight saving since 1991, and a generated one would carry the 1986–1991
DST rules for no client's benefit.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from email.utils import parseaddr

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from icalendar import Calendar, Event, Timezone, TimezoneStandard, vCalAddress

from core.exceptions import Conflict
from meetings.models import Answer, AttendanceRole, JointMeeting, MeetingParticipant, MeetingState

TZID = "Asia/Shanghai"
SHANGHAI = zoneinfo.ZoneInfo(TZID)
PRODID = "-//Lianban//Joint meetings//ZH"
REQUEST, CANCEL = "REQUEST", "CANCEL"
METHODS = (REQUEST, CANCEL)

# RFC 5545 §3.2.12 participation status of each answer.
PARTSTAT = {
    Answer.NEEDS_ACTION: "NEEDS-ACTION",
    Answer.ACCEPTED: "ACCEPTED",
    Answer.DECLINED: "DECLINED",
    Answer.DELEGATED: "DELEGATED",
}


def meeting_path(meeting: JointMeeting) -> str:
    return f"/meetings/{meeting.pk}/"


def site_url() -> str:
    """Return the absolute base URL of the site (the calendar's URL property must be absolute)."""
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return base or f"https://{settings.MEETING_ICAL_DOMAIN}"


def meeting_url(meeting: JointMeeting) -> str:
    return site_url() + meeting_path(meeting)


def uid_of(meeting: JointMeeting) -> str:
    """Return the calendar UID (RFC 5545 §3.8.4.7): globally unique, the same in every version."""
    return f"{meeting.uid}@{settings.MEETING_ICAL_DOMAIN}"


def cal_address(participant: MeetingParticipant) -> str:
    """Return the participant's calendar address: mailto, else urn:uuid (a valid URI nobody is mailed)."""
    email = (participant.email or "").strip()
    return f"mailto:{email}" if email else f"urn:uuid:{participant.uid}"


def participant_label(participant: MeetingParticipant) -> str:
    """Return "unit + name" (a guest: "affiliation + name"), as the CN and the lists show it."""
    if participant.user_id:
        where = participant.unit.name if participant.unit_id else ""
        name = participant.user.display_name
    else:
        where = participant.external_affiliation
        name = participant.external_name
    return f"{where} {name}".strip()


def local(value: dt.datetime) -> dt.datetime:
    """Return the time in Asia/Shanghai, to whole seconds (DTSTART/DTEND carry TZID=Asia/Shanghai)."""
    return value.astimezone(SHANGHAI).replace(microsecond=0)


def utc(value: dt.datetime) -> dt.datetime:
    """Return the time in UTC, to whole seconds (DTSTAMP and LAST-MODIFIED are UTC, RFC 5545 §3.8.7.2)."""
    return value.astimezone(dt.UTC).replace(microsecond=0)


def location_text(meeting: JointMeeting) -> str:
    parts = [meeting.place.strip()] if meeting.place.strip() else []
    if meeting.video_link:
        parts.append(str(_("Video conference %(link)s")) % {"link": meeting.video_link})
    return " / ".join(parts)


def notice_lines(meeting: JointMeeting, *, method: str) -> list[str]:
    """Return the notice text (in the active language): description, reason, host, link, how to answer."""
    lines = []
    if meeting.description.strip():
        lines.append(meeting.description.strip())
    if method == CANCEL and meeting.cancel_reason:
        lines.append(str(_("Reason for the cancellation: %(reason)s")) % {"reason": meeting.cancel_reason})
    elif meeting.state == MeetingState.POSTPONED and meeting.postpone_reason:
        lines.append(str(_("Reason for the postponement: %(reason)s")) % {"reason": meeting.postpone_reason})
    lines.append(str(_("Host unit: %(unit)s")) % {"unit": meeting.host_unit.name})
    lines.append(meeting_url(meeting))
    if method == REQUEST:
        lines.append(str(_("Please answer in the system (accept, decline or delegate).")))
    return lines


def summary_text(meeting: JointMeeting, *, method: str) -> str:
    if method == REQUEST and meeting.state == MeetingState.POSTPONED:
        # Plan §6.2: the old date stays visible, marked, until `reschedule` fixes the new one.
        return str(_("(Postponed) %(title)s")) % {"title": meeting.title}
    return meeting.title


def status_of(meeting: JointMeeting, *, method: str) -> str:
    """Return STATUS (RFC 5545 §3.8.1.11): CANCELLED on cancellation, TENTATIVE while postponed."""
    if method == CANCEL:
        return "CANCELLED"
    if meeting.state == MeetingState.POSTPONED:
        return "TENTATIVE"
    return "CONFIRMED"


def _timezone() -> Timezone:
    # RFC 5545 §3.6.5: one STANDARD sub-component, no DAYLIGHT; +08:00 all year.
    standard = TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 1, 1))
    standard.add("tzname", "CST")
    standard.add("tzoffsetfrom", dt.timedelta(hours=8))
    standard.add("tzoffsetto", dt.timedelta(hours=8))
    zone = Timezone()
    zone.add("tzid", TZID)
    zone.add_component(standard)
    return zone


def _organizer(meeting: JointMeeting) -> vCalAddress:
    email = (meeting.organiser.email or "").strip() or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    address = vCalAddress(f"mailto:{email}")
    # Set unquoted: icalendar quotes parameter values itself (pre-quoting gives ^' escapes).
    address.params["cn"] = f"{meeting.organiser_unit.name} {meeting.organiser.display_name}".strip()
    return address


def _attendee(participant: MeetingParticipant, delegate_address: dict[int, str]) -> vCalAddress:
    address = vCalAddress(cal_address(participant))
    address.params["cutype"] = "INDIVIDUAL"
    # RFC 5545 §3.2.16: the chair, those who attend (出席) and those who sit in (列席).
    if participant.is_chair:
        role = "CHAIR"
    elif participant.attendance_role == AttendanceRole.OBSERVER:
        role = "OPT-PARTICIPANT"
    else:
        role = "REQ-PARTICIPANT"
    address.params["role"] = role
    address.params["partstat"] = PARTSTAT.get(participant.answer, "NEEDS-ACTION")
    # RFC 5545 §3.2.17: a reply is asked for only while none was given.
    address.params["rsvp"] = "TRUE" if participant.answer == Answer.NEEDS_ACTION else "FALSE"
    address.params["cn"] = participant_label(participant)
    if participant.answer == Answer.DELEGATED and participant.pk in delegate_address:
        address.params["delegated-to"] = delegate_address[participant.pk]  # RFC 5545 §3.2.5
    if participant.delegated_from_id is not None:
        # RFC 5545 §3.2.4: whom the delegate stands in for.
        address.params["delegated-from"] = participant.delegated_from_address
    return address


def participants_for_calendar(meeting: JointMeeting) -> list[MeetingParticipant]:
    """Return the meeting's participants with what the calendar needs, in one query."""
    participants = list(meeting.participants.select_related("user", "unit").order_by("-is_chair", "id"))
    by_pk = {participant.pk: participant for participant in participants}
    for participant in participants:
        original = by_pk.get(participant.delegated_from_id)
        participant.delegated_from_address = cal_address(original) if original is not None else ""
    return participants


def meeting_calendar(
    meeting: JointMeeting,
    *,
    method: str,
    stamp: dt.datetime,
    only: list[MeetingParticipant] | None = None,
) -> bytes:
    """Return the meeting as an iCalendar object for `method` (REQUEST or CANCEL), stamped `stamp`.

    `only` restricts the ATTENDEE lines to those participants: a CANCEL to one removed participant
    carries that participant alone (RFC 5546 §3.2.5).
    """
    if method not in METHODS:
        raise ValueError(f"Unsupported iTIP method {method!r}")
    if meeting.start_at is None or meeting.end_at is None:
        raise ValueError("A meeting without times has no calendar object")
    with translation.override(settings.LANGUAGE_CODE):
        participants = participants_for_calendar(meeting)
        listed = participants
        if only is not None:
            wanted = {participant.pk for participant in only}
            listed = [participant for participant in participants if participant.pk in wanted]
        delegate_address = {
            participant.delegated_from_id: cal_address(participant)
            for participant in participants
            if participant.delegated_from_id is not None
        }
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", method)  # RFC 5546 §3.2.2 (REQUEST), §3.2.5 (CANCEL)
        calendar.add_component(_timezone())
        event = Event()
        event.add("uid", uid_of(meeting))
        event.add("dtstamp", utc(stamp))
        event.add("sequence", meeting.sequence)
        event.add("dtstart", local(meeting.start_at))
        event.add("dtend", local(meeting.end_at))
        event.add("summary", summary_text(meeting, method=method))
        location = location_text(meeting)
        if location:
            event.add("location", location)
        event.add("description", "\n".join(notice_lines(meeting, method=method)))
        event.add("url", meeting_url(meeting))
        event.add("status", status_of(meeting, method=method))
        event.add("class", "CONFIDENTIAL")
        event.add("transp", "OPAQUE")
        event.add("last-modified", utc(meeting.ical_changed_at or meeting.updated_at or stamp))
        event["organizer"] = _organizer(meeting)
        for participant in listed:
            event.add("attendee", _attendee(participant, delegate_address))
        calendar.add_component(event)
        return calendar.to_ical()


def download_method(meeting: JointMeeting) -> str:
    return CANCEL if meeting.state == MeetingState.CANCELLED else REQUEST


def calendar_for_download(meeting: JointMeeting) -> tuple[bytes, str]:
    """Return the .ics of a meeting and its method; a draft has none yet (409).

    A cancelled meeting downloads as the CANCEL object, so importing it removes the event.
    """
    if meeting.state == MeetingState.DRAFT or meeting.start_at is None or meeting.end_at is None:
        raise Conflict(_("The meeting is not scheduled yet."), current_state=meeting.state)
    method = download_method(meeting)
    return meeting_calendar(meeting, method=method, stamp=timezone.now()), method


def calendar_response(meeting: JointMeeting) -> HttpResponse:
    """Answer the meeting's iCalendar object (RFC 5545) as a download; the METHOD rides on the type."""
    body, method = calendar_for_download(meeting)
    response = HttpResponse(body, content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response
