"""Forms of the meeting pages: one per action, each with the fields its service needs.

The forms only parse what was typed; the services decide (permissions, guards, rotation, sign-off
rules, times in order, a guest's name, a topic's title) and their ValidationError is put back on the
fields with core.pages.apply_errors. The steps' forms (meetings.steps) are shown with the state the
page showed (core.pages), so a step taken on a stale page answers 409 instead of acting on a meeting
that has moved on. Times are typed in local time (Asia/Shanghai, TIME_ZONE) and stored in UTC.
"""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from core.ids import MAX_ID, MAX_INT, id_or_none
from meetings.models import (
    AgendaOutcome,
    Answer,
    AttendanceRole,
    MeetingKind,
    MeetingParticipant,
    ParticipantKind,
    Presence,
    ResolutionKind,
    SignoffAction,
)
from organisation.models import Role
from organisation.pickers import MultiUnitPickerField, OfficerPickerField, UnitPickerField, resolve_username

PROCEEDING_TARGET = "jurisdiction.proceeding"
ROLE_LABELS = dict(Role.choices)
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class LocalDateTimeField(forms.DateTimeField):
    """A local time that can be stored: 0001-01-01 00:00 in Asia/Shanghai is before year 1 in UTC."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            try:
                # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python parses (core.moments).
                moment = moment.astimezone(dt.UTC)
            except OverflowError:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return moment


def _local_datetime(label, **kwargs) -> forms.DateTimeField:
    return LocalDateTimeField(
        label=label,
        input_formats=LOCAL_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        **kwargs,
    )


class ActionForm(forms.Form):
    """A form of the meeting page; its ids carry the action's name, as several share one page."""

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"id_{action or type(self).__name__.lower()}_%s")
        super().__init__(*args, **kwargs)
        self.action = action


class MeetingForm(ActionForm):
    """A new meeting of a series; the host is the rotation's proposal unless a reason is given."""

    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    host_unit = forms.ChoiceField(label=_("Host unit"))
    rotation_override_reason = forms.CharField(
        label=_("Reason for departing from the rotation"),
        required=False,
        max_length=2000,
        widget=_textarea(2),
        help_text=_("Only when another member than the proposed one hosts."),
    )
    title = forms.CharField(
        label=_("Title"), required=False, max_length=200, help_text=_("Proposed from the series when empty.")
    )
    start_at = _local_datetime(_("Starts at"), required=False)
    end_at = _local_datetime(_("Ends at"), required=False)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Notice text"), required=False, max_length=8000, widget=_textarea(4)
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, action="create", **kwargs)
        self.fields["host_unit"].choices = [(unit.code, unit.name) for unit in members]


class MeetingEditForm(ActionForm):
    """The details of a meeting not yet held; once invited, a change is sent to everyone."""

    expected_sequence = forms.IntegerField(min_value=0, max_value=MAX_INT, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    start_at = _local_datetime(_("Starts at"), required=False)
    end_at = _local_datetime(_("Ends at"), required=False)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Notice text"), required=False, max_length=8000, widget=_textarea(4)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, action="edit", **kwargs)


# --- inputs of the steps (meetings.steps): the page shows them, the API parses its JSON with them ------


class ReasonForm(forms.Form):
    """Why a meeting is postponed or cancelled (the model requires the reason)."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=_textarea(2),
        help_text=_("Required to postpone and to cancel."),
    )


class RevisionReasonForm(forms.Form):
    """Why the minutes are taken back for revision (the model requires the reason)."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=_textarea(2),
        help_text=_("Required to revise."),
    )


class RescheduleForm(forms.Form):
    """The new date of a postponed meeting (the model requires both times, still to come, in order)."""

    start_at = _local_datetime(_("New start"), required=False)
    end_at = _local_datetime(_("New end"), required=False)


class ActionCompleteForm(forms.Form):
    """What was done on an action item (the model requires it)."""

    note = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=4000,
        widget=_textarea(3),
    )


class ActionWithdrawForm(forms.Form):
    """Why an action item is withdrawn (the model requires it)."""

    reason = forms.CharField(
        label=_("Why the task is withdrawn"),
        required=False,
        max_length=2000,
        widget=_textarea(2),
    )


class AnswerForm(ActionForm):
    """The viewer's answer to an invitation (or a liaison officer's record of it)."""

    participant = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    # Not "Answer": its catalogue entry is an assistance request's 补充说明.
    answer = forms.ChoiceField(
        label=_("Will you attend?"),
        choices=[choice for choice in Answer.choices if choice[0] != Answer.NEEDS_ACTION],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for leave"),
        required=False,
        max_length=2000,
        widget=_textarea(2),
        help_text=_("Required to decline (请假事由)."),
    )
    # A colleague of the participant's unit picked by name (organisation.pickers), cleaned to the
    # user name; a user name typed passes unchanged.
    delegate = OfficerPickerField(
        label=_("Delegate"),
        required=False,
        max_length=150,
        help_text=_("To delegate: the colleague of your unit who attends instead (name or pinyin)."),
    )

    def __init__(self, *args, participant_id=None, **kwargs):
        auto_id = f"id_answer_{participant_id}_%s" if participant_id else "id_answer_%s"
        kwargs.setdefault("auto_id", auto_id)
        super().__init__(*args, action="answer", **kwargs)
        if participant_id is not None:
            self.initial.setdefault("participant", participant_id)
            unit_code = (
                MeetingParticipant.objects.filter(pk=participant_id)
                .values_list("unit__code", flat=True)
                .first()
            )
            self.fields["delegate"].widget.scope_unit = unit_code or ""

    def clean_delegate(self) -> str:
        # A name resolves among the officers of the participant's unit (the field alone cannot know it).
        text = self.cleaned_data.get("delegate", "")
        participant = self.cleaned_data.get("participant")
        unit_ids = MeetingParticipant.objects.filter(pk=participant, unit__isnull=False).values("unit_id")
        return resolve_username(text, unit_ids) if text and participant else text


class ParticipantAddForm(ActionForm):
    """Invite an officer proposed by the candidate list, or a guest by name."""

    candidate = forms.ChoiceField(label=_("Officer"), required=False)
    external_name = forms.CharField(label=_("Guest's name"), required=False, max_length=64)
    external_affiliation = forms.CharField(label=_("Guest's affiliation"), required=False, max_length=120)
    email = forms.EmailField(label=_("Guest's e-mail"), required=False)
    kind = forms.ChoiceField(label=_("Taking part as"), choices=ParticipantKind.choices)
    attendance_role = forms.ChoiceField(label=_("Attendance"), choices=AttendanceRole.choices)
    is_chair = forms.BooleanField(label=_("Chairs the meeting"), required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, action="participant_add", **kwargs)
        self.fields["candidate"].choices = [("", "—")] + [
            (f"{c.user_id}:{c.unit_id}", f"{c.unit_name} · {c.name} · {ROLE_LABELS.get(c.role, c.role)}")
            for c in candidates
        ]


class ParticipantRemoveForm(ActionForm):
    participant = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class AttendanceForm(ActionForm):
    """The roll call of one participant: present, on leave (with the reason), absent, or a delegate."""

    participant = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    presence = forms.ChoiceField(label=_("Roll call"), choices=Presence.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for leave"),
        required=False,
        max_length=2000,
        help_text=_("On leave only; the reason given when declining stands if left empty."),
    )
    delegate_name = forms.CharField(
        label=_("Who attended in their place"),
        required=False,
        max_length=64,
        help_text=_("A delegate only: their name, unless the delegate invited is the one."),
    )

    def __init__(self, *args, participant=None, **kwargs):
        pk = participant.pk if participant is not None else None
        kwargs.setdefault("auto_id", f"id_attendance_{pk}_%s")
        super().__init__(*args, action="attendance", **kwargs)
        if participant is not None:
            # The row's own id: the hidden field was posted empty without it (issue 20).
            self.initial.setdefault("participant", participant.pk)
            self.initial.setdefault("presence", participant.presence_as_recorded or None)
            self.initial.setdefault("reason", participant.presence_reason)


class AgendaAddForm(ActionForm):
    """Put an open matter of the member units on the agenda, or a free topic."""

    candidate = forms.ChoiceField(label=_("Open matter"), required=False)
    title = forms.CharField(label=_("Free topic"), required=False, max_length=200)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, action="agenda_add", **kwargs)
        self.fields["candidate"].choices = [("", "—")] + [
            (f"{c.source_kind}|{c.target_id}", f"{c.title} · {c.state_label}") for c in candidates
        ]


