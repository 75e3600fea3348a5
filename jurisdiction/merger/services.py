"""Merged investigation (并案侦查, MPS-2020 art 21(2)): propose, consent or decline, legal review, merge.

A proposal names the case that survives and the case merged into it, one of the four grounds of art
21(2) and the reasons; it often starts from a related-case notice (cases.related). The other case's
unit consents or declines (协商); the legal department of the unit that will lead reviews it; on
approval the merged case is marked merged into the surviving one and its units join the surviving
case as assisting units. Both cases keep their numbers, facts and timelines.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases import services as case_services
from cases.models import FINAL_STATES, Case, CaseState, PartyRole, RelatedCaseMatch
from core import audit
from core.exceptions import Conflict, NotAllowed
from core.notifications import notify
from core.steps import check_transition
from core.workflow import run_transition, timeline_add
from jurisdiction import permissions as perms
from jurisdiction.models import MERGER_TRANSITION_NAMES, MergerGround, MergerProposal, MergerState
from jurisdiction.services import officers_of
from organisation.models import User
from organisation.standing import user_standing

OPEN_STATES = (MergerState.PROPOSED, MergerState.AGREED)


@transaction.atomic
def merger_propose(
    *,
    into_case: Case,
    merged_case: Case,
    by: User,
    ground: str,
    reasons: str,
    match: RelatedCaseMatch | None = None,
) -> MergerProposal:
    """Propose to investigate `merged_case` within `into_case`, on a ground of art 21(2)."""
    cases = {
        case.pk: case
        for case in Case.objects.select_for_update().filter(pk__in=[into_case.pk, merged_case.pk])
    }
    into_case, merged_case = cases.get(into_case.pk), cases.get(merged_case.pk)
    if into_case is None or merged_case is None:
        raise ValidationError({"merged_case": [_("No such case.")]})
    standing = user_standing(by)
    into_unit, merged_unit = into_case.responsible_unit, merged_case.responsible_unit
    if standing.holds(into_unit.pk, perms.MANAGERS):
        proposing_unit = into_unit
    elif standing.holds(merged_unit.pk, perms.MANAGERS):
        proposing_unit = merged_unit
    else:
        raise NotAllowed
    errors: dict[str, list] = {}
    if into_case.pk == merged_case.pk:
        errors["merged_case"] = [_("Choose another case to merge.")]
    if ground not in MergerGround.values:
        errors["ground"] = [_("Choose one of the four grounds of MPS-2020 art 21(2).")]
    if not (reasons or "").strip():
        errors["reasons"] = [_("Give the reasons for investigating the cases together.")]
    for field, case in (("into_case", into_case), ("merged_case", merged_case)):
        if case.state in FINAL_STATES or case.state in (CaseState.DRAFT, CaseState.JURISDICTION_PENDING):
            errors[field] = [_("Only a registered, open case whose jurisdiction is settled can be merged.")]
    if match is not None and {match.case_id, match.other_case_id} != {into_case.pk, merged_case.pk}:
        errors["match"] = [_("The related-case notice is about other cases.")]
    if errors:
        raise ValidationError(errors)
    # One open proposal per case to merge, and none pulling the other way: a case being merged away
    # cannot meanwhile survive another merger, nor the surviving case be merged away.
    clash = MergerProposal.objects.filter(state__in=OPEN_STATES).filter(
        Q(merged_case__in=[merged_case, into_case]) | Q(into_case=merged_case)
    )
    if clash.exists():
        raise Conflict(
            _("A merger of one of these cases is already proposed."), current_state=merged_case.state
        )
    proposal = MergerProposal.objects.create(
        into_case=into_case,
        merged_case=merged_case,
        ground=ground,
        reasons=reasons.strip(),
        match=match,
        proposed_by=by,
        proposing_unit=proposing_unit,
        into_unit=into_unit,
        merged_unit=merged_unit,
    )
    audit.record(
        action="jurisdiction.merger.propose",
        actor=by,
        acting_unit_code=proposing_unit.code,
        target=proposal,
        payload={
            "into": into_case.pk,
            "merged": merged_case.pk,
            "ground": ground,
            "reasons": proposal.reasons,
        },
    )
    timeline_add(
        instance=proposal,
        actor=by,
        acting_unit_code=proposing_unit.code,
        action="propose",
        to_state=proposal.state,
        note=proposal.reasons,
    )
    # Each case's timeline says a merger is proposed: the history of both stays complete. The note is
    # the ground as the form writes it, in Chinese whatever the proposer's interface language.
    with translation.override("zh-hans"):
        ground_text = str(MergerGround(ground).label)
    for case in (into_case, merged_case):
        timeline_add(
            instance=case,
            actor=by,
            acting_unit_code=proposing_unit.code,
            action="merger_proposed",
            note=ground_text,
        )
    notify(
        users=officers_of([proposal.consenting_unit_id], perms.MANAGERS),
        key=f"merger:{proposal.pk}:proposed",
        subject=_("A merged investigation is proposed for %(case)s"),
        asks=True,
        params={"case": str(merged_case if proposal.consenting_unit_id == merged_unit.pk else into_case)},
    )
    return proposal


def merger_transition(
    *, proposal: MergerProposal, name: str, by: User, reason: str = "", expected_state: str | None = None
):
    """Take transition `name` through the single service path; an approval merges the cases.

    The proposal is read again here and locked by its pk in core.workflow.run_transition.
    """
    if name not in MERGER_TRANSITION_NAMES:
        raise ValidationError({"name": [_("No such transition.")]})
    proposal = MergerProposal.objects.select_related("into_case", "merged_case").get(pk=proposal.pk)
    # 403 before the input is looked at, to one who may not take the step (the state allowing it).
    if check_transition(proposal, name, by).refused:
        raise NotAllowed

    def after(instance: MergerProposal, from_state: str, to_state: str) -> None:
        if to_state == MergerState.MERGED:
            merged = case_services.case_transition(
                case=instance.merged_case, name="merge_into", by=by, into=instance.into_case
            )
            # The units of the merged case keep working on it, now inside the surviving case.
            for unit in {merged.accepting_unit, merged.responsible_unit}:
                if unit.pk != instance.into_case.responsible_unit.pk:
                    case_services.case_party_add(case=instance.into_case, unit=unit, role=PartyRole.ASSISTING)
            timeline_add(
                instance=instance.into_case,
                actor=by,
                action="merged",
                # No number in the note: a stored note is read by whoever sees this case, and the
                # merged case may be one they may not see (a restricted one, issue 16). The case's
                # merger panel names it at read time, as far as the reader may know it.
                data={"merged_case": merged.pk},
            )
        # The side that did not take the step hears of it.
        told = instance.consenting_unit_id if name == "withdraw" else instance.proposing_unit_id
        notify(
            users=officers_of([told], perms.MANAGERS),
            key=f"merger:{instance.pk}:{to_state}",
            subject=_("The proposed merged investigation was answered: %(state)s"),
            params={"state": str(instance.get_state_display())},
        )

    result = run_transition(
        model=MergerProposal,
        pk=proposal.pk,
        name=name,
        by=by,
        expected_state=expected_state,
        arguments={"reason": reason},
        note=reason,
        audit_payload={"reason": reason} if reason else None,
        after=after,
    )
    return result.instance
