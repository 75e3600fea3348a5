"""Users, the unit tree of the six regions, departments and memberships with roles."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

MINISTRY_CODE = "000000"
PATH_SEPARATOR = "."


class User(AbstractUser):
    """A person who signs in; what they may do comes from their memberships, never from the user."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    police_number = models.CharField(_("police number"), max_length=16, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Set when an approved reset gave the account a temporary password: it signs in only to
    # choose its own (organisation.views.LoginView), and gets no API token until then.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        """Return whether the account administers the system (staff or superuser): it holds no role."""
        return bool(self.is_staff or self.is_superuser)

    def save(self, *args, **kwargs):
        # Separation of duties (等级保护 level 3): an account that holds a role is never made an
        # administrator, or the administrator would read case data through it. Checked only when
        # the flags are written, so a sign-in (update_fields=["last_login"]) costs no query.
        update_fields = kwargs.get("update_fields")
        flags_written = update_fields is None or {"is_staff", "is_superuser"} & set(update_fields)
        if (
            flags_written
            and self.pk is not None
            and self.is_administrator
            and Membership.objects.filter(user_id=self.pk).not_ended().exists()
        ):
            raise ValidationError(
                _("An account that holds a role cannot be made an administrator; end its roles first.")
            )
        super().save(*args, **kwargs)


class UnitLevel(models.IntegerChoices):
    MINISTRY = 0, _("Ministry")
    PROVINCE = 1, _("Provincial organ")
    PREFECTURE = 2, _("Prefecture-level bureau")
    COUNTY = 3, _("County-level bureau or branch")
    # A 派出所 is a branch of its county-level bureau, not an organ of its own: what the law leaves to
    # "the head of a county-level or higher organ" (MPS-2020 art 178, 立案) its head cannot approve.
    STATION = 4, _("Police station (派出所), below county level")


class UnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def subtree_of(self, unit: "Unit", *, include_self: bool = True):
        """Return the unit's descendants by materialised path, in one indexed range query."""
        descendants = Q(path__startswith=unit.path + PATH_SEPARATOR)
        return self.filter(descendants | Q(pk=unit.pk)) if include_self else self.filter(descendants)

    def ancestors_of(self, unit: "Unit", *, include_self: bool = False):
        codes = unit.ancestor_codes + ([unit.code] if include_self else [])
        return self.filter(code__in=codes).order_by("level")


