"""Services of documents: draft, edit, the approval chain, issue, correct and revoke, serve, verify, download.

Every state change goes through core.workflow.run_transition. Issuing assigns the number under the
counter lock, snapshots the context the PDF is rendered from, and queues the render through the
outbox (topic "documents.render"), so the request path needs no broker.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, outbox
from core.exceptions import Conflict, NotAllowed
from core.uploads import validate_scan
from core.workflow import model_update, run_transition, timeline_add
from documents import form_data, kinds, numbering, pki, seals, signing
from documents import permissions as perms
from documents.access import document_visible_to
from documents.models import (
    FINAL_STATES,
    Document,
    DocumentCopy,
    DocumentRecipient,
    DocumentState,
    ReceiptMethod,
    RenderState,
    normalise_verification_code,
)
from organisation.models import Unit

RENDER_TOPIC = "documents.render"
# The largest file the verification reads (a document of this system is a few hundred kilobytes).
MAX_VERIFY_BYTES = 50 * 1024 * 1024

# The transitions the API and pages may name; issuing and voiding have services of their own.
TRANSITIONS = ("submit_for_review", "submit_for_approval", "approve_review", "approve", "send_back")


def _acting_unit_code(document: Document) -> str:
    return document.issuing_unit.code


def chain_for(spec: kinds.DocumentKindSpec, data: dict, *, correction: bool = False) -> tuple[str, ...]:
    """Return a document's approval chain: its kind's, except that a correction of a kind its process
    approves is reviewed and approved here. The process approved the text it saw; a corrected text is
    a new decision of the organ, under its internal supervision (MPS-2020 art 7 ¶1). A kind its
    process corrects (a 纪要, signed again by every member) keeps its process's approval."""
    chain = spec.chain(data)
    if correction and kinds.EXTERNAL in chain and not spec.corrected_by_process:
        return kinds.REVIEWED_CHAIN
    return chain


@transaction.atomic
def document_draft(
    *,
    kind: str,
    issuing_unit,
    by,
    data: dict[str, Any] | None = None,
    department=None,
    title: str = "",
    recipients: list[dict] | None = None,
    link_target_type: str = "",
    link_target_id: str | int = "",
    replaces: Document | None = None,
    revokes: Document | None = None,
    check_permission: bool = True,
) -> Document:
    """Draft a document of a registered kind in the issuing unit's name.

    `recipients` are {"name", optional "unit"}; the link (what the document belongs to) is set by
    the linking app, which then answers who may see it. A kind that belongs to a process is drafted
    only linked to that process's object (ValidationError on `kind` otherwise).
    """
    if kind not in dict(kinds.choices()):
        raise ValidationError({"kind": [_("No such document kind.")]})
    spec = kinds.get(kind)
    if revokes is None and spec.outside_process(link_target_type):
        raise ValidationError({"kind": [kinds.process_owned_message(spec)]}, code="process_owned")
    if check_permission and not perms.may_draft_for(issuing_unit.pk, by):
        raise NotAllowed
    if department is not None and department.unit_id != issuing_unit.pk:
        raise ValidationError({"department": [_("Choose a department of the issuing unit.")]})
    data = dict(data or {})
    document = Document(
        kind=spec.code,
        issuing_unit=issuing_unit,
        department=department,
        title=title or spec.title,
        data=audit.json_safe(data),
        approval_chain=list(chain_for(spec, data, correction=replaces is not None)),
        link_target_type=link_target_type,
        link_target_id=str(link_target_id or ""),
        replaces=replaces,
        revokes=revokes,
        created_by=by,
    )
    document.save()
    for recipient in recipients or []:
        DocumentRecipient.objects.create(
            document=document, name=recipient["name"], unit=recipient.get("unit")
        )
    audit.record(
        action="documents.document.draft",
        actor=by,
        acting_unit_code=issuing_unit.code,
        target=document,
        payload={"kind": spec.code, "link": [link_target_type, str(link_target_id or "")]},
    )
    timeline_add(
        instance=document,
        actor=by,
        acting_unit_code=issuing_unit.code,
        action="draft",
        to_state=document.state,
    )
    return document


