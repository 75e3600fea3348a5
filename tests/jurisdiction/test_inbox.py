"""The inbox items of jurisdiction proceedings: who is asked for what, with which deadline, until when."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseState
from core.deadline_rows import describe_target
from core.inbox import inbox_for
from core.models import Deadline
from documents.models import Document
from jurisdiction import services
from jurisdiction.models import JurisdictionProceeding
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, unit
from tests.support.jurisdiction import walk_document
from tests.support.units import CHENGDU, MPS, NANMING, SICHUAN, WUHOU, WUHUA, YUZHONG


def items(user, proceeding=None) -> list[tuple[str, str]]:
    """Return (kind, object id) of the user's jurisdiction items, for one proceeding if given."""
    return sorted(
        (item.kind, item.object_id)
        for item in inbox_for(user)
        if item.kind.startswith("jurisdiction.")
        and (proceeding is None or item.object_id == str(proceeding.pk))
    )


def kinds(user, proceeding) -> set[str]:
    return {kind for kind, _pk in items(user, proceeding)}


def step(proceeding, name, by, **kwargs):
    return services.proceeding_transition(proceeding=proceeding, name=name, by=by, **kwargs)


def position(proceeding, code, offices, value, proposed=None):
    return services.position_record(
        proceeding=proceeding,
        unit=unit(code),
        by=offices[code].legal,
        position=value,
        reasons="意见",
        proposed_unit=unit(proposed) if proposed else None,
    )


def open_dispute(case, offices):
    return services.proceeding_open(case=case, by=offices[WUHOU].head, reason="多地均有管辖依据")


