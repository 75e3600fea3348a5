"""Rendering issued documents to PDF, in the background and idempotently per document.

`document_issue` enqueues an outbox message (topic "documents.render"); the outbox delivers it once
through Celery. `render_document` is also safe to run again by hand or by a retried task: under the
document's render claim it returns at once when the file is done, and it writes to a path derived
from the document, removing any file a crashed earlier attempt left behind, so there is only ever
one file and one number per document. The render runs outside any write transaction (on SQLite a
write transaction locks the whole database), and its result is written in a short one.
"""

import contextlib
import fcntl
import logging
import posixpath
import threading
from collections.abc import Iterator

from celery import shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core import outbox, words
from documents.models import Document, RenderState

logger = logging.getLogger(__name__)

DONE = "done"
FAILED = "failed"
STORAGE_FAILED = "storage_failed"
SIGNING_UNAVAILABLE = "signing_unavailable"
SKIPPED = "skipped"


def document_directory(document: Document) -> str:
    year = document.number_year or timezone.localtime(document.issued_at).year
    return posixpath.join("documents", str(year), document.issuing_unit.code)


def document_file_name(document: Document, sha256: str) -> str:
    """The deterministic path: media/documents/<year>/<unit code>/<id>-<sha8>.pdf."""
    return posixpath.join(document_directory(document), f"{document.pk}-{sha256[:8]}.pdf")


def _remove_leftovers(document: Document, keep: str) -> None:
    directory = document_directory(document)
    if not default_storage.exists(directory):
        return
    _dirs, files = default_storage.listdir(directory)
    prefix = f"{document.pk}-"
    for name in files:
        path = posixpath.join(directory, name)
        if name.startswith(prefix) and name.endswith(".pdf") and path != keep:
            default_storage.delete(path)


@contextlib.contextmanager
def _render_claim(document_id: int) -> Iterator[None]:
    """Let one render of a document run at a time, in any thread or process.

    PostgreSQL locks the document's row, which holds back only another render of the document (and
    a writer of that very row), so the render may run while it is held. SQLite's only lock is the
    whole database's: a transaction holding it through a 1–3 s render made every other request of
    the demo wait. There an exclusive lock on a file beside the database stands in for the row lock,
    and no transaction is open while the PDF renders; renders in one SQLite installation take turns,
    as they did under the database lock.
    """
    if connection.vendor == "postgresql":
        with transaction.atomic():
            list(Document.objects.select_for_update(of=("self",)).filter(pk=document_id).values_list("pk"))
            yield
        return
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        # No file to lock beside (an in-memory database lives in this process alone).
        with _in_memory_claim:
            yield
        return
    with open(f"{name}-render.lock", "a") as handle:
        # flock belongs to this open file, so it shuts out the other threads of this process too.
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_in_memory_claim = threading.Lock()


def _issued(document_id: int, *, lock: bool = False) -> Document | None:
    documents = Document.objects.select_related("issuing_unit").filter(pk=document_id)
    if lock:
        documents = documents.select_for_update(of=("self",))
    document = documents.first()
    if document is None or not document.is_issued or not document.snapshot:
        return None
    return document


def render_document(document_id: int) -> str:
    """Render an issued document's snapshot with its template version.

    Return done, failed (no retry can help), storage_failed (retry once the volume takes files again),
    signing_unavailable (retry once the unit has a signing credential) or skipped. The stored file is
    the signed file (documents.signing), and its SHA-256 the signed file's.

    Under the document's render claim a second render finds the first one's result and stops; the
    render itself runs with no write transaction open, and its outcome is written in a short one that
    reads the row again under lock and saves the render fields only, so nothing written meanwhile
    (the document revoked, say) is lost.
    """
    from documents import pki, rendering
    from documents.services import render_arguments

    with _render_claim(document_id):
        document = _issued(document_id)
        if document is None:
            return SKIPPED
        if document.render_state == RenderState.DONE:
            return DONE
        rendered = failure = None
        try:
            rendered = rendering.render_pdf(**render_arguments(document))
        except (rendering.MissingGlyphError, pki.SigningUnavailable) as exc:
            failure = exc
        with transaction.atomic():
            document = _issued(document_id, lock=True)
            if document is None:
                return SKIPPED
            if document.render_state == RenderState.DONE:
                return DONE
            return _record(document, rendered, failure)


def _record(document: Document, rendered, failure: Exception | None) -> str:
    """Store a render's file and outcome on the (locked) document; return the outcome."""
    from documents import pki, rendering

    if isinstance(failure, rendering.MissingGlyphError):
        # Retrying cannot add a glyph to the fonts; say which characters and stop.
        document.render_state = RenderState.FAILED
        # Shown to officers on the document page, naming the characters and the fields that
        # hold them: stored as a key with its arguments and read in each reader's language.
        document.render_error = failure.stored()
        document.save(update_fields=["render_state", "render_error", "updated_at"])
        logger.error("Document %s cannot be rendered: %s", document.pk, failure)
        return FAILED
    if isinstance(failure, pki.SigningUnavailable):
        # Never stored unsigned: the document waits, saying why, until an administrator imports
        # the unit's credential; the outbox tries again meanwhile.
        document.render_state = RenderState.FAILED
        document.render_error = failure.stored
        document.save(update_fields=["render_state", "render_error", "updated_at"])
        logger.error("Document %s rendered but not signed: %s", document.pk, failure)
        return SIGNING_UNAVAILABLE
    name = document_file_name(document, rendered.sha256)
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(rendered.content))
        _remove_leftovers(document, keep=saved)
    except OSError as exc:
        # The volume is full, read-only or gone: say so on the document and try again later
        # (the outbox retries; the sweep re-relays), unlike a missing glyph, which no retry mends.
        document.render_state = RenderState.FAILED
        document.render_error = words.stored(
            gettext_noop("The PDF could not be stored (%(error)s); rendering is retried."),
            error=f"{type(exc).__name__}: {exc.strerror or exc}",
        )
        document.save(update_fields=["render_state", "render_error", "updated_at"])
        logger.error("Document %s rendered but not stored: %s", document.pk, exc)
        return STORAGE_FAILED
    document.file.name = saved
    document.sha256 = rendered.sha256
    document.pages = rendered.pages
    document.render_state = RenderState.DONE
    document.render_error = ""
    document.save(update_fields=["file", "sha256", "pages", "render_state", "render_error", "updated_at"])
    return DONE


# Idempotent under its render claim, with short writes: delivered outside the outbox row lock,
# which on SQLite is the whole database's lock.
@outbox.handler("documents.render", own_transaction=True)
def _render_message(payload: dict, *, key: str):
    outcome = render_document(payload["document_id"])
    if outcome == STORAGE_FAILED:
        return outbox.RetryLater(f"document {payload['document_id']}: the PDF could not be stored")
    if outcome == SIGNING_UNAVAILABLE:
        return outbox.RetryLater(f"document {payload['document_id']}: the issuing unit cannot sign")
    return None


@shared_task(name="documents.tasks.render_document", ignore_result=True)
def render_document_task(document_id: int) -> str:
    """Render by hand (e.g. after fixing fonts): `render_document_task.delay(id)`."""
    return render_document(document_id)
