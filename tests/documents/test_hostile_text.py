"""Markup typed into a document's fields is printed as text in the PDF, never laid out (issue 8 item 5)."""

import subprocess

from documents import tasks
from tests.support.documents import TRANSFER_DATA, draft, walk_to_issue

SCRIPT = '<script>alert("xss")</script>'
MARKUP = '<b style="color:red">加粗</b><img src=x onerror=alert(1)>'


def test_a_pdf_prints_hostile_field_text_literally(office, linked, media_root):
    data = {**TRANSFER_DATA, "case_name": f"成都{SCRIPT}诈骗案", "reason": MARKUP}
    document = walk_to_issue(office, draft(office, data=data))
    assert tasks.render_document(document.pk) == "done"
    document.refresh_from_db()
    text = subprocess.run(
        ["pdftotext", document.file.path, "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\n", "")
    assert SCRIPT in text
    assert "<b style=" in text and "<img src=x" in text
