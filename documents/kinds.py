"""The registry of document kinds (文书种类): what each form is, how it is numbered and approved.

Other apps add kinds with `register(spec)` (minutes come from meetings later). A template version is
an immutable file: a change to a form is a new file `<code>.v2.html` beside the old one, registered by
raising `template_version`; issued documents keep rendering with the version they were issued with.
`documents/template_manifest.json` records each version file's SHA-256 so an edited file fails CI.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.registry import Registry

DEFAULT_NUMBER_PATTERN = "{unit}公（{dept}）{category}字〔{year}〕{serial}号"
MANIFEST_PATH = Path(__file__).with_name("template_manifest.json")

LEGAL_REVIEW = "legal_review"
APPROVAL = "approval"
# The document is approved by the linking object's own approval (an assistance request's internal
# approval): no second chain, it is issued directly once the linking app says so.
EXTERNAL = "external"

REVIEWED_CHAIN = (LEGAL_REVIEW, APPROVAL)
APPROVAL_CHAIN = (APPROVAL,)
EXTERNAL_CHAIN = (EXTERNAL,)

PART_STUB = "存根"
PART_ORIGINAL = "正本"
PART_DUPLICATE = "副本"
PART_FILE = "附卷"
PART_RECEIPT = "回执"


@dataclass(frozen=True)
class DocumentKindSpec:
    """One kind of form. `template_name` is the base name; versions are `<base>.v<n>.html`."""

    code: str
    title: str
    label: Promise | str
    template_name: str
    template_version: int
    category_char: str
    required_fields: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    number_pattern: str = DEFAULT_NUMBER_PATTERN
    copy_number: bool = False  # 份号
    classification: bool = False  # 密级 and 保密期限
    urgency: bool = False  # 紧急程度
    approval_chain: tuple[str, ...] = APPROVAL_CHAIN
    # Who may issue an externally approved document; empty means the drafter roles.
    issuer_roles: tuple[str, ...] = ()
    # Whether the form prints the organ's seal; a 纪要 (GB/T 9704 §10.3) does not.
    sealed: bool = True
    # Decide the chain from the document's data, when the kind's chain depends on its purpose.
    chain_for_data: Callable[[dict], tuple[str, ...]] | None = field(default=None, compare=False)
    # Whether the kind belongs to a process (a request, a proceeding, a meeting) and is drafted only
    # by that process's service, linked to its object; never through the generic POST
    # /api/v1/documents/ (issue 16 leak 9). Owned unless a kind is declared free-standing: a new kind
    # that forgets the flag stays out of the generic endpoint rather than in it.
    process_owned: bool = True
    # Whether an issued document of the kind is corrected through its process (a 纪要 is signed again
    # by every member, meetings.minutes), not by a correction drafted from the document.
    corrected_by_process: bool = False

    def template_for(self, version: int | None = None) -> str:
        """Return the template file of a version (the current one by default)."""
        return f"{self.template_name}.v{version or self.template_version}.html"

    def chain(self, data: dict | None = None) -> tuple[str, ...]:
        if self.chain_for_data is not None:
            return tuple(self.chain_for_data(data or {}))
        return self.approval_chain

    def missing_fields(self, data: dict) -> list[str]:
        return [name for name in self.required_fields if not str((data or {}).get(name) or "").strip()]

    def outside_process(self, link_target_type: str) -> bool:
        """Return whether a document of this kind with this link stands outside the process it belongs to."""
        return self.process_owned and not link_target_type


def process_owned_message(spec: DocumentKindSpec) -> str:
    """Say why a process's kind is refused outside its process (the error on the field `kind`)."""
    return gettext(
        "A %(kind)s belongs to its process and is drafted and issued only by that process, "
        "never on its own; only free-standing kinds (%(free)s) are drafted here."
    ) % {"kind": spec.title, "free": "、".join(s.title for s in _registry.values() if not s.process_owned)}


_registry: Registry[str, DocumentKindSpec] = Registry("document kinds")


