"""The GB/T 9704 PDF rendering, read back from the PDF with poppler-utils."""

from __future__ import annotations

import datetime
import hashlib
import re
import shutil

import pytest

from documents import fonts
from documents.rendering import MissingGlyphError, chinese_date, gbt_date, render_pdf
from tests.support.pdf import poppler
from tests.support.rendering import ARTIFACTS, RARE_NAME, VERIFICATION_CODE, render_sample, sample_context

MM = 72 / 25.4
TOP_MARGIN = 37 * MM  # 104.88 pt
BINDING_MARGIN = 28 * MM  # 79.37 pt
OUTER_MARGIN = 26 * MM  # 73.70 pt
TEXT_BLOCK_BOTTOM = (37 + 225) * MM

_LINE = re.compile(
    r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', re.S
)
_WORD = re.compile(r"<word[^>]*>(.*?)</word>")


@pytest.fixture
def render_to_file(tmp_path):
    """Render the sample form with a context; return the PDF path and the RenderedPdf."""

    def render(context: dict, name: str = "document"):
        path = tmp_path / f"{name}.pdf"
        return path, render_sample(context, path)

    return render


@pytest.fixture(scope="module")
def two_page_sample(tmp_path_factory):
    """The sample form long enough to run onto a second page."""
    path = tmp_path_factory.mktemp("rendering") / "sample.pdf"
    return path, render_sample(sample_context(paragraph_count=9), path)


