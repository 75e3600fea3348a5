"""Writes to the organisation: loading the unit tree from the committed data, provisioning members."""

import csv
import difflib
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.exceptions import NotAllowed
from core.steps import check_transition
from core.workflow import run_transition
from organisation.models import (
    CASE_ROLES,
    MINISTRY_CODE,
    PATH_SEPARATOR,
    ApiToken,
    Department,
    DepartmentKind,
    Membership,
    MembershipProposal,
    PasswordResetRequest,
    ProposalState,
    Role,
    Unit,
    UnitLevel,
    User,
)
from organisation.signals import units_reorganised

UNITS_CSV = Path(__file__).resolve().parent / "data" / "units.csv"

_LEVELS = {
    "ministry": UnitLevel.MINISTRY,
    "province": UnitLevel.PROVINCE,
    "prefecture": UnitLevel.PREFECTURE,
    "county": UnitLevel.COUNTY,
    "station": UnitLevel.STATION,
}
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}

# The fields a reload keeps in step with the data. code_prefix and is_remote are defaults for a new
# unit only: they are edited per unit afterwards and a reload must not undo the edit.
_SYNCED_FIELDS = ("name", "division_name", "level", "parent", "path", "province_code", "is_active")

# Standard departments: kind → (代字, name by level: ministry, province, prefecture, county).
STANDARD_DEPARTMENTS: dict[str, tuple[str, tuple[str, str, str, str]]] = {
    DepartmentKind.CRIMINAL: ("刑", ("刑事侦查局", "刑事侦查总队", "刑事侦查支队", "刑事侦查大队")),
    DepartmentKind.ECONOMIC: (
        "经",
        ("经济犯罪侦查局", "经济犯罪侦查总队", "经济犯罪侦查支队", "经济犯罪侦查大队"),
    ),
    DepartmentKind.PUBLIC_ORDER: ("治", ("治安管理局", "治安管理总队", "治安管理支队", "治安管理大队")),
    DepartmentKind.NARCOTICS: ("禁", ("禁毒局", "禁毒总队", "禁毒支队", "禁毒大队")),
    DepartmentKind.CYBER: (
        "网",
        ("网络安全保卫局", "网络安全保卫总队", "网络安全保卫支队", "网络安全保卫大队"),
    ),
    DepartmentKind.LEGAL: ("法", ("法制局", "法制总队", "法制支队", "法制大队")),
    DepartmentKind.COMMAND: ("情", ("情报指挥中心", "情报指挥中心", "情报指挥中心", "情报指挥中心")),
}
INTAKE_DEPARTMENT_KIND = DepartmentKind.COMMAND
HEAD_ROLES = frozenset({Role.UNIT_HEAD, Role.DEPARTMENT_HEAD})


# --- loading the unit tree -------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    division_name: str
    level: int
    parent_code: str
    province_code: str
    code_prefix: str
    is_remote: bool


@dataclass
class OrganisationLoadReport:
    units_created: int = 0
    units_updated: int = 0
    units_deactivated: int = 0
    units_unchanged: int = 0
    departments_created: int = 0
    intake_points_set: int = 0
    updated_codes: list[str] = field(default_factory=list)
    deactivated_codes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.units_created,
                self.units_updated,
                self.units_deactivated,
                self.departments_created,
                self.intake_points_set,
            )
        )

    def summary(self) -> str:
        if not self.changed:
            return _("Organisation is up to date: %(count)d units unchanged.") % {
                "count": self.units_unchanged
            }
        return _(
            "Units: %(created)d created, %(updated)d updated, %(deactivated)d deactivated, "
            "%(unchanged)d unchanged; departments: %(departments)d created; intake points set: %(intake)d."
        ) % {
            "created": self.units_created,
            "updated": self.units_updated,
            "deactivated": self.units_deactivated,
            "unchanged": self.units_unchanged,
            "departments": self.departments_created,
            "intake": self.intake_points_set,
        }


def _data_error(path: Path, line: int, message: str) -> ValidationError:
    return ValidationError(
        _("%(file)s, line %(line)d: %(message)s") % {"file": path.name, "line": line, "message": message}
    )


def _read_unit_rows(path: Path) -> list[UnitRow]:
    """Read and check units.csv: codes unique, levels known, every parent present and above its child."""
    rows: list[UnitRow] = []
    with open(path, encoding="utf-8", newline="") as f:
        for line, raw in enumerate(csv.DictReader(f), start=2):
            try:
                level = _LEVELS[raw["level"]]
            except KeyError:
                raise _data_error(
                    path, line, _("unknown level “%(level)s”") % {"level": raw.get("level")}
                ) from None
            code, name, remote = raw["code"].strip(), raw["name"].strip(), raw["is_remote"].strip().lower()
            if len(code) != 6 or not code.isdigit():
                raise _data_error(
                    path, line, _("a unit code has six digits, not “%(code)s”") % {"code": code}
                )
            if not name or len(name) > Unit._meta.get_field("name").max_length:
                raise _data_error(path, line, _("name missing or too long"))
            if remote not in _TRUE | _FALSE:
                raise _data_error(
                    path, line, _("is_remote must be true or false, not “%(value)s”") % {"value": remote}
                )
            rows.append(
                UnitRow(
                    code=code,
                    name=name,
                    division_name=raw["division_name"].strip(),
                    level=level,
                    parent_code=raw["parent_code"].strip(),
                    province_code=raw["province_code"].strip(),
                    code_prefix=raw["code_prefix"].strip(),
                    is_remote=remote in _TRUE,
                )
            )
    by_code = {row.code: row for row in rows}
    if len(by_code) != len(rows):
        raise ValidationError(_("%(file)s: unit codes are not unique.") % {"file": path.name})
    if MINISTRY_CODE not in by_code or by_code[MINISTRY_CODE].level != UnitLevel.MINISTRY:
        raise ValidationError(
            _("%(file)s: the ministry %(code)s is missing.") % {"file": path.name, "code": MINISTRY_CODE}
        )
    for row in rows:
        if row.code == MINISTRY_CODE:
            continue
        parent = by_code.get(row.parent_code)
        if parent is None or parent.level >= row.level:
            raise ValidationError(
                _("%(file)s: unit %(code)s has no parent “%(parent)s” above it.")
                % {"file": path.name, "code": row.code, "parent": row.parent_code}
            )
    return rows


def _paths(rows: list[UnitRow]) -> dict[str, str]:
    paths: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: r.level):
        paths[row.code] = (
            row.code if row.code == MINISTRY_CODE else paths[row.parent_code] + PATH_SEPARATOR + row.code
        )
    return paths


