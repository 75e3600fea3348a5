"""What jurisdiction objects show of a case is what the viewer may see of the case (issue 16, leaks 1, 2, 8).

A 限制 (restricted) case is seen by its involved units and the units above its lead only; its
proceeding, the rows hanging off the proceeding, its documents and its merger proposals must not
open it to anyone else (the superior of another party, a unit holding an access grant on the other
case of a merger). The units a designation request reaches on its way up (层报, MPS-2020 art 22)
become involved in the case when it reaches them, so that they can act on it. Every showing of a
case that only an access grant allows is audited (`cases.caseaccessgrant.use`).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    AccessRequestState,
    AccessScope,
    Case,
    CaseAccessGrant,
    CaseAccessRequest,
    CaseParty,
    CaseState,
    HandlingCode,
    PartyRole,
)
from cases.selectors import case_visible_to
from cases.visibility import case_data_rules, rows_visible_to
from core.models import AuditEvent
from documents.access import document_visible_to
from documents.models import Document
from jurisdiction import services
from jurisdiction.merger import services as merger
from jurisdiction.models import (
    DesignationRequest,
    HandoverConfirmation,
    HandoverItem,
    JurisdictionProceeding,
    MergerProposal,
    ProceedingParty,
    ProceedingState,
    RouteStep,
)
from organisation.models import Role
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import member
from tests.support.jurisdiction import office, walk_document
from tests.support.units import MPS, WUHOU, WUHUA, YUZHONG

S = ProceedingState
BASE = "/api/v1/jurisdiction-proceedings/"
MERGERS = "/api/v1/merger-proposals/"
CHONGQING, KUNMING, YUNNAN = "500000", "530100", "530000"
GRANT_USE = "cases.caseaccessgrant.use"
SECRET_REASONS = "两案嫌疑人使用同一银行卡（专案线索甲）"


def restrict(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(handling_code=HandlingCode.RESTRICTED)
    case.refresh_from_db()
    return case


def open_dispute(case, offices) -> JurisdictionProceeding:
    return services.proceeding_open(
        case=case, by=offices[WUHOU].head, reason="多地均有管辖依据，需协商确定主办单位"
    )


def step(proceeding, name, by, **kwargs) -> JurisdictionProceeding:
    return services.proceeding_transition(proceeding=proceeding, name=name, by=by, **kwargs)


def grant(case: Case, user, *, scope: str = AccessScope.READ) -> CaseAccessGrant:
    """Give the user an active access grant on the case (as its owning unit's intake officer would)."""
    owner = case.responsible_unit
    decider = member(owner.code, Role.INTAKE_OFFICER)
    now = timezone.now()
    request = CaseAccessRequest.objects.create(
        case=case,
        requester=user,
        requesting_unit=user.memberships.first().unit,
        owning_unit=owner,
        reason="核查关联线索",
        state=AccessRequestState.GRANTED,
        decided_by=decider,
        decided_at=now,
    )
    return CaseAccessGrant.objects.create(
        request=request,
        case=case,
        user=user,
        scope=scope,
        starts_at=now - dt.timedelta(minutes=1),
        expires_at=now + dt.timedelta(days=7),
        granted_by=decider,
    )


def uses(user) -> list[dict]:
    events = AuditEvent.objects.filter(action=GRANT_USE, actor_id=user.pk).order_by("id")
    return list(events.values_list("payload", flat=True))


@pytest.fixture
def chongqing(db):
    """An investigator of 重庆市公安局: above the Yuzhong party, not above the lead (Wuhou)."""
    return member(CHONGQING, Role.INVESTIGATOR, username="chongqing_investigator")


@pytest.fixture
def restricted_proceeding(fraud_case, offices):
    restrict(fraud_case)
    return open_dispute(fraud_case, offices)


# --- leak 1: a restricted case through its jurisdiction proceeding ---------------------------------


def test_the_superior_of_another_party_does_not_see_a_restricted_cases_proceeding_in_the_api(
    restricted_proceeding, fraud_case, chongqing, offices
):
    client = token_client(chongqing)
    pk = restricted_proceeding.pk
    assert client.get(f"/api/v1/cases/{fraud_case.pk}/").status_code == 404
    assert client.get(f"{BASE}{pk}/").status_code == 404
    assert client.get(f"{BASE}{pk}/transitions/withdraw/").status_code in (404, 405)
    listed = client.get(BASE)
    assert listed.status_code == 200 and pk not in {row["id"] for row in listed.json()["results"]}
    filtered = client.get(BASE, {"case": fraud_case.pk})
    assert filtered.status_code == 200 and filtered.json()["results"] == []
    for text in (fraud_case.number, fraud_case.name):
        assert text not in listed.content.decode() and text not in filtered.content.decode()
    # The party itself still sees it, and so does every unit above the lead.
    for user in (
        offices[YUZHONG].investigator,
        offices[WUHOU].investigator,
        member("510100", Role.INVESTIGATOR),
    ):
        assert token_client(user).get(f"{BASE}{pk}/").status_code == 200, user.username


def test_the_superior_of_another_party_does_not_see_a_restricted_cases_proceeding_page(
    client, restricted_proceeding, fraud_case, chongqing
):
    client.force_login(chongqing)
    response = client.get(reverse("jurisdiction:proceeding-detail", args=[restricted_proceeding.pk]))
    assert response.status_code == 404
    assert fraud_case.number not in response.content.decode()


def test_a_normal_cases_proceeding_stays_visible_to_the_superiors_of_every_party(
    fraud_case, offices, chongqing
):
    pk = open_dispute(fraud_case, offices).pk
    assert token_client(chongqing).get(f"{BASE}{pk}/").status_code == 200


def test_an_uninvolved_province_gets_404_on_a_restricted_cases_proceeding(
    client, restricted_proceeding, qinghai_investigator
):
    pk = restricted_proceeding.pk
    assert token_client(qinghai_investigator).get(f"{BASE}{pk}/").status_code == 404
    client.force_login(qinghai_investigator)
    assert client.get(reverse("jurisdiction:proceeding-detail", args=[pk])).status_code == 404


def test_the_rows_of_a_proceeding_are_read_only_through_a_visible_proceeding(
    restricted_proceeding, chongqing, offices
):
    for model in (
        JurisdictionProceeding,
        ProceedingParty,
        DesignationRequest,
        RouteStep,
        HandoverItem,
        HandoverConfirmation,
    ):
        assert model in case_data_rules(), model
        assert (
            not rows_visible_to(chongqing, model)
            .filter(
                **(
                    {"pk": restricted_proceeding.pk}
                    if model is JurisdictionProceeding
                    else {"proceeding": restricted_proceeding}
                )
            )
            .exists()
        )
    assert (
        rows_visible_to(offices[YUZHONG].investigator, ProceedingParty)
        .filter(proceeding=restricted_proceeding)
        .count()
        == 4
    )


def test_the_designation_route_of_a_restricted_case_is_involved_as_the_request_reaches_it(
    restricted_proceeding, fraud_case, offices, chongqing
):
    """MPS-2020 art 22: the request goes up level by level; each level must see what it approves.

    Wuhua (Kunming) files: 昆明市公安局 → 云南省公安厅 → 公安部. The Kunming bureau and the Yunnan
    department are not above the lead (Wuhou), so the restricted case hides from them until the
    request reaches them; then they are parties to the case (role `proceeding`) and act.
    """
    kunming, yunnan = office(KUNMING, "kunming"), office(YUNNAN, "yunnan")
    proceeding = step(restricted_proceeding, "start_consultation", offices[WUHOU].head)
    services.position_record(
        proceeding=proceeding,
        unit=unit(WUHOU),
        by=offices[WUHOU].legal,
        position="claim",
        reasons="最初受理",
    )
    services.position_record(
        proceeding=proceeding,
        unit=unit(WUHUA),
        by=offices[WUHUA].legal,
        position="claim",
        reasons="被害人多",
    )
    proceeding = step(
        proceeding,
        "request_designation",
        offices[WUHUA].legal,
        fields={
            "suspects": "吉某某",
            "charge": "诈骗罪",
            "facts": "利用重庆服务器实施诈骗",
            "dispute": "两地均主张管辖",
            "reasons": "被害人集中在昆明",
        },
    )
    report = Document.objects.get(pk=proceeding.designation_requests.get().report_document_id)
    walk_document(report, offices[WUHUA])
    for user in (kunming.head, yunnan.head, chongqing):
        assert (
            not JurisdictionProceeding.objects.filter(pk=proceeding.pk)
            .filter(pk__in=rows_visible_to(user, JurisdictionProceeding).values("pk"))
            .exists()
        ), user.username
    assert not document_visible_to(chongqing, report)

    proceeding = step(proceeding, "file_designation", offices[WUHUA].head)
    assert proceeding.state == S.FORWARDING and proceeding.current_route_unit_id == unit(KUNMING).pk
    assert CaseParty.objects.filter(case=fraud_case, unit=unit(KUNMING), role=PartyRole.PROCEEDING).exists()
    assert token_client(kunming.head).get(f"{BASE}{proceeding.pk}/").status_code == 200
    assert token_client(yunnan.head).get(f"{BASE}{proceeding.pk}/").status_code == 404
    proceeding = step(proceeding, "forward", kunming.head, reason="同意上报")
    assert token_client(yunnan.legal).get(f"{BASE}{proceeding.pk}/").status_code == 200
    proceeding = step(proceeding, "forward", yunnan.legal, reason="同意上报")
    assert proceeding.state == S.AT_SUPERIOR and proceeding.superior_unit.code == MPS
    mps = offices[MPS]
    decision = services.designation_decision_draft(
        proceeding=proceeding, by=mps.head, lead_unit=unit(WUHUA), reason="被害人及损失主要在昆明"
    )
    walk_document(decision, mps)
    proceeding = step(proceeding, "designate", mps.head)
    assert proceeding.lead_unit.code == WUHUA
    # The other superiors of other parties still see nothing of it.
    assert token_client(chongqing).get(f"{BASE}{proceeding.pk}/").status_code == 404
    assert not document_visible_to(chongqing, report)
    guiyang = member("520100", Role.INVESTIGATOR)  # above the Nanming party, not on the route
    assert not case_visible_to(guiyang).filter(pk=fraud_case.pk).exists()


# --- leak 2: merger proposals ---------------------------------------------------------------------


@pytest.fixture
def restricted_merger(offices):
    """Wuhou proposes to merge a normal Kunming (Wuhua) case into its own restricted case."""
    restricted = CaseFactory(
        name="7·01 专案",
        accepting_unit=unit(WUHOU),
        state=CaseState.UNDER_INVESTIGATION,
        handling_code=HandlingCode.RESTRICTED,
    )
    other = CaseFactory(
        name="5·02 电信网络诈骗案", accepting_unit=unit(WUHUA), state=CaseState.UNDER_INVESTIGATION
    )
    proposal = merger.merger_propose(
        into_case=restricted,
        merged_case=other,
        by=offices[WUHOU].head,
        ground="linked",
        reasons=SECRET_REASONS,
    )
    return proposal, restricted, other


def test_a_merger_never_names_a_restricted_case_to_a_unit_that_does_not_see_it(restricted_merger, offices):
    proposal, restricted, other = restricted_merger
    kunming = member(
        KUNMING, Role.INVESTIGATOR
    )  # sees the Kunming case (above Wuhua), not the restricted one
    client = token_client(kunming)
    assert client.get(f"/api/v1/cases/{restricted.pk}/").status_code == 404
    detail = client.get(f"{MERGERS}{proposal.pk}/")
    assert detail.status_code == 200
    body = detail.json()
    assert body["into_case"]["number"] == "" and body["into_case"]["id"] is None
    assert body["into_case"]["unit"]["code"] == WUHOU  # whom to ask
    assert body["reasons"] == ""
    assert all(not row["note"] for row in body["timeline"])
    listed = client.get(MERGERS).content.decode() + client.get(MERGERS, {"case": other.pk}).content.decode()
    for text in (restricted.number, restricted.name, SECRET_REASONS):
        assert text not in detail.content.decode() and text not in listed


def test_the_consenting_unit_reads_the_reasons_but_not_the_restricted_number(restricted_merger, offices):
    proposal, restricted, _other = restricted_merger
    body = token_client(offices[WUHUA].head).get(f"{MERGERS}{proposal.pk}/").json()
    assert body["reasons"] == SECRET_REASONS  # addressed to it: it must judge the proposal
    assert body["into_case"]["number"] == "" and restricted.number not in str(body)
    assert set(body["available_transitions"]) == {"consent", "decline"}


def test_a_merger_page_and_case_panel_never_name_a_restricted_case_to_a_unit_that_does_not_see_it(
    client, restricted_merger
):
    proposal, restricted, other = restricted_merger
    client.force_login(member(KUNMING, Role.INVESTIGATOR))
    for url in (
        reverse("mergers:detail", args=[proposal.pk]),
        reverse("cases:detail", args=[other.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in (restricted.number, restricted.name, SECRET_REASONS):
            assert secret not in text, (url, secret)


def test_a_grant_on_the_other_case_opens_neither_the_restricted_case_nor_the_reasons(
    client, restricted_merger, qinghai_investigator
):
    proposal, restricted, other = restricted_merger
    grant(other, qinghai_investigator)
    body = token_client(qinghai_investigator).get(f"{MERGERS}{proposal.pk}/").json()
    assert body["merged_case"]["id"] == other.pk
    assert body["into_case"]["number"] == "" and body["reasons"] == ""
    client.force_login(qinghai_investigator)
    text = client.get(reverse("mergers:detail", args=[proposal.pk])).content.decode()
    assert restricted.number not in text and SECRET_REASONS not in text


def test_an_uninvolved_province_gets_404_on_a_restricted_merger(
    client, restricted_merger, qinghai_investigator
):
    proposal, _restricted, _other = restricted_merger
    assert token_client(qinghai_investigator).get(f"{MERGERS}{proposal.pk}/").status_code == 404
    client.force_login(qinghai_investigator)
    assert client.get(reverse("mergers:detail", args=[proposal.pk])).status_code == 404


def test_merger_proposals_declare_their_rule(db):
    rule = case_data_rules()[MergerProposal]
    assert set(rule.mentions) | set(rule.shows) == {"into_case", "merged_case"}


# --- leak 8: every read through a grant is audited -----------------------------------------------


def test_the_jurisdiction_analysis_read_through_a_grant_is_audited(fraud_case, qinghai_investigator):
    used = grant(fraud_case, qinghai_investigator)
    response = token_client(qinghai_investigator).get(f"/api/v1/cases/{fraud_case.pk}/jurisdiction-analysis/")
    assert response.status_code == 200
    [payload] = uses(qinghai_investigator)
    assert payload["case"] == fraud_case.pk and payload["grant"] == used.pk
    assert "jurisdiction-analysis" in payload["path"]


def test_the_analysis_read_by_a_unit_that_sees_the_case_is_no_grant_use(fraud_case, offices):
    assert (
        token_client(offices[WUHOU].investigator)
        .get(f"/api/v1/cases/{fraud_case.pk}/jurisdiction-analysis/")
        .status_code
        == 200
    )
    assert not AuditEvent.objects.filter(action=GRANT_USE).exists()


def test_merger_proposals_read_through_a_grant_are_audited(client, restricted_merger, qinghai_investigator):
    proposal, _restricted, other = restricted_merger
    grant(other, qinghai_investigator)
    api = token_client(qinghai_investigator)
    assert api.get(MERGERS).status_code == 200
    assert api.get(f"{MERGERS}{proposal.pk}/").status_code == 200
    client.force_login(qinghai_investigator)
    assert client.get(reverse("mergers:detail", args=[proposal.pk])).status_code == 200
    paths = [payload["path"] for payload in uses(qinghai_investigator)]
    assert paths == [
        MERGERS,
        f"{MERGERS}{proposal.pk}/",
        reverse("mergers:detail", args=[proposal.pk]),
    ]
    assert all(payload["case"] == other.pk for payload in uses(qinghai_investigator))


def test_a_proceeding_read_through_a_grant_is_audited(client, restricted_proceeding, fraud_case, chongqing):
    grant(fraud_case, chongqing)
    api = token_client(chongqing)
    assert api.get(f"{BASE}{restricted_proceeding.pk}/").status_code == 200
    assert [row["id"] for row in api.get(BASE).json()["results"]] == [restricted_proceeding.pk]
    client.force_login(chongqing)
    assert (
        client.get(reverse("jurisdiction:proceeding-detail", args=[restricted_proceeding.pk])).status_code
        == 200
    )
    assert [payload["path"] for payload in uses(chongqing)] == [
        f"{BASE}{restricted_proceeding.pk}/",
        BASE,
        reverse("jurisdiction:proceeding-detail", args=[restricted_proceeding.pk]),
    ]


def test_a_read_grant_does_not_open_a_proceedings_documents(
    restricted_proceeding, fraud_case, chongqing, offices
):
    """A `read` grant opens the case file, never its documents (cases.access)."""
    proceeding = step(restricted_proceeding, "start_consultation", offices[WUHOU].head)
    for code in (WUHOU, WUHUA):
        services.position_record(
            proceeding=proceeding,
            unit=unit(code),
            by=offices[code].legal,
            position="claim",
            reasons="主张",
        )
    proceeding = step(
        proceeding,
        "request_designation",
        offices[WUHOU].legal,
        fields={
            "suspects": "吉某某",
            "charge": "诈骗罪",
            "facts": "事实",
            "dispute": "争议",
            "reasons": "理由",
        },
    )
    report = Document.objects.get(pk=proceeding.designation_requests.get().report_document_id)
    walk_document(report, offices[WUHOU])
    step(proceeding, "file_designation", offices[WUHOU].head)
    report.refresh_from_db()
    assert report.state == "issued"
    grant(fraud_case, chongqing)
    assert not document_visible_to(chongqing, report)
    CaseAccessGrant.objects.filter(user=chongqing).update(scope=AccessScope.READ_DOCUMENTS)
    assert document_visible_to(chongqing, report)


def test_the_migration_involves_the_units_a_request_reached_before_the_rule(
    restricted_proceeding, fraud_case
):
    """Requests that travelled before the rule: their route units become parties too (data migration)."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("jurisdiction.migrations.0003_involve_designation_route")
    route = [unit(code).pk for code in (KUNMING, YUNNAN, MPS)]
    JurisdictionProceeding.objects.filter(pk=restricted_proceeding.pk).update(
        state=S.FORWARDING, route=route, route_position=1, superior_unit=unit(MPS)
    )
    migration.involve_route_units(apps, None)
    involved = set(
        CaseParty.objects.filter(case=fraud_case, role=PartyRole.PROCEEDING).values_list(
            "unit__code", flat=True
        )
    )
    assert YUNNAN in involved and KUNMING not in involved and MPS not in involved


def test_a_restricted_case_merged_into_another_is_not_named_on_the_surviving_cases_page(client, offices):
    """The surviving case's timeline and merger panel name the merged case as the reader may know it."""
    restricted = CaseFactory(
        name="7·01 专案",
        accepting_unit=unit(WUHOU),
        state=CaseState.UNDER_INVESTIGATION,
        handling_code=HandlingCode.RESTRICTED,
    )
    surviving = CaseFactory(
        name="5·02 电信网络诈骗案", accepting_unit=unit(WUHUA), state=CaseState.UNDER_INVESTIGATION
    )
    proposal = merger.merger_propose(
        into_case=surviving,
        merged_case=restricted,
        by=offices[WUHOU].head,
        ground="linked",
        reasons=SECRET_REASONS,
    )
    merger.merger_transition(proposal=proposal, name="consent", by=offices[WUHUA].head)
    merger.merger_transition(proposal=proposal, name="approve", by=offices[WUHUA].legal)
    restricted.refresh_from_db()
    assert restricted.state == CaseState.MERGED
    client.force_login(member(KUNMING, Role.INVESTIGATOR))  # sees the surviving case, not the restricted one
    response = client.get(reverse("cases:detail", args=[surviving.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    for secret in (restricted.number, restricted.name, SECRET_REASONS):
        assert secret not in text, secret
