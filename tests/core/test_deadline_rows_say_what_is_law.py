"""Deadline rows started before the rules said what is law: migration 0006 takes the article off the
periods no article sets (MPS-2020 art 348's acknowledgement, art 22's consultation, an identity check
shortened for urgency) and writes the renewal article of a freeze (art 240) in the canonical form."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from core.deadline_rows import deadline_start
from core.deadlines import SHANGHAI

pytestmark = pytest.mark.django_db

migration = importlib.import_module("core.migrations.0006_deadline_rows_say_what_is_law")
START = dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)


def _row(target_id: str, rule_key: str, old_citation: str, **extra):
    deadline = deadline_start(
        target=("cases.assistancerequest", target_id),
        rule_key=rule_key,
        start=START,
        responsible_unit_code="520100",
        **extra,
    )
    deadline.citation = old_citation
    deadline.save(update_fields=["citation"])
    return deadline


def test_running_rows_lose_the_article_no_article_sets_mps_2020_arts_22_348_353():
    acknowledgement = _row("1", "acknowledge_receipt", "MPS-2020 art 348")
    consultation = _row("2", "jurisdiction_consultation", "MPS-2020 art 22")
    urgent_check = _row("3", "identity_check", "MPS-2020 art 353", urgency="urgent")
    check = _row("4", "identity_check", "MPS-2020 art 353")
    freeze = _row("5", "freeze_deposits", "MPS-2020 art 243 ¶1; renew before expiry, art 240")

    migration.forwards(apps, None)

    for deadline in (acknowledgement, consultation, urgent_check, check, freeze):
        deadline.refresh_from_db()
    assert (acknowledgement.citation, consultation.citation, urgent_check.citation) == ("", "", "")
    assert check.citation == "MPS-2020 art 353"  # 7 days: the article's own period
    assert freeze.citation == "MPS-2020 art 243 ¶1; MPS-2020 art 240"
