"""Render document templates to PDF/A-3b with WeasyPrint: the only module that imports WeasyPrint.

The layout (GB/T 9704-2012) lives in ``templates/documents/_gbt9704.css`` (v1) and
``_gbt9704.v2.css`` (v2, issue 19); this module fills the template, refuses text that no configured font
can draw, and prints with no network access. A v2 document (``<html data-gbt-layout="2">``, from
base.v2.html) is also typeset the v2 way: see `typeset_v2` and `_inter_character_justification`.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import hashlib
import html
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from documents import cid_fonts, fonts
from documents.qr import verification_qr_data_uri
from documents.templatetags.gbt_dates import chinese_date, gbt_date

logger = logging.getLogger(__name__)
# fontTools logs every step of every subset at INFO: dozens of lines per rendered document.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

__all__ = [
    "MissingGlyphError",
    "RenderedPdf",
    "chinese_date",
    "css_string",
    "drawable_text",
    "gbt_date",
    "render_pdf",
]

PDF_VARIANT = "pdf/a-3b"

_TAG = re.compile(r"<[^>]*>")
_NON_TEXT = re.compile(r"<(style|script|head)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_PAGE_COUNT = re.compile(rb"/Type\s*/Page[^s]")


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    sha256: str
    pages: int


class MissingGlyphError(ValueError):
    """Text holds characters that none of the configured document fonts can draw."""

    def __init__(self, characters: tuple[str, ...], fields: tuple[str, ...] = ()):
        self.characters = characters
        self.fields = fields
        listed = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in characters)
        where = f" in {', '.join(fields)}" if fields else ""
        super().__init__(f"No configured document font has a glyph for {listed}{where}")

    def stored(self) -> str:
        """Return which characters of which fields no document font can draw, as a stored message.

        Stored with its key and arguments (core.words), so each officer reads it in their language.
        """
        from django.utils.translation import gettext_noop

        from core import words

        listed = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in self.characters)
        if self.fields:
            return words.stored(
                gettext_noop("No document font can print %(characters)s in %(fields)s."),
                characters=listed,
                fields="、".join(self.fields),
            )
        return words.stored(gettext_noop("No document font can print %(characters)s."), characters=listed)

    def message(self) -> str:
        """Say, in the interface language, which characters of which fields no document font can draw."""
        from core import words

        return words.shown(self.stored())


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _fields_with(context: Mapping[str, Any], characters: tuple[str, ...]) -> tuple[str, ...]:
    wanted = set(characters)
    return tuple(path for path, text in _strings(context, "") if wanted.intersection(text))


def _visible_text(markup: str) -> str:
    # Text drawn on the page: the body with tags stripped, plus the <title> that goes into metadata
    # (which needs no glyph, but a title with an undrawable character is always a data error).
    return html.unescape(_TAG.sub(" ", _NON_TEXT.sub(" ", markup)))


def _check_glyphs(markup: str, context: Mapping[str, Any]) -> None:
    missing = fonts.missing_characters(_visible_text(markup))
    if missing:
        raise MissingGlyphError(missing, _fields_with(context, missing))


def _compact_fonts(document, pdf) -> None:
    """Finish the PDF by shrinking every embedded CID-keyed OpenType font (see documents.cid_fonts)."""
    for obj in pdf.objects:
        extra = getattr(obj, "extra", None)
        if not extra or extra.get("Subtype") != "/OpenType" or len(obj.stream) != 1:
            continue
        data = obj.stream[0]
        if not isinstance(data, bytes) or not data.startswith(b"OTTO"):
            continue
        try:
            compacted = cid_fonts.compact(data)
        except cid_fonts.CffFormatError:  # not CID-keyed: WeasyPrint's subset is kept as it is
            logger.info("Embedded font kept as WeasyPrint subset it", exc_info=True)
            continue
        if len(compacted) < len(data):
            # Embedded as a bare CFF (FontFile3 /CIDFontType0C): readers map CIDs through a bare CFF's
            # charset, while some (poppler) index an OpenType-wrapped CFF by glyph id.
            obj.stream[0] = compacted
            extra["Subtype"] = "/CIDFontType0C"


def css_string(text: str) -> str:
    """Escape text for a quoted CSS string: every character but letters, digits and CJK as a hex escape.

    The string goes into a <style> element, where HTML escaping does not apply, so quotes,
    backslashes and "</style" must not survive as themselves.
    """
    out = []
    for character in text:
        if character.isalnum() or (ord(character) > 0x7F and character.isprintable()):
            out.append(character)
        else:
            out.append(f"\\{ord(character):06x}")
    return "".join(out)


def drawable_text(text: str) -> str:
    """Return the text with every character no configured font can draw replaced by "?"."""
    missing = set(fonts.missing_characters(text))
    return "".join("?" if character in missing else character for character in text)


# --- v2 typesetting (issue 19) --------------------------------------------------------------------

V2_MARKER = 'data-gbt-layout="2"'
_MARKUP_TOKEN = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)
_OPAQUE_ELEMENTS = ("head", "style", "script", "svg", "title", "textarea")
_OPAQUE_TAG = re.compile(r"<(/?)(head|style|script|svg|title|textarea)\b", re.IGNORECASE)
# A clause mark straight after another (templates join sentences: "追赃挽损。" + "。根据…"): the
# strongest of the run stays.
_DOUBLED_MARKS = re.compile(r"([。；，、：])(?:[ \t\r\n]*[。；，、：])+")
_MARK_STRENGTH = "。；：，、"


def _strongest_mark(match: re.Match) -> str:
    return min((c for c in match.group(0) if not c.isspace()), key=_MARK_STRENGTH.index)


def typeset_v2(markup: str) -> str:
    """Return a v2 document's markup ready for layout: doubled clause marks cleaned, fallback glyphs held.

    Only the text drawn in the body is touched (not the head, styles, SVG charts or attributes).
    Every character the primary faces lack (fonts.grid_fallback_characters: 𠮷, 𪚥, drawn by a
    fallback face with a taller ascent and descent) is wrapped in <span class="gbt-fb">, whose line
    box has no height, so its line stays on the 22-line grid (_gbt9704.v2.css). Clause marks doubled
    where a template joins sentences are reduced to one (the filters of templatetags.gbt_text clean
    user text; this catches what a template adds around it).
    """
    out = []
    depth = dict.fromkeys(_OPAQUE_ELEMENTS, 0)
    for token in _MARKUP_TOKEN.split(markup):
        if not token:
            continue
        if token.startswith("<"):
            tag = _OPAQUE_TAG.match(token)
            if tag and not token.endswith("/>"):
                name = tag.group(2).lower()
                depth[name] = max(0, depth[name] + (-1 if tag.group(1) else 1))
            out.append(token)
            continue
        if any(depth.values()):
            out.append(token)
            continue
        text = _DOUBLED_MARKS.sub(_strongest_mark, token)
        fallback = fonts.grid_fallback_characters(html.unescape(text))
        if fallback:
            text = "".join(f'<span class="gbt-fb">{c}</span>' if c in fallback else c for c in text)
        out.append(text)
    return "".join(out)


# Set around the layout of a v2 document, in the rendering thread only.
_v2_layout = threading.local()


def _text_boxes(box) -> Iterator:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, boxes.LineBox | boxes.InlineBox):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _text_boxes(child)


def _letter_space(context, box, step: float, x_advance: float) -> float:
    """Widen every character of the line's text boxes by `step`, moving what follows; return the shift."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.line_break import create_layout, line_size

    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        layout = create_layout(box.text, box.style, context, max_width=None, justification_spacing=0)
        layout.lianban_letter_step = step
        layout.set_text(box.text)
        first_line, _ = layout.get_first_line()
        # Pango spaces the characters of one layout, not the end of its last one: the step after a
        # box's last character (before the next box of the line) is added here.
        width = line_size(first_line, box.style)[0] + step
        layout.deactivate()
        x_advance += width - box.width
        box.width = width
        box.pango_layout = layout
    elif isinstance(box, boxes.LineBox | boxes.InlineBox):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _letter_space(context, child, step, x_advance)
        box.width += x_advance - before
    else:  # an atomic inline (a blank to fill, an image): moved, not widened
        box.translate(x_advance, 0)
    return x_advance