def text_lines(pdf, page: int) -> list[tuple[float, float, float, float, str]]:
    """Return the text lines of one page inside the text block as (xMin, yMin, xMax, yMax, text)."""
    layout = poppler("pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), pdf, "-")
    lines = []
    for x_min, y_min, x_max, y_max, body in _LINE.findall(layout):
        box = (float(x_min), float(y_min), float(x_max), float(y_max))
        if box[3] <= TEXT_BLOCK_BOTTOM:  # the foot (page number, verification code) is outside
            lines.append((*box, "".join(_WORD.findall(body))))
    return sorted(lines, key=lambda line: line[1])


def page_count(pdf) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", pdf), re.M).group(1))


def test_fonts_are_embedded_cjk_subsets_and_never_type3(two_page_sample):
    pdf, _ = two_page_sample
    rows = poppler("pdffonts", pdf).splitlines()[2:]
    assert rows
    fonts_seen = []
    for row in rows:
        name, rest = row.split(None, 1)
        assert "Type 3" not in rest, row
        emb, sub, uni = rest.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.match(r"^[A-Z]{6}\+", name), row
        fonts_seen.append(name)
    # The body is set in the free 仿宋 (bin/ensure-fandol installs it for the tests); the rare character
    # of the name, outside Fandol's GB 2312 range, falls back to Noto CJK.
    assert any(name.endswith("+FandolFang") for name in fonts_seen), fonts_seen
    assert any("CJK-SC" in name for name in fonts_seen), fonts_seen


def test_a_name_outside_fandols_range_is_drawn_by_noto_and_the_rest_by_fandol():
    assert not fonts.missing_characters(RARE_NAME)
    fandol = fonts.installed_faces()["fandolfang"]
    assert fandol, "bin/ensure-fandol installs FandolFang for the tests"
    covered = fonts.face_codepoints(fandol[0].path, fandol[0].index)
    assert all(ord(char) in covered for char in "仿宋诈骗案")
    assert ord("𠮷") not in covered


def test_text_carries_title_rare_name_and_the_verification_code_on_every_page(two_page_sample):
    pdf, rendered = two_page_sample
    assert rendered.pages == page_count(pdf) == 2
    text = poppler("pdftotext", pdf, "-")
    assert "办案协作函" in text
    assert "成武公（刑）协字〔2026〕17号" in text
    assert RARE_NAME in text
    assert "2026年3月8日" in text
    for page in (1, 2):
        page_text = poppler("pdftotext", "-f", str(page), "-l", str(page), pdf, "-")
        assert VERIFICATION_CODE in page_text
        assert re.search(rf"—\s*{page}\s*—", page_text), page_text


def test_page_is_a4_and_metadata_names_title_and_author(two_page_sample):
    pdf, _ = two_page_sample
    info = poppler("pdfinfo", pdf)
    assert re.search(r"^Page size:\s+595\.2\d* x 841\.89 pts", info, re.M), info
    assert re.search(r"^Title:\s+办案协作函$", info, re.M)
    assert re.search(r"^Author:\s+成都市公安局武侯区分局$", info, re.M)


def test_xmp_metadata_identifies_pdf_a_3b(two_page_sample):
    pdf, _ = two_page_sample
    meta = poppler("pdfinfo", "-meta", pdf)
    assert re.search(r"pdfaid:part(>|=\")3", meta), meta
    assert re.search(r"pdfaid:conformance(>|=\")B", meta), meta


def test_text_block_starts_at_the_gbt_9704_margins_binding_side_alternating(render_to_file):
    pdf, _ = render_to_file({"lines": [f"第{n}行" for n in range(1, 31)]}, name="margins")
    first_recto = text_lines(pdf, 1)[0]
    assert first_recto[4] == "第1行"
    assert first_recto[0] == pytest.approx(BINDING_MARGIN, abs=1.5)
    # The glyph box starts below the line box by the half-leading of a 29 pt line of 16 pt type.
    assert TOP_MARGIN <= first_recto[1] <= TOP_MARGIN + 8
    # Printed on both sides: the binding edge of an even page is on the right.
    first_verso = text_lines(pdf, 2)[0]
    assert first_verso[0] == pytest.approx(OUTER_MARGIN, abs=1.5)
    assert TOP_MARGIN <= first_verso[1] <= TOP_MARGIN + 8


@pytest.mark.parametrize(("characters", "expected_lines"), [(28, 1), (29, 2)])
def test_a_line_holds_exactly_28_characters(render_to_file, characters, expected_lines):
    text = ("公安机关办案协作" * 4)[:characters]
    pdf, _ = render_to_file({"lines": [text]}, name=f"chars-{characters}")
    lines = text_lines(pdf, 1)
    assert len(lines) == expected_lines
    assert "".join(line[4] for line in lines) == text
    if expected_lines == 1:
        # 28 characters fill the 156 mm text block.
        assert lines[0][2] == pytest.approx(BINDING_MARGIN + 156 * MM, abs=3)


def test_a_page_holds_exactly_22_lines(render_to_file):
    pdf, rendered = render_to_file({"lines": [f"第{n}行" for n in range(1, 24)]}, name="lines")
    assert rendered.pages == 2
    first, second = text_lines(pdf, 1), text_lines(pdf, 2)
    assert [line[4] for line in first] == [f"第{n}行" for n in range(1, 23)]
    assert [line[4] for line in second] == ["第23行"]
    # The 22 lines fill the 225 mm text block at a 29 pt pitch.
    pitch = (first[-1][1] - first[0][1]) / 21
    assert pitch == pytest.approx(225 * MM / 22, abs=0.1)


def test_a_character_no_font_has_is_an_error_naming_it_and_its_field():
    context = sample_context()
    context["addressee"] = "昆明市公安局\ue000"
    with pytest.raises(MissingGlyphError) as caught:
        render_pdf(
            template_name="documents/sample.html", context=context, verification_code=VERIFICATION_CODE
        )
    assert caught.value.characters == ("\ue000",)
    assert caught.value.fields == ("addressee",)
    assert "U+E000" in str(caught.value)
    assert "addressee" in str(caught.value)


def test_rare_name_characters_are_covered_through_the_noto_fallback():
    assert fonts.missing_characters("𠮷堃喆昇犇淼玥珺龑〔〕（）：“”—") == ()


def test_fonts_setting_drops_absent_families_and_refuses_a_role_with_none(settings):
    settings.DOCUMENT_FONTS = {"body": ["No Such Fangsong", "Noto Serif CJK SC"]}
    assert fonts.css_font_stacks()["body"] == '"Noto Serif CJK SC"'
    settings.DOCUMENT_FONTS = {"body": ["No Such Fangsong"]}
    with pytest.raises(RuntimeError, match="No Such Fangsong"):
        fonts.css_font_stacks()


def test_rerendering_the_same_data_reproduces_the_same_text(render_to_file):
    first_path, first = render_to_file(sample_context(), name="a")
    second_path, second = render_to_file(sample_context(), name="b")
    assert first.pages == second.pages == 1
    assert first.sha256 == hashlib.sha256(first.content).hexdigest()
    assert poppler("pdftotext", first_path, "-") == poppler("pdftotext", second_path, "-")


@pytest.mark.parametrize(
    ("day", "arabic", "chinese"),
    [
        (datetime.date(2026, 3, 8), "2026年3月8日", "二〇二六年三月八日"),
        (datetime.date(2023, 6, 27), "2023年6月27日", "二〇二三年六月二十七日"),
        (datetime.date(2020, 10, 10), "2020年10月10日", "二〇二〇年十月十日"),
        (datetime.date(2019, 12, 31), "2019年12月31日", "二〇一九年十二月三十一日"),
        (datetime.date(2026, 11, 20), "2026年11月20日", "二〇二六年十一月二十日"),
    ],
)
def test_dates_are_written_as_the_forms_ask(day, arabic, chinese):
    assert gbt_date(day) == arabic
    assert chinese_date(day) == chinese
    # Snapshots are JSON: the ISO string writes the same.
    assert gbt_date(day.isoformat()) == arabic
    assert chinese_date(day.isoformat()) == chinese


def test_page_images_are_rendered_for_a_person_to_look_at(two_page_sample):
    pdf, _ = two_page_sample
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "sample.pdf")
    poppler("pdftoppm", "-r", "60", "-png", pdf, ARTIFACTS / "sample")
    images = sorted(ARTIFACTS.glob("sample-*.png"))
    assert [image.name for image in images] == ["sample-1.png", "sample-2.png"]
    assert all(image.read_bytes().startswith(b"\x89PNG") for image in images)
