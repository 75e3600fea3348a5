"""A document of an assistance request whose case only an access grant opens is a grant use (issue 16).

A unit above the requesting unit sees the request of a 限制 case only while it sees the case, which
an access grant can open. Reading the request's issued documents then reads the case through the
grant: it must be audited as `cases.caseaccessgrant.use`, as every other read through a grant is,
and it takes a documents grant (a `read` grant opens the case file, never its documents).
"""

import datetime as dt

import pytest
from django.utils import timezone

from cases.access import services as access_services
from cases.assistance import services
from cases.models import (
    AccessRequestState,
    AccessScope,
    CaseAccessGrant,
    CaseAccessRequest,
    CaseParty,
    CaseState,
    HandlingCode,
    PartyRole,
)
from core.models import AuditEvent
from documents.models import Document
from organisation.models import Role
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import KUNMING, WUHOU, WUHUA


@pytest.fixture
def restricted_request(db):
    case = CaseFactory(
        accepting_unit=unit(WUHOU),
        handling_code=HandlingCode.RESTRICTED,
        state=CaseState.UNDER_INVESTIGATION,
    )
    CaseParty.objects.create(case=case, unit=unit(WUHUA), role=PartyRole.ASSISTING)
    drafter = officer(WUHUA)
    made = services.request_create(
        by=drafter,
        case=case,
        requested_unit=unit("520100"),
        kind="evidence_collection",
        urgency="normal",
        matters="调取受害人银行流水及通话记录",
    )
    document = Document.objects.create(
        kind="case_transfer_notice",
        issuing_unit=unit(WUHUA),
        created_by=drafter,
        title="办案协作函",
        # Issued: a draft is read by its drafting unit's officers alone, grant or not (issue 16 leak 9).
        state="issued",
        link_target_type="assistance.request",
        link_target_id=str(made.pk),
    )
    return case, made, document


def grant(case, user, scope) -> CaseAccessGrant:
    now = timezone.now()
    request = CaseAccessRequest.objects.create(
        case=case,
        requester=user,
        requesting_unit=unit(KUNMING),
        owning_unit=unit(WUHOU),
        reason="核查",
        state=AccessRequestState.GRANTED,
    )
    return CaseAccessGrant.objects.create(
        request=request,
        case=case,
        user=user,
        scope=scope,
        starts_at=now - dt.timedelta(minutes=1),
        expires_at=now + dt.timedelta(days=3),
        granted_by=officer(WUHOU, Role.INTAKE_OFFICER),
    )


def uses(user, document):
    return AuditEvent.objects.filter(
        action=access_services.ACTION_USE, actor_id=user.pk, payload__path=f"documents/{document.pk}"
    )


def test_a_document_of_a_request_opened_by_a_grant_needs_a_documents_grant_and_records_the_use(
    restricted_request,
):
    case, made, document = restricted_request
    superior = officer(KUNMING)
    client = token_client(superior)
    assert_error(client.get(f"/api/v1/documents/{document.pk}/"), 404, "not_found")
    used = grant(case, superior, AccessScope.READ)
    # The read grant opens the request (its case) but, as everywhere, none of the case's documents.
    assert client.get(f"/api/v1/assistance-requests/{made.pk}/").status_code == 200
    assert_error(client.get(f"/api/v1/documents/{document.pk}/"), 404, "not_found")
    assert not uses(superior, document).exists()
    CaseAccessGrant.objects.filter(pk=used.pk).update(scope=AccessScope.READ_DOCUMENTS)
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 200
    [event] = uses(superior, document)
    assert event.payload["grant"] == used.pk and event.payload["case"] == case.pk


def test_who_sees_the_case_anyway_leaves_no_grant_use(restricted_request):
    case, _made, document = restricted_request
    drafter = officer(WUHUA)
    assert token_client(drafter).get(f"/api/v1/documents/{document.pk}/").status_code == 200
    assert not uses(drafter, document).exists()
    # A normal case is seen above any party: the superior's grant is then no use.
    type(case).objects.filter(pk=case.pk).update(handling_code=HandlingCode.NORMAL)
    superior = officer(KUNMING)
    grant(case, superior, AccessScope.READ_DOCUMENTS)
    assert token_client(superior).get(f"/api/v1/documents/{document.pk}/").status_code == 200
    assert not uses(superior, document).exists()
