"""Notifications to users: in the application and by e-mail, through the outbox, each at most once.

`notify` writes one outbox message per recipient in the caller's transaction, so a notification
exists exactly when the change that caused it commits. The handler records the Notification row
(unique per user and key) and claims the e-mail by setting `emailed_at` in the same transaction
as the outbox row is marked done; the e-mail itself goes out after that commit. A retried or
duplicated delivery finds the row and the claim and sends nothing: an e-mail is sent at most once
(if the mail server fails at that moment it is lost, logged, and the in-app notification stays).

Subjects and bodies are message ids (lazy gettext strings, or plain English msgids) with `%(name)s`
parameters. The row keeps them as keys with their arguments (core.words, the one mechanism for stored
messages) and they are translated when shown: the inbox page and the API in the reader's language,
the e-mail in the site language (settings.LANGUAGE_CODE), a citation the Chinese way in Chinese.
Lazy parameters are translated then too; a name with an English text (`words.texts(offence)`) is
shown in the reader's language. The text rendered in the site language when delivered is kept too:
it is what a row written before message ids were kept shows.

A notification about an object that shows case data (a case, a request, a proceeding, a task)
carries a reference to it (`about_type`, `about_id`): given by the sender, or found from its link.
Its subject, body and link are shown (in the application and by e-mail) only while the user may
open that object; otherwise a neutral text says only that there was a notification (issue 16).
Core knows no case: the apps register, in their `ready()`, which objects a user may open
(`register_concern_type`) and which page names an object (`register_concern_url`).
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from core import outbox, words
from core.models import Notification, OutboxMessage
from core.registry import Registry

logger = logging.getLogger(__name__)

TOPIC = "notification.deliver"
# The outbox key is f"notify:{key}:{user pk}" and holds at most 200 characters.
MAX_KEY_LENGTH = 160


# --- what a notification is about, and who may read it -------------------------------------------

# visible_ids(user, ids: list[str]) -> the ids (of one object type) the user may open now.
VisibleIds = Callable[[object, list[str]], Iterable]
_concern_types: Registry[str, VisibleIds] = Registry("notification concern types")
_concern_urls: Registry[str, tuple[str, str]] = Registry("notification concern urls")
_concern_fallbacks: Registry[str, Callable[[str], VisibleIds | None]] = Registry(
    "notification concern fallbacks"
)

NEUTRAL_SUBJECT = gettext_lazy("A notification about a matter that is not open to you now")
NEUTRAL_BODY = gettext_lazy(
    "What it concerns is restricted or no longer shared with your unit; ask the unit that handles it."
)


def register_concern_type(about_type: str, visible_ids: VisibleIds) -> None:
    """Declare how to tell which objects of a type (a model label) a user may open now."""
    _concern_types.add(about_type, visible_ids)


def register_concern_url(view_name: str, about_type: str, *, kwarg: str = "pk") -> None:
    """Declare that a link to the page `view_name` is about the object of `about_type` in `kwarg`."""
    _concern_urls.add(view_name, (about_type, kwarg))


def register_concern_fallback(resolver: Callable[[str], VisibleIds | None]) -> None:
    """Add a resolver for object types not declared one by one (e.g. every model with a case rule)."""
    _concern_fallbacks.add_function(resolver)


def _visible_ids_for(about_type: str) -> VisibleIds | None:
    found = _concern_types.get(about_type)
    if found is not None:
        return found
    for resolver in _concern_fallbacks.values():
        found = resolver(about_type)
        if found is not None:
            return found
    return None


def concern_of(about) -> tuple[str, str]:
    """Return (about_type, about_id) of a model instance or a (type, id) pair; ("", "") for None."""
    if about is None:
        return "", ""
    if isinstance(about, models.Model):
        return f"{about._meta.app_label}.{about._meta.model_name}", str(about.pk)
    about_type, about_id = about
    return str(about_type), str(about_id)


def concern_of_url(url: str) -> tuple[str, str]:
    """Return what a notification's link is about, by the page it names; ("", "") if none declared."""
    if not url or not url.startswith("/"):
        return "", ""
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return "", ""
    declared = _concern_urls.get(match.view_name)
    if declared is None or declared[1] not in match.kwargs:
        return "", ""
    return declared[0], str(match.kwargs[declared[1]])


def mask(user, notifications: list[Notification]) -> list[Notification]:
    """Replace, in memory, subject, body and link of each notification the user may not read now.

    One query per object type among the rows. An object type nobody declared is not shown (a
    reference the system cannot check fails closed).
    """
    wanted: dict[str, set[str]] = {}
    for row in notifications:
        if row.about_type:
            wanted.setdefault(row.about_type, set()).add(row.about_id)
    visible: dict[str, set[str]] = {}
    for about_type, ids in wanted.items():
        visible_ids = _visible_ids_for(about_type)
        visible[about_type] = (
            {str(pk) for pk in visible_ids(user, sorted(ids))} if visible_ids is not None else set()
        )
    for row in notifications:
        if row.about_type and row.about_id not in visible.get(row.about_type, set()):
            row.subject = str(NEUTRAL_SUBJECT)
            row.body = str(NEUTRAL_BODY)
            row.url = ""
            row.concealed = True
    return notifications


# The one mechanism for stored messages (core.words); kept here under their older names for the senders.
message_id = words.message_id
render = words.render


def localize(notifications: list[Notification]) -> list[Notification]:
    """Write, in memory, each row's subject and body in the active language from its message ids.

    A row written before message ids were kept (no ``subject_msgid``) keeps its stored text.
    """
    for row in notifications:
        if row.subject_msgid:
            params = row.message_params or {}
            row.subject = render(row.subject_msgid, params)
            row.body = render(row.body_msgid, params)
    return notifications


def present(user, notifications: list[Notification]) -> list[Notification]:
    """Return the rows as `user` reads them now: in the active language, masked where not theirs."""
    return mask(user, localize(notifications))


def notify(
    *,
    users: Iterable,
    key: str,
    subject: str | Promise,
    body: str | Promise = "",
    url: str = "",
    params: Mapping[str, Any] | None = None,
    about=None,
    asks: bool = False,
) -> int:
    """Notify each user once per key, in the caller's transaction; return how many were new.

    ``key`` names the event (e.g. "deadline:12:level:2"); notifying a user again with the same key
    adds nothing, however often or concurrently it is called. ``about`` (a model instance or a
    (type, id) pair) names the object it concerns; without it, the object the link names. ``asks``
    marks a notification that asks its reader to take a step on that object: it is dealt with (and
    no longer unread) once a step is taken on the object (`clear_dealt_with`).
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
        "params": words.encode_params(params),
        "about": list(concern_of(about)) if about is not None else None,
        "asks": asks,
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
    # Checked when sent: what the object shows is what the user may see of it now. The recipient's
    # language is not known: the e-mail is written in the site language, whoever caused it.
    with translation.override(settings.LANGUAGE_CODE):
        present(notification.user, [notification])
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
    url = payload.get("url", "")
    about_type, about_id = payload["about"] if payload.get("about") else concern_of_url(url)
    # Checked and recorded before anything is sent; the row lock orders two deliveries of one key.
    notification, _created = Notification.objects.select_for_update().get_or_create(
        user=user,
        key=payload["key"],
        defaults={
            "subject": subject[:255],
            "body": body,
            "subject_msgid": payload["subject"] or "",
            "body_msgid": payload.get("body", "") or "",
            "message_params": params,
            "url": url,
            "about_type": about_type[:64],
            "about_id": about_id[:64],
            "asks": bool(payload.get("asks")),
        },
    )
    address = (user.email or "").strip()
    if not address or notification.emailed_at is not None or not user.is_active:
        return
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    transaction.on_commit(lambda: _send_email(notification.pk, address, payload["key"]))


def clear_dealt_with(about, *, user=None) -> int:
    """Mark read, as dealt with, the unread notifications that asked for a step on `about`.

    Called by the one transition path (core.workflow.run_transition) for everyone: the object moved
    on, and whoever must act next is asked anew. A step of one party among several that moves no
    state (a member unit's signature) clears only that `user`'s own.
    """
    about_type, about_id = concern_of(about)
    asked = Notification.objects.filter(
        about_type=about_type, about_id=about_id, asks=True, read_at__isnull=True
    )
    if user is not None:
        asked = asked.filter(user=user)
    now = timezone.now()
    return asked.update(read_at=now, dealt_at=now)


# --- reads and marks for the API and the page ----------------------------------------------------


def notifications_for(user):
    """Return the user's own notifications, newest first, each as the user may read it now."""
    return Notification.objects.filter(user=user).order_by("-id").for_viewer(user)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user).unread().count()


@transaction.atomic
def notification_mark_read(*, by, notification_id: int) -> Notification:
    """Mark one of `by`'s own notifications read; raise Notification.DoesNotExist for anyone else's."""
    notification = Notification.objects.select_for_update().get(pk=notification_id, user=by)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return present(by, [notification])[0]


@transaction.atomic
def notification_mark_all_read(*, by) -> int:
    """Mark all of `by`'s own unread notifications read; return how many."""
    return Notification.objects.filter(user=by).unread().update(read_at=timezone.now())
