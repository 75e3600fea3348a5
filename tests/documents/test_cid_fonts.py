"""Shrinking the embedded CID-keyed fonts: glyphs renumbered, every glyph's CID kept."""

from __future__ import annotations

import io

import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.ttLib import TTFont

from documents import cid_fonts
from tests.support.rendering import render_sample, sample_context


@pytest.fixture(scope="module")
def embedded_fonts(tmp_path_factory) -> list[bytes]:
    """Capture the fonts WeasyPrint hands to the finisher while rendering the sample form."""
    captured: list[bytes] = []
    original = cid_fonts.compact

    def spy(font: bytes) -> bytes:
        captured.append(font)
        return original(font)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cid_fonts, "compact", spy)
        render_sample(sample_context(), tmp_path_factory.mktemp("cid") / "sample.pdf")
    assert captured, "the sample form embeds CJK fonts"
    return captured


def charset(bare_cff: bytes) -> list[str]:
    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(bare_cff), None)
    return list(fonts.topDictIndex[0].charset)


def test_the_drawn_glyphs_keep_their_cids_and_nothing_else_is_kept(embedded_fonts):
    for font in embedded_fonts:
        parsed = TTFont(io.BytesIO(font))
        order = parsed.getGlyphOrder()
        offsets = parsed["CFF "].cff.topDictIndex[0].CharStrings.charStringsIndex.offsets
        drawn = cid_fonts.drawn_glyphs(font)
        # The hand-written INDEX reader agrees with fontTools: empty slots are lone endchars.
        assert drawn == [gid for gid in range(len(order)) if gid == 0 or offsets[gid + 1] - offsets[gid] > 1]
        compacted = cid_fonts.compact(font)
        assert charset(compacted) == [order[gid] for gid in drawn]
        assert 1 < len(drawn) < len(order)
        assert len(compacted) < len(font)
    # The Noto CJK subsets keep every glyph id up to the last one drawn: the empty slots dominate.
    assert any(len(cid_fonts.compact(font)) * 10 < len(font) for font in embedded_fonts)


def name_keyed_cff_font() -> bytes:
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    pen = T2CharStringPen(500, None)
    pen.moveTo((0, 0))
    pen.lineTo((500, 700))
    pen.lineTo((500, 0))
    pen.closePath()
    glyph = pen.getCharString()
    builder.setupCFF("Test-Regular", {}, {".notdef": glyph, "A": glyph}, {})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def test_a_font_that_is_not_cid_keyed_opentype_cff_is_refused_by_name():
    with pytest.raises(cid_fonts.CffFormatError, match="not an OpenType CFF"):
        cid_fonts.compact(b"\x00\x01\x00\x00" + bytes(64))
    font = name_keyed_cff_font()
    assert font.startswith(b"OTTO")
    with pytest.raises(cid_fonts.CffFormatError, match="not CID-keyed"):
        cid_fonts.compact(font)


def test_the_dict_reader_decodes_every_operand_encoding():
    # 139 → 0; 247,0 → 108; 251,0 → -108; 28 int16; 29 int32; a real (value unused); operator 17.
    data = bytes([139, 247, 0, 251, 0, 28, 0x12, 0x34, 29, 0, 1, 0, 0, 30, 0x1A, 0x2F, 17])
    assert cid_fonts._dict(data) == {17: [0, 108, -108, 0x1234, 65536, 0]}
    # An escaped operator (12 30 is ROS) is keyed 1200 + its second byte.
    assert cid_fonts._dict(bytes([139, 139, 139, 12, 30])) == {1230: [0, 0, 0]}
