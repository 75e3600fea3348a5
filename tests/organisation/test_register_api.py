"""API of the shared registers: /api/v1/experts/, /api/v1/liaisons/, /api/v1/specialties/.

Readable by every signed-in user (auditors too, without contact details); changes by the unit
head or liaison officer of the unit or above, 403 otherwise, 400 naming the field, 409 once ended.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from organisation.models import Availability, ExpertProfile, LiaisonAssignment, LiaisonRole, Role
from tests.support.factories.organisation import member
from tests.support.organisation import ensure_specialties, listed, outside, unit

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    # A session, as in production: each request loads its user afresh, so nothing cached on one
    # request's user object (memberships, standing) carries into the next.
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def chengdu_liaison(db):
    return member("510100", Role.LIAISON_OFFICER, username="chengdu_liaison")


@pytest.fixture
def chengdu_officer(db):
    return member("510100", Role.INVESTIGATOR, username="chengdu_officer", department_kind="criminal")


@pytest.fixture
def experts(db):
    ensure_specialties()
    officer = member("510107", Role.INVESTIGATOR, username="wuhou_expert")
    return {
        "wuhou": listed(officer, at="510107", specialties=("telecom_fraud",), phone="028-1", email="w@x.cn"),
        "kunming": outside(
            "李专家", "云南警官学院", at="530100", specialties=("drugs",), availability=Availability.LIMITED
        ),
        "gone": outside("王专家", "某所", at="510000", specialties=("drugs",), active=False),
    }


def test_anonymous_gets_401():
    assert APIClient().get(reverse("api:expert-list")).status_code == 401
    assert APIClient().get(reverse("api:liaison-list")).status_code == 401


def test_every_signed_in_user_reads_but_only_operational_roles_see_contacts(
    experts, wuhou_investigator, auditor, system_admin
):
    data = client_for(wuhou_investigator).get(reverse("api:expert-list")).json()
    rows = {row["id"]: row for row in data["results"]}
    assert set(rows) == {experts["wuhou"].pk, experts["kunming"].pk}
    wuhou = rows[experts["wuhou"].pk]
    assert wuhou["phone"] == "028-1" and wuhou["email"] == "w@x.cn"
    assert wuhou["unit"] == {"code": "510107", "name": "成都市公安局武侯区分局"}
    assert wuhou["specialties"] == [{"code": "telecom_fraud", "name": "电信网络诈骗"}]
    assert wuhou["user"]["username"] == "wuhou_expert" and wuhou["may_edit"] is False
    assert rows[experts["kunming"].pk]["name"] == "李专家" and rows[experts["kunming"].pk]["user"] is None
    for reader in (auditor, system_admin):
        hidden = client_for(reader).get(reverse("api:expert-list")).json()["results"]
        assert {row["id"] for row in hidden} == set(rows)
        assert all(row["phone"] is None and row["email"] is None for row in hidden)
        detail = client_for(reader).get(reverse("api:expert-detail", args=[experts["wuhou"].pk])).json()
        assert detail["name"] and detail["phone"] is None


def test_filters_and_field_errors(experts, wuhou_investigator):
    client = client_for(wuhou_investigator)

    def ids(**params):
        response = client.get(reverse("api:expert-list"), params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(specialty="drugs") == [experts["kunming"].pk]
    assert ids(region="51") == [experts["wuhou"].pk]
    assert ids(region="530000") == [experts["kunming"].pk]
    assert ids(availability="limited") == [experts["kunming"].pk]
    assert ids(q="警官学院") == [experts["kunming"].pk]
    assert ids(active="false") == [experts["gone"].pk]
    bad = client.get(reverse("api:expert-list"), {"region": "5"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"region"}
    bad = client.get(reverse("api:expert-list"), {"availability": "often"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"availability"}
    assert client.get(reverse("api:expert-detail", args=[999999])).status_code == 404
    assert [s["code"] for s in client.get(reverse("api:specialty-list")).json()][:2] == [
        "telecom_fraud",
        "economic_crime",
    ]


def test_list_costs_the_same_queries_for_3_or_20_rows_and_pages_by_cursor(experts, wuhou_investigator):
    client = client_for(wuhou_investigator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("api:expert-list"), {"page_size": 50})
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    few = count()
    for n in range(18):
        outside(f"专家{n}", "研究所", at="520100", specialties=("drugs", "cyber_security"))
    many = count()
    assert few[1] == 2 and many[1] == 20 and few[0] == many[0]

    first = client.get(reverse("api:expert-list"), {"page_size": 15}).json()
    second = client.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(seen) == 20 == len(set(seen)) and second["next"] is None


def test_create_update_and_end_an_expert(chengdu_liaison, chengdu_officer, wuhou_investigator):
    ensure_specialties()
    client = client_for(chengdu_liaison)
    body = {"user": "chengdu_officer", "unit": "510100", "specialties": ["economic_crime"], "title": "经侦"}
    assert (
        client_for(wuhou_investigator).post(reverse("api:expert-list"), body, format="json").status_code
        == 403
    )
    created = client.post(reverse("api:expert-list"), body, format="json")
    assert created.status_code == 201, created.json()
    expert = created.json()
    assert expert["name"] == chengdu_officer.full_name and expert["may_edit"] is True

    bad = client.post(
        reverse("api:expert-list"),
        {"unit": "510100", "external_name": "甲", "specialties": ["x"]},
        format="json",
    )
    assert bad.status_code == 400 and {"affiliation"} <= set(bad.json()["fields"])
    bad = client.post(reverse("api:expert-list"), {**body, "unit": "999999"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"unit"}

    url = reverse("api:expert-detail", args=[expert["id"]])
    changed = client.patch(
        url, {"availability": "unavailable", "specialties": ["drugs", "economic_crime"]}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["availability"] == "unavailable" and len(changed.json()["specialties"]) == 2
    outsider = member("530100", Role.LIAISON_OFFICER)
    assert client_for(outsider).patch(url, {"title": "x"}, format="json").status_code == 403

    end = reverse("api:expert-end", args=[expert["id"]])
    assert client_for(outsider).post(end, {}, format="json").status_code == 403
    ended = client.post(end, {"reason": "退休"}, format="json")
    assert ended.status_code == 200 and ended.json()["is_active"] is False
    again = client.post(end, {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert not ExpertProfile.objects.get(pk=expert["id"]).is_active


def test_liaison_register_over_the_api(chengdu_liaison, chengdu_officer, auditor):
    client = client_for(chengdu_liaison)
    body = {"unit": "510100", "user": "chengdu_liaison", "phone": "028-86301234", "mobile": "13900000001"}
    created = client.post(reverse("api:liaison-list"), body, format="json")
    assert created.status_code == 201, created.json()
    primary = created.json()
    assert primary["role"] == "primary" and primary["valid_to"] is None

    second = client.post(reverse("api:liaison-list"), {**body, "user": "chengdu_officer"}, format="json")
    assert second.status_code == 400 and set(second.json()["fields"]) == {"role"}
    deputy = client.post(
        reverse("api:liaison-list"), {**body, "user": "chengdu_officer", "role": "deputy"}, format="json"
    )
    assert deputy.status_code == 201
    assert client_for(auditor).post(reverse("api:liaison-list"), body, format="json").status_code == 403

    listing = client_for(auditor).get(reverse("api:liaison-list"), {"region": "51"}).json()["results"]
    assert [row["id"] for row in listing] == [primary["id"], deputy.json()["id"]]
    assert all(row["phone"] is None and row["mobile"] is None for row in listing)
    assert (
        client.get(reverse("api:liaison-list"), {"unit": "510100"}).json()["results"][0]["mobile"]
        == "13900000001"
    )
    assert client.get(reverse("api:liaison-list"), {"unit": "nope"}).status_code == 400

    url = reverse("api:liaison-detail", args=[primary["id"]])
    assert client.patch(url, {"phone": ""}, format="json").json()["phone"] == ""
    emptied = client.patch(url, {"mobile": ""}, format="json")
    assert emptied.status_code == 400 and set(emptied.json()["fields"]) == {"phone"}

    end = reverse("api:liaison-end", args=[primary["id"]])
    ended = client.post(end, {"reason": "轮岗"}, format="json")
    assert ended.status_code == 200 and ended.json()["valid_to"] == timezone.localdate().isoformat()
    assert LiaisonAssignment.objects.get(pk=primary["id"]).valid_to == timezone.localdate()

    # Ended before today: a second end is 409; the list of current assignments leaves it out.
    LiaisonAssignment.objects.filter(pk=primary["id"]).update(
        valid_from=timezone.localdate() - dt.timedelta(days=30),
        valid_to=timezone.localdate() - dt.timedelta(days=1),
    )
    assert client.post(end, {}, format="json").status_code == 409
    current = client.get(reverse("api:liaison-list"), {"unit": "510100"}).json()["results"]
    assert [row["id"] for row in current] == [deputy.json()["id"]]
    everything = client.get(reverse("api:liaison-list"), {"unit": "510100", "current": "false"}).json()[
        "results"
    ]
    assert {row["role"] for row in everything} == {LiaisonRole.PRIMARY, LiaisonRole.DEPUTY}
    assert client.get(reverse("api:liaison-detail", args=[999999])).status_code == 404


def test_liaison_list_queries_do_not_grow_with_rows(wuhou_investigator):
    client = client_for(wuhou_investigator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("api:liaison-list"))
        return len(queries), len(response.json()["results"])

    today = timezone.localdate()
    for code in ("510000", "520000"):
        LiaisonAssignment.objects.create(unit=unit(code), user=member(code, Role.LIAISON_OFFICER), phone="1")
    few = count()
    for code in ("530000", "540000", "630000", "500000", "510100", "530100", "520100", "540100"):
        LiaisonAssignment.objects.create(
            unit=unit(code), user=member(code, Role.LIAISON_OFFICER), phone="1", valid_from=today
        )
    many = count()
    assert few[1] == 2 and many[1] == 10 and few[0] == many[0]


def test_schema_documents_the_register_endpoints(wuhou_investigator):
    schema = client_for(wuhou_investigator).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    for route in (
        "/api/v1/experts/",
        "/api/v1/experts/{id}/end/",
        "/api/v1/liaisons/{id}/",
        "/api/v1/specialties/",
    ):
        assert route in text
