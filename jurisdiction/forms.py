"""Forms of jurisdiction proceedings: each step's one input (page and API), and the page's other forms.

The forms only parse what was typed; the services decide (consensus, permissions, art 22's
required parts) and their ValidationError is put back on the fields (core.pages.apply_errors). A
step's form is declared with its step (jurisdiction.steps); the page adds the state it showed, so a
step taken on a stale page answers 409 instead of acting on a proceeding that has moved on. Units
are offered by division code among the units the step allows (the parties, the superiors), so
nobody types a code blind.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from jurisdiction import presenters, selectors
from jurisdiction.models import HandoverItemKind, PartyPosition, ProceedingKind
from organisation.pickers import MultiUnitPickerField, UnitPickerField


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _unit_choices(units) -> list[tuple[str, str]]:
    return [(unit.code, unit.name) for unit in units]


class ActionForm(forms.Form):
    """A form of the proceeding page that is no step of the machine; its ids carry the action's name."""

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"id_{action or type(self).__name__.lower()}_%s")
        super().__init__(*args, **kwargs)
        self.action = action


class UnitCodesField(forms.MultipleChoiceField):
    """Division codes, several: the page offers the parties as boxes, the service checks each code.

    Only the shape is parsed here (a list of texts); whether a code names a party is the service's
    rule, said in its own words (one validation layer).
    """

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value) -> bool:
        return True


# --- the steps' input (jurisdiction.steps): one form per step, for the page and the API alike ----------

# The reason or note of a step, as the API took it: up to 2000 characters.
REASON_MAX_LENGTH = 2000
REASON_HELP = _(
    "The reason or note of the step; required to send back, return, take up, prepare a transfer and withdraw."
)


def _reason(label, *, required: bool, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=REASON_MAX_LENGTH,
        widget=_textarea(2),
        help_text=help_text,
    )


class AgreeForm(forms.Form):
    """Record the agreement the positions show; the lead is the unit every party favours."""

    takes_instance = True

    lead_unit = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        help_text=_(
            "agree: division code of the unit the positions agree on (checked); prepare_transfer: the "
            "unit the case is transferred to."
        ),
    )
    assisting_units = UnitCodesField(
        label=_("Assisting units"),
        required=False,
        help_text=_("Other parties that assist the lead unit (协办)."),
    )
    reason = _reason(_("Note on the agreement"), required=False, help_text=REASON_HELP)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        parties = selectors.parties_of(instance) if instance is not None else []
        lead = selectors.consensus_lead(instance) if instance is not None else None
        self.fields["assisting_units"].choices = _unit_choices(
            party.unit for party in parties if lead is None or party.unit_id != lead.pk
        )
        self.fields["reason"].help_text = (
            _("The positions agree on %(unit)s; its legal department reviews the agreement next.")
            % {"unit": lead.name}
            if lead is not None
            else ""
        )
        if lead is not None:
            self.initial.setdefault("lead_unit", lead.code)


class ReviewNoteForm(forms.Form):
    reason = _reason(_("Review note"), required=False)


class SendBackAgreementForm(forms.Form):
    reason = _reason(_("Why the agreement goes back"), required=True)


