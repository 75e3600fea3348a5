"""Writes on assistance requests: create, upload documents, take transitions, follow up, forward leads.

Every state change goes through core.workflow.run_transition (lock, check, transition, save,
audit, timeline); what a transition sets off elsewhere — the case party row, the deadline clocks,
notifications — happens in its `after` callback, inside the same transaction.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.assistance import clocks, documents_bridge
from cases.assistance import permissions as perms
from cases.assistance.case_bridge import case_may_request_assistance, case_party_requested
from cases.assistance.models import (
    DOCUMENTS_EDITABLE,
    PERIOD_RULES,
    RELEASE_FROZEN_RULE,
    RELEASE_RULES,
    RESULT_DOCUMENT_TYPE,
    AssistanceRequest,
    CustodyEvent,
    CustodyEventKind,
    Defect,
    PropertyMeasure,
    PropertyMeasureKind,
    PropertyMeasureState,
    RequestDocument,
    RequestNumberCounter,
    RequestReturn,
    RequestState,
)
from cases.assistance_kinds import KINDS, AssistanceKind, DocumentSource, DocumentType, Urgency
from cases.models import Case, CaseState
from core import audit, deadline_rows
from core.api import Conflict
from core.deadlines import last_day
from core.grading import InformationAccuracy, SourceReliability, grade_text
from core.models import EscalationLevel
from core.notifications import notify
from core.serials import next_serial
from core.uploads import validate_scan
from core.workflow import run_transition, timeline_add
from organisation.models import Department, Membership, Role, Unit, User
from organisation.selectors import common_superior

S = RequestState


def request_url(request: AssistanceRequest) -> str:
    return reverse("assistance-request-detail", args=[request.pk])


def _users_with_role(unit_id: int, *roles: str, department_id: int | None = None):
    memberships = Membership.objects.current().filter(unit_id=unit_id, role__in=roles)
    if department_id is not None:
        memberships = memberships.filter(department_id=department_id)
    return list(User.objects.filter(pk__in=memberships.values("user_id")))


def _requester_users(request: AssistanceRequest):
    """The drafter and the heads of the requesting department, who follow the request's fate."""
    users = {request.created_by_id: request.created_by}
    for user in _users_with_role(
        request.requesting_unit_id, Role.DEPARTMENT_HEAD, department_id=request.requesting_department_id
    ):
        users.setdefault(user.pk, user)
    return list(users.values())


def _acting_unit(request: AssistanceRequest, user, *prefer: str) -> str:
    """Name the unit the user acts for: the side the transition belongs to first."""
    held = {unit_id for unit_id, _role, _dept in perms.memberships_of(user)}
    units = {
        "requesting": request.requesting_unit,
        "requested": request.requested_unit,
        "referred": request.referred_to,
    }
    for side in (*prefer, "requesting", "requested", "referred"):
        unit = units.get(side)
        if unit is not None and unit.pk in held:
            return unit.code
    return ""


def _next_number(unit: Unit, year: int) -> str:
    return f"R{unit.code}{year}{next_serial(RequestNumberCounter, unit_id=unit.pk, year=year):05d}"


def _case_party_add(request: AssistanceRequest) -> None:
    """Let the requested unit see the case's basic data once a request reaches it (DESIGN.md visibility)."""
    case_party_requested(case=request.case, unit=request.requested_unit)


# --- the dispute guard (公安部"六个严禁", 公通字〔2020〕6号, 2020-06-03, no. 3) ------------------------

# No. 3 forbids sending officers into another area before a jurisdiction dispute is settled, first-response
# action excepted. DOMAIN.md has it from a secondary source only [S], hence the setting
# ASSISTANCE_DISPUTE_GUARD (on unless set to False).
DISPUTE_GUARD_RULE = "公通字〔2020〕6号 #3"
DISPUTE_GUARD_MESSAGE = _(
    "The jurisdiction of this case is in dispute: a unit other than the lead unit may not request a "
    "coercive measure, unless it is a first-response emergency and the reason is given "
    "(MPS “six prohibitions”, 公通字〔2020〕6号, no. 3)."
)
FIRST_RESPONSE_REASON_MESSAGE = _("Give the reason for the first-response emergency.")
# Checked again at each step, because the case may become disputed after the request was drafted.
GUARDED_TRANSITIONS = frozenset({"submit", "send", "resubmit"})


def first_response_clean(*, first_response_urgent: bool, reason: str) -> str:
    """Return the reason to store: required with the flag, dropped without it."""
    reason = (reason or "").strip()
    if not first_response_urgent:
        return ""
    if not reason:
        raise ValidationError({"first_response_reason": [FIRST_RESPONSE_REASON_MESSAGE]}, code="required")
    return reason


def guard_applies(*, case: Case, requesting_unit: Unit, kind: str) -> bool:
    """Return whether the dispute guard holds back a request of this kind from this unit on the case."""
    if not getattr(settings, "ASSISTANCE_DISPUTE_GUARD", True):
        return False
    # "Disputed" is the case's own state: the jurisdiction app sits above cases and is not consulted.
    # While disputed the lead may be unset, and then no unit is the lead.
    return (
        KINDS[AssistanceKind(kind)].coercive
        and case.state == CaseState.JURISDICTION_PENDING
        and case.lead_unit_id != requesting_unit.pk
    )


