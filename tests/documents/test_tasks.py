"""Rendering in the background: idempotent per document, one file and one number whatever happens."""

import contextlib
import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from core import outbox
from core.models import OutboxMessage
from documents import form_data, kinds, rendering, services, tasks
from documents.models import Document, DocumentCounter
from documents.samples import SAMPLE_FIELDS
from tests.support.documents import draft, issue, walk_to_issue

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents" / "kinds"


def pdf_files(media_root: Path) -> list[Path]:
    return sorted((media_root / "documents").rglob("*.pdf"))


def test_render_writes_one_file_at_the_deterministic_path(office, fake_renderer, linked, media_root):
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    document.refresh_from_db()
    assert document.render_state == "done" and document.pages == 1
    expected = f"documents/{document.number_year}/510107/{document.pk}-{document.sha256[:8]}.pdf"
    assert document.file.name == expected
    assert default_storage.open(expected).read().startswith(b"%PDF")
    assert fake_renderer == ["documents/kinds/case_transfer_notice.v2.html"]


def test_a_task_run_twice_renders_once(office, fake_renderer, linked, media_root):
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    assert tasks.render_document(document.pk) == "done"
    assert len(fake_renderer) == 1
    assert len(pdf_files(media_root)) == 1
    assert DocumentCounter.objects.get(issuing_unit=office.unit, kind=document.kind).last == 1


def test_a_retry_after_a_crash_between_file_and_row_leaves_exactly_one_file(
    office, linked, monkeypatch, media_root
):
    document = issue(office)
    attempts = []

    def render_pdf(**kwargs):
        # Like a real renderer, each run differs (creation time), so each run has its own name.
        attempts.append(1)
        content = b"%PDF-1.7\nattempt " + str(len(attempts)).encode() + b"\n%%EOF\n"
        return rendering.RenderedPdf(content=content, sha256=hashlib.sha256(content).hexdigest(), pages=1)

    monkeypatch.setattr("documents.rendering.render_pdf", render_pdf)
    original_save = Document.save

    def crash(self, *args, **kwargs):
        raise RuntimeError("worker lost after writing the file")

    monkeypatch.setattr(Document, "save", crash)
    with pytest.raises(RuntimeError):
        tasks.render_document(document.pk)
    assert len(pdf_files(media_root)) == 1  # the orphan the crash left
    assert Document.objects.get(pk=document.pk).render_state == "pending"

    monkeypatch.setattr(Document, "save", original_save)
    assert tasks.render_document(document.pk) == "done"
    assert tasks.render_document(document.pk) == "done"
    files = pdf_files(media_root)
    document.refresh_from_db()
    assert len(files) == 1 and files[0].name == Path(document.file.name).name
    assert files[0].read_bytes().endswith(b"attempt 2\n%%EOF\n")
    assert Document.objects.filter(number=document.number).count() == 1


def test_issue_queues_the_render_through_the_outbox_and_redelivery_is_harmless(
    office, fake_renderer, linked, django_capture_on_commit_callbacks, media_root
):
    document = draft(office)
    with django_capture_on_commit_callbacks(execute=True):
        walk_to_issue(office, document)
    document.refresh_from_db()
    assert document.render_state == "done"
    message = OutboxMessage.objects.get(
        topic="documents.render", idempotency_key=f"documents.render:{document.pk}"
    )
    assert message.state == "done"
    assert outbox.deliver(message.pk) == "done"
    assert tasks.render_document_task(document.pk) == "done"
    assert len(fake_renderer) == 1 and len(pdf_files(media_root)) == 1


def test_a_missing_glyph_fails_the_render_with_the_characters(office, linked, monkeypatch):
    document = issue(office)

    def render_pdf(**kwargs):
        raise rendering.MissingGlyphError(("\U000f0000",), ("fields.subject_name",))

    monkeypatch.setattr("documents.rendering.render_pdf", render_pdf)
    assert tasks.render_document(document.pk) == "failed"
    document.refresh_from_db()
    assert document.render_state == "failed" and "\U000f0000" in document.render_error
    # The officer reads why in the system's language (Chinese), with the field that holds it.
    assert "U+F0000" in document.render_error and "fields.subject_name" in document.render_error
    assert "No configured document font" not in document.render_error


