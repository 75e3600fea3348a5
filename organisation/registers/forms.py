"""Forms of the register pages: search the expert pool and the liaison register, and keep them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.ids import MAX_ID
from organisation.models import Availability, LiaisonRole


class ExpertSearchForm(forms.Form):
    specialty = forms.ChoiceField(label=_("Specialty"), required=False)
    region = forms.ChoiceField(label=_("Province"), required=False)
    availability = forms.ChoiceField(
        label=_("Availability"), required=False, choices=[("", _("Any")), *Availability.choices]
    )
    q = forms.CharField(label=_("Name, affiliation or title"), required=False, max_length=100)
    after = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID, widget=forms.HiddenInput)

    def __init__(self, *args, specialties, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", _("Any"))] + [(s.code, s.name) for s in specialties]
        self.fields["region"].choices = [("", _("All six regions"))] + [(u.code, u.name) for u in provinces]


class LiaisonSearchForm(forms.Form):
    region = forms.ChoiceField(label=_("Province"), required=False)
    unit = forms.CharField(label=_("Division code of the unit"), required=False, max_length=6)
    include_ended = forms.BooleanField(label=_("Include ended assignments"), required=False)
    after = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID, widget=forms.HiddenInput)

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All six regions"))] + [(u.code, u.name) for u in provinces]


class ExpertForm(forms.Form):
    user = forms.CharField(
        label=_("Officer (user name)"),
        required=False,
        max_length=150,
        help_text=_("For an officer of the six regions; leave empty for an outside expert."),
    )
    external_name = forms.CharField(label=_("Name (outside expert)"), required=False, max_length=64)
    affiliation = forms.CharField(label=_("Affiliation (outside expert)"), required=False, max_length=120)
    unit = forms.CharField(
        label=_("Division code of the unit"),
        max_length=6,
        help_text=_(
            "The unit that keeps the listing: the officer's unit, or the unit inviting the outside expert."
        ),
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=64)
    specialties = forms.MultipleChoiceField(label=_("Specialties"), widget=forms.CheckboxSelectMultiple)
    availability = forms.ChoiceField(label=_("Availability"), choices=Availability.choices)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32)
    email = forms.EmailField(label=_("E-mail"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, specialties, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialties"].choices = [(s.code, s.name) for s in specialties]
        if editing:
            # A listing stays with its officer (services.expert_upsert refuses a change).
            self.fields["user"].disabled = True


class LiaisonForm(forms.Form):
    unit = forms.CharField(label=_("Division code of the unit"), max_length=6)
    user = forms.CharField(label=_("Officer (user name)"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=LiaisonRole.choices)
    phone = forms.CharField(label=_("Office phone"), required=False, max_length=32)
    mobile = forms.CharField(label=_("Mobile"), required=False, max_length=32)
    email = forms.EmailField(label=_("E-mail"), required=False)
    valid_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today when empty."),
    )

    def __init__(self, *args, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # Only the contacts of an assignment change; a new officer is a new assignment.
            for name in ("unit", "user", "role", "valid_from"):
                self.fields[name].disabled = True
                self.fields[name].required = False


class LiaisonEndForm(forms.Form):
    valid_to = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today when empty."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
