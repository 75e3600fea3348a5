"""Charts of the crime-pattern briefing as server-side SVG: one markup for the page and the PDF.

Pure functions over plain data (no ORM, no translation). WeasyPrint runs no JavaScript, so the PDF
needs the charts drawn on the server, and it draws inline SVG (documents.rendering checks the glyphs
of its <text>); the page's Content-Security-Policy (style-src 'self') forbids inline styles, so
every shape uses presentation attributes only (fill=, font-size=), never style= or <style>. Each
chart names itself with <title> and <desc> (role="img"), and every label is escaped. The figures
are also given as a table beside each chart: the chart is a picture of the table, not its only form.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT_SIZE = 12
ROW_HEIGHT = 22
BAR_HEIGHT = 14
BAR_FILL = "#3b6ea5"
TEXT_FILL = "#222222"
GRID_STROKE = "#999999"
# Six shades of the flow matrix, from none to the largest flow (ColorBrewer "Blues").
SHADES = ("#ffffff", "#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
DARK_FROM_LEVEL = 4


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    """Estimate the drawn width of a label: a CJK character is one em, a Latin one a little over half."""
    return sum(size if ord(char) >= 0x2E80 else size * 0.6 for char in text)


def _fit(text: str, width: float, size: int = FONT_SIZE) -> str:
    """Shorten a label to `width` with an ellipsis; the table beside the chart has it in full."""
    if _text_width(text, size) <= width:
        return text
    kept = ""
    for char in text:
        if _text_width(kept + char + "…", size) > width:
            break
        kept += char
    return kept + "…"


def number_text(value: float) -> str:
    """Write a count as an integer and anything else with one decimal."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def _chart_id(kind: str, title: str, data) -> str:
    digest = hashlib.sha256(repr((kind, title, data)).encode()).hexdigest()[:10]
    return f"chart-{digest}"


def _svg_open(chart_id: str, width: float, height: float, font_family: str) -> str:
    font = f' font-family="{escape(font_family)}"' if font_family else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}" height="{height:g}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc"{font}>'
    )


def _text(x: float, y: float, content: str, *, anchor: str = "start", fill: str = TEXT_FILL, size=FONT_SIZE):
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" fill="{fill}" text-anchor="{anchor}">'
        f"{escape(content)}</text>"
    )


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    unit_label: str = "",
    width: int = 640,
    font_family: str = "",
    empty_label: str = "—",
) -> SafeString:
    """Draw horizontal bars, one per (label, value) row in the order given, each with its value."""
    rows = [(str(label), max(float(value or 0), 0.0)) for label, value in rows]
    chart_id = _chart_id("bar", title, rows)
    label_width = min(max((_text_width(label) for label, _v in rows), default=0) + 8, width * 0.4)
    label_width = max(label_width, 48)
    value_width = max((_text_width(number_text(v) + unit_label) for _l, v in rows), default=0) + 8
    bar_space = max(width - label_width - value_width - 8, 40)
    top = 6
    height = top + max(len(rows), 1) * ROW_HEIGHT + 6
    largest = max((value for _label, value in rows), default=0)
    description = (
        "; ".join(f"{label}: {number_text(value)}{unit_label}" for label, value in rows) or empty_label
    )
    parts = [
        _svg_open(chart_id, width, height, font_family),
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    if not rows:
        parts.append(_text(width / 2, top + 15, empty_label, anchor="middle"))
    for index, (label, value) in enumerate(rows):
        y = top + index * ROW_HEIGHT
        bar = bar_space * value / largest if largest else 0
        x0 = label_width + 4
        parts.append(_text(label_width - 2, y + 15, _fit(label, label_width - 6), anchor="end"))
        parts.append(
            f'<rect x="{x0:g}" y="{y + 4:g}" width="{bar:.1f}" height="{BAR_HEIGHT}" fill="{BAR_FILL}">'
            f"<title>{escape(label)}: {escape(number_text(value) + unit_label)}</title></rect>"
        )
        parts.append(_text(x0 + bar + 4, y + 15, number_text(value) + unit_label))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and value above is escaped


def shade_level(value: float, largest: float) -> int:
    """Return the shade (0–5) of a cell: 0 for none, then five steps up to the largest value."""
    if value <= 0 or largest <= 0:
        return 0
    return min(len(SHADES) - 1, 1 + math.floor((len(SHADES) - 2) * value / largest))


def flow_matrix(
    cells: dict[tuple[str, str], int],
    provinces: Sequence[tuple[str, str]],
    *,
    title: str,
    font_family: str = "",
    columns: Sequence[tuple[str, str]] | None = None,
) -> SafeString:
    """Draw a shaded grid: a row per origin (code, label), a column per destination, counts in cells.

    `columns` defaults to `provinces`; pass it to add destinations such as "other" and "unknown".
    """
    rows = [(str(code), str(label)) for code, label in provinces]
    cols = [(str(code), str(label)) for code, label in (columns if columns is not None else provinces)]
    values = {(str(a), str(b)): max(int(n or 0), 0) for (a, b), n in cells.items()}
    chart_id = _chart_id("flow", title, (rows, cols, sorted(values.items())))
    header = max((_text_width(label) for _c, label in rows), default=0) + 10
    header = min(max(header, 48), 160)
    cell = max(max((_text_width(label) for _c, label in cols), default=0) + 10, 44)
    top = ROW_HEIGHT + 4
    width = header + cell * max(len(cols), 1) + 4
    height = top + ROW_HEIGHT * max(len(rows), 1) + 4
    largest = max(values.values(), default=0)
    listed = [
        f"{row_label} → {col_label}: {values[(row_code, col_code)]}"
        for row_code, row_label in rows
        for col_code, col_label in cols
        if values.get((row_code, col_code))
    ]
    parts = [
        _svg_open(chart_id, width, height, font_family),
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape("; ".join(listed) or "—")}</desc>',
    ]
    for index, (_code, label) in enumerate(cols):
        x = header + index * cell + cell / 2
        parts.append(_text(x, top - 8, _fit(label, cell - 4), anchor="middle"))
    for row_index, (row_code, row_label) in enumerate(rows):
        y = top + row_index * ROW_HEIGHT
        parts.append(_text(header - 4, y + 15, _fit(row_label, header - 8), anchor="end"))
        for col_index, (col_code, col_label) in enumerate(cols):
            value = values.get((row_code, col_code), 0)
            level = shade_level(value, largest)
            x = header + col_index * cell
            parts.append(
                f'<rect x="{x:g}" y="{y:g}" width="{cell:g}" height="{ROW_HEIGHT}" fill="{SHADES[level]}" '
                f'stroke="{GRID_STROKE}" stroke-width="0.5">'
                f"<title>{escape(row_label)} → {escape(col_label)}: {value}</title></rect>"
            )
            fill = "#ffffff" if level >= DARK_FROM_LEVEL else TEXT_FILL
            parts.append(_text(x + cell / 2, y + 15, str(value), anchor="middle", fill=fill))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped
