"""The bulletin API and pages: create, issue, acknowledge for my unit, progress, 404 for the uninvolved."""

import pytest
from rest_framework.test import APIClient

from bulletins.models import Bulletin, BulletinRecipient
from core import inbox
from organisation.models import Unit
from tests.support.bulletins import SIX

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _create(client, **extra):
    body = {
        "issuing_unit": "530000",
        "kind": "wanted_notice",
        "title": "涉枪涉爆协查通报",
        "body": "请协助查找。",
        "targets": {"levels": [3], "provinces": SIX},
        "source_reliability": "B",
        "information_accuracy": 2,
        **extra,
    }
    return client.post("/api/v1/bulletins/", body, format="json")


def test_issue_acknowledge_and_progress_through_the_api(yunnan_head, wuhou_intake, county_count):
    client = api(yunnan_head)
    created = _create(client)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["grade"] == "B2" and created.json()["available_transitions"] == [
        "issue",
        "withdraw",
    ]
    issued = client.post(f"/api/v1/bulletins/{pk}/transitions/issue/", {}, format="json")
    assert issued.status_code == 200 and issued.json()["recipient_count"] == county_count

    mine = api(wuhou_intake).get(f"/api/v1/bulletins/{pk}/recipients/").json()
    assert [row["unit"]["code"] for row in mine["recipients"]] == ["510107"] and mine["regions"] == []
    assert mine["recipients"][0]["available_transitions"] == ["acknowledge", "report"]
    ack = api(wuhou_intake).post(
        f"/api/v1/bulletins/{pk}/recipients/510107/transitions/acknowledge/", {}, format="json"
    )
    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
    again = api(wuhou_intake).post(
        f"/api/v1/bulletins/{pk}/recipients/510107/transitions/acknowledge/", {}, format="json"
    )
    assert again.status_code == 409
    # Someone else's row is not theirs to answer: not visible, so 404.
    other = api(wuhou_intake).post(
        f"/api/v1/bulletins/{pk}/recipients/530102/transitions/acknowledge/", {}, format="json"
    )
    assert other.status_code == 404

    progress = client.get(f"/api/v1/bulletins/{pk}/recipients/").json()
    assert progress["totals"]["acknowledged"] == 1 and progress["totals"]["total"] == county_count
    assert {row["province_code"]: row["acknowledged"] for row in progress["regions"]}["510000"] == 1
    listed = client.get("/api/v1/bulletins/").json()["results"]
    assert listed[0]["acknowledged_count"] == 1


def test_directive_outside_subtree_is_400_naming_targets(yunnan_head):
    response = _create(api(yunnan_head), kind="directive")
    assert response.status_code == 400
    assert "targets" in response.json()["fields"]


def test_uninvolved_unit_gets_404(yunnan_head, qinghai_investigator, auditor):
    client = api(yunnan_head)
    pk = _create(client, targets={"units": ["510107"]}).json()["id"]
    client.post(f"/api/v1/bulletins/{pk}/transitions/issue/", {}, format="json")
    for path in (f"/api/v1/bulletins/{pk}/", f"/api/v1/bulletins/{pk}/recipients/"):
        assert api(qinghai_investigator).get(path).status_code == 404
    assert api(auditor).get(f"/api/v1/bulletins/{pk}/").status_code == 403
    assert api(qinghai_investigator).get("/api/v1/bulletins/").json()["results"] == []
    client_page = __import__("django.test", fromlist=["Client"]).Client()
    client_page.force_login(qinghai_investigator)
    assert client_page.get(f"/bulletins/{pk}/").status_code == 404


def test_list_api_costs_the_same_for_more_bulletins(yunnan_head, django_assert_max_num_queries):
    client = api(yunnan_head)
    for _ in range(2):
        pk = _create(client, targets={"roots": ["530000"], "levels": [2]}).json()["id"]
        client.post(f"/api/v1/bulletins/{pk}/transitions/issue/", {}, format="json")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/bulletins/").status_code == 200
    for _ in range(4):
        pk = _create(client, targets={"roots": ["530000"], "levels": [2]}).json()["id"]
        client.post(f"/api/v1/bulletins/{pk}/transitions/issue/", {}, format="json")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/bulletins/")
    assert len(response.json()["results"]) == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_pages_new_detail_and_acknowledge(client, yunnan_head, wuhou_intake, county_count):
    client.force_login(yunnan_head)
    page = client.get("/bulletins/new/")
    assert page.status_code == 200 and "six_county" in page.content.decode()
    response = client.post(
        "/bulletins/new/",
        {
            "issuing_unit": "530000",
            "kind": "wanted_notice",
            "title": "涉枪涉爆协查通报",
            "body": "请协助查找。",
            "preset": "six_county",
            "handling_code": "normal",
            "urgency": "urgent",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    detail_url = response["Location"]
    # The page URLs of steps have one shape; the old one sends a POST on to it (308 keeps the method).
    old = client.post(detail_url + "actions/issue/")
    assert old.status_code == 308 and old["Location"] == detail_url + "transitions/issue/"
    assert client.post(detail_url + "transitions/issue/").status_code == 302
    page = client.get(detail_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert Unit.objects.get(code="630000").name in text and "recipient-510107" in text

    client.force_login(wuhou_intake)
    kinds = {item.kind for item in inbox.providers()["bulletins"](wuhou_intake)}
    assert kinds == {"bulletins.acknowledge"}
    assert client.post(detail_url + "recipients/510107/transitions/acknowledge/").status_code == 302
    assert BulletinRecipient.objects.get(unit__code="510107").state == "acknowledged"
    assert client.get("/bulletins/").status_code == 200


def test_directive_refused_on_the_page_names_the_targets(client, yunnan_head):
    client.force_login(yunnan_head)
    response = client.post(
        "/bulletins/new/",
        {
            "issuing_unit": "530000",
            "kind": "directive",
            "title": "指令",
            "body": "执行",
            "preset": "six_county",
            "handling_code": "normal",
            "urgency": "ordinary",
        },
    )
    assert response.status_code == 400
    assert 'class="form__row has-error"' in response.content.decode()
    assert not Bulletin.objects.exists()


def test_issuer_inbox_lists_overdue_recipients(yunnan_head):
    from django.utils import timezone

    client = api(yunnan_head)
    pk = _create(client, targets={"units": ["510107"]}).json()["id"]
    client.post(f"/api/v1/bulletins/{pk}/transitions/issue/", {}, format="json")
    assert inbox.providers()["bulletins"](yunnan_head) == []
    BulletinRecipient.objects.filter(bulletin_id=pk).update(
        ack_due_at=timezone.now() - timezone.timedelta(hours=1)
    )
    items = inbox.providers()["bulletins"](yunnan_head)
    assert [item.kind for item in items] == ["bulletins.overdue"]
