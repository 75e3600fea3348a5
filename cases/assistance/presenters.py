"""What the pages and the API both show of an assistance request: its detail and its files.

Reads only (a download is audited by its service); cases.assistance.views and cases.assistance.apis
present the same rows.
"""

from django.http import FileResponse, Http404

from cases.assistance import approval, documents_bridge, selectors, services
from cases.assistance.models import AssistanceRequest, RequestDocument
from cases.assistance.steps import REQUEST_MACHINE
from documents.models import Document
from documents.presenters import file_response


def request_detail(request: AssistanceRequest, user) -> AssistanceRequest:
    """Annotate a request the user sees with what its detail shows: steps, documents, clocks, events."""
    request.available_transitions = REQUEST_MACHINE.available(request, user, api=True)
    request.required_documents = selectors.request_documents_status(request)
    request.all_documents = list(request.documents.all())
    documents_bridge.generated_annotate(
        [row["document"] for row in request.required_documents] + request.all_documents
    )
    request.all_returns = list(request.returns.all())
    request.deadlines = selectors.request_deadlines(request)
    request.all_custody_events = list(request.custody_events.all())
    request.all_property_measures = list(request.property_measures.all())
    request.timeline = selectors.request_timeline(request)
    request.approval_note = approval_note(request)
    return request


def approval_note(request: AssistanceRequest) -> str:
    """Say whose head approves a request the law gives to an organ of a named level (arts 238, 239, 243)."""
    rule = request.approval_rule
    if rule is None:
        return ""
    organ = request.approval_unit or approval.approving_organ(request.requesting_unit, rule)
    return approval.routing_note(rule, organ)


def document_file_response(
    request: AssistanceRequest, document: RequestDocument, user, *, channel: str
) -> FileResponse | None:
    """Serve a request's document: a generated one through the documents path, a scan here; audited.

    None when a scan has no file yet (the page answers 404, the API 400); Http404 for a generated one
    not rendered yet or not visible.
    """
    if document.generated_document_id:
        try:
            generated = documents_bridge.generated_download(
                request_document=document, by=user, channel=channel
            )
        except Document.DoesNotExist:
            raise Http404 from None
        return file_response(generated)
    if not document.file:
        return None
    services.request_document_downloaded(by=user, request=request, document=document)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type or "application/octet-stream",
    )
