"""Every date-and-time input of a form or filter answers a moment PostgreSQL cannot store with a
400, not a 500 (issue 16: "0999-03-31T21:43:49.84+16:49" reached the database as an offset it refuses).
"""

import datetime as dt

import django_filters
import pytest
from django import forms

from core.moments import MomentField
from tests.support.introspection import import_everything, ours, subclasses

HOSTILE = ("0999-03-31T21:43:49.84+16:49", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def _moment_fields():
    import_everything()
    for form_class in set(subclasses(forms.BaseForm)):
        # Admin change forms are Django's, built per model for the system administrator's site.
        if ours(form_class) and not form_class.__module__.endswith(".admin"):
            for name, field in getattr(form_class, "base_fields", {}).items():
                if isinstance(field, forms.DateTimeField):
                    yield f"{form_class.__module__}.{form_class.__qualname__}.{name}", field
    for filterset in set(subclasses(django_filters.FilterSet)):
        if ours(filterset):
            for name, filter_ in filterset.base_filters.items():
                if issubclass(filter_.field_class, forms.DateTimeField):
                    yield f"{filterset.__module__}.{filterset.__name__}.{name}", filter_.field


def _storable(field, text) -> bool:
    try:
        value = field.clean(text)
    except forms.ValidationError:
        return True
    return value is None or value.utcoffset() == dt.timedelta(0)


def test_every_moment_a_form_or_filter_takes_is_cleaned_to_utc_or_refused():
    found = [
        f"{where}: {text}"
        for where, field in _moment_fields()
        for text in HOSTILE
        if not _storable(field, text)
    ]
    assert not found, "use core.moments.MomentField:\n" + "\n".join(found)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_moment_field_cleans_to_utc_or_refuses(text):
    assert _storable(MomentField(), text)
    assert MomentField().clean("2026-12-07T08:00:00+08:00") == dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)
