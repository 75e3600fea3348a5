"""The sample form of the rendering tests: its data, rendered to a file."""

from __future__ import annotations

import datetime
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"

VERIFICATION_CODE = "LB7K-3QX9-M2PD"
VERIFICATION_URL = "https://lianban.example/verify/LB7K3QX9M2PD"
RARE_NAME = "吉𠮷"
AUTHOR = "成都市公安局武侯区分局"


def sample_context(paragraph_count: int = 3) -> dict:
    paragraph = (
        f"因侦查“4·15”诈骗案需要，请协助调取犯罪嫌疑人{RARE_NAME}（男，1988年5月2日出生，"
        "身份证号码530102198805021234）名下银行账户自2025年1月1日至2026年3月1日的交易明细。"
    )
    return {
        "title": "办案协作函",
        "number": "成武公（刑）协字〔2026〕17号",
        "addressee": "昆明市公安局",
        "paragraphs": [paragraph] * paragraph_count,
        "fields": [{"label": "联系人", "value": "张喆"}, {"label": "联系电话", "value": "028-85551234"}],
        "issuer": AUTHOR,
        "issued_on": datetime.date(2026, 3, 8),
    }


def render_sample(context: dict, path: Path):
    """Render documents/sample.html to ``path``; return the RenderedPdf."""
    from documents.rendering import render_pdf

    rendered = render_pdf(
        template_name="documents/sample.html",
        context=context,
        verification_code=VERIFICATION_CODE,
        verification_url=VERIFICATION_URL,
        title=context.get("title") or "测试文书",
        author=AUTHOR,
    )
    path.write_bytes(rendered.content)
    return rendered
