"""Writes on assistance requests: create, upload documents, take transitions, follow up, forward leads.

Every state change goes through core.workflow.run_transition (lock, check, transition, save,
audit, timeline); what a transition sets off elsewhere — the case party row, the deadline clocks,
notifications — happens in its `after` callback, inside the same transaction.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.assistance import approval, clocks, documents_bridge
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
from cases.assistance_kinds import (
    KINDS,
    AssistanceKind,
    DocumentSource,
    DocumentType,
    FreezeScope,
    OrganLevel,
    Urgency,
)
from cases.models import Case, CaseState
from core import audit, deadline_rows
from core.deadlines import last_day
from core.exceptions import Conflict, NotAllowed
from core.grading import InformationAccuracy, SourceReliability, grade_text
from core.models import EscalationLevel
from core.notifications import notify
from core.serials import next_serial
from core.steps import Availability, check_transition
from core.uploads import validate_scan
from core.workflow import model_update, run_transition, timeline_add
from organisation.models import Department, Membership, Role, Unit, UnitLevel, User
from organisation.selectors import common_superior

S = RequestState


def request_url(request: AssistanceRequest) -> str:
    return reverse("assistance:detail", args=[request.pk])


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
        # The superior organ an approval was routed to (MPS-2020 arts 238, 239, 243 ¶2).
        "approval": request.approval_unit,
    }
    for side in (*prefer, "requesting", "requested", "referred", "approval"):
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

# No. 3, as written: "严禁在管辖争议解决前，擅自派警跨所属公安机关管辖区域办案。依法依规进行先期处置的除外。"
# Until the dispute is settled it binds every party, the unit that first accepted the case included:
# none sends officers or a coercive request into another area, except first-response measures
# (先期处置) recorded with their reason. DOMAIN.md has the notice from secondary sources only [S]: the
# wording must be checked against the official text, hence also the setting ASSISTANCE_DISPUTE_GUARD
# (on unless set to False).
DISPUTE_GUARD_RULE = "公通字〔2020〕6号 no. 3"
DISPUTE_GUARD_MESSAGE = _(
    "The jurisdiction of this case is in dispute. 公通字〔2020〕6号 no. 3: "
    "“严禁在管辖争议解决前，擅自派警跨所属公安机关管辖区域办案。依法依规进行先期处置的除外。” "
    "Until the dispute is settled no party, the unit that first accepted the case included, may send "
    "officers or a coercive request into another area, except a first-response measure (先期处置) "
    "recorded with its reason."
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
    """Return whether the dispute guard holds back a request of this kind from this unit on the case.

    公通字〔2020〕6号 no. 3 [S]: while the jurisdiction is disputed, every party is held back, the lead
    or first-accepting unit as much as any other (`requesting_unit` is kept for the callers' sake).
    """
    if not getattr(settings, "ASSISTANCE_DISPUTE_GUARD", True):
        return False
    # "Disputed" is the case's own state: the jurisdiction app sits above cases and is not consulted.
    return KINDS[AssistanceKind(kind)].dispute_guarded and case.state == CaseState.JURISDICTION_PENDING


def guard_check(
    *, case: Case, requesting_unit: Unit, kind: str, first_response_urgent: bool, reason: str
) -> bool:
    """Refuse officers sent or a coercive request while the case's jurisdiction is disputed (any party).

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


def _known(choices, value, field_name: str, message) -> str:
    """Return a value of the enum `choices`, or refuse it naming the field (400)."""
    try:
        return choices(value).value
    except ValueError:
        raise ValidationError({field_name: [message]}) from None


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
    freeze_scope: str = "",
) -> AssistanceRequest:
    """Draft a request from a case the user may see, on behalf of one of the user's units.

    A coercive request, or one that sends officers, on a disputed case is refused unless flagged as a
    first-response emergency with its reason (guard_check, 公通字〔2020〕6号 no. 3).
    """
    if requesting_unit is None:
        units = [
            unit_id for unit_id, role, _dept in perms.memberships_of(by) if role in perms.REQUESTER_ROLES
        ]
        if not units:
            raise NotAllowed
        requesting_unit = Unit.objects.get(pk=units[0])
    if not perms.may_create_for(requesting_unit.pk, by):
        raise NotAllowed
    if forwarded_from is None and not case_may_request_assistance(case=case, user=by):
        raise NotAllowed
    if requested_unit.pk == requesting_unit.pk:
        raise ValidationError({"requested_unit": [_("A request must go to another unit.")]})
    if not requested_unit.is_active:
        raise ValidationError({"requested_unit": [_("The requested unit is no longer active.")]})
    kind = _known(AssistanceKind, kind, "kind", _("Not a known kind of assistance."))
    urgency = _known(Urgency, urgency, "urgency", _("Not a known urgency."))
    if not (matters or "").strip():
        raise ValidationError({"matters": [_("Say what the requested unit is asked to do.")]})
    freeze_scope = _freeze_scope(kind, freeze_scope)
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
        freeze_scope=freeze_scope,
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


def _freeze_scope(kind: str, scope: str) -> str:
    """Return what a freeze reaches (the ordinary deposits unless said), blank for any other kind."""
    if kind != AssistanceKind.FREEZING:
        return ""
    return _known(
        FreezeScope,
        scope or FreezeScope.DEPOSITS,
        "freeze_scope",
        _("Not a known kind of property to freeze (MPS-2020 arts 239, 243–245)."),
    )


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
    freeze_scope: str = _UNSET,
) -> AssistanceRequest:
    """Correct a draft or returned request; only the fields given change, each change audited.

    Through core.workflow.model_update: the audit event `assistance.assistancerequest.update` names
    each change from and to (the requested unit by its code, the persons concerned by name), and the
    request's timeline gets a row naming the changed fields.

    The dispute guard is not applied here but at submission and sending, so a draft can always be
    corrected, e.g. by flagging it as a first-response emergency.
    """
    request = (
        AssistanceRequest.objects.select_for_update()
        .select_related("requesting_unit", "requested_unit")
        .get(pk=request.pk)
    )
    if not perms.may_act_as_requester(request, by):
        raise NotAllowed
    if request.state not in EDITABLE_STATES:
        raise Conflict(_("Only a draft or a returned request can be edited."), current_state=request.state)
    returned = request.state == S.RETURNED
    # The new values, in the order the audit names them; model_update keeps only those that differ.
    values: dict[str, Any] = {}
    errors: dict[str, list] = {}

    if kind is not _UNSET:
        try:
            kind = AssistanceKind(kind).value
        except ValueError:
            errors["kind"] = [_("Not a known kind of assistance.")]
        else:
            if kind != request.kind and returned:
                # A returned request goes straight back to the requested unit on resubmission, without a
                # fresh approval: changing what is asked for would bypass the approver (coercive kinds
                # need the unit head).
                errors["kind"] = [
                    _("The kind of a returned request cannot change; withdraw it and draft a new one.")
                ]
            else:
                values["kind"] = kind
    if urgency is not _UNSET:
        try:
            values["urgency"] = Urgency(urgency).value
        except ValueError:
            errors["urgency"] = [_("Not a known urgency.")]
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
            values["requested_unit"] = requested_unit
    if matters is not _UNSET:
        matters = (matters or "").strip()
        if not matters:
            errors["matters"] = [_("Say what the requested unit is asked to do.")]
        else:
            values["matters"] = matters
    if legal_basis is not _UNSET:
        values["legal_basis"] = (legal_basis or "").strip()
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
                values.update(after)
    if freeze_scope is not _UNSET or "kind" in values:
        new_kind = values.get("kind", request.kind)
        scope = request.freeze_scope if freeze_scope is _UNSET else freeze_scope
        try:
            scope = _freeze_scope(new_kind, scope)
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            if scope != request.freeze_scope and returned:
                # Like the kind: the scope sets whose head approved it (MPS-2020 art 239), and resubmission
                # skips the approver.
                errors["freeze_scope"] = [
                    _("What a returned request freezes cannot change; withdraw it and draft a new one.")
                ]
            else:
                values["freeze_scope"] = scope
    new_subjects = None
    related: dict[str, tuple[list[str], list[str]]] = {}
    if subjects is not _UNSET:
        new_subjects = list(subjects)
        if any(person.case_id != request.case_id for person in new_subjects):
            errors["subjects"] = [_("Choose persons of this request's case.")]
        else:
            before = list(request.subjects.all())
            if {p.pk for p in before} != {p.pk for p in new_subjects}:
                related["subjects"] = (_subject_names(before), _subject_names(new_subjects))
            else:
                new_subjects = None
    if errors:
        raise ValidationError(errors)

    def payload(changes) -> dict[str, Any]:
        return {
            "state": request.state,
            "changes": {name: [_code(old), _code(new)] for name, (old, new) in changes.items()},
        }

    def timeline_row(changes) -> dict[str, Any]:
        return {
            "note": ", ".join(str(AssistanceRequest._meta.get_field(name).verbose_name) for name in changes),
            "data": {"fields": sorted(changes)},
        }

    changed = model_update(
        instance=request,
        values=values,
        by=by,
        action="update",
        acting_unit_code=request.requesting_unit.code,
        related=related,
        payload=payload,
        timeline=timeline_row,
    )
    if not changed:
        return request
    if new_subjects is not None:
        request.subjects.set(new_subjects)
    documents_bridge.drafts_refresh(request=request, by=by)
    return request


