"""Provisioning accounts by script: add_member creates or updates, and refuses bad input with the choices."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from core.models import AuditEvent
from organisation.models import Membership, Role, User
from organisation.selectors import memberships_current, user_has_role, user_may_read_case_data

pytestmark = pytest.mark.django_db

PASSWORD = "provisioned-2026-pass"


@pytest.fixture(autouse=True)
def english():
    """Assert on the msgids, whatever the catalogues say."""
    with translation.override("en"):
        yield


def add_member(*args):
    call_command("add_member", *args, verbosity=0)


def test_creates_user_and_membership():
    add_member(
        "wuhou.new",
        "--unit",
        "510107",
        "--role",
        "investigator",
        "--department",
        "criminal",
        "--password",
        PASSWORD,
        "--full-name",
        "张伟",
    )
    user = User.objects.get(username="wuhou.new")
    assert user.full_name == "张伟"
    assert authenticate(username="wuhou.new", password=PASSWORD) == user
    (membership,) = memberships_current(user)
    assert (membership.unit.code, membership.role, membership.department.kind) == (
        "510107",
        "investigator",
        "criminal",
    )
    assert membership.valid_from == timezone.localdate()
    assert membership.valid_to is None
    assert user_may_read_case_data(user)
    assert not user.is_staff


def test_prints_what_it_did(capsys):
    call_command(
        "add_member", "kunming.x", "--unit", "530100", "--role", "intake_officer", "--department", "command"
    )
    out = capsys.readouterr().out
    assert "Created user kunming.x" in out
    assert "昆明市公安局" in out
    assert "情报指挥中心" in out


def test_second_run_updates_instead_of_duplicating():
    add_member("chengdu.head", "--unit", "510100", "--role", "department_head", "--department", "criminal")
    user = User.objects.get(username="chengdu.head")
    assert not user.has_usable_password()
    valid_to = timezone.localdate() + dt.timedelta(days=365)
    add_member(
        "chengdu.head",
        "--unit",
        "510100",
        "--role",
        "department_head",
        "--department",
        "economic",
        "--valid-to",
        valid_to.isoformat(),
        "--password",
        PASSWORD,
    )
    assert User.objects.filter(username="chengdu.head").count() == 1
    (membership,) = Membership.objects.filter(user=user)
    assert membership.department.kind == "economic"
    assert membership.valid_to == valid_to
    assert authenticate(username="chengdu.head", password=PASSWORD) == user


def test_another_role_adds_a_second_membership():
    add_member("xining.x", "--unit", "630100", "--role", "investigator")
    add_member("xining.x", "--unit", "630000", "--role", "liaison_officer")
    user = User.objects.get(username="xining.x")
    assert sorted((m.unit.code, m.role) for m in memberships_current(user)) == [
        ("630000", "liaison_officer"),
        ("630100", "investigator"),
    ]


def test_records_an_audit_event_without_the_password():
    add_member("audited.one", "--unit", "510107", "--role", "investigator", "--password", PASSWORD)
    event = AuditEvent.objects.filter(action="organisation.member_added").latest("id")
    assert event.payload["username"] == "audited.one"
    assert event.payload["unit"] == "510107"
    assert event.payload["password_set"] is True
    assert PASSWORD not in str(event.payload)


def test_bad_role_lists_the_valid_roles():
    with pytest.raises(CommandError) as refused:
        add_member("x.y", "--unit", "510107", "--role", "sheriff")
    message = str(refused.value)
    assert "sheriff" in message
    for role in Role.values:
        assert role in message
    assert not User.objects.filter(username="x.y").exists()


def test_bad_unit_code_is_unknown_and_close_codes_are_suggested():
    with pytest.raises(CommandError) as refused:
        add_member("x.y", "--unit", "510199", "--role", "investigator")
    message = str(refused.value)
    assert "Unknown unit code “510199”" in message
    assert "510107 成都市公安局武侯区分局" in message  # same prefecture
    assert "510000 四川省公安厅" in message  # the provincial organs are always listed
    assert "630000 青海省公安厅" in message
    assert not User.objects.filter(username="x.y").exists()


def test_a_name_instead_of_a_code_suggests_the_unit():
    with pytest.raises(CommandError) as refused:
        add_member("x.y", "--unit", "武侯", "--role", "investigator")
    assert "510107 成都市公安局武侯区分局" in str(refused.value)


def test_bad_department_lists_the_unit_departments():
    with pytest.raises(CommandError) as refused:
        add_member("x.y", "--unit", "510107", "--role", "investigator", "--department", "traffic")
    message = str(refused.value)
    assert "traffic" in message
    assert "criminal (刑事侦查大队)" in message
    assert "legal (法制大队)" in message


def test_weak_password_is_refused():
    with pytest.raises(CommandError, match="too short"):
        add_member("x.y", "--unit", "510107", "--role", "investigator", "--password", "abc")
    assert not User.objects.filter(username="x.y").exists()


def test_bad_date_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        add_member("x.y", "--unit", "510107", "--role", "investigator", "--valid-to", "31/12/2026")


def test_end_before_start_is_refused():
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(CommandError, match="before the start"):
        add_member("x.y", "--unit", "510107", "--role", "investigator", "--valid-to", yesterday.isoformat())
    assert not User.objects.filter(username="x.y").exists()


def test_deactivated_unit_is_refused():
    from organisation.models import Unit

    Unit.objects.filter(code="500157").update(is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        add_member("x.y", "--unit", "500157", "--role", "investigator")


def test_acting_membership_for_a_head():
    add_member("guiyang.head", "--unit", "520100", "--role", "unit_head")
    last_day = timezone.localdate() + dt.timedelta(days=10)
    add_member(
        "guiyang.deputy",
        "--unit",
        "520100",
        "--role",
        "unit_head",
        "--acting-for",
        "guiyang.head",
        "--valid-to",
        last_day.isoformat(),
    )
    deputy = User.objects.get(username="guiyang.deputy")
    (membership,) = memberships_current(deputy)
    assert membership.is_acting
    assert membership.acting_for.username == "guiyang.head"
    assert membership.role_label == "Unit head (acting)"
    assert user_has_role(deputy, Role.UNIT_HEAD, on=last_day)
    assert not user_has_role(deputy, Role.UNIT_HEAD, on=last_day + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "unit_head", "--acting-for", "guiyang.head"], "needs an end date"),
        (["--role", "investigator", "--acting-for", "guiyang.head", "--valid-to", "2099-01-01"], "head"),
        (["--role", "unit_head", "--acting-for", "nobody", "--valid-to", "2099-01-01"], "Unknown user"),
    ],
)
def test_bad_acting_membership_is_refused(args, message):
    add_member("guiyang.head", "--unit", "520100", "--role", "unit_head")
    with pytest.raises(CommandError, match=message):
        add_member("guiyang.deputy", "--unit", "520100", *args)
    assert not User.objects.filter(username="guiyang.deputy").exists()


def test_missing_unit_or_role_is_an_argument_error():
    with pytest.raises(CommandError, match="--unit"):
        add_member("x.y", "--role", "investigator")
