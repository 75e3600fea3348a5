"""Forms of assistance requests: the request itself, its documents and follow-up, and each step's input.

Forms parse and shape what a page (or, for a step, the API's JSON body) sends; the services decide
whether it is acceptable, so a rule lives in one place. A step's form (cases.assistance.steps) is the
one input of that step for the page and the API alike (core.api.step_input).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.assistance.models import (
    DOCUMENT_TYPE_CHOICES,
    FREEZE_SCOPE_CHOICES,
    KIND_CHOICES,
    PERIOD_RULES,
    URGENCY_CHOICES,
    CustodyEventKind,
    Defect,
    PropertyMeasureKind,
    RequestState,
)
from cases.assistance_kinds import KINDS, AssistanceKind
from cases.models import CasePerson
from cases.selectors import case_visible_to
from core.grading import InformationAccuracy, SourceReliability
from core.moments import MomentField
from organisation.models import Department, Unit
from organisation.pickers import OfficerPickerField, UnitPickerField

# --- lists and the request --------------------------------------------------------------------


class FilterForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("All")), ("incoming", _("Incoming")), ("outgoing", _("Outgoing"))],
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *RequestState.choices]
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *KIND_CHOICES])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


def _unit_by_code(code: str) -> Unit:
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise ValidationError(_("No unit has this division code."))
    return unit


class FirstResponseFields(forms.Form):
    """The first-response exception to the dispute guard (公通字〔2020〕6号 no. 3), on both request forms."""

    first_response_urgent = forms.BooleanField(
        label=_("First-response emergency (先期处置)"),
        required=False,
        help_text=_(
            "While the case's jurisdiction is disputed, no party (the unit that first accepted it included) "
            "sends officers or a coercive request into another area, except a first-response measure "
            "(先期处置) recorded with its reason (公通字〔2020〕6号 no. 3)."
        ),
    )
    first_response_reason = forms.CharField(
        label=_("Why the measure cannot wait"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FreezeScopeField(forms.Form):
    """What a freeze reaches (MPS-2020 arts 239, 243–245): it sets whose head approves the request."""

    freeze_scope = forms.ChoiceField(
        label=_("Property to freeze"),
        required=False,
        choices=[("", "—"), *FREEZE_SCOPE_CHOICES],
        help_text=_(
            "A freeze only. Equity, insurance rights or a one-year deposit freeze need a city-level head, "
            "listed-company equity a provincial one (MPS-2020 arts 239, 243)."
        ),
    )


class RequestForm(FreezeScopeField, FirstResponseFields):
    case = forms.ModelChoiceField(label=_("Case"), queryset=None)
    # Picked by name, pinyin or code (organisation.pickers); cleaned to the code, as before.
    requested_unit = UnitPickerField(
        label=_("Requested unit"),
        max_length=6,
        help_text=_("Type the unit's name, its pinyin or its division code, e.g. 昆明 or kunming."),
    )
    kind = forms.ChoiceField(label=_("Kind of assistance"), choices=KIND_CHOICES)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=URGENCY_CHOICES, initial="normal")
    matters = forms.CharField(label=_("Matters requested"), widget=forms.Textarea(attrs={"rows": 4}))
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["case", "requested_unit", "kind", "urgency", "matters", "legal_basis"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = case_visible_to(user).exclude(state="draft").order_by("-id")

    def clean_requested_unit(self):
        return _unit_by_code(self.cleaned_data["requested_unit"])


class RequestEditForm(FreezeScopeField, FirstResponseFields):
    kind = forms.ChoiceField(label=_("Kind of assistance"), choices=KIND_CHOICES)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=URGENCY_CHOICES)
    requested_unit = UnitPickerField(
        label=_("Requested unit"),
        max_length=6,
        help_text=_("Type the unit's name, its pinyin or its division code, e.g. 昆明 or kunming."),
    )
    subjects = forms.ModelMultipleChoiceField(
        label=_("Persons concerned"),
        queryset=CasePerson.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    matters = forms.CharField(label=_("Matters requested"), widget=forms.Textarea(attrs={"rows": 4}))
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["kind", "urgency", "requested_unit", "subjects", "matters", "legal_basis"]

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = CasePerson.objects.filter(case_id=target.case_id).order_by("pk")
        if target.state == RequestState.RETURNED:
            # Resubmission skips the approver: what is asked, of whom and on what grounds stays as approved.
            for name in ("kind", "requested_unit"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("A returned request keeps its kind and requested unit.")
            self.fields["freeze_scope"].disabled = True
            self.fields["freeze_scope"].help_text = _("A returned request keeps what it freezes.")
            for name in ("first_response_urgent", "first_response_reason"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "A returned request keeps its first-response flag and reason."
                )

    def clean_requested_unit(self):
        return _unit_by_code(self.cleaned_data["requested_unit"])


class UploadForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document"), choices=DOCUMENT_TYPE_CHOICES)
    number = forms.CharField(label=_("Document number"), max_length=64)
    issued_on = forms.DateField(label=_("Date of issue"), widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=_("Scan (PDF, JPEG, PNG, TIFF)"))
    # The 4×4 evaluation of what the attachment says (DOMAIN.md §4 [S]); optional.
    source_reliability = forms.ChoiceField(
        label=_("Source reliability"), required=False, choices=[("", "—"), *SourceReliability.choices]
    )
    information_accuracy = forms.TypedChoiceField(
        label=_("Information accuracy"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *InformationAccuracy.choices],
    )


class LeadForm(forms.Form):
    """A lead forwarded to a third unit (art 349); the service says whether the unit may receive it."""

    to_unit = UnitPickerField(label=_("Unit"), max_length=6)
    matters = forms.CharField(label=_("The lead"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # The service tells an unknown kind (one rule for the page and the API).
    kind = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def clean_to_unit(self):
        return _unit_by_code(self.cleaned_data["to_unit"])

    def clean_kind(self):
        return self.cleaned_data["kind"] or AssistanceKind.WORK_IN_AREA_NOTICE


# --- follow-up ----------------------------------------------------------------------------------


class CustodyForm(forms.Form):
    """The custody event a page records; `kinds` are the events that fit the request's kind."""

    kind = forms.ChoiceField(label=_("Event"), choices=CustodyEventKind.choices)
    occurred_at = MomentField(label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    person_name = forms.CharField(label=_("Person"), max_length=64, required=False)
    officers = forms.CharField(
        label=_("Officers (one name per line; at least two to collect)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The reason a family is not notified (MPS-2020 arts 127, 145) or a summons extended (arts 80,
    # 200): the service requires it for those events, so the page must be able to send it.
    note = forms.CharField(
        label=_("Reason or note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when the family is not notified (the lawful exception) or a summons or compelled "
            "appearance is extended."
        ),
    )

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(kind.value, kind.label) for kind in kinds]

    def clean_officers(self):
        return self.cleaned_data["officers"].splitlines()


class PropertyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PropertyMeasureKind.choices)
    target = forms.CharField(label=_("Account or object"), max_length=200)
    institution = forms.CharField(label=_("Bank or holder"), max_length=128, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))


