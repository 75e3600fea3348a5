"""What pages and the API both show of a document: its file as served, and the steps a user may take."""

import io

from django.http import FileResponse

from core.steps import check_transition
from documents.models import Document
from documents.steps import DOCUMENT_MACHINE


def file_response(document: Document) -> FileResponse:
    """Serve the copy document_download made for the viewer (watermarked), else the stored file."""
    served = getattr(document, "served_copy", None)
    return FileResponse(
        io.BytesIO(served) if served is not None else document.file.open("rb"),
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )


def document_steps(document: Document, user) -> list[str]:
    """Return the names of the steps `user` may take on `document` now, as the API names them.

    A document approved by its linking object is issued by the transition `issue_external`; the API
    calls that step "issue" too (documents.services.document_issue picks the transition).
    """
    names = set(DOCUMENT_MACHINE.available(document, user, api=True))
    if check_transition(document, "issue_external", user).available:
        names.add("issue")
    return [name for name in DOCUMENT_MACHINE.names(api=True) if name in names]
