"""The first-response exception to the dispute guard (公安部"六个严禁", 公通字〔2020〕6号, no. 3)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assistancerequest",
            name="first_response_urgent",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "An urgent measure at first response (先期处置); lets a unit other than the lead ask "
                    "for a coercive measure while the case's jurisdiction is disputed. Give the reason."
                ),
                verbose_name="first-response emergency",
            ),
        ),
        migrations.AddField(
            model_name="assistancerequest",
            name="first_response_reason",
            field=models.TextField(blank=True, verbose_name="reason for the first-response emergency"),
        ),
        migrations.AddConstraint(
            model_name="assistancerequest",
            constraint=models.CheckConstraint(
                condition=models.Q(first_response_urgent=False) | ~models.Q(first_response_reason=""),
                name="assistance_first_response_has_reason",
            ),
        ),
    ]
