"""Bulletins (协查通报, 预警) and directives (指令) sent to sets of units, with one row per recipient.

No 协查通报 form is listed among the statutory documents (DOMAIN.md §1), so a bulletin is an
application object; a supplement (补充通报) cites the notice it adds to (MPS-2020 art 276).
Each recipient acknowledges within `ack_within_hours` and, for a directive, reports a result
within `result_within_days`; both run as core deadlines on the recipient row. A bulletin carries
attachments (附件: photos of the wanted person or the goods, scanned documents), graded like the
bulletin itself and fixed once it is issued.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from bulletins import permissions
from cases.models import Case, HandlingCode
from core import grading
from organisation.models import Unit


class BulletinKind(models.TextChoices):
    WANTED_NOTICE = "wanted_notice", _("Request to look out (协查通报)")
    ALERT = "alert", _("Alert (预警)")
    DIRECTIVE = "directive", _("Directive (指令)")


class BulletinUrgency(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    URGENT = "urgent", _("Urgent")
    EXTRA_URGENT = "extra_urgent", _("Extra urgent")


# Hours to acknowledge by urgency. Framework Decision 2006/960 (DOMAIN.md §4 [S]): 8 h when urgent,
# otherwise one week; the middle step (24 h) is a chosen default with no source, so it is a field.
ACK_HOURS_BY_URGENCY = {
    BulletinUrgency.ORDINARY: 7 * 24,
    BulletinUrgency.URGENT: 24,
    BulletinUrgency.EXTRA_URGENT: 8,
}
DEFAULT_RESULT_DAYS = 7


class BulletinState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RecipientState(models.TextChoices):
    PENDING = "pending", _("Not yet acknowledged")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    REPORTED = "reported", _("Result reported")


def _require(value: str, field: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _user_fk(verbose_name, **extra):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name="+",
        **extra,
    )


class Bulletin(ConcurrentTransitionMixin, models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=BulletinKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    issuing_unit = models.ForeignKey(
        Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+"
    )
    # Copied so that "the issuer's ancestors see it" is one prefix match.
    issuing_unit_path = models.CharField(_("issuing unit path"), max_length=40, editable=False)
    created_by = _user_fk(_("drafted by"))
    issued_by = _user_fk(_("issued by"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    # bulletins sits below meetings, so the series is an id and a label recorded at issue.
    on_behalf_of_series_id = models.PositiveIntegerField(_("on behalf of series"), null=True, blank=True)
    on_behalf_label = models.CharField(_("issued on behalf of"), max_length=200, blank=True)
    handling_code = models.CharField(
        _("handling code"), max_length=16, choices=HandlingCode.choices, default=HandlingCode.NORMAL
    )
    source_reliability = grading.source_reliability_field()
    information_accuracy = grading.information_accuracy_field()
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=BulletinUrgency.choices, default=BulletinUrgency.ORDINARY
    )
    ack_within_hours = models.PositiveIntegerField(_("acknowledge within (hours)"), default=7 * 24)
    result_within_days = models.PositiveIntegerField(
        _("report a result within (days)"), null=True, blank=True
    )
    supplement_of = models.ForeignKey(
        "self",
        verbose_name=_("supplement to (补充通报)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supplements",
    )
    linked_case = models.ForeignKey(
        Case, verbose_name=_("linked case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_spec = models.JSONField(_("targets"), default=dict)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    state = FSMField(
        _("state"), max_length=16, choices=BulletinState.choices, default=BulletinState.DRAFT, protected=True
    )
    end_reason = models.TextField(_("reason for closing or withdrawing"), blank=True)
    ended_at = models.DateTimeField(_("closed or withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["issuing_unit", "state"], name="bulletins_issuer_state"),
            models.Index(
                fields=["issuing_unit_path"], name="bulletins_issuer_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.issuing_unit_path:
            self.issuing_unit_path = Unit.objects.values_list("path", flat=True).get(pk=self.issuing_unit_id)
        super().save(*args, **kwargs)

    @property
    def is_directive(self) -> bool:
        return self.kind == BulletinKind.DIRECTIVE

    @property
    def grade(self) -> str:
        return grading.grade_text(self.source_reliability, self.information_accuracy)

    @transition(
        field=state, source=BulletinState.DRAFT, target=BulletinState.ISSUED, permission=permissions.may_issue
    )
    def issue(self, *, by, now, on_behalf_label: str = "") -> None:
        """Send the bulletin: the recipients are fixed now (the service writes them)."""
        self.issued_by = by
        self.issued_at = now
        self.on_behalf_label = on_behalf_label

    @transition(
        field=state,
        source=BulletinState.ISSUED,
        target=BulletinState.CLOSED,
        permission=permissions.may_close,
    )
    def close(self, *, by, reason: str = "", now) -> None:
        """End the bulletin (the person was found, the operation is over); open clocks stop."""
        self.end_reason = (reason or "").strip()
        self.ended_at = now

    @transition(
        field=state,
        source=[BulletinState.DRAFT, BulletinState.ISSUED],
        target=BulletinState.WITHDRAWN,
        permission=permissions.may_close,
    )
    def withdraw(self, *, by, reason: str, now) -> None:
        """Withdraw the bulletin (sent in error or overtaken), with the reason."""
        self.end_reason = _require(reason, "reason", _("Give the reason for withdrawing the bulletin."))
        self.ended_at = now


BULLETIN_API_TRANSITIONS = ("issue", "close", "withdraw")


def _bulletin_is_issued(recipient) -> bool:
    return recipient.bulletin.state == BulletinState.ISSUED


class BulletinRecipient(ConcurrentTransitionMixin, models.Model):
    bulletin = models.ForeignKey(
        Bulletin, verbose_name=_("bulletin"), on_delete=models.CASCADE, related_name="recipients"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    # Copied at issue so that visibility and progress per region need no join.
    unit_path = models.CharField(_("unit path"), max_length=40)
    province_code = models.CharField(_("province code"), max_length=6)
    state = FSMField(
        _("state"),
        max_length=16,
        choices=RecipientState.choices,
        default=RecipientState.PENDING,
        protected=True,
    )
    # Copies of the deadlines' due times, so that "overdue" is a column compare in the progress query.
    ack_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    result_due_at = models.DateTimeField(_("report by"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = _user_fk(_("acknowledged by"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    result_at = models.DateTimeField(_("result reported at"), null=True, blank=True)
    result_by = _user_fk(_("result reported by"), null=True, blank=True)
    opened_case = models.ForeignKey(
        Case,
        verbose_name=_("case opened for it"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bulletin recipient")
        verbose_name_plural = _("bulletin recipients")
        ordering = ["bulletin", "unit_path"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "unit"], name="bulletins_recipient_unique_unit")
        ]
        indexes = [
            models.Index(fields=["unit", "state"], name="bulletins_recipient_unit_state"),
            models.Index(fields=["bulletin", "province_code", "state"], name="bulletins_recipient_region"),
            models.Index(
                fields=["unit_path"], name="bulletins_recipient_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return f"{self.bulletin_id} → {self.unit_id}"

    @transition(
        field=state,
        source=RecipientState.PENDING,
        target=RecipientState.ACKNOWLEDGED,
        permission=permissions.may_respond,
        conditions=[_bulletin_is_issued],
    )
    def acknowledge(self, *, by, now) -> None:
        """Confirm receipt for the unit (签收)."""
        self.acknowledged_at = now
        self.acknowledged_by = by

    @transition(
        field=state,
        source=[RecipientState.PENDING, RecipientState.ACKNOWLEDGED],
        target=RecipientState.REPORTED,
        permission=permissions.may_respond,
        conditions=[_bulletin_is_issued],
    )
    def report(self, *, by, result: str, now) -> None:
        """Report what the unit found or did; a report also acknowledges what was not yet acknowledged."""
        self.result = _require(result, "result", _("Say what your unit found or did."))
        self.result_at = now
        self.result_by = by
        if self.acknowledged_at is None:
            self.acknowledged_at = now
            self.acknowledged_by = by


RECIPIENT_API_TRANSITIONS = ("acknowledge", "report")


def _attachment_upload_to(instance: "BulletinAttachment", filename: str) -> str:
    # A random stored name: the uploader's file name never becomes a path (only the sniffed extension
    # the service puts in `filename`), and two uploads in the same instant cannot collide.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"bulletins/{instance.bulletin_id}/{secrets.token_hex(16)}.{extension}"


class BulletinAttachment(models.Model):
    """A file carried by a bulletin (附件), with the 4×4 grading of what it shows (DOMAIN.md §4 [S])."""

    bulletin = models.ForeignKey(
        Bulletin, verbose_name=_("bulletin"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("description"), max_length=120)
    file = models.FileField(_("file"), upload_to=_attachment_upload_to, max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    # Recorded at upload so that the audit trail and a recipient can tell which file was sent.
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    source_reliability = grading.source_reliability_field()
    information_accuracy = grading.information_accuracy_field()
    uploaded_by = _user_fk(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("bulletin attachment")
        verbose_name_plural = _("bulletin attachments")
        ordering = ["bulletin", "uploaded_at", "id"]

    def __str__(self):
        return self.title

    @property
    def grade(self) -> str:
        return grading.grade_text(self.source_reliability, self.information_accuracy)
