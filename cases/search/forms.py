"""The search page's form: what to search by, the query and the purpose (a case of yours, or a reason)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.search.services import SearchKind


class SearchForm(forms.Form):
    kind = forms.ChoiceField(label=_("Search by"), choices=SearchKind.choices, initial=SearchKind.ID_NUMBER)
    q = forms.CharField(
        label=_("Query"),
        max_length=64,
        help_text=_("Names match in Chinese characters, pinyin (zhangsan) or initials (zs), in part too."),
    )
    purpose_case = forms.TypedChoiceField(
        label=_("For the case"), required=False, coerce=int, empty_value=None
    )
    purpose = forms.CharField(
        label=_("Or the reason"),
        required=False,
        max_length=500,
        help_text=_("Every search states its purpose and is recorded in the audit trail."),
    )

    def __init__(self, *args, purpose_cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose_case"].choices = [("", _("— choose a case of yours —"))] + [
            (case.pk, f"{case.number or _('Draft')} {case.name}") for case in purpose_cases
        ]
