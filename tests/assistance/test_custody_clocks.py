"""The clocks a person in hand sets off, by kind of request (MPS-2020 arts 80, 126, 127, 145, 200, 351).

传唤 and 拘传 are not custody: they have their own limits (12 hours, 24 by exception) and never start
the art 351 24-hour interrogation, which is for persons detained or arrested.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import CustodyEventKind
from cases.assistance_kinds import AssistanceKind
from core import deadline_rows
from core.models import DeadlineState
from tests.support.factories.assistance import draft_request, walk
from tests.support.personas import Cast

pytestmark = pytest.mark.django_db


def _clocks(request) -> dict[str, object]:
    """The request's clocks but the acknowledgement of receipt (met long before)."""
    return {
        row.rule_key: row
        for row in deadline_rows.deadlines_for(request).exclude(rule_key="acknowledge_receipt")
    }


def _record(by, request, kind, **values):
    values.setdefault("occurred_at", timezone.now() - dt.timedelta(minutes=30))
    return services.custody_event_record(by=by, request=request, kind=kind, **values)


def _in_hand(cast, kind):
    request = walk(draft_request(cast.investigator, kind=kind), cast, "in_progress")
    _record(cast.officer, request, CustodyEventKind.CAPTURE, place="昆明市盘龙区", person_name="张某")
    return request


@pytest.mark.parametrize(
    ("kind", "rule", "citation"),
    [
        (AssistanceKind.SUMMONS, "summons_duration", "MPS-2020 art 200 ¶1"),
        (AssistanceKind.COMPELLED_APPEARANCE, "compelled_appearance_duration", "MPS-2020 art 80 ¶1"),
    ],
)
def test_summons_and_compelled_appearance_are_not_custody_mps_2020_arts_80_200_351(kind, rule, citation):
    """No art 351 24-hour clock: the 12-hour limit of its own, ended by recording the end."""
    cast = Cast()
    request = _in_hand(cast, kind)
    clocks = _clocks(request)
    assert set(clocks) == {rule}
    assert clocks[rule].period == "12 hours" and clocks[rule].citation == citation
    assert clocks[rule].kind != "custody"
    assert clocks[rule].responsible_unit_code == request.requesting_unit.code
    _record(cast.investigator, request, CustodyEventKind.APPEARANCE_ENDED)
    assert _clocks(request)[rule].state == DeadlineState.MET


def test_compelled_appearance_extends_to_24_hours_with_a_county_level_head_mps_2020_art_80():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.COMPELLED_APPEARANCE)
    with pytest.raises(ValidationError) as refused:
        _record(cast.department_head, request, CustodyEventKind.APPEARANCE_EXTENDED, note="需要拘留")
    assert "第八十条" in str(refused.value.message_dict["kind"])
    with pytest.raises(ValidationError) as no_reason:
        _record(cast.unit_head, request, CustodyEventKind.APPEARANCE_EXTENDED)
    assert "note" in no_reason.value.message_dict
    _record(cast.unit_head, request, CustodyEventKind.APPEARANCE_EXTENDED, note="案情特别重大，需要拘留")
    clocks = _clocks(request)
    assert clocks["compelled_appearance_duration"].state == DeadlineState.CANCELLED
    extended = clocks["compelled_appearance_duration_extended"]
    assert extended.period == "24 hours" and extended.state == DeadlineState.RUNNING
    # Counted from the same arrival, not from the approval; never a second time (连续拘传).
    assert extended.started_at == clocks["compelled_appearance_duration"].started_at
    with pytest.raises(ValidationError):
        _record(cast.unit_head, request, CustodyEventKind.APPEARANCE_EXTENDED, note="再次延长")


def test_a_summons_extends_with_the_department_head_mps_2020_art_200():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.SUMMONS)
    with pytest.raises(ValidationError):
        _record(cast.investigator, request, CustodyEventKind.APPEARANCE_EXTENDED, note="需要拘留")
    _record(cast.department_head, request, CustodyEventKind.APPEARANCE_EXTENDED, note="需要拘留")
    assert _clocks(request)["summons_duration_extended"].state == DeadlineState.RUNNING


def test_out_of_area_detention_detention_centre_and_family_within_24_hours_mps_2020_arts_126_127_351():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.DETENTION)
    clocks = _clocks(request)
    assert set(clocks) == {
        "interrogation_on_behalf",
        "deliver_to_detention_centre",
        "notify_family_of_detention",
    }
    for rule, citation, side in [
        ("interrogation_on_behalf", "MPS-2020 art 351 ¶3", request.requested_unit.code),
        ("deliver_to_detention_centre", "MPS-2020 art 126 ¶2", request.requested_unit.code),
        ("notify_family_of_detention", "MPS-2020 art 127 ¶1", request.requesting_unit.code),
    ]:
        assert clocks[rule].citation == citation and clocks[rule].period == "24 hours"
        assert clocks[rule].kind == "custody" and clocks[rule].responsible_unit_code == side
    with pytest.raises(ValidationError) as no_place:
        _record(cast.officer, request, CustodyEventKind.DETENTION_CENTRE)
    assert "place" in no_place.value.message_dict
    _record(cast.officer, request, CustodyEventKind.DETENTION_CENTRE, place="昆明市第一看守所")
    _record(cast.investigator, request, CustodyEventKind.FAMILY_NOTIFIED, note="电话通知其妻")
    clocks = _clocks(request)
    assert clocks["deliver_to_detention_centre"].state == DeadlineState.MET
    assert clocks["notify_family_of_detention"].state == DeadlineState.MET
    assert clocks["interrogation_on_behalf"].state == DeadlineState.RUNNING


def test_overdue_detention_centre_delivery_escalates_in_hours_mps_2020_art_126():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.DETENTION)
    deadline = _clocks(request)["deliver_to_detention_centre"]
    times = deadline_rows.escalation_times(deadline)
    assert times[3] - deadline.due_at == dt.timedelta(hours=2)
    assert deadline_rows.deadline_scan(now=times[4] + dt.timedelta(minutes=1)) >= 1
    deadline.refresh_from_db()
    assert deadline.escalation_level == 4


def test_arrest_family_notice_or_its_exception_with_reason_mps_2020_art_145():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.ARREST)
    clocks = _clocks(request)
    assert set(clocks) == {"interrogation_on_behalf", "notify_family_of_arrest"}
    assert clocks["notify_family_of_arrest"].citation == "MPS-2020 art 145 ¶1"
    with pytest.raises(ValidationError) as no_reason:
        _record(cast.investigator, request, CustodyEventKind.FAMILY_NOT_NOTIFIED)
    assert "note" in no_reason.value.message_dict
    _record(cast.investigator, request, CustodyEventKind.FAMILY_NOT_NOTIFIED, note="家属下落不明，无法通知")
    assert _clocks(request)["notify_family_of_arrest"].state == DeadlineState.CANCELLED


def test_a_summons_has_no_detention_centre_or_family_notice_mps_2020_arts_126_127():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.SUMMONS)
    with pytest.raises(ValidationError) as refused:
        _record(cast.officer, request, CustodyEventKind.DETENTION_CENTRE, place="看守所")
    assert "kind" in refused.value.message_dict
    with pytest.raises(ValidationError):
        _record(cast.officer, _in_hand(cast, AssistanceKind.ARREST), CustodyEventKind.APPEARANCE_ENDED)
