"""The form book's structure of the police kinds in their v2 layout (issue 19 items 2–4), read from the PDF.

呈请报告书, 调取证据通知书, 协助查询财产通知书, 协助冻结财产通知书, 移送案件通知书 and 指定管辖决定书 are
rendered with real WeasyPrint and the installed CJK fonts, with rich data (long text, line breaks kept,
rare names, typed spaces and doubled marks, every stub value, several recipients) and sparse data (the
required fields alone, nothing from the workflow), and read back through tests/documents/geometry.py:
every part present, each starting on a recto with its own page 1; the stub's every field (a blank
rule for an unknown value); the recipients (主送, 抄送, one copy per organ served); every line on the
grid and no stretched gap.
"""

from __future__ import annotations

import pytest

from documents import kinds, samples
from tests.documents.geometry import MM
from tests.support.form_book import ORGAN, flat, page_text, part_pages, render

DATE = "2026年3月8日"
STUB_LABELS = ("批准人：", "批准时间：", "办案人：", "办案单位：", "填发人：", "填发时间：")
FORM = {
    "approver": "周正",
    "approved_on": "2026年3月7日",
    "officers": "李明、王强",
    "issuer": "陈红",
    "main_to": [],
    "copy_to": [],
}
LONG = (
    "经查，2026年1月至3月间，犯罪嫌疑人吉𠮷、龚{ext}等人利用位于重庆市渝中区的服务器，"
    "冒充客服实施电信网络诈骗，被害人分布于成都、昆明等地，涉案金额  共计人民币一百二十五万元。。"
).format(ext="\U0002a6a5")

RICH = {
    "report_for_approval": {
        "purpose": kinds.DESIGNATION_PURPOSE,
        "subject": "成都“4·15”诈骗案指定管辖",
        "facts": "\n".join(
            [
                "犯罪嫌疑人基本情况：吉𠮷，男，1990年3月7日生。",
                "涉嫌罪名：诈骗罪",
                *(["基本案情：" + LONG] * 3),
                "争议情况：武侯区分局与五华区分局均主张管辖。",
            ]
        ),
        "request": "被害人及损失集中在昆明。建议指定昆明市公安局五华区分局管辖。",
    },
    "evidence_call_notice": {
        "recipient": "中国工商银行昆明分行",
        "case_name": "成都“4·15”诈骗案",
        "case_number": "A5101072026030001",
        "evidence": "\n".join([LONG, "吉𠮷名下账户2026年1月至3月的交易流水。。"]),
    },
    "property_inquiry_notice": {
        "recipient": "中国工商银行昆明分行",
        "case_name": "成都“4·15”诈骗案",
        "case_number": "A5101072026030001",
        "subject_name": "吉𠮷",
        "id_number": "520102199003070011",
        "property": "\n".join(["吉𠮷名下全部存款账户", LONG]),
    },
    "property_freeze_notice": {
        "recipient": "中国工商银行昆明分行",
        "case_name": "成都“4·15”诈骗案",
        "case_number": "A5101072026030001",
        "subject_name": "吉𠮷",
        "id_number": "520102199003070011",
        "property": "账号6222000000000000内的存款",
        "amount": "人民币伍拾万元",
        "period_from": "2026年3月8日",
        "period_to": "2026年9月7日",
    },
    "case_transfer_notice": {
        "recipient": "昆明市公安局五华区分局",
        "case_name": "成都“4·15”诈骗案",
        "case_number": "A5101072026030001",
        "reason": "犯罪地在昆明市五华区，由五华区分局管辖更为适宜。。",
        "legal_basis": "《公安机关办理刑事案件程序规定》第一百八十四条、第一百八十五条",
        "materials": "案卷材料二册、涉案财物清单一份",
    },
    "jurisdiction_designation_decision": {
        "recipient": "成都市公安局武侯区分局",
        "case_name": "成都“4·15”诈骗案",
        "case_number": "A5101072026030001",
        "designated_unit": "成都市公安局武侯区分局",
        "reason": "犯罪地涉及两地，由武侯区分局管辖更为适宜。。",
        "legal_basis": "《公安机关办理刑事案件程序规定》第二十二条、第二十三条",
        "other_units": "成都市公安局锦江区分局、成都市公安局青羊区分局",
        "served_on": ["成都市公安局武侯区分局", "成都市公安局锦江区分局", "成都市公安局青羊区分局"],
        "copy_to": ["成都市人民检察院", "成都市中级人民法院"],
    },
    # Issue 19 item 7: the organ revokes a document it issued, served on its recipients.
    "revocation_decision": {
        "recipient": "昆明市公安局五华区分局",
        "revoked_title": "移送案件通知书",
        "revoked_subject": "",
        "revoked_number": "武侯公（刑）移字〔2026〕4号",
        "revoked_date": "2026年3月8日",
        "reason": LONG,
        "legal_basis": "《公安机关办理刑事案件程序规定》第七条第一款",
    },
}