def test_a_consultation_asks_every_partys_managers_for_a_position_before_the_deadline(fraud_case, offices):
    proceeding = open_dispute(fraud_case, offices)
    assert kinds(offices[WUHOU].head, proceeding) == {"jurisdiction.start"}
    assert kinds(offices[WUHUA].head, proceeding) == set()  # nothing to do until it starts

    proceeding = step(proceeding, "start_consultation", offices[WUHOU].head)
    assert kinds(offices[WUHOU].head, proceeding) == {"jurisdiction.position"}
    for code in (WUHUA, NANMING, YUZHONG):
        found = [item for item in inbox_for(offices[code].legal) if item.kind == "jurisdiction.position"]
        assert len(found) == 1, code
        assert found[0].due_at == proceeding.consultation_due_at
        assert found[0].url == reverse("jurisdiction:proceeding-detail", args=[proceeding.pk])
        assert unit(code).name in found[0].title
    # Investigators do not state positions; superiors are not parties.
    assert kinds(offices[WUHUA].investigator, proceeding) == set()
    assert kinds(offices[SICHUAN].head, proceeding) == set()

    position(proceeding, WUHUA, offices, "claim")
    assert kinds(offices[WUHUA].legal, proceeding) == set()
    # A passed deadline puts the item first, overdue.
    JurisdictionProceeding.objects.filter(pk=proceeding.pk).update(
        consultation_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    first = inbox_for(offices[NANMING].legal)[0]
    assert first.kind == "jurisdiction.position" and first.is_overdue

    for code in (WUHOU, YUZHONG, NANMING):
        position(proceeding, code, offices, "propose", proposed=WUHUA)
    step(proceeding, "agree", offices[WUHOU].head)
    # The agreement waits for the legal review of the proposed lead only.
    assert kinds(offices[WUHUA].legal, proceeding) == {"jurisdiction.review"}
    assert kinds(offices[WUHOU].legal, proceeding) == set()
    assert kinds(offices[WUHUA].head, proceeding) == set()
    step(proceeding, "approve_agreement", offices[WUHUA].legal)
    assert kinds(offices[WUHUA].legal, proceeding) == set()


def test_a_designation_request_is_followed_from_its_report_up_to_the_handover(fraud_case, offices):
    proceeding = step(open_dispute(fraud_case, offices), "start_consultation", offices[WUHOU].head)
    position(proceeding, WUHOU, offices, "claim")
    position(proceeding, WUHUA, offices, "claim")
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
    report = proceeding.designation_requests.get().report_document
    # The report's chain: the head submits it, the legal department reviews it, the head approves it.
    assert kinds(offices[WUHOU].head, proceeding) == {"jurisdiction.document"}
    document_step = services.document_services.document_transition
    document_step(document=report, name="submit_for_review", by=offices[WUHOU].head)
    assert kinds(offices[WUHOU].head, proceeding) == set()
    review = [item for item in inbox_for(offices[WUHOU].legal) if item.kind == "jurisdiction.document"]
    assert len(review) == 1 and review[0].url.endswith(f"#document-{report.pk}")
    document_step(document=report, name="approve_review", by=offices[WUHOU].legal)
    assert kinds(offices[WUHOU].head, proceeding) == {"jurisdiction.document"}
    document_step(document=report, name="approve", by=offices[WUHOU].head)
    # Approved: the head signs and sends it up.
    assert kinds(offices[WUHOU].head, proceeding) == {"jurisdiction.file"}
    assert kinds(offices[WUHOU].legal, proceeding) == set()

    proceeding = step(proceeding, "file_designation", offices[WUHOU].head)
    assert kinds(offices[CHENGDU].head, proceeding) == {"jurisdiction.route"}
    assert kinds(offices[SICHUAN].head, proceeding) == set()
    assert kinds(offices[MPS].head, proceeding) == set()
    proceeding = step(proceeding, "forward", offices[CHENGDU].head)
    assert kinds(offices[CHENGDU].head, proceeding) == set()
    assert kinds(offices[SICHUAN].legal, proceeding) == {"jurisdiction.route"}
    proceeding = step(proceeding, "forward", offices[SICHUAN].head)
    assert kinds(offices[MPS].head, proceeding) == {"jurisdiction.designate"}
    assert kinds(offices[MPS].legal, proceeding) == {"jurisdiction.designate"}

    decision = services.designation_decision_draft(
        proceeding=proceeding, by=offices[MPS].head, lead_unit=unit(WUHUA), reason="被害人集中"
    )
    walk_document(decision, offices[MPS])
    proceeding = step(proceeding, "designate", offices[MPS].head)
    assert proceeding.state == "designated"
    # MPS-2020 art 184: Chengdu's 移送案件通知书 goes through its own chain; once approved, its head
    # signs and issues it, which opens the handover.
    notice = Document.objects.get(kind="case_transfer_notice", link_target_id=str(proceeding.pk))
    assert "jurisdiction.transfer" not in kinds(offices[WUHOU].head, proceeding)
    walk_document(notice, offices[WUHOU])
    assert "jurisdiction.transfer" in kinds(offices[WUHOU].head, proceeding)
    assert kinds(offices[WUHUA].head, proceeding) == set()
    assert kinds(offices[WUHOU].investigator, proceeding) == set()
    proceeding = step(proceeding, "start_handover", offices[WUHOU].head)
    assert proceeding.state == "handover"
    # Both sides are asked to sign; the sender is also asked to tell the complainants within 3 days.
    assert kinds(offices[WUHOU].investigator, proceeding) == {
        "jurisdiction.handover",
        "jurisdiction.complainants",
    }
    assert kinds(offices[WUHUA].head, proceeding) == {"jurisdiction.handover"}
    complainants = next(
        item for item in inbox_for(offices[WUHOU].head) if item.kind == "jurisdiction.complainants"
    )
    assert complainants.due_at == Deadline.objects.get(rule_key="notify_complainant_of_transfer").due_at

    services.handover_item_add(
        proceeding=proceeding, by=offices[WUHOU].investigator, kind="file", description="案卷3册"
    )
    services.handover_confirm(proceeding=proceeding, by=offices[WUHOU].head)
    assert kinds(offices[WUHOU].head, proceeding) == {"jurisdiction.complainants"}
    assert kinds(offices[WUHUA].head, proceeding) == {"jurisdiction.handover"}
    services.handover_confirm(proceeding=proceeding, by=offices[WUHUA].head)
    assert kinds(offices[WUHUA].head, proceeding) == set()
    assert kinds(offices[WUHOU].investigator, proceeding) == {"jurisdiction.complainants"}
    services.complainants_notified(proceeding=proceeding, by=offices[WUHOU].investigator, note="已书面告知")
    assert kinds(offices[WUHOU].investigator, proceeding) == set()
    # The handover list is issued at once by both signatures: never a step in anyone's inbox.
    assert Document.objects.get(kind="handover_list").state == "issued"


def test_a_transfer_waits_for_its_unit_with_the_24_hour_deadline(offices, qinghai_investigator):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.REGISTERED)
    proceeding = services.proceeding_open(
        case=case, by=offices[WUHOU].head, kind="transfer", reason="不属本辖区"
    )
    transfer = [item for item in inbox_for(offices[WUHOU].head) if item.kind == "jurisdiction.transfer"]
    assert len(transfer) == 1
    assert transfer[0].due_at == Deadline.objects.get(rule_key="transfer_case").due_at
    # A deadline reminder names the case and links to the proceeding.
    described = describe_target(Deadline.objects.get(rule_key="transfer_case"))
    assert case.name in described.title
    assert described.url == reverse("jurisdiction:proceeding-detail", args=[proceeding.pk])
    assert items(qinghai_investigator) == []


