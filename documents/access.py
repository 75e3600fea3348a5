"""Who may see a document is decided by the app that links it (DESIGN.md "Visibility and security").

`documents` knows no cases or requests. The linking app registers, per link type (the
`link_target_type` it writes on the document, e.g. "assistance.request"):

    register_resolver("assistance.request", lambda document, user: ...)      # may see / download
    register_external_approval("assistance.request", lambda document: ...)   # approved outside

Decision (documented here and in the API): the operational members of the issuing unit always see
the unit's own documents, drafts included, because they draft, review, approve and issue them. Anyone
else sees a document only when the resolver of its link type says so; a document with no link, or
whose link type has no resolver, is seen by its issuing unit alone. Auditors and system
administrators see no document (they read no case data).
"""

from collections.abc import Callable

from documents import permissions as perms

Resolver = Callable[[object, object], bool]
ApprovalCheck = Callable[[object], bool]

_resolvers: dict[str, Resolver] = {}
_approval_checks: dict[str, ApprovalCheck] = {}


def register_resolver(link_type: str, func: Resolver) -> Resolver:
    _resolvers[link_type] = func
    return func


def unregister_resolver(link_type: str) -> None:
    _resolvers.pop(link_type, None)


def register_external_approval(link_type: str, func: ApprovalCheck) -> ApprovalCheck:
    """Register how to tell that a linked object's own approval covers its documents (chain "external")."""
    _approval_checks[link_type] = func
    return func


def unregister_external_approval(link_type: str) -> None:
    _approval_checks.pop(link_type, None)


def externally_approved(document) -> bool:
    check = _approval_checks.get(document.link_target_type or "")
    return bool(check and check(document))


def document_visible_to(user, document) -> bool:
    """Return whether the user may see and download the document."""
    if not perms.memberships_of(user):
        return False  # anonymous, auditors and system administrators: no case data at all
    if document.issuing_unit_id in perms.unit_ids_of(user):
        return True
    resolver = _resolvers.get(document.link_target_type or "")
    return bool(resolver and resolver(document, user))
