"""The transactional outbox: side effects written with the change, handed to Celery after commit.

`enqueue` writes an OutboxMessage in the caller's transaction and asks for a `relay` once it
commits. The relay publishes one Celery task per pending row; when the broker is down it logs and
leaves the row pending, so a web request never needs Redis. The periodic `sweep` re-relays what is
still pending. The consumer (`deliver`) marks a row done under a row lock in the same transaction
as its handler runs, so however often a row is published its effect happens once.

Handlers are registered per topic by the app that owns the effect:

    @outbox.handler("mail.send")
    def send(payload: dict, *, key: str) -> None: ...

A handler that raises has its writes rolled back and is retried. One that could not do its effect
yet but wrote something people should see meanwhile (a document marked "rendering failed" with the
reason) returns `RetryLater(reason)`: its writes stand and the message is retried all the same.
"""

import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core import background, periodic
from core.audit import json_safe
from core.models import OutboxMessage, OutboxState
from core.registry import Registry

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# After a broker error, relays from the request path stand aside this long instead of each
# waiting for their own connection timeout; the sweep still tries, and a success reopens.
BROKER_BACKOFF_SECONDS = 15

Handler = Callable[..., Any]


class RetryLater:
    """Returned by a handler whose effect must wait (e.g. the media volume is read-only)."""

    def __init__(self, reason: str):
        self.reason = reason


_handlers: Registry[str, Handler] = Registry("outbox handlers")
# Topics whose handler is idempotent under a claim of its own and keeps its writes short: deliver()
# runs it outside the message's row lock (documents.render, whose 1–3 s render would otherwise hold
# SQLite's database-wide write lock, taken by that row lock, for all of it).
_own_transaction: Registry[str, bool] = Registry("outbox topics delivered outside the row lock")
_broker_down_until = 0.0


def handler(topic: str, *, own_transaction: bool = False) -> Callable[[Handler], Handler]:
    """Register the function that performs messages of one topic: `func(payload, *, key)`.

    `own_transaction=True` is for a handler that makes its effect happen once by itself (a claim and
    a check of its own, so running it twice does nothing more) and writes in short transactions of
    its own: deliver() then runs it before taking the message's row lock, and marks the row after.
    """
    if own_transaction:
        _own_transaction.add(topic, True)
    return _handlers.entry(topic)


def handlers() -> dict[str, Handler]:
    return _handlers.as_dict()


def enqueue(*, topic: str, payload: dict[str, Any], key: str) -> OutboxMessage:
    """Write a side effect in the caller's transaction; relay it to Celery once that commits.

    The key makes the effect idempotent: enqueueing an existing key returns the existing row
    and adds nothing.
    """
    if topic not in _handlers:
        raise ValueError(f"No outbox handler for topic {topic!r}")
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(
            idempotency_key=key, defaults={"topic": topic, "payload": json_safe(dict(payload))}
        )
    if created:
        # In the embedded (eager) setup a web request leaves the handler to the worker thread
        # (core.background), so a render never runs inside the request that asked for it.
        transaction.on_commit(lambda: background.run_or_submit(relay, [message.pk]), robust=True)
    elif message.topic != topic:
        logger.warning("Outbox key %s already used for topic %s, not %s", key, message.topic, topic)
    return message


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError

    return (OperationalError, OSError)


def relay(ids: Iterable[int] | None = None) -> int:
    """Publish a delivery task for each pending message (all, or those ids); return how many.

    A broker error stops the relay with a warning and leaves the rest pending for the sweep.
    """
    if time.monotonic() < _broker_down_until:
        logger.info("Outbox relay deferred: the broker failed less than %ss ago", BROKER_BACKOFF_SECONDS)
        return 0
    return _relay(ids)


def _relay(ids: Iterable[int] | None) -> int:
    global _broker_down_until
    from core.tasks import deliver_outbox_message

    pending = OutboxMessage.objects.filter(state=OutboxState.PENDING)
    if ids is not None:
        pending = pending.filter(pk__in=list(ids))
    published = 0
    for pk in pending.order_by("id").values_list("pk", flat=True):
        try:
            deliver_outbox_message.apply_async(args=[pk])
        except _broker_errors() as exc:
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
            logger.warning("Outbox relay could not reach the broker (%s); message %s stays pending", exc, pk)
            break
        except Exception:
            # Only reachable when tasks run eagerly; deliver() records handler errors itself.
            logger.exception("Outbox relay failed for message %s; it stays pending", pk)
            continue
        _broker_down_until = 0.0
        OutboxMessage.objects.filter(pk=pk).update(
            dispatched_at=timezone.now(), dispatch_count=F("dispatch_count") + 1
        )
        published += 1
    return published


