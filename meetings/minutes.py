"""Minutes (纪要) of a joint meeting: drafting, circulation, sign-off by every member, issue.

The host's liaison officer drafts the minutes once the session is closed; circulation freezes the
text (`content`) and its digest, and every current member unit signs that very version (会签) or
returns comments. When the last member signs, the minutes are signed; the host's head then issues
(签发) them as a 会议纪要 document — the members' signatures are its approval — and the typed
resolutions act (meetings.resolutions). GB/T 9704-2012 §10.3 [S] gives the layout: a red masthead,
the numbered decisions, and the 出席 / 列席 / 请假 lists.

The meeting's four `minutes_*` states mirror the Minutes machine (plan §3.3): every Minutes
transition takes the coupled meeting transition in its `after` callback, in the same transaction,
so the two rows can never disagree.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit
from core.audit import json_safe
from core.exceptions import Conflict, NotAllowed
from core.notifications import clear_dealt_with, notify
from core.numerals import chinese_numeral
from core.steps import Availability, check_transition
from core.workflow import run_transition, timeline_add
from documents import services as document_services
from meetings import case_text, permissions
from meetings.agenda import agenda_titles
from meetings.documents import LINK_TYPE, MEETING_MINUTES
from meetings.models import (
    ActionItem,
    AttendanceRole,
    JointMeeting,
    MeetingKind,
    MeetingParticipant,
    Minutes,
    MinutesSignoff,
    MinutesState,
    Presence,
    SignoffAction,
    minutes_digest,
)
from organisation.models import Membership, Role, Unit, User
from organisation.paths import covers

MN = MinutesState
# The officers of a member unit told that the minutes were issued (plan §10.4).
PUBLISHED_ROLES = (Role.LIAISON_OFFICER, Role.UNIT_HEAD, Role.LEGAL_OFFICER)
# A printed list names an invited expert as such; officers of member units are named by unit.
_LIST_TITLES = {"expert": "特邀专家"}


# --- small helpers ----------------------------------------------------------------------------------


def session_text(meeting: JointMeeting) -> str:
    """Return the session as printed under the masthead: 第十五次会议, 临时会议, 联合演练."""
    if meeting.session_number:
        return f"第{chinese_numeral(meeting.session_number)}次会议"
    if meeting.kind == MeetingKind.DRILL:
        return "联合演练"
    if meeting.kind == MeetingKind.EXTRAORDINARY:
        return "临时会议"
    return "会议"


def _day_text(moment) -> str:
    return document_services.local_date_text(moment) if moment else ""


def _dates_text(meeting: JointMeeting) -> str:
    start, end = meeting.start_at, meeting.end_at
    if start is None:
        return ""
    if end is not None and timezone.localtime(end).date() != timezone.localtime(start).date():
        return f"{_day_text(start)}至{_day_text(end)}"
    return _day_text(start)


def _meeting_url(meeting: JointMeeting) -> str:
    try:
        return reverse("meetings:detail", args=[meeting.pk])
    except NoReverseMatch:  # the pages are not mounted (a deployment or test without them)
        return ""


def _officers(unit_ids, roles) -> list[User]:
    """Return the active users holding one of `roles` in any of the units today."""
    memberships = Membership.objects.current().filter(unit_id__in=list(unit_ids), role__in=list(roles))
    return list(User.objects.filter(pk__in=memberships.values("user_id"), is_active=True))


def _signatories(series) -> list[User]:
    roles = series.signatory_roles or [Role.UNIT_HEAD]
    return _officers(permissions.current_member_units(series), roles)


def _lock(pk: int) -> Minutes:
    """Read the minutes again under a row lock: the instance handed in may be stale."""
    minutes = Minutes.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if minutes is None:
        raise Minutes.DoesNotExist
    return minutes


def _meeting_of(minutes: Minutes) -> JointMeeting:
    return JointMeeting.objects.select_related("series", "host_unit", "chair_unit", "series__chair_unit").get(
        pk=minutes.meeting_id
    )


# --- drafting (plan §10.2) ----------------------------------------------------------------------------


def opening_text(meeting: JointMeeting) -> str:
    """Pre-fill the opening paragraph (导语): time, place, host, chair and the topics of the agenda."""
    series = meeting.series
    when = _dates_text(meeting)
    if meeting.place:
        where = f"在{meeting.place}"
    elif meeting.video_link:
        where = "以视频方式"
    else:
        where = ""
    chair = meeting.participants.filter(is_chair=True).select_related("user", "unit").first()
    if chair is not None:
        chaired_by = f"{chair.unit.name if chair.unit_id else chair.external_affiliation}{chair.display_name}"
    else:
        chaired_by = (meeting.chair_unit or series.chair_unit).name
    sentences = [
        f"{when + '，' if when else ''}{series.name}{session_text(meeting)}{where}召开。",
        f"会议由{meeting.host_unit.name}承办，{chaired_by}主持。",
    ]
    # Read and signed by every member, whoever drafts: each case in full only when every reader of
    # the minutes may see it, else as discovery allows (meetings.case_text, issue 16).
    topics = agenda_titles(
        meeting.agenda_items.order_by("position", "id"), case_text.cases_seen_by_every_reader(meeting)
    )
    if topics:
        listed = "；".join(f"{chinese_numeral(i)}是{title}" for i, title in enumerate(topics, start=1))
        sentences.append(f"会议研究了以下议题：{listed}。")
    sentences.append("现将会议议定事项纪要如下：")
    return "".join(sentences)


def minutes_start(meeting, by) -> Minutes:
    """Create the draft minutes of a meeting whose drafting starts (the `start_minutes` after-callback)."""
    meeting = JointMeeting.objects.select_related(
        "series", "host_unit", "chair_unit", "series__chair_unit"
    ).get(pk=meeting.pk)
    minutes, created = Minutes.objects.get_or_create(
        meeting=meeting, defaults={"drafted_by": by, "opening": opening_text(meeting)}
    )
    if created:
        audit.record(
            action="meetings.minutes.start",
            actor=by,
            acting_unit_code=meeting.host_unit.code,
            target=minutes,
            payload={"meeting": meeting.pk},
        )
        timeline_add(
            instance=minutes,
            actor=by,
            acting_unit_code=meeting.host_unit.code,
            action="start",
            to_state=minutes.state,
        )
    return minutes


@transaction.atomic
def minutes_update(*, minutes: Minutes, by, opening=None, closing=None) -> Minutes:
    """Edit the opening and closing paragraphs of a draft (the decisions are resolutions).

    `minutes` are the minutes as the adapter read them (selectors.minutes_get_visible); they are
    locked again by their pk.
    """
    minutes = _lock(minutes.pk)
    if minutes.state != MN.DRAFTING:
        raise Conflict(current_state=minutes.state)
    meeting = _meeting_of(minutes)
    if not permissions.may_draft_minutes(meeting, by):
        raise PermissionDenied
    changed = []
    # What the drafter types is kept only as every reader of the minutes may read it: a case one of
    # them may not see is named as discovery allows (meetings.case_text, issue 16).
    typed_opening, typed_closing = case_text.minutes_text_for_readers(
        meeting, str(opening or "").strip(), str(closing or "").strip()
    )
    if opening is not None:
        minutes.opening = typed_opening
        changed.append("opening")
    if closing is not None:
        minutes.closing = typed_closing
        changed.append("closing")
    if changed:
        minutes.save(update_fields=[*changed, "updated_at"])
        audit.record(
            action="meetings.minutes.update",
            actor=by,
            acting_unit_code=meeting.host_unit.code,
            target=minutes,
            payload={"fields": changed},
        )
    return minutes


# --- content (plan §10.1) ----------------------------------------------------------------------------


def _entry(participant: MeetingParticipant) -> dict:
    unit = participant.unit.name if participant.unit_id else participant.external_affiliation
    name = participant.display_name
    original = participant.delegated_from
    if original is not None:
        # The delegate sits in the original's place: "姓名（代 原姓名）".
        name = f"{name}（代 {original.display_name}）"
    return {"name": name, "unit": unit, "title": _LIST_TITLES.get(participant.kind, "")}


def attendance_lists(meeting: JointMeeting) -> dict[str, list[dict]]:
    """Return the 出席 / 列席 / 请假 lists of GB/T 9704-2012 §10.3 from the roll call.

    出席 = recorded present, attending (present role), and the organiser, who ran the session,
    unless recorded otherwise; 列席 = recorded present, sitting in (observer); 请假 = a recorded
    leave only. One absent without leave, or not recorded, is in no list: the minutes state no
    leave nobody asked for (issue 20). A delegate appears in the original's role as
    "姓名（代 原姓名）", and the person who delegated is not listed.
    """
    lists = {"present": [], "observers": [], "excused": []}
    rows = list(
        meeting.participants.select_related(
            "user", "unit", "member", "delegated_from__user", "delegated_from__member", "delegated_from__unit"
        )
    )

    def place(participant):
        # The chair first, then members in rotation order; a delegate takes the original's place.
        anchor = participant.delegated_from or participant
        position = anchor.member.rotation_position if anchor.member_id else 1 << 15
        return (not anchor.is_chair, position, anchor.unit.path if anchor.unit_id else "~", anchor.pk)

    placed = []
    for participant in rows:
        presence = participant.presence_as_recorded
        if not presence and participant.user_id == meeting.organiser_id:
            presence = Presence.PRESENT
        if presence == Presence.LEAVE:
            placed.append((place(participant), "excused", _entry(participant)))
        elif presence == Presence.PRESENT:
            role = (participant.delegated_from or participant).attendance_role
            name = "observers" if role == AttendanceRole.OBSERVER else "present"
            placed.append((place(participant), name, _entry(participant)))
        # DELEGATED: the delegate is listed in this person's place; ABSENT or unrecorded: no list.
    if not any(participant.user_id == meeting.organiser_id for participant in rows):
        placed.append(_organiser_placed(meeting))
    for _key, name, entry in sorted(placed, key=lambda row: row[0]):
        lists[name].append(entry)
    return lists


def _organiser_placed(meeting: JointMeeting) -> tuple:
    """Return the organiser in the 出席 list: not invited, they still ran the session (issue 20).

    They go with their member unit, after the officers of their own unit who were invited.
    """
    path = meeting.organiser_unit.path
    position = min(
        (
            member.rotation_position
            for member in meeting.series.members.select_related("unit")
            if covers(member.unit.path, path)
        ),
        default=1 << 15,
    )
    organiser = meeting.organiser
    entry = {
        "name": organiser.full_name or organiser.username,
        "unit": meeting.organiser_unit.name,
        "title": "",
    }
    return ((True, position, path, 1 << 62), "present", entry)


def _decisions(minutes: Minutes) -> list[dict]:
    return [
        {"number": number, "numeral": chinese_numeral(number), "kind": kind, "text": text}
        for number, kind, text in minutes.resolutions.order_by("number").values_list("number", "kind", "text")
    ]


def minutes_content(minutes) -> dict:
    """Return the text of the minutes as it is circulated, signed and issued (plan §10.1), JSON-safe.

    The digest every member signs is models.minutes_digest of this dict; the signatures are added
    only at issue and are not part of it.
    """
    meeting = _meeting_of(minutes)
    series = meeting.series
    content = {
        "masthead": series.minutes_masthead or f"{series.name}纪要",
        "series": series.name,
        "session": session_text(meeting),
        "title": meeting.title,
        "opening": minutes.opening,
        "decisions": _decisions(minutes),
        "closing": minutes.closing,
        **attendance_lists(meeting),
        "host_unit": meeting.host_unit.name,
        "date": _dates_text(meeting),
        "place": meeting.place,
    }
    # One text for every reader: composed by the least of them (meetings.case_text, issue 16).
    content = case_text.minutes_for_readers(meeting, content, list(minutes.resolutions.all()))
    return json_safe(content)


def check_readers_may_read(minutes: Minutes, meeting: JointMeeting) -> None:
    """Refuse (409) to sign or issue a frozen text that names a case not every reader may see now.

    A case restricted after circulation (or a reader that joined) makes the signed text say more
    than its readers may see; an issued document cannot be taken back, so the host revises first.
    """
    frozen = minutes.content or {}
    if json_safe(case_text.minutes_for_readers(meeting, frozen, list(minutes.resolutions.all()))) != frozen:
        raise Conflict(
            _(
                "The minutes name a case that not every member may see now; the host unit must take "
                "them back for revision."
            ),
            current_state=minutes.state,
        )


# --- transitions (plan §3.2, §3.3) -------------------------------------------------------------------


def _follow(meeting_id: int, name: str, by, acting_unit_code: str) -> None:
    """Take the meeting's coupled `minutes_*` transition (plan §3.3)."""
    run_transition(model=JointMeeting, pk=meeting_id, name=name, by=by, acting_unit_code=acting_unit_code)