@functools.cache
def _inter_character_justification() -> bool:
    """Make WeasyPrint justify v2 documents between characters; return whether it now does.

    WeasyPrint 70 justifies a line only by widening its spaces (layout/inline.py justify_line) and
    has no text-justify: a CJK line with one ASCII space got the whole remainder there (a 50 mm gap
    in an issued 办案协作函), a line with none stayed ragged. For a v2 document, the remainder of a
    justified line (a half-width run, a mark kept off the next line's start) is spread evenly as
    extra letter-spacing over every character of the line, spaces included; v1 documents keep
    WeasyPrint's own justification, so they render exactly as issued.
    """
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    original_justify = getattr(inline, "justify_line", None)
    original_set_text = getattr(line_break.Layout, "set_text", None)
    if original_justify is None or original_set_text is None or "text_align" not in vars(inline):
        logger.warning("WeasyPrint's justification changed: v2 documents are justified at spaces")
        return False

    def justify_line(context, line, extra_width):
        if not getattr(_v2_layout, "active", False):
            return original_justify(context, line, extra_width)
        characters = sum(len(box.text) for box in _text_boxes(line))
        if characters > 1 and extra_width > 0:
            # n characters have n - 1 gaps; the step after the last one falls outside the line.
            _letter_space(context, line, extra_width / (characters - 1), 0)
        return None

    def set_text(self, text, justify=False):
        original_set_text(self, text, justify)
        step = getattr(self, "lianban_letter_step", 0)
        if not step or not self.text:
            return
        spacing = self.style["letter_spacing"]
        spacing = (0 if spacing == "normal" else spacing) + step
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        attribute = pango.pango_attr_letter_spacing_new(int(spacing * TO_UNITS))
        attribute.start_index, attribute.end_index = 0, len(self.text.encode())
        pango.pango_attr_list_change(attributes, attribute)
        pango.pango_layout_set_attributes(self.layout, attributes)

    inline.justify_line = justify_line
    line_break.Layout.set_text = set_text
    return True


