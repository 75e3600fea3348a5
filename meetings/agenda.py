"""The agenda of a joint meeting, proposed from the member units' open matters.

A matter belongs to a series when every unit involved in it lies within the subtree of a current
member: the members between them can decide it and sign for it (plan §8, open question Q1). A
restricted (限制) case is never proposed, since it is never discoverable (DESIGN.md, Visibility);
it is settled outside the meeting or named only by number in a note. An item keeps no text taken
from a case: it references the matter, and what it says of the matter's cases is composed when read,
per viewer (issue 16): a case the viewer may see now is named in full; any other only as discovery
allows now (普通: number, name, offence, unit; 内部: number and unit; 限制: that a restricted case of
the owning unit is concerned, and whom to ask). A case restricted after the item was added therefore
leaves the agenda of every member that gets 404 on it, and comes back when it is opened again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.assistance.models import OPEN_STATES as REQUEST_OPEN_STATES
from cases.assistance.models import AssistanceRequest, RequestState
from cases.assistance.selectors import request_visible_to
from cases.models import Case, HandlingCode
from cases.selectors import case_discovery_summary, case_visible_to, grant_uses_record
from core import audit
from core.exceptions import Conflict
from core.ids import id_or_none, parse_id
from core.models import Deadline, DeadlineState
from core.workflow import timeline_add
from jurisdiction.merger.selectors import merger_visible_to
from jurisdiction.models import (
    JurisdictionProceeding,
    MergerProposal,
    MergerState,
    ProceedingKind,
    ProceedingParty,
    ProceedingState,
)
from jurisdiction.selectors import proceeding_visible_to
from meetings import permissions
from meetings.case_text import redact_case_mentions
from meetings.models import (
    AGENDA_EDITABLE_STATES,
    AgendaItem,
    AgendaOutcome,
    AgendaSource,
    JointMeeting,
    MeetingState,
)
from meetings.selectors import meeting_visible_to, member_paths
from organisation.models import Unit
from organisation.paths import at_or_below, covered_by_any
from organisation.standing import user_standing

PROCEEDING = "jurisdiction.proceeding"
MERGER = "jurisdiction.mergerproposal"
REQUEST = "assistance.assistancerequest"
# Deadline rows name an assistance request by its model label (core.deadline_rows.target_parts).
REQUEST_DEADLINE_TYPE = "assistance.assistancerequest"

CANDIDATES_PER_KIND = 100
# A row id as a form or the API sends it: ASCII digits only, and at most 18 of them so that it
# always fits a bigint column (19 digits may not).
UPDATABLE_FIELDS = frozenset({"title", "presenting_unit"})

DISPUTE_STATES = (ProceedingState.OPEN, ProceedingState.CONSULTING)
DESIGNATION_STATES = (
    ProceedingState.DESIGNATION_REQUESTED,
    ProceedingState.FORWARDING,
    ProceedingState.AT_SUPERIOR,
)
MERGER_OPEN_STATES = (MergerState.PROPOSED, MergerState.AGREED)
REQUEST_DISPUTE_STATES = (RequestState.DISPUTED, RequestState.REFERRED)


@dataclass(frozen=True)
class AgendaCandidate:
    """An open matter the meeting could discuss, described under the discovery rules."""

    source_kind: str
    target_type: str
    target_id: str
    title: str
    summary: str
    state_label: str
    opened_at: dt.datetime | None


@dataclass(frozen=True)
class AgendaRow:
    """An agenda item as one viewer sees it: the live state, and a link only if the viewer may open it."""

    item: AgendaItem
    title: str
    state_label: str
    url: str
    summary: str
    visible: bool


# --- what may be said of a case ------------------------------------------------------------------


def _never(case: Case) -> bool:
    return False


CaseSeen = Callable[[Case], bool]


def case_text(case: Case, seen: CaseSeen = _never) -> str:
    """Describe a case: in full when the viewer may see it, else by what discovery allows now.

    普通 number, name, offence and unit; 内部 number and unit; 限制 only the owning unit, whom to ask.
    """
    if seen(case):
        offence = f"（{case.offence.name}）" if case.offence_id else ""
        return f"{case.number} {case.name}{offence}，{case.responsible_unit.name}"
    facts = case_discovery_summary(case)
    if facts.get("restricted"):
        return _("A restricted case of %(unit)s") % {"unit": facts["unit_name"]}
    if "name" in facts:
        offence = f"（{facts['offence']}）" if facts.get("offence") else ""
        return f"{facts['number']} {facts['name']}{offence}，{facts['unit_name']}"
    return f"{facts['number']}，{facts['unit_name']}"


def _case_label(case: Case, seen: CaseSeen = _never) -> str:
    """The short name of a case in a title: number and name when seen or 普通, number when 内部."""
    if seen(case) or case.handling_code == HandlingCode.NORMAL:
        return f"{case.number} {case.name}"
    if case.handling_code == HandlingCode.INTERNAL:
        return case.number
    return _("a restricted case of %(unit)s") % {"unit": case.responsible_unit.name}


_CASE_RELATED = ("offence", "accepting_unit", "lead_unit")


def _case_related(prefix: str) -> list[str]:
    return [f"{prefix}__{name}" for name in _CASE_RELATED]


def _day(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


# --- the candidate queries, one per kind ---------------------------------------------------------


def _on_agenda(meeting: JointMeeting, target_type: str) -> Exists:
    return Exists(
        AgendaItem.objects.filter(
            meeting=meeting, target_type=target_type, target_id=Cast(OuterRef("pk"), CharField())
        )
    )


def _proceedings(meeting: JointMeeting, paths: list[str], states) -> QuerySet[JurisdictionProceeding]:
    parties = ProceedingParty.objects.filter(proceeding=OuterRef("pk"))
    return (
        JurisdictionProceeding.objects.filter(kind=ProceedingKind.DISPUTE, state__in=states)
        .exclude(case__handling_code=HandlingCode.RESTRICTED)
        .filter(Exists(parties), ~Exists(parties.exclude(at_or_below(paths, "unit_path"))))
        .exclude(_on_agenda(meeting, PROCEEDING))
        .select_related("holding_unit", "case", *_case_related("case"))
        .order_by("opened_at", "pk")
    )


def _disputed_proceedings(meeting, paths, now):
    return _proceedings(meeting, paths, DISPUTE_STATES)


def _pending_designations(meeting, paths, now):
    return _proceedings(meeting, paths, DESIGNATION_STATES)


def _describe_proceeding(
    kind: str, proceeding: JurisdictionProceeding, seen: CaseSeen = _never
) -> AgendaCandidate:
    case = proceeding.case
    if kind == AgendaSource.PROCEEDING_DISPUTED:
        title = _("Disputed jurisdiction: %(case)s") % {"case": _case_label(case, seen)}
    else:
        title = _("Designation of jurisdiction pending: %(case)s") % {"case": _case_label(case, seen)}
    summary = _("%(case)s; held by %(unit)s; proceeding opened on %(day)s.") % {
        "case": case_text(case, seen),
        "unit": proceeding.holding_unit.name,
        "day": _day(proceeding.opened_at),
    }
    return AgendaCandidate(
        source_kind=kind,
        target_type=PROCEEDING,
        target_id=str(proceeding.pk),
        title=title[:200],
        summary=summary,
        state_label=str(proceeding.get_state_display()),
        opened_at=proceeding.opened_at,
    )


def _mergers(meeting, paths, now) -> QuerySet[MergerProposal]:
    return (
        MergerProposal.objects.filter(state__in=MERGER_OPEN_STATES)
        .filter(at_or_below(paths, "into_unit__path"))
        .filter(at_or_below(paths, "merged_unit__path"))
        .exclude(into_case__handling_code=HandlingCode.RESTRICTED)
        .exclude(merged_case__handling_code=HandlingCode.RESTRICTED)
        .exclude(_on_agenda(meeting, MERGER))
        .select_related(
            "into_unit",
            "merged_unit",
            "into_case",
            "merged_case",
            *_case_related("into_case"),
            *_case_related("merged_case"),
        )
        .order_by("created_at", "pk")
    )


def _describe_merger(kind: str, proposal: MergerProposal, seen: CaseSeen = _never) -> AgendaCandidate:
    title = _("Merger proposal: %(merged)s into %(into)s") % {
        "merged": _case_label(proposal.merged_case, seen),
        "into": _case_label(proposal.into_case, seen),
    }
    summary = _("Merge %(merged)s into %(into)s; proposed on %(day)s.") % {
        "merged": case_text(proposal.merged_case, seen),
        "into": case_text(proposal.into_case, seen),
        "day": _day(proposal.created_at),
    }
    return AgendaCandidate(
        source_kind=kind,
        target_type=MERGER,
        target_id=str(proposal.pk),
        title=title[:200],
        summary=summary,
        state_label=str(proposal.get_state_display()),
        opened_at=proposal.created_at,
    )


def _requests(meeting, paths, states) -> QuerySet[AssistanceRequest]:
    return (
        AssistanceRequest.objects.filter(state__in=states)
        .filter(at_or_below(paths, "requesting_unit__path"))
        .filter(at_or_below(paths, "requested_unit__path"))
        .exclude(case__handling_code=HandlingCode.RESTRICTED)
        .exclude(_on_agenda(meeting, REQUEST))
        .select_related("requesting_unit", "requested_unit", "case", *_case_related("case"))
    )


def _overdue_deadlines(now: dt.datetime) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        target_type=REQUEST_DEADLINE_TYPE,
        target_id=Cast(OuterRef("pk"), CharField()),
        state=DeadlineState.RUNNING,
        due_at__lt=now,
    )


def _overdue_requests(meeting, paths, now):
    overdue = _overdue_deadlines(now)
    return (
        _requests(meeting, paths, REQUEST_OPEN_STATES)
        .filter(Exists(overdue))
        .annotate(overdue_since=Subquery(overdue.order_by("due_at").values("due_at")[:1]))
        .order_by("overdue_since", "pk")
    )


def _disputed_requests(meeting, paths, now):
    return (
        _requests(meeting, paths, REQUEST_DISPUTE_STATES)
        .annotate(opened=Coalesce("sent_at", "created_at"))
        .order_by("opened", "pk")
    )


def _describe_request(kind: str, request: AssistanceRequest, seen: CaseSeen = _never) -> AgendaCandidate:
    units = {"from": request.requesting_unit.name, "to": request.requested_unit.name}
    if kind == AgendaSource.REQUEST_OVERDUE:
        title = _("Overdue assistance request %(number)s") % {"number": request.number}
        detail = _("%(from)s asked %(to)s; overdue since %(day)s.") % {
            **units,
            "day": _day(getattr(request, "overdue_since", None)),
        }
        opened = getattr(request, "overdue_since", None)
    else:
        title = _("Disputed assistance request %(number)s") % {"number": request.number}
        detail = _("%(from)s asked %(to)s; the request is disputed.") % units
        opened = request.sent_at or request.created_at
    return AgendaCandidate(
        source_kind=kind,
        target_type=REQUEST,
        target_id=str(request.pk),
        title=title[:200],
        summary=f"{case_text(request.case, seen)}；{detail}",
        state_label=str(request.get_state_display()),
        opened_at=opened,
    )


@dataclass(frozen=True)
class _Kind:
    query: Callable[[JointMeeting, list[str], dt.datetime], QuerySet]
    describe: Callable[..., AgendaCandidate]


KINDS: dict[str, _Kind] = {
    AgendaSource.PROCEEDING_DISPUTED: _Kind(_disputed_proceedings, _describe_proceeding),
    AgendaSource.DESIGNATION_PENDING: _Kind(_pending_designations, _describe_proceeding),
    AgendaSource.MERGER_PROPOSAL: _Kind(_mergers, _describe_merger),
    AgendaSource.REQUEST_OVERDUE: _Kind(_overdue_requests, _describe_request),
    AgendaSource.REQUEST_DISPUTED: _Kind(_disputed_requests, _describe_request),
}


def agenda_candidates(meeting: JointMeeting, *, now: dt.datetime | None = None) -> list[AgendaCandidate]:
    """Return the open matters of the member units not yet on the agenda: kind by kind, oldest first.

    One query for the member paths and one per kind, at most CANDIDATES_PER_KIND each.
    """
    now = now or timezone.now()
    paths = member_paths(meeting.series)
    if not paths:
        return []
    found: list[AgendaCandidate] = []
    for kind, spec in KINDS.items():
        rows = spec.query(meeting, paths, now)[:CANDIDATES_PER_KIND]
        found.extend(spec.describe(kind, row) for row in rows)
    return found


# --- editing the agenda --------------------------------------------------------------------------


def _lock_meeting(meeting_id) -> JointMeeting:
    meeting = (
        JointMeeting.objects.select_for_update(of=("self",))
        .select_related("series")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def _check(meeting: JointMeeting, by, allowed: Callable, states) -> None:
    """Refuse 404 to whoever does not see the meeting, 403 to whoever may not act, 409 out of state."""
    if not allowed(meeting, by):
        if not meeting_visible_to(by).filter(pk=meeting.pk).exists():
            raise Http404
        raise PermissionDenied
    if meeting.state not in states:
        raise Conflict(current_state=meeting.state)


def _acting_unit_code(meeting: JointMeeting, user) -> str:
    """Name the unit the user acts for: host, organising or chair unit, else any unit they work in."""
    standing = user_standing(user)
    for unit_id in (meeting.host_unit_id, meeting.organiser_unit_id, meeting.effective_chair_unit_id):
        if unit_id in standing.roles_by_unit:
            return Unit.objects.filter(pk=unit_id).values_list("code", flat=True).first() or ""
    if standing.unit_ids:
        return Unit.objects.filter(pk=standing.unit_ids[0]).values_list("code", flat=True).first() or ""
    return ""


def _record(meeting: JointMeeting, by, action: str, payload: dict, note: str = "") -> None:
    code = _acting_unit_code(meeting, by)
    audit.record(
        action=f"meetings.agenda.{action}", actor=by, acting_unit_code=code, target=meeting, payload=payload
    )
    timeline_add(instance=meeting, actor=by, acting_unit_code=code, action=f"agenda_{action}", note=note)


def _locked_item(meeting: JointMeeting, item: AgendaItem) -> AgendaItem:
    """Read the item again under its meeting's lock: it may have been removed meanwhile (404)."""
    item = AgendaItem.objects.filter(pk=item.pk, meeting_id=meeting.pk).first()
    if item is None:
        raise Http404
    return item