def _check_available(minutes: Minutes, name: str, by, expected_state) -> None:
    # 409 before 403 before 400, as run_transition orders them, but before any work is done.
    if expected_state is not None and minutes.state != expected_state:
        raise Conflict(current_state=minutes.state)
    status = check_transition(minutes, name, by).status
    if status is Availability.UNAVAILABLE:
        raise Conflict(current_state=minutes.state)
    if status is Availability.NOT_ALLOWED:
        raise NotAllowed


@transaction.atomic
def minutes_transition(*, minutes: Minutes, name, by, reason="", expected_state=None) -> Minutes:
    """Circulate, revise or issue the minutes through the single service path, with what each sets off.

    `minutes` are the minutes as the adapter read them; they are locked again by their pk.
    Conflict (409) when the minutes are not in a state that allows the step, PermissionDenied (403)
    when the user may not take it, ValidationError (400) when the input or the text is refused.
    """
    from meetings.steps import MINUTES_MACHINE

    # Only the declared steps: `complete_signing` follows the last signature (minutes_signoff).
    if MINUTES_MACHINE.step(name) is None:
        raise ValidationError({"name": [_("No such transition.")]})
    # Locked first, so that resolutions cannot change between the check and the frozen content.
    minutes = _lock(minutes.pk)
    minutes.meeting = _meeting_of(minutes)
    _check_available(minutes, name, by, expected_state)
    handler = {"circulate": _circulate, "revise": _revise, "issue": _issue, "correct": _correct}[name]
    handler(minutes=minutes, by=by, reason=reason, expected=expected_state)
    return Minutes.objects.select_related("meeting", "document").get(pk=minutes.pk)


