"""The auditor's audit trail (issue 16 leak 7): page and API, scoped to the auditor's subtree.

Auditors (安全审计员) read the events of their subtree with payloads, filter, export and see the
chain's verification; everyone else, the system administrator included, gets 404.
"""

import csv
import io
import sys
import types

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.test import APIClient

from core import audit
from core.models import AuditEvent
from organisation.models import Role
from tests.support.factories.organisation import member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def events(wuhou_investigator, kunming_intake_officer, system_admin):
    """Events in Sichuan (510107, 510000), in Yunnan (530100), and of no unit."""
    return {
        "wuhou": audit.record(
            action="cases.search",
            actor=wuhou_investigator,
            acting_unit_code="510107",
            target=("cases.case", "7"),
            payload={"query": "=HYPERLINK(1)", "purpose": "核查"},
        ),
        "wuhou_login": audit.record(action="auth.login", actor=wuhou_investigator, target=wuhou_investigator),
        "kunming": audit.record(
            action="cases.search", actor=kunming_intake_officer, acting_unit_code="530100", payload={"q": "x"}
        ),
        "admin": audit.record(action="admin.change", actor=system_admin, payload={"object_repr": "u"}),
    }


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def test_the_auditor_reads_the_events_of_their_subtree_with_payloads(client, auditor, events):
    listed = ids(api(auditor).get("/api/v1/audit-events/"))
    assert events["wuhou"].pk in listed
    assert events["wuhou_login"].pk in listed  # a sign-in of a member of the subtree (no unit)
    assert events["kunming"].pk not in listed
    assert events["admin"].pk not in listed
    row = next(
        r
        for r in api(auditor).get("/api/v1/audit-events/").json()["results"]
        if r["id"] == events["wuhou"].pk
    )
    assert row["payload"] == {"query": "=HYPERLINK(1)", "purpose": "核查"}

    client.force_login(auditor)
    page = client.get("/audit/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert "核查" in text and f"event-{events['wuhou'].pk}" in text
    assert f"event-{events['kunming'].pk}" not in text


def test_an_auditor_of_the_ministry_reads_everything(events):
    ministry_auditor = member("000000", Role.AUDITOR, username="mps_auditor")
    listed = ids(api(ministry_auditor).get("/api/v1/audit-events/"))
    assert {event.pk for event in events.values()} <= listed


@pytest.mark.parametrize("persona", ["system_admin", "wuhou_investigator", "sichuan_legal_officer"])
def test_everyone_else_gets_404(request, client, persona, events):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for url in ("/audit/", "/audit/export.csv", "/audit/chain/"):
        assert client.get(url).status_code == 404, url
    for url in ("/api/v1/audit-events/", "/api/v1/audit-events/export/", "/api/v1/audit-chain/"):
        response = api(user).get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/audit/").status_code == 302
    assert APIClient().get("/api/v1/audit-events/").status_code == 401


def test_the_auditor_still_gets_nothing_of_cases(auditor):
    assert api(auditor).get("/api/v1/cases/").status_code in (403, 404)


def test_filters(auditor, events, wuhou_investigator):
    client = api(auditor)
    assert ids(client.get("/api/v1/audit-events/", {"actor": wuhou_investigator.username})) == {
        events["wuhou"].pk,
        events["wuhou_login"].pk,
    }
    assert ids(client.get("/api/v1/audit-events/", {"unit": "510107"})) == {events["wuhou"].pk}
    assert ids(client.get("/api/v1/audit-events/", {"target_type": "cases.case", "target_id": "7"})) == {
        events["wuhou"].pk
    }
    assert ids(client.get("/api/v1/audit-events/", {"action": "auth"})) == {events["wuhou_login"].pk}
    assert ids(client.get("/api/v1/audit-events/", {"action": "cases.search"})) == {events["wuhou"].pk}
    moment = events["wuhou"].occurred_at
    assert events["wuhou"].pk in ids(client.get("/api/v1/audit-events/", {"since": moment.isoformat()}))
    # A day is a day in Asia/Shanghai (TIME_ZONE), as the filter reads it: between 16:00 and 24:00 UTC
    # the UTC date is the day before.
    day = timezone.localdate(moment)
    assert events["wuhou"].pk in ids(client.get("/api/v1/audit-events/", {"until": day.isoformat()}))
    earlier = (day.replace(year=day.year - 1)).isoformat()
    assert ids(client.get("/api/v1/audit-events/", {"until": earlier})) == set()
    bad = client.get("/api/v1/audit-events/", {"unit": "51", "since": "yesterday"})
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"unit", "since"}


