"""The document kinds assistance adds to the documents app, and who sees and approves them.

The 协助解除冻结财产通知书 (MPS-2020 art 241): lifting a freeze needs the approval of the head of the
organ that approved it; the notice tells the bank to unfreeze. The 解除查封决定书 and 解除扣押决定书
(MPS-2020 art 233): releasing a seal or seizure is decided by the organ that approved it (our reading
[R], by analogy with MPS-2020 arts 232 ¶2, 241). Each is linked to the property measure it lifts and drafted
and issued by the measure's approval step (cases.assistance.services), so that step is its approval
(documents.kinds.EXTERNAL); so is the 协助冻结财产通知书 of a continued freeze (继续冻结, MPS-2020
art 240), linked to the renewed period. Who sees the measure's request sees them.
"""

from django.utils.translation import gettext_lazy as _

from documents import access as document_access
from documents import kinds as document_kinds

MEASURE_LINK_TYPE = "assistance.propertymeasure"

UNFREEZE_NOTICE = document_kinds.register(
    document_kinds.DocumentKindSpec(
        code="property_unfreeze_notice",
        title="协助解除冻结财产通知书",
        label=_("Notice of assistance in unfreezing property (协助解除冻结财产通知书)"),
        template_name="documents/kinds/property_unfreeze_notice",
        # v2 (issue 19): the form book's parts on the v2 layout, and a 回执 the assisting unit returns
        # confirming the account, the amount released and when.
        template_version=2,
        category_char="解",
        required_fields=("recipient", "property"),
        parts=(
            document_kinds.PART_STUB,
            document_kinds.PART_ORIGINAL,
            document_kinds.PART_RECEIPT,
            document_kinds.PART_FILE,
        ),
        approval_chain=document_kinds.EXTERNAL_CHAIN,
    )
)


SEALING_RELEASE_DECISION = document_kinds.register(
    document_kinds.DocumentKindSpec(
        code="sealing_release_decision",
        title="解除查封决定书",
        label=_("Decision to release sealed property (解除查封决定书)"),
        template_name="documents/kinds/sealing_release_decision",
        # v2 (issue 19): the form book's parts on the v2 layout; the holder signs the 附卷 for the
        # decision and the property taken back.
        template_version=2,
        category_char="解封",
        required_fields=("recipient", "property"),
        parts=(document_kinds.PART_STUB, document_kinds.PART_ORIGINAL, document_kinds.PART_FILE),
        approval_chain=document_kinds.EXTERNAL_CHAIN,
    )
)
SEIZURE_RELEASE_DECISION = document_kinds.register(
    document_kinds.DocumentKindSpec(
        code="seizure_release_decision",
        title="解除扣押决定书",
        label=_("Decision to release seized property (解除扣押决定书)"),
        template_name="documents/kinds/seizure_release_decision",
        # v2 (issue 19): the form book's parts on the v2 layout; the holder signs the 附卷 for the
        # decision and the property taken back.
        template_version=2,
        category_char="解扣",
        required_fields=("recipient", "property"),
        parts=(document_kinds.PART_STUB, document_kinds.PART_ORIGINAL, document_kinds.PART_FILE),
        approval_chain=document_kinds.EXTERNAL_CHAIN,
    )
)


def _measure_of(document):
    from cases.assistance.models import PropertyMeasure

    try:
        pk = int(document.link_target_id)
    except (TypeError, ValueError):
        return None
    return PropertyMeasure.objects.filter(pk=pk).select_related("request").first()


def _resolve(document, user) -> bool:
    """A user who sees the measure's request sees its unfreeze notice."""
    from cases.assistance.selectors import request_visible_to

    measure = _measure_of(document)
    return measure is not None and request_visible_to(user).filter(pk=measure.request_id).exists()


def _approved(document) -> bool:
    """The measure's approval step is the document's approval (MPS-2020 arts 233, 240, 241).

    The freeze notice of a renewed period: the renewal's approval (a renewed period exists only once
    approved); the release documents: the release's approval.
    """
    measure = _measure_of(document)
    if measure is None:
        return False
    if document.kind == document_kinds.PROPERTY_FREEZE_NOTICE.code:
        return measure.renewed_from_id is not None
    return measure.release_approved_at is not None


def register() -> None:
    document_access.register_resolver(MEASURE_LINK_TYPE, _resolve)
    document_access.register_external_approval(MEASURE_LINK_TYPE, _approved)
