"""The merger-proposal API (并案侦查, MPS-2020 art 21(2)): propose from a related-case notice, consent,
legal review; decline, reject, withdraw; errors, visibility of the other case, query counts, schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseState, HandlingCode, PartyRole
from cases.related import case_related_detect
from core.identity import make_id_number
from jurisdiction.merger import services as merger
from jurisdiction.models import MergerProposal, MergerState
from organisation.models import Role
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, CasePersonFactory, unit
from tests.support.factories.organisation import member
from tests.support.units import CHENGDU, MPS, WUHOU, WUHUA, YUZHONG

BASE = "/api/v1/merger-proposals/"
REASONS = "同一犯罪嫌疑人在成都、昆明两地实施电信网络诈骗"


def related_pair(
    offices, *, kunming_code: str = HandlingCode.NORMAL, sequence: int = 415
) -> tuple[Case, Case]:
    """Return a Chengdu and a Kunming case sharing a suspect, with the related-case notices found."""
    chengdu = CaseFactory(
        name="4·15 电信网络诈骗案",
        accepting_unit=unit(WUHOU),
        state=CaseState.UNDER_INVESTIGATION,
        created_by=offices[WUHOU].investigator,
    )
    kunming = CaseFactory(
        name="5·02 电信网络诈骗案",
        accepting_unit=unit(WUHUA),
        state=CaseState.UNDER_INVESTIGATION,
        handling_code=kunming_code,
        created_by=offices[WUHUA].investigator,
    )
    shared = make_id_number("520102", dt.date(1990, 3, 7), sequence)
    CasePersonFactory(case=kunming, name="吉某某", id_number=shared)
    CasePersonFactory(case=chengdu, name="吉某某", id_number=shared)
    assert case_related_detect(case=chengdu, by=offices[WUHOU].investigator)
    return chengdu, kunming


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def propose(user, **body):
    return token_client(user).post(BASE, body, format="json")


def propose_ok(offices, chengdu: Case, kunming: Case, **extra) -> dict:
    """Wuhou proposes to merge its case into the Kunming one, named by the number its notice gave."""
    body = {
        "into_case": kunming.number,
        "merged_case": chengdu.pk,
        "ground": "one_person",
        "reasons": REASONS,
        **extra,
    }
    return ok(propose(offices[WUHOU].head, **body), 201)


def step(user, pk: int, name: str, **body):
    return token_client(user).post(f"{BASE}{pk}/transitions/{name}/", body, format="json")


@pytest.fixture
def pair(offices):
    return related_pair(offices)


def test_propose_consent_approve_merges_and_keeps_both_numbers(pair, offices):
    chengdu, kunming = pair
    body = propose_ok(offices, chengdu, kunming)
    pk = body["id"]
    assert body["state"] == "proposed" and body["state_label"]
    assert body["ground"] == "one_person" and body["ground_label"]
    assert body["reasons"] == REASONS
    # Wuhou does not see the Kunming case: its number and owning unit, nothing more.
    assert body["into_case"] == {
        "id": None,
        "number": kunming.number,
        "name": "",
        "state": "",
        "state_label": "",
        "unit": {"code": WUHUA, "name": unit(WUHUA).name},
        "visible": False,
    }
    assert body["merged_case"]["id"] == chengdu.pk and body["merged_case"]["name"] == chengdu.name
    assert body["merged_case"]["visible"] is True
    # The related-case notice the proposal starts from is found by itself; its value stays masked.
    assert body["match"]["kind"] == "id_number" and "*" in body["match"]["value"]
    assert body["proposing_unit"]["code"] == WUHOU and body["consenting_unit"]["code"] == WUHUA
    assert body["reviewing_unit"]["code"] == WUHUA
    assert body["available_transitions"] == ["withdraw"]
    assert body["proposed_by"]["username"] == "wuhou_head"
    assert [row["action"] for row in body["timeline"]] == ["propose"]

    # Kunming sees its own case in full and the Chengdu one by number and unit only.
    detail = ok(token_client(offices[WUHUA].head).get(f"{BASE}{pk}/"))
    assert detail["into_case"]["id"] == kunming.pk and detail["into_case"]["visible"] is True
    assert detail["merged_case"]["id"] is None and detail["merged_case"]["number"] == chengdu.number
    assert detail["merged_case"]["name"] == "" and detail["merged_case"]["unit"]["code"] == WUHOU
    assert set(detail["available_transitions"]) == {"consent", "decline"}

    body = ok(step(offices[WUHUA].head, pk, "consent", reason="同意并案", expected_state="proposed"))
    assert body["state"] == "agreed" and body["response"] == "同意并案"
    # Only the legal department of the unit that will lead reviews it.
    assert_error(step(offices[WUHOU].legal, pk, "approve"), 403, "permission_denied")
    assert_error(step(offices[WUHUA].head, pk, "approve"), 403, "permission_denied")
    assert ok(token_client(offices[WUHUA].legal).get(f"{BASE}{pk}/"))["available_transitions"] == [
        "approve",
        "reject",
    ]
    body = ok(step(offices[WUHUA].legal, pk, "approve", reason="符合并案条件", expected_state="agreed"))
    assert body["state"] == "merged" and body["legal_review_note"] == "符合并案条件"
    assert body["available_transitions"] == []
    assert [row["action"] for row in body["timeline"]] == ["propose", "consent", "approve"]
    assert [row["to_state"] for row in body["timeline"]] == ["proposed", "agreed", "merged"]

    chengdu.refresh_from_db()
    kunming.refresh_from_db()
    assert chengdu.state == CaseState.MERGED and chengdu.merged_into_id == kunming.pk
    assert chengdu.number and kunming.number and kunming.state == CaseState.UNDER_INVESTIGATION
    # Wuhou assists in the Kunming case now, so it sees that case in full.
    after = ok(token_client(offices[WUHOU].head).get(f"{BASE}{pk}/"))
    assert after["into_case"]["visible"] is True and after["into_case"]["name"] == kunming.name
    assert after["merged_case"]["state"] == CaseState.MERGED


def test_declining_and_rejecting_need_reasons_and_leave_the_cases_apart(pair, offices):
    chengdu, kunming = pair
    pk = propose_ok(offices, chengdu, kunming)["id"]
    body = assert_error(step(offices[WUHUA].head, pk, "decline", reason=" "), 400, "invalid")
    assert "reason" in body["fields"]
    body = ok(step(offices[WUHUA].head, pk, "decline", reason="并无关联", expected_state="proposed"))
    assert body["state"] == "declined" and body["response"] == "并无关联"
    assert body["available_transitions"] == []

    again = propose_ok(offices, chengdu, kunming, ground="linked", reasons="资金流向关联")["id"]
    ok(step(offices[WUHUA].legal, again, "consent"))
    body = assert_error(step(offices[WUHUA].legal, again, "reject"), 400, "invalid")
    assert "reason" in body["fields"]
    body = ok(step(offices[WUHUA].legal, again, "reject", reason="证据不足"))
    assert body["state"] == "rejected" and body["legal_review_note"] == "证据不足"

    third = propose_ok(offices, chengdu, kunming, ground="joint_crime")["id"]
    assert_error(step(offices[WUHUA].head, third, "withdraw", reason="x"), 403, "permission_denied")
    body = ok(step(offices[WUHOU].head, third, "withdraw", reason="另案处理"))
    assert body["state"] == "withdrawn"
    chengdu.refresh_from_db()
    assert chengdu.state == CaseState.UNDER_INVESTIGATION and chengdu.merged_into_id is None


def test_a_stale_step_or_a_second_proposal_answers_409(pair, offices):
    chengdu, kunming = pair
    pk = propose_ok(offices, chengdu, kunming)["id"]
    response = step(offices[WUHUA].head, pk, "consent", expected_state="agreed")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "conflict" and body["message"] and body["current_state"] == "proposed"
    # A step the state does not offer is a conflict too, not a permission question.
    response = step(offices[WUHUA].legal, pk, "approve")
    assert response.status_code == 409 and response.json()["current_state"] == "proposed"
    ok(step(offices[WUHUA].head, pk, "consent", expected_state="proposed"))
    response = step(offices[WUHUA].legal, pk, "consent", expected_state="proposed")
    assert response.status_code == 409 and response.json()["current_state"] == "agreed"
    # One open proposal per merged case.
    response = propose(
        offices[WUHOU].head, into_case=kunming.number, merged_case=chengdu.pk, ground="linked", reasons="x"
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert MergerProposal.objects.filter(merged_case=chengdu).count() == 1


def test_only_the_managers_of_a_case_unit_may_propose_and_answer(pair, offices):
    chengdu, kunming = pair
    body = {"into_case": kunming.number, "merged_case": chengdu.pk, "ground": "one_person", "reasons": "x"}
    # Chengdu city sees the Wuhou case (it stands above it) but does not handle it; an investigator
    # of Wuhou handles it but does not decide on mergers.
    for user in (offices[CHENGDU].head, offices[WUHOU].investigator):
        assert_error(propose(user, **body), 403, "permission_denied")
    pk = propose_ok(offices, chengdu, kunming)["id"]
    for user in (offices[WUHOU].head, offices[CHENGDU].head, offices[WUHUA].investigator):
        assert_error(step(user, pk, "consent"), 403, "permission_denied")
    assert_error(step(offices[WUHUA].head, pk, "withdraw", reason="x"), 403, "permission_denied")
    assert MergerProposal.objects.get(pk=pk).state == MergerState.PROPOSED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ground": "convenience"}, "ground"),
        ({"ground": ""}, "ground"),
        ({"reasons": " "}, "reasons"),
        ({"into_case": "A999999202699999"}, "into_case"),
        ({"merged_case": 0}, "merged_case"),
        ({"merged_case": "9" * 30}, "merged_case"),
        ({"match": int("9" * 30)}, "match"),
        ({"match": 0}, "match"),
    ],
)
def test_bad_input_answers_400_naming_the_field(pair, offices, changes, field):
    chengdu, kunming = pair
    body = {
        "into_case": kunming.number,
        "merged_case": chengdu.pk,
        "ground": "one_person",
        "reasons": REASONS,
    }
    answer = assert_error(propose(offices[WUHOU].head, **{**body, **changes}), 400, "invalid")
    assert field in answer["fields"], answer
    assert not MergerProposal.objects.exists()


def test_a_notice_about_other_cases_cannot_start_the_proposal(pair, offices):
    chengdu, kunming = pair
    third, _fourth = related_pair(offices, sequence=416)
    notice = third.related_matches.get()
    answer = assert_error(
        propose(
            offices[WUHOU].head,
            into_case=kunming.number,
            merged_case=chengdu.pk,
            ground="one_person",
            reasons=REASONS,
            match=notice.pk,
        ),
        400,
        "invalid",
    )
    assert "match" in answer["fields"]


def test_a_restricted_case_is_never_named_to_a_unit_that_does_not_see_it(offices):
    chengdu, kunming = related_pair(offices, kunming_code=HandlingCode.RESTRICTED)
    # The notice named no restricted case, so Wuhou cannot name it either: the same answer as for
    # a number that does not exist.
    body = {"into_case": kunming.number, "merged_case": chengdu.pk, "ground": "one_person", "reasons": "x"}
    answer = assert_error(propose(offices[WUHOU].head, **body), 400, "invalid")
    missing = assert_error(
        propose(offices[WUHOU].head, **{**body, "into_case": "A530102202699999"}), 400, "invalid"
    )
    assert answer["fields"] == {"into_case": missing["fields"]["into_case"]}
    # Its own unit, which sees it, may propose the merger; the proposal still names the restricted
    # case to Wuhou by its unit only (issue 16: at most what discovery allows, whoever proposed).
    pk = ok(
        propose(
            offices[WUHUA].head,
            into_case=chengdu.number,
            merged_case=kunming.pk,
            ground="one_person",
            reasons=REASONS,
        ),
        201,
    )["id"]
    seen_by_wuhou = ok(token_client(offices[WUHOU].head).get(f"{BASE}{pk}/"))["merged_case"]
    assert seen_by_wuhou["number"] == "" and seen_by_wuhou["visible"] is False
    assert seen_by_wuhou["unit"]["code"] == WUHUA  # whom to ask


def test_a_restricted_case_another_unit_named_is_shown_by_its_unit_only(pair, offices):
    chengdu, kunming = pair
    pk = propose_ok(offices, chengdu, kunming)["id"]
    # The Kunming case is restricted after the proposal: Wuhou no longer hears its number.
    Case.objects.filter(pk=kunming.pk).update(handling_code=HandlingCode.RESTRICTED)
    into = ok(token_client(offices[WUHOU].head).get(f"{BASE}{pk}/"))["into_case"]
    assert into["number"] == "" and into["id"] is None and into["unit"]["code"] == WUHUA
    rows = ok(token_client(offices[WUHOU].head).get(BASE))["results"]
    assert rows[0]["into_case"]["number"] == ""
    # Kunming, which sees it, is shown it in full.
    assert ok(token_client(offices[WUHUA].head).get(f"{BASE}{pk}/"))["into_case"]["number"] == kunming.number


def test_an_internal_case_known_from_its_notice_may_be_proposed_by_number(offices):
    chengdu, kunming = related_pair(offices, kunming_code=HandlingCode.INTERNAL)
    body = propose_ok(offices, chengdu, kunming)
    assert body["into_case"]["number"] == kunming.number and body["into_case"]["name"] == ""
    # Its id was never told: asking by id is "no such case".
    answer = assert_error(
        propose(
            offices[WUHOU].head, into_case=kunming.pk, merged_case=chengdu.pk, ground="linked", reasons="x"
        ),
        400,
        "invalid",
    )
    assert "into_case" in answer["fields"]


def test_an_uninvolved_province_gets_404_on_every_endpoint(pair, offices, qinghai_investigator):
    chengdu, kunming = pair
    pk = propose_ok(offices, chengdu, kunming)["id"]
    outsider = member("630100", Role.UNIT_HEAD, username="qinghai_head")
    for user in (qinghai_investigator, outsider, offices[YUZHONG].head):
        client = token_client(user)
        assert ok(client.get(BASE))["results"] == []
        assert ok(client.get(BASE, {"case": chengdu.pk}))["results"] == []
        for response in (
            client.get(f"{BASE}{pk}/"),
            client.get(f"{BASE}{pk + 1000}/"),
            client.post(f"{BASE}{pk}/transitions/consent/", {}, format="json"),
            client.post(f"{BASE}{pk}/transitions/withdraw/", {"reason": "x"}, format="json"),
            client.post(f"{BASE}{pk}/transitions/no_such_step/", {}, format="json"),
        ):
            assert_error(response, 404, "not_found")
        # Naming cases it does not see gets the answer a case that does not exist gets: a field error
        # to one who may propose mergers, the same 403 whatever the body to one who may propose none.
        may_propose = user is not qinghai_investigator
        for into_case, merged_case in ((kunming.pk, chengdu.pk), (kunming.pk + 1000, chengdu.pk + 1000)):
            body = {"into_case": into_case, "merged_case": merged_case, "ground": "linked", "reasons": "x"}
            response = client.post(BASE, body, format="json")
            if may_propose:
                answer = assert_error(response, 400, "invalid")
                assert set(answer["fields"]) == {"into_case", "merged_case"}
            else:
                assert_error(response, 403, "permission_denied")
    assert MergerProposal.objects.get(pk=pk).state == MergerState.PROPOSED
    # The ministry stands above both cases and sees the proposal.
    assert pk in {row["id"] for row in ok(token_client(offices[MPS].investigator).get(BASE))["results"]}


def test_list_filters(offices):
    first_chengdu, first_kunming = related_pair(offices, sequence=415)
    second_chengdu, second_kunming = related_pair(offices, sequence=416)
    first = propose_ok(offices, first_chengdu, first_kunming)["id"]
    second = propose_ok(offices, second_chengdu, second_kunming, ground="linked")["id"]
    ok(step(offices[WUHUA].head, second, "consent"))
    client = token_client(offices[WUHOU].head)

    def ids(**params) -> list[int]:
        return [row["id"] for row in ok(client.get(BASE, params))["results"]]

    assert ids() == [second, first]
    assert ids(state="agreed") == [second]
    assert ids(state="proposed") == [first]
    assert ids(ground="one_person") == [first]
    assert ids(case=first_chengdu.pk) == [first]
    assert ids(case=second_kunming.pk) == [second]
    assert_error(client.get(BASE, {"state": "nonsense"}), 400, "invalid")
    row = ok(client.get(BASE, {"case": first_chengdu.pk}))["results"][0]
    assert row["merged_case"]["number"] == first_chengdu.number and row["state_label"]
    assert row["into_case"]["visible"] is False and row["available_transitions"] == ["withdraw"]


def _make_proposals(offices, count: int) -> None:
    for index in range(count):
        chengdu = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
        kunming = CaseFactory(
            accepting_unit=unit(WUHUA),
            state=CaseState.UNDER_INVESTIGATION,
            handling_code=HandlingCode.INTERNAL if index % 2 else HandlingCode.NORMAL,
            parties=[(unit(WUHOU), PartyRole.ASSISTING)] if index % 3 == 0 else [],
        )
        proposal = merger.merger_propose(
            into_case=kunming, merged_case=chengdu, by=offices[WUHOU].head, ground="linked", reasons="x"
        )
        if index % 2:
            merger.merger_transition(proposal=proposal, name="consent", by=offices[WUHUA].head)


def _list_queries(user) -> tuple[int, int]:
    client = token_client(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BASE, {"page_size": 100})
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


def test_the_list_costs_the_same_for_2_and_5_proposals(offices):
    _make_proposals(offices, 2)
    few, count = _list_queries(offices[WUHOU].head)
    assert count == 2
    _make_proposals(offices, 3)
    many, count = _list_queries(offices[WUHOU].head)
    assert count == 5
    assert many == few


def test_the_schema_describes_the_endpoints(wuhou_investigator):
    response = token_client(wuhou_investigator).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, methods in {
        "/api/v1/merger-proposals/": {"get", "post"},
        "/api/v1/merger-proposals/{id}/": {"get"},
        "/api/v1/merger-proposals/{id}/transitions/{name}/": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            responses = paths[path][method]["responses"]
            assert responses["404" if "{" in path else "401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
    names = next(
        parameter["schema"]["enum"]
        for parameter in paths["/api/v1/merger-proposals/{id}/transitions/{name}/"]["post"]["parameters"]
        if parameter["name"] == "name"
    )
    assert set(names) == {"consent", "decline", "approve", "reject", "withdraw"}


def test_auditors_are_refused_before_anything_is_looked_up(pair, offices, auditor):
    chengdu, kunming = pair
    pk = propose_ok(offices, chengdu, kunming)["id"]
    client = token_client(auditor)
    for response in (
        client.get(BASE),
        client.get(f"{BASE}{pk}/"),
        client.post(f"{BASE}{pk}/transitions/consent/"),
    ):
        assert_error(response, 403, "no_case_data_access")
