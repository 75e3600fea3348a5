"""The stub fields of the form book's release, handover and filing kinds (issue 19), shared by the
form tests: tests/documents/test_forms_release_handover.py renders them, test_forms_v2.py checks that
every registered kind is in one form test's table."""

from __future__ import annotations

import copy

from documents import kinds, rendering, samples
from tests.documents.geometry import Geometry

ORGAN = "成都市公安局武侯区分局"


def flat(text: str) -> str:
    return "".join(text.split())


def render(code: str, *, fields: dict, form: dict | None, recipients: list[str]) -> tuple[dict, Geometry]:
    """Render a kind's current template from its sample snapshot with these fields, form and recipients."""
    snapshot = copy.deepcopy(samples.sample_snapshot(code))
    snapshot["fields"] = fields
    snapshot["recipients"] = recipients
    if form is not None:
        snapshot["form"] = form
    rendered = rendering.render_pdf(
        template_name=kinds.get(code).template_for(),
        context=snapshot,
        verification_code="LB7K-3QX9-M2PD",
        title=snapshot["kind_title"],
        author=ORGAN,
    )
    return snapshot, Geometry(rendered.content)


def part_pages(pdf: Geometry) -> list[list]:
    """Group the pages by part: a part starts where the page number is 1 again."""
    groups: list[list] = []
    for page, number in zip(pdf.pages, pdf.page_numbers(), strict=True):
        if number == "— 1 —":
            groups.append([page])
        elif number is not None:
            groups[-1].append(page)
    return groups


def page_text(pages) -> str:
    return flat("".join(row.text for page in pages for row in page.body_rows()))


# Per kind: the stub's labels, and the values its rich sample prints there.
STUB_FIELDS = {
    "property_unfreeze_notice": (
        (
            "案件名称：",
            "案件编号：",
            "被冻结人：",
            "身份证件号码：",
            "协助单位：",
            "解除冻结财产：",
            "解除冻结数额：",
        ),
        ("A5101072026030001", "520102199003070011", "人民币伍拾万元", "成武公（刑）冻字〔2026〕3号"),
    ),
    "sealing_release_decision": (
        ("案件名称：", "案件编号：", "被查封人：", "解除查封财物、文件：", "解除原因：", "原查封决定书："),
        ("A5101072026030001", "经查明确实与案件无关", "成武公（刑）封字〔2026〕2号"),
    ),
    "seizure_release_decision": (
        ("案件名称：", "案件编号：", "被扣押人：", "解除扣押财物、文件：", "解除原因：", "原扣押决定书："),
        ("A5101072026030001", "已提取电子数据，无需继续扣押", "成武公（刑）扣字〔2026〕5号"),
    ),
}

# The filing decisions' stub labels (MPS-2020 art 178).
FILING_STUB = {
    "case_filing_decision": ("案件名称：", "案件编号：", "犯罪嫌疑人：", "主办单位："),
    "case_not_filing_notice": ("案件名称：", "案件编号：", "控告人：", "犯罪嫌疑人：", "不予立案原因："),
}