class Unit(models.Model):
    """A public security organ, addressed by its administrative division code (the ministry: 000000).

    `path` is the chain of codes from the ministry down to the unit (e.g. 000000.510000.510100.510107),
    so subtrees and ancestors are prefix look-ups instead of per-row recursion.
    """

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    division_name = models.CharField(_("administrative division"), max_length=64, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=40, unique=True, editable=False)
    province_code = models.CharField(_("province code"), max_length=6, blank=True)
    code_prefix = models.CharField(
        _("organ short name (机关代字)"),
        max_length=8,
        blank=True,
        help_text=_("Used in document numbers, e.g. 川 in 川公（刑）协字〔2026〕12号."),
    )
    # Which units lie in a 交通十分不便的边远地区 is no article's list: the administrator sets it per unit
    # (the default list is organisation/data/build_units.py's, applied by migration 0008).
    is_remote = models.BooleanField(
        _("remote area (交通十分不便的边远地区)"),
        default=False,
        help_text=_(
            "A setting of the system, not a list in any article: identity, age and criminal-record checks "
            "requested of this unit get 15 days instead of 7 (MPS-2020 art 353)."
        ),
    )
    intake_department = models.ForeignKey(
        "Department",
        verbose_name=_("intake point (归口接收)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The single department that receives incoming assistance requests (MPS-2020 art 348)."),
    )
    name_overridden = models.BooleanField(
        _("name edited by hand"),
        default=False,
        help_text=_("A reload of the organisation keeps a name edited by hand."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["level", "code"]),
            models.Index(fields=["province_code", "level"]),
            models.Index(fields=["parent", "code"]),
            # Prefix look-ups on path (subtrees) need the C-collation pattern index on PostgreSQL.
            models.Index(fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        return self.path.split(PATH_SEPARATOR)[:-1]

    @property
    def is_ministry(self) -> bool:
        return self.code == MINISTRY_CODE

    def is_ancestor_of(self, other: "Unit") -> bool:
        return other.path.startswith(self.path + PATH_SEPARATOR)

    def contains(self, other: "Unit") -> bool:
        """Return whether `other` is this unit or lies in its subtree."""
        return other.pk == self.pk or self.is_ancestor_of(other)

    @property
    def is_county_level_or_higher(self) -> bool:
        """Return whether the unit is a public security organ at county level or higher (not a 派出所)."""
        return self.level <= UnitLevel.COUNTY

    def county_level_organ(self) -> "Unit":
        """Return the county-level or higher organ the unit belongs to: itself, or the nearest above it.

        A 派出所 belongs to the bureau above it; whose head decides what the law leaves to "the head of a
        county-level or higher organ" (MPS-2020 art 178).
        """
        if self.is_county_level_or_higher:
            return self
        return Unit.objects.ancestors_of(self).filter(level__lte=UnitLevel.COUNTY).order_by("-level").first()


class DepartmentKind(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal investigation")
    ECONOMIC = "economic", _("Economic crime investigation")
    PUBLIC_ORDER = "public_order", _("Public order")
    NARCOTICS = "narcotics", _("Narcotics control")
    CYBER = "cyber", _("Cyber security")
    LEGAL = "legal", _("Legal affairs")
    COMMAND = "command", _("Intelligence and command")
    OTHER = "other", _("Other")


class Department(models.Model):
    """An internal department of a unit, with the short code used in document numbers (刑, 经 …)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="departments"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=64)
    code_prefix = models.CharField(_("department short code (部门代字)"), max_length=4)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["unit__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], name="department_unique_kind_per_unit")
        ]

    def __str__(self):
        return f"{self.unit.name}{self.name}"


class Role(models.TextChoices):
    INVESTIGATOR = "investigator", _("Investigator")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    UNIT_HEAD = "unit_head", _("Unit head")
    LEGAL_OFFICER = "legal_officer", _("Legal officer")
    INTAKE_OFFICER = "intake_officer", _("Intake officer")
    LIAISON_OFFICER = "liaison_officer", _("Liaison officer")
    AUDITOR = "auditor", _("Auditor")
    SECURITY_OFFICER = "security_officer", _("Security officer")


# Roles that work on case data (case roles). An auditor reads the audit trail and nothing else; a
# security officer approves role changes and reads no case data (等级保护 level 3: system, security
# and audit administration are three different people).
OPERATIONAL_ROLES = frozenset(Role.values) - {Role.AUDITOR, Role.SECURITY_OFFICER}
CASE_ROLES = OPERATIONAL_ROLES


class MembershipQuerySet(models.QuerySet):
    def current(self, on=None):
        """Return memberships in force on a day (today in Asia/Shanghai by default) of active users."""
        day = on or timezone.localdate()
        return self.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            valid_from__lte=day,
            user__is_active=True,
            unit__is_active=True,
        )

    def operational(self):
        return self.filter(role__in=OPERATIONAL_ROLES)

    def not_ended(self, on=None):
        """Return memberships in force on the day or later (current or future)."""
        day = on or timezone.localdate()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Membership(models.Model):
    """A user's role in a unit (and optionally a department) for a period.

    An acting (代理) membership stands in for an absent head for set dates; it must have an end date
    and is shown as acting wherever the role is shown.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_acting = models.BooleanField(_("acting (代理)"), default=False)
    acting_for = models.ForeignKey(
        User,
        verbose_name=_("acting for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stand_ins",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["unit__code", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role", "valid_from"],
                name="membership_unique_role_per_unit_and_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(is_acting=False) | Q(valid_to__isnull=False),
                name="membership_acting_has_end_date",
            ),
        ]
        indexes = [models.Index(fields=["user", "valid_from", "valid_to"])]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.role_label}"

    def save(self, *args, **kwargs):
        # The last line of the separation of duties: whatever path writes a membership (the
        # services check first, with an audited refusal), an administrator account never holds a
        # role that is not yet ended. bulk_create bypasses this; only the demo and bench seeds use
        # it, for accounts that are not administrators.
        not_ended = self.valid_to is None or self.valid_to >= timezone.localdate()
        if (
            not_ended
            and User.objects.filter(pk=self.user_id).filter(Q(is_staff=True) | Q(is_superuser=True)).exists()
        ):
            raise ValidationError(_("An administrator account cannot hold a role."))
        super().save(*args, **kwargs)

    @property
    def role_label(self) -> str:
        label = str(self.get_role_display())
        return str(_("%(role)s (acting)") % {"role": label}) if self.is_acting else label

    def is_current(self, on=None) -> bool:
        day = on or timezone.localdate()
        return (
            self.valid_from <= day
            and (self.valid_to is None or self.valid_to >= day)
            and self.user.is_active
            and self.unit.is_active
        )


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def _decide(request, *, by, note: str) -> None:
    """Write a second person's decision on a role proposal or a password reset (the transition saves it)."""
    request.decided_by = by
    request.decided_at = timezone.now()
    request.decision_note = note


def may_decide(request, user) -> bool:
    """A second person who may decide it: a unit head or a security officer by the request's rule."""
    from organisation.permissions import decision_refusal  # the rules read memberships (selectors)

    return not decision_refusal(user, request)


class MembershipProposal(models.Model):
    """A role for a user in a unit, proposed by one person and put in force only by a second.

    Separation of duties (等级保护 level 3): no account grants a role alone. A case role is approved
    by a unit head of the unit or a security officer of the unit or above; the auditor and security
    officer roles by a security officer only. The approver is neither the proposer nor the user, and
    an administrator account never holds a role (organisation.services.membership_refusal).
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="membership_proposals"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_acting = models.BooleanField(_("acting (代理)"), default=False)
    acting_for = models.ForeignKey(
        User, verbose_name=_("acting for"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    state = FSMField(_("state"), max_length=16, choices=ProposalState.choices, default=ProposalState.PROPOSED)
    proposed_by = models.ForeignKey(
        User, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)
    membership = models.ForeignKey(
        Membership,
        verbose_name=_("membership"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("membership proposal")
        verbose_name_plural = _("membership proposals")
        ordering = ["-id"]
        constraints = [
            # The second person is a second person, whatever path wrote the row.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | (~Q(decided_by=models.F("proposed_by")) & ~Q(decided_by=models.F("user"))),
                name="membership_proposal_decided_by_a_second_person",
            ),
            models.CheckConstraint(
                condition=~Q(proposed_by=models.F("user")),
                name="membership_proposal_not_for_oneself",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_proposal_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["state", "unit"])]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()} ({self.get_state_display()})"

    @transition(
        field=state, source=ProposalState.PROPOSED, target=ProposalState.APPROVED, permission=may_decide
    )
    def approve(self, *, by, note: str = ""):
        """Put the role in force (the service writes the membership)."""
        _decide(self, by=by, note=note)

    @transition(
        field=state, source=ProposalState.PROPOSED, target=ProposalState.REJECTED, permission=may_decide
    )
    def reject(self, *, by, note: str = ""):
        """Refuse the role."""
        _decide(self, by=by, note=note)


class PasswordResetRequest(models.Model):
    """An administrator's request to reset the password of an account that holds a role.

    Separation of duties (等级保护 level 3): the administrator never sets such a password; a
    security officer of the account's unit or above, or a unit head of that unit, approves the
    request, and only they see the one-time temporary password (never stored in clear).
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="password_reset_requests"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    state = FSMField(_("state"), max_length=16, choices=ProposalState.choices, default=ProposalState.PROPOSED)
    requested_by = models.ForeignKey(
        User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | (~Q(decided_by=models.F("requested_by")) & ~Q(decided_by=models.F("user"))),
                name="password_reset_decided_by_a_second_person",
            ),
            models.CheckConstraint(
                condition=~Q(requested_by=models.F("user")),
                name="password_reset_not_for_oneself",
            ),
        ]
        indexes = [models.Index(fields=["state", "user"])]

    def __str__(self):
        return f"{self.user} ({self.get_state_display()})"

    @transition(
        field=state, source=ProposalState.PROPOSED, target=ProposalState.APPROVED, permission=may_decide
    )
    def approve(self, *, by, note: str = ""):
        """Reset the password (the service sets the one-time password and shows it to the approver)."""
        _decide(self, by=by, note=note)

    @transition(
        field=state, source=ProposalState.PROPOSED, target=ProposalState.REJECTED, permission=may_decide
    )
    def reject(self, *, by, note: str = ""):
        """Refuse the reset."""
        _decide(self, by=by, note=note)


class LoginThrottle(models.Model):
    """Failed-login counter per username, kept in the database so lockout works without Redis."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")

    def __str__(self):
        return self.username


class ApiToken(models.Model):
    """A client token with an expiry; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} · {self.expires_at:%Y-%m-%d %H:%M}"


# --- shared registers (issue 7): experts (专家人才库) and liaison officers (联络员制度) -------------------


class Specialty(models.Model):
    """A field of expertise the expert pool is searched by."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=64)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    LIMITED = "limited", _("Limited")
    UNAVAILABLE = "unavailable", _("Not available")


class ExpertProfile(models.Model):
    """An entry of the expert pool: an officer (or an outside expert) with specialties and availability."""

    user = models.OneToOneField(
        User,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="expert_profile",
    )
    external_name = models.CharField(_("name (outside expert)"), max_length=64, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    affiliation = models.CharField(_("affiliation (outside expert)"), max_length=120, blank=True)
    title = models.CharField(_("title"), max_length=64, blank=True)
    specialties = models.ManyToManyField(Specialty, verbose_name=_("specialties"), related_name="experts")
    availability = models.CharField(
        _("availability"), max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    note = models.TextField(_("note"), blank=True)
    is_active = models.BooleanField(_("listed"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | (~Q(external_name="") & ~Q(affiliation="")),
                name="expert_profile_named",
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user_id else self.external_name


class LiaisonRole(models.TextChoices):
    PRIMARY = "primary", _("Liaison officer (联络员)")
    DEPUTY = "deputy", _("Deputy liaison officer (副联络员)")


class LiaisonAssignment(models.Model):
    """A unit's liaison officer or deputy (联络员制度), with the contact details the other units use."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="liaisons")
    user = models.ForeignKey(
        User, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="liaison_roles"
    )
    role = models.CharField(
        _("role"), max_length=12, choices=LiaisonRole.choices, default=LiaisonRole.PRIMARY
    )
    phone = models.CharField(_("office phone"), max_length=32, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    valid_from = models.DateField(_("from"), default=timezone.localdate)
    valid_to = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("liaison assignment")
        verbose_name_plural = _("liaison assignments")
        ordering = ["unit", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(role="primary", valid_to__isnull=True),
                name="liaison_one_open_primary_per_unit",
            )
        ]

    def __str__(self):
        return f"{self.unit} · {self.get_role_display()} · {self.user}"
