"""Reads of documents. Lists show what the user's own units issued, and the drafts whose steps the
user takes (resolvers answer per document, not per queryset); detail and downloads ask
documents.access.document_visible_to. Both follow the one rule of documents.access, and so do the
lists of an object's documents (documents_readable_by)."""

from django.db.models import QuerySet

from documents.access import document_visible_to, linked_documents_q, own_documents_q
from documents.models import Document
from organisation.selectors import user_may_read_case_data


def documents_of_user_units(user) -> QuerySet[Document]:
    """Return the documents the user's units issued and the drafts the user takes steps on, newest first."""
    if not user_may_read_case_data(user):
        return Document.objects.none()
    return Document.objects.filter(own_documents_q(user)).select_related(
        "issuing_unit", "department", "created_by", "issued_by", "replaced_by", "replaces"
    )


def document_for(user, pk: int) -> Document | None:
    """Return the document when the user may see it, else None (the caller answers 404)."""
    document = (
        Document.objects.select_related(
            "issuing_unit", "department", "created_by", "issued_by", "replaced_by", "replaces", "revokes"
        )
        .prefetch_related("recipients")
        .filter(pk=pk)
        .first()
    )
    if document is None or not document_visible_to(user, document):
        return None
    return document


def documents_linked_to(target_type: str, target_id) -> QuerySet[Document]:
    """Return the documents a linking app attached to one of its objects (the app checks visibility)."""
    return Document.objects.filter(link_target_type=target_type, link_target_id=str(target_id))


def documents_readable_by(user, queryset: QuerySet[Document]) -> QuerySet[Document]:
    """Keep, of a visible object's linked documents, those the user may read (one query, any count).

    Every list of the documents attached to a process object (proceeding, assistance request,
    meeting) goes through here, so no list shows a draft to a party or superior who takes no step on
    it (documents.access, issue 16 leak 9). The caller has already found the object visible.
    """
    return queryset.filter(linked_documents_q(user))
