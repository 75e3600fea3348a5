"""The documents of jurisdiction proceedings: who may see them, and the handover list kind.

The 呈请报告书, 指定管辖决定书 and 移送案件通知书 are kinds of the documents app; the handover list
(移交清单, MPS-2020 arts 23, 185) is added here. A user who sees the proceeding sees its documents.
The handover list needs no approval chain of its own: both sides co-signing the same list is its
approval (documents.kinds.EXTERNAL).
"""

from django.utils.translation import gettext_lazy as _

from documents import access as document_access
from documents import kinds as document_kinds
from jurisdiction.models import HandoverConfirmation
from jurisdiction.selectors import proceeding_visible_to

LINK_TYPE = "jurisdiction.proceeding"

HANDOVER_LIST = document_kinds.register(
    document_kinds.DocumentKindSpec(
        code="handover_list",
        title="移交清单",
        label=_("Handover list (移交清单)"),
        template_name="documents/kinds/handover_list",
        template_version=1,
        category_char="交",
        required_fields=("recipient", "case_name"),
        approval_chain=document_kinds.EXTERNAL_CHAIN,
    )
)


def _proceeding_id(document) -> int | None:
    try:
        return int(document.link_target_id)
    except (TypeError, ValueError):
        return None


def _resolve(document, user) -> bool:
    pk = _proceeding_id(document)
    return pk is not None and proceeding_visible_to(user).filter(pk=pk).exists()


def _approved(document) -> bool:
    """A handover list is approved once both sides confirmed the same list."""
    pk = _proceeding_id(document)
    if pk is None or document.kind != HANDOVER_LIST.code:
        return False
    digests = set(HandoverConfirmation.objects.filter(proceeding_id=pk).values_list("list_digest", flat=True))
    sides = HandoverConfirmation.objects.filter(proceeding_id=pk).count()
    return sides == 2 and len(digests) == 1


def register() -> None:
    document_access.register_resolver(LINK_TYPE, _resolve)
    document_access.register_external_approval(LINK_TYPE, _approved)
