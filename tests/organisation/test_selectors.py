"""Tree selectors by materialised path, and what memberships grant: current, expired, acting."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from organisation.models import Membership, Role, Unit, User
from organisation.selectors import (
    common_superior,
    memberships_current,
    unit_ancestors,
    unit_get,
    unit_subtree,
    user_has_role,
    user_may_read_case_data,
    user_units,
)
from tests.support.factories.organisation import MembershipFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def units(*codes):
    found = Unit.objects.in_bulk(codes, field_name="code")
    return [found[code] for code in codes]


def test_unit_get():
    assert unit_get("510107").name == "成都市公安局武侯区分局"
    assert unit_get("000000").name == "公安部"
    with pytest.raises(Unit.DoesNotExist):
        unit_get("519999")


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (("510107", "510104"), "成都市公安局"),  # two branches of one city
        (("510100", "510700"), "四川省公安厅"),  # two cities of one province
        (("510107", "513221"), "四川省公安厅"),  # counties under two prefectures
        (("510100", "530100"), "公安部"),  # two provinces
        (("500157", "510107"), "公安部"),
        (("500157", "500101"), "重庆市公安局"),  # two Chongqing branches
        (("511002", "511102"), "四川省公安厅"),  # the two 市中区
        (("510107", "510104", "510181"), "成都市公安局"),
        (("510107",), "成都市公安局武侯区分局"),  # one unit is its own common superior
        (("510100", "510107"), "成都市公安局"),  # a unit and its descendant: the unit
        (("510107", "510107"), "成都市公安局武侯区分局"),
    ],
)
def test_common_superior(codes, expected):
    assert common_superior(units(*codes)).name == expected


def test_common_superior_costs_at_most_one_query(django_assert_num_queries):
    wuhou, jinjiang, chengdu = units("510107", "510104", "510100")
    with django_assert_num_queries(1):
        assert common_superior([wuhou, jinjiang]).code == "510100"
    with django_assert_num_queries(0):
        assert common_superior([chengdu, wuhou]) is chengdu


def test_common_superior_needs_a_unit():
    with pytest.raises(ValueError):
        common_superior([])


def test_ancestors_from_the_ministry_down_in_one_query(django_assert_num_queries):
    wuhou, chongqing_branch, ministry = units("510107", "500157", "000000")
    with django_assert_num_queries(1):
        assert [u.code for u in unit_ancestors(wuhou)] == ["000000", "510000", "510100"]
    with django_assert_num_queries(1):
        assert [u.name for u in unit_ancestors(chongqing_branch)] == ["公安部", "重庆市公安局"]
    with django_assert_num_queries(0):  # no ancestors, nothing to ask
        assert list(unit_ancestors(ministry)) == []


def test_subtree_in_one_query(django_assert_num_queries):
    chengdu, sichuan, ministry, wuhou = units("510100", "510000", "000000", "510107")
    with django_assert_num_queries(1):
        chengdu_codes = [u.code for u in unit_subtree(chengdu)]
    assert "510100" in chengdu_codes
    assert "510107" in chengdu_codes
    assert "510181" in chengdu_codes  # 都江堰市
    assert all(code.startswith("5101") for code in chengdu_codes)
    assert len(chengdu_codes) == 1 + Unit.objects.filter(parent=chengdu).count()
    with django_assert_num_queries(1):
        assert len(list(unit_subtree(sichuan))) == 205
    with django_assert_num_queries(1):
        assert len(list(unit_subtree(ministry, include_self=False))) == 622
    with django_assert_num_queries(1):
        assert [u.code for u in unit_subtree(wuhou)] == ["510107"]


def test_subtree_does_not_catch_a_code_that_merely_starts_alike():
    """`path` prefixes end at a separator: 000000.51 must not match 000000.510000."""
    chongqing = units("500000")[0]
    assert not unit_subtree(chongqing).exclude(province_code="500000").exists()
    assert unit_subtree(chongqing).count() == 38


# --- memberships -----------------------------------------------------------------------------


def test_current_membership_grants_case_data(wuhou_investigator):
    assert user_may_read_case_data(wuhou_investigator)
    assert user_has_role(wuhou_investigator, Role.INVESTIGATOR)
    assert user_has_role(wuhou_investigator, Role.INVESTIGATOR, units("510107")[0])
    assert not user_has_role(wuhou_investigator, Role.INVESTIGATOR, units("510100")[0])
    assert not user_has_role(wuhou_investigator, Role.UNIT_HEAD)
    assert [u.code for u in user_units(wuhou_investigator)] == ["510107"]


def test_expired_membership_grants_nothing():
    today = timezone.localdate()
    user = member(
        "510107",
        Role.INVESTIGATOR,
        valid_from=today - dt.timedelta(days=30),
        valid_to=today - dt.timedelta(days=1),
    )
    assert list(memberships_current(user)) == []
    assert not user_may_read_case_data(user)
    assert not user_has_role(user, Role.INVESTIGATOR)
    assert list(user_units(user)) == []
    # It was in force on its last day.
    assert user_may_read_case_data(user, on=today - dt.timedelta(days=1))


def test_membership_not_yet_started_grants_nothing():
    user = member("510107", Role.INVESTIGATOR, valid_from=timezone.localdate() + dt.timedelta(days=1))
    assert not user_may_read_case_data(user)


def test_inactive_user_or_unit_grants_nothing(wuhou_investigator):
    Unit.objects.filter(code="510107").update(is_active=False)
    assert not user_may_read_case_data(wuhou_investigator)
    Unit.objects.filter(code="510107").update(is_active=True)
    wuhou_investigator.is_active = False
    wuhou_investigator.save()
    assert not user_may_read_case_data(wuhou_investigator)


def test_acting_membership_is_shown_as_acting_and_ends_on_its_date():
    today = timezone.localdate()
    head = member("530100", Role.UNIT_HEAD, username="kunming_head")
    stand_in = UserFactory(username="kunming_deputy")
    acting = MembershipFactory(
        user=stand_in,
        unit=units("530100")[0],
        role=Role.UNIT_HEAD,
        is_acting=True,
        acting_for=head,
        valid_from=today,
        valid_to=today + dt.timedelta(days=6),
    )
    current = list(memberships_current(stand_in))
    assert current == [acting]
    assert current[0].is_acting and current[0].acting_for == head
    with translation.override("en"):
        assert current[0].role_label == "Unit head (acting)"
        assert Membership.objects.get(user=head).role_label == "Unit head"
    assert user_has_role(stand_in, Role.UNIT_HEAD, units("530100")[0])
    last_day, day_after = today + dt.timedelta(days=6), today + dt.timedelta(days=7)
    assert user_has_role(stand_in, Role.UNIT_HEAD, on=last_day)
    assert not user_has_role(stand_in, Role.UNIT_HEAD, on=day_after)
    assert list(memberships_current(stand_in, on=day_after)) == []
    assert not acting.is_current(on=day_after)


def test_system_administrator_may_not_read_case_data(system_admin):
    assert system_admin.is_superuser
    assert not user_may_read_case_data(system_admin)
    assert list(user_units(system_admin)) == []


def test_auditor_may_not_read_case_data(auditor):
    assert user_has_role(auditor, Role.AUDITOR)
    assert not user_may_read_case_data(auditor)


def test_a_member_cannot_be_made_superuser_and_a_superuser_reads_nothing_through_a_membership(
    wuhou_investigator,
):
    # Issue 16 leak 5: this test used to say a superuser with a membership reads through it; under
    # the separation of duties an administrator account reads no case data whatever it holds.
    wuhou_investigator.is_superuser = True
    with pytest.raises(ValidationError):
        wuhou_investigator.save()
    assert user_may_read_case_data(User.objects.get(pk=wuhou_investigator.pk))
    # Set behind the model's back (SQL): the membership still grants nothing.
    User.objects.filter(pk=wuhou_investigator.pk).update(is_superuser=True)
    assert not user_may_read_case_data(User.objects.get(pk=wuhou_investigator.pk))
    User.objects.filter(pk=wuhou_investigator.pk).update(is_superuser=False, is_staff=True)
    assert not user_may_read_case_data(User.objects.get(pk=wuhou_investigator.pk))


def test_anonymous_user_gets_nothing():
    anonymous = AnonymousUser()
    assert not user_may_read_case_data(anonymous)
    assert not user_has_role(anonymous, Role.INVESTIGATOR)
    assert list(user_units(anonymous)) == []


def test_several_memberships(django_assert_num_queries):
    user = member("510107", Role.INVESTIGATOR, department_kind="criminal")
    MembershipFactory(user=user, unit=units("510100")[0], role=Role.LIAISON_OFFICER)
    with django_assert_num_queries(1):
        rows = [
            (m.unit.code, m.role, m.department.kind if m.department else None)
            for m in memberships_current(user)
        ]
    assert rows == [("510100", Role.LIAISON_OFFICER, None), ("510107", Role.INVESTIGATOR, "criminal")]
    assert [u.code for u in user_units(user)] == ["510100", "510107"]
