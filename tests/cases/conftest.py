import pytest

from organisation.models import Role
from tests.support.factories.cases import CaseFactory
from tests.support.personas import officer
from tests.support.units import WUHOU


@pytest.fixture
def wuhou_head(db):
    return officer(WUHOU, Role.DEPARTMENT_HEAD)


@pytest.fixture
def wuhou_unit_head(db):
    return officer(WUHOU, Role.UNIT_HEAD)


@pytest.fixture
def case(db):
    return CaseFactory(state="under_investigation")