def guard_check(
    *, case: Case, requesting_unit: Unit, kind: str, first_response_urgent: bool, reason: str
) -> bool:
    """Refuse a coercive request from a unit other than the lead while the case's jurisdiction is disputed.

    Return True when the request goes through only as a first-response emergency (the caller audits
    that), False when the guard does not hold it back. A flag without a reason is always refused.
    """
    first_response_clean(first_response_urgent=first_response_urgent, reason=reason)
    if not guard_applies(case=case, requesting_unit=requesting_unit, kind=kind):
        return False
    if not first_response_urgent:
        raise ValidationError(
            {"first_response_urgent": [DISPUTE_GUARD_MESSAGE]}, code="jurisdiction_disputed"
        )
    return True


def _guard_exception_record(case: Case, reason: str) -> tuple[dict, str]:
    """Return the audit payload entry and the timeline note of a request let through as an emergency."""
    payload = {
        "first_response_exception": {
            "rule": DISPUTE_GUARD_RULE,
            "case_state": case.state,
            "lead_unit": case.lead_unit.code if case.lead_unit_id else None,
            "reason": reason,
        }
    }
    note = _(
        "First-response emergency while the jurisdiction is disputed (公通字〔2020〕6号 no. 3): %(reason)s"
    ) % {"reason": reason}
    return payload, str(note)


def _case_locked(case_id: int) -> Case:
    # Case transitions lock the case row first; taking it before the request's keeps the same order,
    # and the case cannot become disputed between the check and the commit.
    return Case.objects.select_for_update().get(pk=case_id)


# --- create and edit ---------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    by,
    case,
    requested_unit: Unit,
    kind: str,
    matters: str,
    urgency: str = Urgency.NORMAL,
    legal_basis: str = "",
    subjects: Iterable = (),
    requesting_unit: Unit | None = None,
    forwarded_from: AssistanceRequest | None = None,
    first_response_urgent: bool = False,
    first_response_reason: str = "",
) -> AssistanceRequest:
    """Draft a request from a case the user may see, on behalf of one of the user's units.

    A coercive request from a unit other than the lead of a disputed case is refused unless flagged
    as a first-response emergency with its reason (guard_check).
    """
    if requesting_unit is None:
        units = [
            unit_id for unit_id, role, _dept in perms.memberships_of(by) if role in perms.REQUESTER_ROLES
        ]
        if not units:
            raise PermissionDenied
        requesting_unit = Unit.objects.get(pk=units[0])
    if not perms.may_create_for(requesting_unit.pk, by):
        raise PermissionDenied
    if forwarded_from is None and not case_may_request_assistance(case=case, user=by):
        raise PermissionDenied
    if requested_unit.pk == requesting_unit.pk:
        raise ValidationError({"requested_unit": [_("A request must go to another unit.")]})
    if not requested_unit.is_active:
        raise ValidationError({"requested_unit": [_("The requested unit is no longer active.")]})
    kind = AssistanceKind(kind).value
    urgency = Urgency(urgency).value
    if not (matters or "").strip():
        raise ValidationError({"matters": [_("Say what the requested unit is asked to do.")]})
    first_response_urgent = bool(first_response_urgent)
    first_response_reason = first_response_clean(
        first_response_urgent=first_response_urgent, reason=first_response_reason
    )
    case = _case_locked(case.pk)
    let_through = guard_check(
        case=case,
        requesting_unit=requesting_unit,
        kind=kind,
        first_response_urgent=first_response_urgent,
        reason=first_response_reason,
    )
    department_id = next(
        (
            dept
            for unit_id, role, dept in perms.memberships_of(by)
            if unit_id == requesting_unit.pk and dept is not None
        ),
        None,
    )
    request = AssistanceRequest.objects.create(
        number=_next_number(requesting_unit, timezone.localdate().year),
        case=case,
        requesting_unit=requesting_unit,
        requesting_department_id=department_id,
        requested_unit=requested_unit,
        kind=kind,
        urgency=urgency,
        matters=matters.strip(),
        legal_basis=legal_basis.strip(),
        first_response_urgent=first_response_urgent,
        first_response_reason=first_response_reason,
        created_by=by,
        forwarded_from=forwarded_from,
    )
    subjects = list(subjects)
    if subjects:
        foreign = [person for person in subjects if person.case_id != case.pk]
        if foreign:
            raise ValidationError({"subjects": [_("Choose persons of this request's case.")]})
        request.subjects.set(subjects)
    payload = {
        "number": request.number,
        "kind": kind,
        "requested_unit": requested_unit.code,
        "first_response_urgent": first_response_urgent,
    }
    note = ""
    if let_through:
        exception, note = _guard_exception_record(case, first_response_reason)
        payload |= exception
    audit.record(
        action="assistance.assistancerequest.create",
        actor=by,
        acting_unit_code=requesting_unit.code,
        target=request,
        payload=payload,
    )
    timeline_add(
        instance=request,
        actor=by,
        acting_unit_code=requesting_unit.code,
        action="create",
        to_state=request.state,
        note=note,
        data={"forwarded_from": forwarded_from.number if forwarded_from else None}
        | ({"first_response_exception": payload["first_response_exception"]} if let_through else {}),
    )
    documents_bridge.drafts_create(request=request, by=by)
    return request


# A draft, or a request returned for defective formalities, may still be corrected by its requester.
EDITABLE_STATES = (S.DRAFT, S.RETURNED)
_UNSET: Any = object()


def _subject_names(persons) -> list[str]:
    return sorted(person.name for person in persons)


