"""Jurisdiction proceedings: consultation, agreement, designation up the levels, handover, transfer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import CaseState, PartyRole
from cases.selectors import case_visible_to
from core.api import Conflict
from core.models import AuditEvent, Deadline, TimelineEntry
from documents import services as document_services
from documents.models import Document, DocumentState
from jurisdiction import services
from jurisdiction.models import JurisdictionProceeding, ProceedingState, RouteStep
from jurisdiction.selectors import proceeding_visible_to
from organisation.models import Role, Unit
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import member
from tests.support.jurisdiction import hand_over_notice, walk_document
from tests.support.units import CHENGDU, MPS, NANMING, SICHUAN, WUHOU, WUHUA, YUZHONG

S = ProceedingState


def open_dispute(case, offices):
    return services.proceeding_open(
        case=case, by=offices[WUHOU].head, reason="多地均有管辖依据，需协商确定主办单位"
    )


def step(proceeding, name, by, **kwargs):
    return services.proceeding_transition(proceeding=proceeding, name=name, by=by, **kwargs)


def position(proceeding, code, offices, value, reasons="意见", proposed=None):
    return services.position_record(
        proceeding=proceeding,
        unit=Unit.objects.get(code=code),
        by=offices[code].legal,
        position=value,
        reasons=reasons,
        proposed_unit=Unit.objects.get(code=proposed) if proposed else None,
    )


def test_opening_lists_the_four_candidates_with_citations_and_puts_the_case_in_question(fraud_case, offices):
    proceeding = open_dispute(fraud_case, offices)
    fraud_case.refresh_from_db()
    assert fraud_case.state == CaseState.JURISDICTION_PENDING
    parties = {party.unit.code: party for party in proceeding.parties.select_related("unit")}
    assert set(parties) == {WUHOU, YUZHONG, WUHUA, NANMING}
    for party in parties.values():
        assert party.bases, party.unit.code
        assert all(basis["citation"].startswith("MPS-2020 art ") for basis in party.bases)
    # Every party sees the case now (the proceeding is its standing).
    for code in (YUZHONG, WUHUA, NANMING):
        assert fraud_case.parties.filter(unit__code=code, role=PartyRole.PROCEEDING).exists()
        assert case_visible_to(offices[code].investigator).filter(pk=fraud_case.pk).exists()
    with pytest.raises(Conflict):
        open_dispute(fraud_case, offices)


def test_an_agreement_moving_the_case_settles_only_with_the_signed_handover_mps_2020_arts_184_185(
    fraud_case, offices
):
    proceeding = open_dispute(fraud_case, offices)
    proceeding = step(proceeding, "start_consultation", offices[WUHOU].head)
    assert proceeding.state == S.CONSULTING
    due = Deadline.objects.get(
        target_type="jurisdiction.jurisdictionproceeding", rule_key="jurisdiction_consultation"
    )
    assert proceeding.consultation_due_at == due.due_at
    assert due.due_at - timezone.now() > dt.timedelta(days=6)
    with pytest.raises(ValidationError, match="lead"):
        step(proceeding, "agree", offices[WUHOU].head)  # nobody has spoken yet
    position(proceeding, WUHUA, offices, "claim", "被害人多数在五华区")
    for code in (WUHOU, YUZHONG):
        position(proceeding, code, offices, "propose", "被害人及损失集中在昆明", proposed=WUHUA)
    position(proceeding, NANMING, offices, "decline", "仅为嫌疑人户籍地")
    proceeding = step(proceeding, "agree", offices[WUHOU].head, fields={"assisting_units": [WUHOU]})
    assert proceeding.state == S.AGREED and proceeding.lead_unit.code == WUHUA
    with pytest.raises(PermissionDenied):
        step(proceeding, "approve_agreement", offices[WUHOU].legal)  # only the proposed lead reviews
    proceeding = step(proceeding, "approve_agreement", offices[WUHUA].legal, reason="管辖依据充分")
    # The case changes hands: the unit giving it up issues a 移送案件通知书 its head approves (art 184).
    assert proceeding.state == S.TRANSFERRING and proceeding.settled_at is None
    fraud_case.refresh_from_db()
    assert fraud_case.state == CaseState.UNDER_INVESTIGATION
    assert fraud_case.lead_unit.code == WUHUA
    assert fraud_case.parties.filter(unit__code=WUHOU, role=PartyRole.ASSISTING).exists()
    assert AuditEvent.objects.filter(action="jurisdiction.jurisdictionproceeding.approve_agreement").exists()
    notice = Document.objects.get(kind="case_transfer_notice", link_target_id=str(proceeding.pk))
    assert notice.issuing_unit.code == WUHOU and notice.approval_chain == ["legal_review", "approval"]
    assert (
        "第一百八十四条" in notice.data["legal_basis"] and "第一百七十五条" not in notice.data["legal_basis"]
    )
    assert "第二十二条" in notice.data["legal_basis"]  # agreed by consultation
    with pytest.raises(ValidationError, match="notice"):
        step(proceeding, "start_handover", offices[WUHOU].head)  # not approved by the head yet
    with pytest.raises(Conflict):  # an approved agreement is not withdrawn
        step(proceeding, "withdraw", offices[WUHOU].head, reason="x")
    proceeding = hand_over_notice(proceeding, offices[WUHOU])
    assert proceeding.state == S.HANDOVER
    # Art 185: nothing settles before both sides signed a list naming the files that travel with it.
    services.handover_item_add(
        proceeding=proceeding, by=offices[WUHOU].investigator, kind="evidence", description="电子数据光盘1张"
    )
    with pytest.raises(ValidationError, match=r"items.*(185|第一百八十五条)"):
        services.handover_confirm(proceeding=proceeding, by=offices[WUHOU].head)
    services.handover_item_add(
        proceeding=proceeding, by=offices[WUHOU].investigator, kind="file", description="案卷2册"
    )
    services.handover_confirm(proceeding=proceeding, by=offices[WUHOU].head)
    proceeding = services.handover_confirm(proceeding=proceeding, by=offices[WUHUA].head)
    assert proceeding.state == S.SETTLED and proceeding.settled_at is not None


def test_the_legal_review_can_send_the_agreement_back_with_reasons(fraud_case, offices):
    proceeding = step(open_dispute(fraud_case, offices), "start_consultation", offices[WUHOU].head)
    for code in (WUHOU, YUZHONG, NANMING):
        position(proceeding, code, offices, "propose", "建议五华", proposed=WUHUA)
    position(proceeding, WUHUA, offices, "claim")
    step(proceeding, "agree", offices[WUHUA].head)
    with pytest.raises(ValidationError):
        step(proceeding, "send_back_agreement", offices[WUHUA].legal, reason="")
    proceeding = step(proceeding, "send_back_agreement", offices[WUHUA].legal, reason="证据材料不全")
    assert proceeding.state == S.CONSULTING and proceeding.lead_unit is None


def dissent(proceeding, offices):
    position(proceeding, WUHOU, offices, "claim", "最初受理")
    position(proceeding, WUHUA, offices, "claim", "被害人多数在五华区")


def request_designation(proceeding, offices, by_code=WUHOU):
    return step(
        proceeding,
        "request_designation",
        offices[by_code].legal,
        fields={
            "suspects": "吉某某，男，1990年3月7日生，户籍地贵阳市南明区",
            "charge": "诈骗罪",
            "facts": "2026年4月以来，犯罪嫌疑人利用位于重庆的服务器实施电信网络诈骗",
            "dispute": "武侯区分局与五华区分局均主张管辖",
            "reasons": "被害人及损失集中在昆明",
            "proposed_unit": WUHUA,
        },
    )


@pytest.mark.parametrize(
    ("parties", "filing", "route", "superior"),
    [
        # Two branches of one city → the city bureau.
        (["510107", "510104"], "510107", ["510100"], "510100"),
        # Same province, different cities → the provincial department, through the city bureau.
        (["510107", "510703"], "510107", ["510100", "510000"], "510000"),
        # Different provinces → 公安部, level by level.
        (["510107", "530102"], "510107", ["510100", "510000", "000000"], "000000"),
        # A city bureau against its own branch: the bureau is the common superior and files to itself.
        (["510100", "510107"], "510100", ["510100"], "510100"),
    ],
)
def test_the_designation_route_goes_up_to_the_common_superior(db, parties, filing, route, superior):
    found, path = services.designation_route(unit(filing), [unit(code) for code in parties])
    assert found.code == superior
    assert [step.code for step in path] == route


def test_dissent_goes_up_level_by_level_to_the_ministry_which_designates_and_the_handover_settles(
    fraud_case, offices
):
    proceeding = step(open_dispute(fraud_case, offices), "start_consultation", offices[WUHOU].head)
    dissent(proceeding, offices)
    with pytest.raises(ValidationError):  # art 22 needs every part of the request
        step(proceeding, "request_designation", offices[WUHOU].legal, fields={"charge": "诈骗罪"})
    proceeding = request_designation(proceeding, offices)
    assert proceeding.state == S.DESIGNATION_REQUESTED
    request = proceeding.designation_requests.get()
    assert "武侯区分局" in request.consultation_record and "主张管辖" in request.consultation_record
    report = request.report_document
    assert report.kind == "report_for_approval" and report.approval_chain == ["legal_review", "approval"]
    with pytest.raises(ValidationError, match="report"):
        step(proceeding, "file_designation", offices[WUHOU].head)  # not reviewed and approved yet
    walk_document(report, offices[WUHOU])
    with pytest.raises(PermissionDenied):
        step(proceeding, "file_designation", offices[WUHOU].legal)  # the head files (art 22)
    proceeding = step(proceeding, "file_designation", offices[WUHOU].head)
    report.refresh_from_db()
    assert report.state == DocumentState.ISSUED and report.number
    assert proceeding.state == S.FORWARDING and proceeding.superior_unit.code == MPS
    assert proceeding.current_route_unit_id == unit(CHENGDU).pk
    # Only the unit holding the request on its way up may act on it.
    with pytest.raises(PermissionDenied):
        step(proceeding, "forward", offices[SICHUAN].head)
    proceeding = step(proceeding, "forward", offices[CHENGDU].head, reason="同意上报")
    assert proceeding.current_route_unit_id == unit(SICHUAN).pk
    proceeding = step(proceeding, "forward", offices[SICHUAN].legal, reason="同意上报")
    assert proceeding.state == S.AT_SUPERIOR
    assert [s.unit.code for s in RouteStep.objects.filter(proceeding=proceeding)] == [CHENGDU, SICHUAN]

    # At the ministry: its legal department reviews the decision, its head approves and signs it.
    decision = services.designation_decision_draft(
        proceeding=proceeding,
        by=offices[MPS].head,
        lead_unit=unit(WUHUA),
        reason="被害人及损失主要在昆明",
    )
    recipients = list(decision.recipients.values_list("name", flat=True))
    assert recipients[0] == "昆明市公安局五华区分局"
    assert {"成都市公安局武侯区分局", "重庆市公安局渝中区分局", "贵阳市公安局南明区分局"} <= set(recipients)
    # MPS-2020 art 23: copies go to the court and procuratorate at the issuing superior's level; the
    # ministry has none (DOMAIN.md §1), so its decision is copied to nobody outside the police.
    assert all(recipient.endswith("公安局") or "公安" in recipient for recipient in recipients)
    assert not any("法院" in recipient or "检察院" in recipient for recipient in recipients)
    with pytest.raises(ValidationError, match="decision"):
        step(proceeding, "designate", offices[MPS].head)
    walk_document(decision, offices[MPS])
    proceeding = step(proceeding, "designate", offices[MPS].head)
    decision.refresh_from_db()
    assert decision.state == DocumentState.ISSUED and decision.issuing_unit.code == MPS
    # Art 23 ¶2, 184: Chengdu's head approves its 移送案件通知书; issuing it opens the handover.
    assert proceeding.state == S.DESIGNATED and proceeding.lead_unit.code == WUHUA
    proceeding = hand_over_notice(proceeding, offices[WUHOU])
    assert proceeding.state == S.HANDOVER
    fraud_case.refresh_from_db()
    assert fraud_case.state == CaseState.UNDER_INVESTIGATION and fraud_case.lead_unit.code == WUHUA
    assert fraud_case.number.startswith("A510107")  # Chengdu's number and history stay
    history = list(
        TimelineEntry.objects.filter(target_type="cases.case", target_id=str(fraud_case.pk)).values_list(
            "action", flat=True
        )
    )
    assert history[:2] == ["open_jurisdiction_question", "settle_jurisdiction"]
    # The decision is served on all four parties (送达, with the time), copies on procuratorate and court.
    for recipient in decision.recipients.filter(unit__isnull=False):
        document_services.document_serve(recipient=recipient, by=offices[MPS].legal)
    assert decision.recipients.filter(unit__isnull=False, served_at__isnull=False).count() == 4

    # The handover: Chengdu writes the list, both sides sign the same list, complainants told.
    complainants = Deadline.objects.get(rule_key="notify_complainant_of_transfer")
    # CPL art 105: the day of the transfer is not counted; the third day ends at midnight.
    assert dt.timedelta(days=3) <= complainants.due_at - timezone.now() <= dt.timedelta(days=4)
    with pytest.raises(PermissionDenied):
        services.handover_item_add(
            proceeding=proceeding, by=offices[WUHUA].head, kind="file", description="x"
        )
    for kind, description in [
        ("suspect", "犯罪嫌疑人吉某某"),
        ("property", "扣押手机2部"),
        ("file", "案卷3册"),
    ]:
        services.handover_item_add(
            proceeding=proceeding, by=offices[WUHOU].investigator, kind=kind, description=description
        )
    digest = services.handover_digest(proceeding)
    services.handover_confirm(proceeding=proceeding, by=offices[WUHOU].head, digest=digest)
    with pytest.raises(Conflict):
        services.handover_confirm(proceeding=proceeding, by=offices[WUHUA].head, digest="stale")
    proceeding = services.handover_confirm(proceeding=proceeding, by=offices[WUHUA].head, digest=digest)
    assert proceeding.state == S.SETTLED
    handover_list = Document.objects.get(kind="handover_list", link_target_id=str(proceeding.pk))
    assert handover_list.state == DocumentState.ISSUED
    assert handover_list.snapshot["fields"]["items"][0]["description"] == "犯罪嫌疑人吉某某"
    services.complainants_notified(
        proceeding=proceeding, by=offices[WUHOU].investigator, note="2026年4月20日书面告知"
    )
    complainants.refresh_from_db()
    assert complainants.state == "met"


def test_a_list_changed_after_one_side_signed_needs_both_signatures_again(fraud_case, offices):
    proceeding = designated_to_wuhua(fraud_case, offices)
    services.handover_item_add(
        proceeding=proceeding, by=offices[WUHOU].investigator, kind="file", description="案卷1册"
    )
    services.handover_confirm(proceeding=proceeding, by=offices[WUHOU].head)
    services.handover_item_add(
        proceeding=proceeding, by=offices[WUHOU].investigator, kind="property", description="手机"
    )
    proceeding = services.handover_confirm(proceeding=proceeding, by=offices[WUHUA].head)
    assert proceeding.state == S.HANDOVER  # the sender signed an older list
    # Nobody settles by hand before both sides signed the list as it is now (MPS-2020 art 185).
    with pytest.raises(Conflict):
        step(proceeding, "settle", offices[WUHOU].head)
    services.handover_confirm(proceeding=proceeding, by=offices[WUHOU].head)
    proceeding.refresh_from_db()
    assert proceeding.state == S.SETTLED


def designated_to_wuhua(case, offices):
    proceeding = step(open_dispute(case, offices), "start_consultation", offices[WUHOU].head)
    proceeding = step(proceeding, "take_up", offices[MPS].legal, reason="案情重大，直接指定")
    decision = services.designation_decision_draft(
        proceeding=proceeding, by=offices[MPS].head, lead_unit=unit(WUHUA), reason="被害人集中"
    )
    walk_document(decision, offices[MPS])
    proceeding = step(proceeding, "designate", offices[MPS].head)
    return hand_over_notice(proceeding, offices[WUHOU])


def test_the_superior_may_designate_directly(fraud_case, offices):
    proceeding = step(open_dispute(fraud_case, offices), "start_consultation", offices[WUHOU].head)
    with pytest.raises(PermissionDenied):  # Sichuan is not above Kunming, Guiyang and Chongqing
        step(proceeding, "take_up", offices[SICHUAN].head, reason="直接指定")
    proceeding = step(proceeding, "take_up", offices[MPS].legal, reason="案情重大")
    assert proceeding.state == S.AT_SUPERIOR and proceeding.designated_directly
    assert proceeding.superior_unit.code == MPS


def test_a_designation_request_needs_a_dissent_or_a_passed_deadline(fraud_case, offices):
    proceeding = step(open_dispute(fraud_case, offices), "start_consultation", offices[WUHOU].head)
    position(proceeding, WUHUA, offices, "claim")
    with pytest.raises(ValidationError, match="第二十二条"):
        request_designation(proceeding, offices)
    # The consultation deadline passes with parties silent: any party may ask the superior.
    JurisdictionProceeding.objects.filter(pk=proceeding.pk).update(
        consultation_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    proceeding = request_designation(proceeding, offices, by_code=WUHUA)
    assert proceeding.state == S.DESIGNATION_REQUESTED
    assert proceeding.designation_requests.get().filing_unit.code == WUHUA


def test_a_middle_level_returns_the_request_and_the_filing_unit_files_it_again(fraud_case, offices):
    proceeding = step(open_dispute(fraud_case, offices), "start_consultation", offices[WUHOU].head)
    dissent(proceeding, offices)
    proceeding = request_designation(proceeding, offices)
    walk_document(proceeding.designation_requests.get().report_document, offices[WUHOU])
    proceeding = step(proceeding, "file_designation", offices[WUHOU].head)
    proceeding = step(proceeding, "forward", offices[CHENGDU].head, reason="同意")
    with pytest.raises(ValidationError):
        step(proceeding, "return_designation", offices[SICHUAN].head, reason="")
    proceeding = step(proceeding, "return_designation", offices[SICHUAN].head, reason="协商记录不完整")
    assert proceeding.state == S.DESIGNATION_REQUESTED
    assert RouteStep.objects.filter(proceeding=proceeding).last().action == "return"
    # The issued report stands; the head files again and it starts from the bottom of the route.
    proceeding = step(proceeding, "file_designation", offices[WUHOU].head)
    assert proceeding.state == S.FORWARDING and proceeding.current_route_unit_id == unit(CHENGDU).pk


def test_transfer_moves_the_case_with_its_notice_and_handover(offices):
    case = CaseFactory(
        accepting_unit=unit(WUHOU), state=CaseState.REGISTERED, created_by=offices[WUHOU].investigator
    )
    proceeding = services.proceeding_open(
        case=case, by=offices[WUHOU].head, kind="transfer", reason="犯罪地不在本辖区"
    )
    deadline = Deadline.objects.get(rule_key="transfer_case")
    # CPL art 105: the starting hour is not counted.
    assert dt.timedelta(hours=24) <= deadline.due_at - timezone.now() <= dt.timedelta(hours=25)
    proceeding = step(
        proceeding,
        "prepare_transfer",
        offices[WUHOU].head,
        reason="犯罪地在五华区",
        fields={"lead_unit": WUHUA},
    )
    assert proceeding.state == S.TRANSFERRING
    notice = Document.objects.get(kind="case_transfer_notice", link_target_id=str(proceeding.pk))
    walk_document(notice, offices[WUHOU])
    proceeding = step(proceeding, "start_handover", offices[WUHOU].head)
    notice.refresh_from_db()
    deadline.refresh_from_db()
    assert notice.state == DocumentState.ISSUED and deadline.state == "met"
    case.refresh_from_db()
    # Transferred at intake (MPS-2020 art 175): 五华 leads and decides on 立案 itself (art 178).
    assert case.lead_unit.code == WUHUA and case.state == CaseState.REGISTERED and not case.is_filed
    assert proceeding.state == S.HANDOVER


def test_only_the_parties_their_superiors_and_the_designating_superior_see_a_proceeding(
    fraud_case, offices, qinghai_investigator
):
    proceeding = open_dispute(fraud_case, offices)
    seers = [offices[code].investigator for code in (WUHOU, WUHUA, NANMING, YUZHONG, CHENGDU, SICHUAN, MPS)]
    for user in seers:
        assert proceeding_visible_to(user).filter(pk=proceeding.pk).exists(), user.username
    yunnan_neighbour = member("530103", Role.UNIT_HEAD)  # another Kunming branch, not a party
    for user in (qinghai_investigator, yunnan_neighbour):
        assert not proceeding_visible_to(user).filter(pk=proceeding.pk).exists()


def test_withdrawing_returns_the_case_to_investigation_under_its_unit(fraud_case, offices):
    proceeding = open_dispute(fraud_case, offices)
    proceeding = step(proceeding, "withdraw", offices[WUHOU].head, reason="争议已消除")
    assert proceeding.state == S.WITHDRAWN
    fraud_case.refresh_from_db()
    assert fraud_case.state == CaseState.UNDER_INVESTIGATION and fraud_case.lead_unit.code == WUHOU