def _circulate(*, minutes, by, reason, expected):
    from meetings import resolutions

    meeting = minutes.meeting
    if not minutes.opening.strip():
        raise ValidationError({"opening": [_("Write the opening paragraph of the minutes.")]})
    # Every decision is checked again: what it names may have moved on since it was written.
    resolutions.resolutions_validate(minutes)
    content = minutes_content(minutes)
    digest = minutes_digest(content)
    version = minutes.version + 1

    def after(instance, from_state, to_state):
        _follow(meeting.pk, "minutes_circulated", by, meeting.host_unit.code)
        notify(
            users=_signatories(meeting.series),
            key=f"minutes:{instance.pk}:circulated:v{version}",
            about=meeting,
            asks=True,
            subject=_("Minutes to sign: %(meeting)s"),
            body=_("The minutes of %(meeting)s (version %(version)s) wait for your unit's signature."),
            url=_meeting_url(meeting),
            params={"meeting": meeting.title, "version": version},
        )

    run_transition(
        model=Minutes,
        pk=minutes.pk,
        name="circulate",
        by=by,
        acting_unit_code=meeting.host_unit.code,
        expected_state=expected,
        arguments={"content": content, "digest": digest, "now": timezone.now()},
        audit_payload={"version": version, "digest": digest},
        after=after,
    )


