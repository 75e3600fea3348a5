"""Hostile text (issue 8 item 5): markup in every text field is shown escaped, SQL-looking input is data.

Pages escape through Django's templates (autoescape is never turned off for user text); the API answers
JSON; PDFs are HTML rendered by WeasyPrint, so markup there would be layout, not text — the documents
test reads the PDF's text back to prove it is printed literally.
"""

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Case, CaseState
from cases.search.services import SearchKind, search
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, CasePersonFactory, unit
from tests.support.personas import officer
from tests.support.units import WUHOU

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script>'
IMAGE = '<img src=x onerror="alert(1)">'
SQL = "Robert'); DROP TABLE cases_case;--"
HOSTILE = f"{SCRIPT}{IMAGE}{SQL}"


@pytest.fixture
def hostile_case():
    case = CaseFactory(
        accepting_unit=unit(WUHOU),
        state=CaseState.UNDER_INVESTIGATION,
        name=f"案{SCRIPT}",
        summary=HOSTILE,
        external_number="X'--<b>",
    )
    CaseLocationFactory(case=case, address=HOSTILE, occurred=SCRIPT, note=HOSTILE)
    CasePersonFactory(case=case, name=f"张{IMAGE}"[:64], household_address=HOSTILE, note=HOSTILE)
    return case


def _assert_escaped(html: str) -> None:
    assert SCRIPT not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_pages_show_every_hostile_field_escaped(client, hostile_case):
    client.force_login(officer(WUHOU))
    for url in (reverse("cases:detail", args=[hostile_case.pk]), reverse("cases:list")):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_escaped(response.content.decode())
    page = client.get(reverse("cases:detail", args=[hostile_case.pk])).content.decode()
    assert "DROP TABLE cases_case;--" in page.replace("&#x27;", "'")  # shown as the text it is


def test_the_api_returns_the_text_as_data(client, hostile_case):
    client.force_login(officer(WUHOU))
    body = client.get(f"/api/v1/cases/{hostile_case.pk}/").json()
    assert body["summary"] == HOSTILE and body["name"] == f"案{SCRIPT}"


def test_sql_looking_input_is_stored_searched_and_filtered_as_data(client, hostile_case):
    user = officer(WUHOU)
    for query in (SQL, "' OR '1'='1", "%' OR 1=1 --"):
        result = search(by=user, kind=SearchKind.NAME, query=query, purpose_text="核查可疑输入")
        assert result.hits == []
    client.force_login(user)
    response = client.get(reverse("cases:list"), {"q": "' OR 1=1 --"})
    assert response.status_code == 200
    assert client.get("/api/v1/cases/", {"q": SQL}).status_code == 200
    assert Case.objects.filter(summary=HOSTILE).count() == 1
    assert "cases_case" in connection.introspection.table_names()
