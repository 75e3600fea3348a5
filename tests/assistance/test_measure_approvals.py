"""The approvals of a property measure's renewal and release (MPS-2020 arts 233, 240, 241, 247).

A freeze is renewed "按照原批准权限和程序" before it expires, or it lapses (art 240): the officers ask,
the head who approved the freeze approves (issuing a 协助冻结财产通知书 for the continued freeze) or
refuses. A proposed release may be refused (art 241). A seal or seizure is released with the approval
of the organ that approved it, in a 解除查封决定书 / 解除扣押决定书, then returned to its owner or, the
owner unknown, announced (art 233) — our reading [R], by analogy with MPS-2020 arts 232 ¶2, 241.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import PropertyMeasure
from cases.assistance_kinds import AssistanceKind
from core import deadline_rows
from core.models import DeadlineState, OutboxMessage
from core.workflow import timeline_for
from documents.models import Document, DocumentState
from tests.support.api import assert_error, token_client
from tests.support.factories.assistance import draft_request, walk
from tests.support.pages import flash_messages, page_client
from tests.support.personas import Cast

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assistance-requests/"


def _request(cast, kind=AssistanceKind.FREEZING):
    return walk(draft_request(cast.investigator, kind=kind), cast, "in_progress")


def _freeze(cast, request=None, days_ago=170):
    return services.property_measure_record(
        by=cast.officer,
        request=request or _request(cast),
        kind="deposits",
        target="6222 0000 1111",
        institution="工商银行昆明分行",
        amount=Decimal("50000.00"),
        starts_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )


def _seal(cast, kind="sealed"):
    request = _request(cast, AssistanceKind.SEALING if kind == "sealed" else AssistanceKind.SEIZURE)
    return services.property_measure_record(
        by=cast.officer,
        request=request,
        kind=kind,
        target="奔驰车 云A12345",
        institution="张某",
        starts_on=timezone.localdate(),
    )


def _step(measure, name):
    return f"{BASE}{measure.request_id}/property-measures/{measure.pk}/transitions/{name}/"


def _page_step(measure, name):
    return f"/assistance-requests/{measure.request_id}/property-measures/{measure.pk}/transitions/{name}/"


def _renew_url(measure):
    return f"{BASE}{measure.request_id}/property-measures/{measure.pk}/renew/"


def _notified(user, key) -> bool:
    return OutboxMessage.objects.filter(idempotency_key=f"notify:{key}:{user.pk}").exists()


def _actions(request):
    return [row.action for row in timeline_for(request)]


def _clocks(measure):
    return {row.rule_key: row.state for row in deadline_rows.deadlines_for(measure)}


# --- art 240: renewal through the original approval ----------------------------------------------


def test_a_renewal_is_asked_for_and_approved_by_the_freezes_approver_mps_2020_art_240():
    cast = Cast()
    old = _freeze(cast)
    response = token_client(cast.investigator).post(_renew_url(old), {}, format="json")
    # Asked for, not yet renewed: no new measure, the freeze waits for its approver.
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["id"] == old.pk and body["state"] == "renewal_proposed"
    assert body["renewal_starts_on"] == old.expires_on.isoformat()
    assert not PropertyMeasure.objects.filter(renewed_from=old).exists()
    assert _notified(cast.unit_head, f"assistance:{old.request_id}:measure:{old.pk}:propose_renewal")
    assert "property_renewal_proposed" in _actions(old.request)
    # A department head is told who approves (arts 240, 241), not refused in silence.
    refused = assert_error(
        token_client(cast.department_head).post(_step(old, "approve_renewal"), {}, format="json"),
        403,
        "permission_denied",
    )
    assert "240" in refused["message"] and "department head" in refused["message"]
    approved = token_client(cast.unit_head).post(_step(old, "approve_renewal"), {}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "renewed"
    new = PropertyMeasure.objects.get(renewed_from=old)
    assert new.state == "in_force" and new.starts_on == old.expires_on
    old.refresh_from_db()
    assert old.renewal_approved_by == cast.unit_head and old.renewal_approved_at is not None
    assert set(_clocks(old).values()) == {DeadlineState.MET}
    assert set(_clocks(new).values()) == {DeadlineState.RUNNING}
    # The continued freeze is notified to the bank in a 协助冻结财产通知书 marked 继续冻结.
    notice = Document.objects.get(pk=new.notice_document_id)
    assert notice.kind == "property_freeze_notice" and notice.state == DocumentState.ISSUED
    assert "继续冻结" in notice.title and "继续冻结" in notice.data["property"]
    day = new.starts_on
    assert notice.data["period_from"] == f"{day.year}年{day.month}月{day.day}日"
    day = new.expires_on
    assert notice.data["period_to"] == f"{day.year}年{day.month}月{day.day}日"
    # The head who approved the renewal is the stub's 批准人 with the day, and its 填发人 (issue 19).
    name = cast.unit_head.display_name
    assert (notice.data["approver"], notice.data["issued_by"]) == (name, name)
    assert notice.data["approved_on"] and notice.data["amount"].startswith("人民币")
    assert notice.data["recipient"] == "工商银行昆明分行"
    assert "property_renewed" in _actions(old.request)
    assert _notified(cast.investigator, f"assistance:{old.request_id}:renew:{new.pk}")


def test_a_refused_renewal_returns_the_freeze_to_in_force_with_the_reason_mps_2020_art_240():
    cast = Cast()
    old = _freeze(cast)
    services.property_measure_renew(by=cast.investigator, measure=old)
    head = token_client(cast.unit_head)
    no_reason = assert_error(head.post(_step(old, "refuse_renewal"), {}, format="json"), 400, "invalid")
    assert set(no_reason["fields"]) == {"reason"}
    response = head.post(_step(old, "refuse_renewal"), {"reason": "资金已查清，不再续冻"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_force" and response.json()["renewal_starts_on"] is None
    assert "property_renewal_refused" in _actions(old.request)
    entry = next(row for row in timeline_for(old.request) if row.action == "property_renewal_refused")
    assert entry.note == "资金已查清，不再续冻"
    assert not PropertyMeasure.objects.filter(renewed_from=old).exists()
    # Refused, the officers may ask again while the freeze is in force.
    again = token_client(cast.investigator).post(_renew_url(old), {}, format="json")
    assert again.status_code == 202, again.content


def test_a_renewal_not_approved_before_expiry_lapses_the_freeze_mps_2020_art_240():
    cast = Cast()
    old = _freeze(cast)
    services.property_measure_renew(by=cast.investigator, measure=old)
    # The last day passes with the renewal still waiting: 视为自动解除冻结.
    PropertyMeasure.objects.filter(pk=old.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    response = token_client(cast.unit_head).post(_step(old, "approve_renewal"), {}, format="json")
    assert response.status_code == 409, response.content
    refused = response.json()
    assert (refused["code"], refused["current_state"]) == ("lapsed", "renewal_proposed")
    assert "lapsed" in refused["message"] and "240" in refused["message"]
    assert not PropertyMeasure.objects.filter(renewed_from=old).exists()
    listed = token_client(cast.investigator).get(f"{BASE}{old.request_id}/property-measures/").json()
    assert [row["lapsed"] for row in listed] == [True]
    page = page_client(cast.unit_head).get(f"/assistance-requests/{old.request_id}/").content.decode()
    assert "视为自动解除冻结" in page and _page_step(old, "approve_renewal") not in page


def test_a_head_who_asks_for_a_renewal_approves_it_at_once_mps_2020_art_240():
    cast = Cast()
    old = _freeze(cast)
    response = token_client(cast.unit_head).post(_renew_url(old), {}, format="json")
    assert response.status_code == 201, response.content
    new = PropertyMeasure.objects.get(pk=response.json()["id"])
    assert new.renewed_from_id == old.pk and new.notice_document_id is not None
    old.refresh_from_db()
    assert old.state == "renewed" and old.renewal_approved_by == cast.unit_head


def _cites(text, article):
    """Tell whether a page's text cites the MPS-2020 article, as the English or the Chinese UI writes it."""
    chinese = {"233": "第二百三十三条", "240": "第二百四十条", "241": "第二百四十一条"}[article]
    return f"art {article}" in text or f"arts {article}" in text or chinese in text


