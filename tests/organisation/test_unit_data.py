"""The committed unit data: built from the divisions by the naming rules, and never drifting from them."""

import hashlib

import pytest

from organisation.data import build_units as b
from tests.support.organisation import SAMPLE_UNIT_NAMES

DIVISIONS_SHA256 = "c7027ec91baeaea1bf239d57cf1dec6330360579c113d35720a74ba34943daf0"


@pytest.fixture(scope="module")
def rows():
    return {row["code"]: row for row in b.build_units(b.read_divisions(), b.read_extra_units())}


def test_divisions_copy_is_the_documented_snapshot():
    assert hashlib.sha256(b.DIVISIONS_CSV.read_bytes()).hexdigest() == DIVISIONS_SHA256
    assert DIVISIONS_SHA256 in (b.DATA_DIR / "README.md").read_text(encoding="utf-8")


def test_committed_units_csv_is_what_the_builder_makes():
    built = b.units_csv_text(b.build_units(b.read_divisions(), b.read_extra_units()))
    assert b.UNITS_CSV.read_text(encoding="utf-8") == built


def test_levels_count_one_six_sixty_one_five_hundred_fifty_five(rows):
    levels = [row["level"] for row in rows.values()]
    assert (
        levels.count("ministry"),
        levels.count("province"),
        levels.count("prefecture"),
        levels.count("county"),
    ) == (
        1,
        6,
        61,
        555,
    )
    assert len(rows) == 623


@pytest.mark.parametrize(("code", "name"), SAMPLE_UNIT_NAMES)
def test_names_follow_the_conventions(rows, code, name):
    assert rows[code]["name"] == name


def test_names_are_unique(rows):
    names = [row["name"] for row in rows.values()]
    assert len(set(names)) == len(names)


def test_parents_and_provinces(rows):
    assert rows["000000"]["parent_code"] == ""
    assert {rows[code]["parent_code"] for code in b.PROVINCE_CODE_PREFIXES} == {"000000"}
    assert rows["500157"]["parent_code"] == "500000"
    assert rows["510107"]["parent_code"] == "510100"
    assert rows["510107"]["province_code"] == "510000"
    assert rows["510107"]["division_name"] == "武侯区"


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("000000", ""),
        ("500000", "渝"),
        ("510000", "川"),
        ("520000", "黔"),
        ("530000", "滇"),
        ("540000", "藏"),
        ("630000", "青"),
        ("510100", "成都"),
        ("510107", "武侯"),
        ("513200", "阿坝"),
        ("542500", "阿里"),
        ("520203", "六枝"),
        ("500157", "两江"),
        ("510726", "北川"),
    ],
)
def test_default_code_prefixes(rows, code, prefix):
    assert rows[code]["code_prefix"] == prefix


@pytest.mark.parametrize(
    ("code", "remote"),
    [
        ("540000", "true"),  # 西藏自治区公安厅
        ("540100", "true"),  # 拉萨市公安局
        ("542500", "true"),  # 阿里地区公安局
        ("630000", "false"),  # 青海省公安厅, in Xining
        ("630100", "false"),  # 西宁市公安局
        ("630102", "false"),  # 西宁市公安局城东区分局
        ("630200", "true"),  # 海东市公安局
        ("632700", "true"),  # 玉树藏族自治州公安局
        ("513200", "true"),  # 阿坝州
        ("513221", "true"),  # 汶川县
        ("513300", "true"),  # 甘孜州
        ("513401", "true"),  # 西昌市, 凉山州
        ("533300", "true"),  # 怒江州
        ("533422", "true"),  # 德钦县, 迪庆州
        ("510000", "false"),
        ("510107", "false"),
        ("530100", "false"),
        ("532800", "false"),  # 西双版纳
        ("500000", "false"),
        ("000000", "false"),
    ],
)
def test_default_remote_areas(rows, code, remote):
    assert rows[code]["is_remote"] == remote


def test_remote_count_is_the_documented_set(rows):
    remote = {code for code, row in rows.items() if row["is_remote"] == "true"}
    tibet = {code for code in rows if code.startswith("54")}
    qinghai = (
        {code for code in rows if code.startswith("63")}
        - {"630000"}
        - {code for code, row in rows.items() if row["parent_code"] == "630100" or code == "630100"}
    )
    prefectures = {"513200", "513300", "513400", "533300", "533400"}
    sichuan_yunnan = {
        code for code, row in rows.items() if code in prefectures or row["parent_code"] in prefectures
    }
    assert remote == tibet | qinghai | sichuan_yunnan


def test_extra_units_are_appended_and_may_not_reuse_a_code():
    divisions = b.read_divisions()
    extra = dict.fromkeys(b.UNIT_COLUMNS, "")
    extra.update(code="510199", name="成都市公安局天府新区分局", level="county", parent_code="510100")
    assert b.build_units(divisions, [extra])[-1]["name"] == "成都市公安局天府新区分局"
    with pytest.raises(b.DivisionDataError):
        b.build_units(divisions, [{**extra, "code": "510107"}])


def test_build_unit_data_check_passes_on_the_committed_file(capsys):
    from django.core.management import call_command

    call_command("build_unit_data", "--check")
    assert "up to date" in capsys.readouterr().out


def test_build_unit_data_check_fails_on_a_stale_file(tmp_path):
    from django.core.management import CommandError, call_command

    stale = tmp_path / "units.csv"
    stale.write_text(
        b.UNITS_CSV.read_text(encoding="utf-8").replace("汶川县公安局", "汶川公安局"), encoding="utf-8"
    )
    with pytest.raises(CommandError, match="out of date"):
        call_command("build_unit_data", "--check", "--output", str(stale))
    call_command("build_unit_data", "--output", str(stale))
    assert stale.read_text(encoding="utf-8") == b.UNITS_CSV.read_text(encoding="utf-8")