# The values each stub prints for the rich data (beside the people of FORM).
STUB_VALUES = {
    "report_for_approval": (),
    "evidence_call_notice": ("A5101072026030001", "中国工商银行昆明分行"),
    "property_inquiry_notice": ("520102199003070011", "中国工商银行昆明分行"),
    "property_freeze_notice": ("人民币伍拾万元", "2026年9月7日"),
    "case_transfer_notice": ("A5101072026030001", "案卷材料二册"),
    "jurisdiction_designation_decision": ("成都市中级人民法院", "成都市公安局青羊区分局"),
    "revocation_decision": ("武侯公（刑）移字〔2026〕4号", "2026年3月8日"),
}


def sparse(code: str) -> dict:
    spec = kinds.get(code)
    fields = samples.sample_snapshot(code)["fields"]
    return {name: fields[name] for name in (*spec.required_fields, "purpose") if name in fields}


def expected_parts(code: str, served: list[str], copied: list[str]) -> list[str]:
    """The sections the form book serves, in order: one 副本 and one 回执 per organ for a decision."""
    parts = list(kinds.get(code).parts) or [kinds.PART_ORIGINAL]
    if code != kinds.JURISDICTION_DESIGNATION_DECISION.code:
        return parts
    expanded = []
    for part in parts:
        if part == kinds.PART_DUPLICATE:
            expanded += [part] * (len(served) - 1 + len(copied))
        elif part == kinds.PART_RECEIPT:
            expanded += [part] * len(served)
        else:
            expanded.append(part)
    return expanded


MARK = {"存根": "（存根）", "副本": "（副本）", "附卷": "（附卷）", "回执": "（回执）"}


@pytest.mark.parametrize("richness", ["rich", "sparse"])
@pytest.mark.parametrize("code", sorted(RICH))
def test_every_part_of_the_form_book_its_stub_and_its_recipients(code, richness):
    rich = richness == "rich"
    fields = RICH[code] if rich else sparse(code)
    form = None
    if rich:
        form = {
            **FORM,
            "main_to": fields.get("served_on") or [fields.get("recipient", "")],
            "copy_to": fields.get("copy_to", []),
        }
    recipients = [fields["recipient"]] if fields.get("recipient") else []
    _snapshot, pdf = render(code, fields=fields, form=form, recipients=recipients)
    served = (form or {}).get("main_to") or recipients
    copied = (form or {}).get("copy_to") or []
    wanted = expected_parts(code, served, copied)

    groups = part_pages(pdf)
    assert len(groups) == len(wanted), (code, pdf.page_numbers())
    for part, pages in zip(wanted, groups, strict=True):
        first = pages[0]
        assert first.recto, f"{code}: the {part} starts on a verso (page {first.index + 1})"
        text = page_text(pages)
        assert ORGAN in flat(first.body_rows()[0].text), (
            f"{code}: no organ line above the title of the {part}"
        )
        if part in MARK:
            assert MARK[part] in text, (code, part)
        if part == kinds.PART_STUB:
            for label in STUB_LABELS:
                assert label in text, (code, label)
            if rich:
                for value in (*FORM.values(), *STUB_VALUES[code]):
                    if isinstance(value, str) and value:
                        assert flat(value) in text, (code, value)
            else:  # an unknown value is a blank rule for the pen, never a dropped line
                assert "批准人：批准时间：" in text and "填发人：填发时间：" in text, code
        if (
            part in (kinds.PART_ORIGINAL, kinds.PART_DUPLICATE, kinds.PART_FILE)
            and code != "report_for_approval"
        ):
            assert "、".join(served) + "：" in text, (code, part)
            assert DATE in text
        if part == kinds.PART_RECEIPT:
            assert "（盖章）：" in text and "（签名）：" in text, (code, part)
        for page in pages:
            pdf.assert_on_grid(page)
            pdf.assert_no_stretched_gap(page)
        # User text as the filters set it: no doubled full stop (the rich text types some).
        assert "。。" not in text, (code, part)

    if code == kinds.JURISDICTION_DESIGNATION_DECISION.code:
        for name in served[1:] + copied:
            assert any(f"此联送{name}" in page_text(pages) for pages in groups), name
        if copied:
            assert "抄送：" + "，".join(copied) + "。" in page_text(groups[1])