def _offers(client, measure):
    """Return {step: (enabled, reasons)} of a measure's row on its request's page for that client."""
    response = client.get(f"/assistance-requests/{measure.request_id}/")
    assert response.status_code == 200
    row = next(m for m in response.context["property_measures"] if m.pk == measure.pk)
    return {offer.name: (offer.enabled, [str(r) for r in offer.reasons]) for offer in row.offers}, row


def test_the_renewal_page_asks_and_the_approver_sees_what_waits_mps_2020_art_240(qinghai_investigator):
    cast = Cast()
    old = _freeze(cast)
    url = f"/assistance-requests/{old.request_id}/property-measures/{old.pk}/renew/"
    response = page_client(cast.investigator).post(url, {"starts_on": "", "kind": ""}, follow=True)
    assert any("批准" in message or "approval" in message for message in flash_messages(response))
    old.refresh_from_db()
    assert old.state == "renewal_proposed"
    # The officers who asked see the approval disabled, with whom it waits for.
    offers, row = _offers(page_client(cast.investigator), old)
    assert offers["approve_renewal"][0] is False and "refuse_renewal" not in offers
    assert _cites(offers["approve_renewal"][1][0], "240") and row.awaiting
    # The approver sees both decisions open.
    offers, _row = _offers(page_client(cast.unit_head), old)
    assert offers["approve_renewal"] == (True, []) and offers["refuse_renewal"] == (True, [])
    # The department head sees them disabled with who approves it.
    offers, _row = _offers(page_client(cast.department_head), old)
    assert offers["approve_renewal"][0] is False and offers["refuse_renewal"][0] is False
    assert all(
        "department head" in reasons[0] or "部门负责人" in reasons[0] for _on, reasons in offers.values()
    )
    for name in ("approve_renewal", "refuse_renewal"):
        assert page_client(qinghai_investigator).post(_page_step(old, name), {}).status_code == 404
        assert_error(
            token_client(qinghai_investigator).post(_step(old, name), {}, format="json"), 404, "not_found"
        )
    refused = page_client(cast.unit_head).post(_page_step(old, "refuse_renewal"), {"reason": "不需要"})
    assert refused.status_code == 302
    old.refresh_from_db()
    assert old.state == "in_force"
    page = page_client(cast.investigator).get(f"/assistance-requests/{old.request_id}/")
    _assert_labelled(page, "property_renewal_proposed", "property_renewal_refused")