@transaction.atomic
def organisation_load(*, path: Path | str | None = None) -> OrganisationLoadReport:
    """Bring the unit tree, standard departments and intake points in step with units.csv.

    Keyed on the division code: a new code is created, a changed name or parent is updated (a name
    edited by hand, `name_overridden`, is kept), a code no longer in the data is deactivated and
    never deleted. Departments are created only where missing, and an unset intake point becomes the
    unit's intelligence and command centre. A second run changes nothing. Costs a handful of bulk
    queries whatever the size of the tree.
    """
    path = Path(path) if path else UNITS_CSV
    rows = _read_unit_rows(path)
    paths = _paths(rows)
    report = OrganisationLoadReport()

    existing = {unit.code: unit for unit in Unit.objects.only("code", "name_overridden", *_SYNCED_FIELDS)}
    pk_by_code = {code: unit.pk for code, unit in existing.items()}
    changed: list[Unit] = []
    moved: list[str] = []
    for level in UnitLevel.values:
        created: list[Unit] = []
        for row in (r for r in rows if r.level == level):
            wanted = {
                "name": row.name,
                "division_name": row.division_name,
                "level": row.level,
                "parent_id": pk_by_code[row.parent_code] if row.code != MINISTRY_CODE else None,
                "path": paths[row.code],
                "province_code": row.province_code,
                "is_active": True,
            }
            unit = existing.get(row.code)
            if unit is None:
                created.append(
                    Unit(code=row.code, code_prefix=row.code_prefix, is_remote=row.is_remote, **wanted)
                )
                continue
            if unit.name_overridden:
                del wanted["name"]
            differs = {name: value for name, value in wanted.items() if getattr(unit, name) != value}
            if "path" in differs:
                moved.append(row.code)
            if differs:
                for name, value in differs.items():
                    setattr(unit, name, value)
                changed.append(unit)
            else:
                report.units_unchanged += 1
        if created:
            Unit.objects.bulk_create(created)
            if not connection.features.can_return_rows_from_bulk_insert:
                pk_by_code.update(
                    Unit.objects.filter(code__in=[u.code for u in created]).values_list("code", "pk")
                )
            else:
                pk_by_code.update((unit.code, unit.pk) for unit in created)
            report.units_created += len(created)
    if changed:
        Unit.objects.bulk_update(changed, _SYNCED_FIELDS, batch_size=200)
        report.units_updated = len(changed)
        report.updated_codes = sorted(unit.code for unit in changed)

    in_data = set(paths)
    gone = [unit for code, unit in existing.items() if code not in in_data and unit.is_active]
    if gone:
        Unit.objects.filter(pk__in=[unit.pk for unit in gone]).update(is_active=False)
        report.units_deactivated = len(gone)
        report.deactivated_codes = sorted(unit.code for unit in gone)

    if moved:
        units_reorganised.send(sender=Unit, codes=moved)
    report.departments_created = _create_missing_departments(rows, pk_by_code)
    report.intake_points_set = _set_default_intake_points()
    return report


def _create_missing_departments(rows: list[UnitRow], pk_by_code: dict[str, int]) -> int:
    have = set(Department.objects.filter(kind__in=STANDARD_DEPARTMENTS).values_list("unit_id", "kind"))
    missing = [
        Department(unit_id=pk_by_code[row.code], kind=kind, name=names[row.level], code_prefix=prefix)
        for row in rows
        for kind, (prefix, names) in STANDARD_DEPARTMENTS.items()
        # A 派出所 has no departments of its own: it is one of its bureau's.
        if row.level <= UnitLevel.COUNTY and (pk_by_code[row.code], kind) not in have
    ]
    Department.objects.bulk_create(missing, batch_size=500)
    return len(missing)


def _set_default_intake_points() -> int:
    command = Department.objects.filter(unit=OuterRef("pk"), kind=INTAKE_DEPARTMENT_KIND)
    return (
        Unit.objects.filter(intake_department__isnull=True)
        .filter(Exists(command))
        .update(intake_department=Subquery(command.values("pk")[:1]))
    )


# --- provisioning members --------------------------------------------------------------------


@dataclass
class MemberAddResult:
    user: User
    membership: Membership
    user_created: bool
    membership_created: bool


def _role_choices() -> str:
    return ", ".join(f"{value} ({label})" for value, label in Role.choices)


def _unit_hint(code: str) -> str:
    """Suggest units for a code or name that matched none: close codes or names, and the top of the tree."""
    units = list(Unit.objects.active().only("code", "name", "level"))
    text = code.strip()
    close: list[Unit] = []
    if text.isdigit():
        # Same prefecture first (first four digits), else the prefectures of the same province.
        if len(text) >= 4:
            close = [u for u in units if u.code.startswith(text[:4])]
        if not close and len(text) >= 2:
            close = [u for u in units if u.code.startswith(text[:2]) and u.level <= UnitLevel.PREFECTURE]
    else:
        names = {u.name: u for u in units}
        matches = [u for u in units if text and text in u.name]
        matches += [names[n] for n in difflib.get_close_matches(text, names, n=5, cutoff=0.5)]
        close = list(dict.fromkeys(matches))
    parts = []
    if close:
        parts.append(_("Close matches: %s.") % ", ".join(f"{u.code} {u.name}" for u in close[:8]))
    top = [u for u in units if u.code == MINISTRY_CODE or u.code.endswith("0000")]
    parts.append(_("Ministry and provincial organs: %s.") % ", ".join(f"{u.code} {u.name}" for u in top))
    parts.append(_("Every unit is listed at /api/v1/units/?search=NAME and in the admin."))
    return " ".join(parts)