def _code(value):
    """A unit is named by its code in the audit; any other value as it is."""
    return value.code if isinstance(value, Unit) else value


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
            raise NotAllowed
        if request.state != S.IN_PROGRESS:
            raise Conflict(
                _("Results can be attached only while the work is in progress."), current_state=request.state
            )
    else:
        if not perms.may_edit_documents(request, by):
            raise NotAllowed
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


def request_document_downloaded(*, by, request: AssistanceRequest, document: RequestDocument) -> None:
    """Record that a user downloaded a request's scan (a generated one is audited by documents)."""
    audit.record(
        action="assistance.requestdocument.download",
        actor=by,
        target=request,
        payload={"document": document.pk, "document_type": document.document_type},
    )


# --- transitions -------------------------------------------------------------------------------
#
# Each step of a request is declared once in cases.assistance.steps (label, input, needs); here is
# what the service adds to it, one small function each: the arguments it prepares (and checks) before
# the single path runs it, and what it sets off once it is taken (clocks, notices, records).


@dataclass
class _Taking:
    """One step being taken: the request as read, the input, and what is prepared for the record."""

    request: AssistanceRequest
    name: str
    by: Any
    reason: str
    fields: dict[str, Any]
    arguments: dict[str, Any] = field(default_factory=dict)
    audit_payload: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    defects: list[dict] = field(default_factory=list)

    def available_now(self) -> bool:
        """Tell whether the step leaves the state the request is in (otherwise run_transition's 409)."""
        return check_transition(self.request, self.name, self.by).status is not Availability.UNAVAILABLE


@dataclass(frozen=True)
class _Told:
    """What a step's notices share: the request's page, its number and kind, the idempotency key."""

    url: str
    params: dict[str, Any]
    key: str


@dataclass(frozen=True)
class StepRule:
    """What the service does around one step: the side it acts for, the guard, preparation, effects."""

    side: str = ""  # the unit named in the audit trail: "requesting", "requested" or "referred" first
    guarded: bool = False  # the dispute guard is asked again (the case may have become disputed)
    prepare: Callable[[_Taking], None] | None = None
    after: Callable[[AssistanceRequest, _Taking, _Told], None] | None = None


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


# --- preparing a step ---


def _guard(taking: _Taking) -> None:
    """Ask the dispute guard again under the case's lock; let an emergency through on the record."""
    case = _case_locked(taking.request.case_id)
    _lock(taking)
    request = taking.request
    if taking.available_now() and guard_check(
        case=case,
        requesting_unit=request.requesting_unit,
        kind=request.kind,
        first_response_urgent=request.first_response_urgent,
        reason=request.first_response_reason,
    ):
        exception, guard_note = _guard_exception_record(case, request.first_response_reason)
        taking.audit_payload |= exception
        taking.note = " · ".join(filter(None, [taking.reason, guard_note]))


def _lock(taking: _Taking) -> None:
    """Read the request again under its row lock, so what is checked is what the step will find."""
    taking.request = (
        AssistanceRequest.objects.select_for_update(of=("self",))
        .select_related("requesting_unit", "requested_unit", "referred_to", "case")
        .get(pk=taking.request.pk)
    )


def _prepare_documents(taking: _Taking) -> None:
    """Refuse naming the missing documents (400), on the locked row: a request that moved on meanwhile
    (returned by another intake officer, say) is run_transition's 409, not a complaint about its documents.
    """
    _lock(taking)
    if taking.available_now():
        taking.request.check_documents()


def _prepare_sending(taking: _Taking) -> None:
    if perms.may_act_as_requester(taking.request, taking.by):
        # A generated document issued after the approval (completed by hand) counts once attached.
        documents_bridge.issued_attach(request=taking.request, by=taking.by)
    _prepare_documents(taking)


def _prepare_submit(taking: _Taking) -> None:
    """Route the approval to the organ whose head the law names (MPS-2020 arts 238, 239, 243 ¶2)."""
    request = taking.request
    rule = request.approval_rule
    organ = approval.approving_organ(request.requesting_unit, rule)
    taking.arguments["approval_unit"] = organ if rule is not None else None
    if rule is None:
        return
    taking.audit_payload["approval"] = {"unit": organ.code, "level": rule.level.value, "rule": rule.citation}
    if organ.pk != request.requesting_unit_id:
        taking.note = " · ".join(filter(None, [taking.note, approval.routing_note(rule, organ)]))


def _prepare_return(taking: _Taking) -> None:
    taking.defects = _validate_defects(taking.request, taking.fields.get("defects"))
    taking.arguments["defects"] = taking.defects
    taking.audit_payload["defects"] = [
        {k: v for k, v in item.items() if k != "document"}
        | {"document": item["document"].pk if item["document"] else None}
        for item in taking.defects
    ]


def _prepare_route(taking: _Taking) -> None:
    department = taking.fields.get("department") or None
    if department is not None and not isinstance(department, Department):
        department = Department.objects.filter(
            unit=taking.request.requested_unit, kind=str(department), is_active=True
        ).first()
        if department is None:
            raise ValidationError({"department": [_("Choose an active department of the requested unit.")]})
    taking.arguments["department"] = department
    if department is not None:
        taking.audit_payload["department"] = department.kind


