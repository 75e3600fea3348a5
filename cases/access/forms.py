"""Forms of access requests: asking for access from a search hit, and the input of each step.

The forms parse what was typed (types and bounds); the services hold the rules (a refusal's reason,
a grant's scope and days) and their ValidationError is put back on the fields. A step's form is the
input of both the page and the API (cases.access.steps).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.access import services
from cases.models import AccessScope


class AccessRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you need the case: the owning unit decides on it."),
    )
    purpose_case = forms.TypedChoiceField(
        label=_("For your case"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, purpose_cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose_case"].choices = [("", "—")] + [
            (case.pk, f"{case.number} {case.name}") for case in purpose_cases
        ]


class GrantForm(forms.Form):
    """The input of a grant: its scope, how many days it lasts, and a note (the reason)."""

    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=AccessScope.choices,
        initial=AccessScope.READ,
        required=False,
        help_text=_("grant: read (the case file; when left out) or read_documents (also its documents)."),
    )
    days = forms.IntegerField(
        label=_("Days"),
        min_value=services.MIN_DAYS,
        max_value=services.MAX_DAYS,
        initial=services.DEFAULT_DAYS,
        required=False,
        help_text=_("grant: how many days the access lasts, 1 to 30 (7 when left out)."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to refuse; a note otherwise."),
    )

    def clean_scope(self):
        # Left out, a grant opens the case file only.
        return self.cleaned_data["scope"] or AccessScope.READ

    def clean_days(self):
        days = self.cleaned_data["days"]
        return services.DEFAULT_DAYS if days is None else days


class RefuseForm(forms.Form):
    """The input of a refusal: the reason the requester reads (the request's own rule requires it)."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )
