"""Template filters on documents for pages of other apps: whether a user may read a document's draft.

``{% load document_access %}`` then ``{% if document|draft_readable_by:request.user %}``: true for a
document not yet issued that documents.access lets the user read (the issuing unit's officers who take
its steps), so a page links the draft's PDF (documents:preview) only to them.
"""

from django import template

from documents.access import document_visible_to

register = template.Library()


@register.filter
def draft_readable_by(document, user) -> bool:
    return bool(document is not None and not document.is_issued and document_visible_to(user, document))
