"""Build the rules engine's input from a case: the one place where jurisdiction rules meet the ORM.

Read-only. A case costs a constant number of queries however many places and persons it has: the
places and persons come in one prefetch each (with their units joined), the accepting and lead
units in at most one more, the superiors that name a common superior in one, the charges in one,
and the grouping with the count of linked cases in one. The prefetch is
cached on the case instance as Django's own would be: a caller that already prefetched `locations`
and `persons` (with the same joins) pays nothing for them; re-read a case after editing its facts.
"""

from datetime import date

from django.db.models import Count, Prefetch, prefetch_related_objects
from django.utils import timezone

from cases.models import Case, CaseLocation, CasePerson
from cases.models import Charge as CaseCharge
from jurisdiction.rules import Analysis, CaseFacts, Charge, Person, Place, UnitRef, analyse
from organisation.models import PATH_SEPARATOR, Unit

_PLACES = Prefetch("locations", queryset=CaseLocation.objects.select_related("division_unit").order_by("id"))
_PERSONS = Prefetch(
    "persons",
    queryset=CasePerson.objects.select_related("household_unit", "habitual_unit").order_by("id"),
)
_CHARGES = Prefetch("charges", queryset=CaseCharge.objects.order_by("sort", "code"))


def unit_ref(unit: Unit | None) -> UnitRef | None:
    """Return the engine's view of a unit: code, name and materialised path."""
    if unit is None:
        return None
    return UnitRef(code=unit.code, name=unit.name, path=unit.path)


def judged_on(case: Case) -> date:
    """Return the date residence is judged on: the day the case was accepted, else today.

    A habitual residence counts when it had lasted a year by then (MPS-2020 art 16).
    """
    return timezone.localdate(case.accepted_at) if case.accepted_at else timezone.localdate()


def case_facts(case: Case, *, on: date | None = None) -> CaseFacts:
    """Return the facts of the case that bear on jurisdiction, read in a constant number of queries."""
    on = on or judged_on(case)
    prefetch_related_objects([case], _PLACES, _PERSONS, _CHARGES)
    _load_units(case)
    grouping, linked_cases = _grouping_and_links(case)
    places = tuple(
        Place(
            role=location.role,
            division_code=location.division_code,
            unit=unit_ref(location.division_unit),
            address=location.address,
            is_main=location.is_main,
            victim_count=location.victim_count,
            loss_amount=location.loss_amount,
            occurred=location.occurred,
        )
        for location in case.locations.all()
    )
    persons = tuple(
        Person(
            role=person.role,
            name=person.name,
            household_unit=unit_ref(person.household_unit),
            habitual_unit=unit_ref(person.habitual_unit),
            habitual_counts=person.habitual_residence_counts(on),
            household_division_code=person.household_division_code,
            habitual_division_code=person.habitual_division_code,
            household_address=person.household_address,
            habitual_address=person.habitual_address,
            habitual_since=person.habitual_since,
        )
        for person in case.persons.all()
    )
    accepting = unit_ref(case.accepting_unit)
    lead = unit_ref(case.lead_unit) if case.lead_unit_id else None
    named = [accepting, lead, *(place.unit for place in places)]
    for person in persons:
        named += [person.household_unit, person.habitual_unit]
    return CaseFacts(
        accepting_unit=accepting,
        accepted_on=timezone.localdate(case.accepted_at) if case.accepted_at else None,
        places=places,
        persons=persons,
        lead_unit=lead,
        superiors=_superiors([unit for unit in named if unit is not None]),
        case_name=case.name,
        case_number=case.number,
        charges=tuple(
            Charge(code=charge.code, name=charge.name, article=charge.article)
            for charge in case.charges.all()
        ),
        grouping=grouping,
        # 立案 decides whether a transfer is art 175's or art 184's (Case.is_filed, MPS-2020 art 178).
        is_filed=bool(getattr(case, "is_filed", False)),
        linked_cases=linked_cases,
    )


def case_analysis(case: Case, *, on: date | None = None) -> Analysis:
    """Return the jurisdiction analysis of the case (candidates, recommendation, factors, notes)."""
    return analyse(case_facts(case, on=on))


def _grouping_and_links(case: Case) -> tuple[str, int]:
    """Return the code of the case's offence grouping and how many cases are linked to it, in one query.

    Linked (MPS-2020 art 21 ¶2): another case sharing a suspect's identifier (a related-case match),
    or a case already merged into this one.
    """
    row = (
        Case.objects.filter(pk=case.pk)
        .annotate(
            linked=Count("related_matches__other_case", distinct=True),
            merged=Count("merged_cases", distinct=True),
        )
        .values_list("offence__code", "linked", "merged")
        .first()
    )
    if row is None:
        return "", 0
    code, linked, merged = row
    return code or "", linked + merged


def _cached(case: Case, name: str) -> bool:
    return Case._meta.get_field(name).is_cached(case)


def _load_units(case: Case) -> None:
    """Fetch the accepting and lead units in one query unless the caller already joined them."""
    wanted = {"accepting_unit": case.accepting_unit_id}
    if case.lead_unit_id:
        wanted["lead_unit"] = case.lead_unit_id
    missing = {name: pk for name, pk in wanted.items() if not _cached(case, name)}
    if not missing:
        return
    found = Unit.objects.in_bulk(set(missing.values()))
    for name, pk in missing.items():
        setattr(case, name, found[pk])


def _superiors(units: list[UnitRef]) -> tuple[UnitRef, ...]:
    """Return the ancestors of the units, so that the engine can name a common superior."""
    codes = {code for unit in units for code in unit.path.split(PATH_SEPARATOR)[:-1]}
    codes -= {unit.code for unit in units}
    if not codes:
        return ()
    return tuple(
        UnitRef(code=code, name=name, path=path)
        for code, name, path in Unit.objects.filter(code__in=codes)
        .order_by("code")
        .values_list("code", "name", "path")
    )
