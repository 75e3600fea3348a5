"""The officers of the six provincial organs, the 南明 branch, and the two seeded series."""

from __future__ import annotations

import pytest

from organisation.models import User
from tests.support.factories.meetings import chuanyu_legal_series, pan_southwest_series
from tests.support.personas import Office
from tests.support.units import NANMING, SIX, XINING

PREFIX = {
    "500000": "chongqing",
    "510000": "sichuan",
    "520000": "guizhou",
    "530000": "yunnan",
    "540000": "tibet",
    "630000": "qinghai",
}


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def provinces(cast) -> dict[str, Office]:
    """The head, legal officer and liaison officer (with e-mail) of each of the six provincial organs."""
    return {
        code: cast.office(code, PREFIX[code], email=True).staff("head", "legal", "liaison") for code in SIX
    }


@pytest.fixture
def nanming(cast) -> Office:
    """贵阳市公安局南明区分局: a unit inside Guizhou's subtree, not itself a member."""
    branch = cast.office(NANMING, "nanming", departments={"intake": None})
    return branch.staff("head", "department_head", "intake", "investigator")


@pytest.fixture
def xining_investigator(cast) -> User:
    """An investigator in a member's subtree (西宁市公安局), not a member unit and not a participant."""
    return cast.office(XINING, "xining").investigator


@pytest.fixture
def pan_southwest(db):
    """泛西南警务合作联席会议: the six provincial organs, Chongqing chairing, in the order of DOMAIN.md §5."""
    return pan_southwest_series()


@pytest.fixture
def chuanyu_legal(db):
    """川渝公安法制执法协作联席会议: Sichuan and Chongqing, Sichuan chairing."""
    return chuanyu_legal_series()
