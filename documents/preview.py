"""The draft's PDF an approver reads before approving (issue 19 item 3): the form as it will be issued.

A document in draft, legal review or approval is rendered on request, never stored: the same template
and context the issue will freeze (documents.services.build_snapshot plus documents.form_data), with
no number, today's date, no seal and no signature, and 草稿 across and at the head of every page
with the viewer's name and the time. Who may read the draft may preview it (documents.access: the
issuing unit's officers who take its steps); anyone else, an uninvolved province included, gets 404.
Every preview is audited (documents.document.preview). An issued document is downloaded instead.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View

from core import audit
from documents import form_data, rendering, selectors, services
from documents.models import Document

DRAFT_NUMBER = "（草稿　未编号）"
# Printed where an issued document prints its verification code: a draft verifies as nothing.
DRAFT_CODE = "草稿-不作验证"


def preview_context(document: Document, *, at=None) -> dict:
    """Return the context a draft is rendered with: the issue's snapshot and form, no number, no seal."""
    at = at or timezone.now()
    spec = document.spec
    snapshot = services.build_snapshot(
        document, number=DRAFT_NUMBER, issued_at=at, template_version=spec.template_version
    )
    return {**snapshot, "form": form_data.form_context(document), "seal": None}


def preview_render(*, document: Document, viewer, at=None) -> rendering.RenderedPdf:
    """Render the draft's PDF for `viewer`, marked 草稿 with the viewer and the time; audit it."""
    at = at or timezone.now()
    watermark = rendering.drawable_text(
        f"草稿 · {services.watermark_text(viewer=viewer, at=at).replace('下载', '预览')}"
    )
    rendered = rendering.render_pdf(
        template_name=document.spec.template_for(),
        context=preview_context(document, at=at),
        verification_code=DRAFT_CODE,
        title=f"{document.spec.title}（草稿）",
        author=document.issuing_unit.name,
        watermark=watermark,
    )
    audit.record(
        action="documents.document.preview",
        actor=viewer,
        acting_unit_code=document.issuing_unit.code,
        target=document,
        payload={"state": document.state, "template_version": document.spec.template_version},
    )
    return rendered


class PreviewView(LoginRequiredMixin, View):
    """Show a draft's PDF inline to who may read the draft; 404 to anyone else."""

    def get(self, request, pk: int):
        document = selectors.document_for(request.user, pk)
        if document is None:
            raise Http404
        if document.is_issued:
            return redirect("documents:download", pk=document.pk)
        return preview_response(document, request.user)


def preview_response(document: Document, viewer) -> HttpResponse:
    """Answer the draft's PDF inline (the page and the API alike); 409 naming a glyph no font draws."""
    try:
        rendered = preview_render(document=document, viewer=viewer)
    except rendering.MissingGlyphError as exc:
        return HttpResponse(exc.message(), status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(rendered.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="draft-{document.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
