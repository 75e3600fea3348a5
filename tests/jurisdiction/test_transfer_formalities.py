"""Formalities whenever a case changes hands (MPS-2020 arts 175, 184, 185); designation (arts 22–24)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseState
from core.models import AuditEvent, Deadline, TimelineEntry
from documents.models import Document
from jurisdiction import services
from jurisdiction.models import ProceedingParty, ProceedingState
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, unit
from tests.support.jurisdiction import hand_over_notice, walk_document
from tests.support.units import CHENGDU, MPS, WUHOU, WUHUA

S = ProceedingState
JINJIANG = "510104"  # 成都市公安局锦江区分局


def step(proceeding, name, by, **kwargs):
    return services.proceeding_transition(proceeding=proceeding, name=name, by=by, **kwargs)


def transfer(case, offices):
    proceeding = services.proceeding_open(
        case=case, by=offices[WUHOU].head, kind="transfer", reason="犯罪地不在本辖区"
    )
    return step(
        proceeding,
        "prepare_transfer",
        offices[WUHOU].head,
        reason="犯罪地在五华区",
        fields={"lead_unit": WUHUA},
    )


def notice_of(proceeding) -> Document:
    return Document.objects.get(kind="case_transfer_notice", link_target_id=str(proceeding.pk))


def sign(proceeding, offices, *lines):
    for kind, description in lines:
        services.handover_item_add(
            proceeding=proceeding, by=offices[WUHOU].investigator, kind=kind, description=description
        )
    services.handover_confirm(proceeding=proceeding, by=offices[WUHOU].head)
    return services.handover_confirm(proceeding=proceeding, by=offices[WUHUA].head)


# --- MPS-2020 arts 175 and 184: before and after 立案 --------------------------------------------------


def test_a_transfer_at_intake_moves_within_24_hours_mps_2020_art_175(offices):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.REGISTERED)
    assert not services.case_is_filed(case)
    proceeding = transfer(case, offices)
    assert not proceeding.after_filing
    clock = Deadline.objects.get(rule_key="transfer_case")
    assert dt.timedelta(hours=24) <= clock.due_at - timezone.now() <= dt.timedelta(hours=25)
    notice = notice_of(proceeding)
    assert (
        "第一百七十五条" in notice.data["legal_basis"] and "第一百八十四条" not in notice.data["legal_basis"]
    )
    proceeding = hand_over_notice(proceeding, offices[WUHOU])
    clock.refresh_from_db()
    assert clock.state == "met"
    # Art 175 says the reporter is told (告知), with no period: no 3-day clock before 立案.
    assert not Deadline.objects.filter(rule_key="notify_complainant_of_transfer").exists()


def test_a_transfer_after_filing_needs_the_head_and_tells_the_complainants_in_3_days_mps_2020_art_184(
    offices,
):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    assert services.case_is_filed(case)
    proceeding = transfer(case, offices)
    assert proceeding.after_filing
    # No 24-hour limit after 立案; the head's approval of the notice instead.
    assert not Deadline.objects.filter(rule_key="transfer_case").exists()
    notice = notice_of(proceeding)
    assert (
        "第一百八十四条" in notice.data["legal_basis"] and "第一百七十五条" not in notice.data["legal_basis"]
    )
    assert notice.approval_chain == ["legal_review", "approval"]
    with pytest.raises(ValidationError, match="notice"):
        step(proceeding, "start_handover", offices[WUHOU].head)
    proceeding = hand_over_notice(proceeding, offices[WUHOU])
    assert proceeding.state == S.HANDOVER
    complainants = Deadline.objects.get(rule_key="notify_complainant_of_transfer")
    assert dt.timedelta(days=3) <= complainants.due_at - timezone.now() <= dt.timedelta(days=4)
    proceeding = sign(proceeding, offices, ("file", "案卷1册"))
    assert proceeding.state == S.SETTLED
    services.complainants_notified(
        proceeding=proceeding, by=offices[WUHOU].investigator, note="已书面告知报案人"
    )
    complainants.refresh_from_db()
    assert complainants.state == "met"


def test_the_family_of_a_suspect_in_custody_is_told_of_the_transfer_mps_2020_art_184(offices):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    proceeding = hand_over_notice(transfer(case, offices), offices[WUHOU])
    with pytest.raises(ValidationError, match=r"note.*(184|第一百八十四条)"):  # nobody in custody yet
        services.family_notified(proceeding=proceeding, by=offices[WUHOU].investigator, note="电话告知")
    proceeding = sign(proceeding, offices, ("suspect", "犯罪嫌疑人吉某某（已刑事拘留）"), ("file", "案卷1册"))
    assert services.family_notice_owed(proceeding)
    with pytest.raises(ValidationError, match="note"):
        services.family_notified(proceeding=proceeding, by=offices[WUHOU].investigator, note=" ")
    proceeding = services.family_notified(
        proceeding=proceeding, by=offices[WUHOU].investigator, note="2026年4月20日电话告知其父"
    )
    assert proceeding.family_notified_at is not None and not services.family_notice_owed(proceeding)
    assert AuditEvent.objects.filter(action="jurisdiction.family_notified").exists()
    assert TimelineEntry.objects.filter(action="family_notified", target_id=str(proceeding.pk)).exists()


def test_the_family_is_recorded_as_told_through_the_page_mps_2020_art_184(
    client, offices, qinghai_investigator
):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    proceeding = hand_over_notice(transfer(case, offices), offices[WUHOU])
    url = reverse("jurisdiction:family-notified", args=[proceeding.pk])
    page = reverse("jurisdiction:proceeding-detail", args=[proceeding.pk])
    client.force_login(offices[WUHOU].investigator)
    assert url not in client.get(page).text  # nobody in custody on the list yet
    proceeding = sign(proceeding, offices, ("suspect", "犯罪嫌疑人吉某某（已刑事拘留）"), ("file", "案卷1册"))
    assert url in client.get(page).text
    assert client.post(url, {"note": ""}).status_code == 400
    client.force_login(qinghai_investigator)
    assert client.post(url, {"note": "x"}).status_code == 404  # an uninvolved province sees nothing
    client.force_login(offices[WUHUA].investigator)
    assert client.post(url, {"note": "2026年4月20日电话告知其父"}).status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.family_notice == "2026年4月20日电话告知其父"
    assert url not in client.get(page).text


def test_the_family_is_recorded_as_told_through_the_api_mps_2020_art_184(offices):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    proceeding = hand_over_notice(transfer(case, offices), offices[WUHOU])
    proceeding = sign(proceeding, offices, ("suspect", "犯罪嫌疑人吉某某（已逮捕）"), ("file", "案卷1册"))
    url = f"/api/v1/jurisdiction-proceedings/{proceeding.pk}/"
    receiver = token_client(offices[WUHUA].investigator)
    body = receiver.get(url).json()
    assert body["family_notice_owed"] and body["family_notified_at"] is None
    refused = receiver.post(f"{url}family-notified/", {"note": ""}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()["fields"]
    body = receiver.post(f"{url}family-notified/", {"note": "已电话告知其妻"}, format="json").json()
    assert not body["family_notice_owed"] and body["family_notice"] == "已电话告知其妻"
    assert body["timeline"][-1]["action"] == "family_notified"


def test_the_handover_list_carries_the_files_and_both_sides_sign_it_mps_2020_art_185(offices):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    proceeding = hand_over_notice(transfer(case, offices), offices[WUHOU])
    for kind, description in [("property", "扣押手机2部"), ("evidence", "电子数据光盘1张")]:
        services.handover_item_add(
            proceeding=proceeding, by=offices[WUHOU].investigator, kind=kind, description=description
        )
    with pytest.raises(ValidationError, match=r"items.*(185|第一百八十五条)"):  # the files travel too
        services.handover_confirm(proceeding=proceeding, by=offices[WUHOU].head)
    proceeding = sign(proceeding, offices, ("file", "案卷2册、法律文书"))
    assert proceeding.state == S.SETTLED
    handover_list = Document.objects.get(kind="handover_list", link_target_id=str(proceeding.pk))
    assert len(handover_list.snapshot["fields"]["items"]) == 3
    assert set(proceeding.handover_items.values_list("kind", flat=True)) == {"property", "evidence", "file"}
    assert proceeding.handover_confirmations.count() == 2


# --- designation (MPS-2020 arts 22–24) ---------------------------------------------------------------


def city_dispute(offices):
    """Two Chengdu branches dispute a case: the city bureau is their common superior."""
    case = CaseFactory(name="6·01 诈骗案", accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    CaseLocationFactory(case=case, division_code=JINJIANG)
    proceeding = services.proceeding_open(
        case=case, by=offices[WUHOU].head, reason="两区均有管辖依据", extra_units=[unit(JINJIANG)]
    )
    return step(proceeding, "start_consultation", offices[WUHOU].head)


def test_the_city_superior_may_take_the_case_itself_mps_2020_art_24(offices):
    proceeding = city_dispute(offices)
    proceeding = step(proceeding, "take_up", offices[CHENGDU].head, reason="重大跨区域案件，由市局负责侦查")
    assert proceeding.superior_unit.code == CHENGDU
    decision = services.designation_decision_draft(
        proceeding=proceeding,
        by=offices[CHENGDU].head,
        lead_unit=unit(CHENGDU),
        reason="案情重大，由市局侦查",
    )
    # Art 23: copied to the procuratorate and the (intermediate) court at the issuing superior's level.
    names = list(decision.recipients.values_list("name", flat=True))
    assert names[0] == "成都市公安局"
    assert "成都市人民检察院" in names and "成都市中级人民法院" in names
    walk_document(decision, offices[CHENGDU])
    proceeding = step(proceeding, "designate", offices[CHENGDU].head)
    assert proceeding.state == S.DESIGNATED and proceeding.lead_unit.code == CHENGDU
    assert ProceedingParty.objects.filter(proceeding=proceeding, unit__code=CHENGDU).exists()
    proceeding.case.refresh_from_db()
    assert proceeding.case.lead_unit.code == CHENGDU
    # The unit giving the case up issues its notice (arts 23 ¶2, 184), then hands it over.
    assert "第二十三条" in notice_of(proceeding).data["legal_basis"]
    proceeding = hand_over_notice(proceeding, offices[WUHOU])
    assert proceeding.state == S.HANDOVER


def test_the_superior_may_designate_a_unit_outside_the_dispute_mps_2020_art_22(fraud_case, offices):
    proceeding = services.proceeding_open(case=fraud_case, by=offices[WUHOU].head, reason="多地均有管辖依据")
    proceeding = step(proceeding, "start_consultation", offices[WUHOU].head)
    proceeding = step(proceeding, "take_up", offices[MPS].legal, reason="案情重大，直接指定")
    kunming = unit("530100")
    assert not ProceedingParty.objects.filter(proceeding=proceeding, unit=kunming).exists()
    decision = services.designation_decision_draft(
        proceeding=proceeding, by=offices[MPS].head, lead_unit=kunming, reason="被害人集中在昆明"
    )
    names = list(decision.recipients.values_list("name", flat=True))
    assert names[0] == "昆明市公安局"
    # Art 23: the ministry has no court or procuratorate at its level (DOMAIN.md §1): no copies.
    assert not any("法院" in name or "检察院" in name for name in names)
    walk_document(decision, offices[MPS])
    proceeding = step(proceeding, "designate", offices[MPS].head)
    assert proceeding.lead_unit == kunming
    assert ProceedingParty.objects.filter(proceeding=proceeding, unit=kunming).exists()
    fraud_case.refresh_from_db()
    assert fraud_case.lead_unit == kunming


def test_a_superior_designates_only_units_under_it_mps_2020_art_22(offices):
    proceeding = step(city_dispute(offices), "take_up", offices[CHENGDU].head, reason="直接指定")
    with pytest.raises(ValidationError, match="lead_unit"):
        services.designation_decision_draft(
            proceeding=proceeding, by=offices[CHENGDU].head, lead_unit=unit(WUHUA), reason="x"
        )


@pytest.mark.parametrize(
    ("code", "copies"),
    [
        ("000000", []),  # 公安部: no 同级 court or procuratorate
        ("510000", ["四川省人民检察院", "四川省高级人民法院"]),
        ("500000", ["重庆市人民检察院", "重庆市高级人民法院"]),
        ("510100", ["成都市人民检察院", "成都市中级人民法院"]),
        ("513400", ["凉山彝族自治州人民检察院", "凉山彝族自治州中级人民法院"]),
        ("542500", ["西藏自治区人民检察院阿里分院", "阿里地区中级人民法院"]),
        ("530102", ["昆明市五华区人民检察院", "昆明市五华区人民法院"]),
        ("500103", ["重庆市渝中区人民检察院", "重庆市渝中区人民法院"]),
    ],
)
def test_copies_go_to_the_court_and_procuratorate_at_the_issuing_superiors_level_mps_2020_art_23(
    db, code, copies
):
    assert services.judicial_recipients(unit(code)) == copies
