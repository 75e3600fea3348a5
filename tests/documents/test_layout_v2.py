"""The v2 layout (issue 19) read from the PDF's own coordinates: grid, page numbers, parts, signature, fonts.

Rendered with real WeasyPrint and the installed CJK fonts, through tests/documents/geometry.py, for the
kinds W1 ports (办案协作函, 会议纪要, 研判材料) with rich data (long text over several pages, rare names,
typed spaces and doubled marks, a seal) and with sparse data (required fields only).
"""

from __future__ import annotations

import base64
import copy
import io
import itertools

import pytest
from django.utils import translation

from documents import fonts, kinds, rendering, samples
from documents.templatetags import gbt_text
from tests.documents.geometry import LINE, MM, PITCH, TYPE_BOTTOM, TYPE_TOP, Geometry, rules

VERIFICATION_CODE = "LB7K-3QX9-M2PD"
ORGAN = "成都市公安局武侯区分局"
DATE = "2026年3月8日"
EXT_B = "\U0002a6a5"  # 𪚥, CJK Extension B: only HanaMinB draws it among the installed faces

MATTERS_LINE = (
    "调取犯罪嫌疑人吉𠮷、龚{ext}名下银行账户自2025年1月1日至2026年3月1日的交易流水及开户资料，"
    "并核查上述账户于2025年12月20日向账号6222000000001234转入的款项去向。"
)

# A paragraph of full-width characters only: its lines fill the 28 positions exactly.
CJK_LINE = (
    "请贵局指派专人协助查询，并将查询结果及相关书证材料以书面形式函复我局，以便依法及时开展后续侦查工作，"
    "确保案件顺利办理；如有疑问，请与我局办案人员联系。"
)


