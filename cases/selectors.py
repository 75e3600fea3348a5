"""Reads of cases: who may see a case (`case_visible_to`), who may hear of one (`case_discoverable_by`).

Every list, detail, export and download of case data starts from `case_visible_to(user)`; nothing
reads Case rows for a user any other way.
"""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cases.models import (
    Case,
    CaseAccessGrant,
    CaseLocation,
    CaseParty,
    CasePerson,
    CaseState,
    Charge,
    HandlingCode,
    Offence,
    PartyRole,
    PersonRole,
)
from core import audit
from organisation.paths import strictly_below
from organisation.standing import Standing, user_standing


def _party(**filters) -> QuerySet[CaseParty]:
    return CaseParty.objects.filter(case=OuterRef("pk"), **filters)


def _visibility_condition(user, standing: Standing) -> Q:
    """Build the condition on Case rows that the user may see; the standing must not be empty.

    - a party unit of the user's sees the case (drafts: only the accepting unit, the sole party);
    - a unit above a party sees a registered normal or internal case;
    - a unit above the lead unit (before there is one: the accepting unit) sees a restricted case.
    """
    unit_ids = standing.unit_ids
    below = strictly_below(standing.paths)
    involved = Exists(_party(unit_id__in=unit_ids))
    above_a_party = Exists(_party().filter(below))
    above_the_lead = Exists(_party(role=PartyRole.LEAD).filter(below)) | (
        Q(lead_unit__isnull=True) & Exists(_party(role=PartyRole.ACCEPTING).filter(below))
    )
    restricted = Q(handling_code=HandlingCode.RESTRICTED)
    superior = ~Q(state=CaseState.DRAFT) & ((~restricted & above_a_party) | (restricted & above_the_lead))
    condition = Q(involved) | superior
    granted = _granted(user)
    return condition if granted is None else condition | granted


def case_seen_by_units(standing: Standing) -> Q:
    """Return the condition on Case rows that the standing's units see on their own, no personal grant.

    For a question about units rather than a person: what an issued document may name for all its
    readers, whether a read needs a grant at all.
    """
    return _visibility_condition(None, standing)


def _granted(user) -> Q | None:
    """Return the condition for cases opened to the user by an explicit, expiring access grant.

    DESIGN.md "Visibility and security": a grant is personal and covers what the user's units do not.
    The expiry is part of the condition, so a grant stops opening its case at `expires_at` without
    anything running then. None without a user: `_visibility_condition(None, standing)` is the
    visibility of the user's units alone (see `grant_use_record`).
    """
    if user is None or getattr(user, "pk", None) is None:
        return None
    now = timezone.now()
    return Q(
        Exists(
            CaseAccessGrant.objects.filter(
                case=OuterRef("pk"),
                user_id=user.pk,
                revoked_at__isnull=True,
                starts_at__lte=now,
                expires_at__gt=now,
            )
        )
    )


def grant_uses_record(user, case_ids, *, path: str = "") -> dict[int, CaseAccessGrant]:
    """Audit each showing of a case that only an access grant allows (`cases.caseaccessgrant.use`).

    Return the grants used by case id; a case the user sees through their units anyway (or holds no
    active grant for) is no use. Two queries however many cases — one when no grant is among them —
    and one audit event per grant used.
    """
    ids = [pk for pk in case_ids if pk is not None]
    user_id = getattr(user, "pk", None)
    if not ids or user_id is None:
        return {}
    now = timezone.now()
    used: dict[int, CaseAccessGrant] = {}
    active = CaseAccessGrant.objects.filter(
        case_id__in=ids, user_id=user_id, revoked_at__isnull=True, starts_at__lte=now, expires_at__gt=now
    ).order_by("case_id", "-expires_at")
    for grant in active:
        used.setdefault(grant.case_id, grant)  # the longest-running grant of each case
    if not used:
        return {}
    standing = user_standing(user)
    if standing.unit_ids:
        seen_anyway = Case.objects.filter(_visibility_condition(None, standing), pk__in=list(used))
        for pk in seen_anyway.values_list("pk", flat=True):
            del used[pk]
    for case_id, grant in used.items():
        audit.record(
            action="cases.caseaccessgrant.use",
            actor=user,
            target=grant,
            payload={"case": case_id, "grant": grant.pk, "scope": grant.scope, "path": path},
        )
    return used