def _revise(*, minutes, by, reason, expected):
    meeting = minutes.meeting
    version = minutes.version

    def after(instance, from_state, to_state):
        _follow(meeting.pk, "minutes_revised", by, meeting.host_unit.code)
        members = permissions.current_member_units(meeting.series)
        users = {*_signatories(meeting.series), *_officers(members, [Role.LIAISON_OFFICER])}
        notify(
            users=users,
            key=f"minutes:{instance.pk}:revised:v{version}",
            subject=_("Minutes taken back for revision: %(meeting)s"),
            body=_("Signatures on version %(version)s no longer count. Reason: %(reason)s"),
            url=_meeting_url(meeting),
            params={"meeting": meeting.title, "version": version, "reason": reason.strip()},
        )

    run_transition(
        model=Minutes,
        pk=minutes.pk,
        name="revise",
        by=by,
        acting_unit_code=meeting.host_unit.code,
        expected_state=expected,
        arguments={"reason": reason},
        note=reason,
        audit_payload={"version": version, "reason": reason},
        after=after,
    )


def _correct(*, minutes, by, reason, expected):
    meeting = minutes.meeting
    issued = minutes.document

    def after(instance, from_state, to_state):
        _follow(meeting.pk, "minutes_reopened", by, meeting.host_unit.code)
        members = permissions.current_member_units(meeting.series)
        users = {*_signatories(meeting.series), *_officers(members, [Role.LIAISON_OFFICER])}
        notify(
            users=users,
            key=f"minutes:{instance.pk}:correct:v{instance.version}",
            subject=_("Minutes reopened for correction: %(meeting)s"),
            body=_(
                "The issued minutes %(number)s stand until the corrected text is signed again and "
                "issued. Reason: %(reason)s"
            ),
            url=_meeting_url(meeting),
            params={
                "meeting": meeting.title,
                "number": issued.number if issued else "",
                "reason": reason.strip(),
            },
        )

    run_transition(
        model=Minutes,
        pk=minutes.pk,
        name="correct",
        by=by,
        acting_unit_code=meeting.host_unit.code,
        expected_state=expected,
        arguments={"reason": reason},
        note=reason,
        audit_payload={
            "version": minutes.version,
            "reason": reason.strip(),
            "issued": issued.pk if issued else None,
        },
        after=after,
    )


