"""Deadline rows already running say what is law and what is practice, as new ones do.

A period no article sets carries no citation (core.deadlines.DeadlineRule.citation_for): the
acknowledgement of an assistance request (MPS-2020 art 348 sets no number), the consultation's 7 days
(art 22 sets none) and an identity check shortened for urgency (art 353 sets 7 or 15 days). The
freeze rows cite the renewal article in the canonical form instead of an English phrase.
"""

from django.db import migrations

SYSTEM_DEFAULT_RULES = ("acknowledge_receipt", "jurisdiction_consultation")
# The urgent periods of the identity check; 7 and 15 days are the article's.
URGENT_IDENTITY_CHECK_PERIODS = ("3 days", "24 hours")
OLD_RENEWAL = "; renew before expiry, art 240"
NEW_RENEWAL = "; MPS-2020 art 240"


def forwards(apps, schema_editor):
    Deadline = apps.get_model("core", "Deadline")
    Deadline.objects.filter(rule_key__in=SYSTEM_DEFAULT_RULES).exclude(citation="").update(citation="")
    Deadline.objects.filter(rule_key="identity_check", period__in=URGENT_IDENTITY_CHECK_PERIODS).exclude(
        citation=""
    ).update(citation="")
    for deadline in Deadline.objects.filter(citation__endswith=OLD_RENEWAL).only("pk", "citation"):
        Deadline.objects.filter(pk=deadline.pk).update(
            citation=deadline.citation.replace(OLD_RENEWAL, NEW_RENEWAL)
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0005_notification_about")]

    # Nothing to undo: the old citations were the mislabelling.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
