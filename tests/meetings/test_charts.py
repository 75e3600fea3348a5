"""The briefing's charts: pure server-side SVG, parsed back as XML to check what they draw."""

import xml.etree.ElementTree as ET

import pytest
from django.template import Context, Template

from meetings import charts
from meetings.templatetags.meeting_charts import briefing_sections

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "四川"'


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - markup the code under test just produced


def bars(svg: ET.Element) -> list[ET.Element]:
    return list(svg.iter(f"{SVG}rect"))


def texts(svg: ET.Element) -> list[str]:
    return [node.text or "" for node in svg.iter(f"{SVG}text")]


FIGURES = {
    "period": {"start": "2026-01-01T00:00:00+08:00", "end": "2026-06-30T00:00:00+08:00"},
    "scope": ["500000", "510000"],
    "provinces": ["500000", "510000"],
    "province_names": {"500000": "重庆市", "510000": "四川省", "530000": "云南省"},
    "cases": [
        {"offence": "telecom_fraud", "offence_name": "电信网络诈骗", "province": "510000", "n": 4},
        {"offence": "telecom_fraud", "offence_name": "电信网络诈骗", "province": "500000", "n": 1},
        {"offence": "theft", "offence_name": HOSTILE, "province": "500000", "n": 2},
    ],
    "flows": [
        {"from": "510000", "to": "510000", "n": 3},
        {"from": "510000", "to": "other", "n": 2},
        {"from": "500000", "to": "unknown", "n": 1},
    ],
    "repeat_suspects": {
        "count": 3,
        "rows": [{"id_number": "5201**********1234", "provinces": 2, "cases": 3, "recent": 1}],
    },
    "requests": [{"from": "510000", "to": "530000", "n": 5}],
    "fulfilment": [
        {
            "unit": "500103",
            "name": "重庆市渝中区公安分局",
            "n": 2,
            "avg_seconds": 129600,
            "longest_seconds": 172800,
        }
    ],
    "overdue": [{"unit": "500103", "name": "重庆市渝中区公安分局", "n": 4}],
}


def test_bars_match_rows_and_labels_are_escaped():
    rows = [("电信网络诈骗", 8), (HOSTILE, 2), ("盗窃", 0)]
    markup = charts.bar_chart(rows, title=f"案件 {HOSTILE}", unit_label="件", width=600)
    assert "<script>" not in markup
    svg = parse(markup)  # escaped labels keep the markup well-formed XML
    assert svg.get("role") == "img" and svg.get("viewBox").startswith("0 0 600 ")
    assert svg.find(f"{SVG}title").text == f"案件 {HOSTILE}"
    assert svg.find(f"{SVG}desc").text == f"电信网络诈骗: 8件; {HOSTILE}: 2件; 盗窃: 0件"
    drawn = bars(svg)
    assert len(drawn) == len(rows)
    widths = [float(rect.get("width")) for rect in drawn]
    # Bars are proportional to the values, in the order of the rows.
    assert widths[2] == 0 and widths[0] > 0
    assert widths[1] == pytest.approx(widths[0] * 2 / 8, abs=0.1)
    assert [rect.find(f"{SVG}title").text for rect in drawn] == [
        "电信网络诈骗: 8件",
        f"{HOSTILE}: 2件",
        "盗窃: 0件",
    ]
    labels = texts(svg)
    assert "8件" in labels and "2件" in labels and "0件" in labels
    assert labels[0] == "电信网络诈骗"
    # A label too long for the label column is shortened; the table beside the chart has it whole.
    assert any(label.endswith("…") and label[:-1] in HOSTILE for label in labels)


def test_bar_chart_without_rows_says_so_and_fractions_keep_one_decimal():
    svg = parse(charts.bar_chart([], title="空", empty_label="本期无数据"))
    assert bars(svg) == [] and texts(svg) == ["本期无数据"]
    svg = parse(charts.bar_chart([("南明", 1.25), ("渝中", 3)], title="天数", unit_label="天"))
    assert "1.2天" in texts(svg) or "1.3天" in texts(svg)
    assert "3天" in texts(svg)


