"""Cross-region cases (跨区域案件): the case and its state machine, parties, places and persons.

Transition methods only guard and change the row; every transition runs through
core.workflow.run_transition (lock, check, transition, save, audit, timeline), called by
cases.services (the steps declared in cases.steps, and the effects of a jurisdiction proceeding).
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from cases import permissions
from cases.pinyin import name_pinyin
from core import grading
from organisation.models import Unit

# --- reference data ------------------------------------------------------------------------------


class Offence(models.Model):
    """An offence grouping (电信网络诈骗, 毒品, …) from the maintained list, above the charges (罪名).

    A case is filed under one grouping and records its charges (Charge). The grouping 电信网络诈骗
    says the fraud was committed by telecom or network means: with 诈骗罪 it selects the telecom
    rule set of the jurisdiction engine (jurisdiction.rules.rule_set_for).
    """

    code = models.SlugField(_("code"), max_length=48, unique=True)
    name = models.CharField(_("name"), max_length=64, help_text=_("The offence as written in Chinese."))
    name_en = models.CharField(_("English name"), max_length=96, blank=True)
    sort = models.PositiveSmallIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("offence")
        verbose_name_plural = _("offences")
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class Charge(models.Model):
    """A charge (罪名) with its Criminal Law article ("CL art 266"), under an offence grouping.

    The codes are stable identifiers (seeded by migration 0012): jurisdiction.rules names the
    charges that select the telecom-fraud rule set by them.
    """

    code = models.SlugField(_("code"), max_length=48, unique=True)
    name = models.CharField(
        _("name"), max_length=64, help_text=_("The charge (罪名) as the Criminal Law names it.")
    )
    name_en = models.CharField(_("English name"), max_length=96, blank=True)
    article = models.CharField(
        _("Criminal Law article"), max_length=24, help_text=_("In the form CL art 266.")
    )
    group = models.ForeignKey(
        Offence,
        verbose_name=_("offence grouping"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charges",
    )
    sort = models.PositiveSmallIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["sort", "code"]

    def __str__(self):
        return f"{self.name}（{self.article}）" if self.article else self.name


# --- the case ------------------------------------------------------------------------------------


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REGISTERED = "registered", _("Registered")
    # 不予立案 (MPS-2020 art 178 ¶1): the organ's head decided not to file; it may still be filed on
    # new facts (art 178 ¶3) or when a 复议 or 复核 revokes the decision (art 179).
    NOT_FILED = "not_filed", _("Not filed (不予立案)")
    JURISDICTION_PENDING = "jurisdiction_pending", _("Jurisdiction pending")
    UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
    SUSPENDED = "suspended", _("Suspended")
    TRANSFERRED_FOR_PROSECUTION = "transferred_for_prosecution", _("Transferred for prosecution")
    CLOSED = "closed", _("Closed")
    REVOKED = "revoked", _("Revoked")
    MERGED = "merged", _("Merged into another case")


# States in which the case's facts may still be edited.
EDITABLE_STATES = frozenset({CaseState.DRAFT, CaseState.REGISTERED, CaseState.UNDER_INVESTIGATION})
FINAL_STATES = frozenset(
    {CaseState.TRANSFERRED_FOR_PROSECUTION, CaseState.CLOSED, CaseState.REVOKED, CaseState.MERGED}
)


class HandlingCode(models.TextChoices):
    """Who beyond the involved units may see or hear of the case (DESIGN.md, Visibility)."""

    NORMAL = "normal", _("Normal")
    INTERNAL = "internal", _("Internal")
    RESTRICTED = "restricted", _("Restricted")


class RefusalGround(models.TextChoices):
    """Why a case is not filed: the three grounds of MPS-2020 art 178 ¶1."""

    NO_CRIME = "no_crime", _("No criminal fact (没有犯罪事实)")
    TRIVIAL = (
        "trivial",
        _(
            "The criminal fact is obviously minor and calls for no criminal liability "
            "(犯罪事实显著轻微不需要追究刑事责任)"
        ),
    )
    EXEMPT = (
        "exempt",
        _("Another case where the law exempts criminal liability (具有其他依法不追究刑事责任情形)"),
    )


def _require(value: str, field: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


class Case(ConcurrentTransitionMixin, models.Model):
    """A case accepted by one unit whose facts reach into other regions.

    `number` is allocated at registration ("A" + accepting unit code + year + 5-digit serial, e.g.
    A510107202600012) from CaseNumberCounter under a row lock: unique and gap-free per accepting
    unit and year. A draft has no number.
    """

    number = models.CharField(_("case number"), max_length=24, blank=True)
    number_year = models.PositiveSmallIntegerField(_("number year"), null=True, blank=True, editable=False)
    number_serial = models.PositiveIntegerField(_("number serial"), null=True, blank=True, editable=False)
    external_number = models.CharField(
        _("external case number"),
        max_length=64,
        blank=True,
        help_text=_("The number in the unit's own records system, if it has one."),
    )
    name = models.CharField(_("case name"), max_length=120, help_text=_("For example 4·15 电信网络诈骗案."))
    offence = models.ForeignKey(
        Offence, verbose_name=_("offence"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The charges (罪名) under the grouping `offence`; several for several crimes (MPS-2020 art 21 ¶2).
    charges = models.ManyToManyField(Charge, verbose_name=_("charges"), blank=True, related_name="cases")
    summary = models.TextField(_("summary"), blank=True)
    accepting_unit = models.ForeignKey(
        Unit, verbose_name=_("accepting unit"), on_delete=models.PROTECT, related_name="accepted_cases"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    handling_code = models.CharField(
        _("handling code"), max_length=16, choices=HandlingCode.choices, default=HandlingCode.NORMAL
    )
    # The 4×4 evaluation beside the handling code (DOMAIN.md §4 [S]); blank until graded.
    source_reliability = grading.source_reliability_field()
    information_accuracy = grading.information_accuracy_field()
    state = FSMField(
        _("state"), max_length=32, choices=CaseState.choices, default=CaseState.DRAFT, protected=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    suspended_reason = models.TextField(_("reason for suspension"), blank=True)
    closed_reason = models.TextField(_("reason for closing"), blank=True)
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    # Merged investigation (并案侦查, MPS-2020 art 21(2)): the case investigated within another one.
    # It keeps its number, facts and timeline; the surviving case lists it.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    # 立案 (MPS-2020 art 178): asked for with a 呈请立案报告书, approved by the head of a county-level or
    # higher organ, recorded in a 立案决定书 (cases.filing). Before it a transfer is art 175's, after it
    # art 184's: `is_filed` tells which.
    filing_requested_at = models.DateTimeField(_("filing (立案) asked for at"), null=True, blank=True)
    filing_report = models.ForeignKey(
        "documents.Document",
        verbose_name=_("report asking for the filing (呈请立案报告书)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed (立案) at"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filing approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filing_decision = models.ForeignKey(
        "documents.Document",
        verbose_name=_("filing decision (立案决定书)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # 不予立案 (MPS-2020 art 178 ¶1): asked for with a 呈请不予立案报告书 on one of the article's grounds,
    # approved by the same head as 立案, recorded in a 不予立案通知书 served on the complainants within
    # 3 days (art 178 ¶2); cases.refusal takes its steps.
    refusal_requested_at = models.DateTimeField(
        _("not filing (不予立案) asked for at"), null=True, blank=True
    )
    refusal_ground = models.CharField(
        _("ground for not filing"),
        max_length=16,
        choices=RefusalGround.choices,
        blank=True,
        default="",
        db_default="",
    )
    refusal_report = models.ForeignKey(
        "documents.Document",
        verbose_name=_("report asking not to file (呈请不予立案报告书)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    not_filed_at = models.DateTimeField(_("not filed (不予立案) at"), null=True, blank=True)
    not_filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("not filing approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refusal_notice = models.ForeignKey(
        "documents.Document",
        verbose_name=_("notice of not filing (不予立案通知书)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refusal_served_on = models.DateField(_("notice served on the complainants on"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="case_number_unique"),
            models.UniqueConstraint(
                fields=["accepting_unit", "number_year", "number_serial"],
                condition=Q(number_serial__isnull=False),
                name="case_serial_unique_per_unit_and_year",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | ~Q(number=""), name="case_registered_has_number"
            ),
        ]
        indexes = [
            models.Index(fields=["accepting_unit", "state"]),
            models.Index(fields=["lead_unit", "state"]),
            models.Index(fields=["state", "handling_code"]),
            # The crime-pattern briefing of joint meetings counts the cases accepted in a period.
            models.Index(fields=["accepted_at", "accepting_unit"], name="case_accepted_at"),
        ]

    def __str__(self):
        return f"{self.number} {self.name}" if self.number else self.name

    @property
    def responsible_unit(self) -> Unit:
        """The lead unit, or the accepting unit before a lead is fixed."""
        return self.lead_unit if self.lead_unit_id else self.accepting_unit

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_filed(self) -> bool:
        """Tell whether the case is filed (立案, MPS-2020 art 178): a transfer now is art 184's, not 175's."""
        return self.filed_at is not None

    @property
    def filing_pending(self) -> bool:
        """Tell whether a 呈请立案报告书 waits for the approval of the organ's head (MPS-2020 art 178)."""
        return self.filing_requested_at is not None and not self.is_filed

    @property
    def refusal_pending(self) -> bool:
        """Tell whether a 呈请不予立案报告书 waits for the organ head's decision (MPS-2020 art 178 ¶1)."""
        return self.refusal_requested_at is not None and self.state == CaseState.REGISTERED

    @property
    def has_complainant(self) -> bool:
        """Tell whether the case has a complainant (控告人), who is served the 不予立案通知书 (art 178 ¶2)."""
        return self.persons.filter(role=PersonRole.COMPLAINANT).exists()

    def refusal_clocks(self) -> list:
        """Return the running clocks of the 不予立案: service (art 178 ¶2), 复议 or 复核 (art 179)."""
        from cases.refusal import open_clocks

        return list(open_clocks(self))

    def open_filing_review(self):
        """Return the 复议 or 复核 of the 不予立案 still to be decided (MPS-2020 art 179), or None."""
        return self.filing_reviews.filter(decided_at__isnull=True).order_by("-pk").first()

    # --- transitions: guard and change the row only; see core.workflow.run_transition -----------

    @transition(
        field=state,
        source=CaseState.DRAFT,
        target=CaseState.REGISTERED,
        permission=permissions.may_register,
    )
    def register(self, *, by, number: str, year: int, serial: int, accepted_at) -> None:
        """Accept the case (受理): it gets its number and acceptance time."""
        errors = {}
        if self.offence_id is None:
            errors["offence"] = _("Choose the suspected offence before registering the case.")
        if not self.summary.strip():
            errors["summary"] = _("Write a summary of the facts before registering the case.")
        if errors:
            raise ValidationError(errors)
        self.number, self.number_year, self.number_serial = number, year, serial
        self.accepted_at = accepted_at

    @transition(
        field=state,
        source=CaseState.REGISTERED,
        target=CaseState.REGISTERED,
        permission=permissions.may_request_filing,
        conditions=[lambda case: not case.filing_pending and not case.refusal_pending],
    )
    def request_filing(self, *, by, reasons: str, facts: str = "", now) -> None:
        """Ask for the filing (呈请立案): the service drafts the 呈请立案报告书 (MPS-2020 art 178)."""
        _require(
            reasons,
            "reasons",
            _(
                "Say why the case is to be filed: a criminal fact that calls for criminal liability, "
                "within this organ's jurisdiction (MPS-2020 art 178)."
            ),
        )
        self.filing_requested_at = now

    @transition(
        field=state,
        source=CaseState.REGISTERED,
        target=CaseState.REGISTERED,
        permission=permissions.may_approve_filing,
        conditions=[lambda case: case.filing_pending],
    )
    def return_filing_request(self, *, by, reason: str) -> None:
        """Send the 呈请立案报告书 back to the investigators, saying why; they may ask again."""
        _require(reason, "reason", _("Say why the request for filing goes back."))
        self.filing_requested_at = None

    @transition(
        field=state,
        source=CaseState.REGISTERED,
        target=CaseState.UNDER_INVESTIGATION,
        permission=permissions.may_approve_filing,
    )
    def start_investigation(self, *, by, now) -> None:
        """File the case (立案) and investigate it as the lead unit (MPS-2020 art 178).

        The head of the county-level or higher organ approves the 呈请立案报告书 (cases.steps needs it);
        the service issues the 立案决定书. The accepting unit leads when jurisdiction is not in question.
        """
        if self.lead_unit_id is None:
            self.lead_unit_id = self.accepting_unit_id
        self.filed_at, self.filed_by = now, by

    # --- 不予立案 (MPS-2020 arts 178, 179): cases.refusal drafts and issues the documents, runs the clocks

    @transition(
        field=state,
        source=CaseState.REGISTERED,
        target=CaseState.REGISTERED,
        permission=permissions.may_request_filing,
        conditions=[lambda case: not case.filing_pending and not case.refusal_pending],
    )
    def request_not_filing(self, *, by, ground: str, facts: str, now) -> None:
        """Ask not to file the case (呈请不予立案) on a ground of MPS-2020 art 178 ¶1, with the facts."""
        errors = {}
        if ground not in RefusalGround.values:
            errors["ground"] = _(
                "Choose the ground for not filing: no criminal fact, a minor fact calling for no criminal "
                "liability, or another case where the law exempts it (MPS-2020 art 178 ¶1)."
            )
        if not (facts or "").strip():
            errors["facts"] = _(
                "Write the facts found on review that the decision rests on (MPS-2020 art 178 ¶1)."
            )
        if errors:
            raise ValidationError(errors)
        self.refusal_requested_at, self.refusal_ground = now, ground

    @transition(
        field=state,
        source=CaseState.REGISTERED,
        target=CaseState.REGISTERED,
        permission=permissions.may_approve_filing,
        conditions=[lambda case: case.refusal_pending],
    )
    def return_not_filing_request(self, *, by, reason: str) -> None:
        """Send the 呈请不予立案报告书 back to the investigators, saying why; they may ask again."""
        _require(reason, "reason", _("Say why the request not to file goes back."))
        self.refusal_requested_at = None

    @transition(
        field=state,
        source=CaseState.REGISTERED,
        target=CaseState.NOT_FILED,
        permission=permissions.may_approve_filing,
        conditions=[lambda case: case.refusal_pending],
    )
    def refuse_filing(self, *, by, now) -> None:
        """Decide not to file (不予立案): the head of the county-level or higher organ approves (art 178 ¶1).

        Where the case has a complainant the service issues the 不予立案通知书 and starts the 3-day
        clock to serve it (MPS-2020 art 178 ¶2).
        """
        self.not_filed_at, self.not_filed_by = now, by
        self.refusal_served_on = None

    @transition(
        field=state,
        source=CaseState.NOT_FILED,
        target=CaseState.NOT_FILED,
        permission=permissions.may_request_filing,
        conditions=[lambda case: case.refusal_served_on is None],
    )
    def serve_refusal_notice(self, *, by, served_on, note: str = "", today) -> None:
        """Record that the 不予立案通知书 was served on the complainants (送达, MPS-2020 art 178 ¶2)."""
        if served_on is None:
            raise ValidationError({"served_on": _("Give the day the notice was served on the complainants.")})
        if self.not_filed_at is not None and served_on < timezone.localdate(self.not_filed_at):
            raise ValidationError(
                {"served_on": _("The notice cannot be served before the decision not to file.")}
            )
        if served_on > today:
            raise ValidationError({"served_on": _("The day of service cannot be in the future.")})
        self.refusal_served_on = served_on

    @transition(
        field=state,
        source=CaseState.NOT_FILED,
        target=CaseState.NOT_FILED,
        permission=permissions.may_record_filing_review,
        conditions=[lambda case: case.open_filing_review() is None],
    )
    def receive_reconsideration(self, *, by, applicant: str, received_on, today) -> None:
        """Record a complainant's application for 复议 of the 不予立案 (MPS-2020 art 179 ¶1).

        The service records the application and starts the 30-day clock of the organ's decision.
        """
        from cases.refusal import review_errors

        errors = review_errors(
            self,
            kind=FilingReviewKind.RECONSIDERATION,
            applicant=applicant,
            received_on=received_on,
            today=today,
        )
        if errors:
            raise ValidationError(errors)

    @transition(
        field=state,
        source=CaseState.NOT_FILED,
        target=CaseState.NOT_FILED,
        permission=permissions.may_record_superior_review,
        conditions=[lambda case: case.open_filing_review() is None],
    )
    def receive_superior_review(
        self, *, by, applicant: str, received_on, decision_received_on, today
    ) -> None:
        """Record a complainant's application to the superior organ for 复核 of a 复议 that upheld the
        不予立案 (MPS-2020 art 179 ¶2); the service starts the superior's 30-day clock.
        """
        from cases.refusal import review_errors

        errors = review_errors(
            self,
            kind=FilingReviewKind.REVIEW,
            applicant=applicant,
            received_on=received_on,
            today=today,
            decision_received_on=decision_received_on,
        )
        if errors:
            raise ValidationError(errors)

    @transition(
        field=state,
        source=CaseState.NOT_FILED,
        target=CaseState.NOT_FILED,
        permission=permissions.may_decide_filing_review,
        conditions=[lambda case: case.open_filing_review() is not None],
    )
    def extend_filing_review(self, *, by, reason: str, notice: str) -> None:
        """Extend the 复议 or 复核 of a major or complex case by up to 30 days, telling the applicant in
        writing (MPS-2020 art 179 ¶3); once only.
        """
        errors = {}
        if not (reason or "").strip():
            errors["reason"] = _("Say why the case is major or complex (MPS-2020 art 179 ¶3).")
        if not (notice or "").strip():
            errors["notice"] = _(
                "Say how the applicant was told of the extension in writing (MPS-2020 art 179 ¶3)."
            )
        review = self.open_filing_review()
        if review is not None and review.extended_at is not None:
            errors["reason"] = _(
                "The time limit was extended once already: by no more than 30 days (MPS-2020 art 179 ¶3)."
            )
        if errors:
            raise ValidationError(errors)

    @transition(
        field=state,
        source=CaseState.NOT_FILED,
        target=RETURN_VALUE(CaseState.NOT_FILED, CaseState.REGISTERED),
        permission=permissions.may_decide_filing_review,
        conditions=[lambda case: case.open_filing_review() is not None],
    )
    def decide_filing_review(self, *, by, outcome: str, reason: str) -> str:
        """Decide the 复议 or 复核: uphold the 不予立案, or revoke it (MPS-2020 art 179 ¶1–2).

        Revoked, the case is registered again and is filed through request_filing and the head's
        approval (MPS-2020 art 178 ¶1): revoking the refusal is not itself the 立案.
        """
        from cases.refusal import REVIEW_OUTCOMES, REVOKED

        errors = {}
        if outcome not in REVIEW_OUTCOMES:
            errors["outcome"] = _(
                "Choose whether the decision not to file is upheld or revoked (MPS-2020 art 179)."
            )
        if not (reason or "").strip():
            errors["reason"] = _("Give the reasons for the decision.")
        if errors:
            raise ValidationError(errors)
        if outcome == REVOKED:
            self._clear_refusal()
            return CaseState.REGISTERED
        return CaseState.NOT_FILED

    @transition(
        field=state,
        source=CaseState.NOT_FILED,
        target=CaseState.REGISTERED,
        permission=permissions.may_request_filing,
        conditions=[lambda case: case.open_filing_review() is None],
    )
    def reopen_for_filing(self, *, by, reason: str) -> None:
        """Take the case up again on new facts or evidence, or an error in the facts found (MPS-2020
        art 178 ¶3): registered again, it is filed through request_filing and the head's approval.
        """
        _require(
            reason,
            "reason",
            _(
                "Name the new facts or evidence, or the error in the facts found, that call for criminal "
                "liability (MPS-2020 art 178 ¶3)."
            ),
        )
        self._clear_refusal()

    def _clear_refusal(self) -> None:
        # The decision not to file no longer stands; its documents and timeline stay as they were.
        self.refusal_requested_at = None
        self.filing_requested_at = None

    @transition(
        field=state,
        source=[CaseState.REGISTERED, CaseState.UNDER_INVESTIGATION],
        target=CaseState.JURISDICTION_PENDING,
        permission=permissions.may_open_jurisdiction_question,
    )
    def open_jurisdiction_question(self, *, by, reason: str) -> None:
        """Put the jurisdiction in question, as opening a proceeding does (协商 or 指定管辖 follow there)."""
        _require(reason, "reason", _("Say why the jurisdiction is in question."))

    @transition(
        field=state,
        source=CaseState.JURISDICTION_PENDING,
        target=RETURN_VALUE(CaseState.REGISTERED, CaseState.UNDER_INVESTIGATION),
        permission=permissions.may_settle_jurisdiction,
    )
    def settle_jurisdiction(self, *, by, lead_unit: Unit | None, assisting_units=()) -> str:
        """Record the lead unit a proceeding agreed or designated (落实承办主体); assisting units join.

        A filed case goes on being investigated by its new lead (MPS-2020 art 184). A case not yet
        filed was transferred at intake (MPS-2020 art 175): it stays registered, and the organ it
        went to decides on 立案 itself (MPS-2020 art 178) through request_filing and its head's
        approval; a request for filing the former organ's head had not decided lapses with it.
        """
        if lead_unit is None:
            raise ValidationError({"lead_unit": _("Name the lead unit.")})
        if not lead_unit.is_active:
            raise ValidationError({"lead_unit": _("The lead unit is no longer active.")})
        if any(unit.pk == lead_unit.pk for unit in assisting_units):
            raise ValidationError({"assisting_units": _("The lead unit cannot also be an assisting unit.")})
        former_organ = permissions.filing_organ(self)
        self.lead_unit = lead_unit
        if self.is_filed:
            return CaseState.UNDER_INVESTIGATION
        if self.filing_pending and permissions.filing_organ(self) != former_organ:
            self.filing_requested_at, self.filing_report = None, None
        return CaseState.REGISTERED

    @transition(
        field=state,
        source=CaseState.UNDER_INVESTIGATION,
        target=CaseState.SUSPENDED,
        permission=permissions.may_suspend,
    )
    def suspend(self, *, by, reason: str) -> None:
        """Suspend the investigation (中止侦查), for example while a suspect cannot be found."""
        self.suspended_reason = _require(reason, "reason", _("Give the reason for suspending the case."))

    @transition(
        field=state,
        source=CaseState.SUSPENDED,
        target=CaseState.UNDER_INVESTIGATION,
        permission=permissions.may_resume,
    )
    def resume(self, *, by) -> None:
        """Resume the investigation; the reason it was suspended stays in the timeline."""
        self.suspended_reason = ""

    @transition(
        field=state,
        source=CaseState.UNDER_INVESTIGATION,
        target=CaseState.TRANSFERRED_FOR_PROSECUTION,
        permission=permissions.may_transfer_for_prosecution,
    )
    def transfer_for_prosecution(self, *, by) -> None:
        """Transfer the case to the procuratorate for review and prosecution (移送审查起诉)."""

    @transition(
        field=state,
        source=[CaseState.UNDER_INVESTIGATION, CaseState.SUSPENDED],
        target=CaseState.CLOSED,
        permission=permissions.may_close,
    )
    def close(self, *, by, reason: str) -> None:
        """Close the case (结案) other than by transferring it for prosecution, with the reason."""
        self.closed_reason = _require(reason, "reason", _("Give the reason for closing the case."))

    @transition(
        field=state,
        source=[CaseState.REGISTERED, CaseState.UNDER_INVESTIGATION, CaseState.SUSPENDED],
        target=CaseState.MERGED,
        permission=permissions.may_merge,
    )
    def merge_into(self, *, by, into: "Case") -> None:
        """Investigate this case within another (并案侦查, MPS-2020 art 21(2)); both keep their numbers."""
        if into is None or into.pk == self.pk:
            raise ValidationError({"into": _("Name the other case this one is merged into.")})
        if into.state in FINAL_STATES or into.state == CaseState.DRAFT:
            raise ValidationError({"into": _("A case can only be merged into a registered, open case.")})
        self.merged_into = into

    @transition(
        field=state,
        source=[
            CaseState.REGISTERED,
            CaseState.JURISDICTION_PENDING,
            CaseState.UNDER_INVESTIGATION,
            CaseState.SUSPENDED,
        ],
        target=CaseState.REVOKED,
        permission=permissions.may_revoke,
    )
    def revoke(self, *, by, reason: str) -> None:
        """Revoke the case (撤销案件), with the reason."""
        self.revoke_reason = _require(reason, "reason", _("Give the reason for revoking the case."))