def _signed_units(minutes: Minutes) -> set[int]:
    """Return the units that signed the circulating version, whose digest is the current one."""
    return set(
        minutes.signoffs.filter(
            action=SignoffAction.SIGNED, version=minutes.version, content_digest=minutes.content_digest
        ).values_list("unit_id", flat=True)
    )


def _all_signed(minutes: Minutes, series) -> bool:
    members = set(permissions.current_member_units(series))
    return bool(members) and members <= _signed_units(minutes)


def _complete_signing(minutes: Minutes, by, acting_unit_code: str) -> None:
    meeting = minutes.meeting

    def after(instance, from_state, to_state):
        _follow(meeting.pk, "minutes_signed", by, acting_unit_code)
        notify(
            users=_officers([meeting.host_unit_id], [Role.UNIT_HEAD]),
            key=f"minutes:{instance.pk}:signed:v{instance.version}",
            about=meeting,
            asks=True,
            subject=_("Minutes signed by every member, ready to issue: %(meeting)s"),
            url=_meeting_url(meeting),
            params={"meeting": meeting.title},
        )

    run_transition(
        model=Minutes,
        pk=minutes.pk,
        name="complete_signing",
        by=by,
        acting_unit_code=acting_unit_code,
        expected_state=MN.CIRCULATING,
        arguments={"now": timezone.now()},
        audit_payload={"version": minutes.version, "digest": minutes.content_digest},
        after=after,
    )