def seal_image() -> dict:
    """A specimen seal as W3 supplies it: a red ring as a PNG data URI."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(picture).ellipse((10, 10, 390, 390), outline=(200, 0, 0, 255), width=14)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return {
        "image": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
        "specimen": True,
    }


def render(code: str, fields: dict | None = None, **extra) -> tuple[rendering.RenderedPdf, Geometry]:
    snapshot = samples.sample_snapshot(code)
    if fields is not None:
        snapshot["fields"] = fields
    snapshot.update(extra)
    rendered = rendering.render_pdf(
        template_name=kinds.get(code).template_for(),
        context=snapshot,
        verification_code=VERIFICATION_CODE,
        title=snapshot["kind_title"],
        author=ORGAN,
    )
    return rendered, Geometry(rendered.content)


def rich_letter_fields(lines: int = 14) -> dict:
    fields = copy.deepcopy(samples.SAMPLE_FIELDS["assistance_letter"])
    fields.update(
        {
            # As typed: spaces between CJK (the issued letter had a 50 mm gap there), a doubled mark.
            "case_name": "成都“4·15”j4   诈骗赃款转移案。。",
            "case_number": "A5101070000002026030001",
            "matters": "\n".join(MATTERS_LINE.format(ext=EXT_B) if k % 2 else CJK_LINE for k in range(lines)),
            "suspects": f"吉𠮷（男，1988年5月2日出生）、龚{EXT_B}（女）",
            "approver": "王建国",
            "approved_on": "2026年3月7日",
            "issued_by": "李明",
        }
    )
    return fields


def sparse_letter_fields() -> dict:
    spec = kinds.get("assistance_letter")
    full = samples.SAMPLE_FIELDS["assistance_letter"]
    return {name: full[name] for name in spec.required_fields}


@pytest.fixture(scope="module")
def rich_letter():
    return render("assistance_letter", rich_letter_fields(), seal=seal_image())


@pytest.fixture(scope="module")
def sparse_letter():
    return render("assistance_letter", sparse_letter_fields())


def part_starts(geometry: Geometry) -> list[int]:
    return [index for index, number in enumerate(geometry.page_numbers()) if number == "— 1 —"]


# --- parts and page numbers -----------------------------------------------------------------------


@pytest.mark.parametrize("which", ["rich_letter", "sparse_letter"])
def test_each_part_counts_its_pages_from_one_on_a_recto(which, request):
    _rendered, geometry = request.getfixturevalue(which)
    numbers = geometry.page_numbers()
    starts = part_starts(geometry)
    # 存根 and 正本: two parts, each from "— 1 —" on an odd (recto) page; a blank verso carries no number.
    assert len(starts) == len(kinds.get("assistance_letter").parts), numbers
    assert all(index % 2 == 0 for index in starts), numbers
    assert starts[0] == 0
    for start, end in zip(starts, [*starts[1:], len(numbers)], strict=True):
        printed = [n for n in numbers[start:end] if n is not None]
        assert printed == [f"— {k} —" for k in range(1, len(printed) + 1)], numbers
        # Only a blank verso before the next part goes unnumbered.
        assert numbers[start:end].count(None) <= 1
    for page, number in zip(geometry.pages, numbers, strict=True):
        if number is None:
            assert not page.body_rows(), f"page {page.index + 1} has text but no number"


@pytest.mark.parametrize("which", ["rich_letter", "sparse_letter"])
def test_the_page_number_dash_is_seven_mm_under_the_type_area_on_the_outer_side(which, request):
    _rendered, geometry = request.getfixturevalue(which)
    for page, number in zip(geometry.pages, geometry.page_numbers(), strict=True):
        if number is None:
            continue
        assert geometry.dash_drop_mm(page) == pytest.approx(7.0, abs=0.5), page.index
        assert geometry.number_side(page) == ("right" if page.recto else "left")


# --- the grid ---------------------------------------------------------------------------------------


def test_a_full_page_holds_22_lines_of_28_positions_with_the_fallback_glyphs_on_them(rich_letter):
    _rendered, geometry = rich_letter
    original = part_starts(geometry)[1]
    # The 正本 runs over three pages or more, so its second page is all body text.
    assert geometry.page_numbers()[original + 2] == "— 3 —"
    full_page = geometry.pages[original + 1]
    geometry.assert_full_grid(full_page)
    rows = full_page.body_rows()
    rare = [r for r in rows if "𠮷" in r.text or EXT_B in r.text]
    assert rare, "the full page carries the rare names"
    # A full-width line of the body fills all 28 positions, an indented first line 26 after its indent.
    full = geometry.full_rows(full_page)
    assert any(len(r.glyphs) == 28 for r in full)
    indented = [
        r
        for r in rows
        if round((r.x0 - full_page.type_left) / PITCH) == 2
        and all(abs(g.advance - 16) < 0.1 for g in r.glyphs)
    ]
    assert indented and all(len(r.glyphs) <= 26 for r in indented)
    assert any(len(r.glyphs) == 26 for r in indented)


@pytest.mark.parametrize("which", ["rich_letter", "sparse_letter"])
def test_every_line_of_every_page_is_on_the_grid_and_no_gap_is_stretched(which, request):
    _rendered, geometry = request.getfixturevalue(which)
    for page in geometry.pages:
        if page.body_rows():
            geometry.assert_on_grid(page)
            geometry.assert_no_stretched_gap(page)


def test_a_line_with_a_typed_space_is_justified_between_characters_not_at_the_space(rich_letter):
    _rendered, geometry = rich_letter
    original = geometry.pages[part_starts(geometry)[1]]
    row = next(r for r in original.body_rows() if r.text.startswith("因侦查"))
    # The typed run of spaces became one space between "j4" and "诈": no gap wider than the step.
    assert "j4诈骗" in row.text or "j4 诈骗" in row.text
    assert row.x1 - (16 - PITCH) == pytest.approx(original.type_right, abs=1.0)
    gaps = [b.x0 - a.x1 for a, b in zip(row.glyphs, row.glyphs[1:], strict=False)]
    assert max(gaps) < 2.0, gaps


def test_doubled_marks_are_printed_once(rich_letter):
    _rendered, geometry = rich_letter
    text = "".join(row.text for page in geometry.pages for row in page.body_rows())
    assert "。。" not in text and "案。需要" not in text
    assert "转移案（案件编号" in text


# --- the signature block ----------------------------------------------------------------------------


def test_the_signature_block_centres_the_organ_on_the_date_four_positions_from_the_right(rich_letter):
    _rendered, geometry = rich_letter
    page = next(p for p in geometry.pages if p.find_rows(DATE) and p.find_rows("特此函告"))
    block = geometry.signature(page, ORGAN, DATE)
    assert block["date_right_positions"] == pytest.approx(4, abs=0.1)
    assert block["organ_centre_offset"] == pytest.approx(0, abs=1.0)
    assert block["lines_apart"] == pytest.approx(1, abs=0.05)
    # The seal is centred on the date and lies over both lines, its top within one line of the text.
    seals = page.images()
    assert len(seals) == 1
    seal = seals[0]
    date_row, organ_row = block["date"], block["organ"]
    assert (seal["x0"] + seal["x1"]) / 2 == pytest.approx((date_row.x0 + date_row.x1 - 0.2) / 2, abs=1.5)
    assert seal["top"] < organ_row.baseline - 16 and seal["bottom"] > date_row.baseline
    last_text = max(r.baseline for r in page.body_rows() if r.baseline < organ_row.baseline - LINE * 1.5)
    assert seal["top"] - last_text < LINE
    # The organ's name and the date sit a little below the seal's centre (§7.3.5.1).
    centre = (seal["top"] + seal["bottom"]) / 2
    assert organ_row.baseline < centre + LINE and date_row.baseline > centre


def test_the_sparse_letter_has_the_signature_without_a_seal_or_a_placeholder(sparse_letter):
    _rendered, geometry = sparse_letter
    page = next(p for p in geometry.pages if p.find_rows(DATE) and p.find_rows("特此函告"))
    block = geometry.signature(page, ORGAN, DATE)
    assert block["date_right_positions"] == pytest.approx(4, abs=0.1)
    assert block["organ_centre_offset"] == pytest.approx(0, abs=1.0)
    assert not page.images()
    assert not page.find_rows("印）")


@pytest.mark.parametrize("lines", range(9, 15))
def test_the_signature_is_never_alone_on_a_page(lines):
    # Lengths around the page boundary: the block always has two lines of the text above it.
    _rendered, geometry = render("assistance_letter", rich_letter_fields(lines))
    page = next(p for p in reversed(geometry.pages) if p.find_rows(DATE))
    organ_row = geometry.signature(page, ORGAN, DATE)["organ"]
    above = [r for r in page.body_rows() if r.baseline < organ_row.baseline]
    assert len(above) >= 2, f"{lines} lines: the signature starts page {page.index + 1}"
    assert page.find_rows("特此函告")


# --- the stub -----------------------------------------------------------------------------------------


def test_the_stub_prints_every_field_with_blank_lines_for_the_unknown(sparse_letter):
    _rendered, geometry = sparse_letter
    stub = geometry.pages[0]
    text = [row.text for row in stub.body_rows()]
    for label in (
        "案件名称：",
        "案件编号：",
        "协作单位：",
        "协作事项：",
        "批准人：",
        "批准时间：",
        "办案人：",
        "填发人：",
        "填发时间：",
    ):
        assert any(line.startswith(label) for line in text), label
    # The blanks are rules for a pen.
    assert len(stub.plumber.lines) + len(stub.plumber.rects) >= 4
    assert text[0] == ORGAN


# --- fonts ---------------------------------------------------------------------------------------------


def test_a_name_in_cjk_extension_b_is_drawn_by_the_last_fallback(rich_letter):
    _rendered, geometry = rich_letter
    glyphs = [g for page in geometry.pages for g in page.glyphs if g.text == EXT_B]
    assert glyphs and all("HanaMin" in g.font for g in glyphs)
    assert fonts.missing_characters(EXT_B + "\U0002b740\U0002b820\U0002ceb0") == ()


def test_a_character_no_font_has_is_refused_naming_it_and_its_field_in_chinese():
    fields = {**sparse_letter_fields(), "matters": "调取\U000f0041名下账户"}
    with pytest.raises(rendering.MissingGlyphError) as caught:
        render("assistance_letter", fields)
    assert caught.value.characters == ("\U000f0041",)
    assert caught.value.fields == ("fields.matters",)
    with translation.override("zh-hans"):
        message = caught.value.message()
    assert "U+F0041" in message and "fields.matters" in message and "字体" in message


# --- the text filters --------------------------------------------------------------------------------


def test_the_text_filters_clean_user_text():
    assert gbt_text.gbt_text("因侦查j4   诈骗赃款\t转移  案") == "因侦查j4 诈骗赃款转移案"
    assert gbt_text.gbt_text("追赃挽损。。根据") == "追赃挽损。根据"
    assert gbt_text.gbt_text("追赃挽损，。根据") == "追赃挽损。根据"
    assert gbt_text.gbt_clause("成都“4·15”诈骗案。") == "成都“4·15”诈骗案"
    assert gbt_text.gbt_sentence("建议报请公安部指定管辖") == "建议报请公安部指定管辖。"
    assert gbt_text.gbt_sentence("建议报请公安部指定管辖。。") == "建议报请公安部指定管辖。"
    assert gbt_text.gbt_sentence("是否同意？") == "是否同意？"
    assert gbt_text.gbt_join(["张三", " ", "李四 "], "、") == "张三、李四"
    paragraphs = gbt_text.gbt_paragraphs("第一段<b>\n\n  第二段  \r\n第三段")
    assert (
        paragraphs
        == '<p class="gbt-p">第一段&lt;b&gt;</p>\n<p class="gbt-p">第二段</p>\n<p class="gbt-p">第三段</p>'
    )


# --- minutes and briefing (item 8) ---------------------------------------------------------------------

MEMBER_UNITS = [
    "重庆市公安局",
    "四川省公安厅",
    "贵州省公安厅",
    "云南省公安厅",
    "西藏自治区公安厅",
    "青海省公安厅",
]


def rich_minutes_fields() -> dict:
    fields = copy.deepcopy(samples.SAMPLE_FIELDS["meeting_minutes"])
    fields["opening"] = "\n".join([fields["opening"], CJK_LINE * 3, MATTERS_LINE.format(ext=EXT_B)])
    fields["decisions"] = [
        {"number": k, "numeral": numeral, "kind": "action_item", "text": (CJK_LINE + "。。")}
        for k, numeral in enumerate("一二三四五六七八", start=1)
    ]
    return fields


@pytest.fixture(scope="module")
def rich_minutes():
    return render("meeting_minutes", rich_minutes_fields(), recipients=MEMBER_UNITS)


@pytest.fixture(scope="module")
def sparse_minutes():
    fields = {name: samples.SAMPLE_FIELDS["meeting_minutes"][name] for name in ("masthead", "opening")}
    return render("meeting_minutes", fields)


@pytest.fixture(scope="module")
def rich_briefing():
    return render("briefing_pack", None, recipients=MEMBER_UNITS, seal=seal_image())


@pytest.fixture(scope="module")
def sparse_briefing():
    fields = {name: samples.SAMPLE_FIELDS["briefing_pack"][name] for name in ("series", "period")}
    return render("briefing_pack", fields)


MEETING_KINDS = ["rich_minutes", "sparse_minutes", "rich_briefing", "sparse_briefing"]


@pytest.mark.parametrize("which", MEETING_KINDS)
def test_minutes_and_briefing_pages_are_numbered_on_the_grid_without_stretched_gaps(which, request):
    _rendered, geometry = request.getfixturevalue(which)
    numbers = geometry.page_numbers()
    assert numbers == [f"— {k} —" for k in range(1, len(numbers) + 1)]
    for page in geometry.pages:
        assert geometry.dash_drop_mm(page) == pytest.approx(7.0, abs=0.5)
        assert geometry.number_side(page) == ("right" if page.recto else "left")
        geometry.assert_on_grid(page)
        # The 纪要's issuing line sets its number left and its date right (GB/T 9704 §10.3).
        geometry.assert_no_stretched_gap(page, ignore=(samples.sample_snapshot("meeting_minutes")["number"],))


def test_the_rich_minutes_fill_a_page_on_the_grid(rich_minutes):
    _rendered, geometry = rich_minutes
    assert len(geometry.pages) >= 2
    geometry.assert_on_grid(geometry.pages[0])
    text = "".join(row.text for page in geometry.pages for row in page.body_rows())
    assert "。。" not in text


@pytest.mark.parametrize("which", ["rich_minutes", "sparse_minutes", "rich_briefing"])
def test_the_record_stands_on_the_last_lines_of_the_last_page_between_its_rules(which, request):
    _rendered, geometry = request.getfixturevalue(which)
    last = geometry.pages[-1]
    printed = last.find_rows("印发")
    assert printed, "the 版记 is on the last page"
    assert not any(p.find_rows("印发") for p in geometry.pages[:-1])
    # The printing line is the type area's last line; the rules: first and last 0.35 mm, between 0.25 mm.
    assert printed[-1].baseline == pytest.approx(TYPE_BOTTOM - LINE / 2 + 5, abs=6)
    found = rules(last, last.type_left + 3, TYPE_BOTTOM - 40 * MM, TYPE_BOTTOM + 2 * MM)
    with_recipients = bool(last.find_rows("分送"))
    assert len(found) == (3 if with_recipients else 2), found
    assert found[0][1] == pytest.approx(0.35, abs=0.06)
    assert found[-1][1] == pytest.approx(0.35, abs=0.06)
    assert (found[-1][0] + found[-1][1]) == pytest.approx(TYPE_BOTTOM / MM, abs=0.3)
    if with_recipients:
        assert found[1][1] == pytest.approx(0.25, abs=0.06)
        # Nothing of the body shares the 版记's lines.
        record_top = found[0][0] * MM
        assert all(
            row.baseline < record_top
            or row.baseline > TYPE_BOTTOM
            or "分送" in row.text
            or "印发" in row.text
            or any(unit in row.text for unit in MEMBER_UNITS)
            for row in last.body_rows()
        )


def body_size_rows(page) -> list:
    """Return a page's rows of 3号 text (headings, notes, paragraphs, the signature)."""
    return [row for row in page.body_rows() if all(abs(g.size - 16) < 0.1 for g in row.glyphs)]


