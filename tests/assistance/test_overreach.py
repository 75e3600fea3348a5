"""An act of the cooperating unit beyond the request is recorded on the request (MPS-2020 art 355)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.assistance.overreach import AUDIT_ACTION, may_record_overreach, overreach_record
from core.api import Conflict
from core.models import AuditEvent, TimelineEntry
from tests.support.factories.assistance import draft_request, walk


def test_an_act_beyond_the_request_is_recorded_with_who_and_what_mps_2020_art_355(cast, qinghai_investigator):
    draft = draft_request(cast.investigator)
    with pytest.raises(Conflict):  # nobody has acted on a request not yet sent
        overreach_record(request=draft, by=cast.investigator, officer="张某", act="x")
    request = walk(draft, cast, "in_progress")
    assert may_record_overreach(request, cast.investigator)
    assert not may_record_overreach(request, qinghai_investigator)
    with pytest.raises(PermissionDenied):
        overreach_record(request=request, by=qinghai_investigator, officer="张某", act="x")
    with pytest.raises(ValidationError) as refused:
        overreach_record(request=request, by=cast.investigator, officer=" ", act="")
    assert set(refused.value.message_dict) == {"officer", "act"}
    with pytest.raises(ValidationError, match="acted_on"):
        overreach_record(
            request=request,
            by=cast.investigator,
            officer="张某",
            act="x",
            acted_on=timezone.localdate() + dt.timedelta(days=1),
        )

    entry = overreach_record(
        request=request,
        by=cast.investigator,
        officer="昆明市公安局民警张某",
        act="请求仅为调取银行流水，协作民警另行扣押了犯罪嫌疑人的车辆",
        acted_on=timezone.localdate(),
    )
    # Who (the cooperating unit's officer) and what, on the request's timeline and in the audit trail.
    assert entry.action == "overreach" and entry.actor_id == cast.investigator.pk
    assert entry.data["cooperating_unit"] == "530100" and entry.data["officer"] == "昆明市公安局民警张某"
    assert "扣押" in entry.data["act"] and entry.data["citation"] == "MPS-2020 art 355"
    assert TimelineEntry.objects.filter(target_id=str(request.pk), action="overreach").count() == 1
    event = AuditEvent.objects.get(action=AUDIT_ACTION)
    assert event.actor_id == cast.investigator.pk and event.acting_unit_code == "510107"
    request.refresh_from_db()
    assert request.state == "in_progress"  # the work goes on
