"""Every read of a case through an access grant is audited, whatever the path (issue 16, leak 8).

A grantee whose units do not see the case reads it through the grant: each list, export, detail,
dossier, related-case notice and assistance request that shows it records one
`cases.caseaccessgrant.use` event naming the path. The same reads by a unit that sees the case
anyway record none.
"""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cases.access import services as access_services
from cases.assistance import services as assistance_services
from cases.models import (
    AccessScope,
    CaseAccessGrant,
    CaseAccessRequest,
    CaseParty,
    CaseState,
    HandlingCode,
    MatchKind,
    PartyRole,
    RelatedCaseMatch,
)
from core.models import AuditEvent
from organisation.models import Role
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, KUNMING, WUHOU, WUHUA, XINING


@pytest.fixture
def chengdu_case(db):
    return CaseFactory(
        name="秘密行动专案",
        accepting_unit=unit(CHENGDU),
        handling_code=HandlingCode.INTERNAL,
        state=CaseState.UNDER_INVESTIGATION,
    )


@pytest.fixture
def xining(db):
    return officer(XINING)


def grant(case, user, scope=AccessScope.READ) -> CaseAccessGrant:
    """Open the case to the user by a grant, as the owning unit's decision would."""
    now = timezone.now()
    owner = case.responsible_unit
    made = CaseAccessRequest.objects.create(
        case=case,
        requester=user,
        requesting_unit=user.memberships.first().unit,
        owning_unit=owner,
        reason="核查嫌疑人身份",
        state="granted",
    )
    return CaseAccessGrant.objects.create(
        request=made,
        case=case,
        user=user,
        scope=scope,
        starts_at=now,
        expires_at=now + dt.timedelta(days=7),
        granted_by=officer(owner.code, Role.INTAKE_OFFICER),
    )


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def uses(case=None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action=access_services.ACTION_USE).order_by("id")
    if case is not None:
        events = events.filter(payload__case=case.pk)
    return list(events)


def test_the_case_list_page_records_the_use(chengdu_case, xining):
    grant(chengdu_case, xining)
    response = browser(xining).get("/cases/")
    assert response.status_code == 200 and chengdu_case.number in response.content.decode()
    [use] = uses(chengdu_case)
    assert use.actor_id == xining.pk and use.payload["path"] == "/cases/"


def test_the_case_list_api_records_the_use(chengdu_case, xining):
    grant(chengdu_case, xining)
    response = token_client(xining).get("/api/v1/cases/")
    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [chengdu_case.number]
    [use] = uses(chengdu_case)
    assert use.payload["path"] == "/api/v1/cases/"


def test_the_csv_export_records_the_use(chengdu_case, xining):
    grant(chengdu_case, xining)
    response = token_client(xining).get("/api/v1/cases/export.csv")
    assert response.status_code == 200 and chengdu_case.number in response.content.decode()
    [use] = uses(chengdu_case)
    assert use.payload["path"] == "/api/v1/cases/export.csv"


def test_a_list_shows_many_granted_cases_with_one_event_each(xining):
    cases = [CaseFactory(accepting_unit=unit(CHENGDU), state=CaseState.UNDER_INVESTIGATION) for _ in range(3)]
    for case in cases:
        grant(case, xining)
    assert token_client(xining).get("/api/v1/cases/").status_code == 200
    assert sorted(use.payload["case"] for use in uses()) == sorted(case.pk for case in cases)


def test_the_owning_units_reads_are_no_use(chengdu_case, xining):
    grant(chengdu_case, xining)
    own = officer(CHENGDU)
    assert browser(own).get("/cases/").status_code == 200
    assert token_client(own).get("/api/v1/cases/").status_code == 200
    assert token_client(own).get("/api/v1/cases/export.csv").status_code == 200
    assert uses() == []


def test_the_case_page_rendered_after_a_refused_step_records_the_use(chengdu_case, xining):
    grant(chengdu_case, xining)
    response = browser(xining).post(
        f"/cases/{chengdu_case.pk}/transitions/suspend/",
        {"expected_state": chengdu_case.state, "reason": "试试"},
    )
    # The page is shown again (403: not the grantee's step), with the case on it.
    assert response.status_code == 403 and chengdu_case.number in response.content.decode()
    [use] = uses(chengdu_case)
    assert use.payload["path"] == f"/cases/{chengdu_case.pk}/transitions/suspend/"


