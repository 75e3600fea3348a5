"""Factories for jurisdiction proceedings and their parties, written directly in any state."""

import factory

from cases.models import CaseState
from jurisdiction.models import JurisdictionProceeding, ProceedingKind, ProceedingParty, ProceedingState
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import UserFactory


class JurisdictionProceedingFactory(factory.django.DjangoModelFactory):
    """A dispute in consultation over a case held by its accepting unit; `parties=[code, …]` adds parties.

    Written directly: the case's state, party rows and the timeline are not touched (the services'
    `proceeding_open` does that; tests of it call it).
    """

    class Meta:
        model = JurisdictionProceeding
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory, state=CaseState.UNDER_INVESTIGATION)
    kind = ProceedingKind.DISPUTE
    state = ProceedingState.CONSULTING
    opened_by = factory.SubFactory(UserFactory)
    opening_unit = factory.LazyAttribute(lambda o: o.case.accepting_unit)
    holding_unit = factory.LazyAttribute(lambda o: o.opening_unit)
    reason = "犯罪地与犯罪嫌疑人居住地分属两地"

    @factory.post_generation
    def parties(obj, create, extracted, **kwargs):
        """Make the units with these codes parties, in this order, with no position yet."""
        if create:
            for code in extracted or ():
                ProceedingPartyFactory(proceeding=obj, unit=unit(code))


class ProceedingPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProceedingParty

    proceeding = factory.SubFactory(JurisdictionProceedingFactory)
    unit = factory.LazyFunction(lambda: unit("530102"))
