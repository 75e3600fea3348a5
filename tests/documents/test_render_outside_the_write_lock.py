"""The embedded worker renders a PDF with no write transaction open (the SQLite demo's stall).

On SQLite a transaction takes the whole database's write lock (BEGIN IMMEDIATE); the render used to
run inside the outbox delivery's transaction and its own, so every other request that wrote waited
the 1–3 s of WeasyPrint and the signature. The render now runs outside any transaction, one per
document under its render claim, and its outcome is written in a short transaction afterwards.
"""

import contextlib
import threading

import pytest
from django.db import connection, transaction

from core import background
from core.models import OutboxMessage, OutboxState
from documents import tasks
from documents.models import Document, RenderState
from organisation.models import User
from tests.support.documents import FakeRendered, issue
from tests.support.personas import Cast
from tests.support.units import WUHOU

# The stand-in renderer waits for these events; the bound only stops a broken run from hanging.
SAFETY = 60


@pytest.fixture
def blocking_renderer(monkeypatch):
    """A renderer that says when it starts and finishes only when the test releases it."""
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def render_pdf(**kwargs):
        calls.append(threading.current_thread().name)
        started.set()
        assert release.wait(SAFETY), "the test never released the render"
        return FakeRendered(b"%PDF-1.7\nrendered while others wrote\n%%EOF\n")

    monkeypatch.setattr("documents.rendering.render_pdf", render_pdf)
    yield started, release, calls
    release.set()  # whatever happened, let the worker thread finish


@contextlib.contextmanager
def no_busy_wait():
    """Make this connection's writes fail at once on a held SQLite lock, instead of after 20 s."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        milliseconds = int(connection.settings_dict["OPTIONS"]["timeout"] * 1000)
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {milliseconds}")


@pytest.mark.django_db(transaction=True)
def test_another_request_writes_while_the_worker_renders_and_the_pdf_is_rendered_once(
    organisation_loaded, linked, settings, eager_celery, blocking_renderer, media_root
):
    started, release, calls = blocking_renderer
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.OUTBOX_EAGER_BACKGROUND = True  # as in the demo's web process
    office = Cast().office(WUHOU, "wuhou").staff("legal", "head")
    document = issue(office)  # commits; on commit the render goes to the worker thread
    assert started.wait(SAFETY)
    assert calls and calls[0].startswith("lianban-worker")

    # A second delivery of the same document meanwhile (a retried task, the sweep): it waits for
    # the first render's claim, then finds the PDF done instead of rendering it again.
    second: list[str] = []

    def render_again():
        try:
            second.append(tasks.render_document(document.pk))
        finally:
            connection.close()

    again = threading.Thread(target=render_again)
    again.start()

    # Another officer's request writes while the PDF renders, and does not wait for it.
    with no_busy_wait(), transaction.atomic():
        User.objects.filter(pk=office.head.pk).update(first_name="武侯负责人")
    assert User.objects.get(pk=office.head.pk).first_name == "武侯负责人"
    assert Document.objects.get(pk=document.pk).render_state == RenderState.PENDING

    release.set()
    background.wait(SAFETY)
    again.join(SAFETY)
    assert not again.is_alive() and second == [tasks.DONE]
    document.refresh_from_db()
    assert document.render_state == RenderState.DONE and document.file
    assert len(calls) == 1
    assert len(list((media_root / "documents").rglob("*.pdf"))) == 1
    message = OutboxMessage.objects.get(idempotency_key=f"documents.render:{document.pk}")
    assert (message.state, message.attempts) == (OutboxState.DONE, 0)


def test_a_write_to_the_document_during_the_render_is_kept(office, linked, monkeypatch):
    """The short transaction reads the row again and saves the render's fields only: no lost update."""
    document = issue(office)

    def render_pdf(**kwargs):
        # Written while the PDF renders (a void in progress, say): the render's save must keep it.
        Document.objects.filter(pk=document.pk).update(voided_reason="签发后发现送达对象有误")
        return FakeRendered(b"%PDF-1.7\nkept\n%%EOF\n")

    monkeypatch.setattr("documents.rendering.render_pdf", render_pdf)
    assert tasks.render_document(document.pk) == tasks.DONE
    document.refresh_from_db()
    assert document.render_state == RenderState.DONE
    assert document.voided_reason == "签发后发现送达对象有误"
