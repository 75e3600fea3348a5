"""Pages of documents: verification (anyone signed in), the download of an issued PDF, a document's
page with its recipients and their returned receipts, and the seal images an administrator registers
per unit."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from core.exceptions import Conflict, NotAllowed
from core.guards import AdministratorsOnlyMixin
from core.pages import StepView, apply_errors, next_steps
from documents import permissions as perms
from documents import seals, selectors, services
from documents.fields import DraftFieldsForm
from documents.forms import ReceiptForm, SealForm, VerifyForm
from documents.models import Document, DocumentState, SealImage
from documents.presenters import file_response, page_steps, receipt_file_response, receipt_of
from documents.steps import DOCUMENT_MACHINE
from organisation.models import Unit


class VerifyView(LoginRequiredMixin, View):
    """Check a document by its code or file: authentic, voided (with its replacement) or unknown."""

    template_name = "documents/verify.html"

    def get(self, request):
        code = request.GET.get("code", "")
        if code:
            # The QR code on the page links here with the code filled in.
            return self._answer(request, VerifyForm(initial={"code": code}), code=code)
        return render(request, self.template_name, {"form": VerifyForm()})

    def post(self, request):
        form = VerifyForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        return self._answer(
            request, form, code=form.cleaned_data.get("code"), upload=form.cleaned_data.get("file")
        )

    def _answer(self, request, form, *, code="", upload=None):
        if upload is not None:
            verification = services.document_verify_file(content=upload.read(), by=request.user)
        else:
            verification = services.document_verify_code(code=code, by=request.user)
        return render(
            request,
            self.template_name,
            {"form": form, "verification": verification, "answer": verification.as_dict()},
        )


class DownloadView(LoginRequiredMixin, View):
    """Download an issued PDF; 404 unless the linking app's resolver lets the user see it. Audited."""

    def get(self, request, pk: int):
        document = selectors.document_for(request.user, pk)
        if document is None:
            raise Http404
        try:
            document = services.document_download(document=document, by=request.user, channel="web")
        except Document.DoesNotExist:
            raise Http404 from None
        return file_response(document)


class DocumentDetailView(LoginRequiredMixin, View):
    """An issued document and its recipients: served when, the 回执 each returned; record a receipt.

    Who does not see the document (an uninvolved province) gets 404. A recipient's row offers the
    recipient unit a confirmation in the system, and the issuer's officers or the recipient unit the
    upload of the signed paper's scan (documents.services.document_receipt_record).
    """

    template_name = "documents/document_detail.html"

    def _document(self, request, pk: int) -> Document:
        document = selectors.document_for(request.user, pk)
        if document is None:
            raise Http404
        return document

    def _page(
        self, request, document, *, forms=None, status=200, bound=None, bound_step="", fields_form=None
    ):
        recipients = list(
            document.recipients.select_related("unit", "receipt_recorded_by", "served_by").order_by("id")
        )
        issued = document.state == "issued"
        for recipient in recipients:
            recipient.document = document
            recipient.receipt = receipt_of(recipient)
            recipient.may_confirm = (
                issued and not recipient.receipt and perms.may_confirm_receipt(recipient, request.user)
            )
            recipient.may_upload = (
                issued and not recipient.receipt and perms.may_upload_receipt(recipient, request.user)
            )
            recipient.form = (forms or {}).get(recipient.pk) or ReceiptForm(prefix=f"r{recipient.pk}")
        offers = [
            offer
            for offer in next_steps(
                DOCUMENT_MACHINE,
                document,
                request.user,
                url_for=lambda name: reverse("documents:step", args=[document.pk, name]),
                bound=bound,
                bound_step=bound_step,
            )
            if offer.name in page_steps(document)
        ]
        editable = document.state == DocumentState.DRAFTED and perms.may_draft(document, request.user)
        context = {
            "document": document,
            "recipients": recipients,
            "offers": offers,
            "fields_form": fields_form or (DraftFieldsForm(document=document) if editable else None),
            "pending_ending": document.pending_ending() if document.is_in_effect else None,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk: int):
        return self._page(request, self._document(request, pk))


class DocumentFieldsView(DocumentDetailView):
    """POST: change the text fields of a draft the user may edit (a correction, a 撤销决定书)."""

    http_method_names = ["post", "options"]

    def post(self, request, pk: int):
        document = self._document(request, pk)
        if not perms.may_draft(document, request.user):
            raise NotAllowed
        form = DraftFieldsForm(request.POST, document=document)
        if form.is_valid():
            try:
                services.document_update(document=document, by=request.user, data=form.merged_data())
            except ValidationError as error:
                apply_errors(form, error)
            except Conflict:
                messages.error(request, _("The draft moved on meanwhile; it can no longer be edited."))
                return self._page(request, self._document(request, pk), status=409)
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("documents:detail", pk=document.pk)
        return self._page(request, document, status=400, fields_form=form)


