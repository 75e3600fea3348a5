"""Build units.csv, the committed unit tree, from the administrative divisions (a development step).

The runtime only reads `units.csv`; this module turns `divisions-southwest.csv` (MCA snapshot, see
README.md beside it) into police-unit rows by the naming conventions of public security organs, and
appends the hand-maintained `extra_units.csv`. No ORM: the rules are plain functions, tested as such.
"""

import csv
import io
from collections.abc import Iterable
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
DIVISIONS_CSV = DATA_DIR / "divisions-southwest.csv"
UNITS_CSV = DATA_DIR / "units.csv"
EXTRA_UNITS_CSV = DATA_DIR / "extra_units.csv"

UNIT_COLUMNS = [
    "code",
    "name",
    "division_name",
    "level",
    "parent_code",
    "province_code",
    "code_prefix",
    "is_remote",
]
DIVISION_COLUMNS = ["code", "name", "level", "parent_code", "province_code"]
LEVELS = ("ministry", "province", "prefecture", "county")

MINISTRY = {
    "code": "000000",
    "name": "公安部",
    "division_name": "",
    "level": "ministry",
    "parent_code": "",
    "province_code": "",
    "code_prefix": "",
    "is_remote": "false",
}

# 机关代字 of the provincial organs, as used in their document numbers (川公（刑）…字).
PROVINCE_CODE_PREFIXES = {
    "500000": "渝",
    "510000": "川",
    "520000": "黔",
    "530000": "滇",
    "540000": "藏",
    "630000": "青",
}

# Default "remote area" (交通十分不便的边远地区: MPS-2020 art 353 gives identity and record checks 15 days
# instead of 7 there, but no article lists the areas: this list is a system default, edited per unit).
# All of Tibet; Qinghai except Xining, where the provincial organ also sits; Sichuan's Aba, Garze
# and Liangshan; Yunnan's Nujiang and Diqing. Editable per unit; a reload never overwrites it.
REMOTE_PROVINCES = {"540000", "630000"}
REMOTE_PREFECTURES = {"513200", "513300", "513400", "533300", "533400"}
XINING = "630100"
NOT_REMOTE = {"630000", XINING}  # 青海省公安厅 sits in Xining

# Longest first, so 自治州 is stripped before a bare 州 would be considered.
DIVISION_SUFFIXES = ("自治州", "地区", "特区", "市", "区", "县")


class DivisionDataError(ValueError):
    """The divisions file is not what the builder expects."""


def read_divisions(path: Path = DIVISIONS_CSV) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != DIVISION_COLUMNS:
            raise DivisionDataError(f"{path}: expected columns {DIVISION_COLUMNS}, found {reader.fieldnames}")
        return list(reader)


def unit_name(division: dict[str, str], parent: dict[str, str] | None) -> str:
    """Return the name of the public security organ of a division.

    Provinces and autonomous regions have a 公安厅, a municipality (重庆市) a 公安局; prefecture-level
    divisions a 公安局; a district (区) of a city a branch of the city's bureau (成都市公安局武侯区分局,
    重庆市公安局两江新区分局), which also keeps the two 市中区 apart; counties, autonomous counties,
    county-level cities and the special district (六枝特区) a 公安局 of their own.
    """
    name, level = division["name"], division["level"]
    if level == "province":
        return f"{name}公安局" if name.endswith("市") else f"{name}公安厅"
    if level == "prefecture":
        return f"{name}公安局"
    if level == "county":
        if name.endswith("区") and not name.endswith("特区"):
            if parent is None:
                raise DivisionDataError(f"district {division['code']} {name} has no parent")
            return f"{parent['name']}公安局{name}分局"
        return f"{name}公安局"
    raise DivisionDataError(f"unknown level {level!r} for {division['code']}")


def default_code_prefix(division: dict[str, str]) -> str:
    """Return the default 机关代字: fixed for provinces, else the division name without its suffix, ≤ 2 chars.

    Only a starting point (成都 rather than the customary 蓉): units edit it, and a reload keeps the edit.
    """
    code, name = division["code"], division["name"]
    if code in PROVINCE_CODE_PREFIXES:
        return PROVINCE_CODE_PREFIXES[code]
    for suffix in DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name[:2]


def default_is_remote(division: dict[str, str]) -> bool:
    code, parent_code, province_code = division["code"], division["parent_code"], division["province_code"]
    if code in NOT_REMOTE or parent_code == XINING:
        return False
    if province_code in REMOTE_PROVINCES:
        return True
    return code in REMOTE_PREFECTURES or parent_code in REMOTE_PREFECTURES


def build_units(
    divisions: Iterable[dict[str, str]], extra: Iterable[dict[str, str]] = ()
) -> list[dict[str, str]]:
    """Return the unit rows: the ministry, one unit per division, then the hand-maintained extras."""
    divisions = list(divisions)
    by_code = {d["code"]: d for d in divisions}
    if len(by_code) != len(divisions):
        raise DivisionDataError("division codes are not unique")
    rows = [dict(MINISTRY)]
    for division in sorted(divisions, key=lambda d: d["code"]):
        if division["level"] not in LEVELS[1:]:
            raise DivisionDataError(f"unknown level {division['level']!r} for {division['code']}")
        parent_code = division["parent_code"] or MINISTRY["code"]
        parent = by_code.get(division["parent_code"]) if division["parent_code"] else None
        if division["parent_code"] and parent is None:
            raise DivisionDataError(f"parent {parent_code} of {division['code']} is missing")
        rows.append(
            {
                "code": division["code"],
                "name": unit_name(division, parent),
                "division_name": division["name"],
                "level": division["level"],
                "parent_code": parent_code,
                "province_code": division["province_code"],
                "code_prefix": default_code_prefix(division),
                "is_remote": "true" if default_is_remote(division) else "false",
            }
        )
    codes = {row["code"] for row in rows}
    for row in extra:
        if row["code"] in codes:
            raise DivisionDataError(f"extra unit {row['code']} repeats a code from the divisions")
        codes.add(row["code"])
        rows.append({column: row.get(column, "") or "" for column in UNIT_COLUMNS})
    return rows


def read_extra_units(path: Path = EXTRA_UNITS_CSV) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != UNIT_COLUMNS:
            raise DivisionDataError(f"{path}: expected columns {UNIT_COLUMNS}, found {reader.fieldnames}")
        return list(reader)


def units_csv_text(rows: Iterable[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=UNIT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
