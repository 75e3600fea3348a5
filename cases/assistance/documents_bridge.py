"""The documents an assistance request generates: 办案协作函 and the notices of its kind.

A request drafts them when it is drafted, refreshes their data while they are drafts, and issues them
when it is approved internally: the request's approval is theirs (documents.kinds.EXTERNAL), so they
need no second chain. Each issued Document becomes the request's RequestDocument of that type, which
is what the sending and intake checks count. Who may see them is who may see the request.

A request for 勘验、检查、讯问、询问 and the like carries the case's 立案决定书 (MPS-2020 art 347 ¶2).
This system issued it when the case was filed (cases.filing, MPS-2020 art 178), so it is attached
from the case, not scanned: when the request is drafted, and again when it is edited, approved and
sent (the case may be filed meanwhile). Art 347 ¶1 lets the documents go through the police
information systems. A scan uploaded for it (a case filed on paper before this system) stands.
"""

from django.db.models import QuerySet
from django.utils import timezone

from cases.access.services import document_opened_by_grant
from cases.assistance.models import AssistanceRequest, RequestDocument, RequestState
from cases.assistance.selectors import request_visible_to
from cases.assistance_kinds import DOCUMENTS, KINDS, AssistanceKind, DocumentSource, DocumentType, Urgency
from cases.documents import CASE_FILING_DECISION
from cases.models import Case
from cases.selectors import case_seen_by_units
from core import audit
from documents import access as document_access
from documents import kinds as document_kinds
from documents import services as document_services
from documents.fields import FIELD_LABELS
from documents.models import Document, DocumentState
from organisation.standing import user_standing

LINK_TYPE = "assistance.request"

# The request's own approval covers its documents from then on (a returned request keeps it).
_APPROVED_STATES = frozenset(RequestState.values) - {
    RequestState.DRAFT,
    RequestState.AWAITING_APPROVAL,
    RequestState.WITHDRAWN,
}

# The masthead's 紧急程度 as the form writes it; a normal request prints none.
_URGENCY_TEXT = {Urgency.NORMAL: "", Urgency.URGENT: "加急", Urgency.EXTRA_URGENT: "特急"}


def _request_of(document) -> AssistanceRequest | None:
    try:
        pk = int(document.link_target_id)
    except (TypeError, ValueError):
        return None
    return AssistanceRequest.objects.filter(pk=pk).first()


def _resolve(document, user) -> bool:
    """A user who sees the request sees its documents; so does one holding a documents grant on its case.

    A `read` access grant opens the case file only, never these documents (cases.access), also when
    it is what opens the request to the user (a superior of the requester on a 限制 case); reading a
    document through a documents grant is a use of it, audited (issue 16).
    """
    try:
        pk = int(document.link_target_id)
    except (TypeError, ValueError):
        return False
    seen_case_id = request_visible_to(user).filter(pk=pk).values_list("case_id", flat=True).first()
    if seen_case_id is not None:
        if Case.objects.filter(case_seen_by_units(user_standing(user)), pk=seen_case_id).exists():
            return True  # the user's units see the case: no grant is involved
        return document_opened_by_grant(user, case_id=seen_case_id, document=document)
    case_id = AssistanceRequest.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    return document_opened_by_grant(user, case_id=case_id, document=document)


def _approved(document) -> bool:
    request = _request_of(document)
    return request is not None and request.approved_at is not None and request.state in _APPROVED_STATES


def register() -> None:
    """Register the resolver and the external approval of documents linked to a request."""
    document_access.register_resolver(LINK_TYPE, _resolve)
    document_access.register_external_approval(LINK_TYPE, _approved)


def generated_types(kind: str) -> list[DocumentType]:
    """Return the documents of this kind of request that the system drafts and issues itself."""
    return [
        document_type
        for document_type in KINDS[AssistanceKind(kind)].documents
        if DOCUMENTS[document_type].source == DocumentSource.GENERATED
    ]


def _officer_name(user) -> str:
    name = getattr(user, "display_name", "")
    name = name() if callable(name) else name
    return name or user.get_full_name() or user.username


def _person_text(person) -> str:
    return f"{person.name}（{person.id_number}）" if person.id_number else person.name