@transaction.atomic
def document_update(
    *,
    document: Document,
    by,
    data: dict | None = None,
    title: str | None = None,
    check_permission: bool = True,
) -> Document:
    """Change a draft's fields; an issued document refuses (ImmutableDocumentError), others 409.

    The document is locked again by its pk. Through core.workflow.model_update: the changed fields are
    validated, saved and audited (documents.document.update); a new `data` fixes the approval chain again.
    `check_permission=False` is for a linking app whose own step covered it (as document_draft's).
    """
    document = Document.objects.select_for_update().get(pk=document.pk)
    if check_permission and not perms.may_draft(document, by):
        raise NotAllowed
    if document.state in FINAL_STATES:
        # Let the model refuse it, so the API and the model say the same thing.
        if data is not None:
            document.data = audit.json_safe(data)
        if title is not None:
            document.title = title
        document.save()
    if document.state != DocumentState.DRAFTED:
        raise Conflict(current_state=document.state)
    values: dict[str, Any] = {}
    if data is not None:
        values["data"] = audit.json_safe(data)
        values["approval_chain"] = list(
            chain_for(document.spec, values["data"], correction=document.replaces_id is not None)
        )
    if title is not None:
        values["title"] = title.strip() or document.spec.title
    model_update(
        instance=document,
        values=values,
        by=by,
        action="update",
        acting_unit_code=_acting_unit_code(document),
        timeline=False,
    )
    return document


def document_transition(
    *, document: Document, name: str, by, reason: str = "", expected_state: str | None = None
) -> Document:
    """Take one step of the approval chain (not issue or void, which have their own services).

    core.workflow.run_transition locks the document again by its pk.
    """
    if name not in TRANSITIONS:
        raise ValidationError({"name": [_("Unknown transition.")]})
    result = run_transition(
        model=Document,
        pk=document.pk,
        name=name,
        by=by,
        acting_unit_code=_acting_unit_code(document),
        expected_state=expected_state,
        arguments={"reason": reason},
        note=reason,
        audit_payload={"reason": reason} if reason else None,
    )
    return result.instance


def local_date_text(moment) -> str:
    """Write a date as GB/T 9704 asks: Arabic numerals, full year, no leading zeros."""
    day = timezone.localtime(moment).date()
    return f"{day.year}年{day.month}月{day.day}日"


def build_snapshot(document: Document, *, number: str, issued_at, template_version: int) -> dict:
    """Return the exact context the PDF is rendered from, frozen on the document at issue."""
    spec = document.spec
    unit = document.issuing_unit
    return audit.json_safe(
        {
            "kind": spec.code,
            "kind_title": spec.title,
            "title": document.title,
            "number": number,
            "issuing_unit": {"code": unit.code, "name": unit.name},
            "department": document.department.name if document.department_id else "",
            "date": local_date_text(issued_at),
            "date_iso": timezone.localtime(issued_at).date().isoformat(),
            "fields": document.data,
            "recipients": [r.name for r in document.recipients.all()],
            "parts": list(spec.parts),
            "masthead": {
                "copy_number": spec.copy_number,
                "classification": spec.classification,
                "urgency": spec.urgency,
            },
            "template_version": template_version,
            "verification_code": document.verification_code,
            # A correction names the document it corrects under its number (issue 19 item 7).
            "corrects": _corrected_reference(document),
        }
    )


def _corrected_reference(document: Document) -> dict | None:
    earlier = document.replaces
    if earlier is None:
        return None
    return {
        "number": earlier.number,
        "kind_title": earlier.spec.title,
        "date": local_date_text(earlier.issued_at) if earlier.issued_at else "",
    }


def verification_url(code: str) -> str:
    """Return the address the QR code opens: the verification page with the code filled in."""
    try:
        path = reverse("documents:verify")
    except NoReverseMatch:
        # The page is not mounted (a deployment without it): the QR code then carries the code alone.
        return ""
    return f"{settings.SITE_URL.rstrip('/')}{path}?code={code}"


