"""The documents of jurisdiction proceedings: who may see them, and the handover list kind.

The 呈请报告书, 指定管辖决定书 and 移送案件通知书 are kinds of the documents app; the handover list
(移交清单, MPS-2020 arts 23, 185) is added here. A user who sees the proceeding sees its documents
(jurisdiction.selectors: the proceeding's audience, and only while the case is visible), except one
whose case only a `read` access grant opens.
The handover list needs no approval chain of its own: both sides co-signing the same list is its
approval (documents.kinds.EXTERNAL).
"""

from django.utils.translation import gettext_lazy as _

from cases.access.services import document_opened_by_grant
from cases.models import Case
from documents import access as document_access
from documents import kinds as document_kinds
from jurisdiction.models import HandoverConfirmation
from jurisdiction.selectors import LINK_TYPE, proceeding_visible_to
from organisation.standing import user_standing

HANDOVER_LIST = document_kinds.register(
    document_kinds.DocumentKindSpec(
        code="handover_list",
        title="移交清单",
        label=_("Handover list (移交清单)"),
        template_name="documents/kinds/handover_list",
        # v2 (issue 19): the list both sides sign (MPS-2020 art 185 ¶2): 移交人, 接收人 and 见证人
        # lines with their dates and both organs' seal places; a 正本 for the receiving organ and a
        # 附卷 for the file of the organ handing over.
        template_version=2,
        category_char="交",
        required_fields=("recipient", "case_name"),
        parts=(document_kinds.PART_ORIGINAL, document_kinds.PART_FILE),
        approval_chain=document_kinds.EXTERNAL_CHAIN,
    )
)


def _proceeding_id(document) -> int | None:
    try:
        return int(document.link_target_id)
    except (TypeError, ValueError):
        return None


def _seen_by_units(user, case_id: int) -> bool:
    """Return whether the user's units see the case without any access grant."""
    from cases.selectors import case_seen_by_units

    standing = user_standing(user)
    return bool(standing.unit_ids) and Case.objects.filter(case_seen_by_units(standing), pk=case_id).exists()


def _resolve(document, user) -> bool:
    """A user who sees the proceeding sees its documents, unless only an access grant opens its case.

    A `read` grant opens the case file, never documents; a `read_documents` grant opens them, and
    each such opening is audited (cases.access.services.document_opened_by_grant).
    """
    pk = _proceeding_id(document)
    if pk is None:
        return False
    case_id = proceeding_visible_to(user).filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        return False
    return _seen_by_units(user, case_id) or document_opened_by_grant(user, case_id=case_id, document=document)


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
    # The inbox lists a proceeding's documents waiting for a step under the proceeding (jurisdiction.inbox).
    from documents.steps import InboxListing, inbox_listings
    from jurisdiction.inbox import TARGET_TYPE
    from jurisdiction.services import HANDOVER_LIST_KIND

    inbox_listings.add(
        LINK_TYPE, InboxListing("jurisdiction.document", TARGET_TYPE, leaves_out=(HANDOVER_LIST_KIND,))
    )
