"""Loading the unit tree: counts, names, departments, intake points, and reloads that change what changed."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from organisation.models import Department, DepartmentKind, Unit, UnitLevel
from organisation.services import organisation_load
from tests.support.organisation import SAMPLE_UNIT_NAMES, edited_copy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Assert on the msgids, whatever the catalogues say."""
    with translation.override("en"):
        yield


def _rename(code, name):
    def edit(rows):
        for row in rows:
            if row["code"] == code:
                row["name"] = name
        return rows

    return edit


def test_unit_counts_per_level():
    assert Unit.objects.count() == 623
    assert Unit.objects.filter(level=UnitLevel.MINISTRY).count() == 1
    assert Unit.objects.filter(level=UnitLevel.PROVINCE).count() == 6
    assert Unit.objects.filter(level=UnitLevel.PREFECTURE).count() == 61
    assert Unit.objects.filter(level=UnitLevel.COUNTY).count() == 555
    assert not Unit.objects.filter(is_active=False).exists()


@pytest.mark.parametrize(("code", "name"), SAMPLE_UNIT_NAMES)
def test_unit_names(code, name):
    assert Unit.objects.get(code=code).name == name


def test_paths_parents_and_attributes():
    wuhou = Unit.objects.select_related("parent__parent__parent").get(code="510107")
    assert wuhou.path == "000000.510000.510100.510107"
    assert [wuhou.parent.code, wuhou.parent.parent.code, wuhou.parent.parent.parent.code] == [
        "510100",
        "510000",
        "000000",
    ]
    assert Unit.objects.get(code="500157").path == "000000.500000.500157"
    assert Unit.objects.get(code="000000").parent is None
    assert Unit.objects.get(code="510000").code_prefix == "川"
    assert Unit.objects.get(code="513221").is_remote
    assert not Unit.objects.get(code="510107").is_remote
    assert not Unit.objects.exclude(code="000000").filter(parent__isnull=True).exists()


@pytest.mark.parametrize(
    ("code", "criminal", "legal"),
    [
        ("000000", "刑事侦查局", "法制局"),
        ("510000", "刑事侦查总队", "法制总队"),
        ("500000", "刑事侦查总队", "法制总队"),
        ("510100", "刑事侦查支队", "法制支队"),
        ("510107", "刑事侦查大队", "法制大队"),
    ],
)
def test_standard_departments_named_by_level(code, criminal, legal):
    departments = {d.kind: d for d in Department.objects.filter(unit__code=code)}
    assert set(departments) == set(DepartmentKind.values) - {DepartmentKind.OTHER}
    assert departments[DepartmentKind.CRIMINAL].name == criminal
    assert departments[DepartmentKind.LEGAL].name == legal
    assert departments[DepartmentKind.COMMAND].name == "情报指挥中心"
    assert {d.code_prefix for d in departments.values()} == set("刑经治禁网法情")


def test_every_unit_has_seven_departments_and_the_command_centre_as_intake_point():
    assert Department.objects.count() == 623 * 7
    assert not Unit.objects.filter(intake_department__isnull=True).exists()
    unit = Unit.objects.select_related("intake_department").get(code="530100")
    assert unit.intake_department.kind == DepartmentKind.COMMAND
    assert unit.intake_department.unit_id == unit.pk


def test_second_run_changes_nothing_in_few_queries(django_assert_max_num_queries):
    before = list(Unit.objects.values_list("code", "name", "path", "parent_id", "is_active"))
    with django_assert_max_num_queries(8):
        report = organisation_load()
    assert not report.changed
    assert (report.units_created, report.units_updated, report.units_deactivated) == (0, 0, 0)
    assert report.units_unchanged == 623
    assert report.departments_created == 0
    assert list(Unit.objects.values_list("code", "name", "path", "parent_id", "is_active")) == before


def test_command_says_when_nothing_changed(capsys):
    call_command("load_organisation")
    assert "up to date" in capsys.readouterr().out