def document_data(request: AssistanceRequest, document_type: str) -> dict:
    """Fill a form's fields from the request (names as documents.kinds and the templates read them)."""
    subjects = list(request.subjects.all().order_by("pk"))
    officer = _officer_name(request.created_by)
    data = {
        "recipient": request.requested_unit.name,
        "case_name": request.case.name,
        "case_number": request.case.number,
        "urgency": _URGENCY_TEXT.get(Urgency(request.urgency), ""),
        "contact_officers": officer,
        "officers": officer,
        "request_number": request.number,
    }
    if document_type == DocumentType.ASSISTANCE_LETTER:
        data["matters"] = request.matters
        data["suspects"] = "；".join(_person_text(person) for person in subjects)
    elif document_type == DocumentType.EVIDENCE_CALL_NOTICE:
        data["evidence"] = request.matters
    elif document_type in (DocumentType.PROPERTY_INQUIRY_NOTICE, DocumentType.PROPERTY_FREEZE_NOTICE):
        # The notice names one holder; several persons share it, the first one's ID number is printed.
        data["subject_name"] = "、".join(person.name for person in subjects)
        data["id_number"] = subjects[0].id_number if subjects else ""
        data["property"] = request.matters
    if request.approved_at is not None:
        data["approver"] = _officer_name(request.approved_by)
        data["approved_on"] = document_services.local_date_text(request.approved_at)
    return data


def linked_documents(request: AssistanceRequest) -> QuerySet[Document]:
    return Document.objects.filter(link_target_type=LINK_TYPE, link_target_id=str(request.pk)).order_by("pk")


def _current_drafts(request: AssistanceRequest) -> dict[str, Document]:
    drafts = {}
    for document in linked_documents(request).filter(state=DocumentState.DRAFTED):
        drafts.setdefault(document.kind, document)
    return drafts


def drafts_create(*, request: AssistanceRequest, by) -> list[Document]:
    """Draft each generated document the request's kind needs that has no draft yet."""
    existing = _current_drafts(request)
    issued = set(linked_documents(request).filter(state=DocumentState.ISSUED).values_list("kind", flat=True))
    created = []
    for document_type in generated_types(request.kind):
        if document_type.value in existing or document_type.value in issued:
            continue
        created.append(
            document_services.document_draft(
                kind=document_kinds.get(document_type.value).code,
                issuing_unit=request.requesting_unit,
                department=request.requesting_department,
                by=by,
                data=document_data(request, document_type),
                recipients=[{"name": request.requested_unit.name, "unit": request.requested_unit}],
                link_target_type=LINK_TYPE,
                link_target_id=request.pk,
                # The request's own permission check covered drafting (same roles as documents').
                check_permission=False,
            )
        )
    filing_decision_attach(request=request, by=by)
    return created


def drafts_refresh(*, request: AssistanceRequest, by) -> None:
    """Bring the drafts in line with the edited request; draft those a changed kind now needs."""
    drafts = _current_drafts(request)
    for document_type in generated_types(request.kind):
        document = drafts.get(document_type.value)
        if document is None:
            continue
        data = {**document.data, **document_data(request, document_type)}
        if data != document.data:
            document_services.document_update(document=document, by=by, data=data)
        document.recipients.update(name=request.requested_unit.name, unit=request.requested_unit)
    drafts_create(request=request, by=by)


def _attach(request: AssistanceRequest, document: Document, by) -> RequestDocument:
    """Make an issued document the request's current document of its type (an upload it replaces stays)."""
    previous = list(
        RequestDocument.objects.select_for_update().filter(
            request=request, document_type=document.kind, superseded_by__isnull=True
        )
    )
    attached = RequestDocument.objects.create(
        request=request,
        document_type=document.kind,
        source=DocumentSource.GENERATED,
        number=document.number,
        issued_on=timezone.localtime(document.issued_at).date(),
        content_type="application/pdf",
        generated_document_id=document.pk,
        uploaded_by=by,
    )
    if previous:
        RequestDocument.objects.filter(pk__in=[doc.pk for doc in previous]).update(superseded_by=attached)
    # Audited, not put on the timeline: the approval that issued it is the step a reader follows.
    audit.record(
        action="assistance.requestdocument.generated",
        actor=by,
        acting_unit_code=request.requesting_unit.code,
        target=request,
        payload={
            "document": attached.pk,
            "generated_document": document.pk,
            "document_type": document.kind,
            "number": document.number,
            "replaces": [doc.pk for doc in previous],
        },
    )
    return attached


def issued_attach(*, request: AssistanceRequest, by) -> list[RequestDocument]:
    """Attach every issued linked document not attached yet (some are issued later by hand)."""
    attached_ids = set(
        request.documents.filter(generated_document_id__isnull=False).values_list(
            "generated_document_id", flat=True
        )
    )
    wanted = {t.value for t in generated_types(request.kind)}
    attached = [
        _attach(request, document, by)
        for document in linked_documents(request).filter(state=DocumentState.ISSUED, kind__in=wanted)
        if document.pk not in attached_ids
    ]
    decision = filing_decision_attach(request=request, by=by)
    return [*attached, decision] if decision is not None else attached