@transaction.atomic
def request_update(
    *,
    by,
    request: AssistanceRequest,
    kind: str = _UNSET,
    urgency: str = _UNSET,
    requested_unit: Unit = _UNSET,
    subjects: Iterable = _UNSET,
    matters: str = _UNSET,
    legal_basis: str = _UNSET,
    first_response_urgent: bool = _UNSET,
    first_response_reason: str = _UNSET,
) -> AssistanceRequest:
    """Correct a draft or returned request; only the fields given change, each change audited.

    The dispute guard is not applied here but at submission and sending, so a draft can always be
    corrected, e.g. by flagging it as a first-response emergency.
    """
    request = (
        AssistanceRequest.objects.select_for_update()
        .select_related("requesting_unit", "requested_unit")
        .get(pk=request.pk)
    )
    if not perms.may_act_as_requester(request, by):
        raise PermissionDenied
    if request.state not in EDITABLE_STATES:
        raise Conflict(_("Only a draft or a returned request can be edited."), current_state=request.state)
    returned = request.state == S.RETURNED
    changes: dict[str, list] = {}
    errors: dict[str, list] = {}

    if kind is not _UNSET:
        try:
            kind = AssistanceKind(kind).value
        except ValueError:
            errors["kind"] = [_("Not a known kind of assistance.")]
        else:
            if kind != request.kind:
                # A returned request goes straight back to the requested unit on resubmission, without a
                # fresh approval: changing what is asked for would bypass the approver (coercive kinds
                # need the unit head).
                if returned:
                    errors["kind"] = [
                        _("The kind of a returned request cannot change; withdraw it and draft a new one.")
                    ]
                else:
                    changes["kind"] = [request.kind, kind]
                    request.kind = kind
    if urgency is not _UNSET:
        try:
            urgency = Urgency(urgency).value
        except ValueError:
            errors["urgency"] = [_("Not a known urgency.")]
        else:
            if urgency != request.urgency:
                changes["urgency"] = [request.urgency, urgency]
                request.urgency = urgency
    if requested_unit is not _UNSET and requested_unit.pk != request.requested_unit_id:
        if returned:
            errors["requested_unit"] = [
                _(
                    "A returned request goes back to the unit that returned it; "
                    "draft a new one for another unit."
                )
            ]
        elif requested_unit.pk == request.requesting_unit_id:
            errors["requested_unit"] = [_("A request must go to another unit.")]
        elif not requested_unit.is_active:
            errors["requested_unit"] = [_("The requested unit is no longer active.")]
        else:
            changes["requested_unit"] = [request.requested_unit.code, requested_unit.code]
            request.requested_unit = requested_unit
    if matters is not _UNSET:
        matters = (matters or "").strip()
        if not matters:
            errors["matters"] = [_("Say what the requested unit is asked to do.")]
        elif matters != request.matters:
            changes["matters"] = [request.matters, matters]
            request.matters = matters
    if legal_basis is not _UNSET:
        legal_basis = (legal_basis or "").strip()
        if legal_basis != request.legal_basis:
            changes["legal_basis"] = [request.legal_basis, legal_basis]
            request.legal_basis = legal_basis
    if first_response_urgent is not _UNSET or first_response_reason is not _UNSET:
        flag = (
            request.first_response_urgent if first_response_urgent is _UNSET else bool(first_response_urgent)
        )
        text = request.first_response_reason if first_response_reason is _UNSET else first_response_reason
        try:
            text = first_response_clean(first_response_urgent=flag, reason=text)
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            before = {
                "first_response_urgent": request.first_response_urgent,
                "first_response_reason": request.first_response_reason,
            }
            after = {"first_response_urgent": flag, "first_response_reason": text}
            if before != after and returned:
                # Like the kind: the emergency is what the approver let through, and resubmission skips them.
                errors["first_response_urgent"] = [
                    _(
                        "The first-response flag and reason of a returned request cannot change; "
                        "withdraw it and draft a new one."
                    )
                ]
            else:
                for name, value in after.items():
                    if value != before[name]:
                        changes[name] = [before[name], value]
                        setattr(request, name, value)
    new_subjects = None
    if subjects is not _UNSET:
        new_subjects = list(subjects)
        if any(person.case_id != request.case_id for person in new_subjects):
            errors["subjects"] = [_("Choose persons of this request's case.")]
        else:
            before = list(request.subjects.all())
            if {p.pk for p in before} != {p.pk for p in new_subjects}:
                changes["subjects"] = [_subject_names(before), _subject_names(new_subjects)]
            else:
                new_subjects = None
    if errors:
        raise ValidationError(errors)
    if not changes:
        return request
    request.save()
    if new_subjects is not None:
        request.subjects.set(new_subjects)
    documents_bridge.drafts_refresh(request=request, by=by)
    unit_code = request.requesting_unit.code
    audit.record(
        action="assistance.assistancerequest.update",
        actor=by,
        acting_unit_code=unit_code,
        target=request,
        payload={"state": request.state, "changes": changes},
    )
    timeline_add(
        instance=request,
        actor=by,
        acting_unit_code=unit_code,
        action="update",
        note=", ".join(str(AssistanceRequest._meta.get_field(name).verbose_name) for name in changes),
        data={"fields": sorted(changes)},
    )
    return request


