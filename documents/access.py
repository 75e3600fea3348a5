"""Who may see a document is decided by the app that links it (DESIGN.md "Visibility and security").

`documents` knows no cases or requests. The linking app registers, per link type (the
`link_target_type` it writes on the document, e.g. "assistance.request"):

    register_resolver("assistance.request", lambda document, user: ...)      # may see / download
    register_external_approval("assistance.request", lambda document: ...)   # approved outside

The rule, in this order, for every link type (a resolver cannot forget a part of it):

1. Auditors and system administrators see no document (they read no case data).
2. A draft (any state before issue) is read only by the officers of the issuing unit who take its
   steps (documents.permissions.may_read_draft): never by the other parties of its process or by any
   superior, whatever they see of the linked object (issue 16 leak 9). Resolvers are not asked.
3. An issued (or voided) document is seen by the operational members of its issuing unit, and by
   whoever the resolver of its link type lets see it: it follows its process object's visibility.
   A document with no link, or whose link type has no resolver, is seen by its issuing unit alone.
"""

from collections.abc import Callable

from django.db.models import Q

from core.registry import Registry
from documents import permissions as perms

Resolver = Callable[[object, object], bool]
ApprovalCheck = Callable[[object], bool]

_resolvers: Registry[str, Resolver] = Registry("document access resolvers")
_approval_checks: Registry[str, ApprovalCheck] = Registry("document external approvals")


def register_resolver(link_type: str, func: Resolver) -> Resolver:
    """Register `func(document, user) -> bool` that tells who sees the issued documents of a link type."""
    return _resolvers.add(link_type, func)


def unregister_resolver(link_type: str) -> None:
    _resolvers.remove(link_type)


def register_external_approval(link_type: str, func: ApprovalCheck) -> ApprovalCheck:
    """Register how to tell that a linked object's own approval covers its documents (chain "external")."""
    return _approval_checks.add(link_type, func)


def unregister_external_approval(link_type: str) -> None:
    _approval_checks.remove(link_type)


def externally_approved(document) -> bool:
    check = _approval_checks.get(document.link_target_type or "")
    return bool(check and check(document))


def has_resolver(link_type: str) -> bool:
    return bool(link_type) and link_type in _resolvers


def document_visible_to(user, document) -> bool:
    """Return whether the user may see and download the document (the rule of the module docstring)."""
    if not perms.memberships_of(user):
        return False  # anonymous, auditors and system administrators: no case data at all
    if not document.is_issued:
        return perms.may_read_draft(document, user)
    if document.issuing_unit_id in perms.unit_ids_of(user):
        return True
    resolver = _resolvers.get(document.link_target_type or "")
    return bool(resolver and resolver(document, user))


def own_documents_q(user) -> Q:
    """Return the condition on the documents of the user's own units that the user may see.

    The same rule as document_visible_to, as a query: the issued documents of the user's units, and
    the drafts of the units where the user takes a step of that kind's chain.
    """
    from documents.models import FINAL_STATES

    memberships = perms.memberships_of(user)
    if not memberships:
        return Q(pk__in=[])
    issued = Q(state__in=FINAL_STATES)
    condition = issued & Q(issuing_unit_id__in={unit for unit, _role in memberships})
    return condition | (~issued & _readable_drafts_q(memberships))


def linked_documents_q(user) -> Q:
    """Return the condition on the documents linked to an object the user sees that the user may read.

    For lists of a process object's documents (a proceeding, a request, a meeting): the caller has
    found the object visible to the user, which is what the resolvers of the rule ask of an issued
    document; a draft is read only as document_visible_to says (its issuing unit's officers who take
    its steps), whatever the user sees of the object (issue 16 leak 9).
    """
    from documents.models import FINAL_STATES

    memberships = perms.memberships_of(user)
    if not memberships:
        return Q(pk__in=[])  # anonymous, auditors and system administrators read no document
    issued = Q(state__in=FINAL_STATES)
    return issued | (~issued & _readable_drafts_q(memberships))


def _readable_drafts_q(memberships) -> Q:
    """Return the condition on drafts that perms.may_read_draft grants to these memberships."""
    from documents import kinds

    # Kinds whose steps take the same roles share one condition (most kinds: the drafter roles).
    kinds_by_units: dict[frozenset[int], list[str]] = {}
    for spec in kinds.all_kinds():
        roles = set(perms.draft_reader_roles(spec))
        units = frozenset(unit for unit, role in memberships if role in roles)
        if units:
            kinds_by_units.setdefault(units, []).append(spec.code)
    drafts = Q(pk__in=[])
    for units, codes in kinds_by_units.items():
        drafts |= Q(kind__in=sorted(codes), issuing_unit_id__in=sorted(units))
    return drafts