def register(spec: DocumentKindSpec) -> DocumentKindSpec:
    """Add a kind; registering the same code twice with a different spec raises DuplicateRegistration."""
    for step in spec.approval_chain:
        if step not in (LEGAL_REVIEW, APPROVAL, EXTERNAL):
            raise ValueError(f"Unknown approval step {step!r} in kind {spec.code!r}")
    if EXTERNAL in spec.approval_chain and not spec.process_owned:
        # Approved by its linking object's own approval: without that object it could never be issued.
        raise ValueError(f"Kind {spec.code!r} is approved by its process, so it must be process-owned")
    return _registry.add(spec.code, spec)


def get(code: str) -> DocumentKindSpec:
    try:
        return _registry[code]
    except KeyError:
        raise LookupError(f"No document kind {code!r}") from None


def all_kinds() -> list[DocumentKindSpec]:
    return list(_registry.values())


def choices() -> list[tuple[str, str]]:
    return [(spec.code, spec.title) for spec in _registry.values()]


def template_versions(spec: DocumentKindSpec) -> list[str]:
    """Return every version file of a kind, from v1 to the current one (all must stay on disk)."""
    return [spec.template_for(version) for version in range(1, spec.template_version + 1)]


def on_v2_layout(spec: DocumentKindSpec) -> bool:
    """Whether the kind's current template is drawn on the v2 layout of issue 19 (base.v2.html)."""
    source = template_path(spec.template_for()).read_text(encoding="utf-8")
    return 'extends "documents/base.v2.html"' in source


def template_path(name: str) -> Path:
    return Path(settings.BASE_DIR) / "templates" / name


def template_hash(name: str) -> str:
    return hashlib.sha256(template_path(name).read_bytes()).hexdigest()


def manifest() -> dict[str, str]:
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


# --- the kinds of issue 4 -------------------------------------------------------------------------

DESIGNATION_PURPOSE = "jurisdiction_designation"
# The 呈请立案报告书 (MPS-2020 art 178): the case's own filing step is its approval (cases.filing).
FILING_PURPOSE = "case_filing"


def _report_chain(data: dict) -> tuple[str, ...]:
    # The report that asks the superior to designate jurisdiction decides jurisdiction: legal review.
    # The report asking for 立案 is approved by the organ head's filing step on the case, linked to it:
    # drafted without that link it is never issued (no case approves it).
    if data.get("purpose") == FILING_PURPOSE:
        return EXTERNAL_CHAIN
    return REVIEWED_CHAIN if data.get("purpose") == DESIGNATION_PURPOSE else APPROVAL_CHAIN


