"""The admin for accounts and the unit tree: pages render, names edited by hand survive a reload."""

import pytest
from django.urls import reverse

from organisation.models import Membership, Unit
from organisation.services import organisation_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, system_admin):
    client.force_login(system_admin)
    return client


def test_unit_list_search_and_filters(admin_client):
    url = reverse("admin:organisation_unit_changelist")
    assert "成都市公安局武侯区分局" in admin_client.get(url, {"q": "武侯"}).content.decode()
    assert "成都市公安局武侯区分局" in admin_client.get(url, {"q": "510107"}).content.decode()
    listed = admin_client.get(url, {"level__exact": "1", "province": "540000"}).context["cl"].result_list
    assert [unit.name for unit in listed] == ["西藏自治区公安厅"]
    listed = admin_client.get(url, {"is_remote__exact": "1", "province": "630000"}).context["cl"].result_list
    assert "西宁市公安局" not in {unit.name for unit in listed}
    assert "玉树藏族自治州公安局" in {unit.name for unit in listed}


def test_unit_page_shows_path_read_only_and_departments(admin_client):
    unit = Unit.objects.get(code="510107")
    page = admin_client.get(reverse("admin:organisation_unit_change", args=[unit.pk])).content.decode()
    assert "000000.510000.510100.510107" in page
    assert 'name="path"' not in page
    assert "刑事侦查大队" in page


def test_units_are_neither_added_nor_deleted_in_the_admin(admin_client):
    unit = Unit.objects.get(code="510107")
    assert admin_client.get(reverse("admin:organisation_unit_add")).status_code == 403
    assert admin_client.get(reverse("admin:organisation_unit_delete", args=[unit.pk])).status_code == 403


def test_a_name_edited_in_the_admin_is_kept_by_reloads(admin_client):
    unit = Unit.objects.get(code="510107")
    response = admin_client.post(
        reverse("admin:organisation_unit_change", args=[unit.pk]),
        {
            "name": "成都市公安局武侯分局",
            "code_prefix": "武侯",
            "intake_department": unit.intake_department_id,
            "departments-TOTAL_FORMS": "0",
            "departments-INITIAL_FORMS": "0",
            "departments-MIN_NUM_FORMS": "0",
            "departments-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit.refresh_from_db()
    assert (unit.name, unit.name_overridden, unit.is_remote) == ("成都市公安局武侯分局", True, False)
    organisation_load()
    unit.refresh_from_db()
    assert unit.name == "成都市公安局武侯分局"


def test_user_page_shows_memberships_inline(admin_client, wuhou_investigator):
    page = admin_client.get(
        reverse("admin:organisation_user_change", args=[wuhou_investigator.pk])
    ).content.decode()
    assert "memberships-TOTAL_FORMS" in page
    assert "成都市公安局武侯区分局" in page


def test_membership_and_department_lists(admin_client, wuhou_investigator, kunming_intake_officer):
    memberships = admin_client.get(reverse("admin:organisation_membership_changelist")).content.decode()
    assert "昆明市公安局" in memberships
    assert Membership.objects.count() == 2
    departments = admin_client.get(reverse("admin:organisation_department_changelist"), {"q": "510107"})
    assert "成都市公安局武侯区分局刑事侦查大队" in departments.content.decode()


def test_admin_is_for_staff_only(client, wuhou_investigator):
    client.force_login(wuhou_investigator)
    response = client.get(reverse("admin:organisation_unit_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
