"""Forms of the proceeding pages: one per action, each with the fields its service needs.

The forms only parse what was typed; the services decide (consensus, permissions, art 22's
required parts) and their ValidationError is put back on the fields with cases.forms.apply_errors.
Every transition form carries the state the page showed, so a step taken on a stale page answers
409 instead of acting on a proceeding that has moved on. Units are chosen by division code among
the units the step allows (the parties, the user's superior units), so nobody types a code blind.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from jurisdiction.models import HandoverItemKind, PartyPosition, ProceedingKind, ProceedingState


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _unit_choices(units) -> list[tuple[str, str]]:
    return [(unit.code, unit.name) for unit in units]


class ActionForm(forms.Form):
    """A form of the proceeding page; its ids carry the action's name, as several share one page."""

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"id_{action or type(self).__name__.lower()}_%s")
        super().__init__(*args, **kwargs)
        self.action = action


class TransitionForm(ActionForm):
    expected_state = forms.ChoiceField(choices=ProceedingState.choices, widget=forms.HiddenInput)


class ReasonForm(TransitionForm):
    """A transition that needs only a reason (required or not)."""

    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=_textarea(2))

    def __init__(self, *args, required: bool = True, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if label is not None:
            self.fields["reason"].label = label


class PositionForm(ActionForm):
    """A party's position in the consultation (协商): claim, decline or propose another party."""

    unit = forms.CharField(widget=forms.HiddenInput)
    position = forms.ChoiceField(label=_("Position"), choices=PartyPosition.choices, widget=forms.RadioSelect)
    proposed_unit = forms.ChoiceField(
        label=_("Unit proposed to lead"),
        required=False,
        help_text=_("Only when proposing another unit: one of the units taking part."),
    )
    reasons = forms.CharField(label=_("Reasons"), max_length=4000, widget=_textarea(3))

    def __init__(self, *args, parties=(), unit=None, **kwargs):
        if unit is not None:
            kwargs.setdefault("auto_id", f"id_position_{unit.code}_%s")
        super().__init__(*args, action="position", **kwargs)
        self.fields["proposed_unit"].choices = [
            ("", "—"),
            *_unit_choices(party.unit for party in parties if unit is None or party.unit_id != unit.pk),
        ]


class AgreeForm(TransitionForm):
    """Record the agreement the positions show; the lead is the unit every party favours."""

    lead_unit = forms.CharField(widget=forms.HiddenInput, required=False)
    assisting_units = forms.MultipleChoiceField(
        label=_("Assisting units"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Other parties that assist the lead unit (协办)."),
    )
    reason = forms.CharField(
        label=_("Note on the agreement"), required=False, max_length=4000, widget=_textarea(2)
    )

    def __init__(self, *args, parties=(), lead=None, **kwargs):
        super().__init__(*args, action="agree", **kwargs)
        self.lead = lead
        self.fields["assisting_units"].choices = _unit_choices(
            party.unit for party in parties if lead is None or party.unit_id != lead.pk
        )
        if lead is not None:
            self.initial.setdefault("lead_unit", lead.code)


class RequestDesignationForm(TransitionForm):
    """The request to designate (呈请指定管辖): every part MPS-2020 art 22 requires."""

    suspects = forms.CharField(
        label=_("Suspects' details"),
        max_length=4000,
        widget=_textarea(3),
        help_text=_("Name, sex, date of birth, identity number and residence of each suspect."),
    )
    charge = forms.CharField(label=_("Suspected offence"), max_length=120)
    facts = forms.CharField(label=_("Basic facts of the case"), max_length=8000, widget=_textarea(4))
    dispute = forms.CharField(label=_("The dispute"), max_length=4000, widget=_textarea(3))
    reasons = forms.CharField(
        label=_("Reasons for the proposed designation"), max_length=4000, widget=_textarea(3)
    )
    proposed_unit = forms.ChoiceField(label=_("Unit proposed to be designated"), required=False)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, action="request_designation", **kwargs)
        self.fields["proposed_unit"].choices = [("", "—"), *_unit_choices(party.unit for party in parties)]


class TakeUpForm(ReasonForm):
    superior_unit = forms.ChoiceField(label=_("Designating superior"))
    field_order = ["superior_unit", "reason"]

    def __init__(self, *args, superiors=(), **kwargs):
        super().__init__(*args, action="take_up", label=_("Why the superior designates directly"), **kwargs)
        self.fields["superior_unit"].choices = _unit_choices(superiors)


class DecisionDraftForm(ActionForm):
    """Draft (or rewrite) the 指定管辖决定书 at the designating superior."""

    lead_unit = forms.ChoiceField(label=_("Unit to designate"))
    reason = forms.CharField(label=_("Reasons for the designation"), max_length=4000, widget=_textarea(3))

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, action="decision_draft", **kwargs)
        self.fields["lead_unit"].choices = _unit_choices(party.unit for party in parties)


class PrepareTransferForm(ReasonForm):
    lead_unit = forms.CharField(
        label=_("Unit the case is transferred to (division code)"),
        max_length=6,
        widget=forms.TextInput(attrs={"list": "jurisdiction-candidates", "inputmode": "numeric"}),
    )
    field_order = ["lead_unit", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, action="prepare_transfer", label=_("Reason for the transfer"), **kwargs)

    def clean_lead_unit(self):
        code = self.cleaned_data["lead_unit"].strip()
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("Give a six-digit division code."))
        return code


class HandoverItemForm(ActionForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=HandoverItemKind.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.CharField(label=_("Quantity"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, action="handover_add", **kwargs)


class HandoverConfirmForm(ActionForm):
    """Sign the list as shown: the digest makes a list changed since then a conflict, not a signature."""

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, action="handover_confirm", **kwargs)


class ComplainantsNotifiedForm(ActionForm):
    note = forms.CharField(
        label=_("How and when the complainants were told"),
        max_length=2000,
        widget=_textarea(2),
        help_text=_("In writing, within 3 days of the transfer (MPS-2020 art 184)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, action="complainants_notified", **kwargs)


class DocumentStepForm(ActionForm):
    """One step of a document's approval chain: a button, or the reason when sending it back."""

    expected_state = forms.CharField(widget=forms.HiddenInput, max_length=16)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=4000, widget=_textarea(2))

    def __init__(self, *args, document=None, step: str = "", **kwargs):
        if document is not None:
            kwargs.setdefault("auto_id", f"id_document_{document.pk}_{step}_%s")
        super().__init__(*args, action="document_step", **kwargs)
        self.document = document
        self.step = step
        if step == "send_back":
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        if document is not None:
            self.initial.setdefault("expected_state", document.state)


class OpenForm(forms.Form):
    """Open a proceeding on a case from its page: a consultation (协商) or a transfer (移送)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ProceedingKind.choices,
        initial=ProceedingKind.DISPUTE,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why the jurisdiction is in question"), max_length=4000, widget=_textarea(3)
    )
    extra_units = forms.CharField(
        label=_("Other units taking part (division codes, separated by spaces)"),
        required=False,
        max_length=200,
        help_text=_(
            "The units the rules find a basis for take part anyway; add a unit that claims the case "
            "on grounds the recorded facts do not show yet."
        ),
        widget=forms.TextInput(attrs={"list": "division-codes"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_open_%s")
        super().__init__(*args, **kwargs)

    def clean_extra_units(self):
        text = self.cleaned_data["extra_units"]
        codes = re.findall(r"\d+", text)
        if any(len(code) != 6 for code in codes):
            raise forms.ValidationError(_("Give six-digit division codes."))
        return list(dict.fromkeys(codes))
