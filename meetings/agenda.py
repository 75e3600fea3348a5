"""The agenda of a joint meeting, proposed from the member units' open matters.

A matter belongs to a series when every unit involved in it lies within the subtree of a current
member: the members between them can decide it and sign for it (plan §8, open question Q1). A
restricted (限制) case is never proposed, since it is never discoverable (DESIGN.md, Visibility);
it is settled outside the meeting or named only by number in a note. What an item says of a case
is written under the discovery rules (普通: number, name, offence, unit; 内部: number and unit), so
a member who cannot open the matter still learns only what a related-case notice would tell it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.assistance.models import OPEN_STATES as REQUEST_OPEN_STATES
from cases.assistance.models import AssistanceRequest, RequestState
from cases.assistance.selectors import request_visible_to
from cases.models import Case, HandlingCode
from cases.selectors import case_discovery_summary
from cases.standing import user_standing
from core import audit
from core.api import Conflict
from core.models import Deadline, DeadlineState
from core.workflow import timeline_add
from jurisdiction.merger import merger_visible_to
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
from meetings.ids import is_id, parse_id
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
    state_label: str
    url: str
    summary: str
    visible: bool


# --- what may be said of a case ------------------------------------------------------------------


def case_text(case: Case) -> str:
    """Describe a case by what discovery allows: 普通 number, name, offence and unit; 内部 number and unit."""
    facts = case_discovery_summary(case)
    if facts.get("restricted"):
        # Never proposed; kept for an item whose case was restricted after it was added.
        return _("A restricted case of %(unit)s") % {"unit": facts["unit_name"]}
    if "name" in facts:
        offence = f"（{facts['offence']}）" if facts.get("offence") else ""
        return f"{facts['number']} {facts['name']}{offence}，{facts['unit_name']}"
    return f"{facts['number']}，{facts['unit_name']}"


def _case_label(case: Case) -> str:
    """The short name of a case in a title: the number, and the name when the case is 普通."""
    if case.handling_code == HandlingCode.NORMAL:
        return f"{case.number} {case.name}"
    return case.number


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


def _describe_proceeding(kind: str, proceeding: JurisdictionProceeding) -> AgendaCandidate:
    case = proceeding.case
    if kind == AgendaSource.PROCEEDING_DISPUTED:
        title = _("Disputed jurisdiction: %(case)s") % {"case": _case_label(case)}
    else:
        title = _("Designation of jurisdiction pending: %(case)s") % {"case": _case_label(case)}
    summary = _("%(case)s; held by %(unit)s; proceeding opened on %(day)s.") % {
        "case": case_text(case),
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


def _describe_merger(kind: str, proposal: MergerProposal) -> AgendaCandidate:
    title = _("Merger proposal: %(merged)s into %(into)s") % {
        "merged": _case_label(proposal.merged_case),
        "into": _case_label(proposal.into_case),
    }
    summary = _("Merge %(merged)s into %(into)s; proposed on %(day)s.") % {
        "merged": case_text(proposal.merged_case),
        "into": case_text(proposal.into_case),
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


def _describe_request(kind: str, request: AssistanceRequest) -> AgendaCandidate:
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
        summary=f"{case_text(request.case)}；{detail}",
        state_label=str(request.get_state_display()),
        opened_at=opened,
    )


@dataclass(frozen=True)
class _Kind:
    query: Callable[[JointMeeting, list[str], dt.datetime], QuerySet]
    describe: Callable[[str, object], AgendaCandidate]


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


def _item_of(item_id) -> tuple[int, int]:
    if not is_id(item_id):
        raise Http404
    item_id = int(item_id)
    meeting_id = AgendaItem.objects.filter(pk=item_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise Http404
    return meeting_id, item_id


def _locked_item(meeting: JointMeeting, item_id: int) -> AgendaItem:
    """Read the item again under the meeting's lock: it may have been removed meanwhile (404)."""
    item = AgendaItem.objects.filter(pk=item_id, meeting_id=meeting.pk).first()
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
    *, meeting_id, by, source_kind: str, target_id="", title: str = "", presenting_unit=None
) -> AgendaItem:
    """Add an item: an open matter that is still a candidate, the standing briefing, or a free topic."""
    meeting = _lock_meeting(meeting_id)
    _check(meeting, by, permissions.may_organise, AGENDA_EDITABLE_STATES)
    if source_kind not in AgendaSource.values:
        raise ValidationError({"source_kind": _("Choose where the item comes from.")})
    presenter = _presenting_unit(meeting, presenting_unit)
    title = (title or "").strip()
    target_type, target_key, summary = "", "", ""
    if source_kind in KINDS:
        target_key = str(parse_id(target_id, field="target_id", message=_("Choose the matter to discuss.")))
        # The snapshot is shared by every member: written in the site's language, not the adder's.
        with translation.override(settings.LANGUAGE_CODE):
            candidate = _candidate(meeting, source_kind, target_key)
        target_type, summary = candidate.target_type, candidate.summary
        title = title or candidate.title
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
        summary=summary,
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
        note=item.title,
    )
    return item


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
def agenda_item_update(*, item_id, by, **fields) -> AgendaItem:
    """Change an item's title or presenting unit."""
    meeting_id, item_id = _item_of(item_id)
    meeting = _lock_meeting(meeting_id)
    _check(meeting, by, permissions.may_organise, AGENDA_EDITABLE_STATES)
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    item = _locked_item(meeting, item_id)
    changed = {}
    if "title" in fields:
        title = (fields["title"] or "").strip()
        if not title:
            raise ValidationError({"title": _("Give the item a title.")})
        item.title = title[:200]
        changed["title"] = item.title
    if "presenting_unit" in fields:
        item.presenting_unit = _presenting_unit(meeting, fields["presenting_unit"])
        changed["presenting_unit"] = getattr(item.presenting_unit, "code", "")
    item.save()
    _record(meeting, by, "update", {"item": item.pk, **changed}, note=item.title)
    return item