@transaction.atomic
def request_document_upload(
    *,
    by,
    request: AssistanceRequest,
    document_type: str,
    number: str,
    issued_on: dt.date,
    file,
    source_reliability: str = "",
    information_accuracy: int | None = None,
) -> RequestDocument:
    """Attach a scan with its number and date; it replaces the current one of the same type.

    The scan may carry the 4×4 grading of what it says (DOMAIN.md §4 [S]); both grades are optional.
    """
    request = AssistanceRequest.objects.select_for_update().get(pk=request.pk)
    is_result = document_type == RESULT_DOCUMENT_TYPE
    if is_result:
        if not perms.is_assignee(request, by):
            raise PermissionDenied
        if request.state != S.IN_PROGRESS:
            raise Conflict(
                _("Results can be attached only while the work is in progress."), current_state=request.state
            )
    else:
        if not perms.may_edit_documents(request, by):
            raise PermissionDenied
        if request.state not in DOCUMENTS_EDITABLE:
            raise ValidationError(
                _("Documents can be added only before the request is sent, or after it was returned.")
            )
        try:
            DocumentType(document_type)
        except ValueError:
            raise ValidationError({"document_type": [_("Not a known document.")]}) from None
    if not (number or "").strip():
        raise ValidationError({"number": [_("Give the document's number.")]})
    if issued_on is None:
        raise ValidationError({"issued_on": [_("Give the document's date of issue.")]})
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": [_("The date of issue cannot be in the future.")]})
    source_reliability = source_reliability or ""
    if source_reliability and source_reliability not in SourceReliability.values:
        raise ValidationError({"source_reliability": [_("Choose a source reliability grade: A, B, C or X.")]})
    if information_accuracy is not None and information_accuracy not in InformationAccuracy.values:
        raise ValidationError(
            {"information_accuracy": [_("Choose an information accuracy grade from 1 to 4.")]}
        )
    try:
        kind = validate_scan(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    previous = list(
        RequestDocument.objects.select_for_update().filter(
            request=request, document_type=document_type, superseded_by__isnull=True
        )
    )
    document = RequestDocument(
        request=request,
        document_type=document_type,
        source=DocumentSource.UPLOADED,
        number=number.strip(),
        issued_on=issued_on,
        content_type=kind.mime_type,
        uploaded_by=by,
        source_reliability=source_reliability,
        information_accuracy=information_accuracy,
    )
    file.name = f"scan.{kind.extension}"
    document.file.save(file.name, file, save=False)
    document.save()
    if previous and not is_result:
        RequestDocument.objects.filter(pk__in=[doc.pk for doc in previous]).update(superseded_by=document)
    unit_code = request.requested_unit.code if is_result else request.requesting_unit.code
    audit.record(
        action="assistance.requestdocument.upload",
        actor=by,
        acting_unit_code=unit_code,
        target=request,
        payload={
            "document": document.pk,
            "document_type": document_type,
            "number": document.number,
            "grade": grade_text(source_reliability, information_accuracy),
            "replaces": [doc.pk for doc in previous] if not is_result else [],
        },
    )
    timeline_add(
        instance=request,
        actor=by,
        acting_unit_code=unit_code,
        action="replace_document" if previous and not is_result else "upload_document",
        note=f"{document.get_document_type_display()} {document.number}",
        data={"document": document.pk, "document_type": document_type},
    )
    return document


# --- transitions -------------------------------------------------------------------------------

# Which side a transition is taken for, to name the acting unit in the audit trail.
_SIDE = {
    "submit": "requesting",
    "approve": "requesting",
    "reject": "requesting",
    "send": "requesting",
    "resubmit": "requesting",
    "answer": "requesting",
    "close": "requesting",
    "withdraw": "requesting",
    "receive": "requested",
    "request_clarification": "requested",
    "accept": "requested",
    "acknowledge": "requested",
    "return_request": "requested",
    "route": "requested",
    "assign": "requested",
    "start": "requested",
    "fulfil": "requested",
    "decide_proceed": "referred",
    "decide_withdraw": "referred",
}
TRANSITIONS = (
    "submit",
    "approve",
    "reject",
    "send",
    "receive",
    "request_clarification",
    "answer",
    "accept",
    "acknowledge",
    "return_request",
    "resubmit",
    "route",
    "assign",
    "start",
    "fulfil",
    "close",
    "dispute",
    "refer",
    "decide_proceed",
    "decide_withdraw",
    "withdraw",
)


def _validate_defects(request: AssistanceRequest, defects: Any) -> list[dict]:
    """Check each named defect: a required document of this request and a defect of the list (art 348)."""
    if not isinstance(defects, list | tuple) or not defects:
        raise ValidationError(
            {"defects": [_("A return must name the defective document and its defect (art 348).")]}
        )
    required = {t.value for t in KINDS[AssistanceKind(request.kind)].documents}
    current = {doc.document_type: doc for doc in request.current_documents()}
    cleaned = []
    for index, item in enumerate(defects):
        item = item if isinstance(item, dict) else {}
        document_type = item.get("document_type") or ""
        defect = item.get("defect") or ""
        explanation = (item.get("explanation") or "").strip()
        errors = {}
        if document_type not in required:
            errors["document_type"] = _("Name one of the documents this kind of request must carry.")
        if defect not in Defect.values:
            errors["defect"] = _("Name the defect: unsigned, wrong person, expired, missing, illegible, …")
        elif defect == Defect.OTHER and not explanation:
            errors["explanation"] = _("Describe the defect.")
        document = current.get(document_type)
        if not errors and defect != Defect.MISSING and document is None:
            errors["defect"] = _("This document is not attached; say it is missing.")
        if errors:
            raise ValidationError({"defects": [f"{index + 1}: {message}" for message in errors.values()]})
        cleaned.append(
            {
                "document_type": document_type,
                "defect": defect,
                "explanation": explanation,
                "document": document if defect != Defect.MISSING else None,
            }
        )
    return cleaned


@transaction.atomic
def request_transition(
    *,
    by,
    request_id: int,
    name: str,
    reason: str = "",
    expected_state: str | None = None,
    fields: dict[str, Any] | None = None,
) -> AssistanceRequest:
    """Take transition `name` through the single service path, with the effects it sets off."""
    if name not in TRANSITIONS:
        raise ValidationError({"name": [_("No such transition.")]})
    fields = dict(fields or {})
    # Read (not locked) to prepare arguments; run_transition locks and re-checks the state.
    request = AssistanceRequest.objects.select_related(
        "requesting_unit", "requested_unit", "referred_to", "case"
    ).get(pk=request_id)
    # Refuse someone who may not take the transition before judging their input (403 before 400);
    # run_transition checks again under the row lock.
    meta = getattr(AssistanceRequest, name)._django_fsm
    if meta.has_transition(request.state) and not meta.has_transition_perm(request, request.state, by):
        raise PermissionDenied
    arguments: dict[str, Any] = {"reason": reason}
    audit_payload: dict[str, Any] = {}
    if reason:
        audit_payload["reason"] = reason
    note = reason
    defects: list[dict] = []

    if name in GUARDED_TRANSITIONS:
        case = _case_locked(request.case_id)
        request = (
            AssistanceRequest.objects.select_for_update(of=("self",))
            .select_related("requesting_unit", "requested_unit", "referred_to", "case")
            .get(pk=request_id)
        )
        # A transition not available from the state the row is in now is run_transition's 409.
        if meta.has_transition(request.state) and guard_check(
            case=case,
            requesting_unit=request.requesting_unit,
            kind=request.kind,
            first_response_urgent=request.first_response_urgent,
            reason=request.first_response_reason,
        ):
            exception, guard_note = _guard_exception_record(case, request.first_response_reason)
            audit_payload |= exception
            note = " · ".join(filter(None, [reason, guard_note]))

    if name == "return_request":
        defects = _validate_defects(request, fields.get("defects"))
        arguments["defects"] = defects
        audit_payload["defects"] = [
            {k: v for k, v in item.items() if k != "document"}
            | {"document": item["document"].pk if item["document"] else None}
            for item in defects
        ]
    elif name == "route":
        department = fields.get("department")
        if department is not None and not isinstance(department, Department):
            department = Department.objects.filter(
                unit=request.requested_unit, kind=str(department), is_active=True
            ).first()
            if department is None:
                raise ValidationError(
                    {"department": [_("Choose an active department of the requested unit.")]}
                )
        arguments["department"] = department
        if department is not None:
            audit_payload["department"] = department.kind
    elif name == "assign":
        assignee = fields.get("assignee")
        if assignee is not None and not hasattr(assignee, "pk"):
            assignee = User.objects.filter(username=str(assignee), is_active=True).first()
            if assignee is None:
                raise ValidationError({"assignee": [_("No such officer.")]})
        arguments["assignee"] = assignee
        arguments["assignee_is_member"] = bool(
            assignee
            and Membership.objects.current()
            .operational()
            .filter(user=assignee, unit=request.requested_unit)
            .exists()
        )
        if assignee is not None:
            audit_payload["assignee"] = assignee.username
    elif name == "fulfil":
        arguments["results"] = fields.get("results") or ""
    elif name == "dispute":
        side = _acting_unit(request, by)
        arguments["unit"] = Unit.objects.filter(code=side).first()
    elif name == "refer":
        arguments["superior"] = common_superior([request.requesting_unit, request.requested_unit])
        audit_payload["superior"] = arguments["superior"].code

    if name in ("send", "resubmit") and perms.may_act_as_requester(request, by):
        # A generated document issued after the approval (completed by hand) counts once attached.
        documents_bridge.issued_attach(request=request, by=by)

    side = _SIDE.get(name)
    acting = _acting_unit(request, by, *([side] if side else []))

    def after(instance: AssistanceRequest, from_state: str, to_state: str) -> None:
        _after_transition(instance, name=name, by=by, from_state=from_state, defects=defects, reason=reason)

    result = run_transition(
        model=AssistanceRequest,
        pk=request_id,
        name=name,
        by=by,
        acting_unit_code=acting,
        expected_state=expected_state,
        arguments=arguments,
        note=note,
        audit_payload=audit_payload,
        after=after,
    )
    return result.instance


def _after_transition(request: AssistanceRequest, *, name: str, by, from_state: str, defects, reason):
    url = request_url(request)
    params = {"number": request.number, "kind": request.spec.label}
    key = f"assistance:{request.pk}:{name}:{request.resubmission_count}"
    if name in ("send", "resubmit"):
        _case_party_add(request)
        clocks.start_acknowledgement(request)
        notify(
            users=_users_with_role(request.requested_unit_id, Role.INTAKE_OFFICER),
            key=key,
            subject=_("Assistance request %(number)s received: %(kind)s"),
            body=_("A request waits for intake: check its formalities, then accept or return it."),
            url=url,
            params=params,
        )
    elif name == "approve":
        # The request's approval is its documents' approval: issue them now (numbers, render queued).
        documents_bridge.documents_issue(request=request, by=by)
    elif name == "submit":
        role = request.spec.approver_role
        approvers = _users_with_role(
            request.requesting_unit_id,
            role,
            department_id=request.requesting_department_id if role == Role.DEPARTMENT_HEAD else None,
        )
        notify(
            users=approvers,
            key=key,
            subject=_("Assistance request %(number)s awaits your approval"),
            url=url,
            params=params,
        )
    elif name == "receive":
        clocks.meet_acknowledgement(request)
        clocks.start_completion(request)
    elif name == "request_clarification":
        clocks.pause_completion(request)
        notify(
            users=_requester_users(request),
            key=f"{key}:{timezone.now().timestamp()}",
            subject=_("Assistance request %(number)s: the requested unit asks a question"),
            body=reason,
            url=url,
            params=params,
        )
    elif name == "answer":
        clocks.resume_completion(request)
        notify(
            users=_users_with_role(request.requested_unit_id, Role.INTAKE_OFFICER),
            key=f"{key}:{timezone.now().timestamp()}",
            subject=_("Assistance request %(number)s: the requester answered"),
            url=url,
            params=params,
        )
    elif name == "return_request":
        round_number = request.returns.values_list("round", flat=True).order_by("-round").first() or 0
        for item in defects:
            RequestReturn.objects.create(
                request=request,
                round=round_number + 1,
                document=item["document"],
                document_type=item["document_type"],
                defect=item["defect"],
                explanation=item["explanation"],
                returned_by=by,
            )
            if item["document"] is not None:
                RequestDocument.objects.filter(pk=item["document"].pk).update(defect=item["defect"])
        clocks.cancel_completion(request)
        notify(
            users=_requester_users(request),
            key=key,
            subject=_("Assistance request %(number)s was returned: a document is defective"),
            body=reason,
            url=url,
            params=params,
        )
    elif name == "accept":
        notify(
            users=_requester_users(request),
            key=key,
            subject=_("Assistance request %(number)s was accepted"),
            url=url,
            params=params,
        )
    elif name == "route":
        notify(
            users=_users_with_role(
                request.requested_unit_id, Role.DEPARTMENT_HEAD, department_id=request.routed_department_id
            ),
            key=key,
            subject=_("Assistance request %(number)s was routed to your department"),
            url=url,
            params=params,
        )
        clocks.set_department(request)
    elif name == "assign":
        clocks.set_assignee(request)
        notify(
            users=[request.assignee],
            key=f"{key}:{request.assignee_id}",
            subject=_("Assistance request %(number)s was assigned to you"),
            url=url,
            params=params,
        )
    elif name == "fulfil":
        clocks.meet_completion(request)
        notify(
            users=_requester_users(request),
            key=key,
            subject=_("Assistance request %(number)s was fulfilled; confirm to close it"),
            url=url,
            params=params,
        )
    elif name == "refer":
        notify(
            users=_users_with_role(request.referred_to_id, Role.UNIT_HEAD, Role.LEGAL_OFFICER),
            key=key,
            subject=_("A dispute over assistance request %(number)s was referred to your unit"),
            body=request.dispute_reason,
            url=url,
            params=params,
        )
    elif name == "dispute":
        other = (
            request.requested_unit_id
            if request.disputed_by_unit_id == request.requesting_unit_id
            else request.requesting_unit_id
        )
        notify(
            users=_users_with_role(other, Role.UNIT_HEAD, Role.LEGAL_OFFICER, Role.INTAKE_OFFICER),
            key=key,
            subject=_("Assistance request %(number)s is disputed"),
            body=reason,
            url=url,
            params=params,
        )
    if request.state in (S.CLOSED, S.WITHDRAWN, S.ACKNOWLEDGED):
        if request.state == S.ACKNOWLEDGED:
            clocks.meet_acknowledgement(request)
        clocks.cancel_all(request)


# --- forwarding a lead (art 349) ----------------------------------------------------------------


@transaction.atomic
def request_forward_lead(
    *,
    by,
    request: AssistanceRequest,
    to_unit: Unit,
    matters: str,
    kind: str = AssistanceKind.WORK_IN_AREA_NOTICE,
) -> AssistanceRequest:
    """Draft a new request from the unit working this one to a third unit the lead belongs to."""
    request = AssistanceRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != S.IN_PROGRESS or not perms.is_assignee(request, by):
        raise PermissionDenied
    if to_unit.pk in (request.requesting_unit_id, request.requested_unit_id):
        raise ValidationError({"to_unit": [_("Forward the lead to a third unit.")]})
    if not perms.may_create_for(request.requested_unit_id, by):
        raise PermissionDenied
    lead = request_create(
        by=by,
        case=request.case,
        requested_unit=to_unit,
        kind=kind,
        matters=matters,
        requesting_unit=request.requested_unit,
        forwarded_from=request,
    )
    timeline_add(
        instance=request,
        actor=by,
        acting_unit_code=request.requested_unit.code,
        action="forward_lead",
        note=matters,
        data={"lead": lead.number, "to_unit": to_unit.code},
    )
    notify(
        users=_users_with_role(to_unit.pk, Role.INTAKE_OFFICER, Role.UNIT_HEAD),
        key=f"assistance:{lead.pk}:lead",
        subject=_("A lead for your unit was found while working assistance request %(number)s"),
        body=matters,
        url="",
        params={"number": request.number},
    )
    return lead


# --- custody follow-up (art 351) ---------------------------------------------------------------

_FOLLOW_UP_STATES = (S.ACCEPTED, S.ROUTED, S.ASSIGNED, S.IN_PROGRESS, S.FULFILLED)


def _follow_up_request(request: AssistanceRequest, by, *, flag: str) -> AssistanceRequest:
    request = (
        AssistanceRequest.objects.select_for_update()
        .select_related("requesting_unit", "requested_unit")
        .get(pk=request.pk)
    )
    if not getattr(request.spec, flag):
        raise ValidationError(_("This kind of request has no such follow-up."))
    if not perms.may_record_follow_up(request, by):
        raise PermissionDenied
    if request.state not in _FOLLOW_UP_STATES:
        raise ValidationError(_("Follow-up is recorded once the request is accepted."))
    return request


@transaction.atomic
def custody_event_record(
    *,
    by,
    request: AssistanceRequest,
    kind: str,
    occurred_at: dt.datetime,
    place: str = "",
    officers: Iterable[str] = (),
    person_name: str = "",
    subject=None,
    note: str = "",
) -> CustodyEvent:
    """Record a capture, a collection (提解) or an interrogation on the requester's behalf."""
    request = _follow_up_request(request, by, flag="custody_follow_up")
    kind = CustodyEventKind(kind)
    officers = [name.strip() for name in officers if name and name.strip()]
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": [_("The time cannot be in the future.")]})
    captures = request.custody_events.filter(kind=CustodyEventKind.CAPTURE)
    if kind == CustodyEventKind.CAPTURE:
        if not (place or "").strip():
            raise ValidationError({"place": [_("Say where the person was captured.")]})
    else:
        if not captures.exists():
            raise ValidationError({"kind": [_("Record the capture first.")]})
        if kind == CustodyEventKind.COLLECTION and len(set(officers)) < 2:
            raise ValidationError(
                {"officers": [_("A suspect is collected by at least two named officers (MPS-2020 art 351).")]}
            )
    if subject is not None and subject.case_id != request.case_id:
        raise ValidationError({"subject": [_("Choose a person of this request's case.")]})
    event = CustodyEvent.objects.create(
        request=request,
        kind=kind,
        subject=subject,
        person_name=person_name.strip(),
        occurred_at=occurred_at,
        place=place.strip(),
        officers=officers,
        note=note.strip(),
        recorded_by=by,
    )
    unit_code = _acting_unit(request, by, "requested")
    audit.record(
        action=f"assistance.custody.{kind.value}",
        actor=by,
        acting_unit_code=unit_code,
        target=request,
        payload={"event": event.pk, "occurred_at": occurred_at, "place": event.place, "officers": officers},
    )
    timeline_add(
        instance=request,
        actor=by,
        acting_unit_code=unit_code,
        action=f"custody_{kind.value}",
        note=" · ".join(filter(None, [event.person_name, event.place, "、".join(officers)])),
        data={"event": event.pk},
    )
    if kind == CustodyEventKind.CAPTURE:
        # Art 351: the capturing unit tells the requester at once; the 24 h custody clock starts.
        notify(
            users=_requester_users(request),
            key=f"assistance:{request.pk}:capture:{event.pk}",
            subject=_(
                "Assistance request %(number)s: the person was captured; collect or ask for interrogation"
            ),
            body=_("Captured at %(time)s in %(place)s."),
            url=request_url(request),
            params={
                "number": request.number,
                "time": timezone.localtime(occurred_at).strftime("%Y-%m-%d %H:%M"),
                "place": event.place,
            },
        )
        clocks.start_custody(request, event)
    else:
        clocks.meet_custody(request)
    return event


# --- property follow-up (arts 233, 240, 243–247) ------------------------------------------------


def measure_expiry(kind: str, starts_on: dt.date) -> dt.date | None:
    """Return the last day of a measure of this kind starting on that day (None: no period)."""
    rule_key = PERIOD_RULES.get(PropertyMeasureKind(kind))
    if rule_key is None:
        return None
    return last_day(deadline_rows.rulebook()[rule_key].due(PropertyMeasure.start_instant(starts_on)))


@transaction.atomic
def property_measure_record(
    *,
    by,
    request: AssistanceRequest,
    kind: str,
    target: str,
    starts_on: dt.date,
    institution: str = "",
    amount: Decimal | None = None,
    renewed_from: PropertyMeasure | None = None,
) -> PropertyMeasure:
    """Record a freeze, seal or seizure with its period; a freeze gets a renewal reminder before expiry."""
    request = _follow_up_request(request, by, flag="property_follow_up")
    kind = PropertyMeasureKind(kind)
    if not (target or "").strip():
        raise ValidationError({"target": [_("Name the account or the object.")]})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})
    return _measure_create(
        by=by,
        request=request,
        kind=kind,
        target=target.strip(),
        institution=institution.strip(),
        amount=amount,
        starts_on=starts_on,
        renewed_from=renewed_from,
    )


