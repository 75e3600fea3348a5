"""立案 as its own step (MPS-2020 art 178): asked for with a 呈请立案报告书, approved by the head of a
county-level or higher organ, recorded in a 立案决定书; `Case.is_filed` tells art 175 from art 184.
"""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from cases import filing
from cases.documents import CASE_FILING_DECISION
from cases.models import Case, CaseState
from core.models import TimelineEntry
from core.steps import Availability, check_transition
from documents import kinds as document_kinds
from documents.access import document_visible_to
from documents.models import Document, DocumentState
from organisation.models import Role, Unit, UnitLevel
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, CasePersonFactory, unit
from tests.support.personas import officer
from tests.support.units import WUHOU, XINING

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
REASONS = {"reasons": "经审查，有诈骗犯罪事实，需要追究刑事责任，且属于本局管辖。"}
STATION_CODE = "519107"


def transition(case, name: str) -> str:
    return f"{CASES}{case.pk}/transitions/{name}/"


def station() -> Unit:
    """A 派出所 under 武侯区分局: the organisation's data stops at county level, so the test makes one."""
    wuhou = unit(WUHOU)
    return Unit.objects.create(
        code=STATION_CODE,
        name="成都市公安局武侯区分局某某派出所",
        level=UnitLevel.STATION,
        parent=wuhou,
        path=f"{wuhou.path}.{STATION_CODE}",
        province_code=wuhou.province_code,
    )


def requested(case, by=None) -> Case:
    filing.filing_request(case=case, by=by or officer(case.accepting_unit.code), **REASONS)
    case.refresh_from_db()
    return case


def test_a_department_head_cannot_approve_the_filing_mps_2020_art_178():
    case = requested(CaseFactory(state=CaseState.REGISTERED))
    department_head = officer(WUHOU, Role.DEPARTMENT_HEAD)

    with translation.override("en"):
        check = check_transition(case, "start_investigation", department_head)
        assert "county-level" in str(check.reasons[0]) and "MPS-2020 art 178" in str(check.reasons[0])
    assert check.status is Availability.NOT_ALLOWED
    with translation.override("zh-hans"):
        check = check_transition(case, "start_investigation", department_head)
        assert "县级以上公安机关负责人批准" in str(check.reasons[0])
    body = assert_error(
        token_client(department_head).post(transition(case, "start_investigation"), {}, format="json"),
        403,
        "permission_denied",
    )
    assert "MPS-2020 art 178" in body["message"] and "department head" in body["message"]
    case.refresh_from_db()
    assert (case.state, case.is_filed) == (CaseState.REGISTERED, False)


def test_the_step_shows_disabled_with_the_reason_to_a_department_head_mps_2020_art_178(client):
    case = requested(CaseFactory(state=CaseState.REGISTERED))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(officer(WUHOU, Role.DEPARTMENT_HEAD))

    page = client.get(reverse("cases:detail", args=[case.pk])).text

    assert "Approve the filing (立案) and start the investigation" in page
    assert "not a department head" in page
    response = client.post(
        reverse("cases:transition", args=[case.pk, "start_investigation"]), {"expected_state": "registered"}
    )
    assert response.status_code == 403
    assert "MPS-2020 art 178" in response.text


