"""How merger proposals (并案侦查, MPS-2020 art 21(2)) read in the API and on the pages.

Read-only helpers shared by the merger API, the proposal page and the case panel. A proposal is
visible to whoever sees either case (jurisdiction.merger.selectors.merger_visible_to), so each side is told
only as far as the reader may know it (DESIGN.md, Visibility; issue 16): a case the reader sees in
full; a case the reader does not see at most as the discovery rules allow
(cases.selectors.case_discovery_summary) — its number and owning unit, and a restricted one by its
owning unit only ("ask that unit"), whoever proposed the merger.

The proposal's texts (its reasons, the response, the legal review note and the notes of its
timeline) are written about both cases, so they are case data of both: a reader sees them when they
see both cases, or when they work in the proposing or the consenting unit — the two units the
proposal is exchanged between (协商, MPS-2020 art 21(2)). The proposer addresses its reasons to
the consenting unit, which must read them to consent or decline, and the legal department reviewing
the merger is in one of the two; the superiors of either unit, and a holder of an access grant on one
case, see only the case they may see.

Every showing of a case that only an access grant opens is audited (`proposals_read_record`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases import related
from cases.models import FINAL_STATES, Case, CaseState, RelatedCaseMatch
from cases.selectors import case_discovery_summary, case_visible_to
from core.workflow import timeline_for
from jurisdiction import permissions as perms
from jurisdiction.models import MergerProposal, MergerState
from organisation.standing import user_standing

M = MergerState
STATE_LABELS = dict(MergerState.choices)

TIMELINE_LABELS = {
    "propose": _("Merger proposed"),
    "consent": _("Consented"),
    "decline": _("Declined"),
    "approve": _("Approved in legal review"),
    "reject": _("Rejected in legal review"),
    "withdraw": _("Withdrawn"),
}
# The case states in which a case may be proposed for a merger (jurisdiction.merger.services.merger_propose).
MERGEABLE_STATES = frozenset(
    set(CaseState.values) - FINAL_STATES - {CaseState.DRAFT, CaseState.JURISDICTION_PENDING}
)


def texts_visible(proposal: MergerProposal, user, visible: set[int]) -> bool:
    """Return whether the user may read the proposal's texts (see the module docstring)."""
    if proposal.into_case_id in visible and proposal.merged_case_id in visible:
        return True
    units = user_standing(user).unit_ids
    return proposal.proposing_unit_id in units or proposal.consenting_unit_id in units


@dataclass(frozen=True)
class CaseSide:
    """One case of a proposal as the reader may know it."""

    id: int | None
    number: str
    name: str
    state: str
    state_label: str
    unit: object  # organisation.models.Unit: the case's owning (responsible) unit
    visible: bool
    url: str

    @property
    def label(self) -> str:
        """Name the case in a sentence: number and name if seen, else number (or nothing) and unit."""
        if self.visible:
            return f"{self.number} {self.name}"
        if self.number:
            return _("%(number)s (%(unit)s)") % {"number": self.number, "unit": self.unit.name}
        return _("(a restricted case of %(unit)s)") % {"unit": self.unit.name}


def case_side(case: Case, *, visible: bool) -> CaseSide:
    """Represent `case` as far as the reader may know it (see the module docstring)."""
    unit = case.responsible_unit
    if visible:
        return CaseSide(
            id=case.pk,
            number=case.number,
            name=case.name,
            state=case.state,
            state_label=str(case.get_state_display()),
            unit=unit,
            visible=True,
            url=reverse("cases:detail", args=[case.pk]),
        )
    # At most what search may say of it; a restricted case: only that it exists and whom to ask.
    summary = case_discovery_summary(case) if case.state != CaseState.DRAFT else {"restricted": True}
    return CaseSide(
        id=None,
        number=summary.get("number", ""),
        name="",
        state="",
        state_label="",
        unit=unit,
        visible=False,
        url="",
    )


def sides(proposal: MergerProposal, visible: set[int]) -> tuple[CaseSide, CaseSide]:
    """Return (surviving case, merged case) of the proposal as the reader may know them."""
    into = case_side(proposal.into_case, visible=proposal.into_case_id in visible)
    merged = case_side(proposal.merged_case, visible=proposal.merged_case_id in visible)
    return into, merged