@transaction.atomic
def document_issue(*, document: Document, by, expected_state: str | None = None) -> Document:
    """Sign and issue (签发): number, snapshot and render request, in one transaction.

    The document is locked again by its pk. The number is drawn under the counter lock before the
    transition is checked; when the transition is refused the whole transaction (counter included)
    rolls back, so no number is lost.
    """
    document = (
        Document.objects.select_for_update(of=("self",))
        .select_related("issuing_unit", "department")
        .get(pk=document.pk)
    )
    if document.outside_process:
        # A draft made by the generic endpoint before issue 16: it never becomes an issued decision.
        raise ValidationError({"kind": [kinds.process_owned_message(document.spec)]}, code="process_owned")
    name = "issue_external" if kinds.EXTERNAL in (document.approval_chain or []) else "issue"
    allowed = DocumentState.DRAFTED if name == "issue_external" else DocumentState.APPROVED
    if document.state != allowed or (expected_state is not None and expected_state != document.state):
        raise Conflict(current_state=document.state)
    spec = document.spec
    issued_at = timezone.now()
    year = timezone.localtime(issued_at).year
    serial = numbering.next_serial(issuing_unit_id=document.issuing_unit_id, kind=spec.code, year=year)
    number = numbering.format_number(
        spec=spec, unit=document.issuing_unit, department=document.department, year=year, serial=serial
    )
    issue = {
        "issued_at": issued_at,
        "number": number,
        "number_year": year,
        "number_serial": serial,
        "template_version": spec.template_version,
        # The form prints its workflow too: the opinions and names of the review and approval steps,
        # the 批准人 and 填发人, 主送 and 抄送 (documents.form_data), frozen with the rest at issue.
        "snapshot": {
            **build_snapshot(
                document, number=number, issued_at=issued_at, template_version=spec.template_version
            ),
            "form": form_data.form_context(document, issued_by=by),
        },
    }

    def after(instance, from_state, to_state):
        _end_the_earlier_document(instance, by)
        outbox.enqueue(
            topic=RENDER_TOPIC, payload={"document_id": instance.pk}, key=f"{RENDER_TOPIC}:{instance.pk}"
        )

    result = run_transition(
        model=Document,
        pk=document.pk,
        name=name,
        by=by,
        acting_unit_code=_acting_unit_code(document),
        arguments={"issue": issue},
        audit_payload={"number": number, "kind": spec.code, "template_version": spec.template_version},
        after=after,
    )
    return result.instance


def _start_ending(original: Document, name: str, *, by, reason: str, expected_state, draft) -> Document:
    """Take `correct` or `revoke` on the issued document and draft the later document in one step."""
    made: list[Document] = []

    def after(instance, from_state, to_state):
        made.append(draft(instance))

    run_transition(
        model=Document,
        pk=original.pk,
        name=name,
        by=by,
        acting_unit_code=_acting_unit_code(original),
        expected_state=expected_state,
        arguments={"reason": reason},
        note=reason,
        audit_payload={"reason": reason.strip()},
        after=after,
    )
    # The draft's own audit event (documents.document.draft) and row name the document it ends.
    return made[0]


@transaction.atomic
def document_correct(
    *,
    document: Document,
    by,
    reason: str,
    data: dict | None = None,
    expected_state: str | None = None,
) -> Document:
    """Draft the correction (更正) of an issued document and return the draft.

    The original stands until the correction is issued: then it is superseded and verification names
    the correction. The draft carries the original's data (or `data`), recipients and link, and goes
    through its chain again; a process-approved kind's correction is reviewed and approved here.
    """
    original = Document.objects.select_related("issuing_unit", "department").get(pk=document.pk)

    def draft(locked: Document) -> Document:
        return document_draft(
            kind=locked.kind,
            issuing_unit=locked.issuing_unit,
            department=locked.department,
            by=by,
            data=data if data is not None else locked.data,
            title=locked.title,
            recipients=[{"name": r.name, "unit": r.unit} for r in locked.recipients.all()],
            link_target_type=locked.link_target_type,
            link_target_id=locked.link_target_id,
            replaces=locked,
            check_permission=False,
        )

    return _start_ending(
        original, "correct", by=by, reason=reason, expected_state=expected_state, draft=draft
    )


def revocation_fields(original: Document, reason: str) -> dict:
    """Return the 撤销决定书's fields drawn from the document it revokes; the drafter adds the basis."""
    issued_on = local_date_text(original.issued_at) if original.issued_at else ""
    served = [r.name for r in original.recipients.all()]
    return {
        "recipient": "、".join(served),
        "revoked_title": original.spec.title,
        "revoked_subject": original.title if original.title != original.spec.title else "",
        "revoked_number": original.number,
        "revoked_date": issued_on,
        "reason": reason.strip(),
        "legal_basis": "",
    }