def test_the_freeze_notices_receipt_confirms_account_amount_and_period():
    _snapshot, pdf = render(
        "property_freeze_notice",
        fields=RICH["property_freeze_notice"],
        form=FORM,
        recipients=["中国工商银行昆明分行"],
    )
    receipt = next(pages for pages in part_pages(pdf) if "（回执）" in page_text(pages))
    text = page_text(receipt)
    for line in (
        "冻结账户（账号）：",
        "实际冻结数额：",
        "冻结期限起：",
        "冻结期限止：",
        "协助单位（盖章）：",
    ):
        assert line in text, line


def test_the_evidence_notices_copy_is_signed_by_who_holds_the_evidence():
    _snapshot, pdf = render(
        "evidence_call_notice",
        fields=RICH["evidence_call_notice"],
        form=FORM,
        recipients=["中国工商银行昆明分行"],
    )
    duplicate = next(pages for pages in part_pages(pdf) if "（副本）" in page_text(pages))
    text = page_text(duplicate)
    assert "本通知书已收到。" in text
    # A run of typed spaces between two characters is no gap in print.
    assert "涉案金额共计人民币" in text
    assert "被调取单位（人）（盖章）：" in text and "被调取人（签名）：" in text


def test_the_report_is_titled_from_its_purpose_and_its_approval_column_sits_under_the_number():
    form = {
        **FORM,
        "report_title": "呈请指定管辖报告书",
        "approvals": [
            {
                "key": "leader",
                "label": "领导批示",
                "opinion": "同意，报上级指定管辖。",
                "name": "周正",
                "date": DATE,
            },
            {
                "key": "review",
                "label": "审核意见",
                "opinion": "经审核，符合第二十二条。",
                "name": "孙法",
                "date": DATE,
            },
            {"key": "unit", "label": "办案单位意见", "opinion": "拟同意呈请。", "name": "赵队", "date": DATE},
        ],
    }
    _snapshot, pdf = render(
        "report_for_approval", fields=RICH["report_for_approval"], form=form, recipients=[]
    )
    page = pdf.pages[0]
    rows = page.body_rows()
    text = [flat(row.text) for row in rows]
    assert "呈请指定管辖报告书" in text and not any("关于关于" in t or "请示的报告" in t for t in text)
    number = next(i for i, t in enumerate(text) if "呈字" in t)
    leader = next(i for i, t in enumerate(text) if t.startswith("领导批示"))
    facts = next(i for i, t in enumerate(text) if t.startswith("犯罪嫌疑人基本情况"))
    assert number < leader < facts, text[: facts + 1]
    for opinion in ("同意，报上级指定管辖。", "经审核，符合第二十二条。", "拟同意呈请。", "周正", "孙法"):
        assert any(opinion in t for t in text), opinion
    # The facts keep their lines: each line of the officer's text starts a paragraph of its own.
    assert any(t.startswith("涉嫌罪名：诈骗罪") for t in text)
    # The form book's proportions: the labels one narrow column of four characters of 4号 (办案单位意见
    # breaks after 单位 in its box), the opinions all the rest (not 138 mm of label and 17 mm of value).
    opinion_row = next(row for row in rows if "同意，报上级" in row.text)
    label_row = next(row for row in rows if row.text.strip().startswith("领导批示"))
    label_width = (opinion_row.glyphs[0].x0 - page.type_left) / MM
    assert 22 < label_width < 30, label_width
    assert label_row.x0 - page.type_left < 5 * MM
    unit_label = next(row for row in rows if flat(row.text).startswith("办案单位"))
    assert flat(unit_label.text).startswith("办案单位拟同意呈请"), unit_label.text
    assert any(flat(row.text).startswith("意见") for row in rows)
    signed = next(row for row in rows if "赵队" in row.text)
    assert (page.type_right - signed.x1) / MM < 5, "the opinions' box reaches the right edge"
    # The text after the column stays on the grid of the page.
    pdf.assert_on_grid(page)
    # The table comes before the signature, never after it.
    signature = pdf.signature(pdf.pages[-1], ORGAN, DATE)
    assert signature["date"].baseline > opinion_row.baseline or len(pdf.pages) > 1


def test_a_long_opinion_keeps_the_approval_column_whole_under_the_title():
    # A box never falls alone onto a page: the three boxes stand together under the title, however
    # long an opinion, and the facts follow them.
    approvals = [
        {"key": "leader", "label": "领导批示", "opinion": "同意。", "name": "周正", "date": DATE},
        {
            "key": "review",
            "label": "审核意见",
            "opinion": "经审核，符合第二十二条。" * 14,
            "name": "孙法",
            "date": DATE,
        },
        {"key": "unit", "label": "办案单位意见", "opinion": "拟同意呈请。", "name": "赵队", "date": DATE},
    ]
    form = {**FORM, "report_title": "呈请指定管辖报告书", "approvals": approvals}
    _snapshot, pdf = render(
        "report_for_approval", fields=RICH["report_for_approval"], form=form, recipients=[]
    )
    first = [flat(row.text) for row in pdf.pages[0].body_rows()]
    assert "呈请指定管辖报告书" in first
    for label in ("领导批示", "审核意见", "办案单位", "孙法", "赵队"):
        assert any(label in t for t in first), label
    assert any(t.startswith("犯罪嫌疑人基本情况") for t in first)
    for page in pdf.pages:
        pdf.assert_on_grid(page)