def _validation(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: [message]})


def member_add(
    *,
    username: str,
    unit_code: str,
    role: str,
    department_kind: str | None = None,
    password: str | None = None,
    full_name: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    acting_for: str | None = None,
) -> MemberAddResult:
    """Create or update a user and their membership of a unit in a role.

    The membership is matched on (user, unit, role) among those not yet ended; it is updated in
    place (department, end date, acting) rather than stacked. A new user without a password gets an
    unusable one. An acting membership stands in for a head and needs an end date.

    This is the operators' bootstrap path (the add_member command, run on the server): whoever runs
    it can change the database anyway, so no second person is asked here, but the separation of
    duties still holds: an administrator account gets no role (refused and audited, like every other
    path, by membership_refusal), and every use is audited. Everyday role changes go through
    membership_propose and a second person's membership_proposal_approve.
    """
    if role in Role.values:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            unit = Unit.objects.filter(code=unit_code).first()
            membership_check(by=None, user=existing, role=role, unit=unit, channel="command")
    return _member_add(
        username=username,
        unit_code=unit_code,
        role=role,
        department_kind=department_kind,
        password=password,
        full_name=full_name,
        valid_from=valid_from,
        valid_to=valid_to,
        acting_for=acting_for,
    )


@transaction.atomic
def _member_add(
    *,
    username: str,
    unit_code: str,
    role: str,
    department_kind: str | None,
    password: str | None,
    full_name: str | None,
    valid_from: date | None,
    valid_to: date | None,
    acting_for: str | None,
) -> MemberAddResult:
    today = timezone.localdate()
    if role not in Role.values:
        raise _validation(
            "role",
            _("Unknown role “%(role)s”. Valid roles: %(roles)s.") % {"role": role, "roles": _role_choices()},
        )
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise _validation(
            "unit",
            _("Unknown unit code “%(code)s”. %(hint)s") % {"code": unit_code, "hint": _unit_hint(unit_code)},
        )
    if not unit.is_active:
        raise _validation(
            "unit", _("Unit %(code)s %(name)s is deactivated.") % {"code": unit.code, "name": unit.name}
        )
    department = None
    if department_kind:
        department = unit.departments.filter(kind=department_kind, is_active=True).first()
        if department is None:
            kinds = ", ".join(f"{d.kind} ({d.name})" for d in unit.departments.filter(is_active=True))
            raise _validation(
                "department",
                _("%(unit)s has no department “%(kind)s”. Valid departments: %(kinds)s.")
                % {"unit": unit.name, "kind": department_kind, "kinds": kinds},
            )
    stand_in_for = None
    if acting_for:
        if role not in HEAD_ROLES:
            raise _validation("acting_for", _("Only a unit head or department head can be stood in for."))
        if valid_to is None:
            raise _validation("valid_to", _("An acting membership needs an end date."))
        stand_in_for = User.objects.filter(username=acting_for).first()
        if stand_in_for is None:
            raise _validation("acting_for", _("Unknown user “%(username)s”.") % {"username": acting_for})
        if stand_in_for.username == username:
            raise _validation("acting_for", _("A user cannot act for themselves."))

    user, user_created = User.objects.get_or_create(username=username)
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif user_created:
        user.set_unusable_password()
    if full_name is not None:
        user.full_name = full_name
    user.full_clean(exclude=["password"])
    user.save()

    membership = (
        Membership.objects.select_for_update()
        .filter(user=user, unit=unit, role=role)
        .exclude(valid_to__lt=today)
        .order_by("-valid_from")
        .first()
    )
    membership_created = membership is None
    if membership_created:
        membership = Membership(user=user, unit=unit, role=role, valid_from=valid_from or today)
    elif valid_from is not None:
        membership.valid_from = valid_from
    if department is not None:
        membership.department = department
    if valid_to is not None:
        membership.valid_to = valid_to
    if acting_for:
        membership.is_acting, membership.acting_for = True, stand_in_for
    if membership.valid_to is not None and membership.valid_to < membership.valid_from:
        raise _validation("valid_to", _("The end date is before the start date."))
    membership.save()
    audit.record(
        action="organisation.member_added",
        acting_unit_code=unit.code,
        target=membership,
        payload={
            "channel": "command",
            "username": user.username,
            "unit": unit.code,
            "role": role,
            "department": department_kind or "",
            "valid_from": membership.valid_from,
            "valid_to": membership.valid_to,
            "acting_for": acting_for or "",
            "user_created": user_created,
            "membership_created": membership_created,
            "password_set": password is not None,
        },
    )
    return MemberAddResult(user, membership, user_created, membership_created)