def _presenting_unit(meeting: JointMeeting, unit) -> Unit | None:
    """Accept a presenting unit within a member's subtree (a branch may present its own case)."""
    if unit is None or unit == "":
        return None
    message = _("Choose a unit of a member of the series.")
    if not isinstance(unit, Unit):
        unit = Unit.objects.filter(pk=parse_id(unit, field="presenting_unit", message=message)).first()
    paths = member_paths(meeting.series)
    if unit is None or not covered_by_any(unit.path, paths):
        raise ValidationError({"presenting_unit": message})
    return unit


def _next_position(meeting: JointMeeting) -> int:
    last = meeting.agenda_items.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def agenda_item_add(
    *, meeting: JointMeeting, by, source_kind: str, target_id="", title: str = "", presenting_unit=None
) -> AgendaItem:
    """Add an item: an open matter that is still a candidate, the standing briefing, or a free topic.

    `meeting` is the meeting as the adapter read it; it is locked again by its pk. `target_id` names
    the matter, which the item records by id.
    """
    meeting = _lock_meeting(meeting.pk)
    _check(meeting, by, permissions.may_organise, AGENDA_EDITABLE_STATES)
    if source_kind not in AgendaSource.values:
        raise ValidationError({"source_kind": _("Choose where the item comes from.")})
    presenter = _presenting_unit(meeting, presenting_unit)
    title = (title or "").strip()
    target_type, target_key = "", ""
    if source_kind in KINDS:
        target_key = str(parse_id(target_id, field="target_id", message=_("Choose the matter to discuss.")))
        # Checked to be an open matter of the members; nothing of its case is copied: the item's
        # title and summary are composed when read, for each viewer (agenda_display). A title the
        # organiser types is theirs, shown only to viewers who may see every case of the matter.
        target_type = _candidate(meeting, source_kind, target_key).target_type
    elif source_kind == AgendaSource.BRIEFING:
        if meeting.agenda_items.filter(source_kind=AgendaSource.BRIEFING).exists():
            raise ValidationError({"source_kind": _("The briefing is already on the agenda.")})
        with translation.override(settings.LANGUAGE_CODE):
            title = title or str(AgendaSource.BRIEFING.label)
    elif not title:
        raise ValidationError({"title": _("Give the topic a title.")})
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=_next_position(meeting),
        source_kind=source_kind,
        target_type=target_type,
        target_id=target_key,
        title=title[:200],
        presenting_unit=presenter,
        added_by=by,
    )
    _record(
        meeting,
        by,
        "add",
        {
            "item": item.pk,
            "source_kind": source_kind,
            "target": [target_type, target_key],
            "title": item.title,
        },
        note=_timeline_note(item),
    )
    return item


