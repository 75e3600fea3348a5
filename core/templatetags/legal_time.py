"""Deadlines as officers read them, the same on every page: "2026-12-07 24:00", "9 days 7 hours"."""

from django import template
from django.utils import timezone
from django.utils.translation import ngettext

from core.deadline_rows import duration_text
from core.deadlines import Period, Unit, format_due

register = template.Library()


@register.filter
def legal_due(due_at):
    """Write the end of a period with 24:00 for a day's end (CPL-2018 art 105), in Asia/Shanghai."""
    return format_due(due_at) if due_at else ""


@register.filter
def time_left(due_at):
    """Say the time until `due_at`, or since it when overdue, in days and hours."""
    if not due_at:
        return ""
    return duration_text(abs(due_at - timezone.now()))


_PERIOD_WORDS = {
    Unit.HOURS: lambda n: ngettext("%(count)d hour", "%(count)d hours", n),
    Unit.DAYS: lambda n: ngettext("%(count)d day", "%(count)d days", n),
    Unit.WORKING_DAYS: lambda n: ngettext("%(count)d working day", "%(count)d working days", n),
    Unit.MONTHS: lambda n: ngettext("%(count)d month", "%(count)d months", n),
    Unit.YEARS: lambda n: ngettext("%(count)d year", "%(count)d years", n),
}


@register.filter
def period_words(text):
    """Say a stored period such as "7 days" in the active language; leave anything else as it is."""
    try:
        period = Period.parse(str(text))
    except ValueError:
        return text
    return _PERIOD_WORDS[period.unit](period.amount) % {"count": period.amount}