def sweep() -> int:
    """Re-relay pending messages never handed to the broker or handed over too long ago."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
    due = OutboxMessage.objects.filter(state=OutboxState.PENDING).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=cutoff)
    )
    ids = list(due.order_by("id").values_list("pk", flat=True))
    if not ids:
        return 0
    published = _relay(ids)
    logger.info("Outbox sweep: %s due, %s published", len(ids), published)
    return published


def deliver(message_id: int) -> str:
    """Perform one message's effect at most once; return the message's state afterwards."""
    unlocked = OutboxMessage.objects.filter(pk=message_id, topic__in=_own_transaction.keys()).first()
    if unlocked is not None and unlocked.state == OutboxState.PENDING:
        return _deliver_outside_the_lock(unlocked)
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            logger.warning("Outbox message %s does not exist", message_id)
            return "missing"
        if message.state != OutboxState.PENDING:
            return message.state
        try:
            func = _handlers.get(message.topic)
            if func is None:
                raise LookupError(f"no handler for topic {message.topic!r}")
            # A savepoint, so a handler's failed writes roll back without losing the failure count.
            with transaction.atomic():
                outcome = func(message.payload, key=message.idempotency_key)
        except Exception as exc:
            return _note_failure(message, f"{type(exc).__name__}: {exc}")
        if isinstance(outcome, RetryLater):
            return _note_failure(message, outcome.reason)
        message.state = OutboxState.DONE
        message.delivered_at = timezone.now()
        message.delivery_count = F("delivery_count") + 1
        message.save(update_fields=["state", "delivered_at", "delivery_count"])
        return OutboxState.DONE


def _deliver_outside_the_lock(message: OutboxMessage) -> str:
    """Run an own-transaction handler with no lock held, then record its outcome under the row lock."""
    failure = None
    try:
        outcome = _handlers[message.topic](message.payload, key=message.idempotency_key)
    except Exception as exc:
        outcome, failure = None, f"{type(exc).__name__}: {exc}"
    if isinstance(outcome, RetryLater):
        failure = outcome.reason
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message.pk).first()
        if message is None:
            return "missing"
        if message.state != OutboxState.PENDING:
            # Another delivery got here first; the handler's own check made this run a no-op.
            return message.state
        if failure is not None:
            return _note_failure(message, failure)
        message.state = OutboxState.DONE
        message.delivered_at = timezone.now()
        message.delivery_count = F("delivery_count") + 1
        message.save(update_fields=["state", "delivered_at", "delivery_count"])
        return OutboxState.DONE


def _note_failure(message: OutboxMessage, reason: str) -> str:
    """Count a failed attempt; after MAX_ATTEMPTS the message fails for good. Return its state."""
    message.attempts += 1
    message.last_error = reason[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.state = OutboxState.FAILED
        logger.error("Outbox message %s (%s) failed for good: %s", message.pk, message.topic, reason)
    else:
        logger.warning(
            "Outbox message %s (%s) failed, attempt %s: %s",
            *(message.pk, message.topic, message.attempts, reason),
        )
    message.save(update_fields=["attempts", "last_error", "state"])
    return message.state


@handler("mail.send")
def send_mail(payload: dict[str, Any], *, key: str) -> None:
    """Send one e-mail: payload {"subject", "body", "to": [addresses], optional "from"}."""
    recipients = payload["to"]
    if isinstance(recipients, str):
        recipients = [recipients]
    EmailMessage(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload.get("from") or settings.DEFAULT_FROM_EMAIL,
        to=list(recipients),
        headers={"X-Lianban-Outbox-Key": key},
    ).send()


@periodic.register("core.outbox_sweep", every_seconds=settings.OUTBOX_SWEEP_SECONDS)
def _sweep_job() -> None:
    sweep()