@pytest.mark.parametrize("which", ["rich_briefing", "sparse_briefing"])
def test_the_briefing_text_after_each_chart_and_table_stays_on_the_grid(which, request):
    # A chart's box and a table's rows are whole grid lines, so the table, the next heading, a note and
    # the signature all keep the lines of the page's grid (measured from the organ's line, the first
    # line of page 1: every page's type area starts at the same height), on every page.
    _rendered, geometry = request.getfixturevalue(which)
    first = body_size_rows(geometry.pages[0])[0]
    assert first.text == ORGAN and first.baseline - TYPE_TOP < LINE
    after_chart = 0
    for page in geometry.pages:
        charted = False
        for row in page.body_rows():
            if abs(row.size - 16) > 0.1:
                charted = charted or row.size < 13  # a chart's labels (9 pt) or a table's cells (12 pt)
                continue
            index = (row.baseline - first.baseline) / LINE
            assert abs(index - round(index)) * LINE < 0.8, (
                f"page {page.index + 1}: {row.text!r} is {(index - round(index)) * LINE:+.2f} pt off the grid"
            )
            assert 0 <= round(index) < 22, f"page {page.index + 1}: {row.text!r} on line {round(index) + 1}"
            after_chart += charted
    if which == "rich_briefing":
        assert after_chart >= 5, "the rich briefing has headings, notes and the signature after its charts"
    # Each table's rows are whole grid lines: its header and first row one line apart.
    for page in geometry.pages:
        cells = [row for row in page.body_rows() if abs(row.size - 12) < 0.1]
        for upper, lower in itertools.pairwise(cells):
            lines = (lower.baseline - upper.baseline) / LINE
            assert abs(lines - round(lines)) * LINE < 0.8, (upper.text, lower.text, lines)


