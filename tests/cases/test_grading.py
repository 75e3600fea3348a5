"""Grading of shared items (issue 7 item 4): source reliability A/B/C/X and information accuracy 1–4
beside the handling code (DOMAIN.md §4 [S]) — written through the API and the intake page, shown on
the case page, the list, the API and the export, and on request documents."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CaseState, HandlingCode
from core.grading import grade_text
from core.models import AuditEvent
from organisation.models import Unit
from tests.support.api import ENGLISH, assert_error, token_client
from tests.support.factories.assistance import draft_request, scan
from tests.support.factories.cases import CaseFactory, offence
from tests.support.personas import Cast
from tests.support.units import WUHOU

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
EXPORT = "/api/v1/cases/export.csv"


@pytest.fixture
def cast(db) -> Cast:
    return Cast()


@pytest.fixture
def api(wuhou_investigator):
    return token_client(wuhou_investigator)


def _create(api, **extra):
    return api.post(
        CASES, {"name": "4·15 电信网络诈骗案", "offence": "telecom_fraud", **extra}, format="json"
    )


def test_grade_text_prints_both_grades_or_nothing():
    assert grade_text("B", 2) == "B2"
    assert grade_text("", None) == ""
    assert grade_text("X", None) == "X–"
    assert grade_text("", 3) == "–3"


def test_the_api_writes_reads_and_changes_the_grades(api, wuhou_investigator):
    response = _create(api, handling_code="internal", source_reliability="B", information_accuracy=2)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source_reliability"], body["information_accuracy"], body["grade"]) == ("B", 2, "B2")
    case = Case.objects.get(pk=body["id"])
    assert (case.source_reliability, case.information_accuracy) == ("B", 2)

    changed = api.patch(
        f"{CASES}{case.pk}/", {"source_reliability": "A", "information_accuracy": "1"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["grade"] == "A1"
    event = AuditEvent.objects.filter(action="cases.case.updated", target_id=str(case.pk)).latest("id")
    assert event.payload["source_reliability"] == {"from": "B", "to": "A"}
    assert event.payload["information_accuracy"] == {"from": 2, "to": 1}

    cleared = api.patch(
        f"{CASES}{case.pk}/", {"source_reliability": "", "information_accuracy": None}, format="json"
    )
    assert cleared.status_code == 200 and cleared.json()["grade"] == ""
    assert api.get(f"{CASES}{case.pk}/").json()["information_accuracy"] is None


def test_ungraded_is_the_default(api):
    body = _create(api).json()
    assert (body["source_reliability"], body["information_accuracy"], body["grade"]) == ("", None, "")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("source_reliability", "D"),
        ("source_reliability", "b"),
        ("information_accuracy", 5),
        ("information_accuracy", "0"),
    ],
)
def test_an_unknown_grade_is_a_400_naming_the_field(api, field, value):
    before = Case.objects.count()
    body = assert_error(_create(api, **{field: value}), 400, "invalid")
    assert set(body["fields"]) == {field}
    assert Case.objects.count() == before

    case = CaseFactory(state=CaseState.REGISTERED, source_reliability="C", information_accuracy=3)
    patched = assert_error(api.patch(f"{CASES}{case.pk}/", {field: value}, format="json"), 400, "invalid")
    assert set(patched["fields"]) == {field}
    case.refresh_from_db()
    assert (case.source_reliability, case.information_accuracy) == ("C", 3)


def test_the_list_shows_grades_in_constant_queries(api):
    CaseFactory(state=CaseState.REGISTERED, source_reliability="A", information_accuracy=1)
    api.get(CASES)
    with CaptureQueriesContext(connection) as one:
        results = api.get(CASES).json()["results"]
    assert [row["grade"] for row in results] == ["A1"]
    for _ in range(9):
        CaseFactory(state=CaseState.REGISTERED, source_reliability="X", information_accuracy=4)
    with CaptureQueriesContext(connection) as ten:
        results = api.get(CASES).json()["results"]
    assert [row["grade"] for row in results] == ["X4"] * 9 + ["A1"]
    assert len(ten) == len(one)


def test_the_export_carries_the_grade_beside_the_handling_code(api):
    CaseFactory(
        state=CaseState.REGISTERED,
        handling_code=HandlingCode.INTERNAL,
        source_reliability="B",
        information_accuracy=2,
    )
    CaseFactory(state=CaseState.REGISTERED)
    response = api.get(EXPORT, **ENGLISH)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    grading = header.index("Grading")
    assert header[grading - 1] == "Handling code"
    assert [row[grading] for row in rows[1:]] == ["", "B2"]


# --- pages ---------------------------------------------------------------------------------------


def test_the_case_page_and_list_show_the_grade_beside_the_handling_code(client, wuhou_investigator):
    client.force_login(wuhou_investigator)
    internal = CaseFactory(
        state=CaseState.REGISTERED,
        handling_code=HandlingCode.INTERNAL,
        source_reliability="B",
        information_accuracy=2,
    )
    normal = CaseFactory(state=CaseState.REGISTERED, source_reliability="C", information_accuracy=3)
    ungraded = CaseFactory(state=CaseState.REGISTERED, name="未评级案")

    page = client.get(reverse("cases:detail", args=[internal.pk])).content.decode()
    assert "内部 · B2" in page
    listing = client.get(reverse("cases:list")).content.decode()
    assert "内部 · B2" in listing
    assert "普通 · C3" in listing  # a normal case shows its badge once it is graded
    ungraded_page = client.get(reverse("cases:detail", args=[ungraded.pk])).content.decode()
    assert "普通 ·" not in ungraded_page
    assert normal.pk != ungraded.pk


def test_intake_takes_the_grades(client, wuhou_investigator):
    client.force_login(wuhou_investigator)
    form = client.get(reverse("cases:new"))
    assert 'name="source_reliability"' in form.content.decode()
    wuhou = Unit.objects.get(code=WUHOU)
    fields = {
        "accepting_unit": wuhou.pk,
        "name": "4·15 电信网络诈骗案",
        "offence": offence("telecom_fraud").pk,
        "handling_code": "normal",
        "summary": "受害人在昆明被骗。",
    }
    refused = client.post(reverse("cases:new"), {**fields, "information_accuracy": "7"})
    assert refused.status_code == 400
    assert "information_accuracy" in refused.context["form"].errors
    assert not Case.objects.exists()

    response = client.post(
        reverse("cases:new"), {**fields, "source_reliability": "X", "information_accuracy": "4"}
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.source_reliability, case.information_accuracy) == ("X", 4)


# --- request documents ---------------------------------------------------------------------------


def test_request_documents_carry_optional_grades(cast):
    target = draft_request(cast.investigator)
    client = token_client(cast.investigator)
    url = f"/api/v1/assistance-requests/{target.pk}/documents/"
    fields = {
        "document_type": "case_filing_decision",
        "number": "武公立字〔2026〕1号",
        "issued_on": "2026-01-05",
    }

    graded = client.post(
        url,
        {**fields, "file": scan(), "source_reliability": "A", "information_accuracy": "2"},
        format="multipart",
    )
    assert graded.status_code == 201, graded.content
    assert (graded.json()["source_reliability"], graded.json()["information_accuracy"]) == ("A", 2)
    assert graded.json()["grade"] == "A2"

    plain = client.post(
        url, {**fields, "document_type": "police_id_copy", "file": scan()}, format="multipart"
    )
    assert plain.status_code == 201 and plain.json()["grade"] == ""

    bad = client.post(url, {**fields, "file": scan(), "source_reliability": "Z"}, format="multipart")
    assert set(assert_error(bad, 400, "invalid")["fields"]) == {"source_reliability"}

    detail = client.get(f"/api/v1/assistance-requests/{target.pk}/").json()
    assert {doc["document_type"]: doc["grade"] for doc in detail["documents"]} == {
        "case_filing_decision": "A2",
        "police_id_copy": "",
    }

    page_client = cast_client(cast)
    page = page_client.get(reverse("assistance:detail", args=[target.pk])).content.decode()
    assert ">A2<" in page
    assert 'name="information_accuracy"' in page

    upload = page_client.post(
        reverse("assistance:document-upload", args=[target.pk]),
        {
            **fields,
            "document_type": "evidence_call_notice",
            "file": scan(),
            "source_reliability": "C",
            "information_accuracy": "3",
        },
    )
    assert upload.status_code == 302
    assert target.documents.get(document_type="evidence_call_notice").information_accuracy == 3


def cast_client(cast):
    from django.test import Client

    client = Client()
    client.force_login(cast.investigator)
    return client
