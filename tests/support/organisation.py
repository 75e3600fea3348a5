"""The organisation's data in tests: sample unit names, edited copies of units.csv, listed experts."""

from __future__ import annotations

import csv
import importlib

from organisation.models import Availability, ExpertProfile, Specialty, Unit
from organisation.services import UNITS_CSV

# One name per naming pattern of the divisions README (both 市中区 kept apart by their city).
SAMPLE_UNIT_NAMES = [
    ("000000", "公安部"),
    ("510000", "四川省公安厅"),
    ("540000", "西藏自治区公安厅"),
    ("500000", "重庆市公安局"),
    ("510100", "成都市公安局"),
    ("510107", "成都市公安局武侯区分局"),
    ("500157", "重庆市公安局两江新区分局"),
    ("513221", "汶川县公安局"),
    ("510181", "都江堰市公安局"),
    ("513200", "阿坝藏族羌族自治州公安局"),
    ("542500", "阿里地区公安局"),
    ("520203", "六枝特区公安局"),
    ("511002", "内江市公安局市中区分局"),
    ("511102", "乐山市公安局市中区分局"),
    ("510726", "北川羌族自治县公安局"),
    ("500229", "城口县公安局"),
    ("540102", "拉萨市公安局城关区分局"),
]
SEEDED = importlib.import_module("organisation.migrations.0003_seed_specialties").SPECIALTIES


def edited_copy(tmp_path, edit):
    """Write a copy of units.csv with `edit(rows)` applied and return its path."""
    with open(UNITS_CSV, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fieldnames, rows = reader.fieldnames, list(reader)
    rows = edit(rows)
    path = tmp_path / "units.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def ensure_specialties() -> dict[str, Specialty]:
    """Return the seeded specialties by code, recreating them if a flushing test removed them."""
    for index, (code, name) in enumerate(SEEDED):
        Specialty.objects.get_or_create(code=code, defaults={"name": name, "sort": (index + 1) * 10})
    return Specialty.objects.in_bulk(field_name="code")


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def listed(
    user=None, *, at: str, specialties=("drugs",), availability=Availability.AVAILABLE, active=True, **fields
) -> ExpertProfile:
    """List an expert directly (no service): the fixture of a search test."""
    ensure_specialties()
    expert = ExpertProfile.objects.create(
        user=user, unit=unit(at), availability=availability, is_active=active, **fields
    )
    expert.specialties.set(Specialty.objects.filter(code__in=specialties))
    return expert


def outside(name: str, affiliation: str, *, at: str, **kwargs) -> ExpertProfile:
    return listed(at=at, external_name=name, affiliation=affiliation, **kwargs)