def test_the_case_page_and_api_detail_record_one_use_each(chengdu_case, xining):
    grant(chengdu_case, xining)
    assert browser(xining).get(f"/cases/{chengdu_case.pk}/").status_code == 200
    assert token_client(xining).get(f"/api/v1/cases/{chengdu_case.pk}/").status_code == 200
    assert [use.payload["path"] for use in uses(chengdu_case)] == [
        f"/cases/{chengdu_case.pk}/",
        f"/api/v1/cases/{chengdu_case.pk}/",
    ]


def test_the_dossier_reads_record_the_use(chengdu_case, xining):
    grant(chengdu_case, xining)
    client = token_client(xining)
    response = client.post(f"/api/v1/cases/{chengdu_case.pk}/dossiers/")
    assert response.status_code == 202
    dossier_id = response.json()["id"]
    before = len(uses(chengdu_case))
    assert before == 1  # asking for the dossier of a granted case is a use
    assert client.get(f"/api/v1/cases/{chengdu_case.pk}/dossiers/{dossier_id}/").status_code == 200
    assert browser(xining).get(f"/cases/{chengdu_case.pk}/dossiers/{dossier_id}/progress/").status_code == 200
    assert len(uses(chengdu_case)) == before + 2


def test_a_related_case_shown_in_full_through_a_grant_records_the_use(chengdu_case, xining):
    own_case = CaseFactory(accepting_unit=unit(XINING), state=CaseState.UNDER_INVESTIGATION)
    RelatedCaseMatch.objects.create(
        case=own_case,
        other_case=chengdu_case,
        kind=MatchKind.PHONE,
        value_digest="d",
        matched_value_masked="138****0000",
    )
    grant(chengdu_case, xining)
    response = browser(xining).get(f"/cases/{own_case.pk}/")
    assert response.status_code == 200
    assert f'href="/cases/{chengdu_case.pk}/"' in response.content.decode()  # told in full, with a link
    [use] = uses(chengdu_case)
    assert use.payload["path"] == f"/cases/{own_case.pk}/"
    assert token_client(xining).get(f"/api/v1/cases/{own_case.pk}/").status_code == 200
    assert len(uses(chengdu_case)) == 2


@pytest.fixture
def restricted_request(db):
    """A restricted case led by Wuhou; Wuhua (Kunming) assists and drafts a request to Guiyang.

    Kunming's city bureau is above the requesting unit, not above the lead: it may not see the case.
    """
    case = CaseFactory(
        accepting_unit=unit(WUHOU),
        handling_code=HandlingCode.RESTRICTED,
        state=CaseState.UNDER_INVESTIGATION,
    )
    CaseParty.objects.create(case=case, unit=unit(WUHUA), role=PartyRole.ASSISTING)
    made = assistance_services.request_create(
        by=officer(WUHUA),
        case=case,
        requested_unit=unit("520100"),
        kind="evidence_collection",
        urgency="normal",
        matters="调取受害人银行流水及通话记录",
    )
    return case, made


def test_an_assistance_request_of_a_granted_case_records_the_use(restricted_request):
    case, made = restricted_request
    kunming = officer(KUNMING)
    grant(case, kunming)
    client = token_client(kunming)
    assert client.get(f"/api/v1/assistance-requests/{made.pk}/").status_code == 200
    assert browser(kunming).get(f"/assistance-requests/{made.pk}/").status_code == 200
    listing = client.get("/api/v1/assistance-requests/")
    assert [row["id"] for row in listing.json()["results"]] == [made.pk]
    assert browser(kunming).get("/assistance-requests/").status_code == 200
    assert [use.payload["path"] for use in uses(case)] == [
        f"/api/v1/assistance-requests/{made.pk}/",
        f"/assistance-requests/{made.pk}/",
        "/api/v1/assistance-requests/",
        "/assistance-requests/",
    ]