ASSISTANCE_LETTER = register(
    DocumentKindSpec(
        code="assistance_letter",
        title="办案协作函",
        label=_("Assistance letter (办案协作函)"),
        template_name="documents/kinds/assistance_letter",
        # v2 (issue 19): the GB/T 9704 v2 layout, organ line, full stub, signature block with the seal.
        template_version=2,
        category_char="协",
        required_fields=("recipient", "case_name", "matters", "contact_officers"),
        parts=(PART_STUB, PART_ORIGINAL),
        urgency=True,
        approval_chain=EXTERNAL_CHAIN,
    )
)
REPORT_FOR_APPROVAL = register(
    DocumentKindSpec(
        code="report_for_approval",
        title="呈请报告书",
        label=_("Report for approval (呈请报告书)"),
        template_name="documents/kinds/report_for_approval",
        # v2 (issue 19): 呈请××报告书 from its purpose, the approval column filled from the workflow
        # (documents.form_data) at the form's place, the facts' paragraphs kept.
        template_version=2,
        category_char="呈",
        required_fields=("subject", "facts", "request"),
        approval_chain=APPROVAL_CHAIN,
        chain_for_data=_report_chain,
        # A report to the unit's own head is internal: it is signed, not sealed.
        sealed=False,
        # A unit's own report to its head: drafted freely; the designation request links its own.
        process_owned=False,
    )
)
EVIDENCE_CALL_NOTICE = register(
    DocumentKindSpec(
        code="evidence_call_notice",
        title="调取证据通知书",
        label=_("Notice to produce evidence (调取证据通知书)"),
        template_name="documents/kinds/evidence_call_notice",
        # v2 (issue 19): the 副本 kept on file is signed by who received it; a 回执 for the evidence.
        template_version=2,
        category_char="调",
        required_fields=("recipient", "case_name", "evidence"),
        parts=(PART_STUB, PART_ORIGINAL, PART_DUPLICATE, PART_RECEIPT),
        approval_chain=EXTERNAL_CHAIN,
    )
)
PROPERTY_INQUIRY_NOTICE = register(
    DocumentKindSpec(
        code="property_inquiry_notice",
        title="协助查询财产通知书",
        label=_("Notice of assistance in inquiring property (协助查询财产通知书)"),
        template_name="documents/kinds/property_inquiry_notice",
        # v2 (issue 19): a 回执 the assisting unit fills with what it found.
        template_version=2,
        category_char="询",
        required_fields=("recipient", "subject_name", "property"),
        parts=(PART_STUB, PART_ORIGINAL, PART_RECEIPT, PART_FILE),
        approval_chain=EXTERNAL_CHAIN,
    )
)
PROPERTY_FREEZE_NOTICE = register(
    DocumentKindSpec(
        code="property_freeze_notice",
        title="协助冻结财产通知书",
        label=_("Notice of assistance in freezing property (协助冻结财产通知书)"),
        template_name="documents/kinds/property_freeze_notice",
        # v2 (issue 19): a 回执 confirming the account, the amount frozen and the period.
        template_version=2,
        category_char="冻",
        required_fields=("recipient", "subject_name", "property", "amount", "period_from", "period_to"),
        parts=(PART_STUB, PART_ORIGINAL, PART_RECEIPT, PART_FILE),
        approval_chain=EXTERNAL_CHAIN,
    )
)
CASE_TRANSFER_NOTICE = register(
    DocumentKindSpec(
        code="case_transfer_notice",
        title="移送案件通知书",
        label=_("Notice of case transfer (移送案件通知书)"),
        template_name="documents/kinds/case_transfer_notice",
        # v2 (issue 19): a 回执 the receiving organ signs for the case and its materials.
        template_version=2,
        category_char="移",
        required_fields=("recipient", "case_name", "reason", "legal_basis"),
        parts=(PART_STUB, PART_ORIGINAL, PART_RECEIPT, PART_FILE),
        approval_chain=REVIEWED_CHAIN,
    )
)
JURISDICTION_DESIGNATION_DECISION = register(
    DocumentKindSpec(
        code="jurisdiction_designation_decision",
        title="指定管辖决定书",
        label=_("Decision designating jurisdiction (指定管辖决定书)"),
        template_name="documents/kinds/jurisdiction_designation_decision",
        # v2 (issue 19): every organ served is named (主送) and gets its own copy and 回执, the court
        # and procuratorate copied (抄送) get a 副本 each (MPS-2020 art 23 ¶1).
        template_version=2,
        category_char="指",
        required_fields=("recipient", "case_name", "designated_unit", "reason", "legal_basis"),
        parts=(PART_STUB, PART_ORIGINAL, PART_DUPLICATE, PART_FILE, PART_RECEIPT),
        approval_chain=REVIEWED_CHAIN,
    )
)


# --- ending an issued document (issue 19 item 7) ---------------------------------------------------

REVOCATION_DECISION = register(
    DocumentKindSpec(
        code="revocation_decision",
        title="撤销决定书",
        label=_("Decision revoking a document (撤销决定书)"),
        template_name="documents/kinds/revocation_decision",
        # Its first version is drawn on the v2 layout of issue 19 (base.v2.html).
        template_version=1,
        category_char="撤",
        # Served on whom the revoked document was served (their names are drawn from it).
        required_fields=("recipient", "revoked_title", "revoked_number", "reason", "legal_basis"),
        parts=(PART_STUB, PART_ORIGINAL, PART_FILE),
        # A revocation is a decision of the organ like the one it revokes: reviewed by the legal
        # department and approved by the head, whatever chain the revoked document had.
        approval_chain=REVIEWED_CHAIN,
        # Drafted only from the document it revokes (documents.services.document_revoke).
        process_owned=True,
    )
)
