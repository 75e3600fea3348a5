"""Connect core's receivers: audit events for sign-in, sign-out and admin changes.

Imported by CoreConfig.ready(). It also imports core.outbox, which registers the built-in outbox
topics and the periodic sweep, so that every process (web, worker, beat, ticker) has them.
"""

import functools
import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from core import audit, audit_db
from core import outbox as _outbox  # noqa: F401 - registers "mail.send" and the outbox sweep

_ADMIN_FLAGS = {ADDITION: "addition", CHANGE: "change", DELETION: "deletion"}


def _attempted_username(credentials: dict) -> str:
    username_field = get_user_model().USERNAME_FIELD
    value = credentials.get(username_field, credentials.get("username", ""))
    return str(value or "")[:150]


def _change_message(raw: str):
    # The structured form is language-neutral; get_change_message() would freeze one translation.
    if raw and raw.startswith("["):
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw


def audit_login(sender, request, user, **kwargs):
    audit.record(
        action="auth.login", actor=user, target=user, payload={"backend": getattr(user, "backend", "")}
    )


def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Only the username attempted: Django has already masked secrets in credentials, and nothing
    # else from them belongs in a permanent record.
    payload = {"username": _attempted_username(credentials)}
    if getattr(request, "login_locked_out", False):
        payload["locked_out"] = True
    audit.record(action="auth.login_failed", payload=payload)


def audit_logout(sender, request, user, **kwargs):
    # user is None when the session had already expired.
    audit.record(action="auth.logout", actor=user, target=user if user is not None else None)


def audit_admin_change(sender, instance: LogEntry, created: bool, raw: bool = False, **kwargs):
    if not created or raw:
        return
    content_type = instance.content_type
    target_type = f"{content_type.app_label}.{content_type.model}" if content_type else ""
    object_id = "" if instance.object_id is None else str(instance.object_id)
    audit.record(
        action="admin.change",
        actor=instance.user,
        target=(target_type, object_id[:64]) if target_type else None,
        payload={
            "content_type": target_type,
            "object_id": object_id,
            "object_repr": instance.object_repr,
            "action_flag": _ADMIN_FLAGS.get(instance.action_flag, str(instance.action_flag)),
            "change_message": _change_message(instance.change_message),
        },
    )


def _audit_bulk_log_entries() -> None:
    # LogEntryManager.log_actions() saves a single entry (post_save fires) but bulk-creates
    # several, without signals: the admin's "delete selected" action would go unaudited.
    original = LogEntryManager.log_actions
    if getattr(original, "_lianban_audited", False):
        return

    @functools.wraps(original)
    def log_actions(self, *args, **kwargs):
        entries = original(self, *args, **kwargs)
        if isinstance(entries, list) and len(entries) > 1:
            for entry in entries:
                audit_admin_change(LogEntry, entry, created=True)
        return entries

    log_actions._lianban_audited = True
    LogEntryManager.log_actions = log_actions


def connect() -> None:
    audit_db.connect()
    user_logged_in.connect(audit_login, dispatch_uid="core-audit-login")
    user_login_failed.connect(audit_login_failed, dispatch_uid="core-audit-login-failed")
    user_logged_out.connect(audit_logout, dispatch_uid="core-audit-logout")
    post_save.connect(audit_admin_change, sender=LogEntry, dispatch_uid="core-audit-admin-change")
    _audit_bulk_log_entries()


connect()