def _timeline_note(item: AgendaItem) -> str:
    """What the meeting's timeline (read by every member) says of an item: never a matter's title."""
    return "" if item.target_type else item.title


def _candidate(meeting: JointMeeting, source_kind: str, target_id: str) -> AgendaCandidate:
    spec = KINDS[source_kind]
    target_type = {
        AgendaSource.PROCEEDING_DISPUTED: PROCEEDING,
        AgendaSource.DESIGNATION_PENDING: PROCEEDING,
        AgendaSource.MERGER_PROPOSAL: MERGER,
    }.get(source_kind, REQUEST)
    if meeting.agenda_items.filter(target_type=target_type, target_id=target_id).exists():
        raise ValidationError({"target_id": _("This matter is already on the agenda.")})
    paths = member_paths(meeting.series)
    row = spec.query(meeting, paths, timezone.now()).filter(pk=int(target_id)).first() if paths else None
    if row is None:
        raise ValidationError(
            {"target_id": _("This matter is not an open matter of the series' member units.")}
        )
    return spec.describe(source_kind, row)


@transaction.atomic
def agenda_item_update(*, item: AgendaItem, by, **fields) -> AgendaItem:
    """Change an item's title (a matter's: empty for the composed one) or presenting unit.

    `item` is the item as the adapter read it on a meeting the user sees; its meeting is locked by
    its pk and the item read again under that lock.
    """
    meeting = _lock_meeting(item.meeting_id)
    _check(meeting, by, permissions.may_organise, AGENDA_EDITABLE_STATES)
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    item = _locked_item(meeting, item)
    changed = {}
    if "title" in fields:
        title = (fields["title"] or "").strip()
        if not title and not item.target_type:
            raise ValidationError({"title": _("Give the item a title.")})
        item.title = title[:200]
        changed["title"] = item.title
    if "presenting_unit" in fields:
        item.presenting_unit = _presenting_unit(meeting, fields["presenting_unit"])
        changed["presenting_unit"] = getattr(item.presenting_unit, "code", "")
    item.save()
    _record(meeting, by, "update", {"item": item.pk, **changed}, note=_timeline_note(item))
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by) -> None:
    """Take an item off the agenda; the others close up (its meeting locked, the item read again)."""
    meeting = _lock_meeting(item.meeting_id)
    _check(meeting, by, permissions.may_organise, AGENDA_EDITABLE_STATES)
    item = _locked_item(meeting, item)
    payload = {"item": item.pk, "source_kind": item.source_kind, "target": [item.target_type, item.target_id]}
    title, note = item.title, _timeline_note(item)
    item.delete()
    _renumber(list(meeting.agenda_items.order_by("position", "pk")))
    _record(meeting, by, "remove", {**payload, "title": title}, note=note)


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
    AgendaItem.objects.bulk_update(items, ["position"])