def cases_shown(user, cases, *, path: str) -> list[Case]:
    """Audit a list or page showing these cases (grant uses, as `grant_uses_record`); return them."""
    cases = list(cases or [])
    grant_uses_record(user, [case.pk for case in cases], path=path)
    return cases


def grant_use_record(user, case: Case, *, path: str = "") -> CaseAccessGrant | None:
    """Audit a showing of the case that only an access grant allows; return the grant used, or None."""
    return grant_uses_record(user, [case.pk], path=path).get(case.pk)


def case_visible_to(user) -> QuerySet[Case]:
    """Return the cases the user may see, each once; none for auditors and system administrators."""
    standing = user_standing(user)
    if not standing.unit_ids:
        return Case.objects.none()
    return Case.objects.filter(_visibility_condition(user, standing))


def case_discoverable_by(user) -> QuerySet[Case]:
    """Return the cases that cross-province search and related-case notices may mention to the user.

    Those the user may see, plus every registered normal or internal case; a restricted case never
    (a notice says only that a restricted match exists and whom to ask). What may be said of a
    discoverable case depends on its code: see `case_discovery_summary`.
    """
    standing = user_standing(user)
    if not standing.unit_ids:
        return Case.objects.none()
    mentionable = ~Q(state=CaseState.DRAFT) & ~Q(handling_code=HandlingCode.RESTRICTED)
    return Case.objects.filter(_visibility_condition(user, standing) | mentionable)


def case_discovery_summary(case: Case) -> dict:
    """Return what may be said of a case the user cannot see: by handling code (DESIGN.md).

    Normal: number, name, offence, owning unit; internal: only number and owning unit; restricted:
    only that a match exists and whom to ask (the owning unit).
    """
    owner = case.responsible_unit
    if case.handling_code == HandlingCode.NORMAL:
        return {
            "number": case.number,
            "name": case.name,
            "offence": case.offence.name if case.offence_id else "",
            "unit_code": owner.code,
            "unit_name": owner.name,
        }
    if case.handling_code == HandlingCode.INTERNAL:
        return {"number": case.number, "unit_code": owner.code, "unit_name": owner.name}
    return {"restricted": True, "unit_code": owner.code, "unit_name": owner.name}


def case_get_visible(user, pk) -> Case:
    """Return the case if the user may see it; raise Http404 otherwise (its existence stays hidden)."""
    case = (
        case_visible_to(user)
        .select_related("offence", "accepting_unit", "lead_unit", "created_by")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


def _count(model, **filters) -> Coalesce:
    counted = (
        model.objects.filter(case=OuterRef("pk"), **filters)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def case_list_visible_to(user) -> QuerySet[Case]:
    """Return the visible cases ready for a list or export: a constant number of queries per page.

    Each row carries the number of persons by role and of locations, and its suspects with their
    phones prefetched (lists show them masked).
    """
    suspects = CasePerson.objects.filter(role=PersonRole.SUSPECT).prefetch_related("phones").order_by("id")
    return (
        case_visible_to(user)
        .select_related("offence", "accepting_unit", "lead_unit")
        .annotate(
            persons_count=_count(CasePerson),
            suspects_count=_count(CasePerson, role=PersonRole.SUSPECT),
            victims_count=_count(CasePerson, role=PersonRole.VICTIM),
            locations_count=_count(CaseLocation),
        )
        .prefetch_related(Prefetch("persons", queryset=suspects, to_attr="suspects"))
    )


def case_detail_prefetch(case: Case) -> Case:
    """Load the case's locations, persons with their phones and accounts, and parties (five queries)."""
    case.location_list = list(case.locations.select_related("division_unit").order_by("id"))
    case.person_list = list(
        case.persons.select_related("household_unit", "habitual_unit")
        .prefetch_related("phones", "bank_accounts")
        .order_by("id")
    )
    case.party_list = list(case.parties.select_related("unit").order_by("id"))
    return case


def offence_list(*, include_inactive: bool = False) -> QuerySet[Offence]:
    offences = Offence.objects.all()
    return offences if include_inactive else offences.filter(is_active=True)


def charge_list(*, include_inactive: bool = False) -> QuerySet[Charge]:
    """Return the charges (罪名) in their display order, with their groupings joined."""
    charges = Charge.objects.select_related("group")
    return charges if include_inactive else charges.filter(is_active=True)