@transaction.atomic
def document_revoke(
    *,
    document: Document,
    by,
    reason: str,
    expected_state: str | None = None,
) -> Document:
    """Draft the 撤销决定书 that revokes an issued document and return the draft.

    The decision has its own legal review and approval (documents.kinds.REVOCATION_DECISION); the
    document is revoked when the decision is issued, and each of its recipients is served the
    decision. The drafter fills in the legal basis before submitting it.
    """
    original = Document.objects.select_related("issuing_unit", "department").get(pk=document.pk)

    def draft(locked: Document) -> Document:
        return document_draft(
            kind=kinds.REVOCATION_DECISION.code,
            issuing_unit=locked.issuing_unit,
            department=locked.department,
            by=by,
            data=revocation_fields(locked, reason),
            recipients=[{"name": r.name, "unit": r.unit} for r in locked.recipients.all()],
            link_target_type=locked.link_target_type,
            link_target_id=locked.link_target_id,
            revokes=locked,
            check_permission=False,
        )

    return _start_ending(original, "revoke", by=by, reason=reason, expected_state=expected_state, draft=draft)


def _end_the_earlier_document(later: Document, by) -> None:
    """Supersede the document a correction corrects, or revoke the one a 撤销决定书 revokes.

    Called inside the later document's issue: if the earlier one is no longer in effect (ended by
    another document meanwhile) the issue is refused whole (409), number included.
    """
    earlier_id = later.replaces_id or later.revokes_id
    if earlier_id is None:
        return
    earlier = Document.objects.select_for_update().get(pk=earlier_id)
    if earlier.state != DocumentState.ISSUED:
        raise Conflict(
            _("%(number)s no longer has effect; this document cannot end it again.")
            % {"number": earlier.number},
            current_state=earlier.state,
        )
    name = "supersede" if later.replaces_id else "mark_revoked"
    reason = (_("Corrected by %(number)s.") if name == "supersede" else _("Revoked by %(number)s.")) % {
        "number": later.number
    }
    run_transition(
        model=Document,
        pk=earlier.pk,
        name=name,
        by=by,
        acting_unit_code=later.issuing_unit.code,
        arguments={"reason": reason, "replaced_by": later},
        note=reason,
        audit_payload={"by_document": later.pk, "number": later.number},
    )


@transaction.atomic
def document_serve(*, recipient: DocumentRecipient, by, served_at=None) -> DocumentRecipient:
    """Record service (送达) on one recipient, with the time (now by default); the row is locked again."""
    recipient = (
        DocumentRecipient.objects.select_for_update(of=("self",))
        .select_related("document__issuing_unit")
        .get(pk=recipient.pk)
    )
    document = recipient.document
    if document.state != DocumentState.ISSUED:
        raise Conflict(current_state=document.state)
    if not perms.may_serve(document, by):
        raise NotAllowed
    if recipient.served_at is not None:
        raise Conflict(_("This recipient was already served."), current_state=document.state)
    recipient.served_at = served_at or timezone.now()
    recipient.served_by = by
    recipient.save(update_fields=["served_at", "served_by"])
    audit.record(
        action="documents.document.serve",
        actor=by,
        acting_unit_code=_acting_unit_code(document),
        target=document,
        payload={"recipient": recipient.name, "served_at": recipient.served_at},
    )
    timeline_add(
        instance=document,
        actor=by,
        acting_unit_code=_acting_unit_code(document),
        action="serve",
        note=recipient.name,
    )
    return recipient


