"""Look-ups behind the pickers (organisation.pickers): JSON for the combobox of a page's form.

Units: the shared directory, which every signed-in user may read (organisation.views), by name,
pinyin, initials or code. Officers: only those of the units the user holds a current membership in
(the colleagues a step lets them choose: the officer assigned, the delegate of a meeting), so a
look-up never lists another unit's or province's officers.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.views import View

from organisation.models import Membership
from organisation.pickers import QUERY_MAX_LENGTH, officer_lookup, unit_lookup


def _answer(items: list[dict], more: bool) -> JsonResponse:
    response = JsonResponse({"results": items, "more": more})
    response["Cache-Control"] = "no-store"
    return response


class UnitLookupView(LoginRequiredMixin, View):
    """GET ?q=: up to 20 units, grouped by province and city; nothing for an empty query."""

    raise_exception = True

    def get(self, request):
        query = request.GET.get("q", "")[:QUERY_MAX_LENGTH]
        if not query.strip():
            return _answer([], False)
        units, more = unit_lookup(query)
        items = [
            {"value": unit.code, "label": unit.name, "hint": unit.code, "group": unit.group} for unit in units
        ]
        return _answer(items, more)


class OfficerLookupView(LoginRequiredMixin, View):
    """GET ?q=&unit=: officers of the user's own units (of `unit` only, when it is one of them)."""

    raise_exception = True

    def get(self, request):
        query = request.GET.get("q", "")[:QUERY_MAX_LENGTH]
        own = Membership.objects.current().filter(user=request.user)
        unit_code = request.GET.get("unit", "")
        if unit_code:
            own = own.filter(unit__code=unit_code)
        unit_ids = own.values("unit_id")
        officers, more = officer_lookup(query, unit_ids)
        items = [
            {"value": officer.username, "label": officer.name, "hint": officer.hint, "group": officer.unit}
            for officer in officers
        ]
        return _answer(items, more)
