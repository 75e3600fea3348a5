"""Every integer a client can send is bounded on both sides, so none reaches the database as a
number its column cannot hold (OverflowError on SQLite, "out of range" on PostgreSQL: a 500).

The walks below cover the class, not the instances: every API operation's parameters and request
body (from the OpenAPI schema the API serves), every filter set, every form, and the source of the
views and APIs that parse query parameters by hand. A new unbounded integer input fails here.
"""

import re

import django_filters
import pytest
from django import forms
from drf_spectacular.generators import SchemaGenerator

from tests.support.introspection import APPS, ROOT, import_everything, ours, subclasses

HUGE = 2**70


# --- API operations, from the schema ---------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def _unbounded(schema: dict, components: dict, where: str, seen: set) -> list[str]:
    """Name every integer or number in `schema` (followed through $ref) without both bounds."""
    found = []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        return _unbounded(components[name], components, f"{where}<{name}>", seen | {name})
    if schema.get("readOnly"):
        return []
    bounded = "minimum" in schema and "maximum" in schema
    if schema.get("type") in ("integer", "number") and "enum" not in schema and not bounded:
        found.append(where)
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            found += _unbounded(part, components, where, seen)
    for name, prop in schema.get("properties", {}).items():
        found += _unbounded(prop, components, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        found += _unbounded(schema["items"], components, f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        found += _unbounded(schema["additionalProperties"], components, f"{where}{{}}", seen)
    return found


@pytest.mark.django_db
def test_every_integer_an_api_operation_takes_is_bounded(openapi):
    components = openapi["components"]["schemas"]
    found = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                where = f"{label} ?{parameter['name']}"
                found += _unbounded(parameter.get("schema", {}), components, where, set())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                found += _unbounded(content.get("schema", {}), components, f"{label} body", set())
    assert not found, "integer inputs without minimum and maximum:\n" + "\n".join(sorted(set(found)))


# --- filter sets and forms, as classes -------------------------------------------------------------


def test_every_integer_filter_is_bounded():
    import_everything()
    found = []
    for filterset in subclasses(django_filters.FilterSet):
        if not ours(filterset):
            continue
        for name, filter_ in filterset.base_filters.items():
            if isinstance(filter_, django_filters.NumberFilter):
                found.append(
                    f"{filterset.__module__}.{filterset.__name__}.{name}: NumberFilter (any Decimal)"
                )
                continue
            field_class = filter_.field_class
            if issubclass(field_class, forms.IntegerField | forms.DecimalField | forms.FloatField):
                field = filter_.field
                if field.min_value is None or field.max_value is None:
                    found.append(f"{filterset.__module__}.{filterset.__name__}.{name}")
    assert not found, "unbounded integer filters (core.api.IdFilter, IntegerFilter):\n" + "\n".join(found)


def _form_integer_fields(form_class):
    for name, field in getattr(form_class, "base_fields", {}).items():
        if isinstance(field, forms.DecimalField) and field.max_digits is not None:
            continue  # bounded by its digits
        if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            yield name, field


def test_every_integer_form_field_is_bounded():
    import_everything()
    found = []
    for form_class in set(subclasses(forms.BaseForm)):
        if not ours(form_class):
            continue
        for name, field in _form_integer_fields(form_class):
            if field.min_value is None or field.max_value is None:
                found.append(f"{form_class.__module__}.{form_class.__qualname__}.{name}")
    assert not found, "unbounded integer form fields:\n" + "\n".join(sorted(found))


# --- hand-parsed query parameters --------------------------------------------------------------

# int() straight on request input, or a str.isdigit() guard (any length; "²" passes), in the
# modules that parse requests. core.ids.id_or_none / bounded_int parse them with bounds.
_HAND_PARSED = re.compile(r"\bint\(\s*(self\.)?request\.|\.isdigit\(\)")


def test_no_view_or_api_parses_an_integer_by_hand():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or not re.search(r"(views|apis|api|filters)\.py$", path.name):
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if _HAND_PARSED.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "parse with core.ids.id_or_none / bounded_int instead:\n" + "\n".join(found)


def test_the_walks_see_the_project():
    """The walks above are only as good as what they find."""
    import_everything()
    assert sum(1 for cls in subclasses(django_filters.FilterSet) if ours(cls)) >= 5
    assert sum(1 for cls in subclasses(forms.BaseForm) if ours(cls)) >= 20


def test_every_integer_column_validates_its_range_in_the_model():
    """full_clean refuses what the column cannot hold: Django's range validators, on every backend."""
    from django.apps import apps
    from django.core.validators import MaxValueValidator, MinValueValidator
    from django.db import models
    from django.db.models.fields import AutoFieldMixin

    found = []
    for model in apps.get_models():
        if model._meta.app_label not in APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.IntegerField) and not isinstance(field, AutoFieldMixin):
                kinds = {type(v) for v in field.validators}
                if not {MinValueValidator, MaxValueValidator} <= kinds:
                    found.append(f"{model._meta.label}.{field.name}")
    assert not found, "integer columns without range validators:\n" + "\n".join(found)