def _measure_create(
    *,
    by,
    request: AssistanceRequest,
    kind: PropertyMeasureKind,
    target: str,
    institution: str,
    amount: Decimal | None,
    starts_on: dt.date,
    renewed_from: PropertyMeasure | None,
) -> PropertyMeasure:
    expires_on = measure_expiry(kind, starts_on)
    measure = PropertyMeasure.objects.create(
        request=request,
        kind=kind,
        target=target,
        institution=institution,
        amount=amount,
        starts_on=starts_on,
        expires_on=expires_on,
        renewed_from=renewed_from,
        recorded_by=by,
    )
    if renewed_from is not None:
        # Renewed in time: the old period's clock is met, not abandoned (art 240).
        PropertyMeasure.objects.filter(pk=renewed_from.pk).update(state=PropertyMeasureState.RENEWED)
        clocks.meet_measure(renewed_from)
    if expires_on is not None:
        deadline = clocks.start_renewal_reminder(request, measure)
        # The periodic scan reminds the requester this long before expiry (core.deadline_rows).
        remind_at = deadline_rows.escalation_times(deadline)[EscalationLevel.REMINDED]
        measure.renewal_reminder_on = timezone.localtime(remind_at).date()
        measure.save(update_fields=["renewal_reminder_on"])
    unit_code = _acting_unit(request, by, "requested")
    renewal = renewed_from is not None
    audit.record(
        action="assistance.property.renew" if renewal else "assistance.property.record",
        actor=by,
        acting_unit_code=unit_code,
        target=request,
        payload={
            "measure": measure.pk,
            "kind": kind.value,
            "target": measure.target,
            "starts_on": starts_on,
            "expires_on": expires_on,
            "renewed_from": renewed_from.pk if renewal else None,
        },
    )
    timeline_add(
        instance=request,
        actor=by,
        acting_unit_code=unit_code,
        action="property_renewed" if renewal else "property_measure",
        note=f"{measure.get_kind_display()} {measure.target}"
        + (f" → {expires_on:%Y-%m-%d}" if renewal and expires_on else ""),
        data={
            "measure": measure.pk,
            "expires_on": expires_on,
            "renewed_from": renewed_from.pk if renewal else None,
        },
    )
    return measure


