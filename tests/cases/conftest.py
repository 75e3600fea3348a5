import itertools

import pytest

from organisation.models import Membership, Role, Unit, User
from tests.factories.cases import CaseFactory

WUHOU = "510107"
CHENGDU = "510100"
SICHUAN = "510000"
KUNMING = "530100"
WUHUA = "530102"  # 昆明市公安局五华区分局
GUIYANG = "520100"
XINING = "630100"

IN_CRIMINAL_DEPARTMENT = (Role.INVESTIGATOR, Role.DEPARTMENT_HEAD)
_officers = itertools.count(1)


def officer(code: str, role: str = Role.INVESTIGATOR, **extra) -> User:
    """Return a new user holding one role in the unit with this code (investigators and heads in 刑侦).

    Without a password, so the hundreds of users of the transition tables cost no Argon2 hashing;
    `member()` gives a user who signs in.
    """
    unit = Unit.objects.get(code=code)
    user = User.objects.create(username=f"officer{next(_officers)}", full_name="测试民警")
    department = unit.departments.filter(kind="criminal").first() if role in IN_CRIMINAL_DEPARTMENT else None
    Membership.objects.create(user=user, unit=unit, role=role, department=department, **extra)
    return user


@pytest.fixture
def wuhou_head(db):
    return officer(WUHOU, Role.DEPARTMENT_HEAD)


@pytest.fixture
def wuhou_unit_head(db):
    return officer(WUHOU, Role.UNIT_HEAD)


@pytest.fixture
def case(db):
    return CaseFactory(state="under_investigation")
