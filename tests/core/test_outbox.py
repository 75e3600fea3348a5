"""The outbox: enqueue in the caller's transaction, relay after commit, deliver once."""

import logging
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from core import audit, outbox
from core.models import AuditEvent, OutboxMessage, OutboxState


@pytest.fixture(autouse=True)
def _eager_and_not_in_backoff(eager_celery):
    """Run tasks eagerly whatever CELERY_BROKER_URL the shell has: these tests are about the outbox."""


@pytest.fixture
def calls(monkeypatch):
    """A test topic whose handler records what it was given."""
    seen = []

    def record_call(payload, *, key):
        seen.append((payload, key))

    monkeypatch.setitem(outbox._handlers, "test.record", record_call)
    return seen


@pytest.fixture
def failing(monkeypatch):
    """A test topic whose handler writes to the database and then fails."""

    def fail(payload, *, key):
        audit.record(action="test.half_done")
        raise RuntimeError("the printer is on fire")

    monkeypatch.setitem(outbox._handlers, "test.fail", fail)


def _mail(key, subject="Assistance request received"):
    return outbox.enqueue(
        topic="mail.send",
        payload={"subject": subject, "body": "请查收。", "to": ["intake@example.cn"]},
        key=key,
    )


def test_enqueue_twice_with_one_key_writes_one_row_and_one_relay(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = _mail("mail:case-1:registered")
        second = _mail("mail:case-1:registered", subject="something else")

    assert first.pk == second.pk
    assert OutboxMessage.objects.filter(idempotency_key="mail:case-1:registered").count() == 1
    assert OutboxMessage.objects.get().payload["subject"] == "Assistance request received"
    assert len(callbacks) == 1


def test_enqueue_refuses_an_unknown_topic(db):
    with pytest.raises(ValueError, match=r"no\.such\.topic"):
        outbox.enqueue(topic="no.such.topic", payload={}, key="k")


def test_rolled_back_transaction_leaves_no_row_and_no_effect(db, django_capture_on_commit_callbacks, calls):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        outbox.enqueue(topic="test.record", payload={"n": 1}, key="rolled-back")
        1 / 0  # noqa: B018

    assert not OutboxMessage.objects.filter(idempotency_key="rolled-back").exists()
    assert calls == []


def test_eager_delivery_happens_once_however_often_relayed(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _mail("mail:case-2:registered")

    message.refresh_from_db()
    assert message.state == OutboxState.DONE
    assert (message.dispatch_count, message.delivery_count, message.attempts) == (1, 1, 0)
    assert message.delivered_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["intake@example.cn"]
    assert mail.outbox[0].extra_headers["X-Lianban-Outbox-Key"] == "mail:case-2:registered"

    assert outbox.relay() == 0
    assert outbox.sweep() == 0
    assert outbox.deliver(message.pk) == OutboxState.DONE
    message.refresh_from_db()
    assert message.delivery_count == 1
    assert len(mail.outbox) == 1


def test_handler_failure_keeps_the_row_pending_then_fails_it(db, django_capture_on_commit_callbacks, failing):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(topic="test.fail", payload={}, key="fails")

    message.refresh_from_db()
    assert (message.state, message.attempts, message.delivery_count) == (OutboxState.PENDING, 1, 0)
    assert message.last_error == "RuntimeError: the printer is on fire"
    # The handler's own writes rolled back with it.
    assert not AuditEvent.objects.filter(action="test.half_done").exists()

    for _ in range(outbox.MAX_ATTEMPTS - 1):
        outbox.deliver(message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.FAILED, outbox.MAX_ATTEMPTS)
    assert outbox.deliver(message.pk) == OutboxState.FAILED
    message.refresh_from_db()
    assert message.attempts == outbox.MAX_ATTEMPTS


def test_sweep_relays_rows_never_dispatched_or_dispatched_long_ago(db, calls, settings):
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS + 1)
    rows = {
        name: OutboxMessage.objects.create(
            topic="test.record",
            payload={"name": name},
            idempotency_key=name,
            dispatched_at=at,
            dispatch_count=0 if at is None else 1,
        )
        for name, at in [("never", None), ("recent", now), ("stale", stale)]
    }
    OutboxMessage.objects.create(
        topic="test.record", payload={"name": "done"}, idempotency_key="done", state=OutboxState.DONE
    )

    assert outbox.sweep() == 2

    assert sorted(payload["name"] for payload, _ in calls) == ["never", "stale"]
    for name, row in rows.items():
        row.refresh_from_db()
        assert row.state == (OutboxState.PENDING if name == "recent" else OutboxState.DONE)


def test_outbox_sweep_command(db, calls):
    OutboxMessage.objects.create(topic="test.record", payload={}, idempotency_key="pending-for-command")
    out_lines = []

    class Out:
        def write(self, text):
            out_lines.append(text)

    call_command("outbox_sweep", stdout=Out())
    assert "1 outbox messages published" in "".join(out_lines)
    assert len(calls) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_broker(monkeypatch):
    """Point the publisher at a port where nothing listens; tasks no longer run eagerly."""
    # Celery prefers the environment variable to the configured broker_url.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    celery_app.conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_commit_succeeds_and_row_stays_pending_while_the_broker_is_down(
    db, django_capture_on_commit_callbacks, dead_broker, caplog
):
    with (
        caplog.at_level(logging.WARNING, logger="core.outbox"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = _mail("mail:while-down")

    message.refresh_from_db()
    assert (message.state, message.dispatch_count, message.dispatched_at) == (OutboxState.PENDING, 0, None)
    assert "could not reach the broker" in caplog.text
    # Later relays from requests stand aside for a while instead of each waiting on the broker.
    assert outbox.relay() == 0
    assert len(mail.outbox) == 0
