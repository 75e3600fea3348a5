"""Reads of assistance requests: who may see one (`request_visible_to`), lists, detail, deadlines.

A unit sees a request it sent or received, or one referred to it; a unit above either sees it
too, except that for a case handled as 限制 only the units above the requesting side do. A request
shows its case, so on top of that the case must be visible to the user (`case_visible_to`,
handling code and access grants included): this is the request's one read rule
(cases.visibility, registered in cases/assistance/read_rules.py). Auditors and system
administrators see none. Everything else is 404.

A case seen only through an access grant is a grant use whenever a request of it is shown:
`request_get_visible` records it, and a list records it with `requests_shown` (issue 16).
"""

from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from cases.assistance import permissions as perms
from cases.assistance.models import (
    OPEN_STATES,
    AssistanceRequest,
    CustodyEvent,
    PropertyMeasure,
    RequestDocument,
    RequestReturn,
)
from cases.assistance_kinds import required_documents
from cases.models import HandlingCode
from cases.selectors import grant_uses_record
from cases.visibility import shown_cases_condition
from core import deadline_rows
from core.models import OPEN_DEADLINE_STATES, Deadline, DeadlineState
from core.workflow import timeline_for
from organisation.paths import strictly_below
from organisation.selectors import operational_memberships

TARGET_TYPE = "assistance.assistancerequest"


def _user_units(user) -> tuple[list[int], list[str]]:
    paths_by_unit = {unit_id: path for unit_id, path, _role, _dept in operational_memberships(user)}
    return sorted(paths_by_unit), sorted(set(paths_by_unit.values()))


def request_visible_to(user) -> QuerySet[AssistanceRequest]:
    """Return the requests the user may see; none for auditors and system administrators."""
    unit_ids, paths = _user_units(user)
    if not unit_ids:
        return AssistanceRequest.objects.none()
    above_requester = strictly_below(paths, "requesting_unit__path")
    above_requested = strictly_below(paths, "requested_unit__path")
    restricted = Q(case__handling_code=HandlingCode.RESTRICTED)
    # A request never sent (a draft, or one withdrawn before sending) stays on the requesting side.
    requested_side = (Q(requested_unit_id__in=unit_ids) | (~restricted & above_requested)) & Q(
        sent_at__isnull=False
    )
    condition = (
        Q(requesting_unit_id__in=unit_ids) | Q(referred_to_id__in=unit_ids) | above_requester | requested_side
    )
    # What the request shows of its case is what the user may see of the case, no more (issue 16).
    shown = shown_cases_condition(user, ("case",), model=AssistanceRequest)
    return AssistanceRequest.objects.filter(condition).filter(shown)


def requests_shown(user, requests, *, path: str):
    """Audit the showing of requests whose case only an access grant opens to the user; return them."""
    requests = list(requests)
    grant_uses_record(user, {request.case_id for request in requests}, path=path)
    return requests


def request_get_visible(user, pk, *, path: str = "") -> AssistanceRequest:
    """Return the request if the user may see it, with what the detail needs; Http404 otherwise.

    Showing it is a use of an access grant when only a grant opens its case (audited with `path`).
    """
    request = (
        request_visible_to(user)
        .select_related(
            "case",
            "requesting_unit",
            "requested_unit",
            "requesting_department",
            "approval_unit",
            "routed_department",
            "assignee",
            "created_by",
            "approved_by",
            "referred_to",
            "forwarded_from",
        )
        .prefetch_related(
            Prefetch("documents", queryset=RequestDocument.objects.select_related("uploaded_by")),
            Prefetch("returns", queryset=RequestReturn.objects.select_related("returned_by", "document")),
            Prefetch("custody_events", queryset=CustodyEvent.objects.select_related("recorded_by")),
            Prefetch("property_measures", queryset=PropertyMeasure.objects.all()),
            "subjects",
        )
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404
    grant_uses_record(user, [request.case_id], path=path)
    return request


def with_deadlines(
    requests: QuerySet[AssistanceRequest], *, overdue: bool = True
) -> QuerySet[AssistanceRequest]:
    """Annotate each request's nearest open deadline (`next_due_at`) and, if asked, whether one is overdue."""
    requests = requests.annotate(pk_text=Cast("pk", CharField()))
    open_deadlines = Deadline.objects.filter(
        target_type=TARGET_TYPE, target_id=OuterRef("pk_text"), state__in=OPEN_DEADLINE_STATES
    )
    requests = requests.annotate(next_due_at=open_deadlines.order_by("due_at").values("due_at")[:1])
    if overdue:
        running = open_deadlines.filter(state=DeadlineState.RUNNING, due_at__lte=timezone.now())
        requests = requests.annotate(is_overdue=Exists(running))
    return requests


def request_list_visible_to(
    user,
    *,
    state: str | None = None,
    kind: str | None = None,
    direction: str | None = None,
    unit: str | None = None,
    overdue: bool | None = None,
) -> QuerySet[AssistanceRequest]:
    """Return the visible requests for a list, filtered; a constant number of queries per page."""
    requests = request_visible_to(user).select_related(
        "case", "requesting_unit", "requested_unit", "assignee", "routed_department"
    )
    if state:
        requests = requests.filter(state=state)
    if kind:
        requests = requests.filter(kind=kind)
    unit_ids = sorted({unit_id for unit_id, _role, _dept in perms.memberships_of(user)})
    if direction == "incoming":
        requests = requests.filter(requested_unit_id__in=unit_ids)
    elif direction == "outgoing":
        requests = requests.filter(requesting_unit_id__in=unit_ids)
    if unit:
        requests = requests.filter(Q(requesting_unit__code=unit) | Q(requested_unit__code=unit))
    requests = with_deadlines(requests)
    if overdue is True:
        requests = requests.filter(is_overdue=True)
    elif overdue is False:
        requests = requests.filter(is_overdue=False)
    return requests


def request_deadlines(request: AssistanceRequest) -> list[Deadline]:
    """Return the request's deadlines and those of its property measures, soonest first."""
    rows = list(deadline_rows.deadlines_for(request))
    measure_ids = [str(measure.pk) for measure in request.property_measures.all()]
    if measure_ids:
        rows += list(
            Deadline.objects.filter(target_type="assistance.propertymeasure", target_id__in=measure_ids)
        )
    return sorted(rows, key=lambda row: (row.state not in OPEN_DEADLINE_STATES, row.due_at, row.pk))


def request_documents_status(request: AssistanceRequest) -> list[dict]:
    """Return each required document with the current copy, if any, and whether it is sound."""
    current = {doc.document_type: doc for doc in request.current_documents()}
    rows = []
    for spec in required_documents(request.kind):
        document = current.get(spec.type.value)
        if document is None:
            status = "missing"
        elif document.defect:
            status = "defective"
        else:
            status = "present"
        rows.append({"spec": spec, "document": document, "status": status})
    return rows


def request_timeline(request: AssistanceRequest):
    return list(timeline_for(request))


def request_inbox_queryset(user) -> QuerySet[AssistanceRequest]:
    return request_visible_to(user).filter(state__in=OPEN_STATES)
