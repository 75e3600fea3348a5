"""A controlled search to an expired grant, end to end (issue 7).

A Xining investigator searches a suspect's ID number for a stated case, sees a hit in a Chengdu
内部 case showing only its number and unit, asks for access, Chengdu grants it for 7 days, the case
opens, and after 7 days it no longer does.
"""

import datetime as dt

import pytest
from django.utils import timezone

from cases.access import services as access_services
from cases.models import AccessScope, CaseState, HandlingCode
from cases.search import services as search
from cases.selectors import case_visible_to
from core.identity import make_id_number
from core.models import AuditEvent
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, CasePersonFactory, unit
from tests.support.factories.organisation import member

pytestmark = pytest.mark.django_db


def test_xining_finds_a_chengdu_internal_case_is_granted_seven_days_and_loses_it_after():
    suspect_id = make_id_number("510104", dt.date(1988, 6, 1), 37)
    investigator = member("630100", Role.INVESTIGATOR, department_kind="criminal")
    own_case = CaseFactory(accepting_unit=unit("630100"), state=CaseState.UNDER_INVESTIGATION)
    CasePersonFactory(case=own_case, id_number=suspect_id, name="罗某某")
    chengdu_case = CaseFactory(
        accepting_unit=unit("510100"),
        state=CaseState.UNDER_INVESTIGATION,
        handling_code=HandlingCode.INTERNAL,
        name="成都某涉枪案",
    )
    CasePersonFactory(case=chengdu_case, id_number=suspect_id, name="罗某某")
    intake = member("510100", Role.INTAKE_OFFICER, department_kind="command")

    result = search.search(by=investigator, kind="id_number", query=suspect_id, purpose_case=own_case)
    [hit] = [h for h in result.hits if h["id"] == chengdu_case.pk]
    assert hit["hit_class"] == "minimal"
    assert set(hit) == {
        "id",
        "hit_class",
        "number",
        "unit_code",
        "unit_name",
        "request_access_url",
        "request_access_token",
    }
    assert hit["number"] == chengdu_case.number and hit["unit_code"] == "510100"
    assert AuditEvent.objects.filter(action="cases.search", actor_id=investigator.pk).count() == 1

    asked = access_services.access_request_create(
        case_id=chengdu_case.pk,
        by=investigator,
        reason="同一嫌疑人，需核对其在成都的涉案情况",
        purpose_case=own_case,
    )
    granted_at = timezone.now()
    access_services.access_request_transition(
        access_request=asked, name="grant", by=intake, scope=AccessScope.READ, days=7, now=granted_at
    )
    assert case_visible_to(investigator).filter(pk=chengdu_case.pk).exists()

    # Seven days on, the grant has run out by itself.
    grant = chengdu_case.access_grants.get()
    assert grant.expires_at == granted_at + dt.timedelta(days=7)
    grant.starts_at -= dt.timedelta(days=7, seconds=1)
    grant.expires_at -= dt.timedelta(days=7, seconds=1)
    grant.save(update_fields=["starts_at", "expires_at"])
    assert not case_visible_to(investigator).filter(pk=chengdu_case.pk).exists()
