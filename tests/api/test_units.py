"""/api/v1/units/: the shared unit directory, by division code, with filters, search and cursor pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisation.models import Unit
from tests.support.api import assert_error, token_client

UNITS_URL = "/api/v1/units/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [unit["code"] for unit in response.json()["results"]]


@pytest.fixture
def client(wuhou_investigator):
    return token_client(wuhou_investigator)


@pytest.mark.django_db
def test_list_is_ordered_by_code_and_paginated_by_cursor(client):
    first = client.get(UNITS_URL, {"page_size": 10}).json()

    assert [unit["code"] for unit in first["results"]][:3] == ["000000", "500000", "500101"]
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    page_one = [unit["code"] for unit in first["results"]]
    page_two = [unit["code"] for unit in second["results"]]
    assert len(page_two) == 10
    assert page_one + page_two == sorted(page_one + page_two)
    assert not set(page_one) & set(page_two)


@pytest.mark.django_db
def test_filter_by_level_name(client):
    assert codes(client.get(UNITS_URL, {"level": "province"})) == [
        "500000",
        "510000",
        "520000",
        "530000",
        "540000",
        "630000",
    ]
    assert codes(client.get(UNITS_URL, {"level": "ministry"})) == ["000000"]


@pytest.mark.django_db
def test_unknown_level_is_a_field_error(client):
    body = assert_error(client.get(UNITS_URL, {"level": "galaxy"}), 400, "invalid")
    assert "level" in body["fields"]


@pytest.mark.django_db
def test_filter_by_parent(client):
    children = codes(client.get(UNITS_URL, {"parent": "510100", "page_size": 100}))
    assert "510107" in children
    assert len(children) == Unit.objects.filter(parent__code="510100").count() == 20
    assert all(code.startswith("5101") for code in children)


@pytest.mark.django_db
def test_filter_by_province_and_level(client):
    prefectures = codes(
        client.get(UNITS_URL, {"province": "530000", "level": "prefecture", "page_size": 100})
    )
    assert len(prefectures) == 16
    assert "530100" in prefectures


@pytest.mark.django_db
def test_filter_by_active(client):
    Unit.objects.filter(code="510107").update(is_active=False)
    assert codes(client.get(UNITS_URL, {"active": "false"})) == ["510107"]
    assert "510107" not in codes(
        client.get(UNITS_URL, {"active": "true", "parent": "510100", "page_size": 100})
    )


@pytest.mark.django_db
def test_search_by_part_of_the_name(client):
    assert codes(client.get(UNITS_URL, {"search": "武侯"})) == ["510107"]


@pytest.mark.django_db
def test_search_by_start_of_the_code(client):
    found = codes(client.get(UNITS_URL, {"search": "5101", "page_size": 100}))
    assert found[0] == "510100"
    assert len(found) == 21
    assert all(code.startswith("5101") for code in found)


@pytest.mark.django_db
def test_detail_by_division_code(client):
    response = client.get(f"{UNITS_URL}510107/")

    assert response.status_code == 200
    unit = response.json()
    assert unit["code"] == "510107"
    assert unit["name"] == "成都市公安局武侯区分局"
    assert unit["division_name"] == "武侯区"
    assert unit["level"] == "county"
    assert unit["level_label"]
    assert unit["parent"] == {"code": "510100", "name": "成都市公安局"}
    assert unit["province_code"] == "510000"
    assert unit["is_active"] is True
    assert unit["is_remote"] is False
    assert unit["children_count"] == 0
    assert unit["intake_department"]["kind"] == "command"
    kinds = {department["kind"]: department["code_prefix"] for department in unit["departments"]}
    assert kinds["criminal"] == "刑"
    assert kinds["legal"] == "法"


@pytest.mark.django_db
def test_the_ministry_is_000000(client):
    unit = client.get(f"{UNITS_URL}000000/").json()

    assert unit["name"] == "公安部"
    assert unit["level"] == "ministry"
    assert unit["parent"] is None
    assert unit["children_count"] == 6


@pytest.mark.django_db
def test_province_detail_shows_its_code_prefix(client):
    unit = client.get(f"{UNITS_URL}510000/").json()
    assert unit["code_prefix"] == "川"
    assert unit["parent"]["code"] == "000000"


@pytest.mark.parametrize("code", ["999999", "51010", "abc"])
@pytest.mark.django_db
def test_unknown_code_is_404_in_the_error_format(client, code):
    assert_error(client.get(f"{UNITS_URL}{code}/"), 404, "not_found")


@pytest.mark.parametrize("persona", ["system_admin", "auditor", "qinghai_investigator"])
@pytest.mark.django_db
def test_directory_is_readable_by_every_signed_in_user(request, persona):
    client = token_client(request.getfixturevalue(persona))
    assert client.get(f"{UNITS_URL}510107/").status_code == 200
    assert client.get(UNITS_URL, {"level": "province"}).status_code == 200


@pytest.mark.django_db
def test_directory_needs_authentication(api_client):
    assert_error(api_client.get(UNITS_URL), 401, "not_authenticated")
    assert_error(api_client.get(f"{UNITS_URL}510107/"), 401, "not_authenticated")


@pytest.mark.django_db
def test_list_costs_the_same_queries_for_5_rows_as_for_50(client):
    def queries_for(page_size):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(UNITS_URL, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(captured)

    client.get(UNITS_URL, {"page_size": 1})  # the token's last-used write happens once, here
    assert queries_for(5) == queries_for(50)