# A freeze outlives the request that carried it out: it may be renewed after the request is closed.
_RENEWAL_STATES = (*_FOLLOW_UP_STATES, S.CLOSED)


@transaction.atomic
def property_measure_renew(
    *,
    by,
    measure: PropertyMeasure,
    starts_on: dt.date | None = None,
    kind: str | None = None,
) -> PropertyMeasure:
    """Renew a freeze before it expires (续冻, MPS-2020 art 240): a new measure with its own period.

    The new period runs on from the old expiry unless another start is given; `kind` may change the
    period (e.g. deposits found to be in a major case), but only to another kind that has one.
    """
    measure = PropertyMeasure.objects.select_for_update().get(pk=measure.pk)
    request = (
        AssistanceRequest.objects.select_for_update()
        .select_related("requesting_unit", "requested_unit")
        .get(pk=measure.request_id)
    )
    if not request.spec.property_follow_up:
        raise ValidationError(_("This kind of request has no such follow-up."))
    if not perms.may_record_follow_up(request, by):
        raise PermissionDenied
    if request.state not in _RENEWAL_STATES:
        raise Conflict(
            _("A measure can be renewed only on an accepted request that was not withdrawn."),
            current_state=request.state,
        )
    if measure.state != PropertyMeasureState.IN_FORCE:
        raise Conflict(_("Only a measure in force can be renewed."), current_state=measure.state)
    if measure.expires_on is None:
        raise ValidationError(_("This measure has no period to renew."))
    today = timezone.localdate()
    if measure.expires_on < today:
        raise ValidationError(
            _("The measure lapsed on %(date)s; a lapsed freeze cannot be renewed, record a new one.")
            % {"date": measure.expires_on.isoformat()}
        )
    new_kind = PropertyMeasureKind(kind) if kind else PropertyMeasureKind(measure.kind)
    if new_kind not in PERIOD_RULES:
        raise ValidationError({"kind": [_("Choose a kind of freeze that has a period.")]})
    if starts_on is None:
        starts_on = measure.expires_on
    if starts_on < measure.starts_on or starts_on > measure.expires_on:
        raise ValidationError(
            {
                "starts_on": [
                    _("The renewed period starts within the current one, at the latest on its last day.")
                ]
            }
        )
    renewed = _measure_create(
        by=by,
        request=request,
        kind=new_kind,
        target=measure.target,
        institution=measure.institution,
        amount=measure.amount,
        starts_on=starts_on,
        renewed_from=measure,
    )
    notify(
        users=[
            u
            for u in (_requester_users(request) + ([request.assignee] if request.assignee else []))
            if u.pk != by.pk
        ],
        key=f"assistance:{request.pk}:renew:{renewed.pk}",
        subject=_("Assistance request %(number)s: a freeze was renewed until %(date)s"),
        body=f"{renewed.get_kind_display()} {renewed.target}",
        url=request_url(request),
        params={
            "number": request.number,
            "date": renewed.expires_on.isoformat() if renewed.expires_on else "",
        },
    )
    return renewed