def ink_in(page, x0: float, x1: float, top: float, bottom: float) -> bool:
    """Return whether the page draws anything in the box (points), read from its pixels as printed."""
    return bool(page.ink_rows(x0, x1, top, bottom))


def test_a_blank_for_the_pen_is_a_rule_to_the_end_of_the_line():
    # The 回执's account, amount and period lines are filled by hand at the bank: each blank is a rule
    # from its label to the type area's right edge (a 7-character stub of a rule left no room for an
    # account number), and nothing is drawn past that edge.
    _snapshot, pdf = render(
        "property_freeze_notice", fields=RICH["property_freeze_notice"], form=None, recipients=[]
    )
    receipt = next(pages for pages in part_pages(pdf) if "（回执）" in page_text(pages))
    page = receipt[0]
    labels = (
        "冻结账户（账号）：",
        "实际冻结数额：",
        "冻结期限止：",
        "协助单位（盖章）：",
        "经办人（签名）：",
    )
    for label in labels:
        row = next(row for row in page.body_rows() if flat(row.text).startswith(label))
        top, bottom = row.baseline - 2, row.baseline + 8
        assert ink_in(page, row.x1 + 4, row.x1 + 40, top, bottom), f"{label} has no rule after it"
        assert ink_in(page, page.type_right - 6 * MM, page.type_right - 1 * MM, top, bottom), (
            f"the rule after {label} stops short of the line's end"
        )
        assert not ink_in(page, page.type_right + 1 * MM, page.type_right + 20 * MM, top, bottom), (
            f"the rule after {label} runs past the type area"
        )


def test_a_long_identity_number_breaks_at_the_line_end_rather_than_spread_the_line_before_it():
    # 协助解除冻结财产通知书: "…请协助解除对吉𠮷（身份证件号码：520102199003070011）…": kept whole, the
    # number went to the next line and the line before it was spread over the 28 positions (6.6 pt
    # between every two characters).
    code = "property_unfreeze_notice"
    _snapshot, pdf = render(code, fields=samples.sample_snapshot(code)["fields"], form=None, recipients=[])
    original = next(pages for pages in part_pages(pdf) if "请协助解除对" in page_text(pages))
    rows = [row for page in original for row in page.body_rows()]
    row = next(row for row in rows if "身份证件号码" in row.text)
    gaps = [right.x0 - left.x1 for left, right in zip(row.glyphs, row.glyphs[1:], strict=False)]
    assert max(gaps) < 2.0, (row.text, max(gaps))
    assert any(c.isdigit() for c in flat(row.text).split("号码：", 1)[1]), row.text


def test_the_handover_signing_table_never_starts_a_page_alone():
    # The sample list (three items and both confirmations) left the signing table and the signature
    # block alone on page 2 of each part: the last lines before them now go with them.
    code = "handover_list"
    snapshot = samples.sample_snapshot(code)
    _snapshot, pdf = render(code, fields=snapshot["fields"], form=None, recipients=snapshot["recipients"])
    pages = [page for page in pdf.pages if page.find_rows("见证人")]
    assert len(pages) == len(kinds.get(code).parts)
    for page in pages:
        rows = page.body_rows()
        signing = next(i for i, row in enumerate(rows) if flat(row.text).startswith("单位（盖章）"))
        before = [flat(row.text) for row in rows[:signing]]
        assert any(text.startswith(("双方已在系统中确认", "10:05")) for text in before) or len(before) >= 2, (
            f"page {page.index + 1} starts with the signing table: {before}"
        )


def test_every_kind_is_rendered_rich_and_sparse_by_a_form_test():
    """A kind added later cannot go unchecked: each is in one of the form tests' tables."""
    from tests.support.form_book import FILING_STUB, STUB_FIELDS

    # The letter, the minutes and the briefing are rendered rich and sparse in test_layout_v2; the
    # handover list in test_the_handover_list_is_signed_by_both_sides_and_a_witness.
    elsewhere = {"assistance_letter", "meeting_minutes", "briefing_pack", "handover_list"}
    covered = set(RICH) | set(STUB_FIELDS) | set(FILING_STUB) | elsewhere
    assert {spec.code for spec in kinds.all_kinds()} == covered