class RequestDesignationForm(forms.Form):
    """The request to designate (呈请指定管辖), prefilled from the case.

    Every part art 22 requires is the service's to require, each named where it is missing.
    """

    takes_instance = True

    suspects = forms.CharField(
        label=_("Suspects' details"),
        required=False,
        max_length=4000,
        widget=_textarea(3),
        help_text=_("Name, sex, date of birth, identity number and residence of each suspect."),
    )
    charge = forms.CharField(label=_("Suspected offence"), required=False, max_length=120)
    facts = forms.CharField(
        label=_("Basic facts of the case"), required=False, max_length=8000, widget=_textarea(4)
    )
    dispute = forms.CharField(label=_("The dispute"), required=False, max_length=4000, widget=_textarea(3))
    reasons = forms.CharField(
        label=_("Reasons for the proposed designation"), required=False, max_length=4000, widget=_textarea(3)
    )
    proposed_unit = forms.CharField(
        label=_("Unit proposed to be designated"),
        required=False,
        max_length=6,
        widget=forms.Select,
        help_text=_("request_designation: division code of the unit proposed to lead."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        parties = selectors.parties_of(instance) if instance is not None else []
        self.fields["proposed_unit"].widget.choices = [("", "—"), *_unit_choices(p.unit for p in parties)]
        self.fields["proposed_unit"].help_text = ""
        if instance is not None and not self.is_bound:
            case = instance.case
            self.initial.setdefault("suspects", presenters.suspects_text(case))
            self.initial.setdefault("charge", presenters.charge_text(case))
            self.initial.setdefault("facts", case.summary)
            self.initial.setdefault("dispute", presenters.dispute_text(parties))


class ForwardForm(forms.Form):
    reason = _reason(_("Note"), required=False)


class ReturnDesignationForm(forms.Form):
    reason = _reason(_("Why the request is returned"), required=True)


class TakeUpForm(forms.Form):
    """Take the matter up at a superior of every party; the page offers the reader's own such units."""

    takes_instance = True

    superior_unit = forms.CharField(
        label=_("Designating superior"),
        required=False,
        max_length=6,
        widget=forms.Select,
        help_text=_("take_up: division code of the superior taking the matter up."),
    )
    reason = _reason(_("Why the superior designates directly"), required=True)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        superiors = presenters.common_superiors(instance) if instance is not None else []
        self.fields["superior_unit"].widget.choices = _unit_choices(superiors)
        self.fields["superior_unit"].help_text = ""


class PrepareTransferForm(forms.Form):
    # Picked by name, pinyin or code (organisation.pickers), cleaned to the six-digit code the API takes.
    lead_unit = UnitPickerField(
        label=_("Unit the case is transferred to"),
        max_length=6,
        help_text=_("Type the unit's name, its pinyin or its division code."),
    )
    reason = _reason(_("Reason for the transfer"), required=True)

    def clean_lead_unit(self):
        code = self.cleaned_data["lead_unit"].strip()
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("Give a six-digit division code."))
        return code


class WithdrawForm(forms.Form):
    reason = _reason(_("Why the proceeding is withdrawn"), required=True)


# --- the page's other forms: positions, the decision, the handover list ----------------------------


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


class DecisionDraftForm(ActionForm):
    """Draft (or rewrite) the 指定管辖决定书 at the designating superior."""

    lead_unit = forms.ChoiceField(label=_("Unit to designate"))
    reason = forms.CharField(label=_("Reasons for the designation"), max_length=4000, widget=_textarea(3))

    def __init__(self, *args, parties=(), designable=(), **kwargs):
        super().__init__(*args, action="decision_draft", **kwargs)
        # The parties first, then the superior itself and every other active unit under it: the
        # superior may designate any of them, or take the case itself (MPS-2020 arts 22, 24).
        party_units = [party.unit for party in parties]
        codes = {unit.code for unit in party_units}
        others = [unit for unit in designable if unit.code not in codes]
        self.fields["lead_unit"].choices = _unit_choices([*party_units, *others])


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


class FamilyNotifiedForm(ActionForm):
    note = forms.CharField(
        label=_("How and when the family was told"),
        max_length=2000,
        widget=_textarea(2),
        help_text=_("The suspect is in custody: the family is told of the transfer (MPS-2020 art 184)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, action="family_notified", **kwargs)


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
    # Picked by name, pinyin or code, several (organisation.pickers), cleaned to distinct codes.
    extra_units = MultiUnitPickerField(
        label=_("Other units taking part"),
        required=False,
        help_text=_(
            "The units the rules find a basis for take part anyway; add a unit that claims the case "
            "on grounds the recorded facts do not show yet."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_open_%s")
        super().__init__(*args, **kwargs)

    def clean_extra_units(self):
        codes = self.cleaned_data["extra_units"]
        if any(not re.fullmatch(r"\d{6}", code) for code in codes):
            raise forms.ValidationError(_("Give six-digit division codes."))
        return codes
