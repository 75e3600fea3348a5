"""What the form prints from the workflow (issue 19 items 2–3): the report's approval column, the stub's
people, and the draft's PDF an approver reads before approving.

The 呈请报告书 goes draft → legal review (sent back once) → review passed → approved → issued through
the services, each step with its reason; documents.form_data reads the latest round's opinions, names
and dates from the timeline and the PDF prints them in the approval column. The draft preview
(documents:preview) is shown to who takes a step on the draft, marked 草稿 without number, audited;
anyone else gets 404.
"""

from __future__ import annotations

import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from documents import form_data, kinds, rendering, services
from documents.models import Document
from documents.preview import DRAFT_NUMBER
from tests.support.documents import LINK

FACTS = "犯罪嫌疑人基本情况：吉某某，男。\n涉嫌罪名：诈骗罪\n争议情况：武侯区分局与五华区分局均主张管辖。"
UNIT_FIRST = "拟同意呈请。"
SENT_BACK = "事实部分不清，请补充。"
UNIT_OPINION = "已补充事实，拟同意呈请指定管辖。"
REVIEW_OPINION = "经审核，符合指定管辖的条件，同意呈请。"
LEADER_OPINION = "同意，报成都市公安局指定管辖。"


def report(office) -> Document:
    return services.document_draft(
        kind=kinds.REPORT_FOR_APPROVAL.code,
        issuing_unit=office.unit,
        by=office.investigator,
        data={
            "purpose": kinds.DESIGNATION_PURPOSE,
            "subject": "成都“4·15”诈骗案指定管辖",
            "facts": FACTS,
            "request": "建议指定昆明市公安局五华区分局管辖。",
        },
        link_target_type=LINK,
        link_target_id="1",
    )


def step(document, name, by, reason=""):
    return services.document_transition(document=document, name=name, by=by, reason=reason)


def walked(office) -> Document:
    document = report(office)
    step(document, "submit_for_review", office.investigator, UNIT_FIRST)
    step(document, "send_back", office.legal, SENT_BACK)
    step(document, "submit_for_review", office.investigator, UNIT_OPINION)
    step(document, "approve_review", office.legal, REVIEW_OPINION)
    step(document, "approve", office.head, LEADER_OPINION)
    return services.document_issue(document=document, by=office.head)


def pdf_text(content: bytes) -> str:
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
    return "".join(text.decode().split())


def test_the_reports_approval_column_is_filled_from_the_workflow(office, linked):
    issued = walked(office)
    form = form_data.form_context(issued, issued_by=office.head)
    date = issued.snapshot["date"]
    column = {row["label"]: row for row in form["approvals"]}
    assert [row["label"] for row in form["approvals"]] == ["领导批示", "审核意见", "办案单位意见"]
    assert column["领导批示"] == {
        "key": "leader",
        "label": "领导批示",
        "opinion": LEADER_OPINION,
        "name": office.head.display_name,
        "date": date,
    }
    assert column["审核意见"]["opinion"] == REVIEW_OPINION
    assert column["审核意见"]["name"] == office.legal.display_name
    # The round sent back is over: its opinion is not the unit's opinion any more.
    assert column["办案单位意见"]["opinion"] == UNIT_OPINION
    assert column["办案单位意见"]["name"] == office.investigator.display_name
    assert form["report_title"] == "呈请指定管辖报告书"
    assert (form["approver"], form["approved_on"]) == (office.head.display_name, date)
    assert form["issuer"] == office.head.display_name
    assert form["officers"] == office.investigator.display_name

    rendered = rendering.render_pdf(
        template_name=issued.spec.template_for(issued.template_version),
        context={**issued.snapshot, "form": form},
        verification_code=issued.verification_code,
    )
    text = pdf_text(rendered.content)
    assert "呈请指定管辖报告书" in text and "关于关于" not in text
    for value in (
        LEADER_OPINION,
        REVIEW_OPINION,
        UNIT_OPINION,
        office.head.display_name,
        office.legal.display_name,
    ):
        assert value in text, value
    assert SENT_BACK not in text and UNIT_FIRST not in text
    # The column stands under the number, before the facts; each line of the facts its own paragraph.
    assert text.index("领导批示") < text.index("犯罪嫌疑人基本情况") < text.index("妥否，请批示。")
    # The label column is four characters wide: 办案单位意见 wraps inside its box (办案单位 / 意见).
    assert text.index("办案单位") < text.index("犯罪嫌疑人基本情况")


