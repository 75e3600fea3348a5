"""The fuzzer's verdicts (checks/fuzz_api.py) fail on a server error and on anything a persona may not see."""

import sys
from pathlib import Path

import pytest

from cases.models import CaseState
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, XINING

# checks/ is a folder of scripts, not a package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "checks"))
import fuzz_api

pytestmark = pytest.mark.django_db


@pytest.fixture
def verdicts():
    return fuzz_api.Verdicts(fuzz_api.object_kinds())


def test_an_object_the_persona_may_not_see_fails_when_answered_and_passes_when_404(verdicts):
    chengdu_case = CaseFactory(accepting_unit=unit(CHENGDU), state=CaseState.UNDER_INVESTIGATION)
    xining = officer(XINING, Role.INVESTIGATOR)
    path = f"/api/v1/cases/{chengdu_case.pk}/"
    assert verdicts.problems(xining, "GET", path, 200, {"id": chengdu_case.pk}) == [
        f"200 for /api/v1/cases/{chengdu_case.pk}, which the persona may not see"
    ]
    assert verdicts.problems(xining, "POST", path + "transitions/close/", 200, {}) != []
    assert verdicts.problems(xining, "GET", path, 404, {}) == []
    # Its own unit's investigator may see it.
    assert verdicts.problems(officer(CHENGDU, Role.INVESTIGATOR), "GET", path, 200, {}) == []


def test_a_list_showing_a_hidden_object_fails(verdicts):
    chengdu_case = CaseFactory(accepting_unit=unit(CHENGDU), state=CaseState.UNDER_INVESTIGATION)
    xining_case = CaseFactory(accepting_unit=unit(XINING), state=CaseState.UNDER_INVESTIGATION)
    xining = officer(XINING, Role.INVESTIGATOR)
    own = {"results": [{"id": xining_case.pk}]}
    leaked = {"results": [{"id": xining_case.pk}, {"id": chengdu_case.pk}]}
    assert verdicts.problems(xining, "GET", "/api/v1/cases/", 200, own) == []
    assert verdicts.problems(xining, "GET", "/api/v1/cases/", 200, leaked) == [
        f"list shows [{chengdu_case.pk}], which the persona may not see"
    ]


def test_a_server_error_fails_whoever_asks(verdicts):
    assert verdicts.problems(None, "GET", "/api/v1/offences/", 500, None) == ["server error 500"]
    assert verdicts.problems(None, "GET", "/api/v1/offences/", 401, None) == []


# --- hostile shapes (issue 16) ---------------------------------------------------------------------


class _Case:
    def __init__(self, body=None, query=None):
        self.body, self.query = body, query


@pytest.mark.parametrize(
    ("shape", "expected_int", "expected_text"),
    [
        ("huge", fuzz_api.HUGE, fuzz_api.HUGE),
        ("-huge", -fuzz_api.HUGE, -fuzz_api.HUGE),
        ("nul", "a\x00b", "a\x00b"),
        ("long", fuzz_api.LONG_TEXT, fuzz_api.LONG_TEXT),
    ],
)
def test_a_hostile_shape_replaces_one_body_field(shape, expected_int, expected_text):
    case = _Case(body={"count": 3, "name": "x"})
    assert fuzz_api.mutate(case, shape, 0) == "body.count"
    assert case.body == {"count": expected_int, "name": "x"}
    case = _Case(body={"count": 3, "name": "x"})
    assert fuzz_api.mutate(case, shape, 1) == "body.name"
    assert case.body == {"count": 3, "name": expected_text}


def test_a_hostile_shape_in_a_query_is_text_and_a_list_stays_a_list():
    case = _Case(body={"ids": [1, 2]}, query={"case": "7"})
    assert fuzz_api.mutate(case, "huge", 1) == "query.case"
    assert case.query == {"case": str(fuzz_api.HUGE)}
    assert fuzz_api.mutate(case, "huge", 0) == "body.ids"
    assert case.body == {"ids": [fuzz_api.HUGE]}
    assert fuzz_api.mutate(_Case(), "huge", 0) is None


def test_the_nested_shape_is_deeper_than_the_parser_allows():
    from config.drf.parsers import MAX_JSON_DEPTH, json_depth_exceeds

    case = _Case(body={"a": 1})
    fuzz_api.mutate(case, "nested", 0)
    assert json_depth_exceeds(case.body, MAX_JSON_DEPTH)
    assert fuzz_api.DEEP_BODY.count("[") == 1000


def test_a_deep_body_that_fails_the_server_is_a_failure(wuhou_investigator):
    from organisation.authentication import api_token_issue

    headers = {"Authorization": f"Token {api_token_issue(user=wuhou_investigator)[1]}"}
    assert (
        fuzz_api.deep_body(
            "POST", "/api/v1/cases/", label="POST /api/v1/cases/", persona="p", headers=headers
        )
        == []
    )
