"""The inbox (待办) page, built from the providers in core.inbox, the notifications page, and the
auditor's pages: the audit trail with filters, its CSV export and the chain's verification.

Only auditors reach the audit pages (core.audit_trail.auditor_scope); anyone else gets 404, as for
any object they may not see. An auditor reads the events of their subtree, payloads included, and
no case page.

core knows nothing about memberships, so whether a user may see case data at all is a hook that
the organisation app fills in (organisation.views.HomeView).
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
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
from core.inbox import InboxItem, counts_by_kind, inbox_for
from core.models import Notification
from core.notifications import notification_mark_all_read, notification_mark_read, notifications_for


def kind_summary(items: list[InboxItem]) -> list[dict]:
    """Return one row per kind (label, count, overdue count), in the order the kinds first appear."""
    counts = counts_by_kind(items)
    rows: dict[str, dict] = {}
    for item in items:
        row = rows.setdefault(
            item.kind, {"kind": item.kind, "label": item.kind_label, "count": counts[item.kind], "overdue": 0}
        )
        if item.is_overdue:
            row["overdue"] += 1
    return list(rows.values())


class InboxView(LoginRequiredMixin, TemplateView):
    """Show what waits for the user, overdue first."""

    template_name = "core/inbox.html"

    def may_read_case_data(self, user) -> bool:
        """Return whether the user works on case data; the organisation app decides."""
        return True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.may_read_case_data(self.request.user):
            context.update(no_case_access=True, items=[], kinds=[], overdue_count=0)
            return context
        items = inbox_for(self.request.user)
        context.update(
            no_case_access=False,
            items=items,
            kinds=kind_summary(items),
            overdue_count=sum(1 for item in items if item.is_overdue),
        )
        return context


class NotificationListView(LoginRequiredMixin, TemplateView):
    """The user's own notifications, newest first, a page at a time (keyset: `?before=<id>`)."""

    template_name = "core/notifications.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notifications = notifications_for(self.request.user)
        before = id_or_none(self.request.GET.get("before", ""))
        if before is not None:
            notifications = notifications.filter(pk__lt=before)
        unread_only = self.request.GET.get("unread") == "1"
        if unread_only:
            notifications = notifications.unread()
        page = list(notifications[: self.page_size + 1])
        has_more = len(page) > self.page_size
        page = page[: self.page_size]
        context.update(
            notifications=page,
            unread_only=unread_only,
            older_than=page[-1].pk if has_more else None,
            is_first_page=before is None,
        )
        return context


def _back_to_notifications(request) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = ""
    return HttpResponseRedirect(target or reverse("organisation:notifications"))


class NotificationReadView(LoginRequiredMixin, View):
    """Mark one of the user's notifications read (POST); anyone else's is 404."""

    http_method_names = ["post", "options"]

    def post(self, request, pk: int):
        try:
            notification_mark_read(by=request.user, notification_id=pk)
        except Notification.DoesNotExist:
            raise Http404 from None
        return _back_to_notifications(request)


class NotificationReadAllView(LoginRequiredMixin, View):
    """Mark all the user's notifications read (POST)."""

    http_method_names = ["post", "options"]

    def post(self, request):
        marked = notification_mark_all_read(by=request.user)
        if marked:
            messages.success(
                request,
                ngettext(
                    "%(count)d notification marked read.", "%(count)d notifications marked read.", marked
                )
                % {"count": marked},
            )
        return _back_to_notifications(request)


# --- the audit trail, for auditors only ---------------------------------------------------------

AUDIT_PAGE_SIZE = 50


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
            events = list(queryset[: AUDIT_PAGE_SIZE + 1])
            if len(events) > AUDIT_PAGE_SIZE:
                events = events[:AUDIT_PAGE_SIZE]
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
