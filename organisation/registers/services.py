"""Changes to the shared registers: list and unlist experts, name and end liaison officers.

Entries are kept by the unit they belong to: its unit head or liaison officer, or those of any unit
above it, may add, change and end them (organisation.registers.selectors.editor_units). Every change
is an audit event.
"""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit
from core.exceptions import Conflict
from core.workflow import model_update
from organisation.models import (
    PATH_SEPARATOR,
    ExpertProfile,
    LiaisonAssignment,
    LiaisonRole,
    Membership,
    Specialty,
    Unit,
    User,
)
from organisation.registers.selectors import editor_unit_for, editor_units, expert_get, liaison_get


class _Keep:
    """Marker for an argument left out of an update: the stored value stays."""

    def __repr__(self):
        return "KEEP"


KEEP: Any = _Keep()


def _require_editor(by: User, *units: Unit | None) -> str:
    """Raise PermissionDenied unless `by` may keep every unit given; return the acting unit's code."""
    mine = editor_units(by)
    acting = None
    for unit in units:
        acting = editor_unit_for(mine, unit)
        if acting is None:
            raise PermissionDenied(
                _("Only the head or the liaison officer of the unit, or of a unit above it, may do this.")
            )
    return acting.code if acting is not None else ""


# --- services: experts ----------------------------------------------------------------------------