class RenewForm(forms.Form):
    """The input of renewing a freeze (续冻, art 240); the service checks the period and the kind."""

    starts_on = forms.DateField(
        label=_("Renewed period starts on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to run on from the current expiry."),
    )
    kind = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("As before")), *[(k.value, k.label) for k in PERIOD_RULES]],
    )

    def clean_kind(self):
        return self.cleaned_data["kind"] or None


class ReleaseReasonForm(forms.Form):
    """Asking to lift a measure (the model requires the reason, naming the field)."""

    reason = forms.CharField(
        label=_("Why the measure is to be lifted"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )


class ReleaseForm(forms.Form):
    """Recording a release: a sealed or seized thing is returned to its owner, or announced (art 233).

    A freeze is released by the bank on the notice: the form then asks nothing.
    """

    takes_instance = True

    returned_to = forms.CharField(label=_("Returned to (the owner)"), max_length=200, required=False)
    announced_on = forms.DateField(
        label=_("Owner unknown: public notice on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Owner unknown: the public notice that tells the owner to claim it (MPS-2020 art 233)."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        if instance is not None and instance.is_freeze:
            del self.fields["returned_to"]
            del self.fields["announced_on"]


class UnrelatedForm(forms.Form):
    """Finding property unrelated to the case (the model requires the reason, naming the field)."""

    reason = forms.CharField(
        label=_("Why unrelated"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )


# --- the steps of a request ---------------------------------------------------------------------


class NoteForm(forms.Form):
    """The input every step of a request takes: a note for the record (the API may send one; no page asks)."""

    reason = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The help texts name the step for the API's one input schema (core.api); a page has its labels.
        for field in self.fields.values():
            field.help_text = ""


def _reason(label, *, required: bool = True) -> forms.CharField:
    # The model says when the text is missing (naming the field); the browser asks first.
    attrs = {"rows": 2, **({"required": True} if required else {})}
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs=attrs))


class ReasonForm(NoteForm):
    reason = _reason(_("Reason"))


class QuestionForm(NoteForm):
    reason = _reason(_("Question"))


class AnswerForm(NoteForm):
    reason = _reason(_("Answer"))


class DisputeForm(NoteForm):
    reason = _reason(_("What is disputed"))


class DecisionForm(NoteForm):
    reason = _reason(_("Decision"))


class DefectsWidget(forms.MultiWidget):
    """One defect on the page (document, defect, explanation); the API sends the list itself."""

    def __init__(self, attrs=None):
        super().__init__(
            [
                forms.Select(attrs={"required": True, "aria-label": _("Defective document")}),
                forms.Select(choices=Defect.choices, attrs={"required": True, "aria-label": _("Defect")}),
                forms.TextInput(attrs={"placeholder": _("Explanation"), "aria-label": _("Explanation")}),
            ],
            attrs,
        )

    def decompress(self, value):
        first = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else {}
        return [first.get("document_type"), first.get("defect"), first.get("explanation")]

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data.get(name)
        document_type, defect, explanation = super().value_from_datadict(data, files, name)
        if not (document_type or defect or explanation):
            return []
        return [{"document_type": document_type, "defect": defect, "explanation": explanation}]


class DefectsField(forms.Field):
    """The defects of a return: a list of {document_type, defect, explanation} (art 348).

    Only the shape is checked here; which document and defect a return may name is the service's rule.
    """

    takes_objects = True
    widget = DefectsWidget

    def to_python(self, value):
        if value in (None, ""):
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ValidationError(_("Expected a list of objects."), code="invalid")
        keys = ("document_type", "defect", "explanation")
        return [{key: "" if item.get(key) is None else str(item.get(key)) for key in keys} for item in value]


class ReturnForm(NoteForm):
    """A return names each defective document and its defect (art 348); the reason is optional."""

    takes_instance = True
    field_order = ["defects", "reason"]

    defects = DefectsField(
        label=_("Defective document and defect"),
        required=False,
        help_text=_("return_request: each {document_type, defect, explanation} (art 348)."),
    )
    reason = _reason(_("Reason"), required=False)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        if instance is not None:
            required = {t.value for t in KINDS[AssistanceKind(instance.kind)].documents}
            self.fields["defects"].widget.widgets[0].choices = [
                (value, label) for value, label in DOCUMENT_TYPE_CHOICES if value in required
            ]


class RouteForm(NoteForm):
    takes_instance = True

    department = forms.CharField(
        label=_("Department"),
        max_length=32,
        help_text=_("route: kind of the requested unit's department, e.g. criminal."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        if instance is not None:
            departments = Department.objects.filter(unit_id=instance.requested_unit_id, is_active=True)
            self.fields["department"].widget = forms.Select(
                choices=[(department.kind, department.name) for department in departments.order_by("pk")]
            )


class AssignForm(NoteForm):
    # An officer of the requested unit picked by name (organisation.pickers); a user name, as the API
    # sends it, passes unchanged.
    assignee = OfficerPickerField(
        label=_("Officer"),
        max_length=150,
        help_text=_("assign: user name of the officer."),
    )
    takes_instance = True

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        if instance is not None:
            unit = instance.requested_unit
            self.fields["assignee"].set_scope([unit.pk], unit_code=unit.code)


class FulfilForm(NoteForm):
    results = forms.CharField(
        label=_("Results"),
        required=False,
        help_text=_("fulfil: the results."),
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )


class OverreachForm(forms.Form):
    """An act of the cooperating unit beyond the request (MPS-2020 art 355); the service checks the rest."""

    officer = forms.CharField(label=_("Officer of the cooperating unit"), max_length=100, required=False)
    act = forms.CharField(
        label=_("What was done beyond the request"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    acted_on = forms.DateField(label=_("On"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