class AgendaOutcomeForm(ActionForm):
    item = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[choice for choice in AgendaOutcome.choices if choice[0]]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=_textarea(2))

    def __init__(self, *args, item_id=None, **kwargs):
        kwargs.setdefault("auto_id", f"id_outcome_{item_id}_%s")
        super().__init__(*args, action="agenda_outcome", **kwargs)
        if item_id is not None:
            self.initial.setdefault("item", item_id)


class AgendaRemoveForm(ActionForm):
    item = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class ButtonForm(ActionForm):
    """An action that is only a button."""


class MinutesForm(ActionForm):
    opening = forms.CharField(
        label=_("Opening paragraph (导语)"),
        required=False,
        max_length=8000,
        widget=_textarea(4),
        help_text=_("Time, place, host, chair and topics of the meeting."),
    )
    closing = forms.CharField(
        label=_("Closing paragraph"), required=False, max_length=8000, widget=_textarea(3)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, action="minutes_update", **kwargs)


class SignoffForm(ActionForm):
    """Sign (会签) the circulated version for a member unit, or return it with comments."""

    unit = forms.ChoiceField(label=_("For the member unit"))
    action = forms.ChoiceField(label=_("Decision"), choices=SignoffAction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=4000,
        widget=_textarea(2),
        help_text=_("Required to return the minutes with comments."),
    )
    digest = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, action="signoff", **kwargs)
        self.fields["unit"].choices = [(unit.code, unit.name) for unit in units]


class ResolutionForm(ActionForm):
    """A decision (议定事项) of the minutes, typed so that it can act once they are issued."""

    kind = forms.ChoiceField(label=_("Kind of decision"), choices=ResolutionKind.choices)
    text = forms.CharField(label=_("Text as printed"), max_length=8000, widget=_textarea(3))
    agenda_item = forms.TypedChoiceField(label=_("Agenda item"), required=False, coerce=int, empty_value=None)
    proceeding = forms.TypedChoiceField(
        label=_("Jurisdiction proceeding"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Jurisdiction decisions only: the dispute as it stands on this meeting's agenda "
            "(put it on the agenda first)."
        ),
    )
    # Units are picked by name, pinyin or code (organisation.pickers): a member's subtree runs to
    # hundreds of units, too many for a list; the service checks that the unit lies within one.
    lead_unit = UnitPickerField(
        label=_("Lead unit"),
        required=False,
        max_length=12,
        help_text=_("Jurisdiction decisions only: a unit of a member or below one, by name, pinyin or code."),
    )
    assisting_units = MultiUnitPickerField(
        label=_("Assisting units"),
        required=False,
        help_text=_(
            "Jurisdiction decisions only: units of the members or below them, by name, pinyin or code."
        ),
    )
    owner_unit = UnitPickerField(
        label=_("Unit responsible"),
        required=False,
        max_length=12,
        help_text=_("Action items only: a unit of a member or below one, by name, pinyin or code."),
    )
    task = forms.CharField(label=_("Task"), required=False, max_length=4000, widget=_textarea(2))
    due_in_days = forms.IntegerField(label=_("Due within days"), required=False, min_value=1, max_value=365)
    due_on = forms.DateField(
        label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    normative_title = forms.CharField(
        label=_("Title of the normative document"), required=False, max_length=200
    )
    normative_text = forms.CharField(
        label=_("Text of the normative document"), required=False, widget=_textarea(4)
    )
    repeals = forms.MultipleChoiceField(
        label=_("Repeals"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Normative documents only: the series' documents in force that this one replaces."),
    )

    def __init__(self, *args, agenda_rows=(), normative_in_force=(), **kwargs):
        super().__init__(*args, action="resolution_add", **kwargs)
        self.fields["repeals"].choices = [(str(entry.pk), entry.title) for entry in normative_in_force]
        # Each item by its title as this user may read it (meetings.agenda.agenda_display).
        self.fields["agenda_item"].choices = [("", "—")] + [
            (str(row.item.pk), f"{row.item.position}. {row.title}") for row in agenda_rows
        ]
        # The proceedings a decision can name are the disputes on the agenda, by their agenda title
        # (the viewer need not be a party to see what the agenda says of it).
        self.fields["proceeding"].choices = [("", "—")] + [
            (row.item.target_id, f"{row.item.position}. {row.title}")
            for row in agenda_rows
            if row.item.target_type == PROCEEDING_TARGET and id_or_none(row.item.target_id) is not None
        ]


class ResolutionTargetForm(ActionForm):
    resolution = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
