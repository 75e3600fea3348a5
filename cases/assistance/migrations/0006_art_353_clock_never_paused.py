"""MPS-2020 art 353: a question to the requester no longer stops the completion clock.

Clocks paused for a question run again, as if never paused: their due time goes back by the time
they stood still before (each resume had moved it on) and the escalation scan looks at them at once
(it sends whatever level has come due and sets the next).
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

REQUEST_TYPE = "assistance.assistancerequest"


def run_paused_clocks(apps, schema_editor):
    Deadline = apps.get_model("core", "Deadline")
    now = timezone.now()
    for row in Deadline.objects.filter(target_type=REQUEST_TYPE, state__in=["running", "paused"]).exclude(
        paused_seconds=0, state="running"
    ):
        row.due_at -= dt.timedelta(seconds=row.paused_seconds)
        row.paused_seconds = 0
        row.paused_at = None
        row.state = "running"
        row.next_escalation_at = now
        row.save(update_fields=["due_at", "paused_seconds", "paused_at", "state", "next_escalation_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0005_property_measure_state_machine"),
        ("core", "0004_deadlines_notifications_holidays"),
    ]

    operations = [migrations.RunPython(run_paused_clocks, migrations.RunPython.noop)]
