"""不予立案 (MPS-2020 art 178 ¶1–3, art 179): asked for, approved by the head of a county-level or higher
organ, served on the complainants within 3 days, 复议 within 7 days decided within 30 (extendable once
by 30), 复核 by the superior, and the filing on new facts.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from cases import refusal
from cases.documents import CASE_NOT_FILING_NOTICE
from cases.models import Case, CaseState, FilingReview, PersonRole
from core.deadlines import last_day
from core.models import AuditEvent, Deadline, TimelineEntry
from core.steps import Availability, check_transition
from documents import kinds as document_kinds
from documents.models import DocumentState
from organisation.models import Role
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, CasePersonFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, WUHOU, XINING

from .test_filing import STATION_CODE, station

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
# A period whose last day is a holiday ends on the next working day (CPL-2018 art 105 ¶4).
HOLIDAY_ROLLOVER = 8
ASK = {"ground": "no_crime", "facts": "经审查，报案人所称财物系借贷纠纷，没有犯罪事实。"}


def transition(case, name: str) -> str:
    return f"{CASES}{case.pk}/transitions/{name}/"


def take(user, case, name, body=None):
    return token_client(user).post(transition(case, name), body or {}, format="json")


def registered(*, complainant: bool = True, **kwargs) -> Case:
    case = CaseFactory(state=CaseState.REGISTERED, **kwargs)
    CasePersonFactory(case=case, name="李某", role=PersonRole.SUSPECT)
    if complainant:
        CasePersonFactory(case=case, name="王某", role=PersonRole.COMPLAINANT)
    return case


def not_filed(*, complainant: bool = True, served_days_ago: int | None = None) -> Case:
    case = registered(complainant=complainant)
    refusal.not_filing_request(case=case, by=officer(WUHOU), **ASK)
    refusal.not_filing_approve(case=case, by=officer(WUHOU, Role.UNIT_HEAD))
    if served_days_ago is not None:
        served = timezone.localdate() - dt.timedelta(days=served_days_ago)
        Case.objects.filter(pk=case.pk).update(
            not_filed_at=timezone.now() - dt.timedelta(days=served_days_ago + 1)
        )
        refusal.notice_served(case=case, by=officer(WUHOU), served_on=served, note="当面送达")
    case.refresh_from_db()
    return case


def actions(case) -> list[str]:
    return list(
        TimelineEntry.objects.filter(target_type="cases.case", target_id=str(case.pk)).values_list(
            "action", flat=True
        )
    )


# --- art 178 ¶1: asked for, decided by the head ---------------------------------------------------


def test_the_head_decides_not_to_file_and_the_notice_is_issued_mps_2020_art_178_1():
    case = registered()
    investigator, head = officer(WUHOU), officer(WUHOU, Role.UNIT_HEAD)

    response = take(investigator, case, "request_not_filing", ASK)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "registered"
    case.refresh_from_db()
    report = case.refusal_report
    assert case.refusal_pending and case.refusal_ground == "no_crime"
    assert (report.kind, report.state) == (document_kinds.REPORT_FOR_APPROVAL.code, DocumentState.DRAFTED)
    assert report.data["purpose"] == document_kinds.FILING_PURPOSE and "不予立案" in report.data["subject"]
    assert "没有犯罪事实" in report.data["request"] and report.issuing_unit.code == WUHOU
    # While the request not to file waits, the filing is not asked for as well.
    assert check_transition(case, "request_filing", investigator).status is Availability.UNAVAILABLE
    assert ("case.decide", str(case.pk)) in {(i.kind, i.object_id) for i in _inbox(head)}

    response = take(head, case, "refuse_filing")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "not_filed"
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.not_filed_by, case.is_filed) == (CaseState.NOT_FILED, head, False)
    notice = case.refusal_notice
    assert (notice.kind, notice.state, notice.issuing_unit.code) == (
        CASE_NOT_FILING_NOTICE.code,
        DocumentState.ISSUED,
        WUHOU,
    )
    assert "不立字" in notice.number
    assert notice.data["complainants"] == "王某" and notice.data["ground"] == "没有犯罪事实"
    assert "第一百七十八条第一款" in notice.data["legal_basis"]
    report.refresh_from_db()
    assert report.state == DocumentState.ISSUED and report.data["leader_instruction"].startswith(
        "同意不予立案"
    )
    assert actions(case)[-2:] == ["request_not_filing", "refuse_filing"]
    event = AuditEvent.objects.get(action="cases.case.refuse_filing", target_id=str(case.pk))
    assert event.payload["rule"] == "MPS-2020 art 178 ¶1"


def test_a_department_head_and_a_station_head_cannot_decide_not_to_file_mps_2020_art_178_1():
    case = registered()
    refusal.not_filing_request(case=case, by=officer(WUHOU), **ASK)
    case.refresh_from_db()
    department_head = officer(WUHOU, Role.DEPARTMENT_HEAD)

    body = assert_error(take(department_head, case, "refuse_filing"), 403, "permission_denied")
    assert "MPS-2020 art 178 ¶1" in body["message"] and "department head" in body["message"]

    post = station()
    station_case = registered(accepting_unit=post)
    refusal.not_filing_request(case=station_case, by=officer(STATION_CODE), **ASK)
    body = assert_error(
        take(officer(STATION_CODE, Role.UNIT_HEAD), station_case, "refuse_filing"), 403, "permission_denied"
    )
    assert "below county level" in body["message"] and "武侯区分局" in body["message"]
    # The county bureau's head decides for the station.
    assert take(officer(WUHOU, Role.UNIT_HEAD), station_case, "refuse_filing").status_code == 200
    for each in (case, station_case):
        each.refresh_from_db()
    assert (case.state, station_case.state) == (CaseState.REGISTERED, CaseState.NOT_FILED)


def test_the_page_shows_the_step_disabled_with_the_reason_to_a_department_head(client):
    case = registered()
    refusal.not_filing_request(case=case, by=officer(WUHOU), **ASK)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(officer(WUHOU, Role.DEPARTMENT_HEAD))

    page = client.get(reverse("cases:detail", args=[case.pk])).text

    assert "Approve not filing (不予立案)" in page and "not a department head" in page
    assert "呈请不予立案报告书" in page


def test_the_head_sends_the_request_back_with_the_reason():
    case = registered()
    refusal.not_filing_request(case=case, by=officer(WUHOU), **ASK)
    head = officer(WUHOU, Role.UNIT_HEAD)

    body = assert_error(take(head, case, "return_not_filing_request", {"reason": " "}), 400, "invalid")
    assert "reason" in body["fields"]
    assert take(head, case, "return_not_filing_request", {"reason": "事实未查清"}).status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED and not case.refusal_pending
    assert check_transition(case, "request_filing", officer(WUHOU)).status is Availability.AVAILABLE


def test_the_request_names_the_missing_or_wrong_field_mps_2020_art_178_1():
    case = registered()
    investigator = officer(WUHOU)

    body = assert_error(
        take(investigator, case, "request_not_filing", {"ground": "", "facts": ""}), 400, "invalid"
    )
    assert {"ground", "facts"} <= set(body["fields"]) and "MPS-2020 art 178 ¶1" in body["fields"]["ground"][0]
    body = assert_error(
        take(investigator, case, "request_not_filing", {**ASK, "ground": "bored"}), 400, "invalid"
    )
    assert "ground" in body["fields"]
    case.refresh_from_db()
    assert not case.refusal_pending and case.refusal_report is None


# --- art 178 ¶2: served on the complainants within 3 days ------------------------------------------


def test_the_notice_is_served_on_the_complainant_within_3_days_mps_2020_art_178_2():
    case = not_filed()
    clock = Deadline.objects.get(
        target_type="cases.case", target_id=str(case.pk), rule_key=refusal.SERVE_NOTICE
    )
    assert clock.citation == "MPS-2020 art 178 ¶2" and clock.responsible_unit_code == WUHOU
    assert dt.timedelta(days=3) <= clock.due_at - case.not_filed_at <= dt.timedelta(days=4, hours=1)
    assert clock.next_escalation_at is not None  # escalates when it runs late
    investigator = officer(WUHOU)
    assert ("case.serve", str(case.pk)) in {(i.kind, i.object_id) for i in _inbox(investigator)}

    body = assert_error(take(investigator, case, "serve_refusal_notice", {"served_on": ""}), 400, "invalid")
    assert "served_on" in body["fields"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert (
        "served_on"
        in assert_error(
            take(investigator, case, "serve_refusal_notice", {"served_on": tomorrow}), 400, "invalid"
        )["fields"]
    )
    response = take(
        investigator,
        case,
        "serve_refusal_notice",
        {"served_on": timezone.localdate().isoformat(), "note": "当面送达，控告人签收"},
    )
    assert response.status_code == 200, response.content
    clock.refresh_from_db()
    case.refresh_from_db()
    assert clock.state == "met" and case.refusal_served_on == timezone.localdate()
    assert actions(case)[-1] == "serve_refusal_notice"
    # Served once: the step is no longer offered.
    assert check_transition(case, "serve_refusal_notice", investigator).status is Availability.UNAVAILABLE


def test_without_a_complainant_no_notice_is_served_and_no_clock_runs_mps_2020_art_178_2():
    case = not_filed(complainant=False)

    assert not Deadline.objects.filter(target_id=str(case.pk), rule_key=refusal.SERVE_NOTICE).exists()
    # The notice is made for a complainant; the head's approved report records the decision.
    assert case.refusal_notice is None and case.refusal_report.state == DocumentState.ISSUED
    with translation.override("en"):
        check = check_transition(case, "serve_refusal_notice", officer(WUHOU))
        assert check.status is Availability.BLOCKED and "MPS-2020 art 178 ¶2" in str(check.reasons[0])


# --- art 179: 复议 within 7 days, decided within 30, extended once by 30; 复核 by the superior --------


def test_reconsideration_is_applied_for_within_7_days_of_service_mps_2020_art_179_1():
    late = not_filed(served_days_ago=8)
    investigator = officer(WUHOU)
    body = assert_error(
        take(
            investigator,
            late,
            "receive_reconsideration",
            {"applicant": "王某", "received_on": timezone.localdate().isoformat()},
        ),
        400,
        "invalid",
    )
    assert "received_on" in body["fields"] and "MPS-2020 art 179 ¶1" in body["fields"]["received_on"][0]

    case = not_filed(served_days_ago=7)
    body = assert_error(
        take(investigator, case, "receive_reconsideration", {"applicant": "路人甲", "received_on": ""}),
        400,
        "invalid",
    )
    assert {"applicant", "received_on"} <= set(body["fields"])
    response = take(
        investigator,
        case,
        "receive_reconsideration",
        {"applicant": "王某", "received_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200, response.content
    review = FilingReview.objects.get(case=case)
    assert (review.kind, review.deciding_unit.code, review.applicant) == ("reconsideration", WUHOU, "王某")
    clock = Deadline.objects.get(target_id=str(case.pk), rule_key=refusal.DECIDE_RECONSIDERATION)
    assert clock.citation == "MPS-2020 art 179 ¶1"
    thirtieth = timezone.localdate() + dt.timedelta(days=30)
    assert 0 <= (last_day(clock.due_at) - thirtieth).days <= HOLIDAY_ROLLOVER
    assert ("case.review", str(case.pk)) in {
        (i.kind, i.object_id) for i in _inbox(officer(WUHOU, Role.UNIT_HEAD))
    }


def test_the_30_days_are_extended_once_by_at_most_30_with_written_notice_mps_2020_art_179_3():
    case = not_filed(served_days_ago=1)
    received = timezone.localdate()
    refusal._review_received(
        case=case,
        by=officer(WUHOU),
        kind="reconsideration",
        name="receive_reconsideration",
        values={"applicant": "王某", "received_on": received},
        expected_state=None,
    )
    head = officer(WUHOU, Role.UNIT_HEAD)

    body = assert_error(
        take(officer(WUHOU, Role.DEPARTMENT_HEAD), case, "extend_filing_review", {}), 403, "permission_denied"
    )
    assert "MPS-2020 art 179 ¶1" in body["message"]
    body = assert_error(take(head, case, "extend_filing_review", {"reason": "涉案人员众多"}), 400, "invalid")
    assert "notice" in body["fields"] and "MPS-2020 art 179 ¶3" in body["fields"]["notice"][0]
    response = take(
        head, case, "extend_filing_review", {"reason": "涉案人员众多，案情复杂", "notice": "已书面告知申请人"}
    )
    assert response.status_code == 200, response.content

    assert (
        Deadline.objects.get(target_id=str(case.pk), rule_key=refusal.DECIDE_RECONSIDERATION).state
        == "cancelled"
    )
    extended = Deadline.objects.get(target_id=str(case.pk), rule_key=refusal.DECIDE_EXTENDED)
    assert extended.citation == "MPS-2020 art 179 ¶3"
    assert 0 <= (last_day(extended.due_at) - (received + dt.timedelta(days=60))).days <= HOLIDAY_ROLLOVER
    body = assert_error(
        take(head, case, "extend_filing_review", {"reason": "仍需调查", "notice": "已书面告知"}),
        400,
        "invalid",
    )
    assert "MPS-2020 art 179 ¶3" in body["fields"]["reason"][0]


def test_upheld_on_reconsideration_the_superior_reviews_and_revokes_then_the_case_is_filed_mps_2020_art_179():
    case = not_filed(served_days_ago=2)
    investigator, head = officer(WUHOU), officer(WUHOU, Role.UNIT_HEAD)
    today = timezone.localdate().isoformat()
    take(investigator, case, "receive_reconsideration", {"applicant": "王某", "received_on": today})

    body = assert_error(
        take(head, case, "decide_filing_review", {"outcome": "maybe", "reason": "x"}), 400, "invalid"
    )
    assert "outcome" in body["fields"]
    response = take(head, case, "decide_filing_review", {"outcome": "upheld", "reason": "没有犯罪事实"})
    assert response.status_code == 200 and response.json()["state"] == "not_filed"
    assert (
        Deadline.objects.get(target_id=str(case.pk), rule_key=refusal.DECIDE_RECONSIDERATION).state == "met"
    )

    # 复核 is the superior's (成都市公安局): 武侯's officers do not record or decide it.
    chengdu_legal, chengdu_head = officer(CHENGDU, Role.LEGAL_OFFICER), officer(CHENGDU, Role.UNIT_HEAD)
    application = {"applicant": "王某", "received_on": today, "decision_received_on": today}
    assert take(investigator, case, "receive_superior_review", application).status_code == 403
    response = take(chengdu_legal, case, "receive_superior_review", application)
    assert response.status_code == 200, response.content
    review = FilingReview.objects.get(case=case, kind="review")
    assert review.deciding_unit.code == CHENGDU
    assert (
        Deadline.objects.get(target_id=str(case.pk), rule_key=refusal.DECIDE_REVIEW).citation
        == "MPS-2020 art 179 ¶2"
    )
    assert_error(
        take(head, case, "decide_filing_review", {"outcome": "revoked", "reason": "x"}),
        403,
        "permission_denied",
    )

    response = take(
        chengdu_head, case, "decide_filing_review", {"outcome": "revoked", "reason": "有犯罪事实，应当立案"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["refusal_ground"] == "no_crime" and body["refusal_notice"] == case.refusal_notice_id
    assert [(r["kind"], r["outcome"], r["deciding_unit"]) for r in body["filing_reviews"]] == [
        ("reconsideration", "upheld", WUHOU),
        ("review", "revoked", CHENGDU),
    ]
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED and not case.is_filed
    # The revoked refusal is not the 立案: the investigators ask for it and the head approves (art 178 ¶1).
    assert check_transition(case, "request_filing", investigator).status is Availability.AVAILABLE
    assert ("case.file", str(case.pk)) in {(i.kind, i.object_id) for i in _inbox(head)}
    assert actions(case)[-4:] == [
        "receive_reconsideration",
        "decide_filing_review",
        "receive_superior_review",
        "decide_filing_review",
    ]


# --- art 178 ¶3: new facts or evidence -------------------------------------------------------------


def test_a_case_not_filed_is_taken_up_again_on_new_facts_mps_2020_art_178_3():
    case = not_filed(served_days_ago=1)
    investigator = officer(WUHOU)

    body = assert_error(take(investigator, case, "reopen_for_filing", {"reason": ""}), 400, "invalid")
    assert "MPS-2020 art 178 ¶3" in body["fields"]["reason"][0]
    response = take(investigator, case, "reopen_for_filing", {"reason": "新发现转账记录，证明存在诈骗事实"})
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED and not case.refusal_pending
    assert (
        TimelineEntry.objects.filter(target_id=str(case.pk), action="reopen_for_filing")
        .get()
        .note.startswith("新发现")
    )
    assert check_transition(case, "request_filing", investigator).status is Availability.AVAILABLE


# --- who sees it; where it is listed ---------------------------------------------------------------


def test_an_uninvolved_province_gets_404_on_every_step_and_the_notice():
    case = not_filed(served_days_ago=1)
    outsider = token_client(officer(XINING, Role.UNIT_HEAD))
    for name in refusal.TRANSITIONS:
        assert_error(outsider.post(transition(case, name), {}, format="json"), 404, "not_found")
    assert_error(outsider.get(f"/api/v1/documents/{case.refusal_notice.pk}/"), 404, "not_found")
    assert token_client(officer(WUHOU)).get(f"/api/v1/documents/{case.refusal_notice.pk}/").status_code == 200


def test_the_lists_and_the_api_filter_by_the_new_state(client):
    case = not_filed()
    other = CaseFactory(state=CaseState.REGISTERED, accepting_unit=unit(WUHOU))
    investigator = officer(WUHOU)

    body = token_client(investigator).get(CASES, {"state": "not_filed"}).json()
    ids = {row["id"] for row in body["results"]}
    assert case.pk in ids and other.pk not in ids
    client.force_login(investigator)
    page = client.get(reverse("cases:list"), {"state": "not_filed"})
    assert page.status_code == 200 and case.name in page.text
    detail = client.get(reverse("cases:detail", args=[case.pk])).text
    assert case.refusal_notice.number in detail


def _inbox(user):
    from core.inbox import inbox_for

    return inbox_for(user)


def test_the_page_asks_not_to_file_with_the_steps_form_mps_2020_art_178_1(client):
    case = registered()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(officer(WUHOU))
    page = client.get(reverse("cases:detail", args=[case.pk])).text
    assert "Ask not to file (呈请不予立案)" in page and 'name="ground"' in page

    response = client.post(
        reverse("cases:transition", args=[case.pk, "request_not_filing"]),
        {"expected_state": "registered", **ASK},
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.refusal_pending
    page = client.get(reverse("cases:detail", args=[case.pk])).text
    assert "呈请不予立案报告书 waits for the decision" in page


def test_the_complainant_is_the_notices_recipient_and_its_receipt_page_is_linked_mps_2020_art_178_2(client):
    """The signed 送达回执 is recorded against the complainant (documents' receipt flow, issue 19)."""
    case = not_filed()
    complainants = list(case.persons.filter(role="complainant").values_list("name", flat=True))
    assert complainants
    assert list(case.refusal_notice.recipients.values_list("name", flat=True)) == complainants
    client.force_login(officer(WUHOU))
    html = client.get(reverse("cases:detail", args=[case.pk])).text
    assert reverse("documents:detail", args=[case.refusal_notice.pk]) in html