# --- art 241: a proposed release may be refused ---------------------------------------------------


def test_a_proposed_release_may_be_refused_with_the_reason_mps_2020_art_241():
    cast = Cast()
    measure = services.property_measure_propose_release(
        by=cast.investigator, measure=_freeze(cast, days_ago=0), reason="不需要继续冻结"
    )
    assert_error(
        token_client(cast.department_head).post(
            _step(measure, "refuse_release"), {"reason": "仍需冻结"}, format="json"
        ),
        403,
        "permission_denied",
    )
    no_reason = assert_error(
        token_client(cast.unit_head).post(_step(measure, "refuse_release"), {}, format="json"), 400, "invalid"
    )
    assert set(no_reason["fields"]) == {"reason"}
    response = token_client(cast.unit_head).post(
        _step(measure, "refuse_release"), {"reason": "资金去向未查清，仍需冻结"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_force" and response.json()["release_reason"] == ""
    assert "property_release_refused" in _actions(measure.request)
    _assert_labelled(
        page_client(cast.investigator).get(f"/assistance-requests/{measure.request_id}/"),
        "property_release_refused",
    )
    assert _clocks(measure) == {"freeze_deposits": DeadlineState.RUNNING}


def test_refusing_the_release_of_property_found_unrelated_holds_it_related_mps_2020_arts_241_247():
    cast = Cast()
    measure = services.property_measure_found_unrelated(
        by=cast.officer, measure=_freeze(cast, days_ago=0), reason="系案外人合法财产"
    )
    measure = services.property_measure_propose_release(by=cast.officer, measure=measure, reason="与案件无关")
    measure = services.property_measure_refuse_release(
        by=cast.unit_head, measure=measure, reason="经核查，该账户资金系涉案赃款"
    )
    assert measure.state == "in_force" and measure.found_unrelated_at is None
    clocks = sorted(
        (row.rule_key, row.state) for row in deadline_rows.deadlines_for(measure) if row.state != "cancelled"
    )
    # The 3-day release clock stops; the period runs again with its renewal reminder.
    assert clocks == [("freeze_deposits", DeadlineState.RUNNING)]
    assert deadline_rows.deadlines_for(measure).get(rule_key="release_unrelated_frozen_property").state == (
        DeadlineState.CANCELLED
    )


# --- art 233: releasing a seal or seizure ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "document_kind", "title"),
    [
        ("sealed", "sealing_release_decision", "解除查封决定书"),
        ("seized", "seizure_release_decision", "解除扣押决定书"),
    ],
)
def test_a_seal_or_seizure_is_released_with_the_approval_and_its_decision_mps_2020_art_233(
    kind, document_kind, title
):
    cast = Cast()
    measure = _seal(cast, kind)
    # No longer released on the officers' word alone.
    early = token_client(cast.officer).post(_step(measure, "release"), {}, format="json")
    assert (early.status_code, early.json()["current_state"]) == (409, "in_force")
    measure = services.property_measure_found_unrelated(by=cast.officer, measure=measure, reason="系他人车辆")
    measure = services.property_measure_propose_release(by=cast.officer, measure=measure, reason="与案件无关")
    assert _notified(cast.unit_head, f"assistance:{measure.request_id}:measure:{measure.pk}:propose_release")
    refused = assert_error(
        token_client(cast.department_head).post(_step(measure, "approve_release"), {}, format="json"),
        403,
        "permission_denied",
    )
    assert "233" in refused["message"]
    response = token_client(cast.unit_head).post(_step(measure, "approve_release"), {}, format="json")
    assert response.status_code == 200, response.content
    decision = Document.objects.get(pk=response.json()["release_document"])
    assert (decision.kind, decision.title, decision.state) == (document_kind, title, DocumentState.ISSUED)
    assert decision.data["property"] == "奔驰车 云A12345" and decision.data["unrelated"]
    # The 3-day clock (arts 233, 247) runs through the approval, until the release is recorded.
    assert _clocks(measure)["release_unrelated_seized_property"] == DeadlineState.RUNNING
    officer = token_client(cast.officer)
    missing = assert_error(officer.post(_step(measure, "release"), {}, format="json"), 400, "invalid")
    assert set(missing["fields"]) == {"returned_to"}
    done = officer.post(_step(measure, "release"), {"returned_to": "张某（车主）"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "released" and done.json()["returned_to"] == "张某（车主）"
    assert _clocks(measure)["release_unrelated_seized_property"] == DeadlineState.MET
    assert {"property_release_approved", "property_released"} <= set(_actions(measure.request))


def test_property_whose_owner_is_unknown_is_released_by_public_notice_mps_2020_art_233(qinghai_investigator):
    cast = Cast()
    measure = services.property_measure_propose_release(by=cast.officer, measure=_seal(cast), reason="不需要")
    measure = services.property_measure_approve_release(by=cast.unit_head, measure=measure)
    today = timezone.localdate().isoformat()
    released = token_client(cast.officer).post(
        _step(measure, "release"), {"announced_on": today}, format="json"
    )
    assert released.status_code == 200, released.content
    assert released.json()["announced_on"] == today
    decision = f"/api/v1/documents/{measure.release_document_id}/"
    assert token_client(cast.investigator).get(decision).status_code == 200
    assert_error(token_client(qinghai_investigator).get(decision), 404, "not_found")
    assert_error(
        token_client(qinghai_investigator).post(_step(measure, "refuse_release"), {}, format="json"),
        404,
        "not_found",
    )


def test_the_release_steps_show_on_the_page_with_their_reasons_mps_2020_arts_233_241():
    cast = Cast()
    measure = services.property_measure_propose_release(by=cast.officer, measure=_seal(cast), reason="不需要")
    offers, _row = _offers(page_client(cast.unit_head), measure)
    assert offers["approve_release"] == (True, []) and offers["refuse_release"] == (True, [])
    offers, row = _offers(page_client(cast.investigator), measure)
    assert offers["approve_release"][0] is False and _cites(offers["approve_release"][1][0], "233")
    assert row.awaiting
    offers, _row = _offers(page_client(cast.department_head), measure)
    assert offers["approve_release"][0] is False and _cites(offers["approve_release"][1][0], "233")
    # The reason is required: the page answers 400 with the form in place.
    assert (
        page_client(cast.unit_head).post(_page_step(measure, "refuse_release"), {"reason": ""}).status_code
        == 400
    )
    assert page_client(cast.unit_head).post(_page_step(measure, "approve_release"), {}).status_code == 302
    offers, _row = _offers(page_client(cast.officer), measure)
    assert offers["release"] == (True, [])
    released = page_client(cast.officer).post(_page_step(measure, "release"), {"returned_to": "张某"})
    assert released.status_code == 302
    measure.refresh_from_db()
    assert (measure.state, measure.returned_to) == ("released", "张某")
    page = page_client(cast.investigator).get(f"/assistance-requests/{measure.request_id}/")
    _assert_labelled(page, "property_release_approved", "property_released")
    # The 解除查封决定书 is one click away on the row.
    assert f"/documents/{measure.release_document_id}/download/" in page.content.decode()


def _assert_labelled(page, *actions):
    """Each timeline row of these actions reads as its label, not as the raw action name."""
    labelled = {entry.action: label for entry, label, _state in page.context["timeline"]}
    for action in actions:
        assert labelled[action] and labelled[action] != action, action