def test_flow_matrix_shades_cells_by_size_and_prints_every_count():
    provinces = [("510000", "四川省"), ("500000", "重庆市")]
    columns = [*provinces, ("other", "其他省份")]
    cells = {("510000", "510000"): 10, ("510000", "other"): 1, ("500000", "510000"): 5}
    svg = parse(
        charts.flow_matrix(cells, provinces, columns=columns, title="流向", font_family='"Noto Serif CJK SC"')
    )
    assert svg.get("font-family") == '"Noto Serif CJK SC"'
    grid = bars(svg)
    assert len(grid) == len(provinces) * len(columns)
    fills = {rect.find(f"{SVG}title").text: rect.get("fill") for rect in grid}
    assert fills["四川省 → 四川省: 10"] == charts.SHADES[5]
    assert fills["重庆市 → 四川省: 5"] == charts.SHADES[3]
    assert fills["四川省 → 其他省份: 1"] == charts.SHADES[1]
    assert fills["重庆市 → 重庆市: 0"] == charts.SHADES[0]
    labels = texts(svg)
    assert labels[:3] == ["四川省", "重庆市", "其他省份"]
    assert sorted(int(t) for t in labels if t.isdigit()) == sorted([10, 1, 5, 0, 0, 0])
    assert [charts.shade_level(v, 10) for v in (0, 1, 3, 5, 8, 10)] == [0, 1, 2, 3, 4, 5]


def _elements(markup: str):
    # The partial is HTML; each chart in it is an XML island to parse on its own.
    start = 0
    while (start := markup.find("<svg", start)) != -1:
        end = markup.index("</svg>", start) + len("</svg>")
        yield parse(markup[start:end])
        start = end


def test_svg_has_no_style_attribute():
    markup = Template("{% load meeting_charts %}{% briefing_charts figures %}").render(
        Context({"figures": FIGURES})
    )
    svgs = list(_elements(markup))
    assert len(svgs) == 6
    for svg in svgs:
        assert svg.find(f"{SVG}title").text and svg.find(f"{SVG}desc").text is not None
        for node in svg.iter():
            assert "style" not in node.attrib, node.tag
            assert node.tag != f"{SVG}style"
    assert "style=" not in markup and "<style" not in markup
    assert "<script>" not in markup and "&lt;script&gt;" in markup


def test_every_chart_has_its_table_with_the_same_figures():
    sections = briefing_sections(FIGURES)
    assert [section["key"] for section in sections] == [
        "cases",
        "flows",
        "repeat_suspects",
        "requests",
        "fulfilment",
        "overdue",
    ]
    cases = sections[0]
    assert cases["columns"][1:3] == ["重庆市", "四川省"]
    table = [[cell["text"] for cell in row] for row in cases["rows"]]
    assert table == [["电信网络诈骗", "1", "4", "5"], [HOSTILE, "2", "0", "2"], [table[2][0], "3", "4", "7"]]
    fulfilment = sections[4]
    assert [cell["text"] for cell in fulfilment["rows"][0]] == ["重庆市渝中区公安分局", "2", "1.5", "2"]
    markup = Template(
        "{% load meeting_charts %}{% briefing_charts figures table_class='gbt-table' numbered=True %}"
    ).render(Context({"figures": FIGURES}))
    assert markup.count("<svg") == 6 and markup.count("<table") == 6
    # Each chart is followed by its table, inside the same section.
    for section in markup.split("<section")[1:]:
        assert section.index("<svg") < section.index("<table")
    assert "一、" in markup and "六、" in markup
    assert (
        Template("{% load meeting_charts %}{% briefing_charts figures %}")
        .render(Context({"figures": {}}))
        .strip()
        == ""
    )