def issued_exists(*, request: AssistanceRequest, document_type: str) -> bool:
    """Tell whether a document of this type was issued for the request and is not attached yet.

    The case's 立案决定书 counts too: sending attaches it (MPS-2020 art 347 ¶2).
    """
    if document_type == DocumentType.CASE_FILING_DECISION:
        return _filing_decision_attachable(request) is not None
    attached = request.documents.filter(generated_document_id__isnull=False).values("generated_document_id")
    return (
        linked_documents(request)
        .filter(state=DocumentState.ISSUED, kind=str(document_type))
        .exclude(pk__in=attached)
        .exists()
    )


# --- the case's 立案决定书 (MPS-2020 art 347 ¶2) ------------------------------------------------------


def carries_filing_decision(kind: str) -> bool:
    """Tell whether a request of this kind carries the case's 立案决定书 (MPS-2020 art 347 ¶2)."""
    return DocumentType.CASE_FILING_DECISION in KINDS[AssistanceKind(kind)].documents


def case_filing_decision(case_id: int) -> Document | None:
    """Return the 立案决定书 this system issued when the case was filed (MPS-2020 art 178), or None.

    Read afresh: the case may have been filed since the request (and its case) was loaded.
    """
    decision_id = Case.objects.filter(pk=case_id).values_list("filing_decision_id", flat=True).first()
    if decision_id is None:
        return None
    return Document.objects.filter(
        pk=decision_id, kind=CASE_FILING_DECISION.code, state=DocumentState.ISSUED
    ).first()


def _filing_decision_attachable(request: AssistanceRequest) -> Document | None:
    """Return the case's issued 立案决定书 when the request should carry it and does not yet.

    Not when a sound copy is current (an uploaded scan stands, as for the generated forms), nor when
    this decision was attached before: a copy the requested unit returned as defective is replaced
    by the requester, not by attaching the same decision again.
    """
    if not carries_filing_decision(request.kind):
        return None
    decision = case_filing_decision(request.case_id)
    if decision is None:
        return None
    copies = list(request.documents.filter(document_type=DocumentType.CASE_FILING_DECISION))
    if any(doc.generated_document_id == decision.pk for doc in copies):
        return None
    if any(doc.superseded_by_id is None and not doc.defect for doc in copies):
        return None
    return decision


def filing_decision_attach(*, request: AssistanceRequest, by) -> RequestDocument | None:
    """Attach the case's issued 立案决定书 to a request that must carry it (MPS-2020 art 347 ¶2).

    It becomes the request's current document of that type, audited as the generated forms are
    (`assistance.requestdocument.generated`); None when there is nothing to attach.
    """
    decision = _filing_decision_attachable(request)
    if decision is None:
        return None
    return _attach(request, decision, by)


def filing_decision_ready(request: AssistanceRequest) -> bool:
    """Tell whether the request can carry its 立案决定书: the case is filed, or a sound copy is there.

    A request for 勘验、检查、讯问、询问 and the like carries the 立案决定书 (MPS-2020 art 347 ¶2),
    so the case must be filed first (立案, MPS-2020 art 178); a case filed on paper before this
    system has its 立案决定书 uploaded instead.
    """
    if not carries_filing_decision(request.kind):
        return True
    if request.case.is_filed:
        return True
    return any(
        doc.document_type == DocumentType.CASE_FILING_DECISION and not doc.defect
        for doc in request.current_documents()
    )


def documents_issue(*, request: AssistanceRequest, by) -> list[RequestDocument]:
    """Issue the request's complete drafts on its approval and attach them.

    A draft still missing a field the request cannot supply (a freeze's amount and period), or one
    whose paper original was uploaded instead, stays a draft: the drafter completes and issues it
    through the documents pages, and it is attached when the request is sent. The approval itself
    never fails on a document.
    """
    drafts_refresh(request=request, by=by)
    # A sound scan already uploaded for a generated type (the paper fallback) stands: issuing a
    # second numbered letter for the same request would put two originals in circulation.
    uploaded = {
        doc.document_type
        for doc in request.current_documents()
        if doc.source == DocumentSource.UPLOADED and not doc.defect
    }
    for document in _current_drafts(request).values():
        if document.kind not in {t.value for t in generated_types(request.kind)} or document.kind in uploaded:
            continue
        if document.spec.missing_fields(document.data):
            continue
        document_services.document_issue(document=document, by=by)
    return issued_attach(request=request, by=by)


