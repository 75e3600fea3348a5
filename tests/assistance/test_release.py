"""Lifting a freeze and releasing seized or sealed property (MPS-2020 arts 233, 240, 241, 247).

A freeze is lifted with the approval of the head of the organ that approved it, who issues the
协助解除冻结财产通知书 (art 241); property found unrelated is released within 3 days (arts 233, 247),
a clock that escalates like every other.
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import PropertyMeasureKind
from cases.assistance_kinds import AssistanceKind, FreezeScope
from core import deadline_rows
from core.exceptions import Conflict, NotAllowed
from core.models import Deadline, DeadlineState
from core.workflow import timeline_for
from documents.models import Document, DocumentState
from organisation.models import Role
from tests.support.api import assert_error, token_client
from tests.support.factories.assistance import attach_all, case_in, draft_request, walk
from tests.support.factories.organisation import member
from tests.support.personas import Cast

pytestmark = pytest.mark.django_db


def _frozen(cast, request=None, kind=PropertyMeasureKind.DEPOSITS):
    request = request or walk(
        draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress"
    )
    return services.property_measure_record(
        by=cast.officer,
        request=request,
        kind=kind,
        target="6222 0000 0000 1234",
        institution="中国工商银行昆明分行",
        starts_on=timezone.localdate(),
    )


def _deadlines(measure):
    return {row.rule_key: row for row in deadline_rows.deadlines_for(measure)}


def test_lifting_a_freeze_needs_its_approver_and_issues_the_unfreeze_notice_mps_2020_art_241():
    cast = Cast()
    measure = _frozen(cast)
    # Not released on the officers' word alone: the release waits for the approval.
    with pytest.raises(Conflict):
        services.property_measure_release(by=cast.officer, measure=measure)
    with pytest.raises(ValidationError) as no_reason:
        services.property_measure_propose_release(by=cast.investigator, measure=measure)
    assert "reason" in no_reason.value.message_dict
    measure = services.property_measure_propose_release(
        by=cast.investigator, measure=measure, reason="已查明资金去向，不需要继续冻结"
    )
    assert measure.state == "release_proposed"
    for outsider in (cast.department_head, cast.requested_head, cast.officer):
        with pytest.raises(NotAllowed):
            services.property_measure_approve_release(by=outsider, measure=measure)
    measure = services.property_measure_approve_release(by=cast.unit_head, measure=measure)
    assert measure.state == "release_approved" and measure.release_approved_by == cast.unit_head
    notice = Document.objects.get(pk=measure.release_document_id)
    assert notice.kind == "property_unfreeze_notice" and notice.state == DocumentState.ISSUED
    assert notice.issuing_unit == measure.request.requesting_unit
    assert notice.data["property"] == measure.target and notice.data["recipient"] == "中国工商银行昆明分行"
    assert "property_release_approved" in [row.action for row in timeline_for(measure.request)]
    measure = services.property_measure_release(by=cast.officer, measure=measure)
    assert measure.state == "released"
    assert {row.state for row in _deadlines(measure).values()} == {DeadlineState.MET}


def test_a_freeze_a_city_level_head_approved_is_lifted_by_that_head_mps_2020_arts_239_241():
    cast = Cast()
    request = services.request_create(
        by=cast.investigator,
        case=case_in("510107"),
        requested_unit=cast.office(cast.requested).unit,
        kind=AssistanceKind.FREEZING,
        matters="冻结嫌疑人持有的公司股权",
        freeze_scope=FreezeScope.EQUITY_OR_INSURANCE,
    )
    attach_all(cast.investigator, request)
    request = services.request_transition(by=cast.investigator, request=request, name="submit")
    city_head = member("510100", Role.UNIT_HEAD)
    request = services.request_transition(by=city_head, request=request, name="approve")
    request = walk(request, cast, "in_progress")
    measure = _frozen(cast, request, kind=PropertyMeasureKind.EQUITY)
    measure = services.property_measure_propose_release(
        by=cast.investigator, measure=measure, reason="不需要"
    )
    with pytest.raises(NotAllowed):
        services.property_measure_approve_release(by=cast.unit_head, measure=measure)
    measure = services.property_measure_approve_release(by=city_head, measure=measure)
    assert Document.objects.get(pk=measure.release_document_id).issuing_unit.code == "510100"


def test_frozen_property_found_unrelated_is_lifted_within_3_days_with_the_approval_mps_2020_art_247():
    cast = Cast()
    measure = services.property_measure_found_unrelated(
        by=cast.officer, measure=_frozen(cast), reason="系案外人合法财产"
    )
    release = _deadlines(measure)["release_unrelated_frozen_property"]
    assert release.period == "3 days" and release.citation == "MPS-2020 art 247"
    measure = services.property_measure_propose_release(by=cast.officer, measure=measure, reason="与案件无关")
    measure = services.property_measure_approve_release(by=cast.unit_head, measure=measure)
    release.refresh_from_db()
    assert release.state == DeadlineState.RUNNING  # running until the release is recorded
    # Left unrecorded past its end, it escalates up to the common superior.
    times = deadline_rows.escalation_times(release)
    assert deadline_rows.deadline_scan(now=times[4]) >= 1
    release.refresh_from_db()
    assert release.escalation_level == 4
    services.property_measure_release(by=cast.officer, measure=measure)
    release.refresh_from_db()
    assert release.state == DeadlineState.MET


def test_sealed_property_found_unrelated_is_returned_within_3_days_mps_2020_art_233():
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.SEALING), cast, "in_progress")
    sealed = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="sealed",
        target="奔驰车 云A12345",
        starts_on=timezone.localdate(),
    )
    # Not released on the officers' word alone: the organ that approved the seal decides (our reading).
    with pytest.raises(Conflict):
        services.property_measure_release(by=cast.officer, measure=sealed, returned_to="车主")
    sealed = services.property_measure_found_unrelated(by=cast.officer, measure=sealed, reason="系他人车辆")
    clock = Deadline.objects.get(target_id=str(sealed.pk), rule_key="release_unrelated_seized_property")
    assert clock.period == "3 days" and clock.citation == "MPS-2020 art 233"
    sealed = services.property_measure_propose_release(by=cast.officer, measure=sealed, reason="与案件无关")
    sealed = services.property_measure_approve_release(by=cast.unit_head, measure=sealed)
    assert Document.objects.get(pk=sealed.release_document_id).kind == "sealing_release_decision"
    released = services.property_measure_release(by=cast.officer, measure=sealed, returned_to="车主王某")
    assert released.state == "released"
    clock.refresh_from_db()
    assert clock.state == DeadlineState.MET


def test_the_unfreeze_notice_is_hidden_from_an_uninvolved_province_mps_2020_art_241(qinghai_investigator):
    cast = Cast()
    measure = services.property_measure_propose_release(
        by=cast.investigator, measure=_frozen(cast), reason="不需要"
    )
    measure = services.property_measure_approve_release(by=cast.unit_head, measure=measure)
    url = f"/api/v1/documents/{measure.release_document_id}/"
    assert token_client(cast.investigator).get(url).status_code == 200
    assert_error(token_client(qinghai_investigator).get(url), 404, "not_found")
    base = f"/api/v1/assistance-requests/{measure.request_id}/property-measures/{measure.pk}"
    step = f"{base}/transitions/release/"
    assert_error(token_client(qinghai_investigator).post(step, {}, format="json"), 404, "not_found")