@transaction.atomic
def document_receipt_record(
    *, recipient: DocumentRecipient, by, file=None, signed_at=None, note: str = ""
) -> DocumentRecipient:
    """Record the 回执 a recipient returned, which closes its service (issue 19 item 2).

    Either the scan of the signed paper (`file`: checked by its content as every scan is,
    core.uploads; uploaded by the issuer's officers or the recipient unit) or, without a file, the
    recipient unit's own confirmation in the system. `signed_at` is when the recipient signed (now by
    default): never in the future nor before the document was issued. The recipient's service is
    closed with it when it was not recorded yet. One receipt per recipient; the row is locked again.
    """
    recipient = (
        DocumentRecipient.objects.select_for_update(of=("self",))
        .select_related("document__issuing_unit", "unit")
        .get(pk=recipient.pk)
    )
    document = recipient.document
    if document.state != DocumentState.ISSUED:
        raise Conflict(current_state=document.state)
    if file is not None:
        if not perms.may_upload_receipt(recipient, by):
            raise NotAllowed
    elif not perms.may_confirm_receipt(recipient, by):
        if perms.may_upload_receipt(recipient, by):
            raise ValidationError(
                {
                    "file": [
                        _(
                            "Upload the scan of the signed receipt; only the recipient unit confirms "
                            "in the system."
                        )
                    ]
                },
                code="required",
            )
        raise NotAllowed
    if recipient.receipt_method:
        raise Conflict(_("The receipt of this recipient is already recorded."), current_state=document.state)
    now = timezone.now()
    signed_at = signed_at or now
    if signed_at > now:
        raise ValidationError({"signed_at": [_("The receipt cannot be signed in the future.")]})
    if document.issued_at and signed_at < document.issued_at:
        raise ValidationError(
            {"signed_at": [_("The receipt cannot be signed before the document was issued.")]}
        )
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": [_("Write at most 300 characters.")]})
    if file is not None:
        try:
            kind = validate_scan(file)
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from None
        digest = hashlib.sha256()
        for chunk in file.chunks():
            digest.update(chunk)
        file.seek(0)
        recipient.receipt_method = ReceiptMethod.SCAN
        recipient.receipt_content_type = kind.mime_type
        recipient.receipt_sha256 = digest.hexdigest()
        recipient.receipt_file.save(f"receipt.{kind.extension}", file, save=False)
    else:
        recipient.receipt_method = ReceiptMethod.CONFIRMED
    recipient.receipt_signed_at = signed_at
    recipient.receipt_recorded_at = now
    recipient.receipt_recorded_by = by
    recipient.receipt_note = note
    closes = recipient.served_at is None
    if closes:
        recipient.served_at = signed_at
        recipient.served_by = by
    recipient.save()
    # The unit that acted: the recipient's when one of its officers recorded it, else the issuer's.
    acting = recipient.unit.code if perms.in_recipient_unit(recipient, by) else _acting_unit_code(document)
    audit.record(
        action="documents.document.receipt",
        actor=by,
        acting_unit_code=acting,
        target=document,
        payload={
            "recipient": recipient.name,
            "method": recipient.receipt_method,
            "signed_at": signed_at,
            "sha256": recipient.receipt_sha256,
            "closed_service": closes,
        },
    )
    timeline_add(instance=document, actor=by, acting_unit_code=acting, action="receipt", note=recipient.name)
    return recipient


def receipt_downloaded(*, recipient: DocumentRecipient, by) -> None:
    """Record that a user opened a recipient's returned receipt scan."""
    audit.record(
        action="documents.document.receipt_download",
        actor=by,
        target=recipient.document,
        payload={"recipient": recipient.name, "sha256": recipient.receipt_sha256},
    )


@transaction.atomic
def document_copy_record(*, document: Document, viewer, content: bytes, purpose: str = "") -> DocumentCopy:
    """Record a served copy that differs from the original on purpose (e.g. watermarked)."""
    return DocumentCopy.objects.create(
        document=document, viewer=viewer, sha256=hashlib.sha256(content).hexdigest(), purpose=purpose
    )


# --- downloads and verification --------------------------------------------------------------------


def render_arguments(document: Document, *, copy: bool = False) -> dict:
    """Return what an issued document is rendered with: its snapshot under its template version.

    The render task and every watermarked copy use the same arguments, so a copy differs from the
    original by its watermark and its signature alone (WeasyPrint renders the same input to the same
    bytes). The context gains `seal`, the unit's seal image in force when the document was issued
    ({"image": data: URI, "specimen": bool} or None; v1 templates ignore it), and the file is signed
    in the issuing unit's name (`sign`, documents.signing; None while DOCUMENT_SIGNING is off).
    """
    seal = seals.seal_context(document.issuing_unit_id, document.issued_at) if document.issued_at else None
    return {
        "template_name": document.spec.template_for(document.template_version),
        "context": {**document.snapshot, "seal": seal},
        "verification_code": document.verification_code,
        "verification_url": verification_url(document.verification_code),
        "title": f"{document.snapshot.get('kind_title', '')} {document.number}".strip(),
        "author": document.issuing_unit.name,
        "sign": signing.signer_for(document, copy=copy),
    }


