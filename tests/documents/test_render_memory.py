"""What a render keeps in memory (issue 8: a web worker serving downloads stays under 300 MB).

Font coverage is read by HarfBuzz into bitmaps, not by fontTools into dicts; WeasyPrint copies a
font file out of its face only when something reads the copy; and one font configuration serves
every render of a process. The PDF bytes stay the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from documents import fonts, rendering
from tests.support.rendering import render_sample, sample_context

DEJAVU_SANS = "DejaVu Sans"


@pytest.fixture
def font_module():
    """WeasyPrint's PDF font module, with the deferred copy installed as a render installs it."""
    from weasyprint.pdf import fonts as pdf_fonts

    assert rendering._defer_font_file_copies(), "WeasyPrint's Font is the one the deferral knows"
    return pdf_fonts


@pytest.fixture
def file_reads(font_module, monkeypatch):
    """Record every copy of a whole font file out of its face (the faces copied, in order)."""
    descriptor = font_module.Font.__dict__["file_content"]
    original = descriptor.read
    faces: list = []

    def read(hb_face, *args):
        faces.append(hb_face)
        return original(hb_face, *args)

    monkeypatch.setattr(descriptor, "read", read)
    return faces


def eager_copies(font_module, monkeypatch) -> None:
    """Copy every font file whole when the font is opened, as WeasyPrint itself does."""
    monkeypatch.setattr(font_module, "get_hb_object_data", font_module.get_hb_object_data.__wrapped__)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def test_harfbuzz_reads_the_coverage_fonttools_reads():
    for face in fonts.configured_faces():
        font = TTFont(face.path, fontNumber=face.index, lazy=True)
        try:
            expected = set(font.getBestCmap() or {})
        finally:
            font.close()
        # HarfBuzz leaves out U+0000, a control no text draws (missing_characters ignores it anyway).
        assert set(fonts.face_codepoints(face.path, face.index)) ^ expected <= {0}, face


def test_a_face_the_file_does_not_hold_is_an_error_not_an_empty_font():
    face = fonts.configured_faces()[0]
    with pytest.raises(OSError, match="has no face 999"):
        fonts.face_codepoints(face.path, 999)


def test_a_code_point_bitmap_answers_as_a_set():
    points = fonts.CodePoints.from_ranges([(0x41, 0x43), (0x4E00, 0x4E01), (0x10FFFF, 0x10FFFF)])
    assert list(points) == [0x41, 0x42, 0x43, 0x4E00, 0x4E01, 0x10FFFF]
    assert len(points) == 6
    assert 0x42 in points and 0x44 not in points and 0x10FFFF in points
    assert -1 not in points and 0x110000 not in points and "A" not in points
    union = points | fonts.CodePoints.from_ranges([(0x44, 0x44)])
    assert 0x44 in union and 0x41 in union and 0x44 not in points
    assert len(fonts.CodePoints()) == 0


def test_a_render_never_copies_a_whole_font_file(file_reads, tmp_path):
    render_sample(sample_context(), tmp_path / "sample.pdf")
    assert file_reads == []


def test_deferring_the_font_file_copy_changes_no_byte(font_module, monkeypatch, tmp_path):
    deferred = render_sample(sample_context(), tmp_path / "deferred.pdf")
    eager_copies(font_module, monkeypatch)
    eager = render_sample(sample_context(), tmp_path / "eager.pdf")
    assert deferred.sha256 == eager.sha256


def test_a_font_embedded_whole_is_copied_when_read_and_embeds_the_same_bytes(
    font_module, file_reads, monkeypatch
):
    from weasyprint import HTML

    assert fonts.installed_faces().get(DEJAVU_SANS.casefold()), "fontconfig's default face"
    markup = f'<p style="font-family: &quot;{DEJAVU_SANS}&quot;">Lianban 2026</p>'

    def render() -> bytes:
        return HTML(string=markup).write_pdf(full_fonts=True)

    deferred = render()
    assert len(file_reads) == 1  # embedded whole: read once, when the PDF is written
    eager_copies(font_module, monkeypatch)
    assert hashlib.sha256(render()).hexdigest() == hashlib.sha256(deferred).hexdigest()
    assert len(file_reads) == 1


def test_a_warm_render_adds_little_to_the_resident_peak(tmp_path):
    clear_refs = Path("/proc/self/clear_refs")  # Linux, the only system the project runs on
    render_sample(sample_context(), tmp_path / "warm.pdf")  # fonts, caches and imports loaded once
    clear_refs.write_text("5")  # resets VmHWM to the current resident size
    before = _status_kb("VmRSS")
    render_sample(sample_context(), tmp_path / "sample.pdf")
    # About 20 MB; 120 MB when every font file was copied whole (two Noto CJK collections, 26 MB each,
    # copied and their mapped pages faulted in).
    assert _status_kb("VmHWM") - before < 60 * 1024


def test_installing_the_deferral_again_wraps_font_once(font_module):
    opened = font_module.Font.__init__
    rendering._defer_font_file_copies.cache_clear()
    assert rendering._defer_font_file_copies()
    assert font_module.Font.__init__ is opened


def test_every_render_of_a_process_shares_one_font_configuration(monkeypatch, tmp_path):
    from weasyprint.text.fonts import FontConfiguration

    rendering._font_configuration()
    created = []
    original = FontConfiguration.__init__

    def spy(self, *args, **kwargs):
        created.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(FontConfiguration, "__init__", spy)
    render_sample(sample_context(), tmp_path / "first.pdf")
    render_sample(sample_context(paragraph_count=9), tmp_path / "second.pdf")
    assert created == []


def test_the_shared_font_configuration_changes_no_byte(monkeypatch, tmp_path):
    from weasyprint.text.fonts import FontConfiguration

    render_sample(sample_context(paragraph_count=9), tmp_path / "other.pdf")  # fills its caches
    shared = render_sample(sample_context(), tmp_path / "shared.pdf")
    monkeypatch.setattr(rendering, "_font_configuration", FontConfiguration)  # a new one per render
    fresh = render_sample(sample_context(), tmp_path / "fresh.pdf")
    assert shared.sha256 == fresh.sha256