def test_a_police_station_head_cannot_approve_its_county_bureau_head_does_mps_2020_art_178():
    post = station()
    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=post)
    station_investigator = officer(STATION_CODE)
    station_head = officer(STATION_CODE, Role.UNIT_HEAD)
    wuhou_head = officer(WUHOU, Role.UNIT_HEAD)

    response = token_client(station_investigator).post(
        transition(case, "request_filing"), REASONS, format="json"
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    # The report is the bureau's: a 派出所 is not an organ of its own.
    assert case.filing_report.issuing_unit.code == WUHOU

    body = assert_error(
        token_client(station_head).post(transition(case, "start_investigation"), {}, format="json"),
        403,
        "permission_denied",
    )
    assert "below county level" in body["message"] and "武侯区分局" in body["message"]
    assert filing.filing_organ(case).code == WUHOU

    response = token_client(wuhou_head).post(transition(case, "start_investigation"), {}, format="json")
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_INVESTIGATION
    assert case.lead_unit == post  # the station investigates; its bureau filed the case
    assert case.filing_decision.issuing_unit.code == WUHOU
    # Whoever sees the case sees its 立案决定书: the station does, though the bureau issued it.
    assert document_visible_to(station_investigator, case.filing_decision)


def test_a_county_level_head_files_the_case_and_the_decision_is_issued_mps_2020_art_178():
    case = CaseFactory(state=CaseState.REGISTERED)
    CasePersonFactory(case=case, name="张某")
    investigator = officer(WUHOU)
    head = officer(WUHOU, Role.UNIT_HEAD)

    response = token_client(investigator).post(transition(case, "request_filing"), REASONS, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "registered"
    case.refresh_from_db()
    report = case.filing_report
    assert (report.kind, report.state) == (document_kinds.REPORT_FOR_APPROVAL.code, DocumentState.DRAFTED)
    assert report.data["purpose"] == document_kinds.FILING_PURPOSE
    assert report.approval_chain == [document_kinds.EXTERNAL]
    assert (report.link_target_type, report.link_target_id) == ("cases.case", str(case.pk))
    assert case.filing_pending and not case.is_filed
    # Asked once: asking again is not offered while the request waits (409).
    again = token_client(investigator).post(transition(case, "request_filing"), REASONS, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "conflict")

    response = token_client(head).post(transition(case, "start_investigation"), {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["lead_unit"]["code"] == WUHOU

    case = Case.objects.get(pk=case.pk)
    assert case.is_filed and not case.filing_pending
    assert case.state == CaseState.UNDER_INVESTIGATION
    assert case.filed_by == head and case.filed_at is not None
    decision = case.filing_decision
    assert decision.kind == CASE_FILING_DECISION.code
    assert decision.state == DocumentState.ISSUED
    assert "立字" in decision.number and decision.issuing_unit.code == WUHOU
    assert decision.data["case_name"] == case.name and "第一百七十八条" in decision.data["legal_basis"]
    assert decision.data["suspects"] == "张某"
    report = Document.objects.get(pk=report.pk)
    assert report.state == DocumentState.ISSUED and report.data["leader_instruction"].startswith("同意立案")
    actions = list(
        TimelineEntry.objects.filter(target_type="cases.case", target_id=str(case.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions[-2:] == ["request_filing", "start_investigation"]


def test_no_approval_without_a_request_for_filing_mps_2020_art_178(client):
    case = CaseFactory(state=CaseState.REGISTERED)
    head = officer(WUHOU, Role.UNIT_HEAD)

    check = check_transition(case, "start_investigation", head)
    assert check.status is Availability.BLOCKED and "呈请立案报告书" in str(check.reasons[0])
    response = token_client(head).post(transition(case, "start_investigation"), {}, format="json")
    body = response.json()
    assert (response.status_code, body["code"]) == (409, "step_blocked")
    assert "呈请立案报告书" in body["message"]
    assert body["current_state"] == "registered"
    case.refresh_from_db()
    assert not case.is_filed


def test_the_request_names_the_missing_reasons_mps_2020_art_178():
    case = CaseFactory(state=CaseState.REGISTERED)
    body = assert_error(
        token_client(officer(WUHOU)).post(
            transition(case, "request_filing"), {"reasons": " "}, format="json"
        ),
        400,
        "invalid",
    )
    assert "reasons" in body["fields"] and "MPS-2020 art 178" in body["fields"]["reasons"][0]
    case.refresh_from_db()
    assert case.filing_report is None and not case.filing_pending


def test_a_request_sent_back_is_asked_for_again_with_the_same_report():
    case = requested(CaseFactory(state=CaseState.REGISTERED))
    report = case.filing_report
    head = officer(WUHOU, Role.UNIT_HEAD)

    assert_error(
        token_client(head).post(transition(case, "return_filing_request"), {"reason": " "}, format="json"),
        400,
        "invalid",
    )
    response = token_client(head).post(
        transition(case, "return_filing_request"), {"reason": "事实不清"}, format="json"
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert not case.filing_pending and case.state == CaseState.REGISTERED

    filing.filing_request(case=case, by=officer(WUHOU), reasons="补充调查后，有犯罪事实", facts="补充的事实")
    case.refresh_from_db()
    assert case.filing_report == report and case.filing_pending
    assert "补充的事实" in Document.objects.get(pk=report.pk).data["facts"]


def test_an_uninvolved_province_gets_404_on_the_filing_steps_and_documents():
    case = requested(CaseFactory(state=CaseState.REGISTERED))
    outsider = token_client(officer(XINING, Role.UNIT_HEAD))
    for name, body in (
        ("request_filing", REASONS),
        ("start_investigation", {}),
        ("return_filing_request", {}),
    ):
        assert_error(outsider.post(transition(case, name), body, format="json"), 404, "not_found")
    filing.filing_approve(case=case, by=officer(WUHOU, Role.UNIT_HEAD))
    case.refresh_from_db()
    for document in (case.filing_report, case.filing_decision):
        assert_error(outsider.get(f"/api/v1/documents/{document.pk}/"), 404, "not_found")
        assert token_client(officer(WUHOU)).get(f"/api/v1/documents/{document.pk}/").status_code == 200


def test_is_filed_follows_the_filing_and_investigated_cases_count_as_filed():
    assert not CaseFactory(state=CaseState.REGISTERED).is_filed
    assert CaseFactory(state=CaseState.UNDER_INVESTIGATION).is_filed
    assert not CaseFactory(state=CaseState.DRAFT).is_filed


def test_the_migration_files_the_cases_already_investigated():
    migration = importlib.import_module("cases.migrations.0012_case_filing")
    head = officer(WUHOU, Role.UNIT_HEAD)
    investigated = CaseFactory(state=CaseState.SUSPENDED, filed_at=None)
    started = timezone.now() - timezone.timedelta(days=3)
    TimelineEntry.objects.create(
        target_type="cases.case",
        target_id=str(investigated.pk),
        actor_id=head.pk,
        action="start_investigation",
        from_state="registered",
        to_state="under_investigation",
        occurred_at=started,
    )
    closed_without_rows = CaseFactory(state=CaseState.CLOSED, filed_at=None)
    registered = CaseFactory(state=CaseState.REGISTERED)
    revoked_at_intake = CaseFactory(state=CaseState.REVOKED)

    migration.mark_investigated_cases_filed(apps, None)

    investigated.refresh_from_db()
    assert (investigated.filed_at, investigated.filed_by) == (started, head)
    closed_without_rows.refresh_from_db()
    assert closed_without_rows.filed_at == closed_without_rows.accepted_at
    for case in (registered, revoked_at_intake):
        case.refresh_from_db()
        assert not case.is_filed


def test_the_page_asks_and_the_county_head_finds_the_station_case_in_the_inbox_mps_2020_art_178(client):
    from core.inbox import inbox_for

    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=station())
    investigator = officer(STATION_CODE)
    client.force_login(investigator)
    page = client.get(reverse("cases:detail", args=[case.pk])).text
    assert 'name="reasons"' in page  # the step's form, drawn from its declaration

    response = client.post(
        reverse("cases:transition", args=[case.pk, "request_filing"]),
        {"expected_state": "registered", **REASONS},
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.filing_pending
    waiting = {(item.kind, item.object_id) for item in inbox_for(officer(WUHOU, Role.UNIT_HEAD))}
    assert ("case.decide", str(case.pk)) in waiting
    station_head = {(item.kind, item.object_id) for item in inbox_for(officer(STATION_CODE, Role.UNIT_HEAD))}
    assert ("case.decide", str(case.pk)) not in station_head


# --- a case that changes hands before 立案 is filed by the organ that receives it -------------------


def _transferred_at_intake(cast, *, state):
    """Transfer a case of 武侯 to 五华 through a proceeding and return the case and both offices."""
    from jurisdiction import services as jurisdiction_services
    from tests.support.jurisdiction import hand_over_notice, office
    from tests.support.units import WUHUA

    wuhou, wuhua = office(WUHOU, "wuhou", cast), office(WUHUA, "wuhua", cast)
    case = CaseFactory(accepting_unit=unit(WUHOU), state=state)
    proceeding = jurisdiction_services.proceeding_open(
        case=case, by=wuhou.head, kind="transfer", reason="犯罪地不在本辖区"
    )
    proceeding = jurisdiction_services.proceeding_transition(
        proceeding=proceeding,
        name="prepare_transfer",
        by=wuhou.head,
        reason="犯罪地在五华区",
        fields={"lead_unit": WUHUA},
    )
    proceeding = hand_over_notice(proceeding, wuhou)
    jurisdiction_services.handover_item_add(
        proceeding=proceeding, by=wuhou.investigator, kind="file", description="案卷1册"
    )
    jurisdiction_services.handover_confirm(proceeding=proceeding, by=wuhou.head)
    jurisdiction_services.handover_confirm(proceeding=proceeding, by=wuhua.head)
    case.refresh_from_db()
    return case, wuhou, wuhua


def test_a_case_transferred_at_intake_is_filed_by_the_organ_it_goes_to_mps_2020_arts_175_178(cast):
    """MPS-2020 art 175 ¶1: a case found at intake not to be the organ's own goes to the competent
    organ, which then decides on 立案 itself (art 178): settling the jurisdiction files nothing.
    """
    from core.inbox import inbox_for

    case, wuhou, wuhua = _transferred_at_intake(cast, state=CaseState.REGISTERED)

    assert (case.state, case.lead_unit.code, case.is_filed) == (CaseState.REGISTERED, "530102", False)
    settled = TimelineEntry.objects.filter(
        target_type="cases.case", target_id=str(case.pk), action="settle_jurisdiction"
    ).get()
    assert (settled.from_state, settled.to_state) == ("jurisdiction_pending", "registered")
    # The receiving organ's investigators ask for the filing; its own head approves it.
    assert check_transition(case, "request_filing", wuhua.investigator).status is Availability.AVAILABLE
    assert ("case.file", str(case.pk)) in {(i.kind, i.object_id) for i in inbox_for(wuhua.investigator)}
    assert check_transition(case, "request_filing", wuhou.investigator).status is not Availability.AVAILABLE
    case = requested(case, by=wuhua.investigator)
    assert filing.filing_organ(case).code == "530102"
    assert check_transition(case, "start_investigation", wuhou.head).status is not Availability.AVAILABLE
    filing.filing_approve(case=case, by=wuhua.head)
    case.refresh_from_db()
    assert (case.state, case.is_filed, case.filed_by) == (CaseState.UNDER_INVESTIGATION, True, wuhua.head)
    assert case.filing_decision.issuing_unit.code == "530102"


def test_a_case_transferred_after_filing_stays_under_investigation_mps_2020_art_184(cast):
    case, _wuhou, wuhua = _transferred_at_intake(cast, state=CaseState.UNDER_INVESTIGATION)

    assert (case.state, case.lead_unit.code, case.is_filed) == (CaseState.UNDER_INVESTIGATION, "530102", True)
    assert check_transition(case, "request_filing", wuhua.investigator).status is not Availability.AVAILABLE


def test_sending_the_request_back_asks_for_its_reason_in_words_that_fit_mps_2020_art_178(client):
    """The return form's help said "required to suspend, close or revoke the case" under 退回呈请立案."""
    case = requested(CaseFactory(state=CaseState.REGISTERED))
    client.force_login(officer(WUHOU, Role.UNIT_HEAD))
    html = client.get(reverse("cases:detail", args=[case.pk])).text
    assert "退回呈请立案" in html
    assert "中止侦查、结案或撤销案件时必填" not in html
    assert "必填：写明理由，记入案件时间线。" in html
