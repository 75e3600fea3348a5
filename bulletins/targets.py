"""Target sets of a bulletin: a small spec resolved to unit rows in one query.

    {"levels": [3], "provinces": ["500000", ...]}     every county bureau of those regions
    {"roots": ["530000", ...], "include_roots": true}  those organs and their subtrees
    {"units": ["510107", "530100"]}                    a list of units
    {"levels": [3]}                                    every county bureau of the six regions

A unit is in the set when it lies in a named province (`provinces`) or strictly below a root
(`roots`) and has one of `levels` (any level when none is named); a root itself when
`include_roots`; and every unit in `units`. Only active units count; the ministry is never a target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisation.models import MINISTRY_CODE, PATH_SEPARATOR, Unit, UnitLevel

CODE = re.compile(r"[0-9]{6}")
KEYS = frozenset({"levels", "provinces", "roots", "units", "include_roots"})


@dataclass(frozen=True)
class Preset:
    key: str
    label: object

    def spec(self, issuing_unit: Unit) -> dict:
        if self.key == "six_county":
            return {"levels": [UnitLevel.COUNTY]}
        if self.key == "six_prefecture":
            return {"levels": [UnitLevel.PREFECTURE]}
        if self.key == "six_provinces":
            return {"levels": [UnitLevel.PROVINCE]}
        if self.key == "six_provinces_subtrees":
            return {"levels": [UnitLevel.PROVINCE, UnitLevel.PREFECTURE, UnitLevel.COUNTY]}
        if self.key == "own_subtree":
            return {"roots": [issuing_unit.code]}
        if self.key == "own_county":
            return {"roots": [issuing_unit.code], "levels": [UnitLevel.COUNTY]}
        raise KeyError(self.key)


# The common sets the page offers (plan §1: every county bureau of the six, the six organs and
# their subtrees, the issuer's own subtree).
PRESETS = {
    preset.key: preset
    for preset in (
        Preset("six_county", gettext_lazy("Every county-level bureau of the six regions")),
        Preset("six_prefecture", gettext_lazy("Every prefecture-level bureau of the six regions")),
        Preset("six_provinces", gettext_lazy("The six provincial organs")),
        Preset("six_provinces_subtrees", gettext_lazy("The six provincial organs and their subtrees")),
        Preset("own_subtree", gettext_lazy("Every unit below the issuing unit")),
        Preset("own_county", gettext_lazy("Every county-level bureau below the issuing unit")),
    )
}


def _codes(spec: dict, key: str) -> list[str]:
    value = spec.get(key) or []
    if not isinstance(value, list) or not all(
        isinstance(code, str) and CODE.fullmatch(code) for code in value
    ):
        raise ValidationError(
            {"targets": [_("“%(key)s” must be a list of six-digit division codes.") % {"key": key}]}
        )
    return sorted(set(value))


def clean_spec(spec) -> dict:
    """Return the spec in its normal form; ValidationError naming `targets` when it cannot be read."""
    if not isinstance(spec, dict) or not spec:
        raise ValidationError({"targets": [_("Choose the units the bulletin goes to.")]})
    unknown = set(spec) - KEYS
    if unknown:
        raise ValidationError(
            {"targets": [_("Unknown target keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}]}
        )
    levels = spec.get("levels") or []
    if not isinstance(levels, list) or not all(
        isinstance(level, int) and not isinstance(level, bool) and level in UnitLevel.values and level
        for level in levels
    ):
        raise ValidationError({"targets": [_("“levels” must be a list of unit levels 1 to 3.")]})
    include_roots = spec.get("include_roots", False)
    if not isinstance(include_roots, bool):
        raise ValidationError({"targets": [_("“include_roots” must be true or false.")]})
    cleaned = {
        "levels": sorted(set(levels)),
        "provinces": _codes(spec, "provinces"),
        "roots": _codes(spec, "roots"),
        "units": _codes(spec, "units"),
        "include_roots": include_roots,
    }
    if not (cleaned["levels"] or cleaned["provinces"] or cleaned["roots"] or cleaned["units"]):
        raise ValidationError({"targets": [_("Choose the units the bulletin goes to.")]})
    return cleaned


def condition(spec: dict) -> Q:
    """Return the condition on Unit rows that the (clean) spec names."""
    scoped = spec["provinces"] or spec["roots"]
    area = Q()
    if scoped:
        area = Q(pk__in=[])
        if spec["provinces"]:
            area |= Q(province_code__in=spec["provinces"])
        for root in spec["roots"]:
            # Strictly below the root: its code is a segment of the path before the last one.
            area |= Q(path__contains=f"{PATH_SEPARATOR}{root}{PATH_SEPARATOR}") | Q(
                path__startswith=f"{root}{PATH_SEPARATOR}"
            )
    wanted = Q(pk__in=[])
    if scoped or spec["levels"]:
        below = area & Q(level__in=spec["levels"]) if spec["levels"] else area
        if spec["roots"] and not spec["provinces"]:
            below &= ~Q(code__in=spec["roots"])
        wanted |= below
    if spec["include_roots"] and spec["roots"]:
        wanted |= Q(code__in=spec["roots"])
    if spec["units"]:
        wanted |= Q(code__in=spec["units"])
    return wanted & Q(is_active=True) & ~Q(code=MINISTRY_CODE)


def resolve(spec, *, exclude: Unit | None = None) -> QuerySet[Unit]:
    """Return the units of the spec (one query when evaluated), without `exclude` (the issuer)."""
    units = Unit.objects.filter(condition(clean_spec(spec)))
    if exclude is not None:
        units = units.exclude(pk=exclude.pk)
    return units.order_by("path")


def unknown_codes(spec) -> list[str]:
    """Return the codes the spec names that are not units (one query)."""
    spec = clean_spec(spec)
    named = set(spec["provinces"]) | set(spec["roots"]) | set(spec["units"])
    if not named:
        return []
    known = set(Unit.objects.filter(code__in=named).values_list("code", flat=True))
    return sorted(named - known)
