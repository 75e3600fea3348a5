"""Which units lie in a remote area (MPS-2020 art 353: 15 days instead of 7) is the administrator's
setting per unit, not an article's list; a data migration set today's list as its default."""

import csv
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from core.deadline_rows import deadline_build
from organisation.data.build_units import UNITS_CSV
from organisation.models import Unit

pytestmark = pytest.mark.django_db

migration = importlib.import_module("organisation.migrations.0008_unit_remote_area_setting")


@pytest.fixture
def admin_client(client, system_admin):
    client.force_login(system_admin)
    return client


def _default_list() -> set[str]:
    with open(UNITS_CSV, encoding="utf-8", newline="") as f:
        return {row["code"] for row in csv.DictReader(f) if row["is_remote"] == "true"}


def _admin_post(admin_client, unit, **changes):
    data = {
        "name": unit.name,
        "code_prefix": unit.code_prefix,
        "intake_department": unit.intake_department_id or "",
        "departments-TOTAL_FORMS": "0",
        "departments-INITIAL_FORMS": "0",
        "departments-MIN_NUM_FORMS": "0",
        "departments-MAX_NUM_FORMS": "1000",
        **changes,
    }
    # An unticked box is simply absent from the form.
    data = {name: value for name, value in data.items() if value is not None}
    return admin_client.post(reverse("admin:organisation_unit_change", args=[unit.pk]), data)


def test_an_administrator_marks_a_unit_remote_and_its_checks_get_15_days_mps_2020_art_353(admin_client):
    unit = Unit.objects.get(code="510107")
    assert not unit.is_remote

    response = _admin_post(admin_client, unit, is_remote="on")

    assert response.status_code == 302, response.content.decode()[:2000]
    unit.refresh_from_db()
    assert unit.is_remote
    deadline = deadline_build(
        target=("test", "1"),
        rule_key="identity_check",
        start=timezone.now(),
        responsible_unit_code=unit.code,
        remote=unit.is_remote,
    )
    # The 15 days are the article's; only the list of units is the system's.
    assert (deadline.period, deadline.citation) == ("15 days", "MPS-2020 art 353")


def test_an_administrator_takes_a_unit_off_the_list(admin_client):
    unit = Unit.objects.get(code="513221")  # 汶川县, Aba: on today's list
    assert unit.is_remote

    assert _admin_post(admin_client, unit, is_remote=None).status_code == 302  # the box unticked
    unit.refresh_from_db()
    assert not unit.is_remote


def test_the_admin_says_the_list_is_a_setting_of_the_system(admin_client):
    unit = Unit.objects.get(code="510107")
    page = admin_client.get(reverse("admin:organisation_unit_change", args=[unit.pk])).content.decode()

    assert "交通十分不便的边远地区" in page
    assert "系统设置" in page  # the help text, in Chinese: no article lists the areas


def test_the_data_migration_sets_today_s_list_as_the_default_mps_2020_art_353():
    expected = _default_list()
    assert {"540000", "513221", "533300"} <= expected and not {"630000", "630100", "510107"} & expected
    Unit.objects.update(is_remote=False)
    Unit.objects.filter(code="510107").update(is_remote=True)  # flagged by hand, outside the list

    migration.flag_listed_units(apps, None)

    remote = set(Unit.objects.filter(is_remote=True).values_list("code", flat=True))
    assert remote == expected | {"510107"}
