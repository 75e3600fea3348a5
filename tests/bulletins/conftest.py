import pytest

from organisation.models import Unit
from tests.support.bulletins import SIX
from tests.support.units import WUHOU, YUNNAN


@pytest.fixture
def yunnan_head(cast):
    return cast.office(YUNNAN, "yunnan").head


@pytest.fixture
def wuhou_intake(cast):
    return cast.office(WUHOU, "wuhou").intake


@pytest.fixture
def wuhou_liaison(cast):
    return cast.office(WUHOU, "wuhou").liaison


@pytest.fixture
def county_count(db):
    return Unit.objects.filter(level=3, is_active=True, province_code__in=SIX).count()
