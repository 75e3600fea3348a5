"""Keyed checkpoints: truncating or rewriting the audit chain is detected, an intact chain passes.

The tampering is done as a database owner would: through the purge path the test harness opens
(as if the triggers were dropped), with plain SQL, recomputing hashes where a forger would.
"""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from core import audit, audit_checkpoints, periodic
from core.audit_db import allow_purge
from core.models import AuditEvent

# Runs on SQLite and on PostgreSQL alike (the PostgreSQL run executes this module too).
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Problems are asserted in English; the last test checks the Chinese an auditor sees by default.
    with translation.override("en"):
        yield


def _events(n, start=0):
    return [
        audit.record(action=f"test.cp{i}", target=("test.thing", i), payload={"n": i})
        for i in range(start, start + n)
    ]


def _checkpoint():
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    return out.getvalue()


def _verify():
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _raw(sql, params=None):
    allow_purge(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _store_lines():
    return [
        (path, line)
        for path in sorted(audit_checkpoints.store_dir().glob("checkpoints-*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_an_intact_chain_passes_against_its_checkpoints():
    _events(3)
    assert "Checkpoint 1:" in _checkpoint()
    _events(2, start=3)
    assert "Checkpoint 2:" in _checkpoint()
    _events(1, start=5)  # after the last checkpoint: checked by the chain alone

    total = AuditEvent.objects.count()
    output = _verify()
    assert output.startswith(f"OK: {total} audit events verified against 2 checkpoints (last: checkpoint 2, ")
    status = audit_checkpoints.chain_status()
    assert set(status) >= {"ok", "events", "checked_at", "last_checkpoint", "problems"}
    assert status["ok"] is True
    assert status["problems"] == []
    assert status["events"] == total
    assert status["last_checkpoint"]["seq"] == 2
    assert status["last_checkpoint"]["count"] == total - 1
    assert audit_checkpoints.chain_status(full=True)["ok"] is True


def test_an_unchanged_head_is_not_checkpointed_twice():
    _events(2)
    _checkpoint()
    assert "already checkpointed" in _checkpoint()
    assert len(_store_lines()) == 1


def test_deleting_the_newest_events_is_reported_as_truncation():
    events = _events(5)
    _checkpoint()
    # Old code: the shortened chain is still a valid chain, and audit_verify said OK.
    _raw("DELETE FROM core_auditevent WHERE id >= %s", [events[3].pk])
    assert audit.verify_chain().ok

    with pytest.raises(CommandError, match="Truncation: the audit table ends at event"):
        _verify()
    for full in (False, True):
        status = audit_checkpoints.chain_status(full=full)
        assert status["ok"] is False
        assert any("Truncation" in problem for problem in status["problems"])
    # The periodic job refuses to bless the shortened chain with a new checkpoint.
    _events(1, start=10)
    with pytest.raises(CommandError, match="No checkpoint written"):
        _checkpoint()


def test_rewriting_the_chain_with_recomputed_hashes_is_reported():
    events = _events(5)
    _checkpoint()
    # A forger changes event 2 and recomputes every hash after it, so the chain itself verifies.
    previous = events[1].hash
    for event in AuditEvent.objects.filter(pk__gte=events[2].pk).order_by("id"):
        if event.pk == events[2].pk:
            event.payload = {"n": 999}
        event.prev_hash = previous
        event.hash = audit.compute_hash(event)
        _raw(
            "UPDATE core_auditevent SET payload = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(event.payload), event.prev_hash, event.hash, event.pk],
        )
        previous = event.hash
    assert audit.verify_chain().ok

    with pytest.raises(
        CommandError, match=f"Event {events[-1].pk} no longer has the hash recorded in checkpoint 1"
    ):
        _verify()
    assert audit_checkpoints.chain_status()["ok"] is False


def test_deleting_an_event_before_a_checkpoint_and_relinking_is_reported():
    events = _events(5)
    _checkpoint()
    # Remove event 1 and relink event 2 onto event 0 with recomputed hashes: a valid, shorter chain.
    _raw("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    previous = events[0].hash
    for event in AuditEvent.objects.filter(pk__gt=events[1].pk).order_by("id"):
        event.prev_hash = previous
        event.hash = audit.compute_hash(event)
        _raw(
            "UPDATE core_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [event.prev_hash, event.hash, event.pk],
        )
        previous = event.hash
    assert audit.verify_chain().ok

    with pytest.raises(CommandError, match="no longer has the hash recorded"):
        _verify()


def test_deleting_a_checkpointed_event_without_relinking_is_reported():
    events = _events(4)
    _checkpoint()
    _events(2, start=4)
    _checkpoint()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [events[-1].pk])

    with pytest.raises(CommandError) as refused:
        _verify()
    message = str(refused.value)
    assert f"Audit chain broken at event {events[-1].pk + 1} " in message
    assert f"Event {events[-1].pk}, recorded in checkpoint 1" in message
    status = audit_checkpoints.chain_status()
    assert any("recorded in checkpoint 1" in problem for problem in status["problems"])
    assert any("counted" in problem for problem in status["problems"])


def test_an_edited_checkpoint_line_is_reported():
    _events(3)
    _checkpoint()
    [(path, line)] = _store_lines()
    forged = json.loads(line)
    forged["count"] = 1
    path.write_text(json.dumps(forged) + "\n")

    status = audit_checkpoints.chain_status()
    assert not status["ok"]
    assert any("does not carry a valid MAC" in problem for problem in status["problems"])
    # A line made by a forger is not trusted: the table is not judged against it.
    assert status["last_checkpoint"] is None


def test_a_removed_checkpoint_line_is_reported():
    _events(2)
    _checkpoint()
    _events(1, start=2)
    _checkpoint()
    _events(1, start=3)
    _checkpoint()
    lines = _store_lines()
    path = lines[0][0]
    path.write_text("\n".join(line for _, line in (lines[0], lines[2])) + "\n")

    status = audit_checkpoints.chain_status()
    assert any("does not follow the checkpoint before it" in problem for problem in status["problems"])


def test_a_checkpoint_made_with_another_key_is_reported(settings):
    _events(2)
    _checkpoint()
    settings.AUDIT_CHECKPOINT_KEY = "another-audit-checkpoint-key-" + "z" * 32
    status = audit_checkpoints.chain_status()
    assert any("made with another key" in problem for problem in status["problems"])


def test_files_rotate_monthly_and_chain_across_files():
    _events(2)
    first = audit_checkpoints.write_checkpoint(now=dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC))
    _events(1, start=2)
    second = audit_checkpoints.write_checkpoint(now=dt.datetime(2026, 12, 1, 0, 10, tzinfo=dt.UTC))
    assert (first.file, second.file) == ("checkpoints-2026-11.jsonl", "checkpoints-2026-12.jsonl")
    assert json.loads(_store_lines()[1][1])["prev_mac"] == first.mac
    assert audit_checkpoints.chain_status(full=True)["ok"]

    # Removing the older file breaks the chain of checkpoints.
    (audit_checkpoints.store_dir() / first.file).unlink()
    assert any("does not follow" in problem for problem in audit_checkpoints.chain_status()["problems"])


def test_the_store_is_only_appended_to():
    _events(1)
    _checkpoint()
    [(path, first_line)] = _store_lines()
    _events(1, start=1)
    _checkpoint()
    assert path.read_text().startswith(first_line + "\n")
    assert path.stat().st_mode & 0o777 == 0o640


def test_without_a_key_nothing_is_written_and_the_status_says_so(settings):
    settings.AUDIT_CHECKPOINT_KEY = ""
    _events(1)
    with pytest.raises(CommandError, match="AUDIT_CHECKPOINT_KEY is not set"):
        _checkpoint()
    status = audit_checkpoints.chain_status()
    assert status["ok"] is False
    assert any("AUDIT_CHECKPOINT_KEY" in problem for problem in status["problems"])


def test_no_checkpoint_yet_is_said_and_the_chain_still_checked():
    _events(2)
    assert _verify().strip() == f"OK: {AuditEvent.objects.count()} audit events verified; no checkpoint yet"
    status = audit_checkpoints.chain_status()
    assert (status["ok"], status["last_checkpoint"], status["full"]) == (True, None, True)


def test_a_periodic_job_writes_checkpoints():
    assert periodic.jobs() and "core.audit_checkpoint" in {job.name for job in periodic.jobs()}
    _events(2)
    periodic.run("core.audit_checkpoint")
    assert audit_checkpoints.chain_status()["last_checkpoint"]["count"] == AuditEvent.objects.count()


def test_problems_are_told_in_the_auditor_s_language():
    events = _events(3)
    _checkpoint()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [events[-1].pk])
    with translation.override("zh-hans"):
        assert any(problem.startswith("截断") for problem in audit_checkpoints.chain_status()["problems"])
    with translation.override("en"):
        assert any(
            problem.startswith("Truncation") for problem in audit_checkpoints.chain_status()["problems"]
        )
