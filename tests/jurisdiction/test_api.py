"""The jurisdiction-proceeding API: open, consult, agree, designate up the levels, hand over; errors,
visibility, "awaiting me", query counts, the live analysis of a case and the schema."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import CaseState
from documents.models import Document
from jurisdiction import services
from organisation.models import Role
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import MembershipFactory, member
from tests.support.jurisdiction import walk_document
from tests.support.units import CHENGDU, MPS, NANMING, SICHUAN, WUHOU, WUHUA, YUZHONG

BASE = "/api/v1/jurisdiction-proceedings/"
REASON = "多地均有管辖依据，需协商确定主办单位"
DESIGNATION_FIELDS = {
    "suspects": "吉某某，男，1990年3月7日生，户籍地贵阳市南明区",
    "charge": "诈骗罪",
    "facts": "2026年4月以来，犯罪嫌疑人利用位于重庆的服务器实施电信网络诈骗",
    "dispute": "武侯区分局与五华区分局均主张管辖",
    "reasons": "被害人及损失集中在昆明",
    "proposed_unit": WUHUA,
}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def open_via_api(case, offices, **extra) -> dict:
    body = {"case": case.pk, "kind": "dispute", "reason": REASON, **extra}
    return ok(token_client(offices[WUHOU].head).post(BASE, body, format="json"), 201)


def transition(user, pk: int, name: str, **body):
    return token_client(user).post(f"{BASE}{pk}/transitions/{name}/", body, format="json")


def state_position(user, pk: int, position: str, reasons: str = "意见", **body) -> dict:
    response = token_client(user).post(
        f"{BASE}{pk}/positions/", {"position": position, "reasons": reasons, **body}, format="json"
    )
    return ok(response)


def awaiting(user) -> set[int]:
    body = ok(token_client(user).get(BASE, {"awaiting_me": "true"}))
    return {row["id"] for row in body["results"]}


def codes(units) -> list[str]:
    return [row["code"] for row in units]


def test_open_consult_agree_and_approve(fraud_case, offices):
    body = open_via_api(fraud_case, offices)
    pk = body["id"]
    assert body["state"] == "open" and body["kind"] == "dispute"
    assert body["case"]["id"] == fraud_case.pk and body["case"]["state"] == CaseState.JURISDICTION_PENDING
    parties = {party["unit"]["code"]: party for party in body["parties"]}
    assert set(parties) == {WUHOU, YUZHONG, WUHUA, NANMING}
    for party in parties.values():
        assert party["bases"] and party["position"] == ""
        assert all(basis["citation"].startswith("MPS-2020 art ") for basis in party["bases"])
    assert {candidate["unit"]["code"] for candidate in body["analysis"]["candidates"]} >= set(parties)
    assert {"start_consultation", "withdraw"} <= set(body["available_transitions"])
    assert [row["action"] for row in body["timeline"]] == ["open"]
    # Only the unit holding the case may start the consultation; it is waiting on it.
    assert pk in awaiting(offices[WUHOU].head)
    assert pk not in awaiting(offices[WUHUA].legal)

    body = ok(transition(offices[WUHOU].head, pk, "start_consultation", expected_state="open"))
    assert body["state"] == "consulting" and body["state_label"]
    assert body["consultation_due_at"]
    assert pk in awaiting(offices[WUHUA].legal)
    detail = ok(token_client(offices[WUHUA].legal).get(f"{BASE}{pk}/"))
    assert detail["my_actions"]["position_units"] == [WUHUA]
    assert {"agree", "request_designation"} <= set(detail["available_transitions"])

    body = state_position(offices[WUHUA].legal, pk, "claim", "被害人多数在五华区")
    assert {p["unit"]["code"]: p["position"] for p in body["parties"]}[WUHUA] == "claim"
    for code in (WUHOU, YUZHONG):
        state_position(offices[code].legal, pk, "propose", "被害人及损失集中在昆明", proposed_unit=WUHUA)
    body = state_position(offices[NANMING].legal, pk, "decline", "仅为嫌疑人户籍地")
    nanming = next(p for p in body["parties"] if p["unit"]["code"] == NANMING)
    assert (
        nanming["reasons"] == "仅为嫌疑人户籍地" and nanming["positioned_by"]["username"] == "nanming_legal"
    )

    body = ok(transition(offices[WUHOU].head, pk, "agree", lead_unit=WUHUA, assisting_units=[WUHOU]))
    assert body["state"] == "agreed"
    assert body["lead_unit"]["code"] == WUHUA and codes(body["assisting_units"]) == [WUHOU]
    # The proposed lead's legal department reviews the agreement; nobody else may.
    assert_error(transition(offices[WUHOU].legal, pk, "approve_agreement"), 403, "permission_denied")
    assert pk in awaiting(offices[WUHUA].legal)
    assert pk not in awaiting(offices[WUHOU].head)
    body = ok(transition(offices[WUHUA].legal, pk, "approve_agreement", reason="管辖依据充分"))
    # MPS-2020 arts 184, 185: the case changes hands, so Chengdu's notice and the handover follow.
    assert body["state"] == "transferring" and not body["settled_at"]
    assert body["case"]["lead_unit"]["code"] == WUHUA
    assert body["case"]["state"] == CaseState.UNDER_INVESTIGATION
    assert body["available_transitions"] == []  # the lead's legal officer has nothing more to do
    assert pk not in awaiting(offices[WUHUA].legal)
    notice = Document.objects.get(kind="case_transfer_notice", link_target_id=str(pk))
    assert notice.state == "drafted" and notice.issuing_unit.code == WUHOU
    walk_document(notice, offices[WUHOU])
    body = ok(transition(offices[WUHOU].head, pk, "start_handover"))
    assert body["state"] == "handover" and body["transfer_notice"]["state"] == "issued"


def test_a_dissent_goes_up_level_by_level_and_the_ministry_designates(fraud_case, offices):
    pk = open_via_api(fraud_case, offices)["id"]
    ok(transition(offices[WUHOU].head, pk, "start_consultation"))
    state_position(offices[WUHOU].legal, pk, "claim", "最初受理")
    state_position(offices[WUHUA].legal, pk, "claim", "被害人多数在五华区")

    # MPS-2020 art 22: the request carries every part; each missing one is named.
    body = assert_error(
        transition(offices[WUHOU].legal, pk, "request_designation", charge="诈骗罪"), 400, "invalid"
    )
    assert {"suspects", "facts", "dispute", "reasons"} <= set(body["fields"])
    body = ok(transition(offices[WUHOU].legal, pk, "request_designation", **DESIGNATION_FIELDS))
    assert body["state"] == "designation_requested"
    [request] = body["designation_requests"]
    assert request["filing_unit"]["code"] == WUHOU and request["proposed_unit"]["code"] == WUHUA
    assert "主张管辖" in request["consultation_record"]
    report = request["report_document"]
    assert report["kind"] == "report_for_approval" and report["state"] == "drafted" and report["number"] == ""

    body = assert_error(transition(offices[WUHOU].head, pk, "file_designation"), 400, "invalid")
    assert "report" in body["fields"]
    walk_document(Document.objects.get(pk=report["id"]), offices[WUHOU])
    assert pk in awaiting(offices[WUHOU].head)
    assert_error(transition(offices[WUHOU].legal, pk, "file_designation"), 403, "permission_denied")
    body = ok(transition(offices[WUHOU].head, pk, "file_designation", expected_state="designation_requested"))
    assert body["state"] == "forwarding" and body["superior_unit"]["code"] == MPS
    assert [(row["code"], row["is_current"]) for row in body["route"]] == [
        (CHENGDU, True),
        (SICHUAN, False),
        (MPS, False),
    ]
    assert body["current_route_unit"]["code"] == CHENGDU
    report = body["designation_requests"][0]["report_document"]
    assert report["state"] == "issued" and report["number"]

    # Only the unit holding the request on its way up acts on it (层报).
    assert pk in awaiting(offices[CHENGDU].head)
    assert pk not in awaiting(offices[SICHUAN].head)
    assert_error(transition(offices[SICHUAN].head, pk, "forward", reason="同意"), 403, "permission_denied")
    body = ok(transition(offices[CHENGDU].head, pk, "forward", reason="同意上报"))
    assert body["current_route_unit"]["code"] == SICHUAN
    assert pk not in awaiting(offices[CHENGDU].head)
    assert pk in awaiting(offices[SICHUAN].legal)
    body = ok(transition(offices[SICHUAN].legal, pk, "forward", reason="同意上报"))
    assert body["state"] == "at_superior" and body["current_route_unit"]["code"] == MPS
    assert [(step["unit"]["code"], step["action"]) for step in body["route_steps"]] == [
        (CHENGDU, "forward"),
        (SICHUAN, "forward"),
    ]
    assert pk in awaiting(offices[MPS].head)

    # At the ministry: draft the decision, have it reviewed and approved, then designate.
    decision_url = f"{BASE}{pk}/decision/"
    mps = token_client(offices[MPS].head)
    body = assert_error(
        mps.post(decision_url, {"lead_unit": "999999", "reason": "x"}, format="json"), 400, "invalid"
    )
    assert "lead_unit" in body["fields"]
    assert_error(
        token_client(offices[WUHOU].head).post(
            decision_url, {"lead_unit": WUHUA, "reason": "x"}, format="json"
        ),
        403,
        "permission_denied",
    )
    body = ok(mps.post(decision_url, {"lead_unit": WUHUA, "reason": "被害人及损失主要在昆明"}, format="json"))
    decision = body["decision_document"]
    assert decision["kind"] == "jurisdiction_designation_decision" and decision["state"] == "drafted"
    body = assert_error(transition(offices[MPS].head, pk, "designate"), 400, "invalid")
    assert "decision" in body["fields"]
    walk_document(Document.objects.get(pk=decision["id"]), offices[MPS])
    body = ok(transition(offices[MPS].head, pk, "designate", expected_state="at_superior"))
    assert body["state"] == "designated" and body["lead_unit"]["code"] == WUHUA
    assert body["decision_document"]["state"] == "issued" and body["decision_document"]["number"]
    assert body["case"]["lead_unit"]["code"] == WUHUA
    # MPS-2020 arts 23 ¶2, 184: Chengdu's head approves its 移送案件通知书; issuing it opens the handover.
    walk_document(Document.objects.get(kind="case_transfer_notice", link_target_id=str(pk)), offices[WUHOU])
    body = ok(transition(offices[WUHOU].head, pk, "start_handover"))
    assert body["state"] == "handover" and body["transfer_notice"]["state"] == "issued"

    # The handover list: Chengdu writes it, both sides sign the same list.
    items_url = f"{BASE}{pk}/handover-items/"
    item = {"kind": "file", "description": "案卷3册", "quantity": "3"}
    assert_error(
        token_client(offices[WUHUA].head).post(items_url, item, format="json"), 403, "permission_denied"
    )
    sender = token_client(offices[WUHOU].investigator)
    body = assert_error(sender.post(items_url, {"kind": "file"}, format="json"), 400, "invalid")
    assert "description" in body["fields"]
    ok(sender.post(items_url, {"kind": "suspect", "description": "犯罪嫌疑人吉某某"}, format="json"), 201)
    body = ok(sender.post(items_url, item, format="json"), 201)
    assert [row["kind"] for row in body["handover_items"]] == ["suspect", "file"]
    assert body["my_actions"] == {"position_units": [], "edit_handover": True, "handover_side": "sender"}
    removed = body["handover_items"][0]["id"]  # the file stays: it always travels (MPS-2020 art 185)
    assert sender.delete(f"{items_url}{removed}/").status_code == 204
    assert_error(sender.delete(f"{items_url}{removed}/"), 404, "not_found")
    few = _detail_queries(offices[WUHOU].head, pk)
    for description in ("扣押手机2部", "银行卡5张"):
        body = ok(
            sender.post(items_url, {"kind": "property", "description": description}, format="json"), 201
        )
    assert len(body["handover_items"]) == 3
    assert _detail_queries(offices[WUHOU].head, pk) == few
    digest = body["handover_digest"]

    confirm_url = f"{BASE}{pk}/handover-confirmations/"
    head = token_client(offices[WUHOU].head)
    assert_error(head.post(confirm_url, {}, format="json"), 400, "invalid")
    body = ok(head.post(confirm_url, {"digest": digest}, format="json"))
    assert [(row["side"], row["is_current"]) for row in body["handover_confirmations"]] == [("sender", True)]
    receiver = token_client(offices[WUHUA].head)
    stale = receiver.post(confirm_url, {"digest": "0" * 64}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    body = ok(receiver.post(confirm_url, {"digest": digest}, format="json"))
    assert body["state"] == "settled"
    assert body["handover_list"]["state"] == "issued"

    notified_url = f"{BASE}{pk}/complainants-notified/"
    assert_error(sender.post(notified_url, {"note": ""}, format="json"), 400, "invalid")
    assert_error(receiver.post(notified_url, {"note": "x"}, format="json"), 403, "permission_denied")
    body = ok(sender.post(notified_url, {"note": "2026年4月20日书面告知"}, format="json"))
    assert body["timeline"][-1]["action"] == "complainants_notified"
    # MPS-2020 art 184: nobody in custody was handed over (the suspect's line was struck off).
    assert body["after_filing"] and not body["family_notice_owed"]
    family_url = f"{BASE}{pk}/family-notified/"
    assert (
        "note"
        in assert_error(sender.post(family_url, {"note": "x"}, format="json"), 400, "invalid")["fields"]
    )


def test_a_transfer_through_the_api(offices):
    case = CaseFactory(
        accepting_unit=unit(WUHOU), state=CaseState.REGISTERED, created_by=offices[WUHOU].investigator
    )
    response = token_client(offices[WUHOU].head).post(
        BASE, {"case": case.pk, "kind": "transfer", "reason": "犯罪地不在本辖区"}, format="json"
    )
    pk = ok(response, 201)["id"]
    body = assert_error(
        transition(offices[WUHOU].head, pk, "prepare_transfer", reason="犯罪地在五华区"), 400, "invalid"
    )
    assert "lead_unit" in body["fields"]
    body = assert_error(
        transition(offices[WUHOU].head, pk, "prepare_transfer", reason="x", lead_unit="999999"),
        400,
        "invalid",
    )
    assert "lead_unit" in body["fields"]
    body = ok(
        transition(offices[WUHOU].head, pk, "prepare_transfer", reason="犯罪地在五华区", lead_unit=WUHUA)
    )
    assert body["state"] == "transferring" and body["lead_unit"]["code"] == WUHUA
    notice = body["transfer_notice"]
    assert notice["kind"] == "case_transfer_notice" and notice["state"] == "drafted"
    walk_document(Document.objects.get(pk=notice["id"]), offices[WUHOU])
    body = ok(transition(offices[WUHOU].head, pk, "start_handover"))
    assert body["state"] == "handover" and body["transfer_notice"]["state"] == "issued"


def test_a_stale_expected_state_is_a_conflict_naming_the_current_state(fraud_case, offices):
    pk = open_via_api(fraud_case, offices)["id"]
    ok(transition(offices[WUHOU].head, pk, "start_consultation", expected_state="open"))
    response = transition(offices[WUHOU].legal, pk, "start_consultation", expected_state="open")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and body["message"] and body["current_state"] == "consulting"
    response = transition(offices[WUHOU].head, pk, "withdraw", reason="争议已消除", expected_state="open")
    assert response.status_code == 409 and response.json()["current_state"] == "consulting"
    # Positions are stated only while consulting; a second proceeding on the case is refused.
    ok(transition(offices[WUHOU].head, pk, "withdraw", reason="争议已消除", expected_state="consulting"))
    response = token_client(offices[WUHUA].legal).post(
        f"{BASE}{pk}/positions/", {"position": "claim", "reasons": "x"}, format="json"
    )
    assert response.status_code == 409 and response.json()["current_state"] == "withdrawn"
    pk = open_via_api(fraud_case, offices)["id"]
    response = token_client(offices[WUHOU].head).post(
        BASE, {"case": fraud_case.pk, "kind": "dispute", "reason": REASON}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_units_that_are_not_parties_may_not_act(fraud_case, offices):
    pk = open_via_api(fraud_case, offices)["id"]
    # Chengdu sees the proceeding (it stands above a party) but takes no part in it.
    detail = ok(token_client(offices[CHENGDU].head).get(f"{BASE}{pk}/"))
    assert detail["available_transitions"] == []
    assert_error(transition(offices[CHENGDU].head, pk, "start_consultation"), 403, "permission_denied")
    ok(transition(offices[WUHOU].head, pk, "start_consultation"))
    for user in (offices[CHENGDU].head, offices[WUHUA].investigator):
        assert_error(transition(user, pk, "agree", lead_unit=WUHUA), 403, "permission_denied")
        response = token_client(user).post(
            f"{BASE}{pk}/positions/", {"position": "claim", "reasons": "x"}, format="json"
        )
        assert_error(response, 403, "permission_denied")
    # Naming a party one does not work in is refused as well.
    response = token_client(offices[WUHOU].legal).post(
        f"{BASE}{pk}/positions/", {"unit": WUHUA, "position": "claim", "reasons": "x"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    # Sichuan is not above Kunming, Guiyang and Chongqing: it may not take the matter up.
    assert_error(
        transition(offices[SICHUAN].head, pk, "take_up", reason="直接指定"), 403, "permission_denied"
    )
    assert pk not in awaiting(offices[CHENGDU].head)


def test_bad_input_names_the_field(fraud_case, offices):
    client = token_client(offices[WUHOU].head)
    body = assert_error(client.post(BASE, {"case": 0, "reason": REASON}, format="json"), 400, "invalid")
    assert "case" in body["fields"]
    body = assert_error(
        client.post(BASE, {"case": fraud_case.pk, "reason": ""}, format="json"), 400, "invalid"
    )
    assert "reason" in body["fields"]
    body = assert_error(
        client.post(
            BASE, {"case": fraud_case.pk, "reason": REASON, "extra_units": ["999999"]}, format="json"
        ),
        400,
        "invalid",
    )
    assert "extra_units" in body["fields"]
    pk = open_via_api(fraud_case, offices)["id"]
    assert_error(transition(offices[WUHOU].head, pk, "no_such_step"), 404, "not_found")
    body = assert_error(
        transition(offices[WUHOU].head, pk, "start_consultation", expected_state="x"), 400, "invalid"
    )
    assert "expected_state" in body["fields"]
    ok(transition(offices[WUHOU].head, pk, "start_consultation"))
    positions = f"{BASE}{pk}/positions/"
    legal = token_client(offices[WUHOU].legal)
    body = assert_error(
        legal.post(positions, {"position": "propose", "reasons": "x"}, format="json"), 400, "invalid"
    )
    assert "proposed_unit" in body["fields"]
    body = assert_error(
        legal.post(positions, {"position": "claim", "reasons": ""}, format="json"), 400, "invalid"
    )
    assert "reasons" in body["fields"]
    body = assert_error(
        legal.post(positions, {"position": "maybe", "reasons": "x"}, format="json"), 400, "invalid"
    )
    assert "position" in body["fields"]
    body = assert_error(
        legal.post(
            positions, {"position": "propose", "reasons": "x", "proposed_unit": "999999"}, format="json"
        ),
        400,
        "invalid",
    )
    assert "proposed_unit" in body["fields"]
    # A user speaking for two parties names the one they speak for.
    both = member(WUHUA, Role.UNIT_HEAD, username="two_hats")
    MembershipFactory(user=both, unit=unit(YUZHONG), role=Role.UNIT_HEAD)
    body = assert_error(
        token_client(both).post(positions, {"position": "claim", "reasons": "x"}, format="json"),
        400,
        "invalid",
    )
    assert "unit" in body["fields"]
    body = ok(
        token_client(both).post(
            positions, {"unit": YUZHONG, "position": "decline", "reasons": "x"}, format="json"
        )
    )
    assert {p["unit"]["code"]: p["position"] for p in body["parties"]}[YUZHONG] == "decline"


def test_an_uninvolved_province_gets_404_on_every_endpoint(fraud_case, offices, qinghai_investigator):
    pk = open_via_api(fraud_case, offices)["id"]
    outsider = member("630100", Role.UNIT_HEAD, username="qinghai_head")
    neighbour = member("530103", Role.UNIT_HEAD, username="panlong_head")  # another Kunming branch
    for user in (qinghai_investigator, outsider, neighbour):
        client = token_client(user)
        assert ok(client.get(BASE))["results"] == []
        assert ok(client.get(BASE, {"awaiting_me": "true"}))["results"] == []
        for response in (
            client.get(f"{BASE}{pk}/"),
            client.post(f"{BASE}{pk}/transitions/start_consultation/", {}, format="json"),
            client.post(f"{BASE}{pk}/transitions/no_such_step/", {}, format="json"),
            client.post(f"{BASE}{pk}/positions/", {"position": "claim", "reasons": "x"}, format="json"),
            client.post(f"{BASE}{pk}/decision/", {"lead_unit": WUHUA, "reason": "x"}, format="json"),
            client.post(f"{BASE}{pk}/handover-items/", {"kind": "file", "description": "x"}, format="json"),
            client.delete(f"{BASE}{pk}/handover-items/1/"),
            client.post(f"{BASE}{pk}/handover-confirmations/", {"digest": "x"}, format="json"),
            client.post(f"{BASE}{pk}/complainants-notified/", {"note": "x"}, format="json"),
            client.post(f"{BASE}{pk}/family-notified/", {"note": "x"}, format="json"),
            client.get(f"/api/v1/cases/{fraud_case.pk}/jurisdiction-analysis/"),
        ):
            assert_error(response, 404, "not_found")
    # The ministry, above every party, sees it.
    assert pk in {row["id"] for row in ok(token_client(offices[MPS].investigator).get(BASE))["results"]}


def test_the_live_analysis_of_a_visible_case(fraud_case, offices):
    body = ok(
        token_client(offices[WUHOU].investigator).get(f"/api/v1/cases/{fraud_case.pk}/jurisdiction-analysis/")
    )
    assert body["case"] == {"id": fraud_case.pk, "number": fraud_case.number, "name": fraud_case.name}
    assert body["rules_version"]
    candidates = {candidate["unit"]["code"]: candidate for candidate in body["candidates"]}
    assert {WUHOU, YUZHONG, WUHUA, NANMING} <= set(candidates)
    for candidate in candidates.values():
        assert candidate["bases"]
        assert all(basis["citation"].startswith("MPS-2020 art ") for basis in candidate["bases"])
        assert all(basis["label_zh"] and basis["label_en"] for basis in candidate["bases"])
    assert body["recommendation"]["outcome"] in {"keep", "transfer", "none_in_system"}
    assert body["recommendation"]["explanation_zh"]
    assert body["factors"] and all(factor["rows"] for factor in body["factors"])
    assert_error(
        token_client(offices[WUHOU].investigator).get("/api/v1/cases/0/jurisdiction-analysis/"),
        404,
        "not_found",
    )


def test_list_filters(fraud_case, offices):
    first = open_via_api(fraud_case, offices)["id"]
    other_case = CaseFactory(
        accepting_unit=unit(WUHOU), state=CaseState.REGISTERED, created_by=offices[WUHOU].investigator
    )
    response = token_client(offices[WUHOU].head).post(
        BASE, {"case": other_case.pk, "kind": "transfer", "reason": "犯罪地不在本辖区"}, format="json"
    )
    second = ok(response, 201)["id"]
    ok(transition(offices[WUHOU].head, first, "start_consultation"))
    client = token_client(offices[WUHOU].head)

    def ids(**params) -> list[int]:
        return [row["id"] for row in ok(client.get(BASE, params))["results"]]

    assert ids() == [second, first]
    assert ids(state="consulting") == [first]
    assert ids(kind="transfer") == [second]
    assert ids(case=fraud_case.pk) == [first]
    assert ids(awaiting_me="true") == [second, first]
    assert_error(client.get(BASE, {"state": "nonsense"}), 400, "invalid")
    row = ok(client.get(BASE, {"case": fraud_case.pk}))["results"][0]
    assert row["case"]["number"] == fraud_case.number and row["state_label"]
    assert {party["unit"]["code"] for party in row["parties"]} == {WUHOU, YUZHONG, WUHUA, NANMING}
    # Nanming's legal officer is waiting on the consultation only, not on Wuhou's transfer.
    assert awaiting(offices[NANMING].legal) == {first}
    assert ids(awaiting_me="false") == []
    assert [
        row["id"]
        for row in ok(token_client(offices[NANMING].legal).get(BASE, {"awaiting_me": "false"}))["results"]
    ] == []


def _detail_queries(user, pk: int) -> int:
    client = token_client(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{BASE}{pk}/")
    assert response.status_code == 200, response.content
    return len(queries)


def _list_queries(user, **params) -> tuple[int, int]:
    client = token_client(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BASE, {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


def _open_some(offices, count: int) -> None:
    for index in range(count):
        case = CaseFactory(
            accepting_unit=unit(WUHOU),
            state=CaseState.UNDER_INVESTIGATION,
            created_by=offices[WUHOU].investigator,
        )
        proceeding = services.proceeding_open(
            case=case, by=offices[WUHOU].head, reason=REASON, extra_units=[unit(WUHUA), unit(YUZHONG)]
        )
        if index % 2:
            services.proceeding_transition(
                proceeding=proceeding, name="start_consultation", by=offices[WUHOU].head
            )


def test_the_list_costs_the_same_for_2_and_6_proceedings(offices):
    _open_some(offices, 2)
    few = {
        params: _list_queries(offices[WUHOU].head, **dict(params))
        for params in [(), (("awaiting_me", "true"),)]
    }
    assert few[()][1] == 2
    _open_some(offices, 4)
    for params, (queries, count) in few.items():
        many, many_count = _list_queries(offices[WUHOU].head, **dict(params))
        assert many_count == count + 4
        assert many == queries, params


def test_the_schema_describes_the_endpoints(wuhou_investigator):
    response = token_client(wuhou_investigator).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, methods in {
        "/api/v1/jurisdiction-proceedings/": {"get", "post"},
        "/api/v1/jurisdiction-proceedings/{id}/": {"get"},
        "/api/v1/jurisdiction-proceedings/{id}/transitions/{name}/": {"post"},
        "/api/v1/jurisdiction-proceedings/{id}/positions/": {"post"},
        "/api/v1/jurisdiction-proceedings/{id}/decision/": {"post"},
        "/api/v1/jurisdiction-proceedings/{id}/handover-items/": {"post"},
        "/api/v1/jurisdiction-proceedings/{id}/handover-items/{item_id}/": {"delete"},
        "/api/v1/jurisdiction-proceedings/{id}/handover-confirmations/": {"post"},
        "/api/v1/jurisdiction-proceedings/{id}/complainants-notified/": {"post"},
        "/api/v1/jurisdiction-proceedings/{id}/family-notified/": {"post"},
        "/api/v1/cases/{case_id}/jurisdiction-analysis/": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            responses = paths[path][method]["responses"]
            assert responses["404" if "{" in path else "401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
    transition_names = next(
        parameter["schema"]["enum"]
        for parameter in paths["/api/v1/jurisdiction-proceedings/{id}/transitions/{name}/"]["post"][
            "parameters"
        ]
        if parameter["name"] == "name"
    )
    assert "request_designation" in transition_names


@pytest.mark.parametrize("persona", ["auditor", "system_admin"])
def test_auditors_and_administrators_are_refused(request, persona, fraud_case, offices):
    pk = open_via_api(fraud_case, offices)["id"]
    client = token_client(request.getfixturevalue(persona))
    assert_error(client.get(f"{BASE}{pk}/"), 403, "no_case_data_access")
    assert_error(
        client.get(f"/api/v1/cases/{fraud_case.pk}/jurisdiction-analysis/"), 403, "no_case_data_access"
    )
