import pytest

from bulletins.models import BulletinKind
from bulletins.services import bulletin_create
from organisation.models import Role, Unit
from tests.factories.organisation import member

SIX = ["500000", "510000", "520000", "530000", "540000", "630000"]


@pytest.fixture
def yunnan_head(db):
    return member("530000", Role.UNIT_HEAD, username="yunnan_head")


@pytest.fixture
def wuhou_intake(db):
    return member("510107", Role.INTAKE_OFFICER, username="wuhou_intake", department_kind="command")


@pytest.fixture
def wuhou_liaison(db):
    return member("510107", Role.LIAISON_OFFICER, username="wuhou_liaison")


@pytest.fixture
def county_count(db):
    return Unit.objects.filter(level=3, is_active=True, province_code__in=SIX).count()


def draft(user, unit_code, *, kind=BulletinKind.WANTED_NOTICE, targets=None, **extra):
    return bulletin_create(
        user=user,
        issuing_unit=Unit.objects.get(code=unit_code),
        data={
            "kind": kind,
            "title": "涉枪涉爆协查通报",
            "body": "请各单位协助查找下列涉枪涉爆线索。",
            "target_spec": targets or {"levels": [3], "provinces": SIX},
            **extra,
        },
    )
