"""Jurisdiction proceedings (管辖程序): consultation, legal review, designation, transfer, handover, merger.

A proceeding settles who handles one case. Two kinds share one machine:

- a *dispute* (协商 / 指定管辖, MPS-2020 arts 21–23): the candidate units consult and record
  positions before a deadline; an agreement goes to the proposed lead's legal department; a dissent
  or a passed deadline lets a party ask the common superior to designate (呈请指定管辖, art 22),
  the request going up level by level (层报); the superior designates (指定管辖决定书, art 23), or
  takes the matter up directly; the original unit then hands the case over (art 185);
- a *transfer* (移送, MPS-2020 arts 175, 184): a unit moves a case that is not its own to the unit
  with jurisdiction: at intake, before 立案, within 24 hours (art 175); after 立案 with no 24-hour
  limit (art 184); then the same handover.

Whenever the case changes hands — by agreement, by designation or by transfer — the same formalities
follow (MPS-2020 arts 184, 185): the unit giving the case up drafts a 移送案件通知书 that its legal
department reviews and its head approves (TRANSFERRING after a transfer or an agreement, DESIGNATED
after a designation); issuing it opens the handover, in which both sides co-sign one list of the
files, evidence and property; only that second signature settles the proceeding.

Transition methods only guard and change the row (DESIGN.md, State machines); the services in
jurisdiction.services do everything else through core.workflow.run_transition.
"""

import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from cases.models import Case
from jurisdiction import permissions
from organisation.models import Unit