class DocumentStepView(LoginRequiredMixin, StepView):
    """Take a step of a document from its page: its chain, and starting a correction or a revocation.

    Issuing here is only for documents no process issues (a correction, a 撤销决定书, a free-standing
    kind): a process's document is issued by its process's own step (documents.presenters.page_steps).
    """

    machine = DOCUMENT_MACHINE

    def get_object(self, request, pk: int):
        document = selectors.document_for(request.user, pk)
        if document is None:
            raise Http404
        return document

    def post(self, request, name: str, **kwargs):
        document = self.get_object(request, **kwargs)
        if name not in page_steps(document):
            raise Http404(name)
        return super().post(request, name, **kwargs)

    def render_object(self, request, instance, *, status: int, bound=None, bound_step: str = ""):
        return DocumentDetailView()._page(
            request, instance, status=status, bound=bound, bound_step=bound_step
        )

    def success_url(self, request, instance) -> str:
        # A correction or revocation answers the draft it made: its page is where work goes on.
        later = self.result if isinstance(self.result, Document) else instance
        return reverse("documents:detail", args=[later.pk])


class ReceiptView(LoginRequiredMixin, View):
    """POST: record a recipient's returned receipt (scan or confirmation); GET: its scan (audited)."""

    def _recipient(self, request, pk: int, recipient_id: int):
        document = selectors.document_for(request.user, pk)
        if document is None:
            raise Http404
        recipient = document.recipients.filter(pk=recipient_id).first()
        if recipient is None:
            raise Http404
        recipient.document = document
        return document, recipient

    def get(self, request, pk: int, recipient_id: int):
        _document, recipient = self._recipient(request, pk, recipient_id)
        if not recipient.receipt_file:
            raise Http404
        services.receipt_downloaded(recipient=recipient, by=request.user)
        return receipt_file_response(recipient)

    def post(self, request, pk: int, recipient_id: int):
        document, recipient = self._recipient(request, pk, recipient_id)
        form = ReceiptForm(request.POST, request.FILES, prefix=f"r{recipient.pk}")
        if form.is_valid():
            try:
                services.document_receipt_record(recipient=recipient, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("The receipt of %(name)s is recorded.") % {"name": recipient.name}
                )
                return redirect(f"{reverse('documents:detail', args=[document.pk])}#recipient-{recipient.pk}")
        return DocumentDetailView()._page(request, document, forms={recipient.pk: form}, status=400)


class SealListView(LoginRequiredMixin, AdministratorsOnlyMixin, View):
    """The seal images in force per unit and one unit's history; register a new one (administrators).

    Only a system administrator (staff) sees the page; anyone else gets 404, as if it were not there.
    """

    template_name = "documents/seals.html"
    PAGE_SIZE = 100

    def _page(self, request, form, status=200):
        code = (request.GET.get("unit") or "").strip()
        unit = Unit.objects.filter(code=code).first() if code else None
        rows = SealImage.objects.select_related("unit", "registered_by")
        if unit is not None:
            rows = rows.filter(unit=unit)  # one unit's history is short: each image is shown
        else:
            rows = rows.filter(active_until__isnull=True).defer("content")
        rows = list(rows.order_by("unit__code", "-active_from", "-id")[: self.PAGE_SIZE])
        for row in rows:
            row.preview = seals.data_uri(row) if unit is not None else ""
        context = {"form": form, "rows": rows, "unit": unit, "unknown_unit": bool(code and not unit)}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        code = (request.GET.get("unit") or "").strip()
        return self._page(request, SealForm(initial={"unit": code} if code else None))

    def post(self, request):
        form = SealForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, status=400)
        unit = Unit.objects.filter(code=form.cleaned_data["unit"].strip(), is_active=True).first()
        if unit is None:
            form.add_error("unit", _("No active unit has this division code."))
            return self._page(request, form, status=400)
        upload = form.cleaned_data["image"]
        if upload.size > seals.MAX_SEAL_BYTES:
            form.add_error(
                "image", _("The image may be at most %(kb)s KB.") % {"kb": seals.MAX_SEAL_BYTES // 1024}
            )
            return self._page(request, form, status=400)
        try:
            seals.seal_register(
                unit=unit, content=upload.read(), by=request.user, specimen=form.cleaned_data["specimen"]
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self._page(request, form, status=400)
        messages.success(request, _("The seal image of %(unit)s is registered.") % {"unit": unit.name})
        return redirect(f"{reverse('documents:seals')}?unit={unit.code}")
