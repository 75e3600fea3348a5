"""What pages and the API both show of a document: its file as served, and the steps a user may take."""

import io

from django.http import FileResponse
from django.urls import reverse

from core.steps import check_transition
from documents.models import Document, DocumentRecipient
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


# The chain's own steps, which any page showing the document may offer.
CHAIN_STEPS = ("submit_for_review", "submit_for_approval", "approve_review", "approve", "send_back")


def page_steps(document: Document) -> tuple[str, ...]:
    """Return the steps a document's own page offers.

    The chain, correction and revocation always; issuing only for a document no process issues (a
    correction, a 撤销决定书, a free-standing kind): a process's document is issued by the process's own
    step, which does what the decision decides (jurisdiction settled, a request sent).
    """
    steps = (*CHAIN_STEPS, "correct", "revoke")
    standalone = (
        not document.spec.process_owned or document.replaces_id is not None or document.revokes_id is not None
    )
    return (*steps, "issue") if standalone else steps


def receipt_of(recipient: DocumentRecipient, *, api: bool = False) -> dict | None:
    """Return the recipient's returned 回执 (how, when signed and recorded, by whom, the scan's link).

    None while no receipt is recorded.
    """
    if not recipient.receipt_method:
        return None
    by = recipient.receipt_recorded_by
    name = (getattr(by, "display_name", "") or by.get_username()) if by is not None else ""
    url = ""
    if recipient.receipt_file:
        route = "api:document-receipt-file" if api else "documents:receipt"
        url = reverse(route, kwargs={"pk": recipient.document_id, "recipient_id": recipient.pk})
    return {
        "method": recipient.receipt_method,
        "method_label": recipient.get_receipt_method_display(),
        "signed_at": recipient.receipt_signed_at,
        "recorded_at": recipient.receipt_recorded_at,
        "recorded_by": str(name),
        "note": recipient.receipt_note,
        "sha256": recipient.receipt_sha256,
        "file_url": url,
    }


def receipt_file_response(recipient: DocumentRecipient) -> FileResponse:
    """Serve a recipient's returned receipt scan under a name of our own."""
    extension = recipient.receipt_file.name.rsplit(".", 1)[-1]
    return FileResponse(
        recipient.receipt_file.open("rb"),
        as_attachment=True,
        filename=f"receipt-{recipient.document_id}-{recipient.pk}.{extension}",
        content_type=recipient.receipt_content_type or "application/octet-stream",
    )
