"""Rendering issued documents to PDF, in the background and idempotently per document.

`document_issue` enqueues an outbox message (topic "documents.render"); the outbox delivers it once
through Celery. `render_document` is also safe to run again by hand or by a retried task: under the
document's row lock it returns at once when the file is done, and it writes to a path derived from
the document, removing any file a crashed earlier attempt left behind, so there is only ever one
file and one number per document.
"""

import logging
import posixpath

from celery import shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
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


def render_document(document_id: int) -> str:
    """Render an issued document's snapshot with its template version.

    Return done, failed (no retry can help), storage_failed (retry once the volume takes files again),
    signing_unavailable (retry once the unit has a signing credential) or skipped. The stored file is
    the signed file (documents.signing), and its SHA-256 the signed file's.
    """
    from documents import pki, rendering

    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("issuing_unit")
            .filter(pk=document_id)
            .first()
        )
        if document is None or not document.is_issued or not document.snapshot:
            return SKIPPED
        if document.render_state == RenderState.DONE:
            return DONE
        from documents.services import render_arguments

        try:
            rendered = rendering.render_pdf(**render_arguments(document))
        except rendering.MissingGlyphError as exc:
            # Retrying cannot add a glyph to the fonts; say which characters and stop.
            document.render_state = RenderState.FAILED
            # Shown to officers on the document page, naming the characters and the fields that
            # hold them: stored as a key with its arguments and read in each reader's language.
            document.render_error = exc.stored()
            document.save(update_fields=["render_state", "render_error", "updated_at"])
            logger.error("Document %s cannot be rendered: %s", document.pk, exc)
            return FAILED
        except pki.SigningUnavailable as exc:
            # Never stored unsigned: the document waits, saying why, until an administrator imports
            # the unit's credential; the outbox tries again meanwhile.
            document.render_state = RenderState.FAILED
            document.render_error = exc.stored
            document.save(update_fields=["render_state", "render_error", "updated_at"])
            logger.error("Document %s rendered but not signed: %s", document.pk, exc)
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


@outbox.handler("documents.render")
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