def consenting_unit(proposal: MergerProposal):
    return (
        proposal.merged_unit if proposal.consenting_unit_id == proposal.merged_unit_id else proposal.into_unit
    )


def waiting_for(proposal: MergerProposal) -> str:
    """Say what the proposal waits for, or how it ended."""
    state = proposal.state
    if state == M.PROPOSED:
        return _("Waiting for %(unit)s to consent or decline (协商).") % {
            "unit": consenting_unit(proposal).name
        }
    if state == M.AGREED:
        return _("Waiting for the legal review of %(unit)s (法制审核).") % {"unit": proposal.into_unit.name}
    if state == M.MERGED:
        return _("Merged: the cases are investigated together; both keep their numbers and histories.")
    if state == M.DECLINED:
        return _("Declined by %(unit)s: the cases stay apart.") % {"unit": consenting_unit(proposal).name}
    if state == M.REJECTED:
        return _("Rejected in the legal review of %(unit)s: the cases stay apart.") % {
            "unit": proposal.into_unit.name
        }
    return _("Withdrawn by %(unit)s: the cases stay apart.") % {"unit": proposal.proposing_unit.name}


def timeline(proposal: MergerProposal, *, texts: bool) -> list:
    """Return the proposal's timeline, oldest first, each entry labelled; its notes only with `texts`.

    The notes are the reasons and answers of each step (see `texts_visible`).
    """
    entries = list(timeline_for(proposal).order_by("occurred_at", "id"))
    for entry in entries:
        if not texts:
            entry.note = ""
        entry.label = TIMELINE_LABELS.get(entry.action, entry.action)
        entry.from_label = STATE_LABELS.get(entry.from_state, entry.from_state)
        entry.to_label = STATE_LABELS.get(entry.to_state, entry.to_state)
    return entries


def may_propose(case: Case, user) -> bool:
    """Return whether the user may propose a merger of this case now: its responsible unit's managers.

    The same test as jurisdiction.merger.services.merger_propose makes for this side, so the form is offered
    only where it would work.
    """
    return case.state in MERGEABLE_STATES and user_standing(user).holds(
        case.responsible_unit.pk, perms.MANAGERS
    )


@dataclass(frozen=True)
class Candidate:
    """A related case (串并案线索) the user may propose to merge with, as far as they may know it."""

    match: RelatedCaseMatch
    other_case: Case
    disclosure: str
    label: str


def candidates(case: Case, user) -> list[Candidate]:
    """Return the case's related cases a merger may be proposed with, newest notice first.

    From the case's related-case notices (cases.related), worded as those notices are: in full for a
    case the user sees, by number and name (normal) or number only (internal) otherwise. A
    restricted case the user does not see is left out: its notice names no case, only whom to ask,
    and that unit may propose the merger from its side.
    """
    matches = list(
        RelatedCaseMatch.objects.filter(case=case)
        .exclude(other_case__state=CaseState.REVOKED)
        .select_related("other_case__accepting_unit", "other_case__lead_unit")
        .order_by("-id")
    )
    if not matches:
        return []
    other_ids = {m.other_case_id for m in matches}
    visible = set(case_visible_to(user).filter(pk__in=other_ids).values_list("pk", flat=True))
    # The first notice found per other case is the one a proposal starts from.
    first: dict[int, RelatedCaseMatch] = {}
    for match in matches:
        first[match.other_case_id] = match
    order = list(dict.fromkeys(m.other_case_id for m in matches))
    found = []
    for other_id in order:
        match = first[other_id]
        other = match.other_case
        level = related.disclosure(other, visible=other_id in visible)
        if level == related.RESTRICTED:
            continue
        unit = other.responsible_unit
        if level == related.NUMBER_ONLY:
            label = f"{other.number} · {unit.name}"
        elif level == related.SUMMARY:
            label = f"{other.number} {other.name} · {unit.name}"
        else:
            label = f"{other.number} {other.name}"
        found.append(Candidate(match=match, other_case=other, disclosure=level, label=label))
    return found
