"""Assistance requests (办案协作, MPS-2020 arts 346–356): the request, its documents, returns, follow-ups.

A request keeps its whole life on one row: a returned request that is corrected and resubmitted
goes back to `sent` on the same row, so its timeline tells the whole story. A lead forwarded to a
third unit (art 349) is a new request pointing back through `forwarded_from`.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.assistance import permissions as perms
from cases.assistance_kinds import (
    DOCUMENTS,
    KINDS,
    AssistanceKind,
    DocumentSource,
    FreezeScope,
    Urgency,
    approval_rule,
    missing_documents,
)
from core import grading

KIND_CHOICES = [(kind.value, spec.label) for kind, spec in KINDS.items()]
URGENCY_CHOICES = [
    (Urgency.NORMAL.value, _("Normal (普通)")),
    (Urgency.URGENT.value, _("Urgent (加急)")),
    (Urgency.EXTRA_URGENT.value, _("Extra urgent (特急)")),
]
FREEZE_SCOPE_CHOICES = [
    (FreezeScope.DEPOSITS.value, _("Deposits, remittances, settlement funds, futures margins (6 months)")),
    (FreezeScope.DEPOSITS_MAJOR.value, _("The same for one year, in a major or complex case")),
    (FreezeScope.SECURITIES.value, _("Bonds, shares, fund units or other securities")),
    (FreezeScope.EQUITY_OR_INSURANCE.value, _("Equity or insurance policy rights")),
    (FreezeScope.LISTED_EQUITY.value, _("Equity in a listed company")),
    (FreezeScope.INVESTMENT_RIGHTS.value, _("Other investment rights")),
]
# The results of the work travel as attachments of their own type, never as a formality.
RESULT_DOCUMENT_TYPE = "result"
DOCUMENT_TYPE_CHOICES = [(t.value, spec.label) for t, spec in DOCUMENTS.items()] + [
    (RESULT_DOCUMENT_TYPE, _("Result of the assistance"))
]


class RequestState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting internal approval")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    CLARIFICATION_REQUESTED = "clarification_requested", _("Clarification requested")
    RETURNED = "returned", _("Returned for defective formalities")
    ACCEPTED = "accepted", _("Accepted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ROUTED = "routed", _("Routed to a department")
    ASSIGNED = "assigned", _("Assigned to an officer")
    IN_PROGRESS = "in_progress", _("In progress")
    FULFILLED = "fulfilled", _("Fulfilled")
    CLOSED = "closed", pgettext_lazy("assistance request state", "Closed")
    DISPUTED = "disputed", _("Disputed")
    REFERRED = "referred", _("Referred to the common superior")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = RequestState
# A request may be withdrawn by its requester at any point before the work is fulfilled.
WITHDRAWABLE = [
    S.DRAFT,
    S.AWAITING_APPROVAL,
    S.APPROVED,
    S.SENT,
    S.RECEIVED,
    S.CLARIFICATION_REQUESTED,
    S.RETURNED,
    S.ACCEPTED,
    S.ROUTED,
    S.ASSIGNED,
    S.IN_PROGRESS,
    S.DISPUTED,
]
# Art 356: a disagreement arising once the requested unit has the request in hand.
DISPUTABLE = [
    S.RECEIVED,
    S.CLARIFICATION_REQUESTED,
    S.RETURNED,
    S.ACCEPTED,
    S.ROUTED,
    S.ASSIGNED,
    S.IN_PROGRESS,
]
# States in which the requester may still add or replace the formalities.
DOCUMENTS_EDITABLE = [S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED, S.RETURNED, S.CLARIFICATION_REQUESTED]
OPEN_STATES = [s for s in S.values if s not in (S.CLOSED, S.WITHDRAWN, S.ACKNOWLEDGED)]


def _is_notice(request) -> bool:
    return request.spec.notice_only


def _is_not_notice(request) -> bool:
    return not request.spec.notice_only


def _required(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


class RequestNumberCounter(models.Model):
    """The last serial given to a requesting unit's requests in a year, advanced under a row lock."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="assistance_counter_unit_year")]

    def __str__(self):
        return f"{self.unit_id}/{self.year}: {self.last}"


