"""Free text of a meeting's decisions as the viewer may read it (issue 16, leak 3).

A resolution (议定事项) and the action item it gives a unit are typed by the drafter and commonly
name the case they decide on: the case of its jurisdiction proceeding, or the cases of the agenda
item's matter. They keep that text, and show it to a viewer who may see, now, every such case
(cases.selectors.case_visible_to), or who may not but for whom discovery tells of the case in full
(普通: number, name, offence, unit — the members read and sign the decisions on such a case).
For a 内部 or 限制 case the viewer may not see, discovery allows less than free text may say: the
viewer reads only that the decision concerns a case it may not see, and whom to ask (the owning
unit, as discovery allows).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from cases.assistance.models import AssistanceRequest
from cases.models import Case, HandlingCode
from cases.selectors import case_visible_to
from jurisdiction.models import JurisdictionProceeding, MergerProposal
from meetings.ids import is_id
from meetings.models import ActionItem, AgendaItem, Resolution

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
            if target_type in _MATTERS and is_id(target_id)
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


def hidden_decisions(user, resolutions: Iterable[Resolution]) -> dict[int, str]:
    """Return, for each resolution whose text the user may not read, what it reads instead."""
    resolutions = list(resolutions)
    if not resolutions:
        return {}
    cases_of = _cases_of(resolutions)
    every = set().union(*cases_of.values())
    if not every:
        return {}
    rows = (
        Case.objects.filter(pk__in=every)
        .exclude(handling_code=HandlingCode.NORMAL)
        .annotate(seen=Exists(case_visible_to(user).filter(pk=OuterRef("pk"))))
        .filter(seen=False)
        .values_list("pk", "lead_unit__name", "accepting_unit__name")
    )
    owners = {pk: lead or accepting for pk, lead, accepting in rows}
    hidden_cases = set(owners)
    if not hidden_cases:
        return {}
    texts = {}
    for row in resolutions:
        unseen = sorted(cases_of[row.pk] & hidden_cases)
        if unseen:
            texts[row.pk] = _(
                "This decision concerns a case you may not see; ask %(unit)s for the details."
            ) % {"unit": owners.get(unseen[0], "")}
    return texts


def mask_resolutions(user, resolutions: list[Resolution]) -> list[Resolution]:
    """Replace, in memory, the text of each decision the user may not read (never saved)."""
    texts = hidden_decisions(user, resolutions)
    for row in resolutions:
        text = texts.get(row.pk)
        if text is not None:
            row.text = text
            row.task = text if row.task else ""
            row.normative_text = ""
    return resolutions


def mask_action_items(user, items: list[ActionItem]) -> list[ActionItem]:
    """Replace, in memory, the task, result and reason of each action item about a case the user
    may not see (the item's resolution must be loaded)."""
    texts = hidden_decisions(user, [item.resolution for item in items])
    for item in items:
        text = texts.get(item.resolution_id)
        item.case_text_hidden = text is not None
        if text is not None:
            item.task = text
            item.resolution.text = text
            item.resolution.task = text
            item.result_note = ""
            item.withdrawn_reason = ""
    return items


def mask_minutes_content(user, content: dict, resolutions: list[Resolution]) -> dict:
    """Return the minutes' content as the user may read it: a decision about a case it may not see
    reads as in `hidden_decisions`. A copy for display; the circulated, signed content is unchanged."""
    texts = hidden_decisions(user, resolutions)
    by_number = {row.number: texts[row.pk] for row in resolutions if row.pk in texts}
    if not by_number or not content.get("decisions"):
        return content
    decisions = [
        {**decision, "text": by_number.get(decision.get("number"), decision.get("text", ""))}
        for decision in content["decisions"]
    ]
    return {**content, "decisions": decisions}