# Set while WeasyPrint's Font.__init__ runs, in the rendering thread only.
_opening_font = threading.local()
_UNREAD = object()
# Two threads of one worker (runserver, gthread) may start their first render together.
_deferral_lock = threading.Lock()


class _FontFileContent:
    """WeasyPrint's Font.file_content, copied out of the face only when something reads it."""

    def __init__(self, read):
        self.read = read

    def __get__(self, font, owner=None):
        if font is None:
            return self
        content = font.__dict__.get("_lianban_file_content", _UNREAD)
        if content is _UNREAD:
            content = font.__dict__["_lianban_file_content"] = self.read(font.hb_face)
        return content

    def __set__(self, font, content):
        font.__dict__["_lianban_file_content"] = content


@functools.cache
def _defer_font_file_copies() -> bool:
    """Make WeasyPrint copy a font's whole file only if it reads it; return whether it now does.

    WeasyPrint 70 copies every font it draws with whole into a bytes object (Font.__init__), yet
    HarfBuzz subsets from the face Pango already holds and the subset replaces the copy unread. A Noto
    CJK collection is 26 MB, and copying it also faults all its mapped pages in: the two such faces a
    document uses took a render from about 200 MB resident to 320 MB (issue 8: under 300). Whatever
    reads the content (a font embedded whole, a subset that failed, an emoji font) still gets the
    same bytes, copied then, so the PDF does not change.
    """
    from weasyprint.pdf import fonts as pdf_fonts

    with _deferral_lock:
        font_class = getattr(pdf_fonts, "Font", None)
        if font_class is not None and isinstance(vars(font_class).get("file_content"), _FontFileContent):
            return True
        read = getattr(pdf_fonts, "get_hb_object_data", None)
        code = getattr(getattr(font_class, "__init__", None), "__code__", None)
        if read is None or code is None or not {"get_hb_object_data", "file_content"} <= set(code.co_names):
            logger.warning("WeasyPrint's Font changed: each font file is copied whole again on each render")
            return False
        _wrap_font(pdf_fonts, font_class, read)
        return True


def _wrap_font(pdf_fonts, font_class, read) -> None:
    """Leave Font.file_content unread when a Font opens; read it through `read` on first access."""
    original_init = font_class.__init__

    @functools.wraps(read)
    def get_hb_object_data(hb_object, ot_color=None, glyph=None):
        if ot_color is None and getattr(_opening_font, "active", False):
            return _UNREAD
        return read(hb_object, ot_color, glyph)

    @functools.wraps(original_init)
    def init(self, *args, **kwargs):
        _opening_font.active = True
        try:
            original_init(self, *args, **kwargs)
        finally:
            _opening_font.active = False

    font_class.file_content = _FontFileContent(read)
    font_class.__init__ = init
    pdf_fonts.get_hb_object_data = get_hb_object_data