def _require(value: str, field: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


class ProceedingKind(models.TextChoices):
    DISPUTE = "dispute", _("Consultation and designation (协商 / 指定管辖)")
    TRANSFER = "transfer", _("Transfer (移送)")


class ProceedingState(models.TextChoices):
    OPEN = "open", _("Open")
    CONSULTING = "consulting", _("Consulting")
    AGREED = "agreed", _("Agreed, in legal review")
    DESIGNATION_REQUESTED = "designation_requested", _("Designation requested")
    FORWARDING = "forwarding", _("Going up level by level")
    AT_SUPERIOR = "at_superior", _("At the common superior")
    DESIGNATED = "designated", _("Designated")
    TRANSFERRING = "transferring", _("Transfer notice being issued")
    HANDOVER = "handover", _("Handing over")
    SETTLED = "settled", _("Settled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ProceedingState
ACTIVE_STATES = frozenset(set(S.values) - {S.SETTLED, S.WITHDRAWN})
# While in these states the case's jurisdiction is disputed (2020 notice, rule 3: the guard).
DISPUTED_STATES = frozenset(
    {S.OPEN, S.CONSULTING, S.AGREED, S.DESIGNATION_REQUESTED, S.FORWARDING, S.AT_SUPERIOR}
)
# Asked of a request to designate without a dissent or a passed consultation deadline.
DESIGNATION_NOT_YET = _(
    "Designation may be requested only when a party dissents or the consultation deadline has passed "
    "(MPS-2020 art 22)."
)
# The superior may take the matter up and designate directly from any of these (MPS-2020 art 22).
DIRECT_DESIGNATION_SOURCES = [S.OPEN, S.CONSULTING, S.AGREED, S.DESIGNATION_REQUESTED, S.FORWARDING]


class JurisdictionProceeding(ConcurrentTransitionMixin, models.Model):
    """One proceeding on the jurisdiction of one case; at most one is active per case."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="jurisdiction_proceedings"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ProceedingKind.choices)
    state = FSMField(
        _("state"), default=S.OPEN, choices=S.choices, protected=True, db_index=True, max_length=24
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opening_unit = models.ForeignKey(
        Unit, verbose_name=_("opening unit"), on_delete=models.PROTECT, related_name="+"
    )
    # The unit handling the case when the proceeding opened: it hands over if another unit is chosen.
    holding_unit = models.ForeignKey(
        Unit, verbose_name=_("unit holding the case"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    consultation_due_at = models.DateTimeField(_("consultation deadline"), null=True, blank=True)
    # The outcome: proposed by agreement, designated by the superior, or the transfer's target.
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assisting_units = models.ManyToManyField(
        Unit, verbose_name=_("assisting units"), blank=True, related_name="+"
    )
    outcome_reason = models.TextField(_("reasons for the outcome"), blank=True)
    # An agreement reached at a joint meeting: the 纪要 and item it stands on, and the reference of
    # the resolution that brought it (so applying the resolution again changes nothing).
    agreement_citation = models.CharField(_("agreement recorded in"), max_length=200, blank=True)
    agreement_reference = models.CharField(_("agreement reference"), max_length=64, blank=True)
    # The designation route (层报): unit ids from just above the filing unit up to the superior.
    superior_unit = models.ForeignKey(
        Unit,
        verbose_name=_("designating superior"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    route = models.JSONField(_("route of the designation request"), default=list, blank=True)
    route_position = models.PositiveSmallIntegerField(_("position on the route"), default=0)
    designated_directly = models.BooleanField(_("designated directly"), default=False)
    # The analysis of the rules engine when the proceeding opened (candidates, bases, factors).
    analysis = models.JSONField(_("analysis at opening"), default=dict, blank=True)
    rules_version = models.CharField(_("rules version"), max_length=16, default="MPS-2020")
    legal_review_note = models.TextField(_("legal review note"), blank=True)
    # Whether the case was opened (立案) when the proceeding opened: a transfer before it is MPS-2020
    # art 175 (24 hours), after it art 184 (head approval, 3-day notice to the complainants).
    after_filing = models.BooleanField(_("case filed (立案) when opened"), default=True)
    # MPS-2020 art 184: a suspect already in custody (已经到案) has the family told of the transfer.
    family_notified_at = models.DateTimeField(_("family told of the transfer at"), null=True, blank=True)
    family_notice = models.TextField(_("how the family was told"), blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("jurisdiction proceeding")
        verbose_name_plural = _("jurisdiction proceedings")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=~models.Q(state__in=["settled", "withdrawn"]),
                name="jurisdiction_one_active_proceeding_per_case",
            )
        ]
        indexes = [models.Index(fields=["state", "superior_unit"])]

    def __str__(self):
        return f"{self.case} · {self.get_kind_display()} · {self.get_state_display()}"

    @property
    def current_route_unit_id(self) -> int | None:
        """The unit holding the designation request now (层报), or None when it is not travelling."""
        if self.state == S.FORWARDING and self.route_position < len(self.route):
            return self.route[self.route_position]
        if self.state == S.AT_SUPERIOR:
            return self.superior_unit_id
        return None

    @property
    def needs_handover(self) -> bool:
        return self.lead_unit_id is not None and self.lead_unit_id != self.holding_unit_id

    def handover_list_digest(self) -> str:
        """Return the digest of the handover list as it is now (what each side signs)."""
        items = list(
            self.handover_items.order_by("id").values_list("kind", "description", "quantity", "note")
        )
        return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()

    def handover_signed(self) -> bool:
        """Return whether both sides signed the list as it is now (MPS-2020 art 185: co-signed)."""
        if not self.handover_items.exists():
            return False
        digest = self.handover_list_digest()
        return self.handover_confirmations.filter(list_digest=digest).values("side").distinct().count() == 2

    # --- dispute: consultation and agreement ------------------------------------------------------

    @transition(
        field=state,
        source=S.OPEN,
        target=S.CONSULTING,
        conditions=[lambda p: p.kind == ProceedingKind.DISPUTE],
        permission=permissions.may_manage,
    )
    def start_consultation(self, *, by) -> None:
        """Invite the candidate units to state their positions before the deadline (协商)."""

    @transition(
        field=state,
        source=S.CONSULTING,
        target=S.AGREED,
        permission=permissions.may_take_part,
    )
    def agree(self, *, by, lead_unit: Unit, assisting_units=(), reason: str = "") -> None:
        """Record the agreement the positions show; the proposed lead's legal department reviews it."""
        if lead_unit is None:
            raise ValidationError({"lead_unit": _("Name the lead unit the parties agreed on.")})
        self.lead_unit = lead_unit
        self.outcome_reason = reason.strip()
        # The agreement rests on the parties' positions now, not on a meeting's 纪要; the reference
        # stays, so the meeting's resolution is never applied a second time.
        self.agreement_citation = ""

    @transition(
        field=state,
        source=[S.OPEN, S.CONSULTING, S.DESIGNATION_REQUESTED],
        target=S.AGREED,
        conditions=[lambda p: p.kind == ProceedingKind.DISPUTE],
        permission=permissions.may_agree_by_resolution,
    )
    def agree_by_resolution(self, *, by, lead_unit: Unit, citation: str, reference: str) -> None:
        """Record the agreement a joint meeting's signed 纪要 states; the lead's legal department reviews it.

        MPS-2020 art 22: units with jurisdiction settle it by consultation; a joint meeting of their
        organs is such a consultation. Not in TRANSITION_NAMES: only the meetings app takes it.
        """
        if lead_unit is None:
            raise ValidationError({"lead_unit": _("Name the lead unit the meeting agreed on.")})
        citation = _require(citation, "citation", _("Cite the minutes that record the agreement."))
        self.lead_unit = lead_unit
        self.outcome_reason = f"经{citation}议定"
        self.agreement_citation = citation
        self.agreement_reference = _require(reference, "reference", _("Give the agreement's reference."))

    @transition(
        field=state,
        source=S.AGREED,
        target=RETURN_VALUE(S.TRANSFERRING, S.SETTLED),
        permission=permissions.may_review_agreement,
    )
    def approve_agreement(self, *, by, note: str = "", settled_at) -> str:
        """Approve the agreement (法制审核): the case gets its lead and assisting units.

        When the agreed lead is not the unit holding the case, the case changes hands: the holding
        unit's 移送案件通知书 and the handover follow (MPS-2020 arts 184, 185), and the proceeding
        settles only when both sides signed the handover list.
        """
        self.legal_review_note = note.strip()
        if self.needs_handover:
            return S.TRANSFERRING
        self.settled_at = settled_at
        return S.SETTLED

    @transition(
        field=state,
        source=S.AGREED,
        target=S.CONSULTING,
        permission=permissions.may_review_agreement,
    )
    def send_back_agreement(self, *, by, reason: str) -> None:
        """Send the agreement back to the parties with the legal department's reasons."""
        self.legal_review_note = _require(reason, "reason", _("Say why the agreement is sent back."))
        self.lead_unit = None
        # A meeting's agreement sent back no longer stands; its reference stays (never re-applied).
        self.agreement_citation = ""

    # --- dispute: designation by the common superior ---------------------------------------------

    @transition(
        field=state,
        source=S.CONSULTING,
        target=S.DESIGNATION_REQUESTED,
        permission=permissions.may_take_part,
    )
    def request_designation(self, *, by, dissent: bool, deadline_passed: bool) -> None:
        """Ask the common superior to designate: allowed on a dissent or once the deadline has passed."""
        if not (dissent or deadline_passed):
            raise ValidationError({"state": DESIGNATION_NOT_YET})

    @transition(
        field=state,
        source=S.DESIGNATION_REQUESTED,
        target=RETURN_VALUE(S.FORWARDING, S.AT_SUPERIOR),
        permission=permissions.may_file_designation,
    )
    def file_designation(self, *, by, superior: Unit, route: list[int]) -> str:
        """Send the approved request (呈请报告书) up the route (层报) to the common superior.

        The route runs through every superior above the filing unit; the common superior may be the
        very next level.
        """
        if not route or route[-1] != superior.pk:
            raise ValueError("The route ends at the designating superior")
        self.superior_unit = superior
        self.route = list(route)
        self.route_position = 0
        return S.AT_SUPERIOR if len(self.route) == 1 else S.FORWARDING

    @transition(
        field=state,
        source=S.FORWARDING,
        target=RETURN_VALUE(S.FORWARDING, S.AT_SUPERIOR),
        permission=permissions.may_act_on_route,
    )
    def forward(self, *, by, note: str = "") -> str:
        """Approve and pass the request to the next superior on the route; the last is the designator."""
        self.route_position += 1
        return S.AT_SUPERIOR if self.route_position >= len(self.route) - 1 else S.FORWARDING

    @transition(
        field=state,
        source=[S.FORWARDING, S.AT_SUPERIOR],
        target=S.DESIGNATION_REQUESTED,
        permission=permissions.may_act_on_route,
    )
    def return_designation(self, *, by, reason: str) -> None:
        """Return the request to the filing unit with reasons; it may be revised and filed again."""
        _require(reason, "reason", _("Say why the request is returned."))
        self.route_position = 0

    @transition(
        field=state,
        source=DIRECT_DESIGNATION_SOURCES,
        target=S.AT_SUPERIOR,
        permission=permissions.may_designate_directly,
    )
    def take_up(self, *, by, superior: Unit, reason: str) -> None:
        """Take the matter up at a common superior to designate directly (MPS-2020 art 22)."""
        _require(reason, "reason", _("Say why the superior designates directly."))
        self.superior_unit = superior
        self.designated_directly = True
        self.route = [superior.pk]
        self.route_position = 0

    @transition(
        field=state,
        source=S.AT_SUPERIOR,
        target=S.DESIGNATED,
        permission=permissions.may_designate,
    )
    def designate(self, *, by, lead_unit: Unit, reason: str) -> None:
        """Designate the lead unit (指定管辖): the decision has been reviewed, approved and issued.

        Any active unit under the superior, or the superior itself (MPS-2020 arts 22, 24 ¶3).
        """
        if lead_unit is None:
            raise ValidationError({"lead_unit": _("Name the designated unit.")})
        self.lead_unit = lead_unit
        self.outcome_reason = _require(reason, "reason", _("Give the reasons for the designation."))

    # --- transfer (移送) ---------------------------------------------------------------------------

    @transition(
        field=state,
        source=S.OPEN,
        target=S.TRANSFERRING,
        conditions=[lambda p: p.kind == ProceedingKind.TRANSFER],
        permission=permissions.may_manage,
    )
    def prepare_transfer(self, *, by, lead_unit: Unit, reason: str) -> None:
        """Name the unit with jurisdiction the case moves to; its 移送案件通知书 follows."""
        if lead_unit is None:
            raise ValidationError({"lead_unit": _("Name the unit the case is transferred to.")})
        if lead_unit.pk == self.holding_unit_id:
            raise ValidationError({"lead_unit": _("A case cannot be transferred to the unit holding it.")})
        self.lead_unit = lead_unit
        self.outcome_reason = _require(reason, "reason", _("Give the reason for the transfer."))

    # --- handover and end ------------------------------------------------------------------------

    @transition(
        field=state,
        source=[S.DESIGNATED, S.TRANSFERRING],
        target=S.HANDOVER,
        conditions=[lambda p: p.needs_handover],
        permission=permissions.may_start_handover,
    )
    def start_handover(self, *, by) -> None:
        """Issue the 移送案件通知书 and open the handover list of files, evidence and property (art 185)."""

    @transition(
        field=state,
        source=[S.DESIGNATED, S.HANDOVER],
        target=S.SETTLED,
        conditions=[lambda p: p.handover_signed() if p.state == S.HANDOVER else not p.needs_handover],
        permission=permissions.may_settle,
    )
    def settle(self, *, by, settled_at) -> None:
        """End the proceeding: the designation stands and any handover is confirmed by both sides."""
        self.settled_at = settled_at

    @transition(
        field=state,
        source=[S.OPEN, S.CONSULTING, S.AGREED, S.DESIGNATION_REQUESTED, S.TRANSFERRING],
        target=S.WITHDRAWN,
        # An agreement approved in legal review stands: only a transfer not yet notified is withdrawn.
        conditions=[lambda p: p.state != S.TRANSFERRING or p.kind == ProceedingKind.TRANSFER],
        permission=permissions.may_manage,
    )
    def withdraw(self, *, by, reason: str) -> None:
        """Withdraw the proceeding (the question is moot); the case goes back to investigation."""
        self.withdrawn_reason = _require(reason, "reason", _("Say why the proceeding is withdrawn."))


TRANSITION_NAMES = (
    "start_consultation",
    "agree",
    "approve_agreement",
    "send_back_agreement",
    "request_designation",
    "file_designation",
    "forward",
    "return_designation",
    "take_up",
    "designate",
    "prepare_transfer",
    "start_handover",
    "settle",
    "withdraw",
)


class PartyPosition(models.TextChoices):
    CLAIM = "claim", _("Claims the case")
    DECLINE = "decline", _("Declines")
    PROPOSE = "propose", _("Proposes another unit")


class ProceedingParty(models.Model):
    """A unit taking part in a proceeding, with the position it recorded in the consultation."""

    proceeding = models.ForeignKey(
        JurisdictionProceeding, verbose_name=_("proceeding"), on_delete=models.CASCADE, related_name="parties"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    # Copied from the unit so that "a superior of a party" is one indexed prefix match (visibility).
    unit_path = models.CharField(_("unit path"), max_length=40, editable=False)
    bases = models.JSONField(_("bases of jurisdiction"), default=list, blank=True)
    position = models.CharField(_("position"), max_length=8, choices=PartyPosition.choices, blank=True)
    proposed_unit = models.ForeignKey(
        Unit,
        verbose_name=_("proposed unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reasons = models.TextField(_("reasons"), blank=True)
    positioned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("position recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    positioned_at = models.DateTimeField(_("position recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proceeding party")
        verbose_name_plural = _("proceeding parties")
        ordering = ["proceeding", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proceeding", "unit"], name="jurisdiction_party_unique_unit"),
        ]
        indexes = [
            models.Index(
                fields=["unit_path"], name="jurisdiction_party_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return f"{self.proceeding_id} · {self.unit_id} · {self.position or '-'}"

    def save(self, *args, **kwargs):
        if not self.unit_path:
            self.unit_path = self.unit.path
        super().save(*args, **kwargs)

    @property
    def favoured_unit_id(self) -> int | None:
        """The unit this party wants to lead: itself when claiming, the proposed unit when proposing."""
        if self.position == PartyPosition.CLAIM:
            return self.unit_id
        if self.position == PartyPosition.PROPOSE:
            return self.proposed_unit_id
        return None


class DesignationRequest(models.Model):
    """The request to designate (呈请指定管辖, MPS-2020 art 22) and the route it travelled."""

    proceeding = models.ForeignKey(
        JurisdictionProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="designation_requests",
    )
    filing_unit = models.ForeignKey(
        Unit, verbose_name=_("filing unit"), on_delete=models.PROTECT, related_name="+"
    )
    suspects = models.TextField(_("suspects' details"))
    charge = models.CharField(_("suspected offence"), max_length=120)
    facts = models.TextField(_("basic facts"))
    dispute = models.TextField(_("the dispute"))
    consultation_record = models.TextField(_("consultation record"))
    reasons = models.TextField(_("reasons for the proposed designation"))
    proposed_unit = models.ForeignKey(
        Unit,
        verbose_name=_("proposed unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    report_document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("report for approval (呈请报告书)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("designation request")
        verbose_name_plural = _("designation requests")
        ordering = ["proceeding", "-id"]

    def __str__(self):
        return f"{self.proceeding_id} · {self.filing_unit_id}"


class RouteStepAction(models.TextChoices):
    FORWARD = "forward", _("Approved and forwarded")
    RETURN = "return", _("Returned")
    TAKE_UP = "take_up", _("Taken up directly")


class RouteStep(models.Model):
    """One superior's decision on the designation request as it went up (层报)."""

    proceeding = models.ForeignKey(
        JurisdictionProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="route_steps",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=8, choices=RouteStepAction.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("route step")
        verbose_name_plural = _("route steps")
        ordering = ["proceeding", "id"]

    def __str__(self):
        return f"{self.proceeding_id} · {self.unit_id} · {self.action}"


class HandoverItemKind(models.TextChoices):
    """MPS-2020 art 185 ¶1: legal documents, evidence, property and its fruits travel with the case;
    art 23 ¶2: the suspects, the property involved and the case files."""

    SUSPECT = "suspect", _("Suspect")
    PROPERTY = "property", _("Property involved")
    FILE = "file", _("Case file")
    EVIDENCE = "evidence", _("Evidence (证据)")


class HandoverItem(models.Model):
    """One line of the handover list (移交清单, MPS-2020 arts 23, 185): both sides check it face to face
    and co-sign it (art 185 ¶2)."""

    proceeding = models.ForeignKey(
        JurisdictionProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="handover_items",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=HandoverItemKind.choices)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.CharField(_("quantity"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")
        ordering = ["proceeding", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description}"


class HandoverConfirmation(models.Model):
    """A side's signature on the handover list; a change to the list clears both (they co-sign one list)."""

    class Side(models.TextChoices):
        SENDER = "sender", _("Handing over")
        RECEIVER = "receiver", _("Receiving")

    proceeding = models.ForeignKey(
        JurisdictionProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="handover_confirmations",
    )
    side = models.CharField(_("side"), max_length=8, choices=Side.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("confirmed at"), auto_now_add=True)
    # The list as it was confirmed: both sides must have confirmed the same one.
    list_digest = models.CharField(_("digest of the list"), max_length=64)

    class Meta:
        verbose_name = _("handover confirmation")
        verbose_name_plural = _("handover confirmations")
        constraints = [
            models.UniqueConstraint(fields=["proceeding", "side"], name="jurisdiction_handover_one_per_side"),
        ]

    def __str__(self):
        return f"{self.proceeding_id} · {self.side}"


# --- merged investigation (并案侦查, MPS-2020 art 21(2)) ------------------------------------------


class MergerGround(models.TextChoices):
    """The four grounds of MPS-2020 art 21(2)."""

    ONE_PERSON = "one_person", _("One person committed several crimes (一人犯数罪)")
    JOINT_CRIME = "joint_crime", _("A joint crime (共同犯罪)")
    FURTHER_CRIMES = (
        "further_crimes",
        _("Co-offenders also committed other crimes (共同犯罪的犯罪嫌疑人还实施其他犯罪)"),
    )
    LINKED = "linked", _("Linked crimes better investigated together (多个犯罪嫌疑人实施的犯罪存在关联)")


class MergerState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed, in legal review")
    MERGED = "merged", _("Merged")
    DECLINED = "declined", _("Declined by the other unit")
    REJECTED = "rejected", _("Rejected in legal review")
    WITHDRAWN = "withdrawn", _("Withdrawn")


M = MergerState


class MergerProposal(ConcurrentTransitionMixin, models.Model):
    """A proposal to investigate one case within another (并案侦查).

    Decided by consultation (the other case's unit consents or declines) and by the legal review of
    the unit that will lead the merged investigation. The merged case keeps its number, facts and
    timeline; it is marked merged into the surviving case, which lists it.
    """

    into_case = models.ForeignKey(
        Case, verbose_name=_("surviving case"), on_delete=models.PROTECT, related_name="merger_proposals_in"
    )
    merged_case = models.ForeignKey(
        Case, verbose_name=_("case to merge"), on_delete=models.PROTECT, related_name="merger_proposals_out"
    )
    ground = models.CharField(_("ground (MPS-2020 art 21(2))"), max_length=16, choices=MergerGround.choices)
    reasons = models.TextField(_("reasons"))
    # The related-case notice the proposal started from, when it did.
    match = models.ForeignKey(
        "cases.RelatedCaseMatch",
        verbose_name=_("related-case notice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = FSMField(_("state"), default=M.PROPOSED, choices=M.choices, protected=True, max_length=12)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposing_unit = models.ForeignKey(
        Unit, verbose_name=_("proposing unit"), on_delete=models.PROTECT, related_name="+"
    )
    # The responsible units of the two cases when proposed: who consents and who reviews.
    into_unit = models.ForeignKey(
        Unit, verbose_name=_("unit of the surviving case"), on_delete=models.PROTECT, related_name="+"
    )
    merged_unit = models.ForeignKey(
        Unit, verbose_name=_("unit of the case to merge"), on_delete=models.PROTECT, related_name="+"
    )
    response = models.TextField(_("response"), blank=True)
    legal_review_note = models.TextField(_("legal review note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("merger proposal")
        verbose_name_plural = _("merger proposals")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merged_case"],
                condition=models.Q(state__in=["proposed", "agreed"]),
                name="jurisdiction_one_open_merger_per_case",
            ),
            models.CheckConstraint(
                condition=~models.Q(into_case=models.F("merged_case")), name="jurisdiction_merger_two_cases"
            ),
        ]

    def __str__(self):
        return f"{self.merged_case_id} → {self.into_case_id} · {self.state}"

    @property
    def consenting_unit_id(self) -> int:
        """The unit whose consent the proposal needs: the side that did not propose."""
        return self.merged_unit_id if self.proposing_unit_id == self.into_unit_id else self.into_unit_id

    @transition(field=state, source=M.PROPOSED, target=M.AGREED, permission=permissions.may_answer_merger)
    def consent(self, *, by, reason: str = "") -> None:
        """Consent to investigate the two cases together; the lead's legal department reviews it."""
        self.response = reason.strip()

    @transition(field=state, source=M.PROPOSED, target=M.DECLINED, permission=permissions.may_answer_merger)
    def decline(self, *, by, reason: str) -> None:
        """Decline with reasons; a unit that still disputes it may ask the common superior (art 22)."""
        self.response = _require(reason, "reason", _("Give the reasons for declining."))

    @transition(field=state, source=M.AGREED, target=M.MERGED, permission=permissions.may_review_merger)
    def approve(self, *, by, reason: str = "") -> None:
        """Approve in legal review (法制审核): the case is merged into the surviving one."""
        self.legal_review_note = reason.strip()

    @transition(field=state, source=M.AGREED, target=M.REJECTED, permission=permissions.may_review_merger)
    def reject(self, *, by, reason: str) -> None:
        """Reject in legal review with reasons: the ground of art 21(2) is not made out."""
        self.legal_review_note = _require(reason, "reason", _("Give the reasons for rejecting."))

    @transition(
        field=state,
        source=[M.PROPOSED, M.AGREED],
        target=M.WITHDRAWN,
        permission=permissions.may_withdraw_merger,
    )
    def withdraw(self, *, by, reason: str) -> None:
        """Withdraw the proposal."""
        _require(reason, "reason", _("Say why the proposal is withdrawn."))


MERGER_TRANSITION_NAMES = ("consent", "decline", "approve", "reject", "withdraw")
