"""Benchmark document rendering: median render time and file size per kind (not a test).

Run: DEBUG=true .venv/bin/python bench/render_bench.py [-n 15] [--template NAME --context FILE.json]
Writes its section of bench/RESULTS.md (between the render-bench markers), keeping other sections.
Budget (issue 4): a one-page form renders in under 0.5 s and weighs under 300 KB.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import statistics
import sys
import time
from pathlib import Path

from common import django_setup, machine, write_section

BUDGET_SECONDS, BUDGET_BYTES = 0.5, 300 * 1024


def sample_context(paragraphs: int) -> dict:
    paragraph = (
        "因侦查“4·15”诈骗案需要，请协助调取犯罪嫌疑人吉𠮷（男，1988年5月2日出生，身份证号码"
        "530102198805021234）名下银行账户自2025年1月1日至2026年3月1日的交易明细。"
    )
    return {
        "title": "办案协作函",
        "number": "成武公（刑）协字〔2026〕17号",
        "addressee": "昆明市公安局",
        "paragraphs": [paragraph] * paragraphs,
        "fields": [{"label": "联系人", "value": "张喆"}, {"label": "联系电话", "value": "028-85551234"}],
        "issuer": "成都市公安局武侯区分局",
        "issued_on": datetime.date(2026, 3, 8),
    }


def weasyprint_machine() -> str:
    import weasyprint

    return machine(f"WeasyPrint {weasyprint.__version__}")


def bench(label: str, template: str, context: dict, runs: int) -> dict:
    from documents.rendering import render_pdf

    def render():
        return render_pdf(
            template_name=template,
            context=context,
            verification_code="LB7K-3QX9-M2PD",
            verification_url="https://lianban.example/verify/LB7K3QX9M2PD",
            title=context.get("title", ""),
            author="成都市公安局武侯区分局",
        )

    started = time.perf_counter()
    first = render()  # the first render of a process loads fonts and cmaps: reported apart
    cold = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        rendered = render()
        times.append(time.perf_counter() - started)
    return {
        "label": label,
        "template": template,
        "pages": first.pages,
        "cold": cold,
        "median": statistics.median(times),
        "max": max(times),
        "bytes": len(rendered.content),
    }


def write_results(rows: list[dict], runs: int) -> str:
    lines = [
        "## Document rendering (`bench/render_bench.py`)",
        "",
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {weasyprint_machine()}.",
        "",
        f"Median of {runs} renders in one warm process (the first render, which loads fonts and cmaps, "
        "is the cold column). Budget for a one-page form: < 0.5 s and < 300 KB. A form with parts "
        "(存根 / 正本 / 副本 / 附卷) prints one page per part; its budget is read per page.",
        "",
        "| Form | Template | Pages | Cold (s) | Median (s) | Per page (s) | Max (s) | Size (KB) | Budget |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        per_page = row["median"] / row["pages"]
        within = "ok" if per_page < BUDGET_SECONDS and row["bytes"] < BUDGET_BYTES else "OVER"
        cells = [
            row["label"],
            f"`{row['template']}`",
            str(row["pages"]),
            *(f"{row[key]:.3f}" for key in ("cold", "median")),
            f"{per_page:.3f}",
            f"{row['max']:.3f}",
            f"{row['bytes'] / 1024:.1f}",
            within,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return write_section("render-bench", lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--runs", type=int, default=15)
    parser.add_argument("--template", help="another document template to measure")
    parser.add_argument("--context", type=Path, help="JSON context for --template")
    args = parser.parse_args()

    django_setup()
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    from documents import kinds
    from documents.samples import sample_snapshot

    rows = [
        bench(spec.title, spec.template_for(), sample_snapshot(spec.code), args.runs)
        for spec in kinds.all_kinds()
    ]
    rows += [
        bench("Sample form, one page", "documents/sample.html", sample_context(3), args.runs),
        bench("Sample form, two pages", "documents/sample.html", sample_context(9), args.runs),
    ]
    if args.template:
        context = json.loads(args.context.read_text()) if args.context else {}
        rows.append(bench(args.template, args.template, context, args.runs))
    print(write_results(rows, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