@functools.cache
def _malloc_trim():
    """Return glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim.restype = ctypes.c_int
    return trim


def _release_free_memory() -> None:
    # The memory a render frees stays in glibc's heaps, counted in the worker's resident size, until
    # something trims them: about 10 MB per render here, for about 2 ms (issue 8).
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


# One render at a time per process: the font configuration below is shared, and two renders at once
# in one threaded worker (runserver, gthread) would each add their transient memory to its peak.
_render_lock = threading.Lock()


@functools.cache
def _font_configuration():
    """Return the process's WeasyPrint font configuration (fontconfig's fonts and a Pango font map).

    WeasyPrint makes a new one for every render unless given one, and each left about 0.2 MB behind
    in fontconfig and Pango: a worker at 185 MB would pass 400 MB after 1,000 downloads (issue 8:
    under 300 MB). The templates declare no @font-face, so one configuration serves every render.
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _url_fetcher():
    from weasyprint import URLFetcher

    # Only the inline data: URIs the templates carry (the QR code); never the network or the disk.
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render_html(
    *,
    template_name: str,
    context: Mapping[str, Any],
    verification_code: str,
    verification_url: str = "",
    title: str = "",
    author: str = "",
    lang: str = "zh-hans",
    watermark: str = "",
) -> str:
    """Fill a document template with the layout context (fonts, verification code and QR, metadata).

    A watermark (a served copy's viewer and time) is printed across and at the head of every page.
    """
    if not verification_code:
        raise ValueError("Every rendered document carries a verification code")
    full_context = {
        **context,
        "fonts": fonts.css_font_stacks(),
        "verification_code": verification_code,
        "verification_url": verification_url,
        "verification_qr": verification_qr_data_uri(verification_url or verification_code),
        "document_title": title,
        "document_author": author,
        "document_lang": lang,
        "watermark": watermark,
        "watermark_css": css_string(watermark),
    }
    # Legal forms print in their own language whatever the viewer's interface language is.
    with translation.override(lang):
        return render_to_string(template_name, full_context)


def render_pdf(
    *,
    template_name: str,
    context: dict,
    verification_code: str,
    verification_url: str = "",
    title: str = "",
    author: str = "",
    lang: str = "zh-hans",
    watermark: str = "",
    sign: Callable[[bytes], bytes] | None = None,
) -> RenderedPdf:
    """Render a document template to a PDF/A-3b with subset-embedded fonts.

    `sign` finishes the file (documents.signing: the issuing unit's PAdES signature, an incremental
    update), so the digest and the bytes returned are the signed file's. Raise MissingGlyphError when
    the filled template holds a character no configured font can draw.
    """
    from weasyprint import HTML

    _defer_font_file_copies()
    markup = render_html(
        template_name=template_name,
        context=context,
        verification_code=verification_code,
        verification_url=verification_url,
        title=title,
        author=author,
        lang=lang,
        watermark=watermark,
    )
    _check_glyphs(markup, context)
    v2 = V2_MARKER in markup[:2000]
    if v2:
        markup = typeset_v2(markup)
        _inter_character_justification()
    with _render_lock:
        _v2_layout.active = v2
        try:
            page_set = HTML(string=markup, url_fetcher=_url_fetcher())
            document = page_set.render(font_config=_font_configuration())
            content = document.write_pdf(pdf_variant=PDF_VARIANT, finisher=_compact_fonts)
        finally:
            _v2_layout.active = False
        pages = len(document.pages)
        # A rendered document is a web of reference cycles (boxes, layouts, fonts) of tens of MB that
        # the generational collector reaches late, since it counts objects, not bytes: a worker
        # rendering a 50-page dossier grew past 800 MB without this (issue 8: under 600 MB). A
        # collection costs a few ms beside a render's hundreds. Inside the lock: freeing the layouts
        # reaches the shared Pango font map, which another thread's render must not use meanwhile.
        del document
        gc.collect()
        _release_free_memory()
    if sign is not None:
        content = sign(content)
    return RenderedPdf(content=content, sha256=hashlib.sha256(content).hexdigest(), pages=pages)
