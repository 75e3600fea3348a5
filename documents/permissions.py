"""Who may take each step of a document's approval chain: callables (document, user) by role and unit.

Roles are those held in the issuing unit. An acting (代理) unit head holds a unit-head membership
for set dates, so acting heads approve and issue like the head they stand in for.
"""

from organisation.models import OPERATIONAL_ROLES, Role
from organisation.standing import operational_memberships

DRAFTER_ROLES = (Role.INVESTIGATOR, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD)
# Who takes a step on a draft of the unit (drafts, reviews, approves, issues): they alone read it.
DRAFT_READER_ROLES = (*DRAFTER_ROLES, Role.LEGAL_OFFICER)


def memberships_of(user) -> list[tuple[int, str]]:
    """Return (unit id, role) of the user's current operational memberships (organisation.standing)."""
    return [(unit_id, role) for unit_id, _path, role, _department in operational_memberships(user)]


def unit_ids_of(user) -> set[int]:
    return {unit_id for unit_id, _role in memberships_of(user)}


def holds(user, unit_id, *roles) -> bool:
    return any(unit == unit_id and role in roles for unit, role in memberships_of(user))


def may_draft_for(unit_id, user) -> bool:
    """Draft a document in this unit's name: its investigators and heads."""
    return holds(user, unit_id, *DRAFTER_ROLES)


def draft_reader_roles(spec) -> tuple[str, ...]:
    """Return the roles, held in the issuing unit, that read a draft of this kind: its steps' roles."""
    return (*DRAFT_READER_ROLES, *spec.issuer_roles)


def may_read_draft(document, user) -> bool:
    """Read an unissued document: an officer of the issuing unit who takes one of its steps.

    Nobody else, whatever they see of the object it is linked to (issue 16 leak 9).
    """
    return holds(user, document.issuing_unit_id, *draft_reader_roles(document.spec))


def may_draft(document, user) -> bool:
    """Edit and submit a draft: an officer of the issuing unit."""
    return holds(user, document.issuing_unit_id, *DRAFTER_ROLES)


def may_review(document, user) -> bool:
    """Legal review (审核): a legal officer of the issuing unit."""
    return holds(user, document.issuing_unit_id, Role.LEGAL_OFFICER)


def may_approve(document, user) -> bool:
    """Approval (审批): the head of the issuing unit, or the acting head."""
    return holds(user, document.issuing_unit_id, Role.UNIT_HEAD)


def may_issue(document, user) -> bool:
    """Sign and issue (签发) an approved document: the head of the issuing unit, or the acting head."""
    return holds(user, document.issuing_unit_id, Role.UNIT_HEAD)


def may_issue_external(document, user) -> bool:
    """Issue a document its linking object approved: an issuing-unit officer, once that app confirms.

    The linking app confirms through documents.access.register_external_approval.
    """
    from documents.access import externally_approved

    roles = document.spec.issuer_roles or DRAFTER_ROLES
    return holds(user, document.issuing_unit_id, *roles) and externally_approved(document)


def may_send_back(document, user) -> bool:
    """Send back with a reason: whoever acts at the current step."""
    if document.state == "legal_review":
        return may_review(document, user)
    return may_approve(document, user)


def may_start_ending(document, user) -> bool:
    """Start a correction or a revocation: an officer of the issuing unit who drafts its documents
    (the later document then has its own review and approval before it ends this one)."""
    return holds(user, document.issuing_unit_id, *DRAFTER_ROLES)


def may_end(document, user) -> bool:
    """End an issued document (superseded by its correction, revoked by a 撤销决定书): who signs the
    later document, the head of the issuing unit (the same organ decides; MPS-2020 art 7 ¶2 leaves a
    superior's own revocation to the superior's documents)."""
    return holds(user, document.issuing_unit_id, Role.UNIT_HEAD)


def may_serve(document, user) -> bool:
    """Record service (送达): an officer of the issuing unit."""
    return holds(user, document.issuing_unit_id, *DRAFTER_ROLES, Role.LEGAL_OFFICER)


def in_recipient_unit(recipient, user) -> bool:
    """Whether the user works in the unit a document was addressed to (any case role there)."""
    return recipient.unit_id is not None and holds(user, recipient.unit_id, *OPERATIONAL_ROLES)


def may_confirm_receipt(recipient, user) -> bool:
    """Confirm in the system that the document arrived (the 回执 returned online): the recipient unit."""
    return in_recipient_unit(recipient, user)


def may_upload_receipt(recipient, user) -> bool:
    """Upload the scan of the signed paper 回执: the issuer's officers (to whom it was returned) or
    the recipient unit (which signed it)."""
    return may_serve(recipient.document, user) or in_recipient_unit(recipient, user)
