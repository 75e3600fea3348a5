"""Subtree tests on unit paths ("000000.510000.510100"), in Python and as indexed prefix matches."""

from collections.abc import Iterable

from django.db.models import Q

from organisation.models import PATH_SEPARATOR


def covers(root: str, path: str) -> bool:
    """Tell whether the unit at `path` is the unit at `root` or lies below it."""
    return path == root or path.startswith(root + PATH_SEPARATOR)


def covered_by_any(path: str, roots: Iterable[str]) -> bool:
    return any(covers(root, path) for root in roots)


def strictly_below(paths: Iterable[str], field: str = "unit_path") -> Q:
    """Match a `field` path strictly below one of `paths`; nothing when `paths` is empty."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path + PATH_SEPARATOR})
    return condition


def at_or_below(paths: Iterable[str], field: str = "unit_path") -> Q:
    """Match a `field` path equal to, or below, one of `paths`; nothing when `paths` is empty."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{field: path}) | Q(**{f"{field}__startswith": path + PATH_SEPARATOR})
    return condition