def test_a_document_approved_by_its_linking_object_prints_its_own_approver(office, linked):
    document = services.document_draft(
        kind=kinds.EVIDENCE_CALL_NOTICE.code,
        issuing_unit=office.unit,
        by=office.investigator,
        data={
            "recipient": "中国工商银行昆明分行",
            "case_name": "成都“4·15”诈骗案",
            "evidence": "交易流水",
            "approver": "周正",
            "approved_on": "2026年3月7日",
        },
        recipients=[{"name": "中国工商银行昆明分行"}],
        link_target_type=LINK,
        link_target_id="1",
    )
    issued = services.document_issue(document=document, by=office.investigator)
    form = form_data.form_context(issued, issued_by=office.investigator)
    assert (form["approver"], form["approved_on"]) == ("周正", "2026年3月7日")
    assert form["main_to"] == ["中国工商银行昆明分行"] and form["copy_to"] == []
    assert "approvals" not in form


@pytest.mark.parametrize(
    ("data", "title"),
    [
        ({"purpose": kinds.DESIGNATION_PURPOSE, "subject": "关于某案指定管辖的请示"}, "呈请指定管辖报告书"),
        ({"purpose": kinds.FILING_PURPOSE, "subject": "对某案立案侦查"}, "呈请立案报告书"),
        ({"purpose": "case_transfer"}, "呈请移送案件报告书"),
        ({"subject": "提请延长羁押期限"}, "呈请延长羁押期限报告书"),
        ({"subject": "关于某案的请示"}, "呈请报告书"),
    ],
)
def test_a_report_is_titled_from_its_purpose_never_doubled(data, title):
    assert form_data.report_title(data) == title


# --- the draft's PDF before approval -------------------------------------------------------------


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def preview_url(document) -> str:
    return reverse("documents:preview", args=[document.pk])


def test_the_approver_reads_the_draft_pdf_before_approving_audited(office, linked):
    document = report(office)
    step(document, "submit_for_review", office.investigator, UNIT_OPINION)
    response = client_of(office.legal).get(preview_url(document))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    text = pdf_text(response.content)
    assert "草稿" in text and "".join(DRAFT_NUMBER.split()) in text
    assert "呈请指定管辖报告书" in text and UNIT_OPINION in text
    document.refresh_from_db()
    assert document.state == "legal_review" and document.number == "" and not document.file
    event = AuditEvent.objects.get(action="documents.document.preview", target_id=str(document.pk))
    assert event.actor_id == office.legal.pk and event.payload["state"] == "legal_review"
    # The head reads it too, once it waits for approval.
    step(document, "approve_review", office.legal, REVIEW_OPINION)
    assert client_of(office.head).get(preview_url(document)).status_code == 200


def test_no_one_else_sees_the_draft_pdf(office, linked, qinghai_investigator, kunming_intake_officer):
    document = report(office)
    step(document, "submit_for_review", office.investigator, UNIT_OPINION)
    # An uninvolved province, and an officer the linking app lets see the issued documents: 404.
    for user in (qinghai_investigator, kunming_intake_officer):
        assert client_of(user).get(preview_url(document)).status_code == 404, user.username
    assert not AuditEvent.objects.filter(action="documents.document.preview").exists()
    assert Client().get(preview_url(document)).status_code == 302  # to the login page


def test_an_issued_documents_preview_is_its_download(office, linked):
    issued = walked(office)
    response = client_of(office.head).get(preview_url(issued))
    assert response.status_code == 302 and response["Location"] == reverse(
        "documents:download", args=[issued.pk]
    )


def test_issuing_freezes_the_workflow_into_the_snapshot_and_the_pdf_prints_it(office, linked):
    """The issued 呈请报告书 itself (not a rebuilt context) carries the opinions, names and dates."""
    issued = walked(office)
    form = issued.snapshot["form"]
    assert [row["opinion"] for row in form["approvals"]] == [LEADER_OPINION, REVIEW_OPINION, UNIT_OPINION]
    assert form["approvals"][0]["name"] == office.head.display_name
    content = rendering.render_pdf(**services.render_arguments(issued)).content
    text = pdf_text(content)
    assert LEADER_OPINION in text and REVIEW_OPINION in text and SENT_BACK not in text
