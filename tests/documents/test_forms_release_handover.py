"""The form book's structure of the release documents and the handover list, v2 (issue 19 item 2), read
from the PDF.

协助解除冻结财产通知书 (MPS-2020 art 241), 解除查封决定书 and 解除扣押决定书 (MPS-2020 art 233) and
移交清单 (MPS-2020 arts 23, 185) are rendered with real WeasyPrint and the installed CJK fonts, with rich
data (every stub value, rare names, long text, typed spaces and doubled marks) and sparse data (the
required fields alone), and read back through tests/documents/geometry.py: every part present, each on a
recto with its own page 1, the organ's name above the title, the stub's every field (a blank rule for
an unknown value), the receipt's lines, the lines on the grid and no stretched gap.
"""

from __future__ import annotations

import pytest

from documents import kinds, samples
from tests.support.form_book import FILING_STUB, ORGAN, STUB_FIELDS, flat, page_text, part_pages, render

DATE = "2026年3月8日"
STUB_LABELS = ("批准人：", "批准时间：", "办案人：", "办案单位：", "填发人：", "填发时间：")
FORM = {"approver": "周正", "approved_on": "2026年3月7日", "officers": "李明、王强", "issuer": "陈红"}
LONG = (
    "经查，2026年1月至3月间，犯罪嫌疑人吉𠮷、龚{ext}等人利用位于重庆市渝中区的服务器，"
    "冒充客服实施电信网络诈骗，被害人分布于成都、昆明等地，涉案金额  共计人民币一百二十五万元。。"
).format(ext="\U0002a6a5")


RICH = {
    "property_unfreeze_notice": {
        **samples.SAMPLE_FIELDS["property_unfreeze_notice"],
        "property": "\n".join(["账号6222000000000000内的存款", LONG]),
    },
    "sealing_release_decision": {
        **samples.SAMPLE_FIELDS["sealing_release_decision"],
        "property": "\n".join(["五华区某路12号仓库内的服务器二台", LONG]),
    },
    "seizure_release_decision": {
        **samples.SAMPLE_FIELDS["seizure_release_decision"],
        "reason": "已提取电子数据，无需继续扣押。。",
    },
    "handover_list": {
        **samples.SAMPLE_FIELDS["handover_list"],
        "items": [
            *samples.SAMPLE_FIELDS["handover_list"]["items"],
            {"kind": "涉案财物", "description": LONG, "quantity": "1份", "note": "扣押决定书附后"},
        ],
    },
}
MARK = {"存根": "（存根）", "附卷": "（附卷）", "回执": "（回执）"}


def sparse(code: str) -> dict:
    fields = samples.SAMPLE_FIELDS[code]
    return {name: fields[name] for name in kinds.get(code).required_fields}


def recipients_of(fields: dict) -> list[str]:
    return [fields["recipient"]] if fields.get("recipient") else []


def signature_of(pdf, pages) -> dict:
    """Return the signature block of a part: on its last page, or before the lines the recipient signs."""
    for page in reversed(pages):
        rows = {flat(row.text) for row in page.body_rows()}
        if ORGAN in rows and DATE in rows:
            return pdf.signature(page, ORGAN, DATE)
    raise AssertionError("no signature block")


def assert_parts(code: str, pdf) -> list[tuple[str, list]]:
    """Assert every part of the kind is there, in order, each from a recto and its own page 1."""
    wanted = list(kinds.get(code).parts)
    groups = part_pages(pdf)
    assert len(groups) == len(wanted), (code, pdf.page_numbers())
    for part, pages in zip(wanted, groups, strict=True):
        assert pages[0].recto, f"{code}: the {part} starts on a verso (page {pages[0].index + 1})"
        assert ORGAN in flat(pages[0].body_rows()[0].text), f"{code}: no organ line above the {part}"
        if part in MARK:
            assert MARK[part] in page_text(pages), (code, part)
    return list(zip(wanted, groups, strict=True))


@pytest.mark.parametrize("richness", ["rich", "sparse"])
@pytest.mark.parametrize("code", sorted(STUB_FIELDS))
def test_release_documents_print_every_part_and_every_stub_field(code, richness):
    rich = richness == "rich"
    fields = RICH[code] if rich else sparse(code)
    _snapshot, pdf = render(
        code, fields=fields, form=FORM if rich else None, recipients=recipients_of(fields)
    )
    labels, values = STUB_FIELDS[code]
    for part, pages in assert_parts(code, pdf):
        text = page_text(pages)
        if part == kinds.PART_STUB:
            for label in (*labels, *STUB_LABELS):
                assert label in text, (code, label)
            if rich:
                for value in (*values, "周正", "2026年3月7日", "李明、王强", "陈红"):
                    assert flat(value) in text, (code, value)
            else:  # nothing from the workflow: blank rules for the pen, the lines all there
                assert "批准人：批准时间：办案人：" in text and "填发人：填发时间：" in text, text
        else:
            assert fields["recipient"] + "：" in text or part == kinds.PART_RECEIPT, (code, part)
        if part in (kinds.PART_ORIGINAL, kinds.PART_FILE):
            signature = signature_of(pdf, pages)
            assert signature["date"] is not None, (code, part)
        for page in pages:
            pdf.assert_on_grid(page)
            pdf.assert_no_stretched_gap(page)
        assert "。。" not in text, (code, part)


