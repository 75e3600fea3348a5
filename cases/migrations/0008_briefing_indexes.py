"""Indexes for the crime-pattern briefing of joint meetings (issue 6, plan §9.1)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_case_merged_into"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["accepted_at", "accepting_unit"], name="case_accepted_at"),
        ),
        migrations.AddIndex(
            model_name="caseperson",
            index=models.Index(
                condition=models.Q(("role", "suspect"), models.Q(("id_number", ""), _negated=True)),
                fields=["id_number", "case"],
                name="case_person_suspect_id",
            ),
        ),
    ]
