"""The head asked to approve 立案 reads the 呈请立案报告书's PDF first (issue 19 item 3, MPS-2020 art 178).

The case page's filing line links the draft's PDF (documents:preview) to who may read the draft (the
organ's officers who take its steps) while the request waits; no one else gets the link, and an
uninvolved province gets 404 on the preview.
"""

import pytest
from django.test import Client
from django.urls import reverse

from cases import filing
from cases.models import CaseState
from organisation.models import Role
from tests.support.factories.cases import CaseFactory
from tests.support.personas import officer
from tests.support.units import WUHOU, XINING

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_head_reads_the_filing_report_before_approving_mps_2020_art_178():
    case = CaseFactory(state=CaseState.REGISTERED)
    filing.filing_request(
        case=case, by=officer(case.accepting_unit.code), reasons="经审查，有诈骗犯罪事实，属于本局管辖。"
    )
    case.refresh_from_db()
    preview = reverse("documents:preview", args=[case.filing_report_id])
    page = reverse("cases:detail", args=[case.pk])
    head = client_of(officer(WUHOU, Role.UNIT_HEAD))
    assert preview in head.get(page).text
    response = head.get(preview)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # A liaison officer of the unit takes no step on the report: no link, and no PDF.
    liaison = client_of(officer(WUHOU, Role.LIAISON_OFFICER))
    seen = liaison.get(page)
    assert seen.status_code == 404 or preview not in seen.text
    assert liaison.get(preview).status_code == 404
    assert client_of(officer(XINING, Role.UNIT_HEAD)).get(preview).status_code == 404
    # Once approved the report is issued: the page links the issued documents, not a draft.
    filing.filing_approve(case=case, by=officer(WUHOU, Role.UNIT_HEAD))
    assert preview not in head.get(page).text
