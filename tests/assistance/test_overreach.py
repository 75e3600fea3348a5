"""An act of the cooperating unit beyond the request is recorded on the request (MPS-2020 art 355)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.assistance.overreach import AUDIT_ACTION, may_record_overreach, overreach_record
from core.api import Conflict
from core.models import AuditEvent, TimelineEntry
from tests.support.api import token_client
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


def test_the_api_records_an_act_beyond_the_request_and_refuses_in_the_right_order_mps_2020_art_355(
    cast, qinghai_investigator
):
    """Art 355 through the API: 404 to a province that sees nothing, 403 to one who sees the request but
    records for no side, 409 before it is sent, 400 naming the field; then 201 with who, what and when."""
    draft = draft_request(cast.investigator)
    url = f"/api/v1/assistance-requests/{draft.pk}/overreach/"
    body = {"officer": "昆明市公安局民警张某", "act": "另行扣押了犯罪嫌疑人的车辆"}
    assert token_client(cast.investigator).post(url, body, format="json").status_code == 409
    request = walk(draft, cast, "in_progress")
    assert token_client(qinghai_investigator).post(url, {}, format="json").status_code == 404
    # The requested unit's intake officer sees the request but records for neither side: told so
    # before the (empty) body is read.
    assert token_client(cast.intake).post(url, {}, format="json").status_code == 403
    refused = token_client(cast.investigator).post(url, {"officer": "张某"}, format="json")
    assert refused.status_code == 400 and "act" in refused.json()["fields"]

    answer = token_client(cast.investigator).post(
        url, {**body, "acted_on": timezone.localdate().isoformat()}, format="json"
    )
    assert answer.status_code == 201, answer.content
    recorded = answer.json()
    assert recorded["officer"] == body["officer"] and recorded["act"] == body["act"]
    assert recorded["cooperating_unit"] == "530100" and recorded["citation"] == "MPS-2020 art 355"
    assert recorded["acted_on"] == timezone.localdate().isoformat() and recorded["recorded_at"]
    assert TimelineEntry.objects.filter(target_id=str(request.pk), action="overreach").count() == 1


def test_the_request_page_records_an_act_beyond_the_request_mps_2020_art_355(
    client, cast, qinghai_investigator
):
    request = walk(draft_request(cast.investigator), cast, "in_progress")
    page_url = reverse("assistance:detail", args=[request.pk])
    form_url = reverse("assistance:overreach", args=[request.pk])
    client.force_login(cast.investigator)
    assert form_url in client.get(page_url).content.decode()

    refused = client.post(form_url, {"officer": "张某", "act": ""}, follow=True)
    assert "超出协作请求范围" in refused.content.decode()
    assert not TimelineEntry.objects.filter(target_id=str(request.pk), action="overreach").exists()

    done = client.post(
        form_url, {"officer": "昆明市公安局民警张某", "act": "另行扣押了犯罪嫌疑人的车辆"}, follow=True
    )
    html = done.content.decode()
    assert "记录超出协作请求范围的行为（第三百五十五条）" in html and "另行扣押了犯罪嫌疑人的车辆" in html

    client.force_login(qinghai_investigator)
    assert client.post(form_url, {"officer": "x", "act": "y"}).status_code == 404
    client.force_login(cast.intake)  # sees the request, records for neither side: no form
    assert form_url not in client.get(page_url).content.decode()