def _prepare_assign(taking: _Taking) -> None:
    assignee = taking.fields.get("assignee") or None
    if assignee is not None and not hasattr(assignee, "pk"):
        assignee = User.objects.filter(username=str(assignee), is_active=True).first()
        if assignee is None:
            raise ValidationError({"assignee": [_("No such officer.")]})
    taking.arguments["assignee"] = assignee
    taking.arguments["assignee_is_member"] = bool(
        assignee
        and Membership.objects.current()
        .operational()
        .filter(user=assignee, unit=taking.request.requested_unit)
        .exists()
    )
    if assignee is not None:
        taking.audit_payload["assignee"] = assignee.username


def _prepare_fulfil(taking: _Taking) -> None:
    taking.arguments["results"] = taking.fields.get("results") or ""


def _prepare_dispute(taking: _Taking) -> None:
    taking.arguments["unit"] = Unit.objects.filter(code=_acting_unit(taking.request, taking.by)).first()


def _prepare_refer(taking: _Taking) -> None:
    superior = common_superior([taking.request.requesting_unit, taking.request.requested_unit])
    taking.arguments["superior"] = superior
    taking.audit_payload["superior"] = superior.code


# --- what a step sets off ---


def _after_submit(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    role = request.spec.approver_role
    if request.approval_unit_id is not None:
        approvers = _users_with_role(request.approval_unit_id, Role.UNIT_HEAD)
    else:
        approvers = _users_with_role(
            request.requesting_unit_id,
            role,
            department_id=request.requesting_department_id if role == Role.DEPARTMENT_HEAD else None,
        )
    notify(
        users=approvers,
        key=told.key,
        subject=_("Assistance request %(number)s awaits your approval"),
        asks=True,
        url=told.url,
        params=told.params,
    )


def _after_reject(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    # The draft waits in its drafter's 待办 again (inbox kind sent_back); they are told once per
    # sending back, with the approver's reason (issue 20: every waiting step in the 待办, notified once).
    notify(
        users=[request.created_by],
        key=f"{told.key}:{timezone.now().timestamp()}",
        subject=_("Assistance request %(number)s was sent back to you: correct it and submit it again"),
        asks=True,
        body=taking.reason,
        url=told.url,
        params=told.params,
    )


def _after_approve(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    # The request's approval is its documents' approval: issue them now (numbers, render queued).
    # The head of a superior organ the approval went up to (MPS-2020 arts 238, 239, 243 ¶2) is no
    # officer of the issuing unit: its drafter issues them, approved, and sending attaches them.
    if perms.holds(taking.by, request.requesting_unit_id, *perms.REQUESTER_ROLES):
        documents_bridge.documents_issue(request=request, by=taking.by)


def _after_sent(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    _case_party_add(request)
    clocks.start_acknowledgement(request)
    notify(
        users=_users_with_role(request.requested_unit_id, Role.INTAKE_OFFICER),
        key=told.key,
        subject=_("Assistance request %(number)s received: %(kind)s"),
        asks=True,
        body=_("A request waits for intake: check its formalities, then accept or return it."),
        url=told.url,
        params=told.params,
    )


def _after_receive(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    clocks.meet_acknowledgement(request)
    clocks.start_completion(request)


def _after_clarification_requested(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    # The completion clock runs on: no article lets a question stop the MPS-2020 art 353 period.
    notify(
        users=_requester_users(request),
        key=f"{told.key}:{timezone.now().timestamp()}",
        subject=_("Assistance request %(number)s: the requested unit asks a question"),
        asks=True,
        body=taking.reason,
        url=told.url,
        params=told.params,
    )


def _after_answer(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    notify(
        users=_users_with_role(request.requested_unit_id, Role.INTAKE_OFFICER),
        key=f"{told.key}:{timezone.now().timestamp()}",
        subject=_("Assistance request %(number)s: the requester answered"),
        url=told.url,
        params=told.params,
    )


def _after_return(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    round_number = request.returns.values_list("round", flat=True).order_by("-round").first() or 0
    for item in taking.defects:
        RequestReturn.objects.create(
            request=request,
            round=round_number + 1,
            document=item["document"],
            document_type=item["document_type"],
            defect=item["defect"],
            explanation=item["explanation"],
            returned_by=taking.by,
        )
        if item["document"] is not None:
            RequestDocument.objects.filter(pk=item["document"].pk).update(defect=item["defect"])
    clocks.cancel_completion(request)
    notify(
        users=_requester_users(request),
        key=told.key,
        subject=_("Assistance request %(number)s was returned: a document is defective"),
        asks=True,
        body=taking.reason,
        url=told.url,
        params=told.params,
    )


def _after_accept(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    notify(
        users=_requester_users(request),
        key=told.key,
        subject=_("Assistance request %(number)s was accepted"),
        url=told.url,
        params=told.params,
    )


def _after_acknowledge(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    clocks.meet_acknowledgement(request)
    clocks.cancel_all(request)


def _after_route(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    notify(
        users=_users_with_role(
            request.requested_unit_id, Role.DEPARTMENT_HEAD, department_id=request.routed_department_id
        ),
        key=told.key,
        subject=_("Assistance request %(number)s was routed to your department"),
        url=told.url,
        params=told.params,
    )
    clocks.set_department(request)


def _after_assign(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    clocks.set_assignee(request)
    notify(
        users=[request.assignee],
        key=f"{told.key}:{request.assignee_id}",
        subject=_("Assistance request %(number)s was assigned to you"),
        asks=True,
        url=told.url,
        params=told.params,
    )


def _after_fulfil(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    clocks.meet_completion(request)
    notify(
        users=_requester_users(request),
        key=told.key,
        subject=_("Assistance request %(number)s was fulfilled; confirm to close it"),
        asks=True,
        url=told.url,
        params=told.params,
    )


def _after_ended(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    """Closed or withdrawn: no clock runs on for it."""
    clocks.cancel_all(request)


def _after_dispute(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    other = (
        request.requested_unit_id
        if request.disputed_by_unit_id == request.requesting_unit_id
        else request.requesting_unit_id
    )
    notify(
        users=_users_with_role(other, Role.UNIT_HEAD, Role.LEGAL_OFFICER, Role.INTAKE_OFFICER),
        key=told.key,
        subject=_("Assistance request %(number)s is disputed"),
        body=taking.reason,
        url=told.url,
        params=told.params,
    )


def _after_refer(request: AssistanceRequest, taking: _Taking, told: _Told) -> None:
    notify(
        users=_users_with_role(request.referred_to_id, Role.UNIT_HEAD, Role.LEGAL_OFFICER),
        key=told.key,
        subject=_("A dispute over assistance request %(number)s was referred to your unit"),
        asks=True,
        body=request.dispute_reason,
        url=told.url,
        params=told.params,
    )


STEP_RULES: dict[str, StepRule] = {
    "submit": StepRule("requesting", guarded=True, prepare=_prepare_submit, after=_after_submit),
    "approve": StepRule("requesting", after=_after_approve),
    "reject": StepRule("requesting", after=_after_reject),
    "send": StepRule("requesting", guarded=True, prepare=_prepare_sending, after=_after_sent),
    "receive": StepRule("requested", after=_after_receive),
    "request_clarification": StepRule("requested", after=_after_clarification_requested),
    "answer": StepRule("requesting", after=_after_answer),
    "accept": StepRule("requested", prepare=_prepare_documents, after=_after_accept),
    "acknowledge": StepRule("requested", after=_after_acknowledge),
    "return_request": StepRule("requested", prepare=_prepare_return, after=_after_return),
    "resubmit": StepRule("requesting", guarded=True, prepare=_prepare_sending, after=_after_sent),
    "route": StepRule("requested", prepare=_prepare_route, after=_after_route),
    "assign": StepRule("requested", prepare=_prepare_assign, after=_after_assign),
    "start": StepRule("requested"),
    "fulfil": StepRule("requested", prepare=_prepare_fulfil, after=_after_fulfil),
    "close": StepRule("requesting", after=_after_ended),
    "dispute": StepRule(prepare=_prepare_dispute, after=_after_dispute),
    "refer": StepRule(prepare=_prepare_refer, after=_after_refer),
    "decide_proceed": StepRule("referred"),
    "decide_withdraw": StepRule("referred", after=_after_ended),
    "withdraw": StepRule("requesting", after=_after_ended),
}
TRANSITIONS = tuple(STEP_RULES)


@transaction.atomic
def request_transition(
    *,
    by,
    request: AssistanceRequest,
    name: str,
    reason: str = "",
    expected_state: str | None = None,
    fields: dict[str, Any] | None = None,
) -> AssistanceRequest:
    """Take step `name` through the single service path, with the effects it sets off."""
    rule = STEP_RULES.get(name)
    if rule is None:
        raise ValidationError({"name": [_("No such transition.")]})
    # Read afresh (not locked) to prepare arguments; run_transition locks and re-checks the state.
    request = AssistanceRequest.objects.select_related(
        "requesting_unit", "requested_unit", "referred_to", "case"
    ).get(pk=request.pk)
    # Refuse someone who may not take the step before judging their input (403 before 400);
    # run_transition checks again under the row lock.
    if check_transition(request, name, by).refused:
        raise NotAllowed
    taking = _Taking(request=request, name=name, by=by, reason=reason, fields=dict(fields or {}))
    taking.arguments["reason"] = reason
    if reason:
        taking.audit_payload["reason"] = reason
    taking.note = reason
    if rule.guarded:
        _guard(taking)
    if rule.prepare is not None:
        rule.prepare(taking)
    acting = _acting_unit(taking.request, by, *([rule.side] if rule.side else []))

    def after(instance: AssistanceRequest, from_state: str, to_state: str) -> None:
        if rule.after is not None:
            told = _Told(
                url=request_url(instance),
                params={"number": instance.number, "kind": instance.spec.label},
                key=f"assistance:{instance.pk}:{name}:{instance.resubmission_count}",
            )
            rule.after(instance, taking, told)

    result = run_transition(
        model=AssistanceRequest,
        pk=request.pk,
        name=name,
        by=by,
        acting_unit_code=acting,
        expected_state=expected_state,
        arguments=taking.arguments,
        note=taking.note,
        audit_payload=taking.audit_payload,
        after=after,
    )
    return result.instance


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
        raise NotAllowed
    if to_unit.pk in (request.requesting_unit_id, request.requested_unit_id):
        raise ValidationError({"to_unit": [_("Forward the lead to a third unit.")]})
    if not perms.may_create_for(request.requested_unit_id, by):
        raise NotAllowed
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

FOLLOW_UP_STATES = (S.ACCEPTED, S.ROUTED, S.ASSIGNED, S.IN_PROGRESS, S.FULFILLED)


def _follow_up_request(request: AssistanceRequest, by, *, flag: str) -> AssistanceRequest:
    request = (
        AssistanceRequest.objects.select_for_update()
        .select_related("requesting_unit", "requested_unit")
        .get(pk=request.pk)
    )
    if not getattr(request.spec, flag):
        raise ValidationError(_("This kind of request has no such follow-up."))
    if not perms.may_record_follow_up(request, by):
        raise NotAllowed
    if request.state not in FOLLOW_UP_STATES:
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
    """Record a step of the custody follow-up: the capture (the person in hand), a collection (提解), an
    interrogation on the requester's behalf, the delivery to the detention centre, the family notice
    (or its lawful exception), the extension or end of a summons or compelled appearance.
    """
    request = _follow_up_request(request, by, flag="custody_follow_up")
    try:
        kind = CustodyEventKind(kind)
    except ValueError:
        raise ValidationError({"kind": [_("Not a known custody event.")]}) from None
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
        _custody_event_check(request, by, kind, place=place, note=note)
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
        # Art 351: the capturing unit tells the requester at once; the clocks of the kind start.
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
    elif kind == CustodyEventKind.APPEARANCE_EXTENDED:
        clocks.extend_appearance(request, captures.order_by("occurred_at", "id").first())
    elif kind == CustodyEventKind.FAMILY_NOT_NOTIFIED:
        clocks.family_not_notified(request)
    else:
        clocks.meet_custody(request, kind.value)
    return event


# Who may extend a summons or compelled appearance to 24 hours, "in an especially grave, complex case
# that needs detention or arrest": the head of the case-handling department (MPS-2020 art 200 ¶1) or the
# head of a county-level or higher organ (MPS-2020 art 80 ¶1) of the requesting side.
_DETAINED_KINDS = (AssistanceKind.DETENTION, AssistanceKind.ARREST)
_DETENTION_EVENTS = (
    CustodyEventKind.DETENTION_CENTRE,
    CustodyEventKind.FAMILY_NOTIFIED,
    CustodyEventKind.FAMILY_NOT_NOTIFIED,
)
_APPEARANCE_EVENTS = (CustodyEventKind.APPEARANCE_EXTENDED, CustodyEventKind.APPEARANCE_ENDED)


def custody_event_kinds(request_kind: str) -> list[CustodyEventKind]:
    """Return the custody events that fit a kind of request, in the order they happen.

    A person detained or arrested is delivered to a detention centre and the family told (MPS-2020
    arts 126 ¶2, 127, 145); a summons or compelled appearance is extended or ended within its limit
    (arts 80, 200). The page offers these and the service refuses the others (one rule for both).
    """
    kind = AssistanceKind(request_kind)
    events = [CustodyEventKind.CAPTURE, CustodyEventKind.COLLECTION, CustodyEventKind.INTERROGATION]
    if kind in _DETAINED_KINDS:
        events[1:1] = _DETENTION_EVENTS
    if kind in clocks.APPEARANCE_LIMITS:
        events.extend(_APPEARANCE_EVENTS)
    return events


def _custody_event_check(request: AssistanceRequest, by, kind: CustodyEventKind, *, place: str, note: str):
    """Refuse an event that does not fit the kind of request, naming the field and the rule."""
    request_kind = AssistanceKind(request.kind)
    if kind in _APPEARANCE_EVENTS:
        if request_kind not in clocks.APPEARANCE_LIMITS:
            raise ValidationError(
                {
                    "kind": [
                        _(
                            "Only a summons or a compelled appearance is extended or ended (MPS-2020 arts "
                            "80, 200)."
                        )
                    ]
                }
            )
        if request.custody_events.filter(kind=CustodyEventKind.APPEARANCE_ENDED).exists():
            raise ValidationError({"kind": [_("The summons or compelled appearance has already ended.")]})
    if kind == CustodyEventKind.APPEARANCE_EXTENDED:
        if request.custody_events.filter(kind=kind).exists():
            raise ValidationError(
                {
                    "kind": [
                        _("It was already extended; it may not be extended again (MPS-2020 arts 80, 200).")
                    ]
                }
            )
        if not (note or "").strip():
            raise ValidationError(
                {
                    "note": [
                        _(
                            "Say why the especially grave, complex case needs the extension (MPS-2020 arts "
                            "80, 200)."
                        )
                    ]
                }
            )
        if request_kind == AssistanceKind.SUMMONS:
            allowed = perms.holds(
                by,
                request.requesting_unit_id,
                Role.DEPARTMENT_HEAD,
                department_id=request.requesting_department_id,
            ) or perms.heads_organ_at_level(by, request.requesting_unit, UnitLevel.COUNTY)
            if not allowed:
                raise ValidationError(
                    {
                        "kind": [
                            _(
                                "A summons is extended with the approval of the case-handling department's "
                                "head (MPS-2020 art 200 ¶1)."
                            )
                        ]
                    }
                )
        elif not perms.heads_organ_at_level(by, request.requesting_unit, UnitLevel.COUNTY):
            raise ValidationError(
                {
                    "kind": [
                        _(
                            "A compelled appearance is extended with the approval of the head of a "
                            "county-level or higher organ (MPS-2020 art 80 ¶1)."
                        )
                    ]
                }
            )
    if kind in _DETENTION_EVENTS and request_kind not in _DETAINED_KINDS:
        raise ValidationError(
            {
                "kind": [
                    _(
                        "This follows a detention or an arrest only; a summons or compelled appearance is "
                        "not custody."
                    )
                ]
            }
        )
    if kind == CustodyEventKind.DETENTION_CENTRE and not (place or "").strip():
        raise ValidationError({"place": [_("Name the detention centre (MPS-2020 art 126).")]})
    if kind == CustodyEventKind.FAMILY_NOT_NOTIFIED and not (note or "").strip():
        raise ValidationError(
            {
                "note": [
                    _(
                        "Say why the family cannot be notified, or why notice would hinder the "
                        "investigation (MPS-2020 arts 127, 145)."
                    )
                ]
            }
        )


# --- property follow-up (arts 233, 240, 243–247) ------------------------------------------------


def measure_expiry(kind: str, starts_on: dt.date) -> dt.date | None:
    """Return the last day of a measure of this kind starting on that day (None: no period)."""
    rule_key = PERIOD_RULES.get(PropertyMeasureKind(kind))
    if rule_key is None:
        return None
    return last_day(deadline_rows.rulebook()[rule_key].due(PropertyMeasure.start_instant(starts_on)))


def _measure_kind(kind: str) -> PropertyMeasureKind:
    try:
        return PropertyMeasureKind(kind)
    except ValueError:
        raise ValidationError({"kind": [_("Not a known kind of measure.")]}) from None


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
) -> PropertyMeasure:
    """Record a freeze, seal or seizure with its period; a freeze gets a renewal reminder before expiry."""
    request = _follow_up_request(request, by, flag="property_follow_up")
    kind = _measure_kind(kind)
    _measure_within_approval(request, kind)
    if not (target or "").strip():
        raise ValidationError({"target": [_("Name the account or the object.")]})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})
    return _measure_create(
        by=by,
        request=request,
        kind=kind,
        target=target.strip(),
        institution=(institution or "").strip(),
        amount=amount,
        starts_on=starts_on,
        renewed_from=None,
    )


def _measure_within_approval(request: AssistanceRequest, kind: PropertyMeasureKind) -> None:
    """Refuse a one-year deposit freeze a city-level head did not approve (MPS-2020 art 243 ¶2)."""
    if kind != PropertyMeasureKind.DEPOSITS_MAJOR:
        return
    rule = request.approval_rule
    if rule is None or approval.LEVELS[rule.level] > approval.LEVELS[OrganLevel.CITY]:
        raise ValidationError(
            {
                "kind": [
                    _(
                        "A one-year deposit freeze in a major case needs a city-level head's approval "
                        "(MPS-2020 art 243 ¶2); this request was not approved for it."
                    )
                ]
            }
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
RENEWAL_STATES = (*FOLLOW_UP_STATES, S.CLOSED)


def _measure_locked(measure: PropertyMeasure) -> tuple[PropertyMeasure, AssistanceRequest]:
    """Lock a measure's request, then the measure (the order every follow-up write takes)."""
    request = (
        AssistanceRequest.objects.select_for_update()
        .select_related("requesting_unit", "requested_unit")
        .get(pk=measure.request_id)
    )
    measure = PropertyMeasure.objects.select_for_update().get(pk=measure.pk)
    measure.request = request
    return measure, request


def _measure_transition(
    *,
    measure: PropertyMeasure,
    request: AssistanceRequest,
    name: str,
    by,
    expected_state: str | None = None,
    arguments: dict[str, Any] | None = None,
    note: str = "",
    after: Callable[[PropertyMeasure], None] | None = None,
) -> PropertyMeasure:
    """Take a measure's step through the single path (locked, checked, audited, on its timeline)."""
    result = run_transition(
        model=PropertyMeasure,
        pk=measure.pk,
        name=name,
        by=by,
        acting_unit_code=_acting_unit(request, by, "requested"),
        expected_state=expected_state,
        arguments=arguments,
        note=note,
        audit_payload={"request": request.number},
        after=(lambda instance, _from, _to: after(instance)) if after is not None else None,
    )
    return result.instance


def _refuse_measure_step(measure: PropertyMeasure, name: str, by, message) -> None:
    """Answer 403 to one who may not, 409 with `message` when the measure's state does not allow it."""
    status = check_transition(measure, name, by).status
    if status is Availability.NOT_ALLOWED:
        raise NotAllowed
    if status is Availability.UNAVAILABLE:
        raise Conflict(message, current_state=measure.state)


def _renewal_clean(
    measure: PropertyMeasure, *, starts_on: dt.date | None, kind: str | None
) -> tuple[PropertyMeasureKind, dt.date]:
    """Return the renewed period's kind and first day, or say what is wrong (400)."""
    if measure.expires_on is None:
        raise ValidationError(_("This measure has no period to renew."))
    if measure.expires_on < timezone.localdate():
        raise ValidationError(
            _("The measure lapsed on %(date)s; a lapsed freeze cannot be renewed, record a new one.")
            % {"date": measure.expires_on.isoformat()}
        )
    new_kind = _measure_kind(kind) if kind else PropertyMeasureKind(measure.kind)
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
    return new_kind, starts_on


def _approval_organ(request: AssistanceRequest) -> Unit:
    """Return the organ whose head approved the request's measures (MPS-2020 arts 238, 239, 243 ¶2)."""
    return request.approval_unit or request.requesting_unit


def _notify_measure_approvers(
    request: AssistanceRequest, measure: PropertyMeasure, step: str, subject
) -> None:
    """Tell the head who approves the measure that a step of it waits for them (no inbox lists measures)."""
    notify(
        users=_users_with_role(_approval_organ(request).pk, Role.UNIT_HEAD),
        key=f"assistance:{request.pk}:measure:{measure.pk}:{step}",
        subject=subject,
        # The measure's kind by its label's key, so the head reads it in their language (issue 20 item 6).
        body="%(kind)s %(target)s",
        url=request_url(request),
        params={
            "number": request.number,
            "kind": PropertyMeasureKind(measure.kind).label,
            "target": measure.target,
        },
    )


def measure_approval_refusal(measure: PropertyMeasure, user, *, waiting: bool = True) -> str | None:
    """Say why `user` may not decide a measure's renewal or release, to those who would expect to.

    Shown beside the disabled step and in the 403: a department head of the requesting unit or of
    the approving organ is told whose approval it needs; the requester's other officers, that it
    waits for that head (unless `waiting` is false). Anyone else is not shown the step at all.
    """
    request = measure.request
    organ = _approval_organ(request)
    params = {"organ": organ.name}
    department_head = perms.holds(user, request.requesting_unit_id, Role.DEPARTMENT_HEAD) or perms.holds(
        user, organ.pk, Role.DEPARTMENT_HEAD
    )
    renewal = measure.state == PropertyMeasureState.RENEWAL_PROPOSED
    if department_head:
        if renewal:
            return (
                _(
                    "Renewing a freeze needs the approval of the head of %(organ)s, who approved it, before "
                    "it expires (MPS-2020 art 240); a department head cannot approve it."
                )
                % params
            )
        if measure.is_freeze:
            return (
                _(
                    "Lifting a freeze needs the approval of the head of %(organ)s, who approved it (MPS-2020 "
                    "art 241); a department head cannot approve it."
                )
                % params
            )
        return (
            _(
                "Releasing a seal or seizure needs the approval of the head of %(organ)s, who approved it "
                "(MPS-2020 art 233); a department head cannot approve it."
            )
            % params
        )
    if waiting and perms.holds(user, request.requesting_unit_id, *perms.REQUESTER_ROLES):
        if renewal:
            return (
                _("The renewal waits for the approval of the head of %(organ)s (MPS-2020 art 240).") % params
            )
        return _("The release waits for the approval of the head of %(organ)s (MPS-2020 arts 233, 241).") % (
            params
        )
    return None


def _renewal_notice_data(request: AssistanceRequest, old: PropertyMeasure, new: PropertyMeasure, by) -> dict:
    """Fill the 协助冻结财产通知书 of a continued freeze (继续冻结, MPS-2020 art 240).

    The kind's template (hash-locked, property_freeze_notice.v1) has no field for 继续冻结: the mark
    goes into the document's title and the property line, with the original notice's number.
    """
    subjects = list(request.subjects.all().order_by("pk"))
    from documents.models import Document

    original = (
        Document.objects.filter(pk=old.notice_document_id).values_list("number", flat=True).first()
        if old.notice_document_id
        else request.documents.filter(
            document_type=DocumentType.PROPERTY_FREEZE_NOTICE, superseded_by__isnull=True
        )
        .values_list("number", flat=True)
        .first()
    )
    property_text = f"（继续冻结）{new.target}"
    if original:
        property_text += f"（原协助冻结财产通知书：{original}）"
    return {
        "recipient": new.institution or request.requested_unit.name,
        "case_name": request.case.name,
        "subject_name": "、".join(person.name for person in subjects) or "（见原协助冻结财产通知书）",
        "id_number": subjects[0].id_number if subjects else "",
        "property": property_text,
        "amount": f"人民币{new.amount:,}元" if new.amount is not None else "（同原冻结数额）",
        # Dates as the form prints them (GB/T 9704: Arabic numerals, no leading zeros).
        "period_from": _form_date(new.starts_on),
        "period_to": _form_date(new.expires_on) if new.expires_on else "",
        "renewal": True,
        "renewed_from_number": original or "",
        # The head approving the renewal issues its notice too: 批准人, 批准时间 and 填发人 are theirs.
        **_release_form_people(request, by),
    }


def _form_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _issue_measure_document(
    *, request: AssistanceRequest, measure: PropertyMeasure, kind: str, by, data: dict, title: str = ""
):
    """Draft and issue a document the measure's approval step approves, linked to the measure."""
    from cases.assistance.documents import MEASURE_LINK_TYPE
    from documents import services as document_services

    organ = _approval_organ(request)
    document = document_services.document_draft(
        kind=kind,
        issuing_unit=organ,
        department=request.requesting_department if organ.pk == request.requesting_unit_id else None,
        by=by,
        title=title,
        data=data,
        recipients=[{"name": data["recipient"], "unit": request.requested_unit}],
        link_target_type=MEASURE_LINK_TYPE,
        link_target_id=measure.pk,
        check_permission=False,
    )
    return document_services.document_issue(document=document, by=by)


@transaction.atomic
def property_measure_renew(
    *,
    by,
    measure: PropertyMeasure,
    starts_on: dt.date | None = None,
    kind: str | None = None,
    expected_state: str | None = None,
) -> PropertyMeasure:
    """Ask to renew a freeze before it expires (续冻, MPS-2020 art 240); return the measure asked for.

    Art 240 renews "按照原批准权限和程序": the head who approved the freeze approves the renewal
    (`property_measure_approve_renewal`), which records the new period as a new measure. The new
    period runs on from the old expiry unless another start is given; `kind` may change the period
    (e.g. deposits found to be in a major case), but only to another kind that has one. When the
    asker is that head, the renewal is approved at once and the new measure is returned instead.
    """
    measure, request = _measure_locked(measure)
    if not request.spec.property_follow_up:
        raise ValidationError(_("This kind of request has no such follow-up."))
    if not perms.may_record_follow_up(request, by):
        raise NotAllowed
    if request.state not in RENEWAL_STATES:
        raise Conflict(
            _("A measure can be renewed only on an accepted request that was not withdrawn."),
            current_state=request.state,
        )
    if measure.expires_on is None:
        raise ValidationError(_("This measure has no period to renew."))
    _refuse_measure_step(measure, "propose_renewal", by, _("Only a measure in force can be renewed."))
    new_kind, starts_on = _renewal_clean(measure, starts_on=starts_on, kind=kind)
    # Art 240: renewed "按照原批准权限" — a period the original approval did not cover is refused.
    _measure_within_approval(request, new_kind)

    def after(asked: PropertyMeasure) -> None:
        timeline_add(
            instance=request,
            actor=by,
            acting_unit_code=_acting_unit(request, by, "requesting"),
            action="property_renewal_proposed",
            note=f"{asked.target} → {starts_on:%Y-%m-%d}",
            data={"measure": asked.pk, "starts_on": starts_on, "kind": new_kind.value},
        )
        _notify_measure_approvers(
            request,
            asked,
            "propose_renewal",
            _("Assistance request %(number)s: renewing a freeze awaits your approval (MPS-2020 art 240)"),
        )

    asked = _measure_transition(
        measure=measure,
        request=request,
        name="propose_renewal",
        by=by,
        expected_state=expected_state,
        arguments={"starts_on": starts_on, "kind": new_kind.value},
        after=after,
    )
    # The head who asks is the approver the law names: a second click of the same head adds no second
    # judgement, only the risk that the freeze lapses in between, so the ask is the approval (both
    # steps are on the record, asked and approved by that head).
    if perms.may_approve_release(request, by):
        approved = property_measure_approve_renewal(by=by, measure=asked)
        return PropertyMeasure.objects.get(renewed_from=approved)
    return asked


@transaction.atomic
def property_measure_approve_renewal(
    *, by, measure: PropertyMeasure, reason: str = "", expected_state: str | None = None
) -> PropertyMeasure:
    """Approve a renewal before the freeze expires: record the new period, issue its notice (art 240).

    The new measure carries its own period and reminder; the old one's clock is met. The
    协助冻结财产通知书 of the continued freeze is issued by the approving organ, linked to the new
    measure. After the expiry the freeze has lapsed (视为自动解除冻结): 409, a new freeze is needed.
    """
    measure, request = _measure_locked(measure)
    if measure.state == PropertyMeasureState.RENEWAL_PROPOSED and measure.lapsed:
        if not perms.may_approve_release(request, by):
            raise NotAllowed(measure_approval_refusal(measure, by))
        raise Conflict(
            _(
                "The freeze lapsed on %(date)s: its renewal was not approved before it expired, so it is "
                "deemed released (视为自动解除冻结, MPS-2020 art 240). Record a new freeze if still needed."
            )
            % {"date": measure.expires_on.isoformat()},
            current_state=measure.state,
            code="lapsed",
        )
    _refuse_measure_step(measure, "approve_renewal", by, _("No renewal of this freeze awaits approval."))
    new_kind = PropertyMeasureKind(measure.renewal_kind or measure.kind)
    _measure_within_approval(request, new_kind)
    starts_on = measure.renewal_starts_on or measure.expires_on
    note = (reason or "").strip()

    def after(old: PropertyMeasure) -> None:
        new = _measure_create(
            by=by,
            request=request,
            kind=new_kind,
            target=old.target,
            institution=old.institution,
            amount=old.amount,
            starts_on=starts_on,
            renewed_from=old,
        )
        document = _issue_measure_document(
            request=request,
            measure=new,
            kind=DocumentType.PROPERTY_FREEZE_NOTICE.value,
            by=by,
            data=_renewal_notice_data(request, old, new, by),
            title="协助冻结财产通知书（继续冻结）",
        )
        PropertyMeasure.objects.filter(pk=new.pk).update(notice_document_id=document.pk)
        new.notice_document_id = document.pk
        notify(
            users=[
                u
                for u in (_requester_users(request) + ([request.assignee] if request.assignee else []))
                if u.pk != by.pk
            ],
            key=f"assistance:{request.pk}:renew:{new.pk}",
            subject=_("Assistance request %(number)s: a freeze was renewed until %(date)s"),
            body="%(kind)s %(target)s · %(document)s",
            url=request_url(request),
            params={
                "kind": PropertyMeasureKind(new.kind).label,
                "target": new.target,
                "document": document.number,
                "number": request.number,
                "date": new.expires_on.isoformat() if new.expires_on else "",
            },
        )

    return _measure_transition(
        measure=measure,
        request=request,
        name="approve_renewal",
        by=by,
        expected_state=expected_state,
        arguments={"reason": note},
        note=note,
        after=after,
    )


@transaction.atomic
def property_measure_refuse_renewal(
    *, by, measure: PropertyMeasure, reason: str = "", expected_state: str | None = None
) -> PropertyMeasure:
    """Refuse a renewal with the reason: the freeze stays in force until it expires (MPS-2020 art 240)."""
    measure, request = _measure_locked(measure)
    _refuse_measure_step(measure, "refuse_renewal", by, _("No renewal of this freeze awaits approval."))
    reason = (reason or "").strip()

    def after(refused: PropertyMeasure) -> None:
        timeline_add(
            instance=request,
            actor=by,
            acting_unit_code=_approval_organ(request).code,
            action="property_renewal_refused",
            note=reason,
            data={"measure": refused.pk},
        )
        notify(
            users=[u for u in _requester_users(request) if u.pk != by.pk],
            key=f"assistance:{request.pk}:measure:{refused.pk}:refuse_renewal:{timezone.now():%Y%m%d%H%M%S%f}",
            subject=_("Assistance request %(number)s: the renewal of a freeze was refused"),
            body=f"{refused.target} · {reason}",
            url=request_url(request),
            params={"number": request.number},
        )

    return _measure_transition(
        measure=measure,
        request=request,
        name="refuse_renewal",
        by=by,
        expected_state=expected_state,
        arguments={"reason": reason},
        note=reason,
        after=after,
    )


@transaction.atomic
def property_measure_found_unrelated(
    *, by, measure: PropertyMeasure, reason: str = "", expected_state: str | None = None
) -> PropertyMeasure:
    """Mark property unrelated to the case: it must be released within 3 days (arts 233, 247)."""
    measure, request = _measure_locked(measure)
    _refuse_measure_step(measure, "unrelated", by, _("Only a measure in force can be found unrelated."))
    reason = (reason or "").strip()

    def after(found: PropertyMeasure) -> None:
        clocks.cancel_measure(found)
        rule_key = RELEASE_RULES.get(PropertyMeasureKind(found.kind), RELEASE_FROZEN_RULE)
        clocks.start_release(request, found, rule_key)
        timeline_add(
            instance=request,
            actor=by,
            acting_unit_code=_acting_unit(request, by, "requested"),
            action="property_unrelated",
            note=reason,
            data={"measure": found.pk},
        )

    return _measure_transition(
        measure=measure,
        request=request,
        name="unrelated",
        by=by,
        expected_state=expected_state,
        arguments={"reason": reason},
        note=reason,
        after=after,
    )


@transaction.atomic
def property_measure_propose_release(
    *, by, measure: PropertyMeasure, reason: str = "", expected_state: str | None = None
) -> PropertyMeasure:
    """Ask to lift a measure (no longer needed, or found unrelated): its approver decides (arts 233, 241)."""
    measure, request = _measure_locked(measure)
    _refuse_measure_step(
        measure, "propose_release", by, _("Only a measure in force or found unrelated can be lifted.")
    )
    reason = (reason or "").strip()

    def after(proposed: PropertyMeasure) -> None:
        _notify_measure_approvers(
            request,
            proposed,
            "propose_release",
            _("Assistance request %(number)s: lifting a freeze awaits your approval (MPS-2020 art 241)")
            if proposed.is_freeze
            else _(
                "Assistance request %(number)s: releasing sealed or seized property awaits your approval "
                "(MPS-2020 art 233)"
            ),
        )

    return _measure_transition(
        measure=measure,
        request=request,
        name="propose_release",
        by=by,
        expected_state=expected_state,
        arguments={"reason": reason},
        note=reason,
        after=after,
    )


def _release_form_people(request: AssistanceRequest, by) -> dict:
    """Return what the release document's stub prints of the workflow (issue 19): the head who approves
    the release now also issues its document (批准人, 批准时间, 填发人), and the request's drafter (办案人).
    """
    today = timezone.localdate()
    approver = getattr(by, "display_name", "") or by.get_username()
    return {
        "case_number": request.case.number,
        "approver": approver,
        "approved_on": f"{today.year}年{today.month}月{today.day}日",
        "officers": getattr(request.created_by, "display_name", "") or request.created_by.get_username(),
        "issued_by": approver,
    }


def _unfreeze_notice_data(request: AssistanceRequest, measure: PropertyMeasure, by) -> dict:
    subjects = list(request.subjects.all().order_by("pk"))
    freeze = (
        request.documents.filter(
            document_type=DocumentType.PROPERTY_FREEZE_NOTICE, superseded_by__isnull=True
        )
        .values_list("number", flat=True)
        .first()
    )
    return {
        "recipient": measure.institution or request.requested_unit.name,
        "case_name": request.case.name,
        "subject_name": "、".join(person.name for person in subjects),
        "id_number": subjects[0].id_number if subjects else "",
        "property": measure.target,
        "amount": f"{measure.amount}" if measure.amount is not None else "",
        "freeze_number": freeze or "",
        **_release_form_people(request, by),
    }


def _seal_release_data(request: AssistanceRequest, measure: PropertyMeasure, by) -> dict:
    """Fill the 解除查封决定书 / 解除扣押决定书 (MPS-2020 art 233) from the measure and its request."""
    sealed = PropertyMeasureKind(measure.kind) == PropertyMeasureKind.SEALED
    decision = (
        request.documents.filter(
            document_type=DocumentType.SEALING_DECISION if sealed else DocumentType.SEIZURE_DECISION,
            superseded_by__isnull=True,
        )
        .values_list("number", flat=True)
        .first()
    )
    return {
        "recipient": measure.institution or request.requested_unit.name,
        "holder": measure.institution,
        "case_name": request.case.name,
        "property": measure.target,
        "reason": measure.release_reason,
        "unrelated": measure.found_unrelated_at is not None,
        "decision_number": decision or "",
        **_release_form_people(request, by),
    }


@transaction.atomic
def property_measure_approve_release(
    *, by, measure: PropertyMeasure, reason: str = "", expected_state: str | None = None
) -> PropertyMeasure:
    """Approve the release and issue its document (MPS-2020 arts 233, 241).

    A freeze: the 协助解除冻结财产通知书 (art 241). A seal or seizure: the 解除查封决定书 /
    解除扣押决定书 (art 233; its approval by the organ that approved the measure is our reading [R],
    by analogy with MPS-2020 arts 232 ¶2, 241). The document is issued by the organ whose head approved,
    linked to the measure; the officers then record the release. Property found unrelated keeps its
    3-day clock (arts 233, 247) until the release is recorded.
    """
    from cases.assistance.documents import SEALING_RELEASE_DECISION, SEIZURE_RELEASE_DECISION, UNFREEZE_NOTICE

    measure, request = _measure_locked(measure)
    _refuse_measure_step(measure, "approve_release", by, _("No release of this measure awaits approval."))
    organ = _approval_organ(request)

    def after(approved: PropertyMeasure) -> None:
        if approved.is_freeze:
            kind, data = UNFREEZE_NOTICE.code, _unfreeze_notice_data(request, approved, by)
        else:
            sealed = PropertyMeasureKind(approved.kind) == PropertyMeasureKind.SEALED
            kind = (SEALING_RELEASE_DECISION if sealed else SEIZURE_RELEASE_DECISION).code
            data = _seal_release_data(request, approved, by)
        document = _issue_measure_document(request=request, measure=approved, kind=kind, by=by, data=data)
        PropertyMeasure.objects.filter(pk=approved.pk).update(release_document_id=document.pk)
        approved.release_document_id = document.pk
        timeline_add(
            instance=request,
            actor=by,
            acting_unit_code=organ.code,
            action="property_release_approved",
            note=f"{approved.target} · {document.number}",
            data={"measure": approved.pk, "document": document.pk, "number": document.number},
        )
        notify(
            users=[u for u in _requester_users(request) if u.pk != by.pk]
            + ([request.assignee] if request.assignee else []),
            key=f"assistance:{request.pk}:measure:{approved.pk}:approve_release",
            subject=_("Assistance request %(number)s: the release is approved; %(document)s issued"),
            body="%(kind)s %(target)s",
            url=request_url(request),
            params={
                "number": request.number,
                "document": f"{document.title} {document.number}",
                "kind": PropertyMeasureKind(approved.kind).label,
                "target": approved.target,
            },
        )

    return _measure_transition(
        measure=measure,
        request=request,
        name="approve_release",
        by=by,
        expected_state=expected_state,
        arguments={"reason": (reason or "").strip()},
        note=(reason or "").strip(),
        after=after,
    )


@transaction.atomic
def property_measure_refuse_release(
    *, by, measure: PropertyMeasure, reason: str = "", expected_state: str | None = None
) -> PropertyMeasure:
    """Refuse the release with the reason: the measure stays in force (MPS-2020 arts 233, 241).

    Property that had been found unrelated is held related by the refusal (our reading [R]: art 247's
    3 days run from the finding, and the approver who refuses the release finds otherwise): its 3-day
    release clock stops and a freeze's period runs again with its renewal reminder (art 240).
    """
    measure, request = _measure_locked(measure)
    _refuse_measure_step(measure, "refuse_release", by, _("No release of this measure awaits approval."))
    reason = (reason or "").strip()
    was_unrelated = measure.found_unrelated_at is not None

    def after(refused: PropertyMeasure) -> None:
        if was_unrelated:
            clocks.cancel_measure(refused)
            if refused.expires_on is not None:
                clocks.start_renewal_reminder(request, refused)
        timeline_add(
            instance=request,
            actor=by,
            acting_unit_code=_approval_organ(request).code,
            action="property_release_refused",
            note=reason,
            data={"measure": refused.pk, "was_unrelated": was_unrelated},
        )
        notify(
            users=[u for u in _requester_users(request) if u.pk != by.pk]
            + ([request.assignee] if request.assignee else []),
            key=f"assistance:{request.pk}:measure:{refused.pk}:refuse_release:{timezone.now():%Y%m%d%H%M%S%f}",
            subject=_("Assistance request %(number)s: the release of a measure was refused"),
            body=f"{refused.target} · {reason}",
            url=request_url(request),
            params={"number": request.number},
        )

    return _measure_transition(
        measure=measure,
        request=request,
        name="refuse_release",
        by=by,
        expected_state=expected_state,
        arguments={"reason": reason},
        note=reason,
        after=after,
    )


@transaction.atomic
def property_measure_release(
    *,
    by,
    measure: PropertyMeasure,
    returned_to: str = "",
    announced_on: dt.date | None = None,
    expected_state: str | None = None,
) -> PropertyMeasure:
    """Record that the property was released: unfrozen, or returned to its owner or announced (art 233)."""
    measure, request = _measure_locked(measure)
    _refuse_measure_step(measure, "release", by, _("Only a release that was approved can be recorded."))

    def after(released: PropertyMeasure) -> None:
        clocks.meet_measure(released)
        returned = released.returned_to or (
            f"公告 {released.announced_on:%Y-%m-%d}" if released.announced_on else ""
        )
        timeline_add(
            instance=request,
            actor=by,
            acting_unit_code=_acting_unit(request, by, "requested"),
            action="property_released",
            note=f"{released.target} → {returned}" if returned else released.target,
            data={
                "measure": released.pk,
                "returned_to": released.returned_to,
                "announced_on": released.announced_on,
            },
        )

    return _measure_transition(
        measure=measure,
        request=request,
        name="release",
        by=by,
        expected_state=expected_state,
        arguments={"returned_to": returned_to, "announced_on": announced_on},
        after=after,
    )
