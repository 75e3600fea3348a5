"""The read rule of the meetings' objects that show case data (cases.visibility, issue 16).

An agenda item names its matter by reference, not by a case foreign key; its `title` and `summary`
columns are the stored text the rule declares: they are never shown as stored for a matter, but
composed when read from what the viewer may see of each case now (meetings.agenda.agenda_display).
The rows themselves are those of the meetings the user sees.
"""

from cases.visibility import case_data_rule


def agenda_items_visible_to(user):
    """Return the agenda items of the meetings the user sees (their case text is composed per viewer)."""
    from meetings.models import AgendaItem
    from meetings.selectors import meeting_visible_to

    return AgendaItem.objects.filter(meeting__in=meeting_visible_to(user).values("pk"))


def register() -> None:
    from meetings.models import AgendaItem

    case_data_rule(AgendaItem, shows=(), stored_text=("title", "summary"), visible_to=agenda_items_visible_to)