def watermark_text(*, viewer, at) -> str:
    """Return the line printed on a served copy: the viewer, their units and the local time."""
    units = "、".join(
        Unit.objects.filter(pk__in=perms.unit_ids_of(viewer))
        .order_by("level", "code")
        .values_list("name", flat=True)
    )
    moment = timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")
    name = getattr(viewer, "display_name", "") or viewer.get_username()
    # The PDF prints in Chinese whatever the viewer's interface language (as the documents do).
    return " · ".join(part for part in (name, units, f"{moment} 下载") if part)


def document_copy_render(*, document: Document, viewer, at=None, signed: bool = True) -> bytes:
    """Render a copy of an issued document stamped on every page with the viewer's name, unit and time.

    The copy is signed after the watermark is printed, so it carries a valid signature of its own
    (the unit's, the reason naming it a download); the original file is left as it is. Characters no
    document font can draw become "?" so that an unusual name never stops a download. When the unit
    cannot sign now (documents.pki.SigningUnavailable) no copy is served: Conflict, with the reason.
    `signed=False` is for a copy that goes into a compilation (a case dossier): merging the pages
    would drop its signature anyway, so it is not computed.
    """
    from documents import rendering

    text = rendering.drawable_text(watermark_text(viewer=viewer, at=at or timezone.now()))
    arguments = render_arguments(document, copy=True)
    if not signed:
        arguments["sign"] = None
    try:
        return rendering.render_pdf(**arguments, watermark=text).content
    except pki.SigningUnavailable as exc:
        raise Conflict(str(exc), code="signing_unavailable") from exc


@transaction.atomic
def document_download(*, document: Document, by, channel: str = "api") -> Document:
    """Return the document, rendered and visible to `by`, auditing the download; else Document.DoesNotExist.

    What is served is a watermarked copy (issue 7 item 4), set on the returned document as
    `served_copy`; its hash is recorded (DocumentCopy) so verification recognises it as this document.
    """
    # Asked again here: a bridge (assistance's generated documents) hands over a document it read by id.
    if not document_visible_to(by, document) or document.render_state != RenderState.DONE:
        raise Document.DoesNotExist
    content = document_copy_render(document=document, viewer=by)
    copy = document_copy_record(document=document, viewer=by, content=content, purpose=f"download:{channel}")
    document.served_copy = content
    audit.record(
        action="documents.document.download",
        actor=by,
        target=document,
        payload={
            "sha256": document.sha256,
            "number": document.number,
            "channel": channel,
            "copy_sha256": copy.sha256,
        },
    )
    return document


AUTHENTIC = "authentic"
SUPERSEDED = "superseded"  # a correction was issued: the answer names it
REVOKED = "revoked"  # a 撤销决定书 was issued: the answer names it
VOIDED = "voided"  # ended by the one-step void of before issue 19
UNKNOWN = "unknown"
RESULTS = (AUTHENTIC, SUPERSEDED, REVOKED, VOIDED, UNKNOWN)
_RESULT_OF_STATE = {
    DocumentState.ISSUED: AUTHENTIC,
    DocumentState.SUPERSEDED: SUPERSEDED,
    DocumentState.REVOKED: REVOKED,
    DocumentState.VOIDED: VOIDED,
}


