"""Fixed worlds, one per leak family of issue 16, swept like the property test but small and readable.

Each test builds one hand-written plan (tests/support/factories/world.py), names the persona that must not
read the case and the routes where the leak was, and requires that no response there contains a
marker of a case outside `case_visible_to` for that persona (tests/visibility/oracle.py).
"""

from __future__ import annotations

import logging

import pytest
from django.test import TestCase

from cases.models import CaseState, HandlingCode, LocationRole, PartyRole, PersonRole
from cases.selectors import case_visible_to
from organisation.models import Role
from tests.support.factories.world import build_world
from tests.visibility.sweep import check_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(settings):
    logging.getLogger("django.request").setLevel(logging.ERROR)
    settings.SEARCH_RATE_PER_MINUTE = 100000


def case(accepting, code, *, state=CaseState.UNDER_INVESTIGATION, locations=(), parties=()):
    return {
        "accepting": accepting,
        "handling_code": code,
        "state": state,
        "locations": [(LocationRole.VICTIM_LOSS, accepting), *locations],
        "persons": [PersonRole.SUSPECT],
        "parties": list(parties),
    }


def plan(**parts):
    empty = {
        "users": [],
        "cases": [],
        "requests": [],
        "proceedings": [],
        "mergers": [],
        "bulletins": [],
        "grants": [],
        "meeting": None,
        "recode": [],
    }
    return {**empty, **parts}


def built(parts):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return build_world(plan(**parts))


def assert_no_leak(world, persona, only):
    hidden = [c.pk for c in world.cases if not case_visible_to(persona).filter(pk=c.pk).exists()]
    assert hidden, "the persona must be unable to see a case of the world, or the test proves nothing"
    leaks, statuses = check_world(world, who=[persona], only=only)
    assert statuses.get("2xx", 0) > 0, statuses
    assert not leaks, "\n".join(leaks)


def test_a_restricted_case_does_not_reach_a_superior_of_another_party_through_its_proceeding():
    """Leak 1: a Chongqing investigator, superior of the 渝中 party, read the 限制 case's proceeding."""
    world = built(
        {
            "users": [[("500000", Role.INVESTIGATOR, "current")]],
            "cases": [case("510107", HandlingCode.RESTRICTED)],
            "proceedings": [{"case": 0, "extra": ["500103"]}],
        }
    )
    assert not world.notes, world.notes
    assert_no_leak(world, world.users[0], r"(api/v1/jurisdiction-proceedings/|jurisdiction/|api/v1/inbox/|$)")


def test_a_merger_proposal_does_not_show_a_restricted_case_to_the_other_side():
    """Leak 2: the proposal showed the 限制 case's number and the reasons to the other unit."""
    world = built(
        {
            "users": [[("530102", Role.INVESTIGATOR, "current")]],
            "cases": [case("530102", HandlingCode.NORMAL), case("510107", HandlingCode.RESTRICTED)],
            "mergers": [{"into": 0, "merged": 1}],
        }
    )
    assert not world.notes, world.notes
    assert_no_leak(world, world.users[0], r"(api/v1/merger-proposals/|jurisdiction/|api/v1/cases/|cases/|$)")


def test_an_agenda_item_follows_its_case_when_the_case_becomes_restricted():
    """Leak 3: agenda items kept the case's number and name after it became 限制."""
    world = built(
        {
            "users": [[("530000", Role.LIAISON_OFFICER, "current")]],
            "cases": [case("510107", HandlingCode.NORMAL)],
            "proceedings": [{"case": 0, "extra": ["500103"]}],
            "meeting": {"host": "500000"},
            "recode": [(0, HandlingCode.RESTRICTED)],
        }
    )
    assert not world.notes, world.notes
    assert_no_leak(world, world.users[0], r"(api/v1/meetings/|meetings/|api/v1/inbox/|$)")


def test_a_bulletin_does_not_open_its_linked_case_to_its_recipients():
    """Leak 3 (bulletins): a recipient who may not see the linked case reads nothing of it."""
    world = built(
        {
            "users": [[("530100", Role.INTAKE_OFFICER, "current")]],
            "cases": [case("510107", HandlingCode.INTERNAL)],
            "bulletins": [{"case": 0, "targets": ["530100"]}],
        }
    )
    assert not world.notes, world.notes
    assert_no_leak(world, world.users[0], r"(api/v1/bulletins/|bulletins/|$)")


@pytest.mark.parametrize("status", ["expired", "revoked"])
def test_an_expired_or_revoked_grant_opens_nothing(status):
    """An access grant past its end or revoked reads as no grant on every path."""
    world = built(
        {
            "users": [[("630100", Role.INVESTIGATOR, "current")]],
            "cases": [case("510107", HandlingCode.NORMAL)],
            "grants": [{"user": 0, "case": 0, "status": status}],
        }
    )
    assert_no_leak(world, world.users[0], r"(api/v1/|cases/|access-requests/|search/|$)")


@pytest.mark.parametrize("status", ["expired", "future"])
def test_a_membership_out_of_its_dates_sees_nothing(status):
    """A membership that ended, or has not begun, gives its unit's view of no case."""
    world = built(
        {
            "users": [[("510107", Role.INVESTIGATOR, status), ("630100", Role.INVESTIGATOR, "current")]],
            "cases": [case("510107", HandlingCode.INTERNAL)],
        }
    )
    assert_no_leak(world, world.users[0], r"(api/v1/cases/|cases/|$)")


def test_the_system_administrator_reads_no_case_data_in_the_admin():
    """Item 6: audit payloads and outbox messages shown in /admin/ carried case numbers and names."""
    from tests.support.factories.organisation import UserFactory

    world = built(
        {
            "users": [[("630100", Role.INVESTIGATOR, "current")]],
            "cases": [case("510107", HandlingCode.NORMAL), case("530102", HandlingCode.RESTRICTED)],
            "proceedings": [{"case": 0, "extra": ["500103"]}],
            "grants": [{"user": 0, "case": 0, "status": "active"}],
        }
    )
    admin = UserFactory(username="visibility_admin", is_staff=True, is_superuser=True)
    assert_no_leak(world, admin, r"admin/")


def test_an_acting_head_of_a_party_sees_and_its_superior_sees_no_restricted_case():
    """Acting memberships count for their dates; the superior of a non-lead party never sees 限制."""
    world = built(
        {
            "users": [[("500103", Role.UNIT_HEAD, "acting")], [("500000", Role.UNIT_HEAD, "current")]],
            "cases": [case("510107", HandlingCode.RESTRICTED, parties=[("500103", PartyRole.ASSISTING)])],
        }
    )
    acting, superior = world.users
    assert case_visible_to(acting).filter(pk=world.cases[0].pk).exists()
    assert_no_leak(world, superior, r"(api/v1/|cases/|jurisdiction/|search/|$)")
