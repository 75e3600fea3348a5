"""Factories for documents, written directly (tests of drafting and issuing call the services)."""

import factory
from django.utils import timezone

from documents.models import Document, DocumentState
from tests.support.factories.cases import unit
from tests.support.factories.organisation import UserFactory


class DocumentFactory(factory.django.DjangoModelFactory):
    """A drafted transfer notice of Wuhou; `issued=True` gives an issued one with a number."""

    class Meta:
        model = Document

    class Params:
        issued = factory.Trait(
            state=DocumentState.ISSUED,
            number=factory.Sequence(lambda n: f"武公（刑）移字〔{timezone.localdate().year}〕{n + 1}号"),
            issued_at=factory.LazyFunction(timezone.now),
            issued_by=factory.SelfAttribute("created_by"),
        )

    kind = "case_transfer_notice"
    issuing_unit = factory.LazyFunction(lambda: unit("510107"))
    title = "移送案件通知书"
    data = factory.LazyFunction(dict)
    approval_chain = factory.LazyFunction(list)
    created_by = factory.SubFactory(UserFactory)
