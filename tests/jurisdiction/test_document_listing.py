"""Issue 16 leak 9: a process object's document lists show a draft only to whom may read it.

A draft (any state before issue) is read by the officers of its issuing unit who take its steps
(documents.access). The proceeding page and API, the case page's jurisdiction panel and the
assistance request page list an object's documents through documents.selectors.documents_readable_by,
so the other parties and every superior see neither the draft's title, its state, its issuing unit
nor the reason it was sent back; once issued it is listed to all who see the proceeding.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents import kinds
from documents import services as document_services
from documents.models import Document, DocumentState
from jurisdiction import services
from organisation.models import Role
from tests.support.factories.assistance import draft_request, walk
from tests.support.factories.organisation import member
from tests.support.jurisdiction import walk_document
from tests.support.personas import Cast
from tests.support.units import CHENGDU, MPS, SICHUAN, WUHOU, WUHUA

SECRET_REASON = "送审意见：嫌疑人供述与证据矛盾ZXQ"


def client_of(user, language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def page_of(proceeding) -> str:
    return reverse("jurisdiction:proceeding-detail", args=[proceeding.pk])


def api_of(proceeding) -> str:
    return f"/api/v1/jurisdiction-proceedings/{proceeding.pk}/"


def designation_requested(case, offices):
    """Wuhou and Wuhua both claim the case; Wuhou asks for designation, its report sent back once."""
    proceeding = services.proceeding_open(case=case, by=offices[WUHOU].head, reason="多地均有管辖依据")
    services.proceeding_transition(proceeding=proceeding, name="start_consultation", by=offices[WUHOU].head)
    for code in (WUHOU, WUHUA):
        services.position_record(
            proceeding=proceeding,
            unit=offices[code].unit,
            by=offices[code].legal,
            position="claim",
            reasons="主张管辖",
        )
    services.proceeding_transition(
        proceeding=proceeding,
        name="request_designation",
        by=offices[WUHOU].legal,
        fields={
            "suspects": "吉某某",
            "charge": "诈骗罪",
            "facts": "事实",
            "dispute": "争议",
            "reasons": "理由",
        },
    )
    report = proceeding.designation_requests.get().report_document
    step = document_services.document_transition
    step(document=report, name="submit_for_review", by=offices[WUHOU].head)
    step(document=report, name="send_back", by=offices[WUHOU].legal, reason=SECRET_REASON)
    proceeding.refresh_from_db()
    report.refresh_from_db()
    assert report.state == DocumentState.DRAFTED and report.send_back_reason == SECRET_REASON
    return proceeding, report


def shows_report(text: str, report: Document) -> bool:
    return f'id="document-{report.pk}"' in text or f"#document-{report.pk}" in text or SECRET_REASON in text


@pytest.fixture
def requested(fraud_case, offices):
    return designation_requested(fraud_case, offices)


def outsiders_of_the_draft(offices):
    """The other party, the superiors on the route, and a Wuhou officer who takes no step on it."""
    return [
        offices[WUHUA].head,
        offices[WUHUA].legal,
        offices[CHENGDU].head,
        offices[SICHUAN].head,
        offices[MPS].head,
        member(WUHOU, Role.LIAISON_OFFICER, username="wuhou_liaison"),
    ]


# --- the proceeding page -------------------------------------------------------------------------


def test_the_proceeding_page_lists_a_partys_draft_to_none_but_its_officers(requested, offices):
    proceeding, report = requested
    for user in outsiders_of_the_draft(offices):
        response = client_of(user).get(page_of(proceeding))
        if response.status_code == 404:
            continue  # the liaison officer may not see the proceeding at all
        assert response.status_code == 200, user.username
        assert not shows_report(response.text, report), user.username
        assert "waiting to be submitted" not in response.text, user.username
    for user in (offices[WUHOU].head, offices[WUHOU].legal, offices[WUHOU].investigator):
        response = client_of(user).get(page_of(proceeding))
        assert response.status_code == 200
        assert f'id="document-{report.pk}"' in response.text and SECRET_REASON in response.text


def test_the_case_panel_does_not_tell_a_partys_draft_state(requested, fraud_case, offices):
    _proceeding, report = requested
    case_page = reverse("cases:detail", args=[fraud_case.pk])
    response = client_of(offices[WUHUA].head).get(case_page)
    assert response.status_code == 200
    assert "jurisdiction-waiting" in response.text
    assert "The 呈请报告书 is" not in response.text and not shows_report(response.text, report)
    response = client_of(offices[WUHOU].head).get(case_page)
    assert "The 呈请报告书 is waiting to be submitted" in response.text


# --- the proceeding API --------------------------------------------------------------------------


def document_ids(data) -> set[int]:
    """Every document id the detail answer names, wherever it sits."""
    found = set()
    for key in ("decision_document", "transfer_notice", "handover_list"):
        if data.get(key):
            found.add(data[key]["id"])
    for request in data.get("designation_requests", []):
        if request.get("report_document"):
            found.add(request["report_document"]["id"])
    return found


def test_the_proceeding_api_names_a_partys_draft_to_none_but_its_officers(requested, offices):
    proceeding, report = requested
    for user in outsiders_of_the_draft(offices):
        response = client_of(user).get(api_of(proceeding))
        if response.status_code == 404:
            continue
        assert response.status_code == 200, user.username
        assert report.pk not in document_ids(response.json()), user.username
        assert report.title not in response.content.decode(), user.username
    data = client_of(offices[WUHOU].legal).get(api_of(proceeding)).json()
    assert report.pk in document_ids(data)


def test_the_superiors_draft_decision_stays_with_the_superior_until_issued(requested, offices):
    proceeding, report = requested
    walk_document(report, offices[WUHOU])
    services.proceeding_transition(proceeding=proceeding, name="file_designation", by=offices[WUHOU].head)
    services.proceeding_transition(proceeding=proceeding, name="forward", by=offices[CHENGDU].head)
    services.proceeding_transition(proceeding=proceeding, name="forward", by=offices[SICHUAN].head)
    proceeding.refresh_from_db()
    decision = services.designation_decision_draft(
        proceeding=proceeding, by=offices[MPS].head, lead_unit=offices[WUHUA].unit, reason="被害人集中"
    )
    for user in (offices[WUHOU].head, offices[WUHUA].head, offices[SICHUAN].head):
        data = client_of(user).get(api_of(proceeding)).json()
        assert data["decision_document"] is None, user.username
        # The issued report is the process's record: every party sees it.
        assert report.pk in document_ids(data), user.username
        page = client_of(user).get(page_of(proceeding)).text
        assert f'id="document-{decision.pk}"' not in page and decision.title not in page, user.username
        assert f'id="document-{report.pk}"' in page, user.username
    data = client_of(offices[MPS].head).get(api_of(proceeding)).json()
    assert data["decision_document"]["id"] == decision.pk


def test_the_page_and_api_cost_the_same_queries_however_many_drafts(requested, offices):
    proceeding, _report = requested

    def counts(user) -> tuple[int, int]:
        client = client_of(user)
        client.get(page_of(proceeding))
        client.get(api_of(proceeding))
        with CaptureQueriesContext(connection) as page:
            assert client.get(page_of(proceeding)).status_code == 200
        with CaptureQueriesContext(connection) as api:
            assert client.get(api_of(proceeding)).status_code == 200
        return len(page.captured_queries), len(api.captured_queries)

    readers = (offices[WUHOU].legal, offices[WUHUA].head, offices[SICHUAN].head)
    before = {user.username: counts(user) for user in readers}
    for _ in range(3):  # more drafts of the proceeding, read by some and not by others
        document_services.document_draft(
            kind=kinds.REPORT_FOR_APPROVAL.code,
            issuing_unit=offices[WUHOU].unit,
            by=offices[WUHOU].head,
            data={},
            link_target_type=services.LINK_TYPE,
            link_target_id=proceeding.pk,
            check_permission=False,
        )
    after = {user.username: counts(user) for user in readers}
    assert after == before


# --- the assistance request page -----------------------------------------------------------------


def test_the_assistance_request_page_lists_its_drafts_only_to_the_officers_who_take_their_steps(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator), cast, "sent")
    drafts = list(Document.objects.filter(link_target_id=str(request.pk), state=DocumentState.DRAFTED))
    assert drafts
    url = reverse("assistance:detail", args=[request.pk])
    # The drafts' titles are their kinds' names, which the uploaded scans share: look for the list.
    drafted_list = "Forms drafted from this request"
    shown = client_of(cast.investigator).get(url)
    assert shown.status_code == 200 and drafted_list in shown.text
    outsiders = [
        cast.intake,
        cast.requested_head,
        cast.officer,
        member("530000", Role.UNIT_HEAD, username="yunnan_head"),  # the requested unit's superior
        member("510100", Role.UNIT_HEAD, username="chengdu_head"),  # the requester's superior
        member("510107", Role.LIAISON_OFFICER, username="wuhou_liaison"),  # takes no step on them
    ]
    for user in outsiders:
        response = client_of(user).get(url)
        if response.status_code == 404:
            continue
        assert drafted_list not in response.text, user.username


# --- no list can forget the rule -----------------------------------------------------------------

PAGE_AND_API_MODULES = ("apis.py", "views.py", "presentation.py", "panel.py", "case_panel.py")


def test_every_page_or_api_that_lists_an_objects_documents_goes_through_the_one_rule():
    """A page or API function that queries documents by their link passes them through the rule."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in sorted(root.glob("*/**/*.py")):
        if ".venv" in path.parts or "tests" in path.parts or path.name not in PAGE_AND_API_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            source = ast.get_source_segment(path.read_text(encoding="utf-8"), function) or ""
            by_link = "link_target_id" in source or "linked_documents(" in source
            if by_link and "documents_readable_by" not in source:
                offenders.append(f"{path.relative_to(root)}:{function.lineno} {function.name}")
    assert not offenders, offenders
