"""Forms of the case pages: the list filters, intake, places, persons and transitions.

The forms only parse what was typed; the services check it (the GB 11643 check digit, division
codes, phones) and their ValidationError is put back on the forms' fields by `apply_errors`, so a
page shows each error next to its field and keeps everything that was typed.
"""

import re

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models import (
    LOCATION_CITATIONS,
    CaseState,
    Charge,
    FilingReviewOutcome,
    Gender,
    HandlingCode,
    IdType,
    LocationRole,
    Offence,
    PersonRole,
    RefusalGround,
)
from core.citations import render as render_citation
from core.grading import InformationAccuracy, SourceReliability
from core.ids import MAX_INT
from core.words import is_chinese, localized
from organisation.pickers import UnitPickerField


def _all(choices) -> list[tuple[str, str]]:
    return [("", _("All")), *choices]


class CaseFilterForm(forms.Form):
    """The list's filters; the same query string filters the CSV export."""

    q = forms.CharField(
        label=_("Name or number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Part of the name or number")}),
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=_all(CaseState.choices))
    offence = forms.ChoiceField(label=_("Offence"), required=False)
    handling_code = forms.ChoiceField(
        label=_("Handling code"), required=False, choices=_all(HandlingCode.choices)
    )
    year = forms.IntegerField(
        label=_("Year registered"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"placeholder": "2026"}),
    )

    def __init__(self, *args, offences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offence"].choices = _all((offence.code, localized(offence)) for offence in offences)


class CaseCreateForm(forms.Form):
    """Intake (受案登记): what a draft needs; places and persons are added on the case's page."""

    accepting_unit = forms.TypedChoiceField(label=_("Accepting unit"), coerce=int)
    name = forms.CharField(
        label=_("Case name"), max_length=120, help_text=_("For example 4·15 电信网络诈骗案.")
    )
    offence = forms.ModelChoiceField(
        label=_("Offence"),
        queryset=Offence.objects.none(),
        required=False,
        empty_label=_("— choose —"),
        help_text=_("Needed before the case can be registered."),
    )
    # Chosen from the list, grouped by offence grouping: never a typed code.
    charges = forms.MultipleChoiceField(
        label=_("Charges (罪名)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "The charges with their Criminal Law articles. 诈骗罪 under the grouping 电信网络诈骗, or "
            "帮助信息网络犯罪活动罪, brings in the telecom-fraud jurisdiction rules."
        ),
    )
    external_number = forms.CharField(
        label=_("External case number"),
        max_length=64,
        required=False,
        help_text=_("The number in the unit's own records system, if it has one."),
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"),
        choices=HandlingCode.choices,
        initial=HandlingCode.NORMAL,
        help_text=_(
            "Normal: involved units and their superiors see it. Internal: others learn only its number "
            "and unit. Restricted: only the involved units and the lead unit's superiors see it."
        ),
    )
    summary = forms.CharField(
        label=_("Summary of the facts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Needed before the case can be registered."),
    )
    source_reliability = forms.ChoiceField(
        label=_("Source reliability"),
        required=False,
        choices=[("", _("— not graded —")), *SourceReliability.choices],
        help_text=_("How far the source of the information can be trusted (the 4×4 evaluation)."),
    )
    information_accuracy = forms.TypedChoiceField(
        label=_("Information accuracy"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("— not graded —")), *InformationAccuracy.choices],
        help_text=_("How far the information itself is confirmed."),
    )

    def __init__(self, *args, units=(), offences=None, charges=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accepting_unit"].choices = [(unit.pk, unit.name) for unit in units]
        if len(units) == 1:
            self.fields["accepting_unit"].initial = units[0].pk
        self.fields["offence"].queryset = offences if offences is not None else Offence.objects.none()
        # The grouping's English name in English (its name_en), evaluated when the form renders.
        self.fields["offence"].label_from_instance = localized
        self._charges = {charge.code: charge for charge in charges}
        self.fields["charges"].choices = charge_choices(charges)

    def clean_charges(self) -> list[Charge]:
        return [self._charges[code] for code in self.cleaned_data.get("charges") or ()]


def charge_choices(charges) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the charges as select options grouped by offence grouping, each with its article.

    The article reads as the UI language writes it (《中华人民共和国刑法》第二百六十六条 in Chinese).
    """
    language = get_language()
    groups: dict[str, list[tuple[str, str]]] = {}
    for charge in charges:
        group = localized(charge.group) if charge.group_id else _("Other charges")
        article = render_citation(charge.article, language)
        name = localized(charge, language=language)
        shown = f"{name}（{article}）" if is_chinese(language) else f"{name} ({article})"
        groups.setdefault(str(group), []).append((charge.code, shown))
    return list(groups.items())


def _role_choices_with_citations() -> list[tuple[str, str]]:
    choices = []
    for value, label in LocationRole.choices:
        citation = LOCATION_CITATIONS.get(value, "")
        # Evaluated when the form renders, so the citation reads in the page's language.
        shown = render_citation(citation, get_language())
        choices.append((value, f"{label} · {shown}" if citation else label))
    return choices


class LocationForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role of the place"),
        choices=_role_choices_with_citations,
        help_text=_(
            "What makes the place a crime location: art 16 (conduct, result, proceeds), art 17 "
            "(network offences), art 18 (vehicles) of the MPS provisions; for telecom fraud also the "
            "2016 and 2021 opinions."
        ),
    )
    # Picked by the unit's name, pinyin or code (organisation.pickers); a code of a division outside
    # the system is passed on as typed, for the service to accept as outside.
    division_code = UnitPickerField(
        label=_("Division or unit"),
        max_length=12,
        help_text=_(
            "Type a code or a unit's name; a division of another province is accepted as outside the system."
        ),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    occurred = forms.CharField(
        label=_("When"), max_length=100, required=False, help_text=_("A date, a period or a description.")
    )
    is_main = forms.BooleanField(label=_("Main crime location (主要犯罪地)"), required=False)
    # Bounds only (every integer input is bounded); the rules of the numbers are the service's.
    victim_count = forms.IntegerField(
        label=_("Victims at this place"), required=False, min_value=0, max_value=MAX_INT
    )
    loss_amount = forms.DecimalField(
        label=_("Loss at this place (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def to_data(self) -> dict:
        return dict(self.cleaned_data)


_ACCOUNT_LINE = re.compile(r"^(?P<bank>.*?)[\s,，]*(?P<number>[0-9][0-9A-Za-z\- ]{5,})$")


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PersonRole.choices)
    name = forms.CharField(label=_("Full name"), max_length=64)
    id_type = forms.ChoiceField(
        label=_("Identity document"), choices=IdType.choices, initial=IdType.RESIDENT_ID
    )
    id_number = forms.CharField(
        label=_("Identity document number"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "input--code"}),
        help_text=_(
            "For a resident identity card, the 18-character number; its check digit is verified (GB 11643)."
        ),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=Gender.choices,
        initial=Gender.UNKNOWN,
        help_text=_("Taken from the identity card number when left unknown."),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Taken from the identity card number when left empty."),
    )
    household_division_code = UnitPickerField(
        label=_("Household registration division"), max_length=12, required=False
    )
    household_address = forms.CharField(
        label=_("Household registration address"), max_length=200, required=False
    )
    habitual_division_code = UnitPickerField(
        label=_("Habitual residence division"), max_length=12, required=False
    )
    habitual_address = forms.CharField(label=_("Habitual residence address"), max_length=200, required=False)
    habitual_since = forms.DateField(
        label=_("Living there since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A habitual residence counts after one year of continuous living (MPS-2020 art 16)."),
    )
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "input--code"}),
        help_text=_("One per line."),
    )
    bank_accounts = forms.CharField(
        label=_("Bank accounts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "input--code"}),
        help_text=_("One per line: the bank, then the account number (e.g. 工商银行 6222020200112233445)."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_bank_accounts(self):
        # Split each line into the bank and the number; whether it is an account number is the
        # service's rule (a line that is none comes back as one, named in the service's error).
        accounts = []
        for line in self.cleaned_data["bank_accounts"].splitlines():
            line = line.strip()
            if not line:
                continue
            match = _ACCOUNT_LINE.match(line)
            bank, number = (match["bank"].strip(), match["number"].strip()) if match else ("", line)
            accounts.append({"bank": bank, "account_number": number})
        return accounts

    def clean_phones(self):
        return [line.strip() for line in self.cleaned_data["phones"].splitlines() if line.strip()]

    def to_data(self) -> dict:
        return dict(self.cleaned_data)


class ReasonForm(forms.Form):
    """The input of a step that needs a reason (suspend, close, revoke, send a request back): kept on the
    case and its timeline.

    The rule that a reason is given is the case's own (its transition says so, naming `reason`); the
    browser asks for it before sending.
    """

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        # One form for every step with a reason: the help names none of them (it read "to suspend,
        # close or revoke" under sending a request for filing back).
        help_text=_("Required: say why. Kept on the case's timeline."),
    )


class FilingRequestForm(forms.Form):
    """The 呈请立案报告书's own text (MPS-2020 art 178): why the case is to be filed, the facts reviewed.

    That the reasons are given is the case's own rule (its transition names `reasons`).
    """

    reasons = forms.CharField(
        label=_("Reasons for filing"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_(
            "Why there is a criminal fact calling for criminal liability within this organ's jurisdiction "
            "(MPS-2020 art 178)."
        ),
    )
    facts = forms.CharField(
        label=_("Facts found on review"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Left blank, the report gives the case's summary."),
    )


# --- 不予立案 (MPS-2020 arts 178, 179; cases.refusal) --------------------------------------------------


class NotFilingRequestForm(forms.Form):
    """The 呈请不予立案报告书's own text: the ground of MPS-2020 art 178 ¶1 and the facts found on review.

    That both are given is the case's own rule (its transition names `ground` and `facts`).
    """

    ground = forms.ChoiceField(
        label=_("Ground for not filing"),
        required=False,
        choices=[("", "—"), *RefusalGround.choices],
        help_text=_("One of the grounds of MPS-2020 art 178 ¶1."),
    )
    facts = forms.CharField(
        label=_("Facts found on review"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("What the review found, on which the decision rests."),
    )


class NoticeServedForm(forms.Form):
    """The service (送达) of the 不予立案通知书 on the complainants (MPS-2020 art 178 ¶2)."""

    served_on = forms.DateField(
        label=_("Served on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "required": True}),
        help_text=_(
            "The day the complainants received the notice: their 7 days to apply for 复议 run from it."
        ),
    )
    note = forms.CharField(
        label=_("How it was served"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: handed to the complainant, who signed the copy for the file."),
    )


class FilingReviewApplicationForm(forms.Form):
    """A complainant's application for 复议 of a 不予立案 (MPS-2020 art 179 ¶1)."""

    applicant = forms.CharField(
        label=_("Applicant (控告人)"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"required": True}),
        help_text=_("The complainant who applies, as recorded among the case's persons."),
    )
    received_on = forms.DateField(
        label=_("Application received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "required": True}),
        help_text=_("The decision is due within 30 days of this day (MPS-2020 art 179)."),
    )


class SuperiorReviewApplicationForm(FilingReviewApplicationForm):
    """A complainant's application to the superior organ for 复核 (MPS-2020 art 179 ¶2)."""

    decision_received_on = forms.DateField(
        label=_("复议 decision received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "required": True}),
        help_text=_("The 复核 is applied for within 7 days of this day (MPS-2020 art 179 ¶2)."),
    )


class FilingReviewExtensionForm(forms.Form):
    """The extension of a 复议 or 复核 in a major or complex case (MPS-2020 art 179 ¶3)."""

    reason = forms.CharField(
        label=_("Why the case is major or complex"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )
    notice = forms.CharField(
        label=_("How the applicant was told in writing"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )


class FilingReviewDecisionForm(forms.Form):
    """The decision on a 复议 or 复核: the 不予立案 upheld or revoked, with the reasons (art 179)."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", "—"), *FilingReviewOutcome.choices],
    )
    reason = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )
