"""Reads of the shared registers: the expert pool (专家人才库) and the liaison register (联络员制度).

Both registers are shared directories (DESIGN.md "Visibility and security"): every signed-in user
reads them. Contact details are the exception: phones and e-mail addresses are shown only to users
with a current operational membership (may_see_contacts). Entries are kept by the unit they belong
to: its unit head or liaison officer, or those of any unit above it (editor_units, may_edit_unit).
"""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.models import (
    MINISTRY_CODE,
    PATH_SEPARATOR,
    Availability,
    ExpertProfile,
    LiaisonAssignment,
    Role,
    Specialty,
    Unit,
    User,
)
from organisation.selectors import memberships_current, user_may_read_case_data

# Who keeps a unit's register entries: its head and its liaison officer (and those of units above).
EDITOR_ROLES = (Role.UNIT_HEAD, Role.LIAISON_OFFICER)
_PROVINCE_CODE = re.compile(r"^(?P<prefix>[1-9][0-9])(0000)?$")


# --- who may do what ------------------------------------------------------------------------------


def may_see_contacts(user: User) -> bool:
    """Return whether the user is shown phones and e-mail addresses in the registers.

    The registers are readable by every signed-in user (DESIGN.md: shared directories), but contact
    details of officers are operational data: only a current operational membership shows them.
    Auditors and system administrators see names, titles, units and specialties only.
    """
    return user_may_read_case_data(user)


def editor_units(user: User) -> list[Unit]:
    """Return the units whose register entries (and those of their subtrees) the user may keep."""
    return [m.unit for m in memberships_current(user).filter(role__in=EDITOR_ROLES)]


def editor_unit_for(units: list[Unit], unit: Unit | None) -> Unit | None:
    """Return the editor unit nearest to `unit` that contains it, or None.

    An entry without a unit (there should be none, but the column allows it) belongs to the ministry.
    """
    fitting = [u for u in units if (u.code == MINISTRY_CODE if unit is None else u.contains(unit))]
    return max(fitting, key=lambda u: u.level, default=None)


def may_edit_unit(user: User, unit: Unit | None, *, units: list[Unit] | None = None) -> bool:
    """Return whether the user may keep register entries of the unit (pass `units` to save a query)."""
    units = editor_units(user) if units is None else units
    return editor_unit_for(units, unit) is not None


# --- selectors ------------------------------------------------------------------------------------


def province_path(code: str) -> str:
    """Return the path prefix of a province given by its code (51 or 510000); 400 on `region` otherwise."""
    match = _PROVINCE_CODE.match((code or "").strip())
    if match is None:
        raise ValidationError({"region": [_("Give a province by its code, e.g. 51 or 510000.")]})
    return f"{MINISTRY_CODE}{PATH_SEPARATOR}{match['prefix']}0000"


def _in_region(field: str, region: str) -> Q:
    """Match a unit (by the given relation prefix) that is the province or lies in its subtree."""
    prefix = province_path(region)
    return Q(**{f"{field}path": prefix}) | Q(**{f"{field}path__startswith": prefix + PATH_SEPARATOR})


def specialty_list() -> QuerySet[Specialty]:
    return Specialty.objects.order_by("sort", "code")


def _expert_queryset() -> QuerySet[ExpertProfile]:
    # One query for the rows (user and unit joined) and one for every row's specialties.
    return ExpertProfile.objects.select_related("user", "unit").prefetch_related(
        Prefetch("specialties", queryset=Specialty.objects.order_by("sort", "code"))
    )


def expert_list(
    *,
    specialty: str = "",
    region: str = "",
    availability: str | list[str] = "",
    q: str = "",
    active: bool | None = True,
) -> QuerySet[ExpertProfile]:
    """Return experts matching the search, by id (stable for cursor pagination).

    `specialty` is a specialty code; `region` a province code (the expert's unit lies under it);
    `availability` one value or a list; `q` part of a name, affiliation or title; `active` None for
    listed and unlisted alike.
    """
    experts = _expert_queryset()
    if active is not None:
        experts = experts.filter(is_active=active)
    if specialty:
        experts = experts.filter(
            Exists(
                ExpertProfile.specialties.through.objects.filter(
                    expertprofile_id=OuterRef("pk"), specialty__code=specialty
                )
            )
        )
    if region:
        experts = experts.filter(_in_region("unit__", region))
    if availability:
        values = [availability] if isinstance(availability, str) else list(availability)
        if bad := [value for value in values if value not in Availability.values]:
            raise ValidationError(
                {"availability": [_("Unknown availability: %(v)s.") % {"v": ", ".join(bad)}]}
            )
        experts = experts.filter(availability__in=values)
    if q := (q or "").strip():
        experts = experts.filter(
            Q(user__full_name__icontains=q)
            | Q(external_name__icontains=q)
            | Q(affiliation__icontains=q)
            | Q(title__icontains=q)
        )
    return experts.order_by("id")


def expert_get(pk) -> ExpertProfile:
    """Return one expert, listed or not; Http404 if there is none."""
    expert = _expert_queryset().filter(pk=pk).first()
    if expert is None:
        raise Http404(_("No expert has this number."))
    return expert


def _current(on: date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def liaison_list(
    *, region: str = "", unit: Unit | None = None, current: bool = True, on: date | None = None
) -> QuerySet[LiaisonAssignment]:
    """Return liaison assignments, current ones on a day (today) unless `current` is False, by id."""
    assignments = LiaisonAssignment.objects.select_related("unit", "user")
    if current:
        assignments = assignments.filter(_current(on or timezone.localdate()))
    if region:
        assignments = assignments.filter(_in_region("unit__", region))
    if unit is not None:
        assignments = assignments.filter(unit=unit)
    return assignments.order_by("id")


def liaison_get(pk) -> LiaisonAssignment:
    assignment = LiaisonAssignment.objects.select_related("unit", "user").filter(pk=pk).first()
    if assignment is None:
        raise Http404(_("No liaison assignment has this number."))
    return assignment


def liaisons_of(unit: Unit, *, on: date | None = None) -> list[LiaisonAssignment]:
    """Return the unit's current liaison officer(s), primary before deputy, in one query.

    Used to suggest whom to call about an assistance request sent to the unit.
    """
    return list(
        LiaisonAssignment.objects.filter(_current(on or timezone.localdate()), unit=unit)
        .select_related("user", "unit")
        .order_by("-role", "valid_from", "id")  # "primary" sorts after "deputy": reversed.
    )
