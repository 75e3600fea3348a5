"""Bounded integer filters (django-filter), shared by the API's filter sets and the pages' lists.

Framework-free (no DRF): a page's list and the API's list filter the same way (cases.filters).
"""

import django_filters
from django import forms

from core.ids import MAX_ID


class _IdFormField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.Filter):
    """A filter on a row id (`?case=12`): an integer from 1 to the largest bigint, else a 400.

    django-filter's NumberFilter parses a Decimal of any size, which the database then refuses.
    """

    field_class = _IdFormField
    # drf-spectacular reads a filter's schema override from this attribute (no import of it here).
    _spectacular_annotation = {"field": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


class IntegerFilter(django_filters.Filter):
    """A filter on a bounded integer column (`?year=2026`); give min_value and max_value."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int, max_value: int, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        self.min_value, self.max_value = min_value, max_value
        # drf-spectacular reads a filter's schema override from this attribute.
        self._spectacular_annotation = {
            "field": {"type": "integer", "minimum": min_value, "maximum": max_value}
        }
