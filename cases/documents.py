"""The documents of the case itself: the 立案决定书 and 不予立案通知书 kinds, and what approves them.

MPS-2020 art 178: 立案 is asked for with a 呈请立案报告书 (a 呈请报告书 of documents.kinds with the
purpose FILING_PURPOSE) and approved by the head of a county-level or higher organ; a 立案决定书
records it. Both are linked to the case ("cases.case") and issued in the organ's name when its head
approves (cases.filing): the case's filing step is their approval (documents.kinds.EXTERNAL), so
no second chain runs. Who sees them once issued is who sees the case (cases.access.services
resolves the documents linked to a case); a draft only the organ's officers (documents.access).
"""

from django.utils.translation import gettext_lazy as _

from cases.models import Case
from documents import access as document_access
from documents import kinds as document_kinds
from organisation.models import Role

LINK_TYPE = "cases.case"

CASE_FILING_DECISION = document_kinds.register(
    document_kinds.DocumentKindSpec(
        code="case_filing_decision",
        title="立案决定书",
        label=_("Decision to file the case (立案决定书)"),
        template_name="documents/kinds/case_filing_decision",
        # v2 (issue 19): the form book's parts on the v2 layout, the full stub, the signature block.
        template_version=2,
        category_char="立",
        required_fields=("case_name", "legal_basis"),
        parts=(document_kinds.PART_STUB, document_kinds.PART_ORIGINAL),
        approval_chain=document_kinds.EXTERNAL_CHAIN,
        # Issued by the head who approved the filing, in the same step (MPS-2020 art 178).
        issuer_roles=(Role.UNIT_HEAD,),
    )
)


# 不予立案 (MPS-2020 art 178 ¶1–2): issued by the head who decided not to file, in the same step, and
# served on the complainants within 3 days (cases.refusal).
CASE_NOT_FILING_NOTICE = document_kinds.register(
    document_kinds.DocumentKindSpec(
        code="case_not_filing_notice",
        title="不予立案通知书",
        label=_("Notice of the decision not to file (不予立案通知书)"),
        template_name="documents/kinds/case_not_filing_notice",
        # v2 (issue 19): the form book's parts on the v2 layout, the full stub, and the complainant's
        # 送达 lines on the 附卷 (served within 3 days, MPS-2020 art 178 ¶2).
        template_version=2,
        category_char="不立",
        required_fields=("case_name", "ground", "legal_basis"),
        parts=(document_kinds.PART_STUB, document_kinds.PART_ORIGINAL, document_kinds.PART_FILE),
        approval_chain=document_kinds.EXTERNAL_CHAIN,
        issuer_roles=(Role.UNIT_HEAD,),
    )
)


def _approved(document) -> bool:
    """The filing's documents are approved once the organ's head decided on the filing (art 178 ¶1):
    the 呈请立案报告书 and 立案决定书 when the case was filed, the 呈请不予立案报告书 and 不予立案通知书
    when it was not.
    """
    try:
        pk = int(document.link_target_id)
    except (TypeError, ValueError):
        return False
    case = (
        Case.objects.filter(pk=pk)
        .values(
            "filed_at",
            "filing_report_id",
            "filing_decision_id",
            "not_filed_at",
            "refusal_report_id",
            "refusal_notice_id",
        )
        .first()
    )
    if case is None:
        return False
    approved = []
    if case["filed_at"] is not None:
        approved += [case["filing_report_id"], case["filing_decision_id"]]
    if case["not_filed_at"] is not None:
        approved += [case["refusal_report_id"], case["refusal_notice_id"]]
    return document.pk in approved


def register() -> None:
    """Register the external approval of the documents linked to a case (called from CasesConfig.ready)."""
    document_access.register_external_approval(LINK_TYPE, _approved)
