"""The roll call records presence per participant: present, on leave (with the reason), absent, or a
delegate in their place (issue 20). Rows recorded before read as they printed, except that an
unanswered invitation is no leave."""

import django_fsm
from django.db import migrations, models


def fill_presence(apps, schema_editor):
    participant = apps.get_model("meetings", "MeetingParticipant")
    rows = participant.objects.filter(presence="")
    rows.filter(attended=True).update(presence="present")
    rows.filter(attended=False, answer="declined").update(presence="leave")
    rows.filter(attended=False, answer="delegated").update(presence="delegated")
    rows.filter(attended=False).update(presence="absent")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0005_normative_document_state_machine"),
    ]

    operations = [
        migrations.AddField(
            model_name="meetingparticipant",
            name="presence",
            field=models.CharField(
                blank=True,
                choices=[
                    ("present", "Present (到会)"),
                    ("leave", "On leave (请假)"),
                    ("absent", "Absent without leave (缺席)"),
                    ("delegated", "A delegate attended in their place"),
                ],
                default="",
                max_length=12,
                verbose_name="attendance recorded",
            ),
        ),
        migrations.AddField(
            model_name="meetingparticipant",
            name="presence_reason",
            field=models.TextField(blank=True, verbose_name="reason for leave"),
        ),
        migrations.AlterField(
            model_name="jointmeeting",
            name="state",
            field=django_fsm.FSMField(
                choices=[
                    ("draft", "Draft"),
                    ("scheduled", "Scheduled"),
                    ("postponed", "Postponed"),
                    ("in_session", "In session"),
                    ("closed", "Session ended"),
                    ("minutes_drafting", "Minutes being drafted"),
                    ("minutes_circulating", "Minutes circulating for signature"),
                    ("minutes_signed", "Minutes signed"),
                    ("published", "Minutes published"),
                    ("cancelled", "Cancelled"),
                ],
                default="draft",
                max_length=24,
                protected=True,
                verbose_name="state",
            ),
        ),
        migrations.RunPython(fill_presence, migrations.RunPython.noop),
    ]