def test_the_briefing_tables_keep_each_header_on_one_line(rich_briefing):
    _rendered, geometry = rich_briefing
    rows = [row.text for page in geometry.pages for row in page.body_rows()]
    for header in ("重庆市", "四川省", "西藏自治区", "受案省份", "居住地省份", "犯罪嫌疑人"):
        assert any(header in row for row in rows), header
    for row in rows:
        assert not row.rstrip().endswith(("重庆", "西藏自治", "犯罪嫌疑")), row


@pytest.mark.parametrize("which", ["rich_briefing", "sparse_briefing"])
def test_the_briefing_signature_is_never_alone_and_centres_the_organ_on_the_date(which, request):
    _rendered, geometry = request.getfixturevalue(which)
    page = next(p for p in reversed(geometry.pages) if p.find_rows(DATE))
    block = geometry.signature(page, ORGAN, DATE)
    assert block["date_right_positions"] == pytest.approx(4, abs=0.1)
    assert block["organ_centre_offset"] == pytest.approx(0, abs=1.0)
    above = [r for r in page.body_rows() if r.baseline < block["organ"].baseline - 1]
    assert len(above) >= 2


def test_document_samples_writes_each_kind_as_pdf_and_page_images(tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("document_samples", "assistance_letter", "meeting_minutes", out=str(tmp_path), stdout=out)
    for code in ("assistance_letter", "meeting_minutes"):
        pdf = (tmp_path / f"{code}.pdf").read_bytes()
        pages = sorted(tmp_path.glob(f"{code}-*.png"))
        assert pdf.startswith(b"%PDF") and len(pages) == len(Geometry(pdf).pages) >= 2
        assert code in out.getvalue()


def test_the_minutes_signatures_never_start_a_page_alone():
    # The sample 纪要 put 会签单位 and its table alone on page 2 (with the 版记): the 出席/列席 lines
    # before it now go with it.
    snapshot = samples.sample_snapshot("meeting_minutes")
    _rendered, geometry = render("meeting_minutes", snapshot["fields"], recipients=MEMBER_UNITS)
    page = next(p for p in geometry.pages if p.find_rows("会签单位"))
    label = page.find_rows("会签单位")[0]
    above = [r for r in page.body_rows() if r.baseline < label.baseline and abs(r.size - 16) < 0.1]
    assert above, f"会签单位 starts page {page.index + 1}"