def test_edits_made_by_hand_survive_a_reload():
    unit = Unit.objects.get(code="510100")
    unit.code_prefix = "蓉"
    unit.is_remote = True
    unit.save()
    department = Department.objects.get(unit=unit, kind=DepartmentKind.CRIMINAL)
    department.name = "刑事侦查支队（反诈中心）"
    department.save()
    intake = Department.objects.get(unit=unit, kind=DepartmentKind.LEGAL)
    Unit.objects.filter(pk=unit.pk).update(intake_department=intake)

    assert not organisation_load().changed

    unit.refresh_from_db()
    assert (unit.code_prefix, unit.is_remote, unit.intake_department_id) == ("蓉", True, intake.pk)
    assert Department.objects.get(pk=department.pk).name == "刑事侦查支队（反诈中心）"


def test_a_renamed_unit_is_updated_not_duplicated(tmp_path):
    pk = Unit.objects.get(code="510107").pk
    report = organisation_load(path=edited_copy(tmp_path, _rename("510107", "成都市公安局武侯分局")))
    assert (report.units_created, report.units_updated, report.units_deactivated) == (0, 1, 0)
    assert report.updated_codes == ["510107"]
    assert Unit.objects.count() == 623
    assert Unit.objects.get(code="510107").name == "成都市公安局武侯分局"
    assert Unit.objects.get(code="510107").pk == pk


def test_a_name_edited_by_hand_is_kept_on_rename(tmp_path):
    Unit.objects.filter(code="510107").update(name="武侯公安分局", name_overridden=True)
    report = organisation_load(path=edited_copy(tmp_path, _rename("510107", "成都市公安局武侯分局")))
    assert report.units_updated == 0
    assert Unit.objects.get(code="510107").name == "武侯公安分局"


def test_a_unit_gone_from_the_data_is_deactivated_then_reactivated(tmp_path):
    gone = edited_copy(tmp_path, lambda rows: [row for row in rows if row["code"] != "500157"])
    report = organisation_load(path=gone)
    assert (report.units_created, report.units_updated, report.units_deactivated) == (0, 0, 1)
    assert report.deactivated_codes == ["500157"]
    unit = Unit.objects.get(code="500157")
    assert not unit.is_active
    assert unit.departments.count() == 7  # kept, like the unit itself

    assert organisation_load(path=gone).units_deactivated == 0  # already inactive: nothing to do

    report = organisation_load()
    assert report.units_updated == 1
    assert Unit.objects.get(code="500157").is_active


def test_a_new_unit_and_a_moved_unit(tmp_path):
    def edit(rows):
        extra = dict(rows[-1])
        extra.update(
            code="510199",
            name="成都市公安局天府新区分局",
            division_name="",
            level="county",
            parent_code="510100",
            province_code="510000",
            code_prefix="天府",
            is_remote="false",
        )
        for row in rows:
            if row["code"] == "513221":  # 汶川县 moved under 成都 (not real; exercises the path update)
                row["parent_code"] = "510100"
        return [*rows, extra]

    report = organisation_load(path=edited_copy(tmp_path, edit))
    assert (report.units_created, report.units_updated) == (1, 1)
    assert report.departments_created == 7
    assert report.intake_points_set == 1
    new = Unit.objects.select_related("intake_department").get(code="510199")
    assert new.path == "000000.510000.510100.510199"
    assert new.code_prefix == "天府"
    assert new.intake_department.name == "情报指挥中心"
    assert Unit.objects.get(code="513221").path == "000000.510000.510100.513221"


def test_bad_data_is_refused_and_nothing_is_written(tmp_path):
    orphan = edited_copy(tmp_path, lambda rows: [row for row in rows if row["code"] != "510100"])
    with pytest.raises(ValidationError, match="510104"):
        organisation_load(path=orphan)
    assert Unit.objects.filter(is_active=True).count() == 623
    with pytest.raises(CommandError, match="no parent"):
        call_command("load_organisation", "--path", str(orphan), verbosity=0)


def test_load_into_an_empty_tree_creates_everything(django_assert_max_num_queries):
    Unit.objects.update(intake_department=None)
    Department.objects.all().delete()
    Unit.objects.order_by("-level").update(parent=None)
    Unit.objects.all().delete()
    with django_assert_max_num_queries(60):
        report = organisation_load()
    assert (report.units_created, report.departments_created, report.intake_points_set) == (623, 4361, 623)
    assert Unit.objects.get(code="510107").path == "000000.510000.510100.510107"