def _specialties_from_codes(codes) -> list[Specialty]:
    codes = [str(code).strip() for code in (codes or []) if str(code).strip()]
    if not codes:
        raise ValidationError({"specialties": [_("Choose at least one specialty.")]})
    found = {s.code: s for s in Specialty.objects.filter(code__in=codes)}
    if unknown := sorted(set(codes) - found.keys()):
        raise ValidationError(
            {"specialties": [_("Unknown specialty: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    return [found[code] for code in dict.fromkeys(codes)]


def _works_in(user: User, unit: Unit) -> bool:
    return (
        Membership.objects.current()
        .operational()
        .filter(user=user)
        .filter(Q(unit=unit) | Q(unit__path__startswith=unit.path + PATH_SEPARATOR))
        .exists()
    )


def _lock_expert(expert: ExpertProfile) -> ExpertProfile:
    locked = ExpertProfile.objects.select_for_update().filter(pk=expert.pk).first()
    if locked is None:
        raise Http404(_("No expert has this number."))
    return locked


def _as_recorded(value):
    """A unit is named by its code in the audit; any other value as it is."""
    return getattr(value, "code", value)


def _expert_payload(expert: ExpertProfile, changes) -> dict[str, Any]:
    return {
        "name": expert.display_name,
        "unit": expert.unit.code,
        "changes": {
            field: {"from": _as_recorded(old), "to": _as_recorded(new)}
            for field, (old, new) in changes.items()
        },
    }


@transaction.atomic
def expert_upsert(
    *,
    by: User,
    expert: ExpertProfile | None = None,
    user: User | None = KEEP,
    unit: Unit | None = KEEP,
    external_name: str = KEEP,
    affiliation: str = KEEP,
    title: str = KEEP,
    specialties: list[str] = KEEP,
    availability: str = KEEP,
    phone: str = KEEP,
    email: str = KEEP,
    note: str = KEEP,
    is_active: bool = KEEP,
) -> ExpertProfile:
    """List an expert or change a listing (`expert`); arguments left out keep their stored value.

    Without `expert`, an officer who already has a listing gets that listing changed (and listed
    again if it was unlisted); otherwise a new one is made. An expert is an officer (`user`, who
    must work in `unit` or below it) or an outside expert (`external_name` and `affiliation`), kept
    by `unit`; `specialties` are codes. Raise ValidationError naming the field, and PermissionDenied
    unless `by` keeps the unit (and, for a move, the unit it leaves). A change goes through
    core.workflow.model_update (audit `organisation.expert.update`, each change from and to).
    """
    if expert is not None:
        expert = _lock_expert(expert)
        if user is not KEEP and user is not None and user.pk != expert.user_id:
            raise ValidationError(
                {"user": [_("A listing stays with its officer; list the other officer anew.")]}
            )
    elif user is not KEEP and user is not None:
        expert = ExpertProfile.objects.select_for_update().filter(user=user).first()
    creating = expert is None
    if creating:
        expert = ExpertProfile(user=None if user is KEEP else user)
        if is_active is KEEP:
            is_active = True

    if not editor_units(by):
        raise PermissionDenied(
            _("Only the head or the liaison officer of the unit, or of a unit above it, may do this.")
        )

    given = {
        "unit": unit,
        "external_name": external_name,
        "affiliation": affiliation,
        "title": title,
        "availability": availability,
        "phone": phone,
        "email": email,
        "note": note,
        "is_active": is_active,
    }
    values = {
        field: value.strip() if isinstance(value, str) else value
        for field, value in given.items()
        if value is not KEEP
    }
    # The listing's rules, judged on the listing as it would be.
    listed_unit = values.get("unit", expert.unit)
    if listed_unit is None:
        raise ValidationError({"unit": [_("Choose the unit that keeps this listing.")]})
    if expert.user_id is not None:
        # An officer's name comes from the account; a typed name would drift from it.
        values["external_name"] = ""
        values["affiliation"] = ""
        if not expert.user.is_active or not _works_in(expert.user, listed_unit):
            raise ValidationError({"user": [_("The officer does not work in that unit or below it.")]})
    else:
        errors = {}
        if not values.get("external_name", expert.external_name):
            errors["external_name"] = [_("Name the outside expert, or choose an officer.")]
        if not values.get("affiliation", expert.affiliation):
            errors["affiliation"] = [_("Give the outside expert's affiliation.")]
        if errors:
            raise ValidationError(errors)

    new_specialties = None if specialties is KEEP else _specialties_from_codes(specialties)
    if creating and new_specialties is None:
        raise ValidationError({"specialties": [_("Choose at least one specialty.")]})
    acting_unit_code = _require_editor(by, *([] if creating else [expert.unit]), listed_unit)

    if creating:
        return _expert_create(
            by=by,
            expert=expert,
            values=values,
            specialties=new_specialties,
            acting_unit_code=acting_unit_code,
        )
    related = {}
    if new_specialties is not None:
        old_codes = sorted(expert.specialties.values_list("code", flat=True))
        new_codes = sorted(s.code for s in new_specialties)
        if old_codes != new_codes:
            related["specialties"] = (old_codes, new_codes)
    model_update(
        instance=expert,
        values=values,
        by=by,
        action="update",
        audit_action="organisation.expert.update",
        acting_unit_code=acting_unit_code,
        timeline=False,
        related=related,
        payload=lambda changes: _expert_payload(expert, changes),
    )
    if related:
        expert.specialties.set(new_specialties)
    return expert_get(expert.pk)


def _expert_create(
    *,
    by: User,
    expert: ExpertProfile,
    values: dict[str, Any],
    specialties: list[Specialty],
    acting_unit_code: str,
) -> ExpertProfile:
    """Save a new listing; its audit names what differs from an empty listing, like a change does."""
    changes = {
        field: (getattr(expert, field), value)
        for field, value in values.items()
        if getattr(expert, field) != value
    }
    for field, value in values.items():
        setattr(expert, field, value)
    expert.full_clean(exclude=["specialties", "user"], validate_constraints=False)
    expert.save()
    expert.specialties.set(specialties)
    changes["specialties"] = ([], sorted(s.code for s in specialties))
    audit.record(
        action="organisation.expert.create",
        actor=by,
        acting_unit_code=acting_unit_code,
        target=expert,
        payload=_expert_payload(expert, changes),
    )
    return expert_get(expert.pk)


@transaction.atomic
def expert_deactivate(*, by: User, expert: ExpertProfile, reason: str = "") -> ExpertProfile:
    """Take an expert off the pool (the listing stays, unlisted); 409 if it already is unlisted."""
    expert = _lock_expert(expert)
    acting_unit_code = _require_editor(by, expert.unit)
    if not expert.is_active:
        raise Conflict(_("The expert is already off the pool."), current_state="unlisted")
    expert.is_active = False
    expert.save(update_fields=["is_active", "updated_at"])
    audit.record(
        action="organisation.expert.deactivate",
        actor=by,
        acting_unit_code=acting_unit_code,
        target=expert,
        payload={
            "name": expert.display_name,
            "unit": expert.unit.code if expert.unit_id else "",
            "reason": reason,
        },
    )
    return expert_get(expert.pk)


# --- services: liaison officers -------------------------------------------------------------------


def _open_primary_exists(unit: Unit, starting: date, *, exclude_pk=None) -> bool:
    # An assignment whose last day is the new one's first day does not clash: a handover day.
    return (
        LiaisonAssignment.objects.filter(unit=unit, role=LiaisonRole.PRIMARY)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=starting))
        .exclude(pk=exclude_pk)
        .exists()
    )


def _contacts_required(*, phone: str, mobile: str) -> None:
    if not (phone or mobile):
        raise ValidationError(
            {
                "phone": [
                    _("Give an office phone or a mobile number: the register is for reaching the officer.")
                ]
            }
        )


@transaction.atomic
def liaison_assign(
    *,
    by: User,
    unit: Unit,
    user: User,
    role: str = LiaisonRole.PRIMARY,
    phone: str = "",
    mobile: str = "",
    email: str = "",
    valid_from: date | None = None,
) -> LiaisonAssignment:
    """Name a unit's liaison officer or deputy, with contacts; a unit has one open liaison officer.

    Raise ValidationError on `role` when the unit already has an open liaison officer (end that
    assignment first), on `user` when the officer does not work in the unit or already serves it.
    """
    # The unit row lock makes two concurrent assignments queue, so the second sees the first.
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    acting_unit_code = _require_editor(by, unit)
    starting = valid_from or timezone.localdate()
    assignment = LiaisonAssignment(
        unit=unit,
        user=user,
        role=role,
        phone=(phone or "").strip(),
        mobile=(mobile or "").strip(),
        email=(email or "").strip(),
        valid_from=starting,
    )
    if role not in LiaisonRole.values:
        raise ValidationError({"role": [_("Choose liaison officer or deputy.")]})
    if (
        not user.is_active
        or not Membership.objects.current().operational().filter(user=user, unit=unit).exists()
    ):
        raise ValidationError({"user": [_("The officer does not work in that unit.")]})
    if (
        LiaisonAssignment.objects.filter(unit=unit, user=user)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=starting))
        .exists()
    ):
        raise ValidationError({"user": [_("The officer already serves this unit in the register.")]})
    if role == LiaisonRole.PRIMARY and _open_primary_exists(unit, starting):
        raise ValidationError(
            {
                "role": [
                    _("The unit already has a liaison officer; end that assignment first, or add a deputy.")
                ]
            }
        )
    _contacts_required(phone=assignment.phone, mobile=assignment.mobile)
    assignment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        # The partial unique index is the last word if a row slipped past the checks.
        raise ValidationError(
            {
                "role": [
                    _("The unit already has a liaison officer; end that assignment first, or add a deputy.")
                ]
            }
        ) from None
    audit.record(
        action="organisation.liaison.assign",
        actor=by,
        acting_unit_code=acting_unit_code,
        target=assignment,
        payload={"unit": unit.code, "user": user.get_username(), "role": role, "valid_from": starting},
    )
    return liaison_get(assignment.pk)


