"""The inbox (待办) page, built from the providers in core.inbox.

core knows nothing about memberships, so whether a user may see case data at all is a hook that
the organisation app fills in (organisation.views.HomeView).
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from core.inbox import InboxItem, counts_by_kind, inbox_for


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
