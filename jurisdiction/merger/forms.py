"""Forms of merger proposals (并案侦查, MPS-2020 art 21(2)): propose a merger, and each step's input.

The forms only parse what was typed; jurisdiction.merger.services decides (grounds, reasons, who may
act) and its ValidationError is put back on the fields. A step's form is the one input of the step
for the page and the API alike (jurisdiction.merger.steps); the page adds the state it showed, so a
step taken on a stale page answers 409 instead of acting on a proposal that moved on.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from jurisdiction.models import MergerGround

INTO_THIS = "into_this"
INTO_OTHER = "into_other"
DIRECTIONS = [
    (INTO_THIS, _("The other case is merged into this case (this case's unit leads)")),
    (INTO_OTHER, _("This case is merged into the other case (the other case's unit leads)")),
]


class ProposeForm(forms.Form):
    """Propose to investigate two cases together: the other case, which survives, the ground, reasons."""

    other = forms.ChoiceField(
        label=_("Related case"),
        required=False,
        help_text=_("From the possible related cases of this case (串并案线索)."),
    )
    other_number = forms.CharField(
        label=_("Or the case number"),
        required=False,
        max_length=40,
        help_text=_("The number of a case you can see, or one a related-case notice gave you."),
    )
    direction = forms.ChoiceField(
        label=_("Which case survives"), choices=DIRECTIONS, initial=INTO_THIS, widget=forms.RadioSelect
    )
    ground = forms.ChoiceField(
        label=_("Ground (MPS-2020 art 21(2))"), choices=MergerGround.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The facts that make the ground out: the shared suspect, the joint crime, the links."),
    )

    def __init__(self, *args, candidates=(), **kwargs):
        kwargs.setdefault("auto_id", "id_merger_%s")
        super().__init__(*args, **kwargs)
        if candidates:
            self.fields["other"].choices = [("", "—"), *[(str(c.match.pk), c.label) for c in candidates]]
        else:
            del self.fields["other"]
            self.fields["other_number"].label = _("Case number")

    @property
    def other_field(self) -> str:
        """The field naming the other case: the list if it was used, the number otherwise."""
        return "other" if self.cleaned_data.get("other") else "other_number"

    def clean(self):
        cleaned = super().clean()
        chosen, number = cleaned.get("other"), (cleaned.get("other_number") or "").strip()
        cleaned["other_number"] = number
        field = "other" if "other" in self.fields else "other_number"
        if chosen and number:
            self.add_error(field, _("Choose a related case or type a case number, not both."))
        elif not chosen and not number:
            self.add_error(field, _("Choose the other case."))
        return cleaned


# The reason of a step, as the API took it: up to 4000 characters.
REASON_MAX_LENGTH = 4000


def _reason(label, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConsentForm(forms.Form):
    reason = _reason(_("Response"), required=False)


class DeclineForm(forms.Form):
    reason = _reason(_("Reasons for declining"), required=True)


class ApproveForm(forms.Form):
    reason = _reason(_("Review note"), required=False)


class RejectForm(forms.Form):
    reason = _reason(_("Reasons for rejecting"), required=True)


class WithdrawForm(forms.Form):
    reason = _reason(_("Why the proposal is withdrawn"), required=True)