def _signatures(minutes: Minutes, series) -> list[dict]:
    """Return the 会签 of the signed version in rotation order: unit, signer and date."""
    order = dict(series.members.values_list("unit_id", "rotation_position"))
    rows = minutes.signoffs.filter(
        action=SignoffAction.SIGNED, version=minutes.version, content_digest=minutes.content_digest
    ).select_related("unit", "by")
    rows = sorted(rows, key=lambda signoff: (order.get(signoff.unit_id, 0), signoff.unit.path))
    return [
        {"unit": signoff.unit.name, "signer": signoff.by.display_name, "date": _day_text(signoff.at)}
        for signoff in rows
    ]


def _issue(*, minutes, by, reason, expected):
    from meetings import resolutions

    meeting = minutes.meeting
    series = meeting.series
    if not _all_signed(minutes, series):
        # A member joined, or a signature is for another text, since the minutes were signed.
        raise Conflict(
            _("Not every member unit has signed this version of the minutes."), current_state=minutes.state
        )
    check_readers_may_read(minutes, meeting)
    members = list(
        Unit.objects.filter(pk__in=list(permissions.current_member_units(series))).order_by("path")
    )
    order = dict(series.members.values_list("unit_id", "rotation_position"))
    members.sort(key=lambda unit: order.get(unit.pk, 0))

    def after(instance, from_state, to_state):
        # GB/T 9704-2012 §10.3: the signatures are facts about the signed text, so they are added to the
        # document's data but are not part of the digest the members signed (plan §10.4).
        data = {**instance.content, "signatures": _signatures(instance, series)}
        content = instance.content
        title = f"{content.get('masthead', '')}（{content.get('session', '')}）"
        document = document_services.document_draft(
            kind=MEETING_MINUTES.code,
            issuing_unit=meeting.host_unit,
            by=by,
            data=data,
            title=title,
            recipients=[{"name": unit.name, "unit": unit} for unit in members],
            link_target_type=LINK_TYPE,
            link_target_id=meeting.pk,
            # Issued minutes reopened for correction: the new 纪要 supersedes them when issued.
            replaces=instance.document,
            check_permission=False,
        )
        # Approved externally (meetings.documents): every current member signed this digest.
        document = document_services.document_issue(document=document, by=by)
        Minutes.objects.filter(pk=instance.pk).update(document=document)
        instance.document = document
        resolutions.resolutions_apply(minutes=instance, by=by, document=document)
        _follow(meeting.pk, "minutes_published", by, meeting.host_unit.code)
        _notify_published(instance, meeting, document)

    run_transition(
        model=Minutes,
        pk=minutes.pk,
        name="issue",
        by=by,
        acting_unit_code=meeting.host_unit.code,
        expected_state=expected,
        arguments={"now": timezone.now()},
        audit_payload={"version": minutes.version, "digest": minutes.content_digest},
        after=after,
    )


def _notify_published(minutes: Minutes, meeting: JointMeeting, document) -> None:
    members = permissions.current_member_units(meeting.series)
    users = set(_officers(members, PUBLISHED_ROLES))
    users.update(
        User.objects.filter(
            pk__in=meeting.participants.filter(user__isnull=False).values("user_id"), is_active=True
        )
    )
    owner_units = ActionItem.objects.filter(meeting=meeting).values_list("owner_unit_id", flat=True)
    users.update(_officers(set(owner_units), permissions.ACTION_OWNERS))
    notify(
        users=users,
        key=f"minutes:{minutes.pk}:published:{document.pk}",
        subject=_("Minutes issued: %(meeting)s (%(number)s)"),
        url=_meeting_url(meeting),
        params={"meeting": meeting.title, "number": document.number},
    )


# --- sign-off (plan §10.3) ---------------------------------------------------------------------------