class AssistanceRequest(ConcurrentTransitionMixin, models.Model):
    """A request from one unit to another for an act of assistance (MPS-2020 art 346).

    ConcurrentTransitionMixin includes FSMModelMixin (refresh_from_db on the protected state).
    """

    number = models.CharField(_("number"), max_length=32, unique=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="assistance_requests"
    )
    requesting_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("requesting unit"),
        on_delete=models.PROTECT,
        related_name="outgoing_assistance_requests",
    )
    requesting_department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("requesting department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("requested unit"),
        on_delete=models.PROTECT,
        related_name="incoming_assistance_requests",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=KIND_CHOICES)
    urgency = models.CharField(_("urgency"), max_length=16, choices=URGENCY_CHOICES, default=Urgency.NORMAL)
    subjects = models.ManyToManyField(
        "cases.CasePerson", verbose_name=_("persons concerned"), blank=True, related_name="+"
    )
    matters = models.TextField(_("matters requested"))
    legal_basis = models.TextField(_("legal basis"), blank=True)
    # 公安部"六个严禁" (公通字〔2020〕6号 no. 3 [S], wording to be checked against the official text):
    # first-response action is the one exception that lets any party send officers or ask for a
    # coercive measure in another area while the case's jurisdiction is disputed.
    first_response_urgent = models.BooleanField(
        _("first-response emergency"),
        default=False,
        help_text=_(
            "A measure at first response (先期处置); lets a party send officers or ask for a coercive "
            "measure while the case's jurisdiction is disputed (公通字〔2020〕6号 no. 3). Give the reason."
        ),
    )
    first_response_reason = models.TextField(_("reason for the first-response emergency"), blank=True)
    # What a freeze reaches (MPS-2020 arts 239, 243–245): it sets whose head approves the request.
    freeze_scope = models.CharField(
        _("property to freeze"), max_length=24, choices=FREEZE_SCOPE_CHOICES, blank=True
    )
    # The organ whose head approves (set at submission): the requesting unit, or the superior organ of
    # the level the law names when the requesting unit's is too low (MPS-2020 arts 238, 239, 243 ¶2).
    approval_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("approval by the head of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = FSMField(_("state"), default=S.DRAFT, choices=S.choices, protected=True, db_index=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for sending back"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    clarification_question = models.TextField(_("question"), blank=True)
    clarification_answer = models.TextField(_("answer"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resubmission_count = models.PositiveSmallIntegerField(_("times resubmitted"), default=0)
    routed_department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("routed to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_assistance_requests",
    )
    started_at = models.DateTimeField(_("work started at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    results = models.TextField(_("results"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    # Art 356: a dispute is referred to the units' common superior, whose decision binds both.
    disputed_from = models.CharField(_("disputed from state"), max_length=32, blank=True)
    dispute_reason = models.TextField(_("dispute"), blank=True)
    disputed_by_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("disputed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    referred_to = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("referred to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referred_assistance_requests",
    )
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    forwarded_from = models.ForeignKey(
        "self",
        verbose_name=_("lead forwarded from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forwarded_leads",
    )

    class Meta:
        verbose_name = _("assistance request")
        verbose_name_plural = _("assistance requests")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["requesting_unit", "state"]),
            models.Index(fields=["requested_unit", "state"]),
            models.Index(fields=["assignee", "state"]),
            # The crime-pattern briefing of joint meetings counts requests sent and fulfilled in a period.
            models.Index(fields=["sent_at"], name="assistance_req_sent_at"),
            models.Index(fields=["fulfilled_at"], name="assistance_req_fulfilled_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requesting_unit=models.F("requested_unit")),
                name="assistance_request_to_another_unit",
            ),
            models.CheckConstraint(
                condition=Q(first_response_urgent=False) | ~Q(first_response_reason=""),
                name="assistance_first_response_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}"

    @property
    def spec(self):
        return KINDS[AssistanceKind(self.kind)]

    @property
    def approval_rule(self):
        """The organ level whose head the law names as approver (cases.assistance_kinds), or None."""
        return approval_rule(self.kind, self.freeze_scope)

    def current_documents(self) -> list["RequestDocument"]:
        """Return the documents in force (not replaced), using a prefetch when there is one."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        documents = cache["documents"] if "documents" in cache else self.documents.all()
        return [doc for doc in documents if doc.superseded_by_id is None]

    def missing_documents(self):
        """Name the required documents without a sound current copy (a defective one counts as missing)."""
        present = [
            doc.document_type
            for doc in self.current_documents()
            if not doc.defect and doc.document_type != RESULT_DOCUMENT_TYPE
        ]
        return missing_documents(self.kind, present)

    def check_documents(self):
        """Refuse (400, naming them) while a required document is missing or defective."""
        missing = self.missing_documents()
        if missing:
            names = "; ".join(str(spec.label) for spec in missing)
            raise ValidationError(
                {
                    "documents": [
                        _("The request cannot be sent while a required document is missing: %(names)s.")
                        % {"names": names}
                    ]
                },
                code="missing_documents",
            )

    # --- the requesting side -----------------------------------------------------------------

    @transition(field=state, source=S.DRAFT, target=S.AWAITING_APPROVAL, permission=perms.may_submit)
    def submit(self, *, by, reason: str = "", approval_unit=None):
        """Put the draft to the approver (呈请); one the law names goes up to an organ of its level."""
        _required(self.matters, "matters", _("Say what the requested unit is asked to do."))
        self.approval_unit = approval_unit

    @transition(field=state, source=S.AWAITING_APPROVAL, target=S.APPROVED, permission=perms.may_approve)
    def approve(self, *, by, reason: str = ""):
        """Approve for sending: coercive kinds need the unit head, some the head of a higher organ."""
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(field=state, source=S.AWAITING_APPROVAL, target=S.DRAFT, permission=perms.may_approve)
    def reject(self, *, by, reason: str = ""):
        """Send the draft back to its drafter with the reason."""
        self.rejection_reason = _required(
            reason, "reason", _("Say why the request goes back to its drafter.")
        )

    @transition(field=state, source=S.APPROVED, target=S.SENT, permission=perms.may_act_as_requester)
    def send(self, *, by, reason: str = ""):
        """Send the request to the requested unit (its documents are the step's needs: steps.py)."""
        self.sent_at = timezone.now()

    @transition(field=state, source=S.RETURNED, target=S.SENT, permission=perms.may_act_as_requester)
    def resubmit(self, *, by, reason: str = ""):
        """Send a returned request again once its defective documents are replaced."""
        self.resubmission_count += 1
        self.sent_at = timezone.now()

    @transition(
        field=state,
        source=S.CLARIFICATION_REQUESTED,
        target=S.RECEIVED,
        permission=perms.may_act_as_requester,
    )
    def answer(self, *, by, reason: str = ""):
        """Answer the requested unit's question (the completion clock never stopped: MPS-2020 art 353)."""
        self.clarification_answer = _required(reason, "reason", _("Write the answer to the question."))

    @transition(field=state, source=S.FULFILLED, target=S.CLOSED, permission=perms.may_act_as_requester)
    def close(self, *, by, reason: str = ""):
        """Confirm the results and close the request."""
        self.closed_at = timezone.now()

    @transition(field=state, source=WITHDRAWABLE, target=S.WITHDRAWN, permission=perms.may_act_as_requester)
    def withdraw(self, *, by, reason: str = ""):
        """Withdraw the request, with the reason, before it is fulfilled."""
        self.withdrawal_reason = _required(reason, "reason", _("Say why the request is withdrawn."))
        self.withdrawn_at = timezone.now()

    # --- the requested unit's intake (归口接收, art 348) ---------------------------------------

    @transition(field=state, source=S.SENT, target=S.RECEIVED, permission=perms.may_act_as_intake)
    def receive(self, *, by, reason: str = ""):
        """Record receipt at the intake point; the clocks start.

        MPS-2020 art 353: the period runs from the receipt of a request whose formalities are complete
        (art 348), so a request returned and sent again is received anew and its clock starts afresh;
        the earlier receipt stays on the timeline.
        """
        self.received_at = timezone.now()

    @transition(
        field=state,
        source=S.RECEIVED,
        target=S.CLARIFICATION_REQUESTED,
        permission=perms.may_act_as_intake,
        conditions=[_is_not_notice],
    )
    def request_clarification(self, *, by, reason: str = ""):
        """Ask the requester a question; the completion clock runs on.

        No article lets a question stop the art 353 period, and a pause at will is the stalling that
        公通字〔2020〕6号 no. 4 forbids (DOMAIN.md §2).
        """
        self.clarification_question = _required(reason, "reason", _("Write the question to the requester."))
        self.clarification_answer = ""

    @transition(
        field=state,
        source=S.RECEIVED,
        target=S.ACCEPTED,
        permission=perms.may_act_as_intake,
        conditions=[_is_not_notice],
    )
    def accept(self, *, by, reason: str = ""):
        """Accept a request whose formalities are complete (art 348)."""
        # Art 348: complete formalities oblige the unit to cooperate; incomplete ones are returned
        # (the documents are the step's needs: steps.py).
        self.accepted_at = timezone.now()

    @transition(
        field=state,
        source=S.RECEIVED,
        target=S.ACKNOWLEDGED,
        permission=perms.may_act_as_intake,
        conditions=[_is_notice],
    )
    def acknowledge(self, *, by, reason: str = ""):
        """Acknowledge a notice of officers working in the area."""
        self.acknowledged_at = timezone.now()

    @transition(
        field=state,
        source=S.RECEIVED,
        target=S.RETURNED,
        permission=perms.may_act_as_intake,
        conditions=[_is_not_notice],
    )
    def return_request(self, *, by, reason: str = "", defects: list | None = None):
        """Return the request naming each defective document and its defect (art 348)."""
        # The defects are validated and recorded by the service; the model only insists there are some.
        if not defects:
            raise ValidationError(
                {"defects": [_("A return must name the defective document and its defect (art 348).")]}
            )

    @transition(field=state, source=S.ACCEPTED, target=S.ROUTED, permission=perms.may_act_as_intake)
    def route(self, *, by, reason: str = "", department=None):
        """Pass the accepted request to the operational department that will do the work."""
        if department is None:
            raise ValidationError({"department": [_("Choose the department that will do the work.")]})
        if department.unit_id != self.requested_unit_id or not department.is_active:
            raise ValidationError({"department": [_("Choose an active department of the requested unit.")]})
        self.routed_department = department

    # --- the department and the officer doing the work -----------------------------------------

    @transition(field=state, source=S.ROUTED, target=S.ASSIGNED, permission=perms.may_assign)
    def assign(self, *, by, reason: str = "", assignee=None, assignee_is_member: bool = False):
        """Assign an officer of the unit to do the work."""
        if assignee is None:
            raise ValidationError({"assignee": [_("Choose the officer who will do the work.")]})
        if not assignee_is_member:
            raise ValidationError({"assignee": [_("The officer must be a member of the requested unit.")]})
        self.assignee = assignee

    @transition(field=state, source=S.ASSIGNED, target=S.IN_PROGRESS, permission=perms.is_assignee)
    def start(self, *, by, reason: str = ""):
        """Start the work."""
        self.started_at = timezone.now()

    @transition(field=state, source=S.IN_PROGRESS, target=S.FULFILLED, permission=perms.is_assignee)
    def fulfil(self, *, by, reason: str = "", results: str = ""):
        """Record the results of the work."""
        self.results = _required(results or reason, "results", _("Describe the results of the work."))
        self.fulfilled_at = timezone.now()

    # --- disputes (art 356) -----------------------------------------------------------------

    @transition(field=state, source=DISPUTABLE, target=S.DISPUTED, permission=perms.may_dispute)
    def dispute(self, *, by, reason: str = "", unit=None):
        """Raise a dispute over the request (art 356)."""
        self.dispute_reason = _required(reason, "reason", _("Say what is disputed."))
        self.disputed_from = self.state
        self.disputed_by_unit = unit

    @transition(field=state, source=S.DISPUTED, target=S.REFERRED, permission=perms.may_refer)
    def refer(self, *, by, reason: str = "", superior=None):
        """Refer the dispute to the units' common superior."""
        if superior is None:
            raise ValueError("refer() needs the common superior")
        self.referred_to = superior

    @transition(field=state, source=S.REFERRED, target=S.ACCEPTED, permission=perms.may_decide)
    def decide_proceed(self, *, by, reason: str = ""):
        """Decide the dispute: the requested unit proceeds, with an instruction."""
        self.decision = _required(reason, "reason", _("Write the instruction to both units."))
        self.decided_by = by
        self.decided_at = timezone.now()
        if self.accepted_at is None:
            self.accepted_at = self.decided_at

    @transition(field=state, source=S.REFERRED, target=S.WITHDRAWN, permission=perms.may_decide)
    def decide_withdraw(self, *, by, reason: str = ""):
        """Decide the dispute: the request is withdrawn."""
        self.decision = _required(reason, "reason", _("Write the reasons for the decision."))
        self.decided_by = by
        self.decided_at = timezone.now()
        self.withdrawn_at = self.decided_at
        self.withdrawal_reason = self.decision


def _document_upload_to(instance: "RequestDocument", filename: str) -> str:
    # The stored name never reuses the uploader's file name (only the sniffed extension).
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"assistance/{instance.request_id}/{instance.document_type}-{stamp}.{extension}"


class Defect(models.TextChoices):
    """The only grounds on which a request may be returned: defects in its formalities (art 348)."""

    UNSIGNED = "unsigned", _("Not signed or sealed")
    WRONG_PERSON = "wrong_person", _("Names the wrong person")
    EXPIRED = "expired", _("Expired")
    MISSING = "missing", _("Missing")
    ILLEGIBLE = "illegible", _("Illegible")
    WRONG_TYPE = "wrong_type", _("Not the document required")
    OTHER = "other", _("Other defect in the formalities")


class RequestDocument(models.Model):
    """A document carried by a request: an uploaded scan now, a generated Document once rendered.

    A replacement keeps the old row with `superseded_by` pointing at the new one, so a return and
    its correction both stay on record.
    """

    request = models.ForeignKey(
        AssistanceRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="documents"
    )
    document_type = models.CharField(_("document"), max_length=40, choices=DOCUMENT_TYPE_CHOICES)
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=[
            (DocumentSource.UPLOADED.value, _("Uploaded scan")),
            (DocumentSource.GENERATED.value, _("Generated")),
        ],
        default=DocumentSource.UPLOADED,
    )
    number = models.CharField(_("document number"), max_length=64)
    issued_on = models.DateField(_("date of issue"))
    file = models.FileField(_("file"), upload_to=_document_upload_to, max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=64, blank=True)
    # The documents app's Document once this system renders the form (the next issue); until then null.
    generated_document_id = models.BigIntegerField(_("generated document"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    defect = models.CharField(_("defect found on return"), max_length=16, choices=Defect.choices, blank=True)
    # The 4×4 evaluation of what the attachment says (DOMAIN.md §4 [S]); blank until graded.
    source_reliability = grading.source_reliability_field()
    information_accuracy = grading.information_accuracy_field()

    class Meta:
        verbose_name = _("request document")
        verbose_name_plural = _("request documents")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["request", "document_type"])]

    def __str__(self):
        return f"{self.get_document_type_display()} {self.number}"

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None


class RequestReturn(models.Model):
    """One defect named when a request was returned: which document and what is wrong with it (art 348).

    There is deliberately no field for a fee or a condition: art 348 forbids attaching either.
    """

    request = models.ForeignKey(
        AssistanceRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="returns"
    )
    round = models.PositiveSmallIntegerField(_("return number"), default=1)
    document = models.ForeignKey(
        RequestDocument,
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
    )
    document_type = models.CharField(_("document"), max_length=40, choices=DOCUMENT_TYPE_CHOICES)
    defect = models.CharField(_("defect"), max_length=16, choices=Defect.choices)
    explanation = models.TextField(_("explanation"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("returned by"), on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(_("returned at"), default=timezone.now)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["returned_at", "id"]

    def __str__(self):
        return f"{self.get_document_type_display()}: {self.get_defect_display()}"


class CustodyEventKind(models.TextChoices):
    CAPTURE = "capture", _("Capture reported")
    COLLECTION = "collection", _("Collected by the requester (提解)")
    INTERROGATION = "interrogation", _("Interrogated on the requester's behalf")
    # A detained person in the place of capture's detention centre (MPS-2020 art 126 ¶2).
    DETENTION_CENTRE = "detention_centre", _("Delivered to the detention centre (送看守所羁押)")
    # The family told of the detention or arrest (MPS-2020 arts 127, 145), or why it was not.
    FAMILY_NOTIFIED = "family_notified", _("Family notified (通知家属)")
    FAMILY_NOT_NOTIFIED = (
        "family_not_notified",
        _("Family not notified: the lawful exception, with the reason"),
    )
    # A summons or compelled appearance ends within its limit (MPS-2020 arts 80, 200), or is extended.
    APPEARANCE_EXTENDED = "appearance_extended", _("Summons or compelled appearance extended to 24 hours")
    APPEARANCE_ENDED = "appearance_ended", _("Summons or compelled appearance ended")


class CustodyEvent(models.Model):
    """A step of the custody follow-up of a coercive request (MPS-2020 art 351)."""

    request = models.ForeignKey(
        AssistanceRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="custody_events"
    )
    kind = models.CharField(_("event"), max_length=24, choices=CustodyEventKind.choices)
    subject = models.ForeignKey(
        "cases.CasePerson",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_name = models.CharField(_("person's name"), max_length=64, blank=True)
    occurred_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    officers = models.JSONField(_("officers"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        ordering = ["occurred_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class PropertyMeasureKind(models.TextChoices):
    """Frozen or sealed property and the deadline rule (core.deadlines) that sets its period."""

    DEPOSITS = "deposits", _("Deposits, remittances or settlement funds (6 months)")
    DEPOSITS_MAJOR = "deposits_major", _("Deposits in a major or complex case (1 year)")
    SECURITIES = "securities", _("Bonds, shares, fund units or other securities (2 years)")
    EQUITY = "equity", _("Equity, insurance or investment rights (6 months)")
    SEALED = "sealed", _("Sealed property")
    SEIZED = "seized", _("Seized property")


PERIOD_RULES = {
    PropertyMeasureKind.DEPOSITS: "freeze_deposits",
    PropertyMeasureKind.DEPOSITS_MAJOR: "freeze_deposits_major",
    PropertyMeasureKind.SECURITIES: "freeze_securities",
    PropertyMeasureKind.EQUITY: "freeze_equity",
}
RELEASE_RULES = {
    PropertyMeasureKind.SEALED: "release_unrelated_seized_property",
    PropertyMeasureKind.SEIZED: "release_unrelated_seized_property",
}
RELEASE_FROZEN_RULE = "release_unrelated_frozen_property"


class PropertyMeasureState(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    # A freeze is renewed with its original approval before it expires (MPS-2020 art 240).
    RENEWAL_PROPOSED = "renewal_proposed", _("Renewal asked for, awaiting the approval")
    RENEWED = "renewed", _("Renewed")
    UNRELATED = "unrelated", _("Found unrelated, to be released")
    # A freeze is lifted only with the approval of the head who approved it (MPS-2020 art 241); a seal
    # or seizure with the approval of the organ that approved it (MPS-2020 art 233, our reading [R]).
    RELEASE_PROPOSED = "release_proposed", _("Release asked for, awaiting the approval")
    RELEASE_APPROVED = "release_approved", _("Release approved: its notice or decision is issued")
    RELEASED = "released", _("Released")


M = PropertyMeasureState
# A freeze in these states still binds the property, so its expiry without renewal lapses it (once
# its release is approved, the unfreeze notice has gone out: what lapses no longer matters).
_LIVE_STATES = (M.IN_FORCE, M.RENEWAL_PROPOSED, M.UNRELATED, M.RELEASE_PROPOSED)


def _may_follow_up_measure(measure, user) -> bool:
    """Who records a measure's fate: who may record the follow-up of its request."""
    return perms.may_record_follow_up(measure.request, user)


def _may_approve_release(measure, user) -> bool:
    """The head of the organ that approved the measure (原批准冻结的公安机关负责人, MPS-2020 arts 240, 241).

    A seal or seizure: the head of the organ that approved it (MPS-2020 art 233, by analogy with
    MPS-2020 arts 232 ¶2, 241: our reading [R]); its request was approved by that head (coercive kinds).
    """
    return perms.may_approve_release(measure.request, user)


def _is_freeze(measure) -> bool:
    return PropertyMeasureKind(measure.kind) in PERIOD_RULES


def _not_lapsed(measure) -> bool:
    return not measure.lapsed


class PropertyMeasure(ConcurrentTransitionMixin, models.Model):
    """A freeze, seal or seizure carried out on a request, with its period and renewal reminder.

    Its legal state changes only through its transitions (core.workflow.run_transition): a renewal
    asked for and approved before expiry (续冻, the new period is a new measure), found unrelated to
    the case, a release asked for, approved (with its notice or decision) and recorded.
    """

    request = models.ForeignKey(
        AssistanceRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="property_measures",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PropertyMeasureKind.choices)
    target = models.CharField(_("account or object"), max_length=200)
    institution = models.CharField(_("bank or holder"), max_length=128, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, null=True, blank=True)
    starts_on = models.DateField(_("starts on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # When the periodic scan reminds the requester to renew (art 240: a freeze lapses unless renewed
    # before expiry): the reminder lead of core.deadline_rows, 7 days by default (configurable).
    renewal_reminder_on = models.DateField(_("renewal reminder on"), null=True, blank=True)
    state = FSMField(_("state"), max_length=16, choices=M.choices, default=M.IN_FORCE, protected=True)
    renewed_from = models.OneToOneField(
        "self",
        verbose_name=_("renewal of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal",
    )
    # The renewal asked for (MPS-2020 art 240): the period it asks, who asked, who approved it.
    renewal_starts_on = models.DateField(_("renewal asked from"), null=True, blank=True)
    renewal_kind = models.CharField(
        _("renewal period asked"), max_length=16, choices=PropertyMeasureKind.choices, blank=True
    )
    renewal_asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("renewal asked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    renewal_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("renewal approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    renewal_approved_at = models.DateTimeField(_("renewal approved at"), null=True, blank=True)
    # On a renewed period: the 协助冻结财产通知书 of the continued freeze (继续冻结) issued on approval.
    notice_document_id = models.BigIntegerField(_("freeze notice"), null=True, blank=True)
    found_unrelated_at = models.DateTimeField(_("found unrelated at"), null=True, blank=True)
    # The release (MPS-2020 arts 233, 241): why, who approved it, the 协助解除冻结财产通知书 or the
    # 解除查封决定书 / 解除扣押决定书.
    release_reason = models.TextField(_("why the measure is lifted"), blank=True)
    release_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("release approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    release_approved_at = models.DateTimeField(_("release approved at"), null=True, blank=True)
    release_document_id = models.BigIntegerField(_("release notice or decision"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    # A sealed or seized thing goes back to its owner (退还原主), or, the owner unknown, a public notice
    # tells the owner to claim it (MPS-2020 art 233).
    returned_to = models.CharField(_("returned to"), max_length=200, blank=True)
    announced_on = models.DateField(_("public notice on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("property measure")
        verbose_name_plural = _("property measures")
        ordering = ["starts_on", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.target}"

    @property
    def period_rule(self) -> str | None:
        return PERIOD_RULES.get(PropertyMeasureKind(self.kind))

    @property
    def is_freeze(self) -> bool:
        return _is_freeze(self)

    @property
    def lapsed(self) -> bool:
        """Tell whether the freeze expired unrenewed: 视为自动解除冻结 (MPS-2020 art 240).

        Its last day is `expires_on`: a renewal approved on that day is in time, one after it is not.
        """
        return (
            self.expires_on is not None
            and self.state in _LIVE_STATES
            and self.expires_on < timezone.localdate()
        )

    @staticmethod
    def start_instant(day: dt.date) -> dt.datetime:
        """Return the start of a measure's first day in Asia/Shanghai (the day itself is not counted)."""
        from core.deadlines import SHANGHAI

        return dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)

    @transition(
        field=state,
        source=M.IN_FORCE,
        target=M.RENEWAL_PROPOSED,
        permission=_may_follow_up_measure,
        conditions=[_is_freeze],
    )
    def propose_renewal(self, *, by, starts_on: dt.date, kind: str):
        """Ask to renew the freeze (续冻): its approver decides before it expires (MPS-2020 art 240)."""
        self.renewal_starts_on = starts_on
        self.renewal_kind = kind
        self.renewal_asked_by = by

    @transition(
        field=state,
        source=M.RENEWAL_PROPOSED,
        target=M.RENEWED,
        permission=_may_approve_release,
        conditions=[_not_lapsed],
    )
    def approve_renewal(self, *, by, reason: str = ""):
        """Approve the renewal before expiry; the service records the new period as a new measure."""
        self.renewal_approved_by = by
        self.renewal_approved_at = timezone.now()

    @transition(field=state, source=M.RENEWAL_PROPOSED, target=M.IN_FORCE, permission=_may_approve_release)
    def refuse_renewal(self, *, by, reason: str = ""):
        """Refuse the renewal with the reason: the freeze stays in force until it expires (art 240)."""
        _required(reason, "reason", _("Say why the renewal is refused."))
        self.renewal_starts_on = None
        self.renewal_kind = ""
        self.renewal_asked_by = None

    @transition(field=state, source=M.IN_FORCE, target=M.UNRELATED, permission=_may_follow_up_measure)
    def unrelated(self, *, by, reason: str = ""):
        """Find the property unrelated to the case: it must be released within 3 days (arts 233, 247)."""
        _required(reason, "reason", _("Say why the property is unrelated."))
        self.found_unrelated_at = timezone.now()

    @transition(
        field=state,
        source=[M.IN_FORCE, M.UNRELATED],
        target=M.RELEASE_PROPOSED,
        permission=_may_follow_up_measure,
    )
    def propose_release(self, *, by, reason: str = ""):
        """Ask to lift the measure (not needed, or found unrelated): its approver decides (arts 233, 241)."""
        self.release_reason = _required(reason, "reason", _("Say why the measure is to be lifted."))

    @transition(
        field=state, source=M.RELEASE_PROPOSED, target=M.RELEASE_APPROVED, permission=_may_approve_release
    )
    def approve_release(self, *, by, reason: str = ""):
        """Approve the release; the service issues its notice or decision (MPS-2020 arts 233, 241)."""
        self.release_approved_by = by
        self.release_approved_at = timezone.now()

    @transition(field=state, source=M.RELEASE_PROPOSED, target=M.IN_FORCE, permission=_may_approve_release)
    def refuse_release(self, *, by, reason: str = ""):
        """Refuse the release with the reason: the measure stays in force (MPS-2020 art 241).

        Refusing the release of property found unrelated holds it related to the case (our reading
        [R]: art 247's 3 days bind once the property is found unrelated, and the approver who refuses
        finds otherwise): the finding is cleared; the service stops the 3-day clock.
        """
        _required(reason, "reason", _("Say why the release is refused."))
        self.release_reason = ""
        self.found_unrelated_at = None

    @transition(field=state, source=M.RELEASE_APPROVED, target=M.RELEASED, permission=_may_follow_up_measure)
    def release(self, *, by, returned_to: str = "", announced_on: dt.date | None = None):
        """Record that the property was released (unfrozen; unsealed or returned, MPS-2020 art 233)."""
        if not _is_freeze(self):
            self.returned_to = (returned_to or "").strip()
            self.announced_on = announced_on
            if not self.returned_to and announced_on is None:
                raise ValidationError(
                    {
                        "returned_to": [
                            _(
                                "Name to whom the property was returned (退还原主), or, the owner being "
                                "unknown, give the date of the public notice (MPS-2020 art 233)."
                            )
                        ]
                    }
                )
        self.released_at = timezone.now()
