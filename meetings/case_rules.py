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


def meetings_readable(user, ids: list[str]) -> list[int]:
    """Return the ids among `ids` of the meetings the user sees."""
    from meetings.selectors import meeting_visible_to

    wanted = [int(pk) for pk in ids if pk.isdigit()]
    return list(meeting_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


def action_items_readable(user, ids: list[str]) -> list[int]:
    """Return the ids of the action items the user sees whose task it may read now (case_text)."""
    from meetings.case_text import hidden_decisions
    from meetings.selectors import action_items_visible_to

    wanted = [int(pk) for pk in ids if pk.isdigit()]
    items = list(action_items_visible_to(user).filter(pk__in=wanted).select_related("resolution"))
    # Reading a task through an access grant is audited, as on every other path (issue 16, leak 8).
    hidden = hidden_decisions(user, [item.resolution for item in items], path="notifications")
    return [item.pk for item in items if item.resolution_id not in hidden]


def register() -> None:
    from core import notifications
    from meetings.models import AgendaItem

    case_data_rule(AgendaItem, shows=(), stored_text=("title", "summary"), visible_to=agenda_items_visible_to)
    # A notification about a task is read only while the task is (core.notifications).
    notifications.register_concern_type("meetings.actionitem", action_items_readable)
    notifications.register_concern_url("meetings:action-item", "meetings.actionitem")
    # A meeting's notifications (minutes to draft, sign or issue) are read while the meeting is.
    notifications.register_concern_type("meetings.jointmeeting", meetings_readable)
    notifications.register_concern_url("meetings:detail", "meetings.jointmeeting")
    # The jurisdiction pages a notification links to name their object too; their types are read
    # under their cases.visibility rules. Declared here until jurisdiction's ready() declares them.
    notifications.register_concern_url(
        "jurisdiction:proceeding-detail", "jurisdiction.jurisdictionproceeding"
    )
    notifications.register_concern_url("mergers:detail", "jurisdiction.mergerproposal")
