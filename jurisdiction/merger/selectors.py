"""Reads of merger proposals (并案侦查): who sees a proposal, and the related-case notices it names.

A proposal is visible to whoever sees either case; what it shows of each case is the presenters'
business (jurisdiction.merger.presenters). Every showing of a case that only an access grant opens
is audited (`proposals_read_record`).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from cases.models import Case, CaseState, HandlingCode, RelatedCaseMatch
from cases.selectors import case_visible_to, grant_uses_record
from jurisdiction import permissions as perms
from jurisdiction.models import MergerProposal, MergerState
from organisation.standing import user_standing

# Everything a representation of a proposal reads, in one query with the proposals.
RELATED = (
    "into_case__accepting_unit",
    "into_case__lead_unit",
    "into_case__offence",  # read by case_discovery_summary for a normal case the user does not see
    "merged_case__accepting_unit",
    "merged_case__lead_unit",
    "merged_case__offence",
    "proposing_unit",
    "into_unit",
    "merged_unit",
    "proposed_by",
    "match",
)


def merger_visible_to(user) -> QuerySet[MergerProposal]:
    """Return the proposals about a case the user sees (either side)."""
    visible = case_visible_to(user).values("pk")
    return MergerProposal.objects.filter(Q(into_case__in=visible) | Q(merged_case__in=visible))


def with_related(queryset):
    """Read with the proposals everything their representation needs (no query per row)."""
    return queryset.select_related(*RELATED)


def proposal_get_visible(user, pk) -> MergerProposal:
    """Return the proposal if the user sees either case; raise Http404 otherwise (it stays hidden)."""
    proposal = with_related(merger_visible_to(user)).filter(pk=pk).first()
    if proposal is None:
        raise Http404
    return proposal


def visible_case_ids(user, proposals) -> set[int]:
    """Return which cases of these proposals the user sees, in one query."""
    ids = {case_id for p in proposals for case_id in (p.into_case_id, p.merged_case_id)}
    if not ids:
        return set()
    return set(case_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def proposals_read_record(user, visible: set[int], *, path: str) -> None:
    """Audit each case shown (one the user sees) that only an access grant opens (`caseaccessgrant.use`)."""
    grant_uses_record(user, visible, path=path)


def notice_case(user, *, number: str) -> tuple[Case, RelatedCaseMatch] | None:
    """Return a case the user does not see but was told of by a related-case notice, with the notice.

    Only a notice on a case the user sees counts, and only one that names the case (a normal or an
    internal one): a restricted case is never named to a unit that does not see it.
    """
    match = (
        RelatedCaseMatch.objects.filter(
            case__in=case_visible_to(user).values("pk"),
            other_case__number=number,
        )
        .exclude(other_case__state=CaseState.REVOKED)
        .exclude(other_case__handling_code=HandlingCode.RESTRICTED)
        .select_related("other_case")
        .order_by("id")
        .first()
    )
    return (match.other_case, match) if match is not None else None


def notice_between(user, first: Case, second: Case) -> RelatedCaseMatch | None:
    """Return the earliest related-case notice linking the two cases, on a side the user sees."""
    visible = case_visible_to(user).filter(pk__in=[first.pk, second.pk]).values("pk")
    pair = Q(case=first, other_case=second) | Q(case=second, other_case=first)
    return RelatedCaseMatch.objects.filter(pair, case__in=visible).order_by("id").first()


def merger_authority(case, user) -> bool:
    """Let the legal officer approving a merger mark the merged case (cases.permissions hook)."""
    standing = user_standing(user)
    return (
        MergerProposal.objects.filter(merged_case_id=case.pk, state=MergerState.MERGED)
        .filter(into_unit_id__in=[uid for uid in standing.roles_by_unit if standing.holds(uid, perms.LEGAL)])
        .exists()
    )