def test_export_is_csv_audited_and_safe_for_spreadsheets(client, auditor, events):
    client.force_login(auditor)
    response = client.get("/audit/export.csv", {"unit": "510107"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["id"]) for row in rows] == [events["wuhou"].pk]
    assert '"query": "=HYPERLINK(1)"' in rows[0]["payload"]  # inside JSON: no formula
    assert not any(cell.startswith("=") for row in rows for cell in row.values())
    exported = AuditEvent.objects.get(action="audit.exported")
    assert (exported.actor_id, exported.payload["filters"]) == (auditor.pk, {"unit": "510107"})
    # A cell that would start like a formula is defused with a leading apostrophe.
    audit.record(action="test.formula", acting_unit_code="510107", target=("cases.case", "=1+2"))
    text = b"".join(client.get("/audit/export.csv", {"action": "test"}).streaming_content).decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["target_id"] == "'=1+2"
    via_api = api(auditor).get("/api/v1/audit-events/export/", {"action": "auth"})
    assert via_api.status_code == 200
    assert str(events["wuhou_login"].pk) in b"".join(via_api.streaming_content).decode("utf-8-sig")


def test_chain_status_from_the_hash_chain_without_checkpoints(client, auditor, events, monkeypatch):
    monkeypatch.setitem(sys.modules, "core.audit_checkpoints", None)  # as if the module were absent
    body = api(auditor).get("/api/v1/audit-chain/").json()
    assert body["ok"] is True
    assert body["events"] == AuditEvent.objects.count()
    assert (body["keyed"], body["problems"], body["last_checkpoint"]) == (False, [], None)
    client.force_login(auditor)
    assert "审计链校验通过。" in client.get("/audit/chain/").content.decode()  # pages default to Chinese


def test_chain_status_from_the_keyed_checkpoints_when_they_exist(client, auditor, monkeypatch):
    fake = types.ModuleType("core.audit_checkpoints")
    fake.chain_status = lambda full=False: {
        "ok": False,
        "events": 3,
        "checked_at": None,
        "last_checkpoint": {"id": 2, "head": "abc"},
        "problems": ["truncated after event #2"],
    }
    monkeypatch.setitem(sys.modules, "core.audit_checkpoints", fake)
    body = api(auditor).get("/api/v1/audit-chain/").json()
    assert (body["ok"], body["keyed"], body["problems"]) == (False, True, ["truncated after event #2"])
    assert body["last_checkpoint"] == {"id": 2, "head": "abc"}
    client.force_login(auditor)
    page = client.get("/audit/chain/", HTTP_HX_REQUEST="true").content.decode()
    assert "truncated after event #2" in page and "审计链校验未通过。" in page


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = callable_()
        assert response.status_code == 200
    return len(captured.captured_queries)


def test_pages_cost_the_same_for_few_and_many_events_and_page_by_keyset(client, auditor, wuhou_investigator):
    def add(n):
        for i in range(n):
            audit.record(
                action="test.event", actor=wuhou_investigator, acting_unit_code="510107", payload={"i": i}
            )

    client.force_login(auditor)
    add(3)
    few_page, few_api = (
        _queries(lambda: client.get("/audit/")),
        _queries(lambda: api(auditor).get("/api/v1/audit-events/")),
    )
    add(120)
    assert _queries(lambda: client.get("/audit/")) == few_page
    assert _queries(lambda: api(auditor).get("/api/v1/audit-events/")) == few_api

    first = client.get("/audit/")
    older = first.context["older_than"]
    assert len(first.context["events"]) == 50 and older
    second = client.get("/audit/", {"before": older})
    assert all(event.pk < older for event in second.context["events"])
    page = api(auditor).get("/api/v1/audit-events/").json()
    assert page["next"] and len(page["results"]) == 50


def test_nav_shows_the_audit_trail_to_auditors_only(client, auditor, wuhou_investigator):
    client.force_login(auditor)
    assert 'href="/audit/"' in client.get("/units/").content.decode()
    client.force_login(wuhou_investigator)
    assert 'href="/audit/"' not in client.get("/units/").content.decode()


def test_chain_status_from_the_real_checkpoints(auditor, events):
    body = api(auditor).get("/api/v1/audit-chain/", {"full": "1"}).json()
    assert body["keyed"] is True
    assert body["ok"] is True, body
    assert body["events"] == AuditEvent.objects.count()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00+14:00", "9" * 40])
def test_a_moment_with_no_utc_value_is_a_400(client, auditor, moment):
    assert api(auditor).get("/api/v1/audit-events/", {"since": moment}).status_code == 400
    client.force_login(auditor)
    assert client.get("/audit/export.csv", {"until": moment}).status_code == 400
    assert client.get("/audit/", {"until": moment}).status_code == 200  # the form again, with the error


def test_an_offset_the_database_refuses_is_converted_to_utc(auditor, events):
    # PostgreSQL refuses the offset +16:49 itself; in UTC it is an ordinary moment.
    response = api(auditor).get("/api/v1/audit-events/", {"since": "2000-01-01T00:00+16:49"})
    assert response.status_code == 200
    assert events["wuhou"].pk in ids(response)
