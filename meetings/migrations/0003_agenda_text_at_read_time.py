"""An agenda item keeps no text taken from a case (issue 16): what it says is composed when read.

Items that reference a matter lose the title and summary written when they were added (they were
copies of case text under the discovery rules of that day, which outlived a later 限制); the agenda
composes both for each viewer now. The meeting's timeline rows that repeated such a title lose
that note too. Free topics and the briefing keep their titles.
"""

from django.db import migrations, models

AGENDA_ACTIONS = ("agenda_add", "agenda_update", "agenda_remove", "agenda_outcome")


def forget_case_text(apps, schema_editor):
    AgendaItem = apps.get_model("meetings", "AgendaItem")
    TimelineEntry = apps.get_model("core", "TimelineEntry")
    matters = AgendaItem.objects.exclude(target_type="")
    titles = {}
    for meeting_id, title in matters.values_list("meeting_id", "title"):
        if title:
            titles.setdefault(str(meeting_id), set()).add(title)
    for meeting_id, known in titles.items():
        TimelineEntry.objects.filter(
            target_type="meetings.jointmeeting",
            target_id=meeting_id,
            action__in=AGENDA_ACTIONS,
            note__in=sorted(known),
        ).update(note="")
    matters.update(title="", summary="")
    AgendaItem.objects.exclude(summary="").update(summary="")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_timeline"),
        ("meetings", "0002_resolution_repeals"),
    ]

    operations = [
        migrations.AlterField(
            model_name="agendaitem",
            name="title",
            field=models.CharField(blank=True, max_length=200, verbose_name="title"),
        ),
        migrations.RunPython(forget_case_text, migrations.RunPython.noop),
    ]