@transaction.atomic
def minutes_signoff(*, minutes: Minutes, unit, by, action, comment="", digest) -> MinutesSignoff:
    """Sign (会签) the circulating version for a member unit, or return it with comments.

    `minutes` are the minutes as the adapter read them. Their row is locked again by its pk first,
    so the last two signers are serialised and exactly one of them completes the signing. `digest`
    is the digest the signer read: a different one means the text changed since (409).
    """
    minutes = _lock(minutes.pk)
    if minutes.state != MN.CIRCULATING:
        raise Conflict(current_state=minutes.state)
    if action not in SignoffAction.values:
        raise ValidationError({"action": [_("Sign the minutes or return them with comments.")]})
    if (digest or "") != minutes.content_digest:
        raise Conflict(
            _("The minutes changed since you read them; read them again before signing."),
            current_state=minutes.state,
        )
    meeting = _meeting_of(minutes)
    minutes.meeting = meeting
    unit_id = getattr(unit, "pk", unit)
    if unit_id not in permissions.signing_units(meeting.series, by):
        raise PermissionDenied
    if action == SignoffAction.SIGNED:
        check_readers_may_read(minutes, meeting)
    comment = (comment or "").strip()
    if action == SignoffAction.COMMENTED and not comment:
        raise ValidationError({"comment": [_("Say what should change in the minutes.")]})
    if MinutesSignoff.objects.filter(
        minutes=minutes, unit_id=unit_id, version=minutes.version, action=SignoffAction.SIGNED
    ).exists():
        raise Conflict(
            _("Your unit has already signed this version of the minutes."), current_state=minutes.state
        )
    unit = Unit.objects.get(pk=unit_id)
    signoff = MinutesSignoff.objects.create(
        minutes=minutes,
        unit=unit,
        version=minutes.version,
        content_digest=minutes.content_digest,
        action=action,
        comment=comment,
        by=by,
        at=timezone.now(),
    )
    audit.record(
        action=f"meetings.minutes.{action}",
        actor=by,
        acting_unit_code=unit.code,
        target=minutes,
        payload={"unit": unit.code, "version": minutes.version, "digest": minutes.content_digest},
    )
    timeline_add(
        instance=minutes,
        actor=by,
        acting_unit_code=unit.code,
        action=f"signoff_{action}",
        note=comment,
        data={"unit": unit.code, "version": minutes.version},
    )
    # The signer's own "minutes to sign" is dealt with; the others' wait for their units.
    clear_dealt_with(meeting, user=by)
    if action == SignoffAction.COMMENTED:
        notify(
            users=_officers([meeting.host_unit_id], [Role.LIAISON_OFFICER]),
            key=f"minutes:{minutes.pk}:comment:{signoff.pk}",
            subject=_("%(unit)s returned the minutes with comments: %(meeting)s"),
            body=_("Their comments: %(comment)s"),
            url=_meeting_url(meeting),
            params={"unit": unit.name, "meeting": meeting.title, "comment": comment},
        )
    elif _all_signed(minutes, meeting.series):
        _complete_signing(minutes, by, unit.code)
    return signoff


def minutes_status(minutes) -> list[tuple[Unit, MinutesSignoff | None]]:
    """Return each current member unit, in rotation order, with its sign-off of the current version.

    A signature wins over comments; of several comments the latest is shown. The number of queries
    does not grow with the members.
    """
    series = minutes.meeting.series
    today = timezone.localdate()
    members = list(
        series.members.filter(joined_on__lte=today)
        .exclude(left_on__lte=today)
        .select_related("unit")
        .order_by("rotation_position")
    )
    latest: dict[int, MinutesSignoff] = {}
    if minutes.version:
        for signoff in (
            minutes.signoffs.filter(version=minutes.version).select_related("by").order_by("at", "id")
        ):
            held = latest.get(signoff.unit_id)
            if held is None or held.action != SignoffAction.SIGNED:
                latest[signoff.unit_id] = signoff
    return [(member.unit, latest.get(member.unit_id)) for member in members]