def generated_details(request_documents) -> dict[int, Document]:
    """Return the issued Documents behind generated request documents, by Document id."""
    ids = {doc.generated_document_id for doc in request_documents if doc and doc.generated_document_id}
    return Document.objects.in_bulk(ids) if ids else {}


def generated_annotate(request_documents) -> None:
    """Set `generated` (the issued Document, or None) on each request document, for pages and the API."""
    documents = [doc for doc in request_documents if doc is not None]
    found = generated_details(documents)
    for doc in documents:
        doc.generated = found.get(doc.generated_document_id) if doc.generated_document_id else None


def generated_download(*, request_document: RequestDocument, by, channel: str) -> Document:
    """Return the rendered Document behind a generated request document, through the documents path.

    Access is the documents resolver's (a user who sees the request); the download is audited there.
    A document not rendered yet, or not visible, is Document.DoesNotExist.
    """
    document = (
        Document.objects.select_related("issuing_unit")
        .filter(pk=request_document.generated_document_id)
        .first()
    )
    if document is None:
        raise Document.DoesNotExist
    return document_services.document_download(document=document, by=by, channel=channel)


# --- the checklist: one row, one state per required document (issue 20 item 2) ----------------------


class Readiness:
    """Where a required document stands, as the request's checklist shows it (one state a document)."""

    PRESENT = "present"  # a sound copy is attached
    DEFECTIVE = "defective"  # attached, returned as defective: to be replaced (a return names it)
    DRAFTED = "drafted"  # a generated form drafted in full: the approval issues it
    INCOMPLETE = "incomplete"  # a generated form drafted with fields still to fill
    ISSUED = "issued"  # issued and not attached yet: sending attaches it
    FROM_CASE = "from_case"  # the case's 立案决定书: sending attaches it (MPS-2020 art 347 ¶2)
    MISSING = "missing"  # nothing yet: a scan is to be uploaded

    READY = frozenset({PRESENT, DRAFTED, ISSUED, FROM_CASE})


def checklist(request: AssistanceRequest) -> list[dict]:
    """Return each required document of the request with its one state, from the first draft on.

    A row is {spec, state, ready, document (the attached copy or None), draft (the generated form's
    draft or None), missing_fields}. A generated form is drafted with the request and issued by its
    approval, so it is ready once its draft is complete; an uploaded one once its scan is attached.
    """
    from cases.assistance_kinds import required_documents

    current = {doc.document_type: doc for doc in request.current_documents()}
    drafts = _current_drafts(request) if request.pk else {}
    issued = (
        set(linked_documents(request).filter(state=DocumentState.ISSUED).values_list("kind", flat=True))
        if request.pk
        else set()
    )
    rows = []
    for spec in required_documents(request.kind):
        document = current.get(spec.type.value)
        draft = drafts.get(spec.type.value)
        missing_fields: list[str] = []
        if document is not None and not document.defect:
            state = Readiness.PRESENT
        elif spec.type == DocumentType.CASE_FILING_DECISION and _filing_decision_attachable(request):
            state = Readiness.FROM_CASE
        elif document is not None:
            state = Readiness.DEFECTIVE
        elif spec.type.value in issued:
            state = Readiness.ISSUED
        elif draft is not None:
            missing_fields = [FIELD_LABELS.get(name, name) for name in draft.spec.missing_fields(draft.data)]
            state = Readiness.INCOMPLETE if missing_fields else Readiness.DRAFTED
        else:
            state = Readiness.MISSING
        rows.append(
            {
                "spec": spec,
                "state": state,
                "ready": state in Readiness.READY,
                "document": document,
                # The draft is the row's state only while the form is still to be issued from it.
                "draft": draft if state in (Readiness.DRAFTED, Readiness.INCOMPLETE) else None,
                "missing_fields": missing_fields,
                # A generated form with no draft, or returned as defective, takes a scan too (paper).
                "uploadable": state in (Readiness.MISSING, Readiness.DEFECTIVE),
            }
        )
    return rows


def checklist_unready(request: AssistanceRequest) -> list[dict]:
    """Return the checklist's rows not ready for the approval (the case's 立案决定书 aside: FILING_NEED)."""
    return [
        row
        for row in checklist(request)
        if not row["ready"] and row["spec"].type != DocumentType.CASE_FILING_DECISION
    ]