# --- separation of duties: who holds a role, and who grants it ------------------------------------
# 等级保护 level 3: system, security and audit administration are different people, and the system
# administrator reads no case data. Every path that writes a membership (the admin, the add_member
# command, the API) asks membership_refusal first and records a refusal; Membership.save() and
# User.save() hold the same line underneath, and a check constraint on MembershipProposal keeps the
# approver a second person.


def membership_refusal(*, by: User | None, user: User, role: str) -> str:
    """Return why `by` may not give `user` the role (an empty string when nothing stands against it).

    No administrator account (staff or superuser) holds any role: a case role would let it read case
    data, an auditor or security officer role would join the three duties in one person. Nobody
    grants a role to themselves.
    """
    if user.is_administrator:
        return _("An administrator account cannot hold a role (separation of duties).")
    if by is not None and by.pk == user.pk:
        return _("No one can grant a role to themselves.")
    return ""


class MembershipRefused(ValidationError):
    """A role change refused by the separation of duties; the refusal is already audited."""


def membership_check(*, by: User | None, user: User, role: str, unit: Unit | None, channel: str) -> None:
    """Raise MembershipRefused, after recording the refusal, if `by` may not give `user` the role.

    The refusal is recorded before the error is raised and outside any transaction the caller may
    roll back, so call it before opening one (the admin calls it from form validation, which does
    not roll back).
    """
    reason = membership_refusal(by=by, user=user, role=role)
    if not reason:
        return
    audit.record(
        action="organisation.membership_refused",
        actor=by,
        acting_unit_code=unit.code if unit is not None else "",
        target=user,
        payload={
            "channel": channel,
            "username": user.username,
            "unit": unit.code if unit is not None else "",
            "role": role,
            "case_role": role in CASE_ROLES,
            "reason": reason,
        },
    )
    raise MembershipRefused(reason, code="separation_of_duties")


def membership_propose(
    *,
    by: User,
    user: User,
    unit: Unit,
    role: str,
    reason: str,
    department: Department | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    is_acting: bool = False,
    acting_for: User | None = None,
    channel: str = "admin",
) -> MembershipProposal:
    """Propose a role for a user in a unit; it is in force only once a second person approves it."""
    membership_check(by=by, user=user, role=role, unit=unit, channel=channel)
    proposal = MembershipProposal(
        user=user,
        unit=unit,
        department=department,
        role=role,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
        is_acting=is_acting,
        acting_for=acting_for,
        reason=reason,
        proposed_by=by,
    )
    proposal.full_clean()
    with transaction.atomic():
        proposal.save()
        audit.record(
            action="organisation.membership_proposed",
            actor=by,
            acting_unit_code=unit.code,
            target=proposal,
            payload={
                "channel": channel,
                "username": user.username,
                "unit": unit.code,
                "role": role,
                "valid_from": proposal.valid_from,
                "valid_to": proposal.valid_to,
                "is_acting": is_acting,
            },
        )
    return proposal


def _refuse_undecidable(request, name: str, by: User) -> None:
    """Raise NotAllowed, naming why, when `by` may not decide the proposal or reset (before any write)."""
    from organisation.permissions import decision_refusal  # the rules read memberships (selectors)

    if check_transition(request, name, by).refused:
        raise NotAllowed(decision_refusal(by, request))


def membership_proposal_approve(
    *, proposal: MembershipProposal, by: User, note: str = "", expected_state: str | None = None
) -> MembershipProposal:
    """Put a proposed role in force: the second person's approval, checked, locked and audited.

    The first role of an account replaces its password by a one-time one, returned on the proposal
    as `temporary_password` (not stored) for the approver alone; None otherwise.
    """
    _refuse_undecidable(proposal, "approve", by)
    # Checked again at approval (the user may have been made an administrator since) and audited
    # outside the transaction, so that the refusal stays on record.
    user = User.objects.get(pk=proposal.user_id)
    try:
        membership_check(by=by, user=user, role=proposal.role, unit=proposal.unit, channel="approval")
    except MembershipRefused as refused:
        raise NotAllowed(refused.messages[0], code="separation_of_duties") from None
    issued: dict[str, str | None] = {}

    def put_in_force(locked: MembershipProposal, from_state: str, to_state: str) -> None:
        membership = Membership(
            user_id=locked.user_id,
            unit_id=locked.unit_id,
            department_id=locked.department_id,
            role=locked.role,
            valid_from=locked.valid_from,
            valid_to=locked.valid_to,
            is_acting=locked.is_acting,
            acting_for_id=locked.acting_for_id,
        )
        # The first role of an account: whatever password it has was chosen by someone else (the
        # administrator who created it), so it is replaced by a one-time password issued to the
        # approver, or the administrator would sign in as the new role holder.
        first_role = not Membership.objects.filter(user_id=locked.user_id).not_ended().exists()
        membership.full_clean()
        membership.save()
        issued["password"] = _temporary_password_set(locked.user_id) if first_role else None
        locked.membership = membership
        locked.save(update_fields=["membership"])
        audit.record(
            action="organisation.membership_approved",
            actor=by,
            acting_unit_code=locked.unit.code,
            target=locked,
            payload={
                "username": locked.user.username,
                "unit": locked.unit.code,
                "role": locked.role,
                "membership": membership.pk,
                "proposed_by": locked.proposed_by_id,
                "temporary_password_issued": issued["password"] is not None,
            },
        )

    approved = run_transition(
        model=MembershipProposal,
        pk=proposal.pk,
        name="approve",
        by=by,
        acting_unit_code=proposal.unit.code,
        expected_state=expected_state,
        arguments={"note": note},
        note=note,
        after=put_in_force,
    ).instance
    # Not stored: only the approver's answer shows it (the decision page and the API).
    approved.temporary_password = issued["password"]
    return approved


def membership_proposal_reject(
    *, proposal: MembershipProposal, by: User, note: str = "", expected_state: str | None = None
) -> MembershipProposal:
    """Refuse a proposed role; audited like an approval."""
    _refuse_undecidable(proposal, "reject", by)

    def record(locked: MembershipProposal, from_state: str, to_state: str) -> None:
        audit.record(
            action="organisation.membership_rejected",
            actor=by,
            acting_unit_code=locked.unit.code,
            target=locked,
            payload={"username": locked.user.username, "unit": locked.unit.code, "role": locked.role},
        )

    return run_transition(
        model=MembershipProposal,
        pk=proposal.pk,
        name="reject",
        by=by,
        acting_unit_code=proposal.unit.code,
        expected_state=expected_state,
        arguments={"note": note},
        note=note,
        after=record,
    ).instance


