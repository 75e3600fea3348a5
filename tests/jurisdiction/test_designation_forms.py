"""The designation's forms from the real workflow (issue 19 items 2–4): who approved, who is served.

The 4·15 dispute goes up to the ministry (MPS-2020 arts 22, 23): the filing unit's 呈请指定管辖报告书
carries the opinions its steps gave; the 指定管辖决定书 names all four parties as 主送 and serves each
its own copy and 回执 (art 23 ¶1; the ministry has no court or procuratorate at its level to copy),
and its stub prints the head who approved it (issue 19: it printed no 批准人). The approver reads the
draft before approving from the proceeding page; the other party does not.
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from documents import form_data, rendering
from documents import services as document_services
from jurisdiction import services
from tests.documents.geometry import Geometry
from tests.support.factories.cases import unit
from tests.support.jurisdiction import walk_document
from tests.support.units import CHENGDU, MPS, NANMING, SICHUAN, WUHOU, WUHUA, YUZHONG

UNIT_OPINION = "双方协商未果，拟呈请指定管辖。"
REVIEW_OPINION = "经审核，符合指定管辖的条件。"
LEADER_OPINION = "同意，层报公安部指定管辖。"


def step(proceeding, name, by, **kwargs):
    return services.proceeding_transition(proceeding=proceeding, name=name, by=by, **kwargs)


def requested(case, offices):
    """Wuhou and Wuhua both claim the case; Wuhou's legal officer drafts the request to designate."""
    proceeding = services.proceeding_open(case=case, by=offices[WUHOU].head, reason="多地均有管辖依据")
    proceeding = step(proceeding, "start_consultation", offices[WUHOU].head)
    for code, reasons in ((WUHOU, "最初受理"), (WUHUA, "被害人多数在五华区")):
        services.position_record(
            proceeding=proceeding, unit=unit(code), by=offices[code].legal, position="claim", reasons=reasons
        )
    proceeding = step(
        proceeding,
        "request_designation",
        offices[WUHOU].legal,
        fields={
            "suspects": "吉某某，男，1990年3月7日生",
            "charge": "诈骗罪",
            "facts": "2026年4月以来，犯罪嫌疑人利用位于重庆的服务器实施电信网络诈骗",
            "dispute": "武侯区分局与五华区分局均主张管辖",
            "reasons": "被害人及损失集中在昆明",
            "proposed_unit": WUHUA,
        },
    )
    return proceeding, proceeding.designation_requests.get().report_document


def render(document, form) -> Geometry:
    rendered = rendering.render_pdf(
        template_name=document.spec.template_for(document.template_version),
        context={**document.snapshot, "form": form},
        verification_code=document.verification_code,
    )
    return Geometry(rendered.content)


def part_texts(pdf: Geometry) -> list[str]:
    """The text of each part, a part starting where the page number is 1 again."""
    parts: list[str] = []
    for page, number in zip(pdf.pages, pdf.page_numbers(), strict=True):
        text = "".join("".join(row.text for row in page.body_rows()).split())
        if number == "— 1 —":
            parts.append(text)
        elif number is not None:
            parts[-1] += text
    return parts


def test_the_report_and_the_decision_print_their_approvers_and_every_party(fraud_case, offices):
    proceeding, report = requested(fraud_case, offices)
    move = document_services.document_transition
    move(document=report, name="submit_for_review", by=offices[WUHOU].head, reason=UNIT_OPINION)
    move(document=report, name="approve_review", by=offices[WUHOU].legal, reason=REVIEW_OPINION)
    move(document=report, name="approve", by=offices[WUHOU].head, reason=LEADER_OPINION)
    proceeding = step(proceeding, "file_designation", offices[WUHOU].head)
    report.refresh_from_db()
    assert report.data["subject"] == f"{fraud_case.name}指定管辖"  # no 关于…的请示 to double
    report_form = form_data.form_context(report, issued_by=offices[WUHOU].head)
    assert report_form["report_title"] == "呈请指定管辖报告书"
    opinions = {row["label"]: (row["opinion"], row["name"]) for row in report_form["approvals"]}
    assert opinions == {
        "领导批示": (LEADER_OPINION, offices[WUHOU].head.display_name),
        "审核意见": (REVIEW_OPINION, offices[WUHOU].legal.display_name),
        "办案单位意见": (UNIT_OPINION, offices[WUHOU].head.display_name),
    }
    report_text = "".join(part_texts(render(report, report_form)))
    assert (
        "呈请指定管辖报告书" in report_text
        and LEADER_OPINION in report_text
        and REVIEW_OPINION in report_text
    )

    proceeding = step(proceeding, "forward", offices[CHENGDU].head, reason="同意上报")
    proceeding = step(proceeding, "forward", offices[SICHUAN].legal, reason="同意上报")
    decision = services.designation_decision_draft(
        proceeding=proceeding, by=offices[MPS].head, lead_unit=unit(WUHUA), reason="被害人及损失主要在昆明"
    )
    walk_document(decision, offices[MPS])
    step(proceeding, "designate", offices[MPS].head)
    decision.refresh_from_db()
    served = decision.data["served_on"]
    assert served[0] == unit(WUHUA).name
    assert set(served) == {unit(code).name for code in (WUHUA, WUHOU, YUZHONG, NANMING)}
    assert decision.data["copy_to"] == []  # the ministry has no court or procuratorate at its level
    form = form_data.form_context(decision, issued_by=offices[MPS].head)
    assert form["main_to"] == served and form["copy_to"] == []
    assert form["approver"] == offices[MPS].head.display_name  # reviewed and approved: its 批准人
    assert form["approved_on"] == decision.snapshot["date"]

    parts = part_texts(render(decision, form))
    # 存根, the 正本 to Wuhua, a 副本 to each of the three other parties, 附卷, a 回执 per party.
    assert len(parts) == 1 + 1 + 3 + 1 + 4
    stub, original, *rest = parts
    assert "（存根）" in stub and f"批准人：{offices[MPS].head.display_name}" in stub
    assert f"填发人：{offices[MPS].head.display_name}" in stub
    assert "、".join(served) + "：" in original and f"此联送{served[0]}" in original
    for name in served[1:]:
        assert any(f"此联送{name}" in text and "（副本）" in text for text in rest), name
    receipts = [text for text in rest if "（回执）" in text]
    assert [next(name for name in served if f"受送达单位：{name}" in text) for text in receipts] == served


def test_the_proceeding_page_links_the_draft_pdf_for_its_approvers_only(fraud_case, offices):
    proceeding, report = requested(fraud_case, offices)
    document_services.document_transition(
        document=report, name="submit_for_review", by=offices[WUHOU].head, reason=UNIT_OPINION
    )
    page = reverse("jurisdiction:proceeding-detail", args=[proceeding.pk])
    preview = reverse("documents:preview", args=[report.pk])
    legal = Client()
    legal.force_login(offices[WUHOU].legal)
    assert preview in legal.get(page).text
    response = legal.get(preview)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    other = Client()
    other.force_login(offices[WUHUA].head)
    assert preview not in other.get(page).text
    assert other.get(preview).status_code == 404
