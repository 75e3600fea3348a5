"""Citations as the reader's language writes them: ``{{ basis.citation|cite }}``.

Chinese pages (and every PDF, ``|cite:"zh-hans"``) read 《公安机关办理刑事案件程序规定》第十六条; English
pages keep the canonical "MPS-2020 art 16". ``deadline_basis`` says where a deadline comes from: its
article, or that the period is a system default no article sets (系统默认期限，非法定).
"""

from django import template
from django.utils.translation import get_language, gettext

from core import citations
from core.deadline_rows import rulebook
from core.deadlines import SYSTEM_DEFAULT

register = template.Library()


# Safe in, safe out: the Chinese form adds no character HTML treats specially (《》 and numerals).
@register.filter(is_safe=True)
def cite(text, language=None):
    """Write the canonical citations in ``text`` for ``language`` (default: the active one)."""
    if not text:
        return ""
    return citations.render(str(text), language or get_language())


def _remote_period_applies(row) -> bool:
    """Return whether a deadline row runs its rule's longer period for a remote unit."""
    rule = rulebook().get(getattr(row, "rule_key", ""))
    if rule is None or rule.remote_period is None or rule.remote_period == rule.period:
        return False
    return getattr(row, "period", "") == str(rule.remote_period)


@register.filter
def deadline_basis(value, language=None):
    """The basis of a deadline (a Deadline row or its citation): its article, or the system-default notice.

    Given the row, a period lengthened for a remote unit also says that the list of remote areas is
    the system's setting, not the article's (MPS-2020 art 353 names no area).
    """
    row = value if hasattr(value, "citation") else None
    citation_text = row.citation if row is not None else value
    if not citation_text:
        return str(SYSTEM_DEFAULT)
    text = citations.render(str(citation_text), language or get_language())
    if row is not None and _remote_period_applies(row):
        text += " · " + gettext("remote area by the system's list, set per unit")
    return text
