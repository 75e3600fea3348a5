"""The cross-province search page (/search/): a form and the hits, as the API gives them (issue 7).

A search runs on GET, so a result can be reloaded or bookmarked; each run is a search in the
service's sense (purpose checked, rate counted, audited). Summary and minimal hits offer to ask the
owning unit for access.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from cases.forms import apply_errors
from cases.models import CaseParty
from cases.search import HitClass, SearchKind, SearchRateLimited, search
from cases.selectors import case_visible_to
from cases.standing import user_standing
from cases.views import CaseDataPageMixin

# The purpose list offers the newest cases of the user's own units; older ones by written reason.
PURPOSE_CHOICES_LIMIT = 200


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


def purpose_cases(user) -> list:
    """Return the cases of the user's own units (not those merely seen from above), newest first."""
    unit_ids = user_standing(user).unit_ids
    own = CaseParty.objects.filter(case=OuterRef("pk"), unit_id__in=unit_ids)
    return list(
        case_visible_to(user)
        .filter(Exists(own))
        .only("pk", "number", "name")
        .order_by("-id")[:PURPOSE_CHOICES_LIMIT]
    )


class SearchView(CaseDataPageMixin, View):
    """Search the six regions' cases; show each hit as the rules allow."""

    def get(self, request):
        cases = purpose_cases(request.user)
        submitted = "q" in request.GET
        form = SearchForm(request.GET if submitted else None, purpose_cases=cases)
        result, rate_error, status = None, "", 200
        if submitted and form.is_valid():
            data = form.cleaned_data
            try:
                result = search(
                    user=request.user,
                    kind=data["kind"],
                    query=data["q"],
                    purpose_case=data["purpose_case"],
                    purpose_text=data["purpose"],
                )
            except ValidationError as error:
                apply_errors(form, error)
                status = 400
            except SearchRateLimited as error:
                rate_error, status = str(error.detail), 429
        elif submitted:
            status = 400
        return render(
            request,
            "cases/search.html",
            {"form": form, "result": result, "rate_error": rate_error, "classes": HitClass},
            status=status,
        )
