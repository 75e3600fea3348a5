"""Pages of documents: verification (anyone signed in) and the download of an issued PDF."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render
from django.views import View

from documents import selectors, services
from documents.forms import VerifyForm
from documents.models import Document
from documents.presenters import file_response


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
