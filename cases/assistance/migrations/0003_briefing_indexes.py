"""Indexes for the crime-pattern briefing of joint meetings (issue 6, plan §9.1)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0002_first_response_urgent"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assistancerequest",
            index=models.Index(fields=["sent_at"], name="assistance_req_sent_at"),
        ),
        migrations.AddIndex(
            model_name="assistancerequest",
            index=models.Index(fields=["fulfilled_at"], name="assistance_req_fulfilled_at"),
        ),
    ]