@dataclass(frozen=True)
class Verification:
    result: str  # one of RESULTS
    document: Document | None = None
    copy: DocumentCopy | None = None
    # A stored document not vouched for: a process's kind issued outside its process (issue 16).
    # Answered as unknown; named to the audit trail only.
    disowned: Document | None = None
    # The file's PAdES signature (of the stored original when verified by code); None when unknown.
    signature: signing.SignatureReport | None = None

    @property
    def replacement(self) -> Document | None:
        return self.document.replaced_by if self.document is not None else None

    def as_dict(self) -> dict:
        """The answer given to anyone signed in: issuer, number, kind, date and status; nothing else."""
        if self.document is None:
            return {"result": UNKNOWN}
        document = self.document
        answer = {
            "result": self.result,
            "issuer": document.issuing_unit.name,
            "number": document.number,
            "kind": document.kind,
            "kind_title": document.spec.title,
            "title": document.title,
            "issued_on": timezone.localtime(document.issued_at).date().isoformat()
            if document.issued_at
            else None,
            "status": document.state,
            # Why it no longer has effect (superseded, revoked or voided); empty while in effect.
            "voided_reason": document.voided_reason if not document.is_in_effect else "",
            "replacement": None,
            "revocation": None,
            "corrects": _reference(document.replaces) if document.replaces_id else None,
            "copy": None,
            "signature": self.signature.as_dict() if self.signature is not None else None,
        }
        replacement = self.replacement
        if replacement is not None:
            key = "revocation" if document.state == DocumentState.REVOKED else "replacement"
            answer[key] = _reference(replacement)
        if self.copy is not None:
            answer["copy"] = {
                "viewer": getattr(self.copy.viewer, "display_name", str(self.copy.viewer)),
                "created_at": self.copy.created_at.isoformat(),
                "purpose": self.copy.purpose,
            }
        return answer


def _reference(later: Document) -> dict:
    """Name another document in an answer: its number, state, date and the code that verifies it."""
    return {
        "number": later.number,
        "kind_title": later.spec.title,
        "status": later.state,
        "issued_on": timezone.localtime(later.issued_at).date().isoformat() if later.issued_at else None,
        "verification_code": later.verification_code if later.is_issued else "",
    }


def _result_for(
    document: Document | None, copy: DocumentCopy | None = None, *, content: bytes | None = None
) -> Verification:
    if document is None or not document.is_issued:
        return Verification(UNKNOWN)
    if document.outside_process:
        # Decision on the data stored before issue 16: a 指定管辖决定书 (or any process's kind) issued
        # through the generic endpoint decided nothing, so the system does not vouch for it.
        return Verification(UNKNOWN, disowned=document)
    if content is None and document.render_state == RenderState.DONE and document.file:
        # By code: the stored original's signature, as the file the code stands for.
        try:
            with document.file.open("rb") as handle:
                content = handle.read()
        except OSError:
            content = None  # the volume is away: the answer stands on the record, without the signature
    signature = signing.inspect(content) if content is not None else None
    return Verification(_RESULT_OF_STATE[document.state], document, copy, signature=signature)


def _audit_verification(*, by, method: str, probe: str, verification: Verification) -> None:
    audit.record(
        action="documents.document.verify",
        actor=by,
        target=verification.document or verification.disowned,
        payload={
            "method": method,
            "probe": probe,
            "result": verification.result,
            "copy": verification.copy.pk if verification.copy else None,
            "outside_process": verification.disowned is not None,
            "signature": _signature_summary(verification.signature),
        },
    )


def _signature_summary(report: signing.SignatureReport | None) -> dict | None:
    if report is None:
        return None
    return {"valid": report.ok, "signer_unit": report.unit_code, "problems": list(report.problems)}


_VERIFY_RELATED = ("issuing_unit", "replaced_by", "replaces")


@transaction.atomic
def document_verify_code(*, code: str, by=None) -> Verification:
    """Verify a document by the code printed on it; audited whatever the answer."""
    normalised = normalise_verification_code(code)
    document = (
        Document.objects.select_related(*_VERIFY_RELATED).filter(verification_code=normalised).first()
        if normalised
        else None
    )
    verification = _result_for(document)
    _audit_verification(
        by=by, method="code", probe=normalised or (code or "")[:32], verification=verification
    )
    return verification


@transaction.atomic
def document_verify_file(*, content: bytes, by=None) -> Verification:
    """Verify a file by SHA-256 against issued originals and recorded copies; one changed byte is unknown."""
    digest = hashlib.sha256(content).hexdigest()
    document = (
        Document.objects.select_related(*_VERIFY_RELATED)
        .filter(sha256=digest, render_state=RenderState.DONE)
        .first()
    )
    copy = None
    if document is None:
        copy = (
            DocumentCopy.objects.select_related("viewer", "document__issuing_unit")
            .filter(sha256=digest)
            .first()
        )
        document = copy.document if copy else None
    verification = _result_for(document, copy, content=content)
    _audit_verification(by=by, method="file", probe=digest, verification=verification)
    return verification
