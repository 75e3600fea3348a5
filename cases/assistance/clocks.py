"""The legal clocks of an assistance request, as core.deadline_rows rows.

Clocks run from receipt (issue 3 §5): receipt meets the acknowledgement deadline and starts the
completion deadline the kind's rule sets (identity checks: 7 days, 15 for a remote requested unit,
MPS-2020 art 353). The period runs from the receipt of a request whose formalities are complete: a
return cancels it and the new receipt after resubmission starts it afresh. Nothing pauses it (no
article allows it; 公通字〔2020〕6号 no. 4 forbids stalling): a question to the requester leaves it
running. A capture
starts the clocks of its kind (CAPTURE_CLOCKS: the art 351 24-hour interrogation for a person
detained or arrested, the 12-hour limit of a summons or compelled appearance, the detention centre
and the family notice); a freeze carries its expiry, with the scan's reminder before it.
"""

from django.utils import timezone

from cases.assistance.models import AssistanceRequest, CustodyEvent, PropertyMeasure
from cases.assistance_kinds import AssistanceKind
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


# What the person in hand (the capture event) starts, by kind of request, and which side answers for
# it. Summons and compelled appearance are not custody: their own limits (MPS-2020 arts 200, 80), not
# the art 351 24-hour interrogation, which is for persons detained or arrested. A detention out of
# area also delivers the person to the place of capture's detention centre (art 126 ¶2: the requested
# unit, whose area it is, answers for it) and the family is told within 24 hours (arts 127, 145: the
# requesting unit, which decided the measure and writes the notice).
CAPTURE_CLOCKS: dict[AssistanceKind, tuple[tuple[str, str], ...]] = {
    AssistanceKind.SUMMONS: (("summons_duration", "requesting"),),
    AssistanceKind.COMPELLED_APPEARANCE: (("compelled_appearance_duration", "requesting"),),
    AssistanceKind.DETENTION: (
        (CUSTODY_RULE, "requested"),
        ("deliver_to_detention_centre", "requested"),
        ("notify_family_of_detention", "requesting"),
    ),
    AssistanceKind.ARREST: ((CUSTODY_RULE, "requested"), ("notify_family_of_arrest", "requesting")),
}
# The limit of a summons or compelled appearance, and the longer one its extension sets.
APPEARANCE_LIMITS: dict[AssistanceKind, tuple[str, str]] = {
    AssistanceKind.SUMMONS: ("summons_duration", "summons_duration_extended"),
    AssistanceKind.COMPELLED_APPEARANCE: (
        "compelled_appearance_duration",
        "compelled_appearance_duration_extended",
    ),
}
FAMILY_RULES = ("notify_family_of_detention", "notify_family_of_arrest")
# What each later event of the follow-up meets.
EVENT_MEETS: dict[str, tuple[str, ...]] = {
    "collection": (CUSTODY_RULE,),
    "interrogation": (CUSTODY_RULE,),
    "detention_centre": ("deliver_to_detention_centre",),
    "family_notified": FAMILY_RULES,
    "appearance_ended": tuple(rule for pair in APPEARANCE_LIMITS.values() for rule in pair),
}


def _side(request: AssistanceRequest, side: str) -> str:
    return (request.requested_unit if side == "requested" else request.requesting_unit).code


def start_custody(request: AssistanceRequest, event: CustodyEvent) -> None:
    """Start the clocks the person in hand sets off for this kind of request (CAPTURE_CLOCKS)."""
    for rule_key, side in CAPTURE_CLOCKS.get(AssistanceKind(request.kind), ()):
        deadline_rows.deadline_start(
            target=request,
            rule_key=rule_key,
            start=event.occurred_at,
            responsible_unit_code=_side(request, side),
            requester_unit_code=request.requesting_unit.code,
        )


def _settle(request: AssistanceRequest, rule_keys, close) -> None:
    for rule_key in rule_keys:
        deadline = _open(request, rule_key)
        if deadline is not None:
            close(deadline=deadline)


def meet_custody(request: AssistanceRequest, event_kind: str = "collection") -> None:
    """Meet the clocks an event of the follow-up answers (EVENT_MEETS)."""
    _settle(request, EVENT_MEETS.get(event_kind, ()), deadline_rows.deadline_meet)


def family_not_notified(request: AssistanceRequest) -> None:
    """Drop the family-notice clock: the lawful exception applies (MPS-2020 arts 127, 145), on record."""
    _settle(request, FAMILY_RULES, deadline_rows.deadline_cancel)


def extend_appearance(request: AssistanceRequest, capture: CustodyEvent) -> None:
    """Replace the 12-hour limit by the 24-hour one, counted from the same arrival (MPS-2020 arts 80, 200)."""
    base, extended = APPEARANCE_LIMITS[AssistanceKind(request.kind)]
    _settle(request, (base,), deadline_rows.deadline_cancel)
    deadline_rows.deadline_start(
        target=request,
        rule_key=extended,
        start=capture.occurred_at,
        responsible_unit_code=request.requesting_unit.code,
        requester_unit_code=request.requesting_unit.code,
    )


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
