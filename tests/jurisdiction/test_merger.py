"""Merged investigation (并案侦查, MPS-2020 art 21(2)): consultation, legal review, both histories kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import CaseState, PartyRole
from cases.selectors import case_visible_to
from core.api import Conflict
from core.models import TimelineEntry
from jurisdiction.merger import services as merger
from jurisdiction.merger.selectors import merger_visible_to
from jurisdiction.models import MergerState
from tests.support.factories.cases import CaseFactory, unit
from tests.support.units import WUHOU, WUHUA


@pytest.fixture
def two_cases(offices):
    chengdu = CaseFactory(
        name="4·15 电信网络诈骗案", accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION
    )
    kunming = CaseFactory(
        name="5·02 电信网络诈骗案", accepting_unit=unit(WUHUA), state=CaseState.UNDER_INVESTIGATION
    )
    return chengdu, kunming


def propose(chengdu, kunming, offices, **extra):
    return merger.merger_propose(
        into_case=kunming,
        merged_case=chengdu,
        by=offices[WUHOU].head,
        ground=extra.pop("ground", "one_person"),
        reasons=extra.pop("reasons", "同一犯罪嫌疑人在两地作案"),
        **extra,
    )


def test_a_merger_is_consented_reviewed_and_keeps_both_numbers_and_histories(two_cases, offices):
    chengdu, kunming = two_cases
    proposal = propose(chengdu, kunming, offices)
    assert proposal.state == MergerState.PROPOSED and proposal.consenting_unit_id == unit(WUHUA).pk
    with pytest.raises(PermissionDenied):  # the proposer cannot consent for the other side
        merger.merger_transition(proposal=proposal, name="consent", by=offices[WUHOU].head)
    merger.merger_transition(proposal=proposal, name="consent", by=offices[WUHUA].head, reason="同意并案")
    with pytest.raises(PermissionDenied):  # only the lead's legal department reviews
        merger.merger_transition(proposal=proposal, name="approve", by=offices[WUHOU].legal)
    proposal = merger.merger_transition(
        proposal=proposal, name="approve", by=offices[WUHUA].legal, reason="符合并案条件"
    )
    assert proposal.state == MergerState.MERGED
    chengdu.refresh_from_db()
    kunming.refresh_from_db()
    assert chengdu.state == CaseState.MERGED and chengdu.merged_into == kunming
    assert chengdu.number and kunming.number and chengdu.number != kunming.number
    assert kunming.state == CaseState.UNDER_INVESTIGATION
    assert list(kunming.merged_cases.all()) == [chengdu]
    # Chengdu keeps working on it inside the Kunming case, and both timelines tell the story.
    assert kunming.parties.filter(unit__code=WUHOU, role=PartyRole.ASSISTING).exists()
    assert case_visible_to(offices[WUHOU].investigator).filter(pk=kunming.pk).exists()
    assert TimelineEntry.objects.filter(target_id=str(kunming.pk), action="merged").exists()
    assert TimelineEntry.objects.filter(target_id=str(chengdu.pk), action="merge_into").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ground": "convenience"}, "ground"),
        ({"reasons": " "}, "reasons"),
    ],
)
def test_a_proposal_needs_a_ground_of_article_21_and_reasons(two_cases, offices, changes, field):
    chengdu, kunming = two_cases
    with pytest.raises(ValidationError) as caught:
        propose(chengdu, kunming, offices, **changes)
    assert field in caught.value.message_dict


def test_declining_and_rejecting_leave_the_cases_apart(two_cases, offices):
    chengdu, kunming = two_cases
    proposal = propose(chengdu, kunming, offices)
    with pytest.raises(Conflict):
        propose(chengdu, kunming, offices)  # one open proposal per case
    with pytest.raises(Conflict):  # nor one pulling the other way
        merger.merger_propose(
            into_case=chengdu, merged_case=kunming, by=offices[WUHUA].head, ground="linked", reasons="反向"
        )
    with pytest.raises(ValidationError):
        merger.merger_transition(proposal=proposal, name="decline", by=offices[WUHUA].head, reason="")
    merger.merger_transition(proposal=proposal, name="decline", by=offices[WUHUA].head, reason="并无关联")
    again = propose(chengdu, kunming, offices, ground="linked", reasons="资金流向关联")
    merger.merger_transition(proposal=again, name="consent", by=offices[WUHUA].legal)
    merger.merger_transition(proposal=again, name="reject", by=offices[WUHUA].legal, reason="证据不足")
    chengdu.refresh_from_db()
    assert chengdu.state == CaseState.UNDER_INVESTIGATION and chengdu.merged_into is None


def test_an_uninvolved_unit_can_neither_propose_nor_see_a_proposal(two_cases, offices, qinghai_investigator):
    chengdu, kunming = two_cases
    proposal = propose(chengdu, kunming, offices)
    assert not merger_visible_to(qinghai_investigator).filter(pk=proposal.pk).exists()
    assert merger_visible_to(offices[WUHUA].investigator).filter(pk=proposal.pk).exists()
    with pytest.raises(PermissionDenied):
        merger.merger_propose(
            into_case=kunming, merged_case=chengdu, by=qinghai_investigator, ground="linked", reasons="x"
        )
