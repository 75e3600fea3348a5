"""Forms of the bulletin pages: a new bulletin with a target picker, its attachments, and the
recipients' answers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bulletins.models import BulletinKind, BulletinUrgency
from bulletins.targets import PRESETS
from cases.models import HandlingCode
from core import grading
from organisation.pickers import MultiUnitPickerField


def source_reliability_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Source reliability"),
        choices=[("", _("Not graded")), *list(grading.SourceReliability.choices)],
        required=False,
    )


def information_accuracy_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Information accuracy"),
        choices=[("", _("Not graded")), *list(grading.InformationAccuracy.choices)],
        coerce=int,
        empty_value=None,
        required=False,
    )


class BulletinForm(forms.Form):
    issuing_unit = forms.ChoiceField(label=_("Issuing unit"))
    kind = forms.ChoiceField(label=_("Kind"), choices=BulletinKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    preset = forms.ChoiceField(
        label=_("Send to"),
        choices=[("", _("The units listed below"))] + [(key, p.label) for key, p in PRESETS.items()],
        required=False,
    )
    # Picked by name, pinyin or code, several (organisation.pickers), cleaned to distinct codes.
    units = MultiUnitPickerField(
        label=_("Also these units"),
        required=False,
        help_text=_(
            "Type a unit's name, its pinyin or its division code and choose it; add as many as needed."
        ),
    )
    handling_code = forms.ChoiceField(label=_("Handling code"), choices=HandlingCode.choices)
    source_reliability = source_reliability_field()
    information_accuracy = information_accuracy_field()
    urgency = forms.ChoiceField(label=_("Urgency"), choices=BulletinUrgency.choices)
    ack_within_hours = forms.IntegerField(
        label=_("Acknowledge within (hours)"),
        required=False,
        min_value=1,
        max_value=24 * 366,
        help_text=_("Empty: 8 hours when extra urgent, 24 when urgent, one week otherwise."),
    )
    result_within_days = forms.IntegerField(
        label=_("Report a result within (days, directives)"), required=False, min_value=1, max_value=366
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuing_unit"].choices = [(unit.code, unit.name) for unit in units]

    def target_spec(self, issuing_unit) -> dict:
        preset = self.cleaned_data.get("preset")
        spec = PRESETS[preset].spec(issuing_unit) if preset else {}
        codes = self.cleaned_data.get("units") or []
        if codes:
            spec = {**spec, "units": codes}
        return spec


class ReasonForm(forms.Form):
    """The input of closing or withdrawing a bulletin (withdrawing needs the reason: the model says so)."""

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportForm(forms.Form):
    """The input of a recipient's report (the model requires the text, naming the field)."""

    result = forms.CharField(
        label=_("What your unit found or did"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label=_("Description"),
        max_length=120,
        help_text=_("What the file shows, e.g. a photo of the suspect or of the stolen goods."),
    )
    file = forms.FileField(label=_("File (PDF, JPEG, PNG, TIFF)"))
    # The 4×4 evaluation of what the file shows (DOMAIN.md §4 [S]); optional, as on the bulletin.
    source_reliability = source_reliability_field()
    information_accuracy = information_accuracy_field()

    def __init__(self, *args, **kwargs):
        # Its own ids: the detail page holds other forms whose fields would otherwise share them.
        kwargs.setdefault("auto_id", "attachment_%s")
        super().__init__(*args, **kwargs)