def _lock_assignment(assignment: LiaisonAssignment) -> LiaisonAssignment:
    locked = (
        LiaisonAssignment.objects.select_for_update(of=("self",))
        .select_related("unit", "user")
        .filter(pk=assignment.pk)
        .first()
    )
    if locked is None:
        raise Http404(_("No liaison assignment has this number."))
    return locked


def _ended(assignment: LiaisonAssignment, today: date) -> bool:
    return assignment.valid_to is not None and assignment.valid_to < today


@transaction.atomic
def liaison_update(
    *, by: User, assignment: LiaisonAssignment, phone: str = KEEP, mobile: str = KEEP, email: str = KEEP
) -> LiaisonAssignment:
    """Change an assignment's contact details; 409 once it has ended.

    Through core.workflow.model_update: audit `organisation.liaison.update`, each change from and to.
    """
    assignment = _lock_assignment(assignment)
    acting_unit_code = _require_editor(by, assignment.unit)
    if _ended(assignment, timezone.localdate()):
        raise Conflict(_("The assignment has ended."), current_state="ended")
    given = {"phone": phone, "mobile": mobile, "email": email}
    values = {field: (value or "").strip() for field, value in given.items() if value is not KEEP}
    _contacts_required(
        phone=values.get("phone", assignment.phone), mobile=values.get("mobile", assignment.mobile)
    )
    model_update(
        instance=assignment,
        values=values,
        by=by,
        action="update",
        audit_action="organisation.liaison.update",
        acting_unit_code=acting_unit_code,
        timeline=False,
        payload=lambda changes: {
            "unit": assignment.unit.code,
            "user": assignment.user.get_username(),
            "changes": {field: {"from": old, "to": new} for field, (old, new) in changes.items()},
        },
    )
    return liaison_get(assignment.pk)


@transaction.atomic
def liaison_end(
    *, by: User, assignment: LiaisonAssignment, valid_to: date | None = None, reason: str = ""
) -> LiaisonAssignment:
    """End an assignment on a day (today by default, its last day of service); 409 if it has ended."""
    assignment = _lock_assignment(assignment)
    acting_unit_code = _require_editor(by, assignment.unit)
    today = timezone.localdate()
    if _ended(assignment, today):
        raise Conflict(_("The assignment has already ended."), current_state="ended")
    last_day = valid_to or today
    if last_day < assignment.valid_from:
        raise ValidationError({"valid_to": [_("The last day cannot be before the first day.")]})
    assignment.valid_to = last_day
    assignment.save(update_fields=["valid_to"])
    audit.record(
        action="organisation.liaison.end",
        actor=by,
        acting_unit_code=acting_unit_code,
        target=assignment,
        payload={
            "unit": assignment.unit.code,
            "user": assignment.user.get_username(),
            "role": assignment.role,
            "valid_to": last_day,
            "reason": reason,
        },
    )
    return liaison_get(assignment.pk)
