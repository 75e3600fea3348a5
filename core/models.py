"""Cross-cutting records: audit trail, outbox, timeline, holiday overrides, deadlines, notifications."""

from django.conf import settings
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


class HolidayOverride(models.Model):
    """A day whose status the administrator states, winning over the chinese_calendar package.

    The package knows the State Council's arrangements only up to its release; each December the
    next year's notice (国务院办公厅关于…部分节假日安排的通知) is entered here: the holidays as rest
    days and the make-up working days (调休上班) as working days. Any row in a year makes the whole
    year count as known, so enter the whole arrangement at once.
    """

    date = models.DateField(_("date"), unique=True)
    is_rest_day = models.BooleanField(
        _("rest day"),
        default=True,
        help_text=_("Ticked: a holiday. Not ticked: a make-up working day (调休上班)."),
    )
    name = models.CharField(_("name"), max_length=64, help_text=_("E.g. 元旦, 春节, 国庆节."))
    note = models.TextField(_("note"), blank=True, help_text=_("The notice the arrangement comes from."))

    class Meta:
        verbose_name = _("holiday override")
        verbose_name_plural = _("holiday overrides")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date.isoformat()} {self.name}"


class DeadlineKind(models.TextChoices):
    """How a deadline treats a last day that falls on a rest day (values of core.deadlines.Kind)."""

    ORDINARY = "ordinary", _("Ordinary (extends past rest days)")
    CUSTODY = "custody", _("Custody (never extends)")
    FIXED = "fixed", _("Fixed term (applied as written)")


class DeadlineState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("None")
    REMINDED = 1, _("Reminded before the deadline")
    OVERDUE = 2, _("Overdue notice sent")
    UNIT_HEAD = 3, _("Escalated to the unit head")
    COMMON_SUPERIOR = 4, _("Escalated to the common superior")


# States in which a deadline's clock exists (running or stopped for clarification).
OPEN_DEADLINE_STATES = (DeadlineState.RUNNING, DeadlineState.PAUSED)


class Deadline(models.Model):
    """A legal deadline on some object, as a row the periodic scan can find and escalate.

    The target is named by type and id (core does not know the apps above it). ``due_at`` is the
    exclusive end instant computed by core.deadlines; a pause for clarification stops the clock,
    and the resume moves ``due_at`` on by the time it stood still (``paused_seconds`` keeps the
    total). ``next_escalation_at`` is when the scan has something to do next, so the scan is one
    indexed range query; the services in core.deadline_rows keep it current.
    """

    target_type = models.CharField(_("object type"), max_length=64)
    target_id = models.CharField(_("object id"), max_length=64)
    rule_key = models.CharField(_("rule"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    citation = models.CharField(_("legal basis"), max_length=200, blank=True)
    period = models.CharField(_("period"), max_length=32, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=DeadlineKind.choices, default=DeadlineKind.ORDINARY
    )
    state = models.CharField(
        _("state"), max_length=16, choices=DeadlineState.choices, default=DeadlineState.RUNNING
    )
    started_at = models.DateTimeField(_("clock started"))
    due_at = models.DateTimeField(_("due"))
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveBigIntegerField(_("time paused (seconds)"), default=0)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    responsible_unit_code = models.CharField(_("responsible unit"), max_length=6)
    responsible_department_kind = models.CharField(
        _("responsible department"),
        max_length=16,
        blank=True,
        help_text=_("Kind of the department working on it, once routed; empty while with the unit's intake."),
    )
    requester_unit_code = models.CharField(_("requesting unit"), max_length=6, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deadlines",
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    last_escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["state", "next_escalation_at"]),
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["responsible_unit_code", "state", "due_at"]),
        ]
        constraints = [
            # One open clock per rule and object: starting it again returns the one that runs.
            models.UniqueConstraint(
                fields=["target_type", "target_id", "rule_key"],
                condition=models.Q(state__in=["running", "paused"]),
                name="deadline_one_open_per_target_and_rule",
            ),
            models.CheckConstraint(
                condition=models.Q(state="paused", paused_at__isnull=False) | ~models.Q(state="paused"),
                name="deadline_paused_has_paused_at",
            ),
        ]

    def __str__(self):
        return f"{self.target_type}:{self.target_id} {self.rule_key} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_DEADLINE_STATES

    @property
    def is_paused(self) -> bool:
        return self.state == DeadlineState.PAUSED

    def remaining(self, now=None):
        """Return the time left (negative once overdue); a paused clock shows what it stopped at."""
        if self.is_paused:
            return self.due_at - self.paused_at
        return self.due_at - (now or timezone.now())

    def is_overdue(self, now=None) -> bool:
        """Return whether the open clock has run out; a paused or closed one never counts as overdue."""
        return self.state == DeadlineState.RUNNING and (now or timezone.now()) >= self.due_at


class NotificationQuerySet(models.QuerySet):
    """Notifications; read through `for_viewer`, each shows what its viewer may see now (issue 16)."""

    _viewer = None

    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_viewer(self, user):
        """Return the rows as `user` may read them, in the active language: one about an object the
        user may not open now shows a neutral text instead of its subject, body and link
        (core.notifications.present)."""
        clone = self._chain()
        clone._viewer = user
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._viewer = self._viewer
        return clone

    def _fetch_all(self):
        fetched = self._result_cache is None
        super()._fetch_all()
        if fetched and self._viewer is not None and self._result_cache:
            from core.notifications import present

            rows = [row for row in self._result_cache if isinstance(row, Notification)]
            if rows:
                present(self._viewer, rows)


class Notification(models.Model):
    """A message to one user, shown in the application and sent by e-mail at most once.

    ``key`` is the sender's idempotency key: a (user, key) pair exists once, however often the
    sender or the outbox retries. Subject and body are stored as their message ids with the arguments
    (``subject_msgid``, ``body_msgid``, ``message_params``) and shown in the reader's language
    (core.words); ``subject`` and ``body`` keep the text rendered in the site language when delivered,
    which is what a row written before (with no message id) shows.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    key = models.CharField(_("key"), max_length=200)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    subject_msgid = models.TextField(_("subject (message id)"), blank=True, default="")
    body_msgid = models.TextField(_("body (message id)"), blank=True, default="")
    message_params = models.JSONField(_("message arguments"), blank=True, default=dict)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # The object the notification is about (a model label and id), when it concerns one that shows
    # case data: its subject, body and link are shown only while the user may open it (issue 16).
    about_type = models.CharField(_("about (object type)"), max_length=64, blank=True)
    about_id = models.CharField(_("about (object id)"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # A notification that asks its reader to act on its object ("awaits your approval") is dealt with
    # once a step is taken on that object, by the reader or a colleague: it then stops counting as
    # unread (issue 20: notifications that clear when their item is dealt with).
    asks = models.BooleanField(_("asks for a step"), default=False)
    dealt_at = models.DateTimeField(_("dealt with at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_unique_key_per_user")
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return f"{self.user_id} {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
