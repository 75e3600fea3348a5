"""Resolutions that act: nothing before the 纪要 is issued, then each once, failures flagged (§11).

The minutes are built directly in the state a test needs (tests/support/factories/meetings.py style) and
published by hand with an issued Document, then `resolutions_apply` is called as the minutes'
`issue` step calls it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import Case, CaseParty, CaseState, HandlingCode, LocationRole, PartyRole
from core.api import Conflict
from core.models import AuditEvent, Deadline, DeadlineState
from jurisdiction import services as jurisdiction_services
from jurisdiction.models import JurisdictionProceeding, ProceedingParty, ProceedingState
from meetings import resolutions
from meetings.models import (
    ActionItem,
    ApplyState,
    JointMeeting,
    MeetingState,
    Minutes,
    MinutesState,
    NormativeDocument,
    NormativeStatus,
    Resolution,
)
from meetings.selectors import normative_search
from organisation.models import Role, User
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, CasePersonFactory, unit
from tests.support.factories.organisation import member
from tests.support.meetings import issue, minutes_in, notified, publish
from tests.support.units import CHONGQING, GUIZHOU, SICHUAN

WUHOU, YUZHONG, WUHUA, NANMING, CHENGDU, MPS = "510107", "500103", "530102", "520102", "510100", "000000"
S = ProceedingState


# --- builders (the shared ones are in tests/support/meetings.py) -----------------------------------


def move_to(minutes: Minutes, state: str) -> Minutes:
    """Put minutes (and their meeting) in a later state, as the minutes services would."""
    meeting_state = {
        MinutesState.CIRCULATING: MeetingState.MINUTES_CIRCULATING,
        MinutesState.SIGNED: MeetingState.MINUTES_SIGNED,
        MinutesState.PUBLISHED: MeetingState.PUBLISHED,
    }[state]
    Minutes.objects.filter(pk=minutes.pk).update(state=state)
    JointMeeting.objects.filter(pk=minutes.meeting_id).update(state=meeting_state)
    return Minutes.objects.select_related("meeting__series", "meeting__host_unit").get(pk=minutes.pk)


def audit_count(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- the dispute the meeting settles -----------------------------------------------------------------


@dataclass
class Dispute:
    case: Case
    proceeding: JurisdictionProceeding
    wuhou_head: User


@pytest.fixture
def dispute(db) -> Dispute:
    """A fraud case accepted by 武侯, with server in 渝中 and victims in 五华: a consultation under way."""
    wuhou_head = member(WUHOU, Role.UNIT_HEAD, username="res_wuhou_head")
    case = CaseFactory(
        name="4·15 电信网络诈骗案",
        accepting_unit=unit(WUHOU),
        state=CaseState.UNDER_INVESTIGATION,
        created_by=wuhou_head,
    )
    CaseLocationFactory(case=case, role=LocationRole.SERVER, division_code=YUZHONG, address="渝中区某机房")
    CaseLocationFactory(
        case=case,
        role=LocationRole.VICTIM_LOSS,
        division_code=WUHUA,
        victim_count=37,
        loss_amount=Decimal("1250000.00"),
    )
    CasePersonFactory(case=case, name="吉某某")
    proceeding = jurisdiction_services.proceeding_open(
        case=case, by=wuhou_head, reason="多地均有管辖依据，需协商确定主办单位"
    )
    proceeding = jurisdiction_services.proceeding_transition(
        proceeding=proceeding, name="start_consultation", by=wuhou_head
    )
    assert proceeding.state == S.CONSULTING
    return Dispute(case=case, proceeding=proceeding, wuhou_head=wuhou_head)


def add_jurisdiction(minutes, office, dispute, *, lead=CHONGQING, assisting=(WUHOU,)) -> Resolution:
    return resolutions.resolution_add(
        minutes=minutes,
        by=office.liaison,
        kind="jurisdiction",
        text="4·15电信网络诈骗案由重庆市公安局牵头侦办，武侯区分局协助。",
        proceeding=dispute.proceeding,
        lead_unit=lead,
        assisting_units=list(assisting),
    )


# --- tests -------------------------------------------------------------------------------------------


def test_nothing_changes_before_the_minutes_are_issued(provinces, pan_southwest, dispute):
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    jurisdiction = add_jurisdiction(minutes, host, dispute)
    action = resolutions.resolution_add(
        minutes=minutes,
        by=host.liaison,
        kind="action_item",
        text="南明区分局五日内完成犯罪嫌疑人身份核查。",
        owner_unit=NANMING,
        task="核查犯罪嫌疑人身份信息",
        due_in_days=5,
    )
    norm = resolutions.resolution_add(
        minutes=minutes,
        by=host.liaison,
        kind="normative_document",
        text="通过《泛西南跨区域案件协作规范》。",
        normative_title="泛西南跨区域案件协作规范",
        normative_text="第一条 为规范跨区域案件协作……",
    )
    note = resolutions.resolution_add(
        minutes=minutes, by=host.liaison, kind="note", text="下次会议由四川省公安厅承办。"
    )
    assert [r.number for r in (jurisdiction, action, norm, note)] == [1, 2, 3, 4]
    # Only the host's liaison officer drafts, and only while drafting.
    with pytest.raises(PermissionDenied):
        resolutions.resolution_add(minutes=minutes, by=host.head, kind="note", text="另行研究。")
    # A typed field of another kind, a unit outside every member's area, a missing field: 400 by name.
    with pytest.raises(ValidationError) as refused:
        resolutions.resolution_add(
            minutes=minutes, by=host.liaison, kind="note", text="x", owner_unit=NANMING
        )
    assert "owner_unit" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        add_jurisdiction(minutes, host, dispute, lead=GUIZHOU)  # one decision per proceeding
    assert "proceeding" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        resolutions.resolution_add(
            minutes=minutes, by=host.liaison, kind="action_item", text="x", owner_unit=MPS, task="y"
        )
    assert {"owner_unit", "due_in_days"} <= set(refused.value.message_dict)
    resolutions.resolutions_validate(minutes)

    head = host.head
    for state in (MinutesState.DRAFTING, MinutesState.CIRCULATING, MinutesState.SIGNED):
        minutes = move_to(minutes, state) if state != MinutesState.DRAFTING else minutes
        if state != MinutesState.DRAFTING:
            with pytest.raises(Conflict):
                resolutions.resolution_add(minutes=minutes, by=host.liaison, kind="note", text="z")
        with pytest.raises(Conflict):
            resolutions.resolutions_apply(minutes=minutes, by=head, document=None)
        # Not even the host's head can bring the agreement in by hand before the 纪要 is issued.
        with pytest.raises(PermissionDenied):
            jurisdiction_services.proceeding_agree_by_resolution(
                proceeding=dispute.proceeding,
                by=head,
                lead_unit=unit(CHONGQING),
                citation="《泛西南警务合作联席会议纪要》第1项",
                reference=f"meetings.resolution:{jurisdiction.pk}",
                acting_unit_code=CHONGQING,
            )
        dispute.proceeding.refresh_from_db()
        assert dispute.proceeding.state == S.CONSULTING and dispute.proceeding.lead_unit is None
        assert not ProceedingParty.objects.filter(
            proceeding=dispute.proceeding, unit__code=CHONGQING
        ).exists()
        assert not ActionItem.objects.exists()
        assert not Deadline.objects.filter(target_type="meetings.actionitem").exists()
        assert not NormativeDocument.objects.exists()
        assert set(Resolution.objects.values_list("apply_state", flat=True)) == {ApplyState.PENDING}
        assert not AuditEvent.objects.filter(action="meetings.resolution.apply").exists()

    document = issue(minutes, head)
    states = dict(Resolution.objects.values_list("number", "apply_state"))
    assert states == dict.fromkeys((1, 2, 3, 4), ApplyState.APPLIED)
    assert ActionItem.objects.count() == 1 and NormativeDocument.objects.count() == 1
    assert audit_count("meetings.resolution.apply") == 4
    event = AuditEvent.objects.filter(action="meetings.resolution.apply", target_id=str(note.pk)).get()
    assert event.payload["minutes_number"] == document.number and event.payload["number"] == 4


def test_drafting_renumbers_and_changes_kind(provinces, pan_southwest):
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    first, _second, third = (
        resolutions.resolution_add(minutes=minutes, by=host.liaison, kind="note", text=text)
        for text in ("一", "二", "三")
    )
    resolutions.resolution_remove(resolution=first, by=host.liaison)
    assert list(minutes.resolutions.values_list("text", "number")) == [("二", 1), ("三", 2)]
    changed = resolutions.resolution_update(
        resolution=third,
        by=host.liaison,
        kind="action_item",
        owner_unit=GUIZHOU,
        task="汇总各地协查反馈",
        due_on=timezone.localdate() + dt.timedelta(days=20),
    )
    assert changed.kind == "action_item" and changed.owner_unit.code == GUIZHOU and changed.number == 2
    with pytest.raises(ValidationError) as refused:
        resolutions.resolution_update(resolution=changed, by=host.liaison, due_in_days=10)
    assert "due_in_days" in refused.value.message_dict  # both a number of days and a date
    back = resolutions.resolution_update(resolution=changed, by=host.liaison, kind="note")
    assert back.owner_unit is None and back.task == "" and back.due_on is None
    assert audit_count("meetings.resolution.remove") == 1 and audit_count("meetings.resolution.update") == 2


def test_jurisdiction_decision_stays_within_the_series_and_off_restricted_cases(
    provinces, pan_southwest, chuanyu_legal, dispute
):
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    with pytest.raises(ValidationError) as refused:
        add_jurisdiction(minutes, host, dispute, lead=MPS)  # the ministry is no member's area
    assert set(refused.value.message_dict) == {"lead_unit"}
    # 川渝 alone cannot settle a dispute in which 五华 (Yunnan) and 南明 (Guizhou) are parties.
    legal = minutes_in(chuanyu_legal, provinces[SICHUAN])
    with pytest.raises(ValidationError) as refused:
        add_jurisdiction(legal, provinces[SICHUAN], dispute, lead=SICHUAN)
    assert set(refused.value.message_dict) == {"proceeding"}
    Case.objects.filter(pk=dispute.case.pk).update(handling_code=HandlingCode.RESTRICTED)
    with pytest.raises(ValidationError) as refused:
        add_jurisdiction(minutes, host, dispute)
    assert set(refused.value.message_dict) == {"proceeding"}
    assert not Resolution.objects.exists()


def test_signed_resolution_agrees_proceeding_then_legal_review_sets_lead_once(
    provinces, pan_southwest, dispute
):
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    resolution = add_jurisdiction(minutes, host, dispute)
    move_to(minutes, MinutesState.SIGNED)
    document = issue(minutes, host.head)

    citation = f"《泛西南警务合作联席会议纪要》（{document.number}）第1项"
    proceeding = JurisdictionProceeding.objects.get(pk=dispute.proceeding.pk)
    assert proceeding.state == S.AGREED and proceeding.lead_unit.code == CHONGQING
    assert proceeding.agreement_citation == citation
    assert proceeding.agreement_reference == f"meetings.resolution:{resolution.pk}"
    assert proceeding.outcome_reason == f"经{citation}议定"
    assert [u.code for u in proceeding.assisting_units.all()] == [WUHOU]
    # Chongqing was not a party: it is one now, in the proceeding and in the case.
    assert ProceedingParty.objects.filter(proceeding=proceeding, unit__code=CHONGQING).exists()
    assert CaseParty.objects.filter(
        case=dispute.case, unit__code=CHONGQING, role=PartyRole.PROCEEDING
    ).exists()
    # The consultation clock stops; Chongqing's legal department is asked to review.
    consultation = Deadline.objects.get(target_id=str(proceeding.pk), rule_key="jurisdiction_consultation")
    assert consultation.state == DeadlineState.MET
    assert host.legal.pk in notified(
        f"jurisdiction:{proceeding.pk}:agreed_by_resolution:meetings.resolution:{resolution.pk}"
    )
    # The audit trail cites the 纪要 by its number.
    event = AuditEvent.objects.get(action="jurisdiction.jurisdictionproceeding.agree_by_resolution")
    assert event.payload["citation"] == citation and document.number in event.payload["citation"]
    assert event.actor_id == host.head.pk and event.acting_unit_code == CHONGQING
    applied = AuditEvent.objects.get(action="meetings.resolution.apply")
    assert applied.payload["minutes_number"] == document.number
    assert applied.payload["result"] == ["jurisdiction.jurisdictionproceeding", str(proceeding.pk)]
    resolution.refresh_from_db()
    assert resolution.apply_state == ApplyState.APPLIED and resolution.attempts == 1
    # The case's lead does not move until the legal review approves.
    dispute.case.refresh_from_db()
    assert dispute.case.state == CaseState.JURISDICTION_PENDING and dispute.case.lead_unit.code == WUHOU

    # Applying again, or retrying, changes nothing.
    events = AuditEvent.objects.count()
    resolutions.resolutions_apply(minutes=minutes, by=host.head, document=document)
    with pytest.raises(Conflict):
        resolutions.resolution_retry(resolution=resolution, by=host.head)
    assert AuditEvent.objects.count() == events
    assert JurisdictionProceeding.objects.get(pk=proceeding.pk).state == S.AGREED

    # Legal review by the lead's legal department: the lead changes now, once.
    with pytest.raises(PermissionDenied):
        jurisdiction_services.proceeding_transition(
            proceeding=proceeding, name="approve_agreement", by=provinces[SICHUAN].legal
        )
    jurisdiction_services.proceeding_transition(
        proceeding=proceeding, name="approve_agreement", by=host.legal, reason="经审核，管辖依据充分"
    )
    dispute.case.refresh_from_db()
    assert dispute.case.state == CaseState.UNDER_INVESTIGATION and dispute.case.lead_unit.code == CHONGQING
    assert CaseParty.objects.filter(case=dispute.case, unit__code=WUHOU, role=PartyRole.ASSISTING).exists()
    assert audit_count("cases.case.settle_jurisdiction") == 1
    # A later call with the same reference (a re-run of the issue) leaves the settled proceeding alone.
    again = jurisdiction_services.proceeding_agree_by_resolution(
        proceeding=proceeding,
        by=host.head,
        lead_unit=unit(SICHUAN),
        citation=citation,
        reference=f"meetings.resolution:{resolution.pk}",
    )
    # The case changes hands (MPS-2020 arts 184, 185): 武侯's notice and the handover come next.
    assert again.state == S.TRANSFERRING and again.lead_unit.code == CHONGQING
    resolutions.resolutions_apply(minutes=minutes, by=host.head, document=document)
    assert audit_count("jurisdiction.jurisdictionproceeding.agree_by_resolution") == 1
    assert audit_count("cases.case.settle_jurisdiction") == 1


def test_resolution_on_a_moved_on_proceeding_fails_and_is_flagged(provinces, pan_southwest, dispute):
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    resolution = add_jurisdiction(minutes, host, dispute)
    note = resolutions.resolution_add(
        minutes=minutes, by=host.liaison, kind="note", text="下次会议由四川省公安厅承办。"
    )
    # The proceeding moves on while the minutes are out for signature.
    jurisdiction_services.proceeding_transition(
        proceeding=dispute.proceeding, name="withdraw", by=dispute.wuhou_head, reason="案件已并案处理"
    )
    with pytest.raises(ValidationError) as refused:
        resolutions.resolutions_validate(minutes)
    (message,) = refused.value.message_dict["resolutions"]
    assert "1" in message and "proceeding" in message

    move_to(minutes, MinutesState.SIGNED)
    document = issue(minutes, host.head)
    resolution.refresh_from_db()
    note.refresh_from_db()
    assert resolution.apply_state == ApplyState.FAILED and resolution.attempts == 1
    assert resolution.apply_error
    assert note.apply_state == ApplyState.APPLIED  # its own savepoint: one failure holds up nothing else
    minutes.refresh_from_db()
    assert minutes.state == MinutesState.PUBLISHED and minutes.document_id == document.pk  # stays issued
    failed = AuditEvent.objects.get(action="meetings.resolution.failed")
    assert failed.payload["minutes_number"] == document.number and failed.payload["number"] == 1
    assert notified(f"resolution:{resolution.pk}:failed:1") == {host.liaison.pk, host.head.pk}
    proceeding = JurisdictionProceeding.objects.get(pk=dispute.proceeding.pk)
    assert proceeding.state == S.WITHDRAWN and proceeding.agreement_citation == ""
    assert not ProceedingParty.objects.filter(proceeding=proceeding, unit__code=CHONGQING).exists()

    # Only the host's head retries; the obstacle is still there, so it fails again and says so.
    with pytest.raises(PermissionDenied):
        resolutions.resolution_retry(resolution=resolution, by=host.liaison)
    with pytest.raises(Conflict):
        resolutions.resolution_retry(resolution=note, by=host.head)
    retried = resolutions.resolution_retry(resolution=resolution, by=host.head)
    assert retried.apply_state == ApplyState.FAILED and retried.attempts == 2
    assert notified(f"resolution:{resolution.pk}:failed:2") == {host.liaison.pk, host.head.pk}
    assert JurisdictionProceeding.objects.get(pk=proceeding.pk).state == S.WITHDRAWN


def test_only_the_host_head_brings_the_agreement_in(provinces, pan_southwest, dispute):
    """Applied by anyone else, the resolution fails and its savepoint leaves nothing behind."""
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    resolution = add_jurisdiction(minutes, host, dispute, lead=GUIZHOU)
    document = publish(minutes, host.head)
    resolutions.resolutions_apply(minutes=minutes, by=provinces[SICHUAN].head, document=document)
    resolution.refresh_from_db()
    assert resolution.apply_state == ApplyState.FAILED
    proceeding = JurisdictionProceeding.objects.get(pk=dispute.proceeding.pk)
    assert proceeding.state == S.CONSULTING
    assert not ProceedingParty.objects.filter(proceeding=proceeding, unit__code=GUIZHOU).exists()
    # The host's head retries, and the agreement comes in.
    resolutions.resolution_retry(resolution=resolution, by=host.head)
    proceeding.refresh_from_db()
    assert proceeding.state == S.AGREED and proceeding.lead_unit.code == GUIZHOU


def test_normative_document_is_registered_and_searchable(
    provinces, chuanyu_legal, qinghai_investigator, auditor, django_assert_num_queries
):
    host = provinces[SICHUAN]
    minutes = minutes_in(chuanyu_legal, host)
    for title, text in (
        (
            "川渝公安机关跨区域异地办案协作规范（试行）",
            "第一条 异地传唤、拘传犯罪嫌疑人的，协作地公安机关应当配合。",
        ),
        ("川渝公安机关涉案财物移交办法", "第一条 涉案财物随案移交，双方共同签字确认。"),
    ):
        resolutions.resolution_add(
            minutes=minutes,
            by=host.liaison,
            kind="normative_document",
            text=f"会议审议通过《{title}》。",
            normative_title=title,
            normative_text=text,
        )
    document = issue(minutes, host.head)

    entries = list(NormativeDocument.objects.order_by("id"))
    assert [entry.resolution.number for entry in entries] == [1, 2]
    for entry in entries:
        assert entry.series == chuanyu_legal and entry.status == NormativeStatus.IN_FORCE
        assert entry.minutes_number == document.number and entry.minutes_document == document
        assert entry.adopted_on == timezone.localdate()
    assert audit_count("meetings.normativedocument.adopt") == 2

    chengdu = member(CHENGDU, Role.INVESTIGATOR, username="chengdu_reader")
    mps = member(MPS, Role.LEGAL_OFFICER, username="mps_reader")
    for user in (chengdu, mps, host.head):
        assert list(normative_search(user, q="异地传唤")) == [entries[0]]
        assert list(normative_search(user, q="移交办法")) == [entries[1]]
        assert (
            list(normative_search(user, series=chuanyu_legal)) == entries[::-1]
        )  # same day: newest id first
    assert list(normative_search(chengdu, q="不存在的规定")) == []
    assert list(normative_search(chengdu, status=NormativeStatus.REPEALED)) == []
    with pytest.raises(ValidationError):
        normative_search(chengdu, status="bogus")
    # Outside the member areas (Guizhou is no member of this series), and no operational standing: nothing.
    for outsider in (provinces[GUIZHOU].head, qinghai_investigator, auditor):
        assert list(normative_search(outsider)) == []
    # One query for the search, whatever the number of entries.
    normative_search(chengdu)  # reads the user's standing once
    with django_assert_num_queries(1):
        rows = list(normative_search(chengdu, q="川渝"))
        assert [row.series.name for row in rows] == [chuanyu_legal.name] * 2


# --- what the proceeding field lets a drafter learn -------------------------------------------------


def a_dispute(accepting: str, codes, *, by, handling=HandlingCode.NORMAL, state=S.CONSULTING):
    """Create a dispute directly, with `codes` as its parties (as the agenda tests do)."""
    case = CaseFactory(
        name="7·02 跨省网络赌博案",
        accepting_unit=unit(accepting),
        state=CaseState.UNDER_INVESTIGATION,
        handling_code=handling,
        created_by=by,
    )
    proceeding = JurisdictionProceeding.objects.create(
        case=case,
        kind="dispute",
        state=state,
        opened_by=by,
        opening_unit=case.accepting_unit,
        holding_unit=case.accepting_unit,
        reason="犯罪地与犯罪嫌疑人居住地分属两地，管辖有争议",
    )
    for code in codes:
        ProceedingParty.objects.create(proceeding=proceeding, unit=unit(code))
    return proceeding


def test_proceeding_field_cannot_probe_proceedings_outside_the_series(
    provinces, pan_southwest, chuanyu_legal
):
    """A host liaison naming a proceeding it may not take up learns only "no such proceeding"."""
    host = provinces[CHONGQING]
    wuhua_head = member(WUHUA, Role.UNIT_HEAD, username="probe_wuhua_head")
    # Between 五华 (Yunnan) and 南明 (Guizhou), neither a member of 川渝, and long withdrawn.
    elsewhere = a_dispute(WUHUA, (WUHUA, NANMING), by=wuhua_head, state=S.WITHDRAWN)
    # Between two members of 泛西南, but restricted; the host (Chongqing) is no party.
    restricted = a_dispute(WUHUA, (WUHUA, NANMING), by=wuhua_head, handling=HandlingCode.RESTRICTED)
    missing = JurisdictionProceeding.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    legal = minutes_in(chuanyu_legal, host)
    southwest = minutes_in(pan_southwest, host)
    generic = {"proceeding": [str(resolutions.NO_SUCH_PROCEEDING)]}
    said = []
    for minutes, proceeding in (
        (legal, elsewhere.pk),
        (legal, str(elsewhere.pk)),
        (southwest, restricted.pk),
        (legal, missing),
        (legal, "²"),
    ):
        with pytest.raises(ValidationError) as refused:
            resolutions.resolution_add(
                minutes=minutes,
                by=host.liaison,
                kind="jurisdiction",
                text="x",
                proceeding=proceeding,
                lead_unit=CHONGQING,
            )
        assert {"proceeding": refused.value.message_dict["proceeding"]} == generic
        said.append(" ".join(refused.value.messages))
    # Nothing about the state, the handling code or the parties of the real ones: the same words
    # as for an id that does not exist.
    assert len(set(said)) == 1
    for word in (unit(WUHUA).name, unit(NANMING).name, str(S.WITHDRAWN.label), "restricted", "限制"):
        assert word not in said[0]
    assert not Resolution.objects.exists()

    # Not restricted, between members: the series may take it up though the host is no party.
    Case.objects.filter(pk=restricted.case_id).update(handling_code=HandlingCode.NORMAL)
    agreed = resolutions.resolution_add(
        minutes=southwest,
        by=host.liaison,
        kind="jurisdiction",
        text="7·02案由五华区分局主办。",
        proceeding=restricted.pk,
        lead_unit=WUHUA,
    )
    assert agreed.proceeding_id == restricted.pk


def test_failed_resolution_names_no_unit_outside_the_series(provinces, chuanyu_legal):
    """A party outside the members joins after drafting: the failure says so without naming it."""
    host = provinces[CHONGQING]
    wuhou_head = member(WUHOU, Role.UNIT_HEAD, username="outside_wuhou_head")
    proceeding = a_dispute(WUHOU, (WUHOU, YUZHONG), by=wuhou_head)
    minutes = minutes_in(chuanyu_legal, host)
    resolution = resolutions.resolution_add(
        minutes=minutes,
        by=host.liaison,
        kind="jurisdiction",
        text="7·02案由渝中区分局主办。",
        proceeding=proceeding.pk,
        lead_unit=YUZHONG,
    )
    ProceedingParty.objects.create(proceeding=proceeding, unit=unit(WUHUA))  # Yunnan: no member

    with pytest.raises(ValidationError) as refused:
        resolutions.resolutions_validate(minutes)
    (message,) = refused.value.message_dict["resolutions"]
    assert unit(WUHUA).name not in message and str(resolutions.NO_SUCH_PROCEEDING) in message

    move_to(minutes, MinutesState.SIGNED)
    issue(minutes, host.head)
    resolution.refresh_from_db()
    assert resolution.apply_state == ApplyState.FAILED
    assert unit(WUHUA).name not in resolution.apply_error and WUHUA not in resolution.apply_error
    failed = AuditEvent.objects.get(action="meetings.resolution.failed")
    assert unit(WUHUA).name not in failed.payload["error"]
    assert JurisdictionProceeding.objects.get(pk=proceeding.pk).state == S.CONSULTING


@pytest.mark.parametrize("bad", ["²", "١٢", "1" * 19, "1.0"])
def test_ids_that_are_not_ascii_digits_are_refused_by_field(provinces, pan_southwest, bad):
    """`str.isdigit()` takes "²" and int() then fails (a 500): each id field answers 400 by name, and a
    resolution named in the path 404."""
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    note = resolutions.resolution_add(minutes=minutes, by=host.liaison, kind="note", text="另行研究。")
    cases = (
        (
            "agenda_item",
            lambda: resolutions.resolution_add(
                minutes=minutes, by=host.liaison, kind="note", text="x", agenda_item=bad
            ),
        ),
        (
            "proceeding",
            lambda: resolutions.resolution_add(
                minutes=minutes,
                by=host.liaison,
                kind="jurisdiction",
                text="x",
                proceeding=bad,
                lead_unit=CHONGQING,
            ),
        ),
        (
            "repeals",
            lambda: resolutions.resolution_add(
                minutes=minutes,
                by=host.liaison,
                kind="normative_document",
                text="x",
                normative_title="t",
                normative_text="t",
                repeals=[bad],
            ),
        ),
        (
            "agenda_item",
            lambda: resolutions.resolution_update(resolution=note, by=host.liaison, agenda_item=bad),
        ),
    )
    for field, call in cases:
        with pytest.raises(ValidationError) as refused:
            call()
        assert set(refused.value.message_dict) == {field}
    # A resolution named in the path is read by the adapter in these minutes: not found (the services
    # take the resolution it read, never an id).
    path = f"/api/v1/meetings/{minutes.meeting_id}/minutes/resolutions/{bad}/"
    assert token_client(host.liaison).patch(path, {"text": "y"}, format="json").status_code == 404
    assert token_client(host.liaison).delete(path).status_code == 404
    assert token_client(host.head).post(f"{path}retry/").status_code == 404
    assert list(Resolution.objects.all()) == [note]


def test_a_resolution_removed_while_waiting_for_the_minutes_lock_is_refused(
    provinces, pan_southwest, monkeypatch
):
    host = provinces[CHONGQING]
    minutes = minutes_in(pan_southwest, host)
    note = resolutions.resolution_add(minutes=minutes, by=host.liaison, kind="note", text="另行研究。")
    lock = resolutions._lock_minutes

    def lock_after_the_other_removed_it(minutes_id):
        Resolution.objects.filter(pk=note.pk).delete()
        return lock(minutes_id)

    monkeypatch.setattr(resolutions, "_lock_minutes", lock_after_the_other_removed_it)
    for call in (
        lambda: resolutions.resolution_update(resolution=note, by=host.liaison, text="改"),
        lambda: resolutions.resolution_remove(resolution=note, by=host.liaison),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert set(refused.value.message_dict) == {"resolution"}
    assert audit_count("meetings.resolution.update") == audit_count("meetings.resolution.remove") == 0


# --- repealing a normative document -----------------------------------------------------------------


def adopt(minutes, office, title: str, **typed) -> Resolution:
    return resolutions.resolution_add(
        minutes=minutes,
        by=office.liaison,
        kind="normative_document",
        text=f"会议审议通过《{title}》。",
        normative_title=title,
        normative_text=f"第一条 {title}。",
        **typed,
    )


def test_a_later_adoption_repeals_an_earlier_one(provinces, chuanyu_legal, pan_southwest):
    host = provinces[SICHUAN]
    first = minutes_in(chuanyu_legal, host)
    adopt(first, host, "川渝公安机关跨区域异地办案协作规范（试行）")
    issue(first, host.head)
    old = NormativeDocument.objects.get()
    assert old.status == NormativeStatus.IN_FORCE and old.repealed_by is None

    # Another series' entry, an unknown id, a second listing: one generic 400 on "repeals".
    elsewhere_minutes = minutes_in(pan_southwest, provinces[CHONGQING])
    adopt(elsewhere_minutes, provinces[CHONGQING], "泛西南协作规范")
    issue(elsewhere_minutes, provinces[CHONGQING].head)
    elsewhere = NormativeDocument.objects.get(series=pan_southwest)
    second = minutes_in(chuanyu_legal, host)
    generic = {"repeals": [str(resolutions.NO_SUCH_NORMATIVE)]}
    for repeals in ([elsewhere.pk], [old.pk, elsewhere.pk + 1000]):
        with pytest.raises(ValidationError) as refused:
            adopt(second, host, "川渝公安机关跨区域异地办案协作规范", repeals=repeals)
        assert refused.value.message_dict == generic

    new = adopt(second, host, "川渝公安机关跨区域异地办案协作规范", repeals=[old.pk, str(old.pk)])
    assert list(new.repeals.all()) == [old]
    # A third draft would repeal it too; the second is issued first.
    third = minutes_in(chuanyu_legal, host)
    late = adopt(third, host, "川渝公安机关异地办案规范（修订）", repeals=[old])
    resolutions.resolutions_validate(third)
    # Nothing is repealed before the 纪要 is issued.
    old.refresh_from_db()
    assert old.status == NormativeStatus.IN_FORCE

    document = issue(second, host.head)
    old.refresh_from_db()
    replacement = NormativeDocument.objects.get(resolution=new)
    assert old.status == NormativeStatus.REPEALED and old.repealed_by == replacement
    assert replacement.status == NormativeStatus.IN_FORCE
    event = AuditEvent.objects.get(action="meetings.normativedocument.repeal")
    assert event.target_id == str(old.pk) and event.actor_id == host.head.pk
    assert event.payload["repealed_by"] == replacement.pk
    assert event.payload["minutes_number"] == document.number
    adopted = AuditEvent.objects.get(action="meetings.normativedocument.adopt", target_id=str(replacement.pk))
    assert adopted.payload["repeals"] == [old.pk]

    # The register's status filter.
    reader = member(CHENGDU, Role.INVESTIGATOR, username="repeal_reader")
    assert list(normative_search(reader, status=NormativeStatus.REPEALED)) == [old]
    assert list(normative_search(reader, series=chuanyu_legal, status=NormativeStatus.IN_FORCE)) == [
        replacement
    ]

    # Once repealed it cannot be repealed again: at drafting, and at issue for the draft made before.
    with pytest.raises(ValidationError) as refused:
        adopt(minutes_in(chuanyu_legal, host), host, "再次废止", repeals=[old.pk])
    assert refused.value.message_dict == generic
    issue(third, host.head)
    late.refresh_from_db()
    assert late.apply_state == ApplyState.FAILED and "repeals" in late.apply_error
    assert not NormativeDocument.objects.filter(resolution=late).exists()  # the savepoint rolled back
    old.refresh_from_db()
    assert old.repealed_by == replacement
    assert audit_count("meetings.normativedocument.repeal") == 1
