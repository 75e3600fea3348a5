"""Deadline rows of action items no longer copy the task (which may name a case) as their label."""

from django.db import migrations

RULE_LABEL = "Action item of a joint meeting"


def neutral_labels(apps, schema_editor):
    Deadline = apps.get_model("core", "Deadline")
    Deadline.objects.filter(target_type="meetings.actionitem").exclude(label=RULE_LABEL).update(label=RULE_LABEL)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_deadlines_notifications_holidays"),
        ("meetings", "0003_agenda_text_at_read_time"),
    ]

    operations = [migrations.RunPython(neutral_labels, migrations.RunPython.noop)]
