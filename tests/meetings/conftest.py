"""The officers of the six provincial organs, the 南明 branch, and the two seeded series."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from organisation.models import Role, Unit, User
from tests.factories.meetings import SIX, chuanyu_legal_series, pan_southwest_series
from tests.factories.organisation import member

NANMING, XINING = "520102", "630100"
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


@dataclass
class Office:
    """The officers of a member unit who take part in joint meetings."""

    unit: Unit
    head: User
    legal: User
    liaison: User


def _with_email(user: User) -> User:
    user.email = f"{user.username}@police.example"
    user.save(update_fields=["email"])
    return user


def office(code: str, prefix: str) -> Office:
    return Office(
        unit=Unit.objects.get(code=code),
        head=_with_email(member(code, Role.UNIT_HEAD, username=f"{prefix}_head")),
        legal=_with_email(
            member(code, Role.LEGAL_OFFICER, username=f"{prefix}_legal", department_kind="legal")
        ),
        liaison=_with_email(member(code, Role.LIAISON_OFFICER, username=f"{prefix}_liaison")),
    )


@pytest.fixture
def provinces(db) -> dict[str, Office]:
    """The head, legal officer and liaison officer (with e-mail) of each of the six provincial organs."""
    return {code: office(code, PREFIX[code]) for code in SIX}


@dataclass
class Branch:
    unit: Unit
    head: User
    department_head: User
    intake: User
    investigator: User


@pytest.fixture
def nanming(db) -> Branch:
    """贵阳市公安局南明区分局: a unit inside Guizhou's subtree, not itself a member."""
    return Branch(
        unit=Unit.objects.get(code=NANMING),
        head=member(NANMING, Role.UNIT_HEAD, username="nanming_head"),
        department_head=member(
            NANMING, Role.DEPARTMENT_HEAD, username="nanming_dept_head", department_kind="criminal"
        ),
        intake=member(NANMING, Role.INTAKE_OFFICER, username="nanming_intake"),
        investigator=member(
            NANMING, Role.INVESTIGATOR, username="nanming_investigator", department_kind="criminal"
        ),
    )


@pytest.fixture
def xining_investigator(db) -> User:
    """An investigator in a member's subtree (西宁市公安局), not a member unit and not a participant."""
    return member(XINING, Role.INVESTIGATOR, username="xining_investigator", department_kind="criminal")


@pytest.fixture
def pan_southwest(db):
    """泛西南警务合作联席会议: the six provincial organs, Chongqing chairing, in the order of DOMAIN.md §5."""
    return pan_southwest_series()


@pytest.fixture
def chuanyu_legal(db):
    """川渝公安法制执法协作联席会议: Sichuan and Chongqing, Sichuan chairing."""
    return chuanyu_legal_series()
