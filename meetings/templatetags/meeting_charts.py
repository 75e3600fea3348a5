"""Template tags that draw the briefing: `{% load meeting_charts %}`.

`{% briefing_charts figures %}` renders every figure of a briefing (meetings.briefing) as a chart
with its data table beside it; the meeting page and the PDF pack (documents/kinds/briefing_pack)
use the same tag, the PDF passing its font stack and GB/T 9704 classes. `{% bar_chart rows title=… %}`
draws one bar chart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.numerals import chinese_numeral
from meetings import charts

register = template.Library()

OTHER, UNKNOWN = "other", "unknown"
# Sections are numbered 一、 to 十、; a further one goes unnumbered.
NUMBERED_SECTIONS = 10
SECONDS_PER_DAY = 86400


@register.simple_tag
def bar_chart(
    rows, title: str = "", unit_label: str = "", width: int = 640, font_family: str = ""
) -> SafeString:
    """Draw one bar chart of (label, value) rows."""
    return charts.bar_chart(
        rows or [], title=title, unit_label=unit_label, width=width, font_family=font_family
    )


def _bars(rows, **kwargs) -> SafeString | str:
    """Draw a bar chart, or nothing when there is nothing to draw (the table says so)."""
    return charts.bar_chart(rows, **kwargs) if rows else ""


def _cell(value, numeric: bool = False) -> dict:
    text = charts.number_text(value) if numeric and isinstance(value, int | float) else str(value)
    return {"text": text, "num": numeric}


def _days(seconds) -> float:
    return round(float(seconds or 0) / SECONDS_PER_DAY, 1)


class _Names:
    """Labels of the province and unit codes the figures name."""

    def __init__(self, figures: Mapping):
        self.provinces = dict(figures.get("province_names") or {})

    def province(self, code: str) -> str:
        if code == OTHER:
            return _("Other provinces")
        if code == UNKNOWN:
            return _("Not recorded")
        return self.provinces.get(code) or code or _("Not recorded")

    def pairs(self, codes) -> list[tuple[str, str]]:
        return [(code, self.province(code)) for code in codes]


def _ordered(codes, members: list[str]) -> list[str]:
    """Put the member provinces first in their order, then the others by code, then other/unknown."""
    rest = sorted(code for code in set(codes) - set(members) - {OTHER, UNKNOWN})
    tail = [code for code in (OTHER, UNKNOWN) if code in set(codes)]
    return [*members, *rest, *tail]


def _cases(figures, names: _Names, members: list[str], font_family: str, width: int) -> dict:
    rows = figures.get("cases") or []
    by_offence: dict[str, dict] = {}
    provinces = _ordered([row["province"] for row in rows], members)
    for row in rows:
        label = row.get("offence_name") or _("Offence not given")
        entry = by_offence.setdefault(row.get("offence") or "", {"label": label, "counts": {}})
        entry["counts"][row["province"]] = entry["counts"].get(row["province"], 0) + row["n"]
    offences = sorted(by_offence.values(), key=lambda entry: (-sum(entry["counts"].values()), entry["label"]))
    table = [
        [
            _cell(entry["label"]),
            *[_cell(entry["counts"].get(code, 0), True) for code in provinces],
            _cell(sum(entry["counts"].values()), True),
        ]
        for entry in offences
    ]
    if offences:
        totals = [sum(entry["counts"].get(code, 0) for entry in offences) for code in provinces]
        table.append([_cell(_("Total")), *[_cell(n, True) for n in totals], _cell(sum(totals), True)])
    title = _("Cases accepted by offence")
    return {
        "key": "cases",
        "heading": _("Cases accepted in the period, by offence and province"),
        "chart": _bars(
            [(entry["label"], sum(entry["counts"].values())) for entry in offences],
            title=title,
            width=width,
            font_family=font_family,
        ),
        "columns": [_("Offence"), *[names.province(code) for code in provinces], _("Total")],
        "rows": table,
    }


def _flows(figures, names: _Names, members: list[str], font_family: str) -> dict:
    rows = figures.get("flows") or []
    cells = {(row["from"], row["to"]): row["n"] for row in rows}
    origins = _ordered([row["from"] for row in rows], members)
    targets = _ordered([row["to"] for row in rows], members)
    return {
        "key": "flows",
        "heading": _("Where the suspects of these cases live, by accepting province"),
        "chart": charts.flow_matrix(
            cells,
            names.pairs(origins),
            columns=names.pairs(targets),
            title=_("Suspects by accepting province (rows) and province of residence (columns)"),
            font_family=font_family,
        ),
        "columns": [_("Accepting province"), _("Province of residence"), _("Suspects")],
        "rows": [
            [_cell(names.province(row["from"])), _cell(names.province(row["to"])), _cell(row["n"], True)]
            for row in sorted(rows, key=lambda row: (-row["n"], row["from"], row["to"]))
        ],
    }


def _repeat(figures, font_family: str, width: int) -> dict:
    repeat = figures.get("repeat_suspects") or {}
    count = int(repeat.get("count") or 0)
    rows = repeat.get("rows") or []
    return {
        "key": "repeat_suspects",
        "heading": _("Suspects in cases of several provinces"),
        "note": ngettext(
            "%(count)d suspect appears in cases accepted in two or more provinces, one of them in the "
            "period. Persons in restricted cases are counted but not listed.",
            "%(count)d suspects appear in cases accepted in two or more provinces, one of them in the "
            "period. Persons in restricted cases are counted but not listed.",
            count,
        )
        % {"count": count},
        "chart": _bars(
            [(row["id_number"], row["cases"]) for row in rows],
            title=_("Cases per suspect"),
            width=width,
            font_family=font_family,
        ),
        "columns": [_("Identity number"), _("Provinces"), _("Cases"), _("Cases in the period")],
        "rows": [
            [
                _cell(row["id_number"]),
                _cell(row["provinces"], True),
                _cell(row["cases"], True),
                _cell(row["recent"], True),
            ]
            for row in rows
        ],
    }


def _requests(figures, names: _Names, members: list[str], font_family: str) -> dict:
    rows = figures.get("requests") or []
    cells = {(row["from"], row["to"]): row["n"] for row in rows}
    origins = _ordered([row["from"] for row in rows], members)
    targets = _ordered([row["to"] for row in rows], members)
    return {
        "key": "requests",
        "heading": _("Assistance requests sent in the period, by province"),
        "chart": charts.flow_matrix(
            cells,
            names.pairs(origins),
            columns=names.pairs(targets),
            title=_("Requests by requesting province (rows) and requested province (columns)"),
            font_family=font_family,
        ),
        "columns": [_("Requesting province"), _("Requested province"), _("Requests")],
        "rows": [
            [_cell(names.province(row["from"])), _cell(names.province(row["to"])), _cell(row["n"], True)]
            for row in sorted(rows, key=lambda row: (-row["n"], row["from"], row["to"]))
        ],
    }


def _fulfilment(figures, font_family: str, width: int) -> dict:
    rows = sorted(figures.get("fulfilment") or [], key=lambda row: (-row["avg_seconds"], row["unit"]))
    day = pgettext("unit of a duration in a chart", "d")
    return {
        "key": "fulfilment",
        "heading": _("Time from receipt to fulfilment, by requested unit"),
        "chart": _bars(
            [(row["name"], _days(row["avg_seconds"])) for row in rows],
            title=_("Average days from receipt to fulfilment"),
            unit_label=day,
            width=width,
            font_family=font_family,
        ),
        "columns": [_("Requested unit"), _("Fulfilled"), _("Average (days)"), _("Longest (days)")],
        "rows": [
            [
                _cell(row["name"]),
                _cell(row["n"], True),
                _cell(_days(row["avg_seconds"]), True),
                _cell(_days(row["longest_seconds"]), True),
            ]
            for row in rows
        ],
    }


def _overdue(figures, font_family: str, width: int) -> dict:
    rows = sorted(figures.get("overdue") or [], key=lambda row: (-row["n"], row["unit"]))
    return {
        "key": "overdue",
        "heading": _("Request deadlines missed in the period, by responsible unit"),
        "chart": _bars(
            [(row["name"], row["n"]) for row in rows],
            title=_("Deadlines missed"),
            width=width,
            font_family=font_family,
        ),
        "columns": [_("Responsible unit"), _("Deadlines missed")],
        "rows": [[_cell(row["name"]), _cell(row["n"], True)] for row in rows],
    }


def briefing_sections(figures, *, font_family: str = "", width: int = 640) -> list[dict]:
    """Return one section per figure: heading, optional note, chart (SVG) and table (columns, rows)."""
    if not isinstance(figures, Mapping) or not figures:
        return []
    names = _Names(figures)
    members = list(figures.get("provinces") or [])
    return [
        _cases(figures, names, members, font_family, width),
        _flows(figures, names, members, font_family),
        _repeat(figures, font_family, width),
        _requests(figures, names, members, font_family),
        _fulfilment(figures, font_family, width),
        _overdue(figures, font_family, width),
    ]


# An SVG's user unit is a CSS pixel: 0.75 pt.
POINTS_PER_PIXEL = 0.75
# Room kept above and below a chart inside its grid box (pt), so that it never touches the table.
CHART_GAP = 4.0
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([0-9.]+)"\s+height="([0-9.]+)"')


def grid_box(chart: str, line: float, measure: float) -> SafeString | str:
    """Wrap a chart in a box a whole number of grid lines tall, the chart centred in it.

    A GB/T 9704 document sets its text on a grid of lines (the 22 lines of a page); a chart is as
    tall as it is drawn, so the text after it would leave the grid. The box's height is the chart's
    drawn height (scaled down to `measure`, the text block's width in points, as CSS max-width: 100%
    does) plus a small gap, rounded up to a multiple of `line` (points).
    """
    size = _SVG_SIZE.search(chart)
    if not chart or size is None or line <= 0:
        return chart
    width, height = (float(value) * POINTS_PER_PIXEL for value in size.groups())
    if measure > 0 and width > measure:
        height *= measure / width
    box = math.ceil((height + 2 * CHART_GAP) / line - 1e-6) * line
    # The SVG is a block (no line box under it), centred in the box; the box never grows.
    return format_html(
        '<div class="gbt-grid-box" style="height: {}pt; padding-top: {}pt; box-sizing: border-box; '
        'overflow: visible">{}</div>',
        f"{box:.2f}",
        f"{(box - height) / 2:.2f}",
        chart,
    )


@register.simple_tag
def briefing_charts(
    figures,
    font_family: str = "",
    width: int = 640,
    table_class: str = "table table--compact",
    heading_class: str = "briefing-figure__heading",
    numbered: bool = False,
    grid_line: float = 0,
    measure: float = 0,
) -> SafeString:
    """Render every figure of a briefing as a chart with its table (page and PDF alike).

    `grid_line` (points), for a document on a line grid: each chart in a box a whole number of lines
    tall (grid_box), `measure` being the text block's width in points.
    """
    sections = briefing_sections(figures, font_family=font_family, width=width)
    for index, section in enumerate(sections):
        section.setdefault("note", "")
        if grid_line:
            section["chart"] = grid_box(section["chart"], float(grid_line), float(measure or 0))
        section["number"] = (
            f"{chinese_numeral(index + 1)}、" if numbered and index < NUMBERED_SECTIONS else ""
        )
    return render_to_string(
        "meetings/_briefing_charts.html",
        {"sections": sections, "table_class": table_class, "heading_class": heading_class},
    )
