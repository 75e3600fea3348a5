"""Cross-cutting records: the append-only audit trail and the transactional outbox."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One audited fact, chained to the one before it by SHA-256.

    The database refuses UPDATE, DELETE and TRUNCATE on this table (triggers in the migration);
    rows hold plain identifiers rather than foreign keys so that no deletion elsewhere cascades here.
    """

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    acting_unit_code = models.CharField(_("acting unit"), max_length=6, blank=True)
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["actor_id", "occurred_at"]),
            models.Index(fields=["acting_unit_code", "occurred_at"]),
            models.Index(fields=["action", "occurred_at"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        # The database refuses changes too; this catches the mistake before it reaches SQL.
        if self.pk is not None or not kwargs.get("force_insert"):
            raise TypeError("Audit events are append-only: create them with core.audit.record()")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only and cannot be deleted")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """A side effect written in the same transaction as the change that causes it.

    The relay hands it to Celery after commit; the periodic sweep re-sends what is still pending.
    The consumer marks it done under a row lock, so however often it is sent it acts once.
    """

    topic = models.CharField(_("topic"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    state = models.CharField(
        _("state"), max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("last handed to the queue"), null=True, blank=True)
    dispatch_count = models.PositiveIntegerField(_("times handed to the queue"), default=0)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_count = models.PositiveIntegerField(_("times delivered"), default=0)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "dispatched_at"])]

    def __str__(self):
        return f"{self.topic} {self.idempotency_key} ({self.state})"


class TimelineEntry(models.Model):
    """A row of an object's timeline as people read it: who did what, when, with what reason.

    The audit trail is the forensic record; the timeline is the page's story of the object, so it
    keeps a display name and a translated-at-render verb rather than raw payloads.
    """

    target_type = models.CharField(_("object type"), max_length=64)
    target_id = models.CharField(_("object id"), max_length=64)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    acting_unit_code = models.CharField(_("acting unit"), max_length=6, blank=True)
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from state"), max_length=32, blank=True)
    to_state = models.CharField(_("to state"), max_length=32, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id", "occurred_at"])]

    def __str__(self):
        return f"{self.target_type}:{self.target_id} {self.action}"
