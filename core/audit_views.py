"""The auditor's pages: the audit trail with filters, its CSV export and the chain's verification.

Only auditors reach them (core.audit_trail.auditor_scope); anyone else gets 404, as for any object
they may not see. An auditor reads the events of their subtree, payloads included, and no case page.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views import View
from django.views.generic import TemplateView

from core import audit
from core.audit_trail import (
    AuditFilterForm,
    audit_events_for,
    auditor_scope,
    chain_status,
    export_rows,
    filters_used,
)
from core.ids import id_or_none

PAGE_SIZE = 50


def _auditor_or_404(user) -> None:
    if auditor_scope(user) is None:
        raise Http404


class NoStoreMixin:
    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class AuditTrailView(LoginRequiredMixin, NoStoreMixin, TemplateView):
    """The audit trail of the auditor's subtree, newest first, a page at a time (keyset: ?before=<id>)."""

    template_name = "core/audit/trail.html"

    def get_context_data(self, **kwargs):
        _auditor_or_404(self.request.user)
        context = super().get_context_data(**kwargs)
        form = AuditFilterForm(self.request.GET)
        events = []
        older_than = None
        before = id_or_none(self.request.GET.get("before", ""))
        is_first_page = before is None
        if form.is_valid():
            queryset = audit_events_for(self.request.user, form)
            if not is_first_page:
                queryset = queryset.filter(pk__lt=before)
            events = list(queryset[: PAGE_SIZE + 1])
            if len(events) > PAGE_SIZE:
                events = events[:PAGE_SIZE]
                older_than = events[-1].pk
        query = self.request.GET.copy()
        query.pop("before", None)
        context.update(
            form=form,
            events=events,
            older_than=older_than,
            is_first_page=is_first_page,
            query=query.urlencode(),
            filtered=any(form.data.get(name) for name in form.fields),
        )
        return context


class AuditExportView(LoginRequiredMixin, View):
    """The filtered audit trail as CSV; the export itself is an audited event."""

    def get(self, request):
        _auditor_or_404(request.user)
        form = AuditFilterForm(request.GET)
        if not form.is_valid():
            return HttpResponseBadRequest(" ".join(str(e) for errors in form.errors.values() for e in errors))
        events = audit_events_for(request.user, form)
        audit.record(action="audit.exported", actor=request.user, payload={"filters": filters_used(form)})
        response = StreamingHttpResponse(export_rows(events), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        add_never_cache_headers(response)
        return response


class AuditChainView(LoginRequiredMixin, NoStoreMixin, TemplateView):
    """Verify the chain now and show the result (a fragment for htmx, else a page)."""

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["core/audit/_chain.html"]
        return ["core/audit/chain.html"]

    def get_context_data(self, **kwargs):
        _auditor_or_404(self.request.user)
        context = super().get_context_data(**kwargs)
        context["status"] = chain_status(full=self.request.GET.get("full") == "1")
        return context
