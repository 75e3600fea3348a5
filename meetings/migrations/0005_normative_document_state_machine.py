"""A normative document's status becomes a protected state field: it changes only through its transition."""

import django_fsm
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_action_item_deadline_labels"),
    ]

    operations = [
        migrations.AlterField(
            model_name="normativedocument",
            name="status",
            field=django_fsm.FSMField(
                choices=[("in_force", "In force"), ("repealed", "Repealed")],
                default="in_force",
                max_length=12,
                protected=True,
                verbose_name="status",
            ),
        ),
    ]
