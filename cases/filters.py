"""The case list's filter set: the page, the API list and the CSV export select the same rows with it."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy

from cases.models import Case, CaseState, HandlingCode
from core.filters import IntegerFilter


class CaseFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=CaseState.choices, label=gettext_lazy("state"))
    offence = django_filters.CharFilter(field_name="offence__code", label=gettext_lazy("offence code"))
    handling_code = django_filters.ChoiceFilter(
        choices=HandlingCode.choices, label=gettext_lazy("handling code")
    )
    accepting_unit = django_filters.CharFilter(
        field_name="accepting_unit__code", label=gettext_lazy("division code of the accepting unit")
    )
    lead_unit = django_filters.CharFilter(
        field_name="lead_unit__code", label=gettext_lazy("division code of the lead unit")
    )
    year = IntegerFilter(
        field_name="number_year", min_value=1, max_value=9999, label=gettext_lazy("year of registration")
    )
    q = django_filters.CharFilter(method="filter_q", label=gettext_lazy("part of the name or number"))

    class Meta:
        model = Case
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(number__icontains=value) | Q(external_number__icontains=value)
        )