@transaction.atomic
def property_measure_found_unrelated(*, by, measure: PropertyMeasure, reason: str) -> PropertyMeasure:
    """Mark property unrelated to the case: it must be released within 3 days (arts 233, 247)."""
    measure = PropertyMeasure.objects.select_for_update().select_related("request").get(pk=measure.pk)
    request = measure.request
    if not perms.may_record_follow_up(request, by):
        raise PermissionDenied
    if measure.state not in (PropertyMeasureState.IN_FORCE,):
        raise ValidationError(_("Only a measure in force can be found unrelated."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the property is unrelated.")]})
    measure.state = PropertyMeasureState.UNRELATED
    measure.found_unrelated_at = timezone.now()
    measure.save(update_fields=["state", "found_unrelated_at"])
    clocks.cancel_measure(measure)
    rule_key = RELEASE_RULES.get(PropertyMeasureKind(measure.kind), RELEASE_FROZEN_RULE)
    clocks.start_release(request, measure, rule_key)
    timeline_add(
        instance=request,
        actor=by,
        acting_unit_code=_acting_unit(request, by, "requested"),
        action="property_unrelated",
        note=reason.strip(),
        data={"measure": measure.pk},
    )
    return measure


@transaction.atomic
def property_measure_release(*, by, measure: PropertyMeasure) -> PropertyMeasure:
    """Record that the property was released (unfrozen, unsealed, returned)."""
    measure = PropertyMeasure.objects.select_for_update().select_related("request").get(pk=measure.pk)
    if not perms.may_record_follow_up(measure.request, by):
        raise PermissionDenied
    if measure.state == PropertyMeasureState.RELEASED:
        raise ValidationError(_("The property is already released."))
    measure.state = PropertyMeasureState.RELEASED
    measure.released_at = timezone.now()
    measure.save(update_fields=["state", "released_at"])
    clocks.meet_measure(measure)
    timeline_add(
        instance=measure.request,
        actor=by,
        acting_unit_code=_acting_unit(measure.request, by, "requested"),
        action="property_released",
        note=measure.target,
        data={"measure": measure.pk},
    )
    return measure