@transaction.atomic
def agenda_item_remove(*, item_id, by) -> None:
    """Take an item off the agenda; the others close up."""
    meeting_id, item_id = _item_of(item_id)
    meeting = _lock_meeting(meeting_id)
    _check(meeting, by, permissions.may_organise, AGENDA_EDITABLE_STATES)
    item = _locked_item(meeting, item_id)
    payload = {"item": item.pk, "source_kind": item.source_kind, "target": [item.target_type, item.target_id]}
    title = item.title
    item.delete()
    _renumber(list(meeting.agenda_items.order_by("position", "pk")))
    _record(meeting, by, "remove", {**payload, "title": title}, note=title)


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
    AgendaItem.objects.bulk_update(items, ["position"])


@transaction.atomic
def agenda_reorder(*, meeting_id, by, item_ids) -> list[AgendaItem]:
    """Put the items in the order given; the list must name every item of the meeting once."""
    meeting = _lock_meeting(meeting_id)
    _check(meeting, by, permissions.may_organise, AGENDA_EDITABLE_STATES)
    items = {item.pk: item for item in meeting.agenda_items.all()}
    try:
        given = None if isinstance(item_ids, str | bytes) else list(item_ids)
    except TypeError:
        given = None
    if given is None or not all(is_id(pk) for pk in given):
        raise ValidationError({"item_ids": _("Give the items of this agenda, each once.")})
    order = [int(pk) for pk in given]
    if len(order) != len(set(order)) or set(order) != set(items):
        raise ValidationError({"item_ids": _("Give the items of this agenda, each once.")})
    ordered = [items[pk] for pk in order]
    _renumber(ordered)
    _record(meeting, by, "reorder", {"items": order})
    return ordered


@transaction.atomic
def agenda_outcome_record(*, item_id, by, outcome: str, note: str = "") -> AgendaItem:
    """Record what the session did with an item: decided, deferred or noted (in session only)."""
    meeting_id, item_id = _item_of(item_id)
    meeting = _lock_meeting(meeting_id)
    _check(meeting, by, permissions.may_run_session, {MeetingState.IN_SESSION})
    if outcome not in AgendaOutcome.values or outcome == AgendaOutcome.NONE:
        raise ValidationError({"outcome": _("Choose decided, deferred or noted.")})
    item = _locked_item(meeting, item_id)
    item.outcome = outcome
    item.note = (note or "").strip()
    item.save(update_fields=["outcome", "note"])
    _record(meeting, by, "outcome", {"item": item.pk, "outcome": outcome, "note": item.note}, note=item.title)
    return item


# --- showing the agenda --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Live:
    state_label: str
    seen: bool
    ask: str


def _live(model, ids: list[int], visible: QuerySet, states: dict, ask_field: str) -> dict[str, _Live]:
    rows = (
        model.objects.filter(pk__in=ids)
        .annotate(seen=Exists(visible.filter(pk=OuterRef("pk"))))
        .values_list("pk", "state", "seen", ask_field)
    )
    return {
        str(pk): _Live(state_label=str(states.get(state, state)), seen=bool(seen), ask=ask or "")
        for pk, state, seen, ask in rows
    }


_LIVE = {
    PROCEEDING: (
        JurisdictionProceeding,
        proceeding_visible_to,
        dict(ProceedingState.choices),
        "holding_unit__name",
        "jurisdiction-proceeding-detail",
    ),
    MERGER: (
        MergerProposal,
        merger_visible_to,
        dict(MergerState.choices),
        "into_unit__name",
        "jurisdiction-merger-detail",
    ),
    REQUEST: (
        AssistanceRequest,
        request_visible_to,
        dict(RequestState.choices),
        "requesting_unit__name",
        "assistance-request-detail",
    ),
}


def agenda_display(items, user) -> list[AgendaRow]:
    """Return the items with their objects' live state: one query per object type on the agenda.

    A viewer who may open the object gets the link; any other member sees the snapshot summary,
    the current state and whom to ask.
    """
    items = list(items)
    wanted: dict[str, list[int]] = {}
    for item in items:
        if item.target_type in _LIVE and is_id(item.target_id):
            wanted.setdefault(item.target_type, []).append(int(item.target_id))
    live: dict[str, dict[str, _Live]] = {}
    for target_type, ids in wanted.items():
        model, visible_to, states, ask_field, _url = _LIVE[target_type]
        live[target_type] = _live(model, ids, visible_to(user), states, ask_field)
    rows = []
    for item in items:
        if item.target_type not in _LIVE:
            rows.append(AgendaRow(item=item, state_label="", url="", summary=item.summary, visible=True))
            continue
        found = live.get(item.target_type, {}).get(item.target_id)
        if found is None:
            rows.append(
                AgendaRow(
                    item=item,
                    state_label=_("No longer available"),
                    url="",
                    summary=item.summary,
                    visible=False,
                )
            )
            continue
        if found.seen:
            url = reverse(_LIVE[item.target_type][4], args=[int(item.target_id)])
            rows.append(
                AgendaRow(
                    item=item, state_label=found.state_label, url=url, summary=item.summary, visible=True
                )
            )
        else:
            ask = _("Ask %(unit)s for the details.") % {"unit": found.ask} if found.ask else ""
            summary = f"{item.summary} {ask}".strip()
            rows.append(
                AgendaRow(item=item, state_label=found.state_label, url="", summary=summary, visible=False)
            )
    return rows
