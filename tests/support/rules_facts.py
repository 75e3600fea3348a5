"""Plain facts for the jurisdiction rules engine: real units, places, persons and cases.

The rules engine is tested as plain functions (no database); these builders name police organs that exist in
the system's tree, read straight from the file.
"""

import csv
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from jurisdiction.rules import CaseFacts, Person, Place, UnitRef

ROOT = Path(__file__).resolve().parents[2]
UNITS_CSV = ROOT / "organisation" / "data" / "units.csv"
ACCEPTED = date(2026, 4, 15)


@cache
def _rows() -> dict[str, dict[str, str]]:
    with UNITS_CSV.open(encoding="utf-8") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def _path(code: str) -> str:
    parent = _rows()[code]["parent_code"]
    return f"{_path(parent)}.{code}" if parent else code


def u(code: str) -> UnitRef:
    """Return the real unit with this division code as the engine sees it."""
    return UnitRef(code=code, name=_rows()[code]["name"], path=_path(code))


def place(role: str, code: str, **extra) -> Place:
    """A place of the six regions (its unit resolved from the code) or, for another province, outside."""
    return Place(role=role, division_code=code, unit=u(code) if code in _rows() else None, **extra)


def suspect(name: str, household: str = "", habitual: str = "", *, counts: bool = True, **extra) -> Person:
    return Person(
        role="suspect",
        name=name,
        household_division_code=household,
        household_unit=u(household) if household in _rows() else None,
        habitual_division_code=habitual,
        habitual_unit=u(habitual) if habitual in _rows() else None,
        habitual_counts=bool(habitual) and counts,
        **extra,
    )


def victim(name: str, household: str) -> Person:
    return Person(role="victim", name=name, household_division_code=household, household_unit=u(household))


def facts(
    accepting: str, *places: Place, persons=(), lead: str | None = None, accepted_on=ACCEPTED
) -> CaseFacts:
    units = [u(accepting)] + [p.unit for p in places if p.unit]
    superiors = {code for unit in units for code in unit.ancestor_codes}
    return CaseFacts(
        accepting_unit=u(accepting),
        accepted_on=accepted_on,
        places=tuple(places),
        persons=tuple(persons),
        lead_unit=u(lead) if lead else None,
        superiors=tuple(u(code) for code in sorted(superiors | {"510100", "510000", "000000"})),
    )


# --- the cases of the issue ------------------------------------------------------------------------

CHONGQING_LIANGJIANG = "500157"  # 重庆市公安局两江新区分局 (江北区 500105 was merged into it in 2025)
KUNMING_WUHUA = "530102"
GUIYANG_NANMING = "520102"
CHENGDU_WUHOU = "510107"


def telecom_fraud(*, chengdu_victim: bool = False, kunming_main: bool = False, lead: str | None = None):
    """Issue 5's fraud: server in Chongqing, victims in Kunming, suspects in Guiyang, accepted in Chengdu."""
    places = [
        place("server", CHONGQING_LIANGJIANG, address="两江新区某数据中心"),
        place(
            "victim_loss",
            KUNMING_WUHUA,
            address="五华区某小区",
            victim_count=30,
            loss_amount=Decimal("1200000.00"),
            is_main=kunming_main,
        ),
        place(
            "victim_loss",
            KUNMING_WUHUA,
            address="五华区某商场",
            victim_count=5,
            loss_amount=Decimal("80000.00"),
        ),
    ]
    if chengdu_victim:
        places.append(
            place(
                "victim_loss",
                CHENGDU_WUHOU,
                address="武侯区某街道",
                victim_count=1,
                loss_amount=Decimal("20000.00"),
            )
        )
    persons = [
        suspect("张某", GUIYANG_NANMING, household_address="贵阳市南明区某街道"),
        suspect("李某", GUIYANG_NANMING),
        victim("王某", KUNMING_WUHUA),
    ]
    return facts(CHENGDU_WUHOU, *places, persons=persons, lead=lead)