def test_the_unfreeze_notices_receipt_confirms_account_amount_and_release():
    _snapshot, pdf = render(
        "property_unfreeze_notice",
        fields=RICH["property_unfreeze_notice"],
        form=FORM,
        recipients=["中国工商银行昆明分行"],
    )
    receipt = dict(assert_parts("property_unfreeze_notice", pdf))[kinds.PART_RECEIPT]
    text = page_text(receipt)
    assert text.index("（回执）") < text.index(ORGAN + "：")  # returned to the organ that issued it
    for line in (
        "协助解除冻结财产通知书收悉，我单位已解除对吉𠮷下列财产的冻结：",
        "解除冻结账户（账号）：",
        "解除冻结数额：",
        "未能解除的数额及原因：",
        "协助单位（盖章）：",
        "经办人（签名）：",
        "解除冻结时间：",
    ):
        assert line in text, line


@pytest.mark.parametrize(
    ("code", "act"), [("sealing_release_decision", "查封"), ("seizure_release_decision", "扣押")]
)
def test_the_holder_signs_the_release_decisions_file_copy(code, act):
    _snapshot, pdf = render(code, fields=RICH[code], form=FORM, recipients=recipients_of(RICH[code]))
    parts = dict(assert_parts(code, pdf))
    kept = page_text(parts[kinds.PART_FILE])
    assert "本决定书已收到，上列财物、文件已领回。" in kept
    assert f"被{act}单位（盖章）：" in kept and "领取人（签名）：" in kept and "领取时间：" in kept
    # The original the holder keeps has no line for them to sign.
    assert "领取人（签名）" not in page_text(parts[kinds.PART_ORIGINAL])


@pytest.mark.parametrize("richness", ["rich", "sparse"])
def test_the_handover_list_is_signed_by_both_sides_and_a_witness(richness):
    rich = richness == "rich"
    fields = RICH["handover_list"] if rich else sparse("handover_list")
    _snapshot, pdf = render("handover_list", fields=fields, form=None, recipients=recipients_of(fields))
    parts = assert_parts("handover_list", pdf)
    assert [part for part, _pages in parts] == [kinds.PART_ORIGINAL, kinds.PART_FILE]
    for _part, pages in parts:
        text = page_text(pages)
        assert "昆明市公安局五华区分局：" in text
        # The signature table: a row for each who signs, both organs' seal places, a date each.
        assert "单位（盖章）签名日期" in text, text
        assert f"移交人{ORGAN}年月日" in text
        assert "接收人昆明市公安局五华区分局年月日" in text
        assert "见证人年月日" in text
        # No typed name stands in for a signature: the confirmations are a record above the table.
        if rich:
            assert "双方已在系统中确认本清单：移交方李明（2026年3月8日10:05），接收方赵刚" in text
            for item in ("犯罪嫌疑人", "苹果牌手机一部（黑色）", "诉讼文书卷、证据卷"):
                assert item in text
            assert text.index("接收方赵刚") < text.index("单位（盖章）签名日期")
        else:
            assert "双方已在系统中确认" not in text
        signature = signature_of(pdf, pages)
        assert signature["date"] is not None
        for page in pages:
            pdf.assert_on_grid(page)
            pdf.assert_no_stretched_gap(page)


@pytest.mark.parametrize("richness", ["rich", "sparse"])
@pytest.mark.parametrize("code", sorted(FILING_STUB))
def test_the_filings_documents_print_every_part_and_stub_field_mps_2020_art_178(code, richness):
    rich = richness == "rich"
    fields = dict(samples.SAMPLE_FIELDS[code]) if rich else sparse(code)
    _snapshot, pdf = render(code, fields=fields, form=None, recipients=[])
    for part, pages in assert_parts(code, pdf):
        text = page_text(pages)
        if part == kinds.PART_STUB:
            for label in (*FILING_STUB[code], *STUB_LABELS):
                assert label in text, (code, label)
            if rich:
                for value in ("A5101072026030001", "周正", "2026年3月7日", "李明、王强", "陈红"):
                    assert value in text, (code, value)
            else:
                assert "批准人：批准时间：办案人：" in text and "填发人：填发时间：" in text, text
        else:
            assert signature_of(pdf, pages)["date"] is not None
        if code == "case_not_filing_notice" and part == kinds.PART_FILE:
            # The proof of service kept on file: the complainant signs for the notice (art 178 ¶2).
            assert "本通知书已收到。控告人（签名、捺指印）：签收时间：送达人：" in text, text
        if code == "case_not_filing_notice" and part == kinds.PART_ORIGINAL:
            assert ("张某某：" in text) == rich and "七日以内" in text
        for page in pages:
            pdf.assert_on_grid(page)
            pdf.assert_no_stretched_gap(page)
