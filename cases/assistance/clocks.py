"""The legal clocks of an assistance request, as core.deadline_rows rows.

Clocks run from receipt (issue 3 §5): receipt meets the acknowledgement deadline and starts the
completion deadline the kind's rule sets (identity checks: 7 days, 15 for a remote requested unit,
MPS-2020 art 353). The period runs from the receipt of a request whose formalities are complete: a
return cancels it and the new receipt after resubmission starts it afresh. Nothing pauses it (no
article allows it; 公通字〔2020〕6号 no. 4 forbids stalling): a question to the requester leaves it
running. A capture
starts the 24-hour custody clock (art 351), which never extends; a freeze carries its expiry, with
the scan's reminder before it.
"""

from django.utils import timezone

from cases.assistance.models import AssistanceRequest, CustodyEvent, PropertyMeasure
from core import deadline_rows
from core.models import OPEN_DEADLINE_STATES

ACKNOWLEDGE_RULE = "acknowledge_receipt"
CUSTODY_RULE = "interrogation_on_behalf"


def _open(target, rule_key: str):
    return deadline_rows.deadline_open(target=target, rule_key=rule_key)


def start_acknowledgement(request: AssistanceRequest) -> None:
    deadline_rows.deadline_start(
        target=request,
        rule_key=ACKNOWLEDGE_RULE,
        start=request.sent_at or timezone.now(),
        responsible_unit_code=request.requested_unit.code,
        requester_unit_code=request.requesting_unit.code,
        urgency=request.urgency,
    )


def meet_acknowledgement(request: AssistanceRequest) -> None:
    deadline = _open(request, ACKNOWLEDGE_RULE)
    if deadline is not None:
        deadline_rows.deadline_meet(deadline=deadline)


def start_completion(request: AssistanceRequest) -> None:
    rule_key = request.spec.completion_rule
    if not rule_key:
        return
    deadline_rows.deadline_start(
        target=request,
        rule_key=rule_key,
        start=request.received_at or timezone.now(),
        responsible_unit_code=request.requested_unit.code,
        requester_unit_code=request.requesting_unit.code,
        remote=request.requested_unit.is_remote,
        urgency=request.urgency,
    )


def _completion(request: AssistanceRequest):
    rule_key = request.spec.completion_rule
    return _open(request, rule_key) if rule_key else None


def meet_completion(request: AssistanceRequest) -> None:
    deadline = _completion(request)
    if deadline is not None:
        deadline_rows.deadline_meet(deadline=deadline)


def cancel_completion(request: AssistanceRequest) -> None:
    deadline = _completion(request)
    if deadline is not None:
        deadline_rows.deadline_cancel(deadline=deadline)


def set_department(request: AssistanceRequest) -> None:
    deadline = _completion(request)
    if deadline is not None and request.routed_department_id:
        deadline_rows.deadline_reassign(
            deadline=deadline, responsible_department_kind=request.routed_department.kind
        )


def set_assignee(request: AssistanceRequest) -> None:
    deadline = _completion(request)
    if deadline is not None:
        deadline_rows.deadline_reassign(deadline=deadline, assignee=request.assignee)


def start_custody(request: AssistanceRequest, event: CustodyEvent) -> None:
    deadline_rows.deadline_start(
        target=request,
        rule_key=CUSTODY_RULE,
        start=event.occurred_at,
        responsible_unit_code=request.requested_unit.code,
        requester_unit_code=request.requesting_unit.code,
    )


def meet_custody(request: AssistanceRequest) -> None:
    deadline = _open(request, CUSTODY_RULE)
    if deadline is not None:
        deadline_rows.deadline_meet(deadline=deadline)


def start_renewal_reminder(request: AssistanceRequest, measure: PropertyMeasure):
    """Run the measure's period to its expiry; the requester renews (art 240), so its drafter hears first."""
    return deadline_rows.deadline_start(
        target=measure,
        rule_key=measure.period_rule,
        start=PropertyMeasure.start_instant(measure.starts_on),
        responsible_unit_code=request.requesting_unit.code,
        requester_unit_code=request.requesting_unit.code,
        assignee=request.created_by,
    )


def start_release(request: AssistanceRequest, measure: PropertyMeasure, rule_key: str) -> None:
    deadline_rows.deadline_start(
        target=measure,
        rule_key=rule_key,
        start=measure.found_unrelated_at or timezone.now(),
        responsible_unit_code=request.requested_unit.code,
        requester_unit_code=request.requesting_unit.code,
    )


def cancel_measure(measure: PropertyMeasure) -> None:
    for deadline in deadline_rows.deadlines_for(measure).filter(state__in=OPEN_DEADLINE_STATES):
        deadline_rows.deadline_cancel(deadline=deadline)


def meet_measure(measure: PropertyMeasure) -> None:
    for deadline in deadline_rows.deadlines_for(measure).filter(state__in=OPEN_DEADLINE_STATES):
        deadline_rows.deadline_meet(deadline=deadline)


def cancel_all(request: AssistanceRequest) -> None:
    for deadline in deadline_rows.deadlines_for(request).filter(state__in=OPEN_DEADLINE_STATES):
        deadline_rows.deadline_cancel(deadline=deadline)
