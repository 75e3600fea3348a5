"""The telecom-fraud case of issue 5 and the officers of every unit its proceeding reaches."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from cases.models import CaseState, LocationRole
from documents import services as document_services
from documents.models import Document
from organisation.models import Role, Unit, User
from tests.factories.cases import CaseFactory, CaseLocationFactory, CasePersonFactory, unit
from tests.factories.organisation import member

WUHOU, CHENGDU, SICHUAN, MPS = "510107", "510100", "510000", "000000"
WUHUA, NANMING, YUZHONG = "530102", "520102", "500103"


@dataclass
class Office:
    """The officers of one unit who act in proceedings."""

    unit: Unit
    head: User
    legal: User
    investigator: User


def office(code: str, prefix: str) -> Office:
    return Office(
        unit=Unit.objects.get(code=code),
        head=member(code, Role.UNIT_HEAD, username=f"{prefix}_head"),
        legal=member(code, Role.LEGAL_OFFICER, username=f"{prefix}_legal", department_kind="legal"),
        investigator=member(code, Role.INVESTIGATOR, username=f"{prefix}_investigator"),
    )


@pytest.fixture
def offices(db) -> dict[str, Office]:
    names = {
        WUHOU: "wuhou",
        CHENGDU: "chengdu",
        SICHUAN: "sichuan",
        MPS: "mps",
        WUHUA: "wuhua",
        NANMING: "nanming",
        YUZHONG: "yuzhong",
    }
    return {code: office(code, prefix) for code, prefix in names.items()}


@pytest.fixture
def fraud_case(offices):
    """4·15: accepted in Chengdu, server in Chongqing, victims in Kunming, suspects living in Guiyang."""
    case = CaseFactory(
        name="4·15 电信网络诈骗案",
        accepting_unit=unit(WUHOU),
        state=CaseState.UNDER_INVESTIGATION,
        created_by=offices[WUHOU].investigator,
    )
    CaseLocationFactory(case=case, role=LocationRole.SERVER, division_code=YUZHONG, address="渝中区某机房")
    CaseLocationFactory(
        case=case,
        role=LocationRole.VICTIM_LOSS,
        division_code=WUHUA,
        victim_count=37,
        loss_amount=Decimal("1250000.00"),
    )
    CaseLocationFactory(
        case=case,
        role=LocationRole.VICTIM_LOSS,
        division_code=WUHOU,
        address="武侯区某小区",
        victim_count=2,
        loss_amount=Decimal("80000.00"),
    )
    CasePersonFactory(case=case, name="吉某某")
    CasePersonFactory(case=case, name="王某")
    return case


def walk_document(document: Document, offices_of_unit: Office) -> Document:
    """Take a drafted document through its chain up to approved (legal review, then the head)."""
    step = document_services.document_transition
    chain = document.approval_chain
    if "legal_review" in chain:
        step(document_id=document.pk, name="submit_for_review", by=offices_of_unit.head)
        step(document_id=document.pk, name="approve_review", by=offices_of_unit.legal)
    else:
        step(document_id=document.pk, name="submit_for_approval", by=offices_of_unit.head)
    step(document_id=document.pk, name="approve", by=offices_of_unit.head)
    document.refresh_from_db()
    return document
