"""Renewing a freeze before it expires (MPS-2020 art 240): through the API and the page.

The officers ask, the head who approved the freeze approves (tests/assistance/test_measure_approvals.py
has the approval's own rules); a head who asks renews at once.
"""

import datetime as dt

import pytest
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import AssistanceRequest, PropertyMeasure
from cases.assistance_kinds import AssistanceKind
from core.models import AuditEvent, DeadlineState
from core.workflow import timeline_for
from organisation.models import Role, Unit
from tests.support.api import assert_error, token_client
from tests.support.factories.assistance import draft_request, walk
from tests.support.factories.organisation import member
from tests.support.pages import flash_messages, page_client
from tests.support.personas import Cast

BASE = "/api/v1/assistance-requests/"


@pytest.fixture
def freeze(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    measure = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="deposits",
        target="6222 0000 1111",
        institution="工商银行昆明分行",
        starts_on=timezone.localdate() - dt.timedelta(days=170),
    )
    return cast, request, measure


def _measure_deadlines(measure):
    from core import deadline_rows

    return list(deadline_rows.deadlines_for(measure))


def test_renewal_through_the_api_meets_the_old_clock_and_starts_a_new_one(freeze):
    cast, request, old = freeze
    assert [d.state for d in _measure_deadlines(old)] == [DeadlineState.RUNNING]
    client = token_client(cast.investigator)
    url = f"{BASE}{request.pk}/property-measures/{old.pk}/renew/"
    asked = client.post(url, {}, format="json")
    assert asked.status_code == 202, asked.content
    assert asked.json()["state"] == "renewal_proposed"
    approve = f"{BASE}{request.pk}/property-measures/{old.pk}/transitions/approve_renewal/"
    assert token_client(cast.unit_head).post(approve, {}, format="json").status_code == 200
    body = token_client(cast.investigator).get(f"{BASE}{request.pk}/property-measures/").json()[-1]
    assert body["renewed_from"] == old.pk
    assert body["starts_on"] == old.expires_on.isoformat()
    assert body["state"] == "in_force"
    new = PropertyMeasure.objects.get(pk=body["id"])
    assert new.expires_on > old.expires_on + dt.timedelta(days=170)
    assert new.renewal_reminder_on is not None and old.expires_on < new.renewal_reminder_on < new.expires_on
    assert (new.target, new.institution, new.kind) == (old.target, old.institution, old.kind)
    old.refresh_from_db()
    assert old.state == "renewed"
    assert [d.state for d in _measure_deadlines(old)] == [DeadlineState.MET]
    assert [d.state for d in _measure_deadlines(new)] == [DeadlineState.RUNNING]
    assert AuditEvent.objects.filter(target_id=str(request.pk), action="assistance.property.renew").exists()
    assert "property_renewed" in [entry.action for entry in timeline_for(request)]
    # The old measure is spent: a second renewal of it lost the race (409); the new one renews on.
    again = client.post(url, {}, format="json")
    assert again.status_code == 409
    assert again.json()["current_state"] == "renewed"
    detail = client.get(f"{BASE}{request.pk}/").json()
    assert {m["state"] for m in detail["property_measures"]} == {"renewed", "in_force"}


def test_renewal_with_another_period_and_its_refusals(freeze, qinghai_investigator):
    cast, request, old = freeze
    url = f"{BASE}{request.pk}/property-measures/{old.pk}/renew/"
    assert_error(token_client(qinghai_investigator).post(url, {}, format="json"), 404, "not_found")
    client = token_client(cast.investigator)
    assert_error(client.post(url, {"kind": "sealed"}, format="json"), 400, "invalid")
    too_late = (old.expires_on + dt.timedelta(days=1)).isoformat()
    assert_error(client.post(url, {"starts_on": too_late}, format="json"), 400, "invalid")
    # A one-year period needs a city-level head's approval (MPS-2020 art 243 ¶2), which a request
    # approved for an ordinary freeze lacks; one approved for it renews into it.
    refused = assert_error(client.post(url, {"kind": "deposits_major"}, format="json"), 400, "invalid")
    assert set(refused["fields"]) == {"kind"}
    AssistanceRequest.objects.filter(pk=request.pk).update(
        freeze_scope="deposits_major", approval_unit=Unit.objects.get(code="510100")
    )
    response = client.post(url, {"kind": "deposits_major"}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["renewal_kind"] == "deposits_major"
    sealed = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="sealed",
        target="奔驰车 云A12345",
        starts_on=timezone.localdate(),
    )
    no_period = client.post(f"{BASE}{request.pk}/property-measures/{sealed.pk}/renew/", {}, format="json")
    assert_error(no_period, 400, "invalid")
    outsider = member("530100", Role.LEGAL_OFFICER, username="legal_530100")
    assert_error(
        token_client(outsider).post(
            f"{BASE}{request.pk}/property-measures/{response.json()['id']}/renew/", {}, format="json"
        ),
        403,
        "permission_denied",
    )


def test_a_lapsed_freeze_cannot_be_renewed_but_a_closed_request_can_renew(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    lapsed = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="deposits",
        target="6222 9",
        starts_on=timezone.localdate() - dt.timedelta(days=400),
    )
    live = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="securities",
        target="A股账户 0001",
        starts_on=timezone.localdate(),
    )
    request = walk(request, cast, "closed")
    client = token_client(cast.investigator)
    assert_error(
        client.post(f"{BASE}{request.pk}/property-measures/{lapsed.pk}/renew/", {}, format="json"),
        400,
        "invalid",
    )
    renewed = client.post(f"{BASE}{request.pk}/property-measures/{live.pk}/renew/", {}, format="json")
    assert renewed.status_code == 202, renewed.content


def test_renewal_from_the_page(freeze, qinghai_investigator):
    cast, request, old = freeze
    # The head who approved the freeze renews at once (MPS-2020 art 240).
    client = page_client(cast.unit_head)
    url = f"/assistance-requests/{request.pk}/property-measures/{old.pk}/renew/"
    page = client.get(f"/assistance-requests/{request.pk}/").content.decode()
    assert url in page
    assert page_client(qinghai_investigator).post(url, {}).status_code == 404
    response = client.post(url, {"starts_on": "", "kind": ""}, follow=True)
    assert response.status_code == 200
    renewed = PropertyMeasure.objects.get(renewed_from=old)
    assert renewed.starts_on == old.expires_on
    page = response.content.decode()
    assert renewed.expires_on.strftime("%Y-%m-%d") in page
    # Renewing the spent measure again says why and changes nothing.
    again = client.post(url, {}, follow=True)
    assert any("in force" in message or "有效" in message for message in flash_messages(again))
    assert PropertyMeasure.objects.filter(request=request).count() == 2
