"""Factories for cases and their facts; units come from the loaded organisation.

`CaseFactory(state=...)` builds a case directly in any state, with the number, acceptance time,
lead unit, filing time and party rows a case in that state has; services are tested by calling them.
"""

import datetime as dt

import factory
from django.utils import timezone

from cases.models import (
    Case,
    CaseLocation,
    CaseParty,
    CasePerson,
    CaseState,
    Gender,
    HandlingCode,
    IdType,
    LocationRole,
    Offence,
    PartyRole,
    PersonBankAccount,
    PersonPhone,
    PersonRole,
)
from core.identity import make_id_number
from organisation.models import Unit

# States in which the accepting unit leads unless told otherwise (jurisdiction not in question).
LED_STATES = frozenset(
    {
        CaseState.UNDER_INVESTIGATION,
        CaseState.SUSPENDED,
        CaseState.TRANSFERRED_FOR_PROSECUTION,
        CaseState.CLOSED,
    }
)
# Serials far above what the counter issues in a test, so a factory case never takes a real number.
FACTORY_SERIAL_START = 90000


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def offence(code: str = "telecom_fraud") -> Offence:
    """Return a seeded offence (re-created if a transactional test flushed the seed)."""
    found, _ = Offence.objects.get_or_create(code=code, defaults={"name": code, "name_en": code})
    return found


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    class Params:
        serial = factory.Sequence(lambda n: FACTORY_SERIAL_START + n)
        registered = factory.LazyAttribute(lambda o: o.state != CaseState.DRAFT)

    name = factory.Sequence(lambda n: f"{n % 12 + 1}·15 电信网络诈骗案")
    offence = factory.LazyFunction(offence)
    summary = "受害人在昆明被骗，嫌疑人居住在贵阳。"
    accepting_unit = factory.LazyFunction(lambda: unit("510107"))
    handling_code = HandlingCode.NORMAL
    state = CaseState.DRAFT
    number_year = factory.LazyAttribute(lambda o: timezone.localdate().year if o.registered else None)
    number_serial = factory.LazyAttribute(lambda o: o.serial if o.registered else None)
    number = factory.LazyAttribute(
        lambda o: f"A{o.accepting_unit.code}{o.number_year}{o.serial:05d}" if o.registered else ""
    )
    accepted_at = factory.LazyAttribute(lambda o: timezone.now() if o.registered else None)
    lead_unit = factory.LazyAttribute(lambda o: o.accepting_unit if o.state in LED_STATES else None)
    # A case investigated was filed (立案, MPS-2020 art 178) when its investigation started.
    filed_at = factory.LazyAttribute(lambda o: o.accepted_at if o.state in LED_STATES else None)

    @factory.post_generation
    def parties(obj, create, extracted, **kwargs):
        """Create the accepting and lead rows; `parties=[(unit, role), …]` adds more."""
        if not create:
            return
        CasePartyFactory(case=obj, unit=obj.accepting_unit, role=PartyRole.ACCEPTING)
        if obj.lead_unit_id:
            CasePartyFactory(case=obj, unit=obj.lead_unit, role=PartyRole.LEAD)
        for party_unit, role in extracted or ():
            CasePartyFactory(case=obj, unit=party_unit, role=role)


def id_number(region: str = "510107", birth_date: dt.date = dt.date(1990, 3, 7), sequence: int = 123) -> str:
    return make_id_number(region, birth_date, sequence)


class CasePersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CasePerson
        skip_postgeneration_save = True

    class Params:
        sequence = factory.Sequence(lambda n: n % 500 * 2 + 1)  # odd: male

    case = factory.SubFactory(CaseFactory)
    role = PersonRole.SUSPECT
    name = factory.Sequence(lambda n: f"嫌疑人{n}")
    gender = Gender.MALE
    birth_date = dt.date(1990, 3, 7)
    id_type = IdType.RESIDENT_ID
    id_number = factory.LazyAttribute(lambda o: id_number("520102", o.birth_date, o.sequence))
    household_division_code = "520102"
    household_unit = factory.LazyFunction(lambda: unit("520102"))
    household_address = "贵阳市南明区某街道"

    @factory.post_generation
    def phones(obj, create, extracted, **kwargs):
        """`phones=["13812345678", …]` gives the person those numbers (digits only)."""
        if create and extracted:
            PersonPhone.objects.bulk_create([PersonPhone(person=obj, number=number) for number in extracted])

    @factory.post_generation
    def bank_accounts(obj, create, extracted, **kwargs):
        """`bank_accounts=[("工商银行", "6222…"), …]`."""
        if create and extracted:
            PersonBankAccount.objects.bulk_create(
                [
                    PersonBankAccount(person=obj, bank=bank, account_number=number)
                    for bank, number in extracted
                ]
            )


class CaseLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseLocation

    case = factory.SubFactory(CaseFactory)
    role = LocationRole.VICTIM_LOSS
    division_code = "530102"
    division_unit = factory.LazyAttribute(lambda o: Unit.objects.filter(code=o.division_code).first())
    address = "昆明市五华区某小区"
    occurred = "2026-04-15"


class CasePartyFactory(factory.django.DjangoModelFactory):
    """A unit's part in a case (the row visibility reads): `CasePartyFactory(case=…, unit=…, role=…)`."""

    class Meta:
        model = CaseParty
        django_get_or_create = ("case", "unit", "role")

    case = factory.SubFactory(CaseFactory, state=CaseState.UNDER_INVESTIGATION)
    unit = factory.LazyFunction(lambda: unit("530100"))
    role = PartyRole.PROCEEDING
