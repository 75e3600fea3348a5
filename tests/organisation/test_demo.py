"""Demo accounts: every role in the named units, idempotent, and never without DEBUG or --force."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from organisation.demo import ADMIN_USERNAME, DEMO_PASSWORD, demo_accounts
from organisation.models import Membership, Role, User
from organisation.selectors import memberships_current, user_has_role, user_may_read_case_data

pytestmark = pytest.mark.django_db

UNITS_WITH_EVERY_ROLE = [
    "510107",  # 成都市公安局武侯区分局
    "530100",  # 昆明市公安局
    "520100",  # 贵阳市公安局
    "500000",  # 重庆市公安局
    "540100",  # 拉萨市公安局
    "630100",  # 西宁市公安局
    "510000",
    "520000",
    "530000",
    "540000",
    "630000",  # the provincial organs (重庆 is one of them)
    "510100",  # 成都市公安局
]


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def counts():
    return User.objects.count(), Membership.objects.count()


def test_refuses_without_debug_or_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.filter(username=ADMIN_USERNAME).exists()


def test_force_runs_without_debug(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)
    assert User.objects.filter(username="wuhou.investigator").exists()


@pytest.mark.usefixtures("debug")
def test_every_role_in_every_named_unit():
    call_command("seed_demo", verbosity=0)
    held = set(Membership.objects.values_list("unit__code", "role"))
    for code in UNITS_WITH_EVERY_ROLE:
        for role in Role.values:
            assert (code, role) in held, (code, role)
    assert ("000000", Role.UNIT_HEAD) in held
    assert ("000000", Role.LEGAL_OFFICER) in held


@pytest.mark.usefixtures("debug")
def test_accounts_names_departments_and_password():
    call_command("seed_demo", verbosity=0)
    investigator = User.objects.get(username="wuhou.investigator")
    assert authenticate(username="wuhou.investigator", password=DEMO_PASSWORD) == investigator
    (membership,) = memberships_current(investigator)
    assert membership.unit.name == "成都市公安局武侯区分局"
    assert membership.department.kind == "criminal"
    assert user_may_read_case_data(investigator)
    assert investigator.full_name and all("\u4e00" <= ch <= "\u9fff" for ch in investigator.full_name)

    kinds = {
        username: Membership.objects.get(user__username=username).department
        for username in ("kunming.intake", "sichuan.legal", "guiyang.dept-head", "chongqing.liaison")
    }
    assert kinds["kunming.intake"].kind == "command"
    assert kinds["sichuan.legal"].kind == "legal"
    assert kinds["guiyang.dept-head"].kind == "criminal"
    assert kinds["chongqing.liaison"] is None
    assert user_has_role(User.objects.get(username="mps.unit-head"), Role.UNIT_HEAD)

    names = list(User.objects.exclude(username=ADMIN_USERNAME).values_list("full_name", flat=True))
    assert len(set(names)) == len(names) == len(demo_accounts())


@pytest.mark.usefixtures("debug")
def test_administrator_has_no_membership_and_no_case_data():
    call_command("seed_demo", verbosity=0)
    admin = User.objects.get(username=ADMIN_USERNAME)
    assert admin.is_staff and admin.is_superuser
    assert not admin.memberships.exists()
    assert not user_may_read_case_data(admin)
    assert authenticate(username=ADMIN_USERNAME, password=DEMO_PASSWORD) == admin


@pytest.mark.usefixtures("debug")
def test_auditors_may_not_read_case_data():
    call_command("seed_demo", verbosity=0)
    assert not user_may_read_case_data(User.objects.get(username="yunnan.auditor"))


@pytest.mark.usefixtures("debug")
def test_second_run_duplicates_nothing_and_keeps_changed_passwords(capsys, django_assert_max_num_queries):
    call_command("seed_demo", verbosity=0)
    first = counts()
    user = User.objects.get(username="kunming.intake")
    user.set_password("changed-by-the-user-2026")
    user.save()

    with django_assert_max_num_queries(10):
        call_command("seed_demo")
    assert counts() == first
    assert "0 users and 0 memberships created" in capsys.readouterr().out
    assert authenticate(username="kunming.intake", password="changed-by-the-user-2026") is not None

    call_command("seed_demo", "--reset-passwords", verbosity=0)
    assert counts() == first
    assert authenticate(username="kunming.intake", password=DEMO_PASSWORD) is not None


@pytest.mark.usefixtures("debug")
def test_a_removed_membership_comes_back_and_nothing_else():
    call_command("seed_demo", verbosity=0)
    first = counts()
    Membership.objects.filter(user__username="lhasa.legal").delete()
    call_command("seed_demo", verbosity=0)
    assert counts() == first


@pytest.mark.usefixtures("debug")
def test_prints_the_accounts_and_the_password(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    for username in (
        "wuhou.investigator",
        "kunming.intake",
        "sichuan.legal",
        "xining.auditor",
        ADMIN_USERNAME,
    ):
        assert username in out
    assert "成都市公安局武侯区分局" in out


def test_needs_the_organisation(settings):
    from organisation.models import Department, Unit

    settings.DEBUG = True
    Unit.objects.update(intake_department=None)
    Department.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()
    with pytest.raises(CommandError, match="load_organisation"):
        call_command("seed_demo", verbosity=0)
