"""The state of an issued document's PDF, polled by its pages while the worker renders it (issue 20 item 4).

Issuing answers at once and leaves the render to the worker (documents.tasks through the outbox;
core.background in the embedded setup), so a page shows the document as "being made" and polls
this fragment every second (templates/documents/_render_state.html, htmx) until it answers the
download link. Who does not see the document, an uninvolved province included, gets 404, as on
the document page; a draft has no PDF to wait for and answers 404 too.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render
from django.views import View

from documents.access import document_visible_to
from documents.models import Document


class RenderStateView(LoginRequiredMixin, View):
    """Answer the render-state fragment of one issued document the user may see."""

    def get(self, request, pk: int):
        # Polled every second: one row with the unit the visibility check reads, not the page's joins.
        document = Document.objects.select_related("issuing_unit").filter(pk=pk).first()
        if document is None or not document.is_issued or not document_visible_to(request.user, document):
            raise Http404
        response = render(request, "documents/_render_state.html", {"document": document})
        response["Cache-Control"] = "no-store"
        return response
