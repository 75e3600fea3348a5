"""Free text of a meeting's decisions as the viewer may read it (issue 16, leak 3).

A resolution (议定事项) and the action item it gives a unit are typed by the drafter and commonly
name the case they decide on: the case of its jurisdiction proceeding, or the cases of the agenda
item's matter. They keep that text, and show it to a viewer who may see, now, every such case
(cases.selectors.case_visible_to), or who may not but for whom discovery tells of the case in full
(普通: number, name, offence, unit — the members read and sign the decisions on such a case).
For a 内部 or 限制 case the viewer may not see, discovery allows less than free text may say: the
viewer reads only that the decision concerns a case it may not see, and whom to ask (the owning
unit, as discovery allows).

The minutes (纪要) are the one text here that is frozen, signed by every member and issued as a
document that never changes afterwards; they cannot be composed per viewer. So they are composed
for their readers together, by the least of them (DESIGN.md "Visibility and security": what an
object shows of a case is what the viewer may see of that case, and a 内部 or 限制 case is
discoverable with at most its number and owning unit, a 限制 one with neither): the readers are
every unit that will see the meeting and its issued minutes (`minutes_readers`), and a case is
named in the minutes in full only when each of those units may see it on its own, by the unit rule
of cases.selectors (an access grant is personal and ends; an issued document does not). Any other
case appears only as discovery allows it to that set: a 普通 case by number and name, a 内部 case by
its number, a 限制 case as "a restricted case of <owning unit>" — and a decision about a 内部 or
限制 case reads neutrally, as it does on the page. The same rule filters the draft when it is
composed and edited, the content frozen at circulation, and refuses signing or issuing a frozen
text that no longer meets it (a case was restricted after circulation: the host revises).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet, TextField, Value
from django.utils import translation
from django.utils.translation import gettext as _

from cases.assistance.models import AssistanceRequest
from cases.models import Case, HandlingCode
from cases.selectors import case_seen_by_units, case_visible_to, grant_uses_record
from core.ids import id_or_none
from jurisdiction.models import JurisdictionProceeding, MergerProposal
from meetings import permissions
from meetings.models import ActionItem, AgendaItem, JointMeeting, MeetingParticipant, Resolution
from organisation.models import PATH_SEPARATOR, Unit
from organisation.standing import Standing

PROCEEDING = "jurisdiction.proceeding"
MERGER = "jurisdiction.mergerproposal"
REQUEST = "assistance.assistancerequest"
_MATTERS = {
    PROCEEDING: (JurisdictionProceeding, ("case_id",)),
    MERGER: (MergerProposal, ("into_case_id", "merged_case_id")),
    REQUEST: (AssistanceRequest, ("case_id",)),
}


def _cases_of(resolutions: list[Resolution]) -> dict[int, set[int]]:
    """Return the case ids each resolution concerns: one query per kind of object named."""
    agenda_ids = {row.agenda_item_id for row in resolutions if row.agenda_item_id}
    targets = {}
    if agenda_ids:
        targets = {
            pk: (target_type, int(target_id))
            for pk, target_type, target_id in AgendaItem.objects.filter(pk__in=agenda_ids).values_list(
                "pk", "target_type", "target_id"
            )
            if target_type in _MATTERS and id_or_none(target_id) is not None
        }
    wanted: dict[str, set[int]] = {kind: set() for kind in _MATTERS}
    wanted[PROCEEDING] |= {row.proceeding_id for row in resolutions if row.proceeding_id}
    for target_type, target_id in targets.values():
        wanted[target_type].add(target_id)
    cases: dict[str, dict[int, tuple[int, ...]]] = {}
    for kind, ids in wanted.items():
        model, fields = _MATTERS[kind]
        cases[kind] = (
            {pk: tuple(rest) for pk, *rest in model.objects.filter(pk__in=ids).values_list("pk", *fields)}
            if ids
            else {}
        )
    found: dict[int, set[int]] = {}
    for row in resolutions:
        ids: set[int] = set()
        if row.proceeding_id:
            ids |= set(cases[PROCEEDING].get(row.proceeding_id, ()))
        if row.agenda_item_id in targets:
            target_type, target_id = targets[row.agenda_item_id]
            ids |= set(cases[target_type].get(target_id, ()))
        found[row.pk] = {case_id for case_id in ids if case_id}
    return found


def _hidden(seen: QuerySet[Case], resolutions: list[Resolution]) -> tuple[dict[int, str], set[int]]:
    """Return what each decision about a case outside `seen` reads instead, and the cases shown.

    `seen` is the cases the reader may see (a user's, or those every reader of the minutes sees).
    """
    if not resolutions:
        return {}, set()
    cases_of = _cases_of(resolutions)
    every = set().union(*cases_of.values())
    if not every:
        return {}, set()
    rows = (
        Case.objects.filter(pk__in=every)
        .exclude(handling_code=HandlingCode.NORMAL)
        .annotate(seen=Exists(seen.filter(pk=OuterRef("pk"))))
        .filter(seen=False)
        .values_list("pk", "lead_unit__name", "accepting_unit__name")
    )
    owners = {pk: lead or accepting for pk, lead, accepting in rows}
    hidden_cases = set(owners)
    texts = {}
    for row in resolutions:
        unseen = sorted(cases_of[row.pk] & hidden_cases)
        if unseen:
            texts[row.pk] = _(
                "This decision concerns a case you may not see; ask %(unit)s for the details."
            ) % {"unit": owners.get(unseen[0], "")}
    shown = set().union(*(ids for pk, ids in cases_of.items() if pk not in texts))
    return texts, shown


def hidden_decisions(user, resolutions: Iterable[Resolution], *, path: str = "") -> dict[int, str]:
    """Return, for each resolution whose text the user may not read, what it reads instead.

    With `path`, the showing of the others' text is audited as a grant use where only an access
    grant opens their case to the user (cases.selectors.grant_uses_record: constant queries).
    """
    texts, shown = _hidden(case_visible_to(user), list(resolutions))
    if path and shown:
        grant_uses_record(user, sorted(shown), path=path)
    return texts


def mask_resolutions(user, resolutions: list[Resolution], *, path: str = "") -> list[Resolution]:
    """Replace, in memory, the text of each decision the user may not read (never saved)."""
    texts = hidden_decisions(user, resolutions, path=path)
    for row in resolutions:
        text = texts.get(row.pk)
        if text is not None:
            row.text = text
            row.task = text if row.task else ""
            row.normative_text = ""
    # Any other case typed into a decision: as the user may see it now (one query for all).
    fields = ("text", "task", "normative_text")
    said = redact_case_mentions(
        [getattr(row, name) or "" for row in resolutions for name in fields], case_visible_to(user)
    )
    for index, row in enumerate(resolutions):
        for offset, name in enumerate(fields):
            setattr(row, name, said[index * len(fields) + offset])
    return resolutions


def mask_action_items(user, items: list[ActionItem], *, path: str = "") -> list[ActionItem]:
    """Replace, in memory, the task, result and reason of each action item about a case the user
    may not see (the item's resolution must be loaded)."""
    texts = hidden_decisions(user, [item.resolution for item in items], path=path)
    for item in items:
        text = texts.get(item.resolution_id)
        item.case_text_hidden = text is not None
        if text is not None:
            item.task = text
            item.resolution.text = text
            item.resolution.task = text
            item.result_note = ""
            item.withdrawn_reason = ""
    # Any other case typed into a task or its result: as the user may see it now (one query).
    fields = ("task", "result_note", "withdrawn_reason")
    said = redact_case_mentions(
        [getattr(item, name) or "" for item in items for name in fields], case_visible_to(user)
    )
    for index, item in enumerate(items):
        for offset, name in enumerate(fields):
            setattr(item, name, said[index * len(fields) + offset])
    return items


# --- the minutes: one text for all its readers -------------------------------------------------------

# The fields of the minutes' content that a person types and that may therefore name a case.
_FREE_TEXT = ("title", "opening", "closing")


def minutes_readers(meeting: JointMeeting) -> dict[int, str]:
    """Return {unit id: path} of every unit that reads the meeting's minutes once circulated.

    As meetings.selectors.meeting_visible_to lets them: the current members and every unit above a
    member, the host, chair and organising units, the units of the participants and the units given
    a decision. (A unit reads what its officers read; a person reads through their units.)
    """
    series = meeting.series
    members = permissions.current_member_units(series)
    above = {
        PATH_SEPARATOR.join(parts[:end])
        for parts in (path.split(PATH_SEPARATOR) for path in members.values())
        for end in range(1, len(parts))
    }
    named = {meeting.host_unit_id, meeting.chair_unit_id, meeting.organiser_unit_id, series.chair_unit_id}
    rows = Unit.objects.filter(
        Q(path__in=above)
        | Q(pk__in=[pk for pk in named if pk])
        | Q(pk__in=MeetingParticipant.objects.filter(meeting=meeting, unit__isnull=False).values("unit_id"))
        | Q(
            pk__in=Resolution.objects.filter(minutes__meeting=meeting, owner_unit__isnull=False).values(
                "owner_unit_id"
            )
        )
    ).values_list("pk", "path")
    return {**members, **dict(rows)}


def cases_seen_by_every_reader(meeting: JointMeeting) -> QuerySet[Case]:
    """Return the cases that every reader unit of the minutes may see on its own (no grant)."""
    readers = minutes_readers(meeting)
    if not readers:
        return Case.objects.none()
    seen = Case.objects.all()
    for unit_id, path in sorted(readers.items()):
        standing = Standing(roles_by_unit={unit_id: frozenset()}, path_by_unit={unit_id: path})
        seen = seen.filter(case_seen_by_units(standing))
    return seen


def _discovery_label(case: Case) -> str:
    """What discovery lets a text say of a 内部 or 限制 case in place of its number or name."""
    if case.handling_code == HandlingCode.INTERNAL:
        return case.number
    unit = case.lead_unit or case.accepting_unit
    return _("a restricted case of %(unit)s") % {"unit": unit.name if unit else ""}


def _named_unseen(texts: list[str], seen: QuerySet[Case]) -> list[Case]:
    """Return the 内部 and 限制 cases outside `seen` whose number or name the texts contain: one query.

    Every such case, not only those of the meeting's matters: a drafter may type any case they see.
    """
    hay = "\n".join(text for text in texts if text)
    if not hay.strip():
        return []
    named = (Q(hay__contains=F("number")) & ~Q(number="")) | (Q(hay__contains=F("name")) & ~Q(name=""))
    return list(
        Case.objects.exclude(handling_code=HandlingCode.NORMAL)
        .annotate(hay=Value(hay, output_field=TextField()))
        .filter(named)
        .exclude(Exists(seen.filter(pk=OuterRef("pk"))))
        .select_related("lead_unit", "accepting_unit")
    )


def _redactor(cases: list[Case]):
    """Return a function that writes each case's number or name as discovery allows (else identity)."""
    labels: dict[str, str] = {}
    for case in cases:
        label = _discovery_label(case)
        for said in (f"{case.number} {case.name}", f"{case.number}{case.name}", case.number, case.name):
            if said.strip() and said != label:
                labels.setdefault(said.casefold(), label)
    if not labels:
        return lambda text: text
    pattern = re.compile(
        "|".join(re.escape(said) for said in sorted(labels, key=len, reverse=True)), re.IGNORECASE
    )
    return lambda text: (
        pattern.sub(lambda found: labels.get(found.group(0).casefold(), ""), text) if text else text
    )


def redact_case_mentions(texts: list[str], seen: QuerySet[Case]) -> list[str]:
    """Return the texts with each 内部 or 限制 case outside `seen` named only as discovery allows."""
    redact = _redactor(_named_unseen(texts, seen))
    return [redact(text) for text in texts]


def _content_as_seen(seen: QuerySet[Case], content: dict, resolutions: list[Resolution]) -> tuple[dict, set]:
    texts, shown = _hidden(seen, resolutions)
    by_number = {row.number: texts[row.pk] for row in resolutions if row.pk in texts}
    decisions = [
        {**decision, "text": by_number.get(decision.get("number"), decision.get("text", ""))}
        for decision in content.get("decisions") or []
    ]
    fields = [name for name in _FREE_TEXT if isinstance(content.get(name), str)]
    said = redact_case_mentions(
        [content[name] for name in fields] + [str(decision.get("text", "")) for decision in decisions], seen
    )
    out = {**content, **dict(zip(fields, said[: len(fields)], strict=True))}
    if "decisions" in content:
        out["decisions"] = [
            {**decision, "text": text} for decision, text in zip(decisions, said[len(fields) :], strict=True)
        ]
    return out, shown


def minutes_for_readers(meeting: JointMeeting, content: dict, resolutions: list[Resolution]) -> dict:
    """Return the minutes' content as every reader may read it: what is drafted, circulated, signed.

    Composed in the language of the document (settings.LANGUAGE_CODE), whoever asks, so the same
    facts give the same text and the same digest.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _content_as_seen(cases_seen_by_every_reader(meeting), content, list(resolutions))[0]


def minutes_text_for_readers(meeting: JointMeeting, *texts: str) -> list[str]:
    """Return typed paragraphs of the minutes as every reader may read them (drafting, editing)."""
    with translation.override(settings.LANGUAGE_CODE):
        return redact_case_mentions(list(texts), cases_seen_by_every_reader(meeting))


def mask_minutes_content(user, content: dict, resolutions: list[Resolution], *, path: str = "") -> dict:
    """Return the minutes' content as the user may read it now: a decision about a case it may not
    see reads as in `hidden_decisions`, a typed mention of such a case as discovery allows. A copy
    for display; the circulated, signed content is unchanged."""
    content, shown = _content_as_seen(case_visible_to(user), content or {}, list(resolutions))
    if path and shown:
        grant_uses_record(user, sorted(shown), path=path)
    return content
