"""The remote-area flag is an administrator's setting per unit; today's list is its default.

MPS-2020 art 353 gives identity, age and criminal-record checks 15 days instead of 7 in a
交通十分不便的边远地区 but lists no area: which units count is a setting of the system (DOMAIN.md §2),
edited per unit in the admin. This migration marks the units of today's default list (the one
organisation/data/build_units.py writes into units.csv) as remote: all of Tibet; Qinghai except the
provincial organ and Xining; Sichuan's Aba, Garze and Liangshan; Yunnan's Nujiang and Diqing, with
every unit below them. A unit an administrator flagged outside the list keeps its flag. The list is
copied here, as a migration must not read code that may change later.
"""

from django.db import migrations, models

REMOTE_PROVINCES = {"540000", "630000"}
REMOTE_PREFECTURES = {"513200", "513300", "513400", "533300", "533400"}
XINING = "630100"
NOT_REMOTE = {"630000", XINING}


def is_listed(code: str, path: str, province_code: str) -> bool:
    """Return whether today's default list counts the unit as remote (a unit below a listed one too)."""
    chain = set(path.split("."))
    if code in NOT_REMOTE or XINING in chain:
        return False
    return province_code in REMOTE_PROVINCES or bool(chain & REMOTE_PREFECTURES)


def flag_listed_units(apps, schema_editor):
    Unit = apps.get_model("organisation", "Unit")
    listed = [
        pk
        for pk, code, path, province_code in Unit.objects.values_list("pk", "code", "path", "province_code")
        if is_listed(code, path, province_code)
    ]
    Unit.objects.filter(pk__in=listed, is_remote=False).update(is_remote=True)


class Migration(migrations.Migration):
    dependencies = [
        ("organisation", "0007_unit_level_station"),
    ]

    operations = [
        migrations.AlterField(
            model_name="unit",
            name="is_remote",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "A setting of the system, not a list in any article: identity, age and criminal-record "
                    "checks requested of this unit get 15 days instead of 7 (MPS-2020 art 353)."
                ),
                verbose_name="remote area (交通十分不便的边远地区)",
            ),
        ),
        # Nothing to undo: going back leaves the flags as they stand.
        migrations.RunPython(flag_listed_units, migrations.RunPython.noop),
    ]