@transaction.atomic
def membership_end(*, by: User, membership: Membership, last_day: date) -> Membership:
    """End a membership on `last_day`: taking a role away needs no second person, extending one does."""
    locked = Membership.objects.select_for_update().select_related("unit", "user").get(pk=membership.pk)
    if locked.valid_to is not None and last_day > locked.valid_to:
        raise ValidationError(
            {"valid_to": [_("A role is extended by a new proposal, not by moving its end date later.")]}
        )
    if last_day < locked.valid_from:
        raise ValidationError({"valid_to": [_("The end date is before the start date.")]})
    previous = locked.valid_to
    locked.valid_to = last_day
    # A plain update: ending a role is always allowed, even for an account that Membership.save()
    # would refuse a role (an administrator's leftover membership is exactly what must end).
    Membership.objects.filter(pk=locked.pk).update(valid_to=last_day)
    audit.record(
        action="organisation.membership_ended",
        actor=by,
        acting_unit_code=locked.unit.code,
        target=locked,
        payload={
            "username": locked.user.username,
            "unit": locked.unit.code,
            "role": locked.role,
            "valid_to": locked.valid_to,
            "previous_valid_to": previous,
        },
    )
    return locked


# --- separation of duties: the passwords of role holders ------------------------------------------
# Setting the password of an account that holds a role would let the administrator sign in as a
# unit head or an investigator and read case data through it: the same takeover as granting itself
# a role. So no one sets another role holder's password; an administrator *requests* a reset, a
# second person (a security officer of the account's unit or above, or a unit head of that unit)
# approves it and alone sees the one-time temporary password, which the account must change at its
# next sign-in. Every path that sets a password for someone else asks password_change_check.


def password_change_refusal(*, by: User | None, user: User) -> str:
    """Return why `by` may not set `user`'s password directly (an empty string when they may).

    Everyone changes their own password. The password of another account that holds a role (any
    role not yet ended: case roles, auditor, security officer) is reset only through an approved
    reset request; other accounts (administrators, accounts without a role) keep the plain change.
    """
    if by is not None and by.pk == user.pk:
        return ""
    if Membership.objects.filter(user_id=user.pk).not_ended().exists():
        return _(
            "The password of an account that holds a role cannot be set by an administrator: "
            "request a reset, which a security officer or the unit head approves."
        )
    return ""


def _home_unit_code(user: User) -> str:
    """Return the code of a unit the account holds a role in, so that unit's auditors see the event."""
    return (
        Membership.objects.filter(user_id=user.pk)
        .not_ended()
        .order_by("unit__code")
        .values_list("unit__code", flat=True)
        .first()
        or ""
    )


class PasswordChangeRefused(ValidationError):
    """A password change refused by the separation of duties; the refusal is already audited."""


def password_change_check(*, by: User | None, user: User, channel: str) -> None:
    """Raise PasswordChangeRefused, after recording the refusal, if `by` may not set the password."""
    reason = password_change_refusal(by=by, user=user)
    if not reason:
        return
    audit.record(
        action="organisation.password_reset_refused",
        actor=by,
        acting_unit_code=_home_unit_code(user),
        target=user,
        payload={"channel": channel, "username": user.username, "reason": reason},
    )
    raise PasswordChangeRefused(reason, code="separation_of_duties")


def password_reset_request(
    *, by: User, user: User, reason: str, channel: str = "admin"
) -> PasswordResetRequest:
    """Ask for the password of a role holder to be reset; a second person approves it."""
    if by.pk == user.pk:
        raise ValidationError(_("Change your own password instead."), code="oneself")
    if not Membership.objects.filter(user_id=user.pk).not_ended().exists():
        raise ValidationError(
            _("This account holds no role: its password is changed directly."), code="no_role"
        )
    with transaction.atomic():
        # One open request per account: a second would only be a second chance at the same reset.
        User.objects.select_for_update().get(pk=user.pk)
        if PasswordResetRequest.objects.filter(user=user, state=ProposalState.PROPOSED).exists():
            raise ValidationError(
                _("A reset of this account's password is already waiting for approval."), code="pending"
            )
        reset = PasswordResetRequest(user=user, reason=reason, requested_by=by)
        reset.full_clean()
        reset.save()
        audit.record(
            action="organisation.password_reset_requested",
            actor=by,
            acting_unit_code=_home_unit_code(user),
            target=reset,
            payload={"channel": channel, "username": user.username},
        )
    return reset


