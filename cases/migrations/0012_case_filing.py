"""立案 becomes a step of its own (MPS-2020 art 178): the case records when and by whom it was filed.

Before this, starting the investigation was the filing. A case that was investigated counts as filed:
filed_at is when its timeline shows it first reached `under_investigation` (start_investigation, or a
jurisdiction settlement), by whom; a case in an investigating state or later whose timeline has no
such row is filed at its acceptance (or creation) time, by nobody known. Cases still `registered`, and
those revoked, merged or in question without ever being investigated, stay unfiled. Those cases have
no 呈请立案报告书 or 立案决定书 in the system: the links stay empty.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INVESTIGATED_STATES = ("under_investigation", "suspended", "transferred_for_prosecution", "closed")


def mark_investigated_cases_filed(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    TimelineEntry = apps.get_model("core", "TimelineEntry")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    first_investigated = {}
    rows = (
        TimelineEntry.objects.filter(target_type="cases.case", to_state="under_investigation")
        .order_by("occurred_at", "id")
        .values_list("target_id", "occurred_at", "actor_id")
    )
    for target_id, occurred_at, actor_id in rows.iterator():
        first_investigated.setdefault(target_id, (occurred_at, actor_id))
    candidates = Case.objects.filter(filed_at__isnull=True).exclude(state__in=("draft", "registered"))
    known_users = set()
    actor_ids = {actor_id for _at, actor_id in first_investigated.values() if actor_id is not None}
    if actor_ids:
        known_users = set(User.objects.filter(pk__in=actor_ids).values_list("pk", flat=True))
    for case in candidates.only("pk", "state", "accepted_at", "created_at").iterator():
        found = first_investigated.get(str(case.pk))
        if found is not None:
            filed_at, actor_id = found
            filed_by = actor_id if actor_id in known_users else None
        elif case.state in INVESTIGATED_STATES:
            filed_at, filed_by = case.accepted_at or case.created_at, None
        else:
            continue
        Case.objects.filter(pk=case.pk).update(filed_at=filed_at, filed_by_id=filed_by)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0011_jurisdiction_question_one_way'),
        ('documents', '0001_initial'),
        ('core', '0005_notification_about'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='filed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='filed (立案) at'),
        ),
        migrations.AddField(
            model_name='case',
            name='filed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='filing approved by'),
        ),
        migrations.AddField(
            model_name='case',
            name='filing_decision',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.document', verbose_name='filing decision (立案决定书)'),
        ),
        migrations.AddField(
            model_name='case',
            name='filing_report',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.document', verbose_name='report asking for the filing (呈请立案报告书)'),
        ),
        migrations.AddField(
            model_name='case',
            name='filing_requested_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='filing (立案) asked for at'),
        ),
        migrations.RunPython(mark_investigated_cases_filed, migrations.RunPython.noop),
    ]