def test_the_inbox_costs_the_same_queries_for_one_proceeding_as_for_several(offices):
    def consulting_case():
        case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
        CaseLocationFactory(case=case, division_code=WUHUA)
        return step(open_dispute(case, offices), "start_consultation", offices[WUHOU].head)

    legal = offices[WUHUA].legal
    consulting_case()
    inbox_for(legal)  # the standing is read once and kept for the request
    with CaptureQueriesContext(connection) as one:
        assert len(items(legal)) == 1
    for _ in range(3):
        consulting_case()
    with CaptureQueriesContext(connection) as four:
        assert len(items(legal)) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_a_forwarded_request_waits_at_the_unit_its_route_stands_at_past_any_number_of_others(
    fraud_case, offices, monkeypatch
):
    from jurisdiction import inbox as jurisdiction_inbox
    from jurisdiction.models import ProceedingState

    monkeypatch.setattr(jurisdiction_inbox, "LIMIT", 2)  # fewer rows than the requests at the superior
    route = [unit(CHENGDU).pk, unit(SICHUAN).pk]
    passing = []
    for _ in range(3):  # forwarded requests standing at Chengdu, under the same superior
        case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
        CaseLocationFactory(case=case, division_code=WUHUA)
        passing.append(open_dispute(case, offices))
    waiting = open_dispute(fraud_case, offices)
    for proceeding, position in [*((p, 0) for p in passing), (waiting, 1)]:
        JurisdictionProceeding.objects.filter(pk=proceeding.pk).update(
            state=ProceedingState.FORWARDING,
            route=route,
            route_position=position,
            superior_unit=unit(SICHUAN),
        )

    stations = dict(
        JurisdictionProceeding.objects.annotate(station=jurisdiction_inbox.RouteStation()).values_list(
            "pk", "station"
        )
    )
    assert stations[waiting.pk] == unit(SICHUAN).pk
    assert {stations[p.pk] for p in passing} == {unit(CHENGDU).pk}
    assert kinds(offices[SICHUAN].head, waiting) == {"jurisdiction.route"}
    assert [pk for kind, pk in items(offices[SICHUAN].head) if kind == "jurisdiction.route"] == [
        str(waiting.pk)
    ]
    routed_to_chengdu = [pk for kind, pk in items(offices[CHENGDU].head) if kind == "jurisdiction.route"]
    assert len(routed_to_chengdu) == 2  # the kind's cap, not the superior's whole queue


def test_a_kind_with_more_proceedings_than_the_cap_hides_no_other_kind(fraud_case, offices, monkeypatch):
    from jurisdiction import inbox as jurisdiction_inbox
    from jurisdiction.models import ProceedingState

    monkeypatch.setattr(jurisdiction_inbox, "LIMIT", 1)
    head = offices[SICHUAN].head
    designated = []
    for _ in range(10):  # more than the first query's slice, all at lower ids
        case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
        CaseLocationFactory(case=case, division_code=WUHUA)
        designated.append(open_dispute(case, offices))
    JurisdictionProceeding.objects.filter(pk__in=[p.pk for p in designated]).update(
        state=ProceedingState.AT_SUPERIOR, superior_unit=unit(SICHUAN)
    )
    forwarded = open_dispute(fraud_case, offices)
    JurisdictionProceeding.objects.filter(pk=forwarded.pk).update(
        state=ProceedingState.FORWARDING,
        route=[unit(CHENGDU).pk, unit(SICHUAN).pk],
        route_position=1,
        superior_unit=unit(SICHUAN),
    )

    mine = items(head)
    assert [kind for kind, _pk in mine] == ["jurisdiction.designate", "jurisdiction.route"]
    assert ("jurisdiction.route", str(forwarded.pk)) in mine
