"""Deadlines as officers read them, the same on every page: "2026-12-07 24:00", "9 days 7 hours"."""

from django import template
from django.utils import timezone

from core.deadline_rows import duration_text
from core.deadlines import format_due

register = template.Library()


@register.filter
def legal_due(due_at):
    """Write the end of a period with 24:00 for a day's end (CPL art 105), in Asia/Shanghai."""
    return format_due(due_at) if due_at else ""


@register.filter
def time_left(due_at):
    """Say the time until `due_at`, or since it when overdue, in days and hours."""
    if not due_at:
        return ""
    return duration_text(abs(due_at - timezone.now()))