@contextlib.contextmanager
def read_only(directory: Path):
    """Make a directory refuse new entries, for root as well (immutable flag), until the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(directory)], check=True)
    else:
        directory.chmod(0o555)
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        else:
            directory.chmod(0o755)


def test_a_read_only_media_volume_fails_the_render_clearly_and_the_retry_stores_it(
    office, fake_renderer, linked, django_capture_on_commit_callbacks, media_root
):
    document = draft(office)
    with read_only(media_root):
        with django_capture_on_commit_callbacks(execute=True):
            walk_to_issue(office, document)
        document.refresh_from_db()
        # The document says why, and the render message stays pending for another try.
        assert document.render_state == "failed"
        assert "PermissionError" in document.render_error
        message = OutboxMessage.objects.get(idempotency_key=f"documents.render:{document.pk}")
        assert (message.state, message.attempts) == ("pending", 1)
        assert "could not be stored" in message.last_error
        assert pdf_files(media_root) == []
    # Writable again: the retry (the sweep re-relays the message) stores it, once, with its number.
    assert outbox.deliver(message.pk) == "done"
    document.refresh_from_db()
    assert (document.render_state, document.render_error) == ("done", "")
    assert len(pdf_files(media_root)) == 1
    assert Document.objects.filter(number=document.number).count() == 1


def _issue_any(office, code: str) -> Document:
    document = draft(office, code, data=SAMPLE_FIELDS[code])
    chain = document.approval_chain
    step = services.document_transition
    if "external" not in chain:
        if "legal_review" in chain:
            step(document=document, name="submit_for_review", by=office.investigator)
            step(document=document, name="approve_review", by=office.legal)
        else:
            step(document=document, name="submit_for_approval", by=office.investigator)
        step(document=document, name="approve", by=office.head)
        return services.document_issue(document=document, by=office.head)
    issuer = office.head if document.spec.issuer_roles else office.investigator
    return services.document_issue(document=document, by=issuer)


def test_every_kind_renders_with_the_real_renderer_and_its_text_is_in_the_pdf(office, linked, media_root):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for code, sample in SAMPLE_FIELDS.items():
        document = _issue_any(office, code)
        assert tasks.render_document(document.pk) == "done", code
        document.refresh_from_db()
        path = Path(document.file.path)
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
        flat = "".join(text.split())
        spec = kinds.get(code)
        # A 呈请报告书 is titled from its purpose (呈请指定管辖报告书, issue 19).
        title = form_data.report_title(sample) if code == kinds.REPORT_FOR_APPROVAL.code else spec.title
        assert title in flat, code
        assert document.number in flat, code
        if not kinds.on_v2_layout(spec):
            assert ("（公安局印）" in flat) == spec.sealed, code
        else:  # v2 layout (issue 19): the seal is an image over the signature, never a printed placeholder
            assert "（公安局印）" not in flat, code
        assert document.verification_code in flat, code
        for value in (sample.get("recipient"), sample.get("case_name"), sample.get("subject_name")):
            if value:
                assert "".join(value.split()) in flat, (code, value)
        # A page image for a person to look at.
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", str(path), str(ARTIFACTS / code)], check=True
        )
        assert (ARTIFACTS / f"{code}.png").is_file()


def test_re_rendering_a_snapshot_with_its_template_version_reproduces_the_text(office, linked):
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    document.refresh_from_db()
    again = rendering.render_pdf(
        template_name=document.spec.template_for(document.template_version),
        context=document.snapshot,
        verification_code=document.verification_code,
    )

    def text(content: bytes) -> str:
        return subprocess.run(
            ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()

    assert text(again.content) == text(document.file.read())