@transaction.atomic
def agenda_reorder(*, meeting: JointMeeting, by, item_ids) -> list[AgendaItem]:
    """Put the items in the order given; the list must name every item of the meeting once.

    `meeting` is the meeting as the adapter read it; it is locked again by its pk.
    """
    meeting = _lock_meeting(meeting.pk)
    _check(meeting, by, permissions.may_organise, AGENDA_EDITABLE_STATES)
    items = {item.pk: item for item in meeting.agenda_items.all()}
    try:
        given = None if isinstance(item_ids, str | bytes) else list(item_ids)
    except TypeError:
        given = None
    if given is None or not all(id_or_none(pk) is not None for pk in given):
        raise ValidationError({"item_ids": _("Give the items of this agenda, each once.")})
    order = [int(pk) for pk in given]
    if len(order) != len(set(order)) or set(order) != set(items):
        raise ValidationError({"item_ids": _("Give the items of this agenda, each once.")})
    ordered = [items[pk] for pk in order]
    _renumber(ordered)
    _record(meeting, by, "reorder", {"items": order})
    return ordered


@transaction.atomic
def agenda_outcome_record(*, item: AgendaItem, by, outcome: str, note: str = "") -> AgendaItem:
    """Record what the session did with an item: decided, deferred or noted (in session only).

    Its meeting is locked by its pk and the item read again under that lock.
    """
    meeting = _lock_meeting(item.meeting_id)
    _check(meeting, by, permissions.may_run_session, {MeetingState.IN_SESSION})
    if outcome not in AgendaOutcome.values or outcome == AgendaOutcome.NONE:
        raise ValidationError({"outcome": _("Choose decided, deferred or noted.")})
    item = _locked_item(meeting, item)
    item.outcome = outcome
    item.note = (note or "").strip()
    item.save(update_fields=["outcome", "note"])
    _record(
        meeting,
        by,
        "outcome",
        {"item": item.pk, "outcome": outcome, "note": item.note},
        note=_timeline_note(item),
    )
    return item