# No 0/O, 1/l/I: the approver reads the password out or writes it down for the officer.
_TEMPORARY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """Return a one-time password of four groups of five characters (about 116 bits)."""
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(5)) for _ in range(4))
    return "-".join(groups)


def _temporary_password_set(user_id: int) -> str:
    """Give the account a one-time password it must change at its next sign-in; return it.

    Only its hash is stored; the account's API tokens are revoked and its sessions end (the session
    hash follows the password). Call inside the caller's transaction.
    """
    password = temporary_password()
    user = User.objects.select_for_update().get(pk=user_id)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return password


def password_reset_approve(
    *, reset: PasswordResetRequest, by: User, note: str = "", expected_state: str | None = None
) -> PasswordResetRequest:
    """Approve a reset: a one-time password, returned as `temporary_password` to the approver alone.

    Only its hash is stored; the account must change it at its next sign-in, its API tokens are
    revoked and its sessions end (the session hash follows the password). Audited without the
    password.
    """
    _refuse_undecidable(reset, "approve", by)
    issued: dict[str, str] = {}

    def reset_password(locked: PasswordResetRequest, from_state: str, to_state: str) -> None:
        user = locked.user
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
        issued["password"] = _temporary_password_set(user.pk)
        audit.record(
            action="organisation.password_reset_approved",
            actor=by,
            acting_unit_code=_home_unit_code(user),
            target=locked,
            payload={
                "username": user.username,
                "requested_by": locked.requested_by_id,
                "tokens_revoked": revoked,
            },
        )

    approved = run_transition(
        model=PasswordResetRequest,
        pk=reset.pk,
        name="approve",
        by=by,
        acting_unit_code=_home_unit_code(reset.user),
        expected_state=expected_state,
        arguments={"note": note},
        note=note,
        after=reset_password,
    ).instance
    approved.temporary_password = issued["password"]
    return approved


def password_reset_reject(
    *, reset: PasswordResetRequest, by: User, note: str = "", expected_state: str | None = None
) -> PasswordResetRequest:
    """Refuse a reset request; audited like an approval."""
    _refuse_undecidable(reset, "reject", by)

    def record(locked: PasswordResetRequest, from_state: str, to_state: str) -> None:
        audit.record(
            action="organisation.password_reset_rejected",
            actor=by,
            acting_unit_code=_home_unit_code(locked.user),
            target=locked,
            payload={"username": locked.user.username},
        )

    return run_transition(
        model=PasswordResetRequest,
        pk=reset.pk,
        name="reject",
        by=by,
        acting_unit_code=_home_unit_code(reset.user),
        expected_state=expected_state,
        arguments={"note": note},
        note=note,
        after=record,
    ).instance


@transaction.atomic
def password_change_own(*, by: User, password: str) -> User:
    """Set the user's own new password (after a reset, at sign-in) and lift the change requirement."""
    validate_password(password, by)
    locked = User.objects.select_for_update().get(pk=by.pk)
    if locked.must_change_password and locked.check_password(password):
        raise ValidationError({"password": [_("Choose a password other than the temporary one.")]})
    locked.set_password(password)
    locked.must_change_password = False
    locked.save(update_fields=["password", "must_change_password"])
    audit.record(
        action="organisation.password_changed",
        actor=locked,
        acting_unit_code=_home_unit_code(locked),
        target=locked,
        payload={"username": locked.username, "after_reset": by.must_change_password},
    )
    return locked
