"""The cross-province search page (/search/): a form and the hits, as the API gives them (issue 7).

A search runs on GET, so a result can be reloaded or bookmarked; each run is a search in the
service's sense (purpose checked, rate counted, audited). Summary and minimal hits offer to ask the
owning unit for access.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views import View

from cases.search.forms import SearchForm
from cases.search.selectors import purpose_cases
from cases.search.services import HitClass, SearchRateLimited, search
from core.pages import apply_errors
from organisation.pages import CaseDataPageMixin


class SearchView(CaseDataPageMixin, View):
    """Search the six regions' cases; show each hit as the rules allow."""

    explain_no_access = True

    def get(self, request):
        cases = purpose_cases(request.user)
        submitted = "q" in request.GET
        form = SearchForm(request.GET if submitted else None, purpose_cases=cases)
        result, rate_error, status = None, "", 200
        if submitted and form.is_valid():
            data = form.cleaned_data
            try:
                result = search(
                    by=request.user,
                    kind=data["kind"],
                    query=data["q"],
                    purpose_case=data["purpose_case"],
                    purpose_text=data["purpose"],
                )
            except ValidationError as error:
                apply_errors(form, error)
                status = 400
            except SearchRateLimited as error:
                rate_error, status = str(error.message), error.status_code
        elif submitted:
            status = 400
        return render(
            request,
            "cases/search.html",
            {"form": form, "result": result, "rate_error": rate_error, "classes": HitClass},
            status=status,
        )
