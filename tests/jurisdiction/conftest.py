"""The telecom-fraud case of issue 5 and the officers of every unit its proceeding reaches."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases.models import CaseState, LocationRole
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, CasePersonFactory, unit
from tests.support.jurisdiction import office
from tests.support.personas import Office
from tests.support.units import CHENGDU, MPS, NANMING, SICHUAN, WUHOU, WUHUA, YUZHONG


@pytest.fixture
def offices(cast) -> dict[str, Office]:
    """The head, legal officer and investigator of each unit the proceeding reaches (`wuhou_head`, …)."""
    names = {
        WUHOU: "wuhou",
        CHENGDU: "chengdu",
        SICHUAN: "sichuan",
        MPS: "mps",
        WUHUA: "wuhua",
        NANMING: "nanming",
        YUZHONG: "yuzhong",
    }
    return {code: office(code, prefix, cast) for code, prefix in names.items()}


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
