"""The case's 呈请立案报告书 stays in its organ's own chain (cases.access: the case's documents).

A unit requested to assist becomes a party to the case, and the case's documents followed the case:
the requested unit could open the requester's 呈请立案报告书, a paper to the requester's own head
(MPS-2020 art 178). Once issued it is read by the issuing unit and the units above it, by no other
party, by the download path; the 立案决定书 still goes to every party.
"""

import pytest
from django.test import Client
from django.urls import reverse

from cases import filing
from cases.models import CaseParty, CaseState, PartyRole
from documents.access import document_visible_to
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, KUNMING, WUHOU, XINING

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed_case():
    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=unit(WUHOU))
    filing.filing_request(
        case=case, by=officer(WUHOU), reasons="经审查，有诈骗犯罪事实，需要追究刑事责任，且属于本局管辖。"
    )
    filing.filing_approve(case=case, by=officer(WUHOU, Role.UNIT_HEAD))
    case.refresh_from_db()
    # Kunming was asked to assist: a party to the case, which it now sees.
    CaseParty.objects.get_or_create(case=case, unit=unit(KUNMING), role=PartyRole.REQUESTED)
    return case


def test_a_party_to_the_case_reads_the_filing_decision_but_not_the_internal_report(filed_case):
    report, decision = filed_case.filing_report, filed_case.filing_decision
    assert report.is_issued and report.kind == "report_for_approval"
    kunming = officer(KUNMING)
    assert document_visible_to(kunming, decision)
    assert not document_visible_to(kunming, report)
    client = Client()
    client.force_login(kunming)
    assert client.get(reverse("documents:download", args=[report.pk])).status_code == 404


def test_the_issuing_unit_and_its_superior_read_the_report(filed_case):
    report = filed_case.filing_report
    for reader in (officer(WUHOU), officer(CHENGDU)):
        assert document_visible_to(reader, report)


def test_an_uninvolved_province_reads_neither(filed_case):
    xining = officer(XINING)
    assert not document_visible_to(xining, filed_case.filing_report)
    assert not document_visible_to(xining, filed_case.filing_decision)
