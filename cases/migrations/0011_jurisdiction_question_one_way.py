"""Jurisdiction is settled one way only, through a jurisdiction proceeding (issue 17).

The case's own step that put its jurisdiction in question (`open_jurisdiction_question` offered on the
case page and the API) is gone, and with it `settle_jurisdiction` as a step of its own: both are now
only what a proceeding does to the case. A case that the old step left in question with no proceeding
open would wait for a settlement nothing can give any more. It goes back to the state it was in
before the question (registered, or under investigation with its lead), from which its unit may open
a proceeding. Its timeline keeps the question and gains the row that closes it; the audit trail
records it. The rows of the old steps (timeline and audit) stay as they were.
"""

from django.db import migrations

# jurisdiction.models.ACTIVE_STATES when this was written.
ACTIVE_PROCEEDING_STATES = (
    "open",
    "consulting",
    "agreed",
    "designation_requested",
    "forwarding",
    "at_superior",
    "designated",
    "transferring",
    "handover",
)
ACTION = "jurisdiction_question_dropped"
RESTORABLE = ("registered", "under_investigation")


def close_questions_without_a_proceeding(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Proceeding = apps.get_model("jurisdiction", "JurisdictionProceeding")
    TimelineEntry = apps.get_model("core", "TimelineEntry")
    open_cases = Proceeding.objects.filter(state__in=ACTIVE_PROCEEDING_STATES).values("case_id")
    stranded = Case.objects.filter(state="jurisdiction_pending").exclude(pk__in=open_cases).order_by("pk")
    if not stranded.exists():
        return
    # The audit event must join the hash chain: only the chain's own writer appends to it.
    from core import audit

    for case in stranded:
        opened = (
            TimelineEntry.objects.filter(
                target_type="cases.case", target_id=str(case.pk), action="open_jurisdiction_question"
            )
            .order_by("-occurred_at", "-id")
            .first()
        )
        if opened is not None and opened.from_state in RESTORABLE:
            back = opened.from_state
        else:
            back = "under_investigation" if case.lead_unit_id else "registered"
        Case.objects.filter(pk=case.pk).update(state=back)
        details = {"from": "jurisdiction_pending", "to": back, "why": "issue 17: one way to settle"}
        TimelineEntry.objects.create(
            target_type="cases.case",
            target_id=str(case.pk),
            action=ACTION,
            from_state="jurisdiction_pending",
            to_state=back,
            data=details,
        )
        audit.record(action=f"cases.case.{ACTION}", target=("cases.case", str(case.pk)), payload=details)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_person_pinyin"),
        ("core", "0005_notification_about"),
        ("jurisdiction", "0004_merged_note_without_number"),
    ]

    operations = [
        migrations.RunPython(close_questions_without_a_proceeding, migrations.RunPython.noop, elidable=False)
    ]
