"""The audit trail: hash chain, refusal of changes by the database, audit_verify."""

import datetime as dt
import decimal
import io
import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from core import audit, context
from core.audit_db import allow_purge, set_purge
from core.models import AuditEvent


def _three_events():
    return [
        audit.record(action=f"test.event{i}", target=("test.thing", i), payload={"n": i}) for i in range(3)
    ]


def _raw(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_chain_links_events_and_verifies(db):
    first, second, third = _three_events()

    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert first.hash != second.hash != third.hash
    report = audit.verify_chain()
    assert report.ok
    assert report.count == AuditEvent.objects.count()
    # What was hashed is what the database gives back.
    stored = AuditEvent.objects.get(pk=third.pk)
    assert audit.compute_hash(stored) == third.hash


def test_record_keeps_context_actor_target_and_safe_payload(db, django_user_model):
    user = django_user_model.objects.create_user(username="audit_actor", password="not-used-here-1")
    token = context.activate(context.RequestContext("req-0123456789", "::ffff:192.0.2.7"))
    try:
        event = audit.record(
            action="test.recorded",
            actor=user,
            acting_unit_code="510107",
            target=user,
            payload={
                "when": dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC),
                "day": dt.date(2026, 3, 1),
                "amount": decimal.Decimal("12.50"),
                "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                "ratio": 2.0,
                "tags": {"b", "a"},
            },
        )
    finally:
        context.deactivate(token)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_username) == (user.pk, "audit_actor")
    assert (stored.target_type, stored.target_id) == (
        f"{user._meta.app_label}.{user._meta.model_name}",
        str(user.pk),
    )
    assert stored.acting_unit_code == "510107"
    assert stored.request_id == "req-0123456789"
    assert stored.client_address == "192.0.2.7"
    assert stored.payload == {
        "when": "2026-03-01T08:30:00+00:00",
        "day": "2026-03-01",
        "amount": "12.50",
        "id": "12345678-1234-5678-1234-567812345678",
        "ratio": 2,
        "tags": ["a", "b"],
    }
    assert audit.verify_chain().ok


def test_canonical_content_is_sorted_compact_utc(db):
    event = audit.record(action="test.canonical", payload={"b": 1, "a": "联办"})
    text = audit.canonical_content(event)

    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert json.loads(text)["occurred_at"].endswith("+00:00")
    assert '"payload":{"a":"联办","b":1}' in text


def test_verify_names_an_event_altered_behind_the_triggers_back(db):
    _, second, _ = _three_events()
    allow_purge(connection)
    _raw("UPDATE core_auditevent SET payload = %s WHERE id = %s", ['{"n": 99}', second.pk])

    report = audit.verify_chain()
    assert not report.ok
    assert report.broken.pk == second.pk
    with pytest.raises(CommandError, match=rf"event {second.pk} \(test.event1, "):
        call_command("audit_verify")


def test_verify_notices_a_removed_event(db):
    _, second, third = _three_events()
    allow_purge(connection)
    _raw("DELETE FROM core_auditevent WHERE id = %s", [second.pk])

    report = audit.verify_chain()
    assert report.broken.pk == third.pk
    assert "previous hash" in report.reason


def test_audit_verify_reports_ok_with_count(db):
    _three_events()
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    # No checkpoint in this test's store: the output says so (tests/core/test_audit_checkpoints.py).
    assert out.getvalue().strip() == (
        f"OK: {AuditEvent.objects.count()} audit events verified; no checkpoint yet"
    )


def test_database_refuses_update_and_delete_when_purge_is_closed(db):
    """Runs on either database: the test connection normally has the purge path open for flush."""
    event = audit.record(action="test.protected", payload={"n": 1})
    set_purge(connection, False)
    try:
        for sql in (
            "UPDATE core_auditevent SET action = 'forged' WHERE id = %s",
            "DELETE FROM core_auditevent WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                _raw(sql, [event.pk])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(payload={"n": 2})
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
    finally:
        set_purge(connection, True)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.payload) == ("test.protected", {"n": 1})
    assert audit.verify_chain().ok


def test_model_refuses_save_of_an_existing_event_and_delete(db):
    event = audit.record(action="test.protected")
    event.action = "forged"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()


@pytest.mark.postgres
def test_postgresql_refuses_update_delete_and_truncate(db):
    assert connection.vendor == "postgresql"
    event = audit.record(action="test.protected", payload={"n": 1})
    # Close the purge path for this test's transaction only; the rollback at the end restores it.
    _raw("SET LOCAL lianban.audit_purge = 'off'")

    for sql in (
        f"UPDATE core_auditevent SET payload = '{{}}' WHERE id = {event.pk}",
        f"DELETE FROM core_auditevent WHERE id = {event.pk}",
        "TRUNCATE core_auditevent",
        "TRUNCATE core_auditevent CASCADE",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw(sql)

    assert AuditEvent.objects.filter(pk=event.pk, payload={"n": 1}).exists()


@pytest.mark.postgres
def test_postgresql_chain_writers_take_the_advisory_lock(db):
    audit.record(action="test.locked")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            " AND ((classid::bigint << 32) | objid::bigint) = %s",
            [audit.CHAIN_LOCK_KEY],
        )
        # Held until the (test's) transaction ends, so chain order is commit order.
        assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("not an address", None),
        ("", None),
    ],
)
def test_client_address_is_stored_as_the_database_returns_it(db, given, stored):
    token = context.activate(context.RequestContext("req-0123456789", given))
    try:
        event = audit.record(action="test.address")
    finally:
        context.deactivate(token)
    assert AuditEvent.objects.get(pk=event.pk).client_address == stored
    assert audit.verify_chain().ok


def test_json_safe_refuses_what_it_cannot_represent():
    with pytest.raises(TypeError):
        audit.json_safe({"x": object()})
    assert audit.json_safe({"inf": float("inf"), 1: "a\x00b"}) == {"inf": "inf", "1": "a\ufffdb"}
