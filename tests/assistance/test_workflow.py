"""The assistance-request state machine through the single service path."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.assistance import services
from cases.assistance.models import AssistanceRequest, Defect, RequestDocument, RequestReturn
from cases.assistance_kinds import AssistanceKind, DocumentType
from cases.models import CaseParty, PartyRole
from core.api import Conflict
from core.models import AuditEvent, OutboxMessage
from core.workflow import available_transitions, timeline_for
from tests.support.factories.assistance import attach_all, draft_request, scan, walk


def _actions(request):
    return [entry.action for entry in timeline_for(request)]


def test_main_path_to_closed_writes_audit_timeline_and_case_party(cast):
    request = draft_request(cast.investigator)
    assert request.number.startswith("R510107")
    request = walk(request, cast, "closed")
    assert request.routed_department.kind == "criminal"
    assert request.assignee == cast.officer
    assert request.results
    assert _actions(request) == [
        "create",
        *["upload_document"] * 4,
        "submit",
        "approve",
        "send",
        "receive",
        "accept",
        "route",
        "assign",
        "start",
        "fulfil",
        "close",
    ]
    assert AuditEvent.objects.filter(
        target_id=str(request.pk), action="assistance.assistancerequest.send"
    ).exists()
    assert CaseParty.objects.filter(
        case=request.case, unit=request.requested_unit, role=PartyRole.REQUESTED
    ).exists()


def test_numbers_are_per_requesting_unit_and_year(cast):
    first = draft_request(cast.investigator)
    second = draft_request(cast.investigator, case=first.case)
    assert int(second.number[-5:]) == int(first.number[-5:]) + 1
    assert first.number[:11] == second.number[:11]


def test_a_request_missing_a_document_cannot_be_sent_and_the_error_names_it(cast):
    request = draft_request(cast.investigator)
    attach_all(cast.investigator, request, skip=[DocumentType.CASE_FILING_DECISION])
    walk(request, cast, "approved")
    with pytest.raises(ValidationError) as error:
        services.request_transition(by=cast.investigator, request=request, name="send")
    message = " ".join(error.value.message_dict["documents"])
    assert "立案决定书" in message
    request.refresh_from_db()
    assert request.state == "approved"


def test_coercive_kinds_need_the_unit_head(cast):
    request = draft_request(cast.investigator, kind=AssistanceKind.DETENTION)
    attach_all(cast.investigator, request)
    services.request_transition(by=cast.investigator, request=request, name="submit")
    with pytest.raises(PermissionDenied):
        services.request_transition(by=cast.department_head, request=request, name="approve")
    request = services.request_transition(by=cast.unit_head, request=request, name="approve")
    assert request.approved_by == cast.unit_head


def test_return_names_document_and_defect_and_resubmission_keeps_history(cast):
    request = walk(draft_request(cast.investigator), cast, "received")
    with pytest.raises(ValidationError):
        services.request_transition(by=cast.intake, request=request, name="return_request", reason="不全")
    with pytest.raises(ValidationError):
        services.request_transition(
            by=cast.intake,
            request=request,
            name="return_request",
            fields={"defects": [{"document_type": "", "defect": "unsigned"}]},
        )
    request = services.request_transition(
        by=cast.intake,
        request=request,
        name="return_request",
        reason="立案决定书未签章",
        fields={"defects": [{"document_type": DocumentType.CASE_FILING_DECISION, "defect": Defect.UNSIGNED}]},
    )
    assert request.state == "returned"
    returned = RequestReturn.objects.get(request=request)
    assert returned.document.document_type == DocumentType.CASE_FILING_DECISION
    assert returned.defect == Defect.UNSIGNED
    # The defective scan now counts as missing: resubmitting without a new one is refused.
    with pytest.raises(ValidationError):
        services.request_transition(by=cast.investigator, request=request, name="resubmit")
    services.request_document_upload(
        by=cast.investigator,
        request=request,
        document_type=DocumentType.CASE_FILING_DECISION,
        number="武公（刑）立字〔2026〕88号",
        issued_on=returned.document.issued_on,
        file=scan(),
    )
    request = services.request_transition(by=cast.investigator, request=request, name="resubmit")
    assert request.state == "sent"
    assert request.resubmission_count == 1
    old = RequestDocument.objects.get(pk=returned.document_id)
    assert old.superseded_by is not None and old.defect == Defect.UNSIGNED
    request = walk(request, cast, "accepted")
    actions = _actions(request)
    assert actions.count("send") == 1 and actions.count("receive") == 2
    assert actions.index("return_request") < actions.index("replace_document") < actions.index("resubmit")
    assert AssistanceRequest.objects.count() == 1


def test_notice_is_acknowledged_not_accepted(cast):
    request = walk(
        draft_request(cast.investigator, kind=AssistanceKind.WORK_IN_AREA_NOTICE), cast, "received"
    )
    offered = set(available_transitions(request, cast.intake))
    assert "acknowledge" in offered and not offered & {"accept", "return_request", "request_clarification"}
    with pytest.raises(Conflict):
        services.request_transition(by=cast.intake, request=request, name="accept")
    request = services.request_transition(by=cast.intake, request=request, name="acknowledge")
    assert request.state == "acknowledged"


def test_withdraw_needs_a_reason_and_is_refused_after_fulfilment(cast):
    request = walk(draft_request(cast.investigator), cast, "in_progress")
    with pytest.raises(ValidationError):
        services.request_transition(by=cast.investigator, request=request, name="withdraw")
    fulfilled = walk(request, cast, "fulfilled")
    with pytest.raises(Conflict):
        services.request_transition(by=cast.investigator, request=fulfilled, name="withdraw", reason="x")


def test_a_stale_expected_state_is_a_conflict(cast):
    request = walk(draft_request(cast.investigator), cast, "sent")
    with pytest.raises(Conflict) as conflict:
        services.request_transition(
            by=cast.intake, request=request, name="receive", expected_state="approved"
        )
    assert conflict.value.current_state == "sent"


def test_dispute_is_referred_to_the_common_superior_whose_head_decides_mps_2020_art_356(cast):
    from organisation.models import Role
    from tests.support.factories.organisation import member

    request = walk(draft_request(cast.investigator), cast, "received")
    request = services.request_transition(
        by=cast.intake, request=request, name="dispute", reason="此事不属本地管辖"
    )
    assert request.state == "disputed" and request.disputed_by_unit.code == "530100"
    request = services.request_transition(by=cast.unit_head, request=request, name="refer")
    assert request.referred_to.code == "000000"
    ministry_legal = member("000000", Role.LEGAL_OFFICER, username="mps_legal")
    ministry_head = member("000000", Role.UNIT_HEAD, username="mps_head")
    with pytest.raises(PermissionDenied):
        services.request_transition(by=cast.unit_head, request=request, name="decide_proceed", reason="x")
    # Art 356: the superior organ decides, with its head's approval; its legal officer alone may not.
    with pytest.raises(PermissionDenied):
        services.request_transition(by=ministry_legal, request=request, name="decide_proceed", reason="x")
    request = services.request_transition(
        by=ministry_head, request=request, name="decide_proceed", reason="请昆明市局依法协助"
    )
    assert request.state == "accepted" and request.decision


def test_forwarding_a_lead_drafts_a_linked_request_and_tells_the_third_unit(cast):
    from organisation.models import Role, Unit
    from tests.support.factories.organisation import member

    guiyang_intake = member(
        "520100", Role.INTAKE_OFFICER, username="guiyang_intake", department_kind="command"
    )
    request = walk(draft_request(cast.investigator), cast, "in_progress")
    lead = services.request_forward_lead(
        by=cast.officer, request=request, to_unit=Unit.objects.get(code="520100"), matters="发现贵阳窝点线索"
    )
    assert lead.forwarded_from == request
    assert lead.requesting_unit.code == "530100" and lead.state == "draft"
    assert OutboxMessage.objects.filter(idempotency_key__contains=f":{guiyang_intake.pk}").exists()
    assert "forward_lead" in _actions(request)


def test_inbox_shows_each_step_to_the_person_who_must_act(cast):
    from core.inbox import inbox_for

    def kinds(user):
        return {item.kind for item in inbox_for(user) if item.object_type == "assistance.assistancerequest"}

    request = walk(draft_request(cast.investigator), cast, "awaiting_approval")
    assert kinds(cast.department_head) == {"assistance_request.approval"}
    request = walk(request, cast, "sent")
    assert kinds(cast.intake) == {"assistance_request.intake"}
    items = [item for item in inbox_for(cast.intake) if item.kind == "assistance_request.intake"]
    assert items[0].due_at is not None
    request = walk(request, cast, "routed")
    assert kinds(cast.requested_head) == {"assistance_request.routing"}
    request = walk(request, cast, "assigned")
    assert kinds(cast.officer) == {"assistance_request.assigned"}
    request = walk(request, cast, "fulfilled")
    assert kinds(cast.investigator) == {"assistance_request.confirm"}
