"""Labels for what a meeting's timeline records: its transitions and the changes that are not transitions."""

from django.utils.translation import gettext_lazy as _

TIMELINE_LABELS = {
    # The meeting machine.
    "create": _("Meeting created"),
    "schedule": _("Notice issued and invitations sent"),
    "postpone": _("Postponed"),
    "reschedule": _("New date fixed"),
    "cancel": _("Cancelled"),
    "open_session": _("Session opened"),
    "close": _("Session closed"),
    "start_minutes": _("Drafting of the minutes started"),
    "minutes_circulated": _("Minutes circulated for signature"),
    "minutes_revised": _("Minutes taken back for revision"),
    "minutes_signed": _("Minutes signed by every member"),
    "minutes_published": _("Minutes issued and published"),
    "minutes_reopened": _("Issued minutes reopened for correction"),
    # Changes to the meeting that are not transitions.
    "update": _("Details changed"),
    "duty_handover": _("Duty (轮值) handed over"),
    "participant_add": _("Participant invited"),
    "participant_update": _("Participant changed"),
    "participant_remove": _("Participant removed"),
    "participant_answer": _("Invitation answered"),
    "participant_attendance": _("Attendance recorded"),
    "participant_sequence": _("Invitations updated"),
    "agenda_add": _("Agenda item added"),
    "agenda_update": _("Agenda item changed"),
    "agenda_remove": _("Agenda item removed"),
    "agenda_reorder": _("Agenda reordered"),
    "agenda_outcome": _("Outcome of an agenda item recorded"),
    "briefing_pack_issue": _("Briefing pack issued"),
    # The minutes (their rows are shown on the meeting's timeline).
    "start": _("Minutes started"),
    "circulate": _("Minutes circulated for signature"),
    "revise": _("Minutes taken back for revision"),
    "complete_signing": _("Every member unit signed"),
    "issue": _("Minutes issued (签发)"),
    "correct": _("Issued minutes reopened for correction (更正)"),
    "signoff_signed": _("Minutes signed (会签)"),
    "signoff_commented": _("Minutes returned with comments"),
    # Action items.
    "open": _("Task given by the minutes"),
    "complete": _("Reported done"),
    "withdraw": _("Withdrawn"),
}


def timeline_label(action: str) -> str:
    """Return the reader's label of a timeline action, or the action itself when it has none."""
    return str(TIMELINE_LABELS.get(action, action))
