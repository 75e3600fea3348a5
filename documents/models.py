"""Documents generated, approved, numbered, issued and verified here (DESIGN.md "Documents").

An issued document never changes: its number, data snapshot, template version, file and SHA-256
stay as issued. `Document.save()` refuses any change to them (a QuerySet.update would bypass it, so
services never update documents in bulk). An issued document ends only through a later document
(issue 19 item 7): a correction (更正) is a new document of the same kind naming the one it corrects,
which is superseded when the correction is issued; a revocation (撤销) is a 撤销决定书 with its own
legal review and approval, which revokes the document when it is issued. Until then the original
stands. `voided` is the state of documents ended by the one-step void of before issue 19.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from documents import kinds
from documents import permissions as perms

# Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_CODE_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_verification_code(text: str) -> str:
    """Return the stored form of a typed code (case, spaces, dashes and O/I/L typos forgiven)."""
    raw = "".join(ch for ch in (text or "").upper().translate(_CODE_TYPOS) if ch.isalnum())
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return ""
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


class DocumentState(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    LEGAL_REVIEW = "legal_review", _("In legal review (审核)")
    APPROVAL = "approval", _("Awaiting approval (审批)")
    APPROVED = "approved", _("Approved, awaiting issue")
    ISSUED = "issued", _("Issued (签发)")
    SUPERSEDED = "superseded", _("Superseded by its correction (已更正)")
    REVOKED = "revoked", _("Revoked (已撤销)")
    # Ended by the one-step void of before issue 19; no step leads here any more.
    VOIDED = "voided", _("Voided")


class RenderState(models.TextChoices):
    NONE = "none", _("Not rendered")
    PENDING = "pending", _("Rendering")
    DONE = "done", _("Rendered")
    FAILED = "failed", _("Rendering failed")


S = DocumentState
FINAL_STATES = (S.ISSUED, S.SUPERSEDED, S.REVOKED, S.VOIDED)
# Issued documents that no longer have effect: verification names the later document that ended them.
ENDED_STATES = (S.SUPERSEDED, S.REVOKED, S.VOIDED)
SEND_BACK_SOURCES = [S.LEGAL_REVIEW, S.APPROVAL, S.APPROVED]

# What may still change once a document is issued; everything else is frozen.
MUTABLE_AFTER_ISSUE = frozenset(
    {"state", "replaced_by", "voided_reason", "voided_at", "voided_by", "updated_at"}
)
RENDER_FIELDS = frozenset({"file", "sha256", "pages", "render_state", "render_error"})


class ImmutableDocumentError(ValidationError):
    """An issued document was asked to change (answered 400 with the error body)."""

    def __init__(self, fields):
        super().__init__(
            {
                "non_field_errors": [
                    _("An issued document cannot be changed (fields: %(fields)s); correct it instead.")
                    % {"fields": ", ".join(sorted(fields))}
                ]
            },
            code="document_immutable",
        )
        self.fields = tuple(sorted(fields))


def _required(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


def _chain_has(document, step: str) -> bool:
    return step in (document.approval_chain or [])


def _needs_review(document) -> bool:
    return _chain_has(document, kinds.LEGAL_REVIEW)


def _skips_review(document) -> bool:
    return not _chain_has(document, kinds.LEGAL_REVIEW) and not _chain_has(document, kinds.EXTERNAL)


def _is_external(document) -> bool:
    return _chain_has(document, kinds.EXTERNAL)


def _is_internal(document) -> bool:
    return not _is_external(document)


def _nothing_pending(document) -> bool:
    """No correction or revocation of the document is under way (one later document at a time)."""
    return document.pending_ending() is None


def _correctable_here(document) -> bool:
    """Its kind is corrected by a document of its own here, not through its process (a 纪要's re-signing)."""
    return not document.spec.corrected_by_process


class Document(ConcurrentTransitionMixin, models.Model):
    """One legal document of a registered kind, from draft to issue (and voiding)."""

    kind = models.CharField(_("kind"), max_length=48, db_index=True)
    issuing_unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = FSMField(_("state"), default=S.DRAFTED, choices=S.choices, protected=True, db_index=True)
    title = models.CharField(_("title"), max_length=128)
    data = models.JSONField(_("fields"), default=dict, blank=True)
    approval_chain = models.JSONField(
        _("approval chain"), default=list, help_text=_("Fixed when drafted, from the kind and the data.")
    )

    number = models.CharField(_("number"), max_length=64, blank=True)
    number_year = models.PositiveSmallIntegerField(_("number year"), null=True, blank=True)
    number_serial = models.PositiveIntegerField(_("serial"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    template_version = models.PositiveSmallIntegerField(_("template version"), null=True, blank=True)
    snapshot = models.JSONField(_("rendered context"), default=dict, blank=True)

    file = models.FileField(_("file"), upload_to="documents/", max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    pages = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    verification_code = models.CharField(
        _("verification code"), max_length=16, unique=True, default=new_verification_code, editable=False
    )
    render_state = models.CharField(
        _("rendering"), max_length=8, choices=RenderState.choices, default=RenderState.NONE
    )
    render_error = models.TextField(_("rendering error"), blank=True)

    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    send_back_reason = models.TextField(_("reason for sending back"), blank=True)

    replaces = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revokes = models.OneToOneField(
        "self",
        verbose_name=_("revokes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revoked_by_decision",
        help_text=_("The issued document this 撤销决定书 revokes once it is issued itself."),
    )
    # Why and when the document stopped having effect (superseded, revoked, or voided before issue 19).
    voided_reason = models.TextField(_("reason for voiding"), blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    link_target_type = models.CharField(
        _("linked to (type)"),
        max_length=64,
        blank=True,
        help_text=_("Set by the linking app, e.g. assistance.request."),
    )
    link_target_id = models.CharField(_("linked to (id)"), max_length=64, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["issuing_unit", "state"]),
            models.Index(fields=["link_target_type", "link_target_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_unit", "kind", "number_year", "number_serial"],
                condition=models.Q(number_serial__isnull=False),
                name="document_number_unique_per_unit_kind_year",
            ),
        ]

    def __str__(self):
        return f"{self.number or _('(unnumbered)')} {self.title}"

    def save(self, *args, **kwargs):
        self.check_immutable()
        super().save(*args, **kwargs)

    @property
    def spec(self) -> kinds.DocumentKindSpec:
        return kinds.get(self.kind)

    @property
    def is_issued(self) -> bool:
        return self.state in FINAL_STATES

    def pending_ending(self) -> "Document | None":
        """Return the correction or 撤销决定书 of this document still on its way to issue, if any."""
        if self.pk is None:
            return None
        return (
            type(self)
            .objects.filter(models.Q(replaces=self) | models.Q(revokes=self))
            .exclude(state__in=FINAL_STATES)
            .first()
        )

    @property
    def is_in_effect(self) -> bool:
        """Whether the document is issued and no later document ended it."""
        return self.state == S.ISSUED

    @property
    def outside_process(self) -> bool:
        """Whether a process's kind was made without its process (the generic endpoint before issue 16)."""
        if self.revokes_id is not None:
            return False  # a 撤销决定书's process is the document it revokes
        return self.spec.outside_process(self.link_target_type)

    def _stored_values(self) -> dict | None:
        # Compared with the row as stored now, not as it was when this instance was loaded: a stale
        # instance (loaded as a draft, issued elsewhere since) must be refused too.
        if self._state.adding or self.pk is None:
            return None
        names = [field.attname for field in self._meta.concrete_fields]
        return type(self)._base_manager.filter(pk=self.pk).values(*names).first()

    def _changed_fields(self, stored: dict) -> set[str]:
        changed = set()
        for field in self._meta.concrete_fields:
            value = field.get_prep_value(getattr(self, field.attname))
            old = stored[field.attname]
            if isinstance(field, models.FileField):
                value, old = str(value or ""), str(old or "")
            if value != old:
                changed.add(field.name)
        return changed

    def check_immutable(self) -> None:
        """Raise ImmutableDocumentError when a stored, issued document's frozen content was changed."""
        stored = self._stored_values()
        if stored is None or stored["state"] not in FINAL_STATES:
            return
        changed = self._changed_fields(stored)
        allowed = set(MUTABLE_AFTER_ISSUE)
        if stored["render_state"] != RenderState.DONE:
            allowed |= RENDER_FIELDS
        refused = changed - allowed
        if refused:
            raise ImmutableDocumentError(refused)

    # --- the approval chain ----------------------------------------------------------------------

    @transition(
        field=state,
        source=S.DRAFTED,
        target=S.LEGAL_REVIEW,
        permission=perms.may_draft,
        conditions=[_needs_review],
    )
    def submit_for_review(self, *, by, reason: str = ""):
        """Put the draft to the legal officer for review (审核)."""
        self._require_fields()

    @transition(
        field=state,
        source=S.DRAFTED,
        target=S.APPROVAL,
        permission=perms.may_draft,
        conditions=[_skips_review],
    )
    def submit_for_approval(self, *, by, reason: str = ""):
        """Put the draft to the unit head for approval (审批)."""
        self._require_fields()

    @transition(field=state, source=S.LEGAL_REVIEW, target=S.APPROVAL, permission=perms.may_review)
    def approve_review(self, *, by, reason: str = ""):
        """Pass the legal review; the unit head approves next."""
        self.reviewed_by = by
        self.reviewed_at = timezone.now()

    @transition(field=state, source=S.APPROVAL, target=S.APPROVED, permission=perms.may_approve)
    def approve(self, *, by, reason: str = ""):
        """Approve the document for issue (unit head, or an acting unit head)."""
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(field=state, source=SEND_BACK_SOURCES, target=S.DRAFTED, permission=perms.may_send_back)
    def send_back(self, *, by, reason: str = ""):
        """Send the document back to its drafter with the reason."""
        self.send_back_reason = _required(
            reason, "reason", _("Say why the document goes back to its drafter.")
        )

    @transition(
        field=state, source=S.APPROVED, target=S.ISSUED, permission=perms.may_issue, conditions=[_is_internal]
    )
    def issue(self, *, by, reason: str = "", issue: dict | None = None):
        """Sign and issue (签发): the service assigns the number, snapshots the data and queues the render."""
        self._mark_issued(by, issue)

    @transition(
        field=state,
        source=S.DRAFTED,
        target=S.ISSUED,
        permission=perms.may_issue_external,
        conditions=[_is_external],
    )
    def issue_external(self, *, by, reason: str = "", issue: dict | None = None):
        """Issue a document approved by its linking object's own approval (no second chain)."""
        self._require_fields()
        self._mark_issued(by, issue)

    # --- ending an issued document (issue 19 item 7) ------------------------------------------------
    # `correct` and `revoke` leave the document issued: they draft the later document (the service
    # does), and are transitions so that who may start them, and when, is checked and audited on the
    # document's own timeline. The later document's issue takes `supersede` or `mark_revoked`.

    @transition(
        field=state,
        source=S.ISSUED,
        target=S.ISSUED,
        permission=perms.may_start_ending,
        conditions=[_correctable_here, _nothing_pending],
    )
    def correct(self, *, by, reason: str = ""):
        """Start a correction (更正): the service drafts the new document that will supersede this one."""
        _required(reason, "reason", _("Say what the correction corrects."))

    @transition(
        field=state,
        source=S.ISSUED,
        target=S.ISSUED,
        permission=perms.may_start_ending,
        conditions=[_nothing_pending],
    )
    def revoke(self, *, by, reason: str = ""):
        """Start a revocation (撤销): the service drafts the 撤销决定书 that revokes this one once issued."""
        _required(reason, "reason", _("Say why the document is revoked."))

    @transition(field=state, source=S.ISSUED, target=S.SUPERSEDED, permission=perms.may_end)
    def supersede(self, *, by, reason: str = "", replaced_by=None):
        """Record that the correction was issued: this document no longer has effect."""
        self._mark_voided(by, reason)
        self.replaced_by = replaced_by

    @transition(field=state, source=S.ISSUED, target=S.REVOKED, permission=perms.may_end)
    def mark_revoked(self, *, by, reason: str = "", replaced_by=None):
        """Record that the 撤销决定书 was issued: this document is revoked."""
        self._mark_voided(by, reason)
        self.replaced_by = replaced_by

    def _mark_voided(self, by, reason: str) -> None:
        self.voided_reason = _required(reason, "reason", _("Say why the document is voided."))
        self.voided_at = timezone.now()
        self.voided_by = by

    def _require_fields(self) -> None:
        missing = self.spec.missing_fields(self.data)
        if missing:
            raise ValidationError(
                {"data": [_("Fill in the required fields: %(names)s.") % {"names": ", ".join(missing)}]},
                code="missing_fields",
            )

    def _mark_issued(self, by, issue: dict | None) -> None:
        # The number, date and snapshot are worked out by the service under the counter lock and
        # set here, before the save that freezes them.
        if not issue:
            raise ValueError("Issue a document through documents.services.document_issue")
        self.issued_by = by
        self.issued_at = issue["issued_at"]
        self.number = issue["number"]
        self.number_year = issue["number_year"]
        self.number_serial = issue["number_serial"]
        self.template_version = issue["template_version"]
        self.snapshot = issue["snapshot"]
        self.render_state = RenderState.PENDING


class ReceiptMethod(models.TextChoices):
    """How a recipient's 回执 came back."""

    SCAN = "scan", _("Signed paper, scanned")
    CONFIRMED = "confirmed", _("Confirmed in the system by the recipient unit")


def _receipt_upload_to(instance: "DocumentRecipient", filename: str) -> str:
    # The stored name never reuses the uploader's file name (only the sniffed extension).
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"documents/receipts/{instance.document_id}/{instance.pk}-{stamp}.{extension}"


class DocumentRecipient(models.Model):
    """A recipient of a document (主送/抄送), served (送达) individually with the time."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="recipients"
    )
    name = models.CharField(_("name"), max_length=128)
    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    served_at = models.DateTimeField(_("served at"), null=True, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The returned 回执 (issue 19 item 2): a scan of the signed paper, or the recipient unit's
    # confirmation in the system. Recording it closes the recipient's service (served_at).
    receipt_method = models.CharField(
        _("receipt returned as"), max_length=12, choices=ReceiptMethod.choices, blank=True
    )
    receipt_signed_at = models.DateTimeField(_("receipt signed at"), null=True, blank=True)
    receipt_recorded_at = models.DateTimeField(_("receipt recorded at"), null=True, blank=True)
    receipt_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("receipt recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receipt_file = models.FileField(
        _("receipt scan"), upload_to=_receipt_upload_to, max_length=200, blank=True
    )
    receipt_content_type = models.CharField(_("content type"), max_length=64, blank=True)
    receipt_sha256 = models.CharField(_("SHA-256 of the receipt scan"), max_length=64, blank=True)
    receipt_note = models.CharField(_("note on the receipt"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["id"]

    def __str__(self):
        return self.name


class DocumentCounter(models.Model):
    """The last serial issued for a unit, kind and year; advanced under a row lock at issue time."""

    issuing_unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=48)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_unit", "kind", "year"], name="document_counter_unit_kind_year"
            )
        ]

    def __str__(self):
        return f"{self.issuing_unit_id}/{self.kind}/{self.year}: {self.last}"


class DocumentCopy(models.Model):
    """A served copy that differs from the original on purpose (e.g. watermarked), known to verification."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="copies"
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("viewer"), on_delete=models.PROTECT, related_name="+"
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document copy")
        verbose_name_plural = _("document copies")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.document_id}: {self.sha256[:8]}"


class CredentialSource(models.TextChoices):
    IMPORTED = "imported", _("Imported from the PKI")
    DEMO = "demo", _("Demo CA (not for production)")


class SigningCredential(models.Model):
    """A unit's signing certificate; its private key is a file under DOCUMENT_SIGNING_DIR, never here.

    One credential per unit is active (the one new signatures use); a replaced one stays, inactive,
    so the signatures it made still name their unit at verification.
    """

    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    certificate = models.TextField(_("certificate (PEM)"))
    chain = models.TextField(_("intermediate certificates (PEM)"), blank=True)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    key_file = models.CharField(
        _("key file"), max_length=200, help_text=_("Relative to DOCUMENT_SIGNING_DIR; mode 0600.")
    )
    source = models.CharField(_("source"), max_length=8, choices=CredentialSource.choices)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing credential")
        verbose_name_plural = _("signing credentials")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(active=True),
                name="signing_credential_one_active_per_unit",
            )
        ]

    def __str__(self):
        return f"{self.unit_id}: {self.subject} ({self.fingerprint[:16]})"


class SealContentType(models.TextChoices):
    PNG = "image/png", "PNG"
    SVG = "image/svg+xml", "SVG"


class SealImage(models.Model):
    """A unit's seal image as registered by an administrator; a replaced one stays, inactive.

    A document is drawn with the seal that was in force when it was issued (active_from up to
    active_until), so a copy rendered later shows the same seal as the original.
    """

    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    content = models.BinaryField(_("image"))
    content_type = models.CharField(_("type"), max_length=16, choices=SealContentType.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    specimen = models.BooleanField(
        _("specimen"), default=False, help_text=_("A plainly marked specimen (样章), not a real seal.")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    active_from = models.DateTimeField(_("registered at"))
    active_until = models.DateTimeField(_("replaced at"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("seal image")
        verbose_name_plural = _("seal images")
        ordering = ["-active_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(active_until__isnull=True),
                name="seal_image_one_active_per_unit",
            )
        ]

    def __str__(self):
        return f"{self.unit_id}: {self.get_content_type_display()} {self.sha256[:8]}"

    @property
    def active(self) -> bool:
        return self.active_until is None
