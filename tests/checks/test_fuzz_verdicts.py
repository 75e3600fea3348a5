"""The fuzzer's verdicts (checks/fuzz_api.py) fail on a server error and on anything a persona may not see."""

import sys
from pathlib import Path

import pytest

from cases.models import CaseState
from organisation.models import Role
from tests.cases.conftest import CHENGDU, XINING, officer
from tests.factories.cases import CaseFactory, unit

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