# --- showing the agenda --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Live:
    state_label: str
    seen: bool
    ask: str
    # Whether the viewer may see every case of the matter now (cases.selectors.case_visible_to).
    cases_seen: bool
    title: str
    summary: str
    # The cases named in full in title or summary (seen), for auditing a showing through a grant.
    shown_cases: frozenset = frozenset()


@dataclass(frozen=True)
class _LiveSpec:
    model: type
    visible_to: Callable
    states: dict
    ask_field: str
    url_name: str
    source_kinds: tuple[str, ...]
    # The matter's case fields, and what loads them for the composed text.
    case_fields: tuple[str, ...]
    related: tuple[str, ...]
    describe: Callable[..., AgendaCandidate]


_LIVE = {
    PROCEEDING: _LiveSpec(
        JurisdictionProceeding,
        proceeding_visible_to,
        dict(ProceedingState.choices),
        "holding_unit__name",
        "jurisdiction:proceeding-detail",
        (AgendaSource.PROCEEDING_DISPUTED, AgendaSource.DESIGNATION_PENDING),
        ("case",),
        ("holding_unit", "case", *_case_related("case")),
        _describe_proceeding,
    ),
    MERGER: _LiveSpec(
        MergerProposal,
        merger_visible_to,
        dict(MergerState.choices),
        "into_unit__name",
        "mergers:detail",
        (AgendaSource.MERGER_PROPOSAL,),
        ("into_case", "merged_case"),
        ("into_unit", "into_case", "merged_case", *_case_related("into_case"), *_case_related("merged_case")),
        _describe_merger,
    ),
    REQUEST: _LiveSpec(
        AssistanceRequest,
        request_visible_to,
        dict(RequestState.choices),
        "requesting_unit__name",
        "assistance:detail",
        (AgendaSource.REQUEST_OVERDUE, AgendaSource.REQUEST_DISPUTED),
        ("case",),
        ("requesting_unit", "requested_unit", "case", *_case_related("case")),
        _describe_request,
    ),
}