# The model's transitions in the order people read them. The steps a page or the API offers are
# cases.steps.CASE_MACHINE's; the jurisdiction transitions are a proceeding's effects on the case and
# merge_into an approved merger's (cases.services).
TRANSITION_NAMES = (
    "register",
    "request_filing",
    "return_filing_request",
    "start_investigation",
    "request_not_filing",
    "return_not_filing_request",
    "refuse_filing",
    "serve_refusal_notice",
    "receive_reconsideration",
    "receive_superior_review",
    "extend_filing_review",
    "decide_filing_review",
    "reopen_for_filing",
    "open_jurisdiction_question",
    "settle_jurisdiction",
    "suspend",
    "resume",
    "transfer_for_prosecution",
    "close",
    "revoke",
    "merge_into",
)


class FilingReviewKind(models.TextChoices):
    """复议 by the organ that decided not to file, 复核 by its superior (MPS-2020 art 179 ¶1–2)."""

    RECONSIDERATION = "reconsideration", _("Reconsideration (复议)")
    REVIEW = "review", _("Review by the superior (复核)")


class FilingReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("Decision not to file upheld")
    REVOKED = "revoked", _("Decision not to file revoked")


class FilingReview(models.Model):
    """A complainant's application against a 不予立案 and its decision (MPS-2020 art 179).

    Received within 7 days of the notice (or of the 复议 decision, for a 复核); decided within 30
    days of receipt, or within 30 more in a major or complex case with the applicant told in writing
    (art 179 ¶3): a Deadline row on the case keeps that clock (cases.refusal).
    """

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="filing_reviews"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FilingReviewKind.choices)
    applicant = models.CharField(_("applicant"), max_length=64)
    received_on = models.DateField(_("application received on"))
    deciding_unit = models.ForeignKey(
        Unit, verbose_name=_("deciding organ"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    extended_at = models.DateTimeField(_("time limit extended at"), null=True, blank=True)
    extension_reason = models.TextField(_("why the case is major or complex"), blank=True)
    extension_notice = models.TextField(_("how the applicant was told of the extension"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=FilingReviewOutcome.choices, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("application against not filing")
        verbose_name_plural = _("applications against not filing")
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(decided_at__isnull=True), name="filing_review_one_open_per_case"
            )
        ]

    def __str__(self):
        return f"{self.case_id} · {self.get_kind_display()} · {self.received_on}"


class CaseNumberCounter(models.Model):
    """The last serial issued per accepting unit and year; locked while a number is allocated."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last serial issued"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="case_number_counter_unique")]

    def __str__(self):
        return f"{self.unit_id}/{self.year}: {self.last}"


class PartyRole(models.TextChoices):
    ACCEPTING = "accepting", _("Accepting unit")
    LEAD = "lead", _("Lead unit")
    ASSISTING = "assisting", _("Assisting unit")
    REQUESTED = "requested", _("Requested in an assistance request")
    PROCEEDING = "proceeding", _("Party to a jurisdiction proceeding")


class CaseParty(models.Model):
    """A unit's part in a case: what visibility is computed from.

    `unit_path` copies the unit's tree path so that "a unit above a party" is one indexed prefix
    match on this table, without a join; services.case_party_paths_refresh() re-copies it after
    the unit tree is reorganised.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="parties")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    unit_path = models.CharField(_("unit path"), max_length=40, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case party")
        verbose_name_plural = _("case parties")
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "unit", "role"], name="case_party_unique_role"),
        ]
        indexes = [
            models.Index(fields=["unit", "case"]),
            models.Index(
                fields=["unit_path"], name="case_party_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return f"{self.case_id} · {self.unit_id} · {self.role}"

    def save(self, *args, **kwargs):
        if not self.unit_path:
            self.unit_path = self.unit.path
        super().save(*args, **kwargs)


# --- facts: places ------------------------------------------------------------------------------


class LocationRole(models.TextChoices):
    CONDUCT = "conduct", _("Place of the criminal conduct")
    RESULT = "result", _("Place of the criminal result")
    # The labels of arts 16 and 17 say what the articles say (MPS-2020, law/mps-2020.md).
    PROCEEDS = "proceeds", _("Place where the proceeds were obtained, hidden, transferred, used or sold")
    SERVER = "server", _("Place of the server used by the network service used for the offence")
    PROVIDER = "provider", _("Place of the network service provider")
    VICTIM_SYSTEM = "victim_system", _("Place of the attacked network information system or of its managers")
    OFFENDER_SYSTEM = "offender_system", _("Place of the network information system the suspect used")
    VICTIM_SYSTEM_USED = "victim_system_used", _("Place of the network information system the victim used")
    VICTIM_LOSS = "victim_loss", _("Place where the victim was when harmed and where the property was lost")
    VEHICLE_FIRST_STOP = "vehicle_first_stop", _("First stop of the vehicle after the offence")
    VEHICLE_ORIGIN = "vehicle_origin", _("Origin of the vehicle")
    VEHICLE_TRANSIT = "vehicle_transit", _("Transit point of the vehicle")
    VEHICLE_DESTINATION = "vehicle_destination", _("Destination of the vehicle")
    # The telecom-fraud opinions' places (法发〔2016〕32号 §5, 法发〔2021〕22号 §1): crime locations only
    # when the case's charges select the telecom rule set (jurisdiction.rules.rule_set_for).
    FRAUD_CALL_MADE = "fraud_call_made", _("Where fraudulent calls, texts or e-mails were made or sent")
    FRAUD_CALL_RECEIVED = (
        "fraud_call_received",
        _("Where fraudulent calls, texts or e-mails arrived or were received"),
    )
    SITE_BUILDER = "site_builder", _("Where the fraud website's builders or managers are")
    VICTIM_DECEIVED = "victim_deceived", _("Where the victim was when deceived")
    FRAUD_PROCEEDS = (
        "fraud_proceeds",
        _("Where the fraud's proceeds were obtained, hidden, transferred, used or sold"),
    )
    PHONE_CARD = (
        "phone_card",
        _("Where the SIM, data or IoT cards used were opened, sold, transferred or hidden"),
    )
    BANK_CARD = (
        "bank_card",
        _("Where the bank cards or accounts used were opened, sold, transferred, hidden or used"),
    )
    FUNDS_COUNTERPARTY = "funds_counterparty", _("Where counterparties paid or remitted the funds")
    IM_MESSAGE = "im_message", _("Where instant or advertising messages used were sent, received or arrived")
    FRAUD_DEVICE = (
        "fraud_device",
        _("Where modem pools, GOIP or multi-SIM devices used were sold, connected or hidden"),
    )
    INTERNET_ACCOUNT = "internet_account", _("Where the internet accounts used were sold or logged into")
    OTHER = "other", _("Other place")


# The rule that makes each kind of place a crime location giving jurisdiction (DOMAIN.md §1).
RULES_VERSION = "MPS-2020"
LOCATION_CITATIONS: dict[str, str] = {
    LocationRole.CONDUCT: "MPS-2020 art 16",
    LocationRole.RESULT: "MPS-2020 art 16",
    LocationRole.PROCEEDS: "MPS-2020 art 16",
    LocationRole.SERVER: "MPS-2020 art 17",
    LocationRole.PROVIDER: "MPS-2020 art 17",
    LocationRole.VICTIM_SYSTEM: "MPS-2020 art 17",
    LocationRole.OFFENDER_SYSTEM: "MPS-2020 art 17",
    LocationRole.VICTIM_SYSTEM_USED: "MPS-2020 art 17",
    LocationRole.VICTIM_LOSS: "MPS-2020 art 17",
    LocationRole.VEHICLE_FIRST_STOP: "MPS-2020 art 18",
    LocationRole.VEHICLE_ORIGIN: "MPS-2020 art 18",
    LocationRole.VEHICLE_TRANSIT: "MPS-2020 art 18",
    LocationRole.VEHICLE_DESTINATION: "MPS-2020 art 18",
    # [S] the opinions' sections: check against the official text.
    LocationRole.FRAUD_CALL_MADE: "法发〔2016〕32号 §5",
    LocationRole.FRAUD_CALL_RECEIVED: "法发〔2016〕32号 §5",
    LocationRole.SITE_BUILDER: "法发〔2016〕32号 §5",
    LocationRole.VICTIM_DECEIVED: "法发〔2016〕32号 §5",
    LocationRole.FRAUD_PROCEEDS: "法发〔2016〕32号 §5",
    LocationRole.PHONE_CARD: "法发〔2021〕22号 §1",
    LocationRole.BANK_CARD: "法发〔2021〕22号 §1",
    LocationRole.FUNDS_COUNTERPARTY: "法发〔2021〕22号 §1",
    LocationRole.IM_MESSAGE: "法发〔2021〕22号 §1",
    LocationRole.FRAUD_DEVICE: "法发〔2021〕22号 §1",
    LocationRole.INTERNET_ACCOUNT: "法发〔2021〕22号 §1",
    LocationRole.OTHER: "",
}


class CaseLocation(models.Model):
    """A place in the case with its role, tied to a division code.

    `division_unit` is the police organ of that division when the code belongs to the six regions;
    it is empty for a place outside the system (a division of another province).
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="locations")
    role = models.CharField(_("role"), max_length=24, choices=LocationRole.choices)
    division_code = models.CharField(_("division code"), max_length=6)
    division_unit = models.ForeignKey(
        Unit,
        verbose_name=_("police organ of the division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    occurred = models.CharField(
        _("when"), max_length=100, blank=True, help_text=_("A date, a period or a description.")
    )
    is_main = models.BooleanField(_("main crime location (主要犯罪地)"), default=False)
    # Where the harm fell: weighed when deciding the main crime location and in designation (the
    # Eurojust guidelines' "most loss" and "victims' interests"); not a basis of jurisdiction itself.
    victim_count = models.PositiveIntegerField(_("victims at this place"), null=True, blank=True)
    loss_amount = models.DecimalField(
        _("loss at this place (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case location")
        verbose_name_plural = _("case locations")
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(is_main=True), name="case_location_one_main_per_case"
            ),
        ]
        indexes = [models.Index(fields=["division_code"])]

    def __str__(self):
        return f"{self.get_role_display()} {self.division_code} {self.address}"

    @property
    def citation(self) -> str:
        return LOCATION_CITATIONS.get(self.role, "")

    @property
    def is_outside_system(self) -> bool:
        return self.division_unit_id is None


# --- facts: persons ------------------------------------------------------------------------------


class PersonRole(models.TextChoices):
    SUSPECT = "suspect", _("Suspect")
    VICTIM = "victim", _("Victim")
    WITNESS = "witness", _("Witness")
    # 控告人: served the 不予立案通知书 and may apply for its 复议 (MPS-2020 arts 178 ¶2, 179).
    COMPLAINANT = "complainant", _("Complainant (控告人)")


class Gender(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")
    NONE = "none", _("None")


# A habitual residence founds jurisdiction after one year of continuous living (MPS-2020 art 16).
HABITUAL_RESIDENCE_YEARS = 1


class CasePerson(models.Model):
    """A suspect, victim or witness, with identity document, residences, phones and bank accounts."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="persons")
    role = models.CharField(_("role"), max_length=16, choices=PersonRole.choices)
    name = models.CharField(_("name"), max_length=64)
    # Filled from `name` on every save (cases.pinyin): cross-province search by pinyin or initials.
    name_pinyin = models.CharField(_("name in pinyin"), max_length=64, blank=True, editable=False)
    name_initials = models.CharField(_("initials of the name"), max_length=16, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_type = models.CharField(
        _("identity document"), max_length=16, choices=IdType.choices, default=IdType.NONE
    )
    id_number = models.CharField(_("document number"), max_length=32, blank=True)
    household_division_code = models.CharField(_("household registration division"), max_length=6, blank=True)
    household_unit = models.ForeignKey(
        Unit,
        verbose_name=_("police organ of the household registration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household_address = models.CharField(_("household registration address"), max_length=200, blank=True)
    habitual_division_code = models.CharField(_("habitual residence division"), max_length=6, blank=True)
    habitual_unit = models.ForeignKey(
        Unit,
        verbose_name=_("police organ of the habitual residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    habitual_address = models.CharField(_("habitual residence address"), max_length=200, blank=True)
    habitual_since = models.DateField(
        _("living there since"),
        null=True,
        blank=True,
        help_text=_("A habitual residence counts after one year of continuous living (MPS-2020 art 16)."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["case", "id"]
        indexes = [
            models.Index(fields=["case", "role"]),
            # The related-case look-ups find other cases naming the same person by these.
            models.Index(fields=["id_number"], condition=~Q(id_number=""), name="case_person_id_number"),
            # The briefing groups suspects by document number to find those wanted in several provinces.
            models.Index(
                fields=["id_number", "case"],
                condition=Q(role="suspect") & ~Q(id_number=""),
                name="case_person_suspect_id",
            ),
            # Search by initials is an equality; by pinyin or Chinese name a LIKE that PostgreSQL's
            # trigram indexes serve (created by migration 0010 on PostgreSQL only).
            models.Index(fields=["name_initials"], name="case_person_initials"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"

    def save(self, *args, **kwargs):
        self.name_pinyin, self.name_initials = name_pinyin(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    def habitual_residence_counts(self, on: date) -> bool:
        """Return whether the habitual residence has lasted a year by `on` (MPS-2020 art 16)."""
        if self.habitual_since is None or not self.habitual_division_code:
            return False
        try:
            anniversary = self.habitual_since.replace(
                year=self.habitual_since.year + HABITUAL_RESIDENCE_YEARS
            )
        except ValueError:  # 29 February
            anniversary = date(self.habitual_since.year + HABITUAL_RESIDENCE_YEARS, 3, 1)
        return anniversary <= on


class PersonPhone(models.Model):
    person = models.ForeignKey(
        CasePerson, verbose_name=_("person"), on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(_("phone number"), max_length=20, help_text=_("Digits only."))

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["person", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "number"], name="person_phone_unique")]
        indexes = [models.Index(fields=["number"])]

    def __str__(self):
        return self.number


class PersonBankAccount(models.Model):
    person = models.ForeignKey(
        CasePerson, verbose_name=_("person"), on_delete=models.CASCADE, related_name="bank_accounts"
    )
    bank = models.CharField(_("bank"), max_length=64, blank=True)
    account_number = models.CharField(_("account number"), max_length=32)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["person", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "account_number"], name="person_bank_account_unique")
        ]
        indexes = [models.Index(fields=["account_number"])]

    def __str__(self):
        return f"{self.bank} {self.account_number}"


# --- related cases -------------------------------------------------------------------------------


class MatchKind(models.TextChoices):
    ID_NUMBER = "id_number", _("identity document number")
    PHONE = "phone", _("phone number")
    BANK_ACCOUNT = "bank_account", _("bank account")


class RelatedCaseMatch(models.Model):
    """A suspect's identifier on `case` that also appears on a suspect of `other_case`.

    Stored once in each direction, so that a case's matches are one indexed filter and each side
    keeps its own notice. The value itself is kept only masked (for display) and as a keyed
    digest (for uniqueness): the match table adds no copy of a personal number.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="related_matches"
    )
    other_case = models.ForeignKey(
        Case, verbose_name=_("other case"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind of match"), max_length=16, choices=MatchKind.choices)
    value_digest = models.CharField(_("digest of the value"), max_length=64, editable=False)
    matched_value_masked = models.CharField(_("matched value (masked)"), max_length=40)
    person = models.ForeignKey(
        CasePerson,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    other_person = models.ForeignKey(
        CasePerson,
        verbose_name=_("person on the other case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        verbose_name = _("related case match")
        verbose_name_plural = _("related case matches")
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "other_case", "kind", "value_digest"], name="related_case_match_unique"
            ),
        ]

    def __str__(self):
        return f"{self.case_id} ~ {self.other_case_id} · {self.kind} {self.matched_value_masked}"


# --- dossiers (卷宗) ------------------------------------------------------------------------------


class DossierState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Building")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CaseDossier(models.Model):
    """A case dossier: a cover page, a table of contents and every issued document of the case, one PDF.

    Built in the background by cases.dossiers; `progress` (0–100) is written after each document in
    its own small transaction, so the page polling it sees the build advance.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="dossiers")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Written with every step of the build: a queued or building dossier whose clock stops is stale.
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=8, choices=DossierState.choices, default=DossierState.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    total = models.PositiveIntegerField(_("documents"), default=0)
    done_count = models.PositiveIntegerField(_("documents added"), default=0)
    file = models.FileField(_("file"), upload_to="dossiers/", max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("case dossier")
        verbose_name_plural = _("case dossiers")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.case_id}/{self.pk}: {self.state} {self.progress}%"

    @property
    def is_finished(self) -> bool:
        return self.state in (DossierState.DONE, DossierState.FAILED)


# --- access requests and grants (issue 7; DESIGN.md "an explicit, expiring access grant") -----------


class AccessScope(models.TextChoices):
    READ = "read", _("The case file")
    READ_DOCUMENTS = "read_documents", _("The case file and its documents")


class AccessRequestState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CaseAccessRequest(ConcurrentTransitionMixin, models.Model):
    """A user's request to open a case found by search; the owning unit grants or refuses it."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="access_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requesting_unit = models.ForeignKey(
        Unit, verbose_name=_("requesting unit"), on_delete=models.PROTECT, related_name="+"
    )
    # The unit that decides: the case's responsible unit when the request was made.
    owning_unit = models.ForeignKey(
        Unit, verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    purpose_case = models.ForeignKey(
        Case,
        verbose_name=_("for the requester's case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = FSMField(
        _("state"),
        max_length=16,
        choices=AccessRequestState.choices,
        default=AccessRequestState.REQUESTED,
        protected=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "requester"],
                condition=Q(state="requested"),
                name="case_access_request_one_open",
            )
        ]
        indexes = [models.Index(fields=["owning_unit", "state"], name="case_access_request_owner")]

    def __str__(self):
        return f"{self.case} · {self.requester} · {self.get_state_display()}"

    @transition(
        field=state,
        source=AccessRequestState.REQUESTED,
        target=AccessRequestState.GRANTED,
        permission=permissions.may_decide_access,
    )
    def grant(self, *, by, reason: str = "", now) -> None:
        """Grant the access (the grant row with its scope and expiry is made by the service)."""
        self.decided_by, self.decided_at, self.decision_reason = by, now, reason.strip()

    @transition(
        field=state,
        source=AccessRequestState.REQUESTED,
        target=AccessRequestState.REFUSED,
        permission=permissions.may_decide_access,
    )
    def refuse(self, *, by, reason: str, now) -> None:
        """Refuse the access, saying why."""
        text = (reason or "").strip()
        if not text:
            raise ValidationError({"reason": _("Give the reason for refusing the access.")})
        self.decided_by, self.decided_at, self.decision_reason = by, now, text

    @transition(
        field=state,
        source=AccessRequestState.REQUESTED,
        target=AccessRequestState.WITHDRAWN,
        permission=permissions.may_withdraw_access_request,
    )
    def withdraw(self, *, by, now) -> None:
        """Withdraw the request (the requester)."""
        self.decided_at = now


class CaseAccessGrant(models.Model):
    """An explicit, expiring opening of one case to one user; every use is audited."""

    request = models.OneToOneField(
        CaseAccessRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="grant_row"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="access_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted to"), on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField(_("scope"), max_length=16, choices=AccessScope.choices, default=AccessScope.READ)
    starts_at = models.DateTimeField(_("from"))
    expires_at = models.DateTimeField(_("until"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    expiry_noted_at = models.DateTimeField(_("expiry recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("starts_at")),
                name="case_access_grant_expires_after_start",
            )
        ]
        indexes = [models.Index(fields=["user", "expires_at"], name="case_access_grant_user")]

    def __str__(self):
        return f"{self.case} → {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.starts_at <= at < self.expires_at
