"""Drop the merged case's number from the surviving case's "merged" timeline notes (issue 16).

The note was written when the cases were merged and is read by whoever sees the surviving case,
who may not see the merged one (a restricted case). The merger panel names merged cases at read
time, as far as the reader may know them; the entry keeps the merged case's id in its data.
"""

from django.db import migrations


def drop_numbers(apps, schema_editor):
    TimelineEntry = apps.get_model("core", "TimelineEntry")
    TimelineEntry.objects.filter(target_type="cases.case", action="merged").exclude(note="").update(note="")


class Migration(migrations.Migration):
    dependencies = [
        ("jurisdiction", "0003_involve_designation_route"),
        ("core", "0003_timeline"),
    ]

    operations = [migrations.RunPython(drop_numbers, migrations.RunPython.noop)]