def _case_seen_name(field: str) -> str:
    return f"agenda_{field}_seen"


def _live(
    spec: _LiveSpec, items: list[AgendaItem], user, now: dt.datetime, cases_seen: QuerySet[Case] | None
) -> dict[int, _Live]:
    """Load the matters of one type with the viewer's right to each and to each of their cases.

    One query: the right to the matter and to each case are EXISTS columns of it. Keyed by item.
    """
    if cases_seen is None and user is not None:
        cases_seen = case_visible_to(user)
    annotations = {
        _case_seen_name(field): (
            Exists(cases_seen.filter(pk=OuterRef(f"{field}_id"))) if cases_seen is not None else Value(False)
        )
        for field in spec.case_fields
    }
    annotations["agenda_seen"] = (
        Exists(spec.visible_to(user).filter(pk=OuterRef("pk"))) if user is not None else Value(False)
    )
    if spec.model is AssistanceRequest:
        overdue = _overdue_deadlines(now).order_by("due_at").values("due_at")[:1]
        annotations["overdue_since"] = Subquery(overdue)
    ids = sorted({int(item.target_id) for item in items})
    rows = {
        str(row.pk): row
        for row in spec.model.objects.filter(pk__in=ids).select_related(*spec.related).annotate(**annotations)
    }
    live: dict[int, _Live] = {}
    for item in items:
        row = rows.get(item.target_id)
        if row is None:
            continue
        seen_cases = {
            getattr(row, f"{field}_id") for field in spec.case_fields if getattr(row, _case_seen_name(field))
        }
        cases_seen = all(getattr(row, _case_seen_name(field)) for field in spec.case_fields)
        described = spec.describe(item.source_kind, row, lambda case, seen=seen_cases: case.pk in seen)
        ask = row
        for part in spec.ask_field.split("__"):
            ask = getattr(ask, part, "") if ask else ""
        live[item.pk] = _Live(
            state_label=str(spec.states.get(row.state, row.state)),
            # The link follows the matter's own rule (which joins through its cases' visibility).
            seen=bool(row.agenda_seen),
            ask=ask or "",
            cases_seen=cases_seen,
            title=described.title,
            summary=described.summary,
            shown_cases=frozenset(seen_cases),
        )
    return live


