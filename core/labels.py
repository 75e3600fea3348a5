"""Labels of choices and URLs of detail pages, looked up once instead of once per row.

`Model.get_FOO_display()` rebuilds a dict of the field's choices and hashes every lazy label on each
call, and `reverse()` walks the URL resolver: on a list of two hundred rows (the inbox) the two cost
more than the query that fetched them.
"""

from collections.abc import Callable
from functools import lru_cache

from django.db.models import Model
from django.urls import get_script_prefix, reverse
from django.utils import translation

# A primary key no row has; it stands in the reversed URL for the one each row fills in.
_URL_PLACEHOLDER = 9_876_543_210


@lru_cache(maxsize=256)
def _labels(model: type[Model], field_name: str, language: str | None) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def choice_label(model: type[Model], field_name: str, value) -> str:
    """Return what `instance.get_<field_name>_display()` would, in the active language."""
    return _labels(model, field_name, translation.get_language()).get(value, value)


@lru_cache(maxsize=256)
def _url_parts(name: str, script_prefix: str) -> tuple[str, str]:
    before, placeholder, after = reverse(name, args=[_URL_PLACEHOLDER]).partition(str(_URL_PLACEHOLDER))
    if not placeholder:
        raise ValueError(f"The URL {name!r} does not take its primary key as its one argument")
    return before, after


def detail_url(name: str) -> Callable[[object], str]:
    """Return a function making the URL `name` takes with one primary key, as `reverse` would."""
    before, after = _url_parts(name, get_script_prefix())
    return lambda pk: f"{before}{pk}{after}"
