"""Citations as the reader's language writes them: ``{{ basis.citation|cite }}``.

Chinese pages (and every PDF, ``|cite:"zh-hans"``) read 《公安机关办理刑事案件程序规定》第十六条; English
pages keep the canonical "MPS-2020 art 16". ``deadline_basis`` says where a deadline comes from: its
article, or that the period is a system default no article sets (系统默认期限，非法定).
"""

from django import template
from django.utils.translation import get_language

from core import citations
from core.deadlines import SYSTEM_DEFAULT

register = template.Library()


@register.filter
def cite(text, language=None):
    """Write the canonical citations in ``text`` for ``language`` (default: the active one)."""
    if not text:
        return ""
    return citations.render(str(text), language or get_language())


@register.filter
def deadline_basis(citation_text, language=None):
    """The basis of a deadline: its citation, or the system-default notice when it has none."""
    if not citation_text:
        return str(SYSTEM_DEFAULT)
    return citations.render(str(citation_text), language or get_language())