def agenda_display(
    items, user, *, now: dt.datetime | None = None, cases_seen: QuerySet[Case] | None = None, path: str = ""
) -> list[AgendaRow]:
    """Return the items as this viewer may see them: one query per object type on the agenda.

    Title and summary of a matter are composed now from the matter and its cases: in full for a
    case the viewer may see, else as discovery allows. A viewer who may open the matter (and see
    its cases) gets the link; any other member the current state and whom to ask. A title the
    organiser typed is shown only to a viewer who may see every case of the matter. `user=None`
    composes for no one in particular: discovery only; `cases_seen` names the cases seen instead
    (the minutes: those every reader sees, meetings.case_text.cases_seen_by_every_reader). With
    `path`, showing a case that only an access grant opens to the user is audited as a grant use.
    """
    items = list(items)
    now = now or timezone.now()
    wanted: dict[str, list[AgendaItem]] = {}
    for item in items:
        if item.target_type in _LIVE and id_or_none(item.target_id) is not None:
            wanted.setdefault(item.target_type, []).append(item)
    live: dict[int, _Live] = {}
    for target_type, group in wanted.items():
        live.update(_live(_LIVE[target_type], group, user, now, cases_seen))
    if path and user is not None:
        shown = set().union(*(found.shown_cases for found in live.values()))
        if shown:
            grant_uses_record(user, sorted(shown), path=path)
    _typed_as_seen(items, user, cases_seen)
    rows = []
    for item in items:
        if not item.target_type:
            rows.append(
                AgendaRow(item=item, title=item.title, state_label="", url="", summary="", visible=True)
            )
            continue
        found = live.get(item.pk)
        if found is None:
            rows.append(
                AgendaRow(
                    item=item,
                    title=str(item.get_source_kind_display()),
                    state_label=_("No longer available"),
                    url="",
                    summary="",
                    visible=False,
                )
            )
            continue
        title = (item.title if found.cases_seen and item.title else "") or found.title
        if found.seen:
            url = reverse(_LIVE[item.target_type].url_name, args=[int(item.target_id)])
            rows.append(
                AgendaRow(
                    item=item,
                    title=title,
                    state_label=found.state_label,
                    url=url,
                    summary=found.summary,
                    visible=True,
                )
            )
        else:
            ask = _("Ask %(unit)s for the details.") % {"unit": found.ask} if found.ask else ""
            summary = f"{found.summary} {ask}".strip()
            rows.append(
                AgendaRow(
                    item=item,
                    title=title,
                    state_label=found.state_label,
                    url="",
                    summary=summary,
                    visible=False,
                )
            )
    return rows


def _typed_as_seen(items: list[AgendaItem], user, cases_seen: QuerySet[Case] | None) -> None:
    """Write, in memory, what people typed on the items (a free topic's title, the session's note)
    naming a 内部 or 限制 case the reader may not see, as discovery allows (meetings.case_text)."""
    typed = [(item, name) for item in items for name in ("title", "note") if getattr(item, name)]
    if not typed:
        return
    if cases_seen is None:
        cases_seen = case_visible_to(user) if user is not None else Case.objects.none()
    said = redact_case_mentions([getattr(item, name) for item, name in typed], cases_seen)
    for (item, name), text in zip(typed, said, strict=True):
        setattr(item, name, text)


def agenda_titles(items, cases_seen: QuerySet[Case] | None = None) -> list[str]:
    """Return the items' titles for the minutes: a case in `cases_seen` (those every reader of the
    minutes sees) in full, any other as discovery allows (none given: discovery only)."""
    return [row.title for row in agenda_display(items, None, cases_seen=cases_seen)]
