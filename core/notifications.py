"""Notifications to users: in the application and by e-mail, through the outbox, each at most once.

`notify` writes one outbox message per recipient in the caller's transaction, so a notification
exists exactly when the change that caused it commits. The handler records the Notification row
(unique per user and key) and claims the e-mail by setting `emailed_at` in the same transaction
as the outbox row is marked done; the e-mail itself goes out after that commit. A retried or
duplicated delivery finds the row and the claim and sends nothing: an e-mail is sent at most once
(if the mail server fails at that moment it is lost, logged, and the in-app notification stays).

Subjects and bodies are message ids (plain or lazy gettext strings) with `%(name)s` parameters,
rendered when delivered in the site language (settings.LANGUAGE_CODE); lazy parameters are
translated then too.
"""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from core import outbox
from core.audit import json_safe
from core.models import Notification, OutboxMessage

logger = logging.getLogger(__name__)

TOPIC = "notification.deliver"
# The outbox key is f"notify:{key}:{user pk}" and holds at most 200 characters.
MAX_KEY_LENGTH = 160
_MSGID = "__msgid__"


def message_id(text: str | Promise) -> str:
    """Return the untranslated message id of a lazy string (or the string itself)."""
    if isinstance(text, Promise):
        with translation.override(None):
            return str(text)
    return str(text)


def _encode_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    encoded = {}
    for name, value in (params or {}).items():
        # A lazy parameter (a rule's label, a state's name) is translated with the message.
        encoded[str(name)] = {_MSGID: message_id(value)} if isinstance(value, Promise) else json_safe(value)
    return encoded


def _decode_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: translation.gettext(value[_MSGID]) if isinstance(value, dict) and _MSGID in value else value
        for name, value in params.items()
    }


def render(text: str, params: Mapping[str, Any]) -> str:
    """Translate a message id in the active language and fill in its (already encoded) parameters."""
    translated = translation.gettext(text) if text else ""
    values = _decode_params(params)
    return translated % values if values else translated


def notify(
    *,
    users: Iterable,
    key: str,
    subject: str | Promise,
    body: str | Promise = "",
    url: str = "",
    params: Mapping[str, Any] | None = None,
) -> int:
    """Notify each user once per key, in the caller's transaction; return how many were new.

    ``key`` names the event (e.g. "deadline:12:level:2"); notifying a user again with the same key
    adds nothing, however often or concurrently it is called.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"A notification key needs 1 to {MAX_KEY_LENGTH} characters: {key[:40]!r}")
    recipients = {user.pk: user for user in users if user is not None and user.pk is not None}
    if not recipients:
        return 0
    keys = {pk: f"notify:{key}:{pk}" for pk in recipients}
    payload = {
        "key": key,
        "subject": message_id(subject),
        "body": message_id(body),
        "url": url,
        "params": _encode_params(params),
    }
    with transaction.atomic():
        known = set(
            OutboxMessage.objects.filter(idempotency_key__in=keys.values()).values_list(
                "idempotency_key", flat=True
            )
        )
        new = 0
        for pk in sorted(recipients):
            if keys[pk] in known:
                continue
            outbox.enqueue(topic=TOPIC, payload={**payload, "user_id": pk}, key=keys[pk])
            new += 1
    return new


def _absolute(url: str) -> str:
    base = getattr(settings, "SITE_URL", "")
    return f"{base.rstrip('/')}{url}" if base and url.startswith("/") else url


def _send_email(notification_id: int, address: str, key: str) -> None:
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{_absolute(notification.url)}" if body else _absolute(notification.url)
    try:
        EmailMessage(
            subject=notification.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"X-Lianban-Notification-Key": key},
        ).send()
    except Exception:
        # The claim is already committed: the e-mail is not retried, so it is never sent twice.
        logger.exception(
            "E-mail for notification %s could not be sent; it stays in-app only", notification_id
        )


@outbox.handler(TOPIC)
def deliver(payload: dict[str, Any], *, key: str) -> None:
    """Record the user's notification, then claim and (after commit) send its e-mail, each once."""
    user = get_user_model()._default_manager.filter(pk=payload["user_id"]).first()
    if user is None:
        logger.info("Notification %s skipped: user %s no longer exists", payload["key"], payload["user_id"])
        return
    params = payload.get("params") or {}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render(payload["subject"], params)
        body = render(payload.get("body", ""), params)
    # Checked and recorded before anything is sent; the row lock orders two deliveries of one key.
    notification, _created = Notification.objects.select_for_update().get_or_create(
        user=user,
        key=payload["key"],
        defaults={"subject": subject[:255], "body": body, "url": payload.get("url", "")},
    )
    address = (user.email or "").strip()
    if not address or notification.emailed_at is not None or not user.is_active:
        return
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    transaction.on_commit(lambda: _send_email(notification.pk, address, payload["key"]))


# --- reads and marks for the API and the page ----------------------------------------------------


def notifications_for(user):
    """Return the user's own notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-id")


def unread_count(user) -> int:
    return Notification.objects.filter(user=user).unread().count()


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; raise Notification.DoesNotExist for anyone else's."""
    notification = Notification.objects.select_for_update().get(pk=notification_id, user=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user) -> int:
    """Mark all the user's unread notifications read; return how many."""
    return Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
