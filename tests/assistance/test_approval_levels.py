"""Whose head approves a property inquiry or freeze (MPS-2020 arts 238, 239, 243 ¶2).

The law names the head of an organ of a level, not a department head: a county-level or higher organ
for an inquiry or an ordinary freeze, a city-level one for equity, insurance rights or a one-year
deposit freeze, a provincial one for listed-company equity. A requesting unit of too low a level
sends the approval up to the head of its superior organ of that level, and the request says why.
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import PropertyMeasureKind
from cases.assistance_kinds import AssistanceKind, FreezeScope
from core.exceptions import NotAllowed
from core.inbox import inbox_for
from core.models import AuditEvent
from core.workflow import timeline_for
from organisation.models import Role
from tests.support.api import token_client
from tests.support.factories.assistance import attach_all, case_in, walk
from tests.support.factories.organisation import member
from tests.support.personas import Cast

pytestmark = pytest.mark.django_db
WUHOU, CHENGDU, SICHUAN = "510107", "510100", "510000"


def _submitted(cast, kind, scope=""):
    request = services.request_create(
        by=cast.investigator,
        case=case_in(WUHOU),
        requested_unit=cast.office(cast.requested).unit,
        kind=kind,
        matters="协助查询、冻结嫌疑人名下财产",
        freeze_scope=scope,
    )
    attach_all(cast.investigator, request)
    return services.request_transition(by=cast.investigator, request=request, name="submit")


def _approve(by, request):
    return services.request_transition(by=by, request=request, name="approve")


def test_a_property_inquiry_needs_the_organ_head_not_a_department_head_mps_2020_art_238():
    cast = Cast()
    request = _submitted(cast, AssistanceKind.PROPERTY_INQUIRY)
    assert request.approval_unit.code == WUHOU
    with pytest.raises(NotAllowed):
        _approve(cast.department_head, request)
    assert _approve(cast.unit_head, request).state == "approved"


def test_an_ordinary_freeze_is_approved_by_the_county_level_head_mps_2020_art_239():
    cast = Cast()
    request = _submitted(cast, AssistanceKind.FREEZING)
    assert request.freeze_scope == FreezeScope.DEPOSITS and request.approval_unit.code == WUHOU
    assert _approve(cast.unit_head, request).state == "approved"


@pytest.mark.parametrize(
    ("scope", "organ", "citation"),
    [
        (FreezeScope.EQUITY_OR_INSURANCE, CHENGDU, "MPS-2020 art 239 ¶2"),
        (FreezeScope.DEPOSITS_MAJOR, CHENGDU, "MPS-2020 art 243 ¶2"),
        (FreezeScope.LISTED_EQUITY, SICHUAN, "MPS-2020 art 239 ¶3"),
    ],
)
def test_a_freeze_the_law_gives_a_higher_head_routes_up_mps_2020_arts_239_243(scope, organ, citation):
    cast = Cast()
    request = _submitted(cast, AssistanceKind.FREEZING, scope)
    assert request.approval_unit.code == organ
    submitted = timeline_for(request).get(action="submit")
    assert citation in submitted.note and request.approval_unit.name in submitted.note
    event = AuditEvent.objects.get(target_id=str(request.pk), action="assistance.assistancerequest.submit")
    assert event.payload["approval"] == {
        "unit": organ,
        "level": event.payload["approval"]["level"],
        "rule": citation,
    }
    # The requesting county's own head is too low a level; a head of the needed level approves.
    with pytest.raises(NotAllowed):
        _approve(cast.unit_head, request)
    superior_head = member(organ, Role.UNIT_HEAD)
    assert any(
        item.kind == "assistance_request.approval" and item.object_id == str(request.pk)
        for item in inbox_for(superior_head)
    )
    assert not any(item.kind == "assistance_request.approval" for item in inbox_for(cast.unit_head))
    approved = _approve(superior_head, request)
    assert approved.state == "approved" and approved.approved_by == superior_head


def test_the_request_says_which_level_approves_and_why_mps_2020_art_239():
    cast = Cast()
    request = _submitted(cast, AssistanceKind.FREEZING, FreezeScope.EQUITY_OR_INSURANCE)
    body = token_client(cast.investigator).get(f"/api/v1/assistance-requests/{request.pk}/").json()
    assert body["approval_unit"]["code"] == CHENGDU
    assert "MPS-2020 art 239 ¶2" in body["approval_note"]
    assert body["freeze_scope"] == "equity_or_insurance"


def test_an_unknown_freeze_scope_is_refused_naming_the_field_mps_2020_art_239():
    cast = Cast()
    with pytest.raises(ValidationError) as refused:
        _submitted(cast, AssistanceKind.FREEZING, "gold")
    assert set(refused.value.message_dict) == {"freeze_scope"}


def test_a_one_year_deposit_freeze_needs_the_city_level_approval_mps_2020_art_243():
    cast = Cast()
    request = walk(_submitted(cast, AssistanceKind.FREEZING), cast, "in_progress")
    with pytest.raises(ValidationError) as refused:
        services.property_measure_record(
            by=cast.officer,
            request=request,
            kind=PropertyMeasureKind.DEPOSITS_MAJOR,
            target="6222 0000 0000 1234",
            starts_on=timezone.localdate(),
        )
    assert "第二百四十三条" in str(refused.value.message_dict["kind"])
