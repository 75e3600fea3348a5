"""Words as the reader's language writes them: names with English texts, and stored messages.

Reference data (an offence grouping, a charge) holds its Chinese name and an English one (``name_en``):
``localized(obj)`` picks the one for the active language, the Chinese when no English text is kept.

A message a worker stores for an officer to read later (why a PDF could not be made, why a decision
could not be applied) is stored as its key, the English msgid, with its arguments, and translated when
it is shown: ``stored(msgid, **params)`` writes the stored text, ``shown(text)`` reads it in the active
language. Rows written before (plain text in whatever language the worker spoke) read as they are.
"""

from __future__ import annotations

import json

from django.utils.translation import get_language, gettext

# A stored message: this prefix, then {"key": msgid, "params": {...}} as JSON. No officer types it,
# and plain text never starts with it, so an older row is told apart by its first characters.
PREFIX = "msg:"


def is_chinese(language: str | None = None) -> bool:
    """Return whether ``language`` (default: the active one) is a Chinese one."""
    return (language or get_language() or "").lower().startswith("zh")


def localized(obj, field: str = "name", language: str | None = None) -> str:
    """Return ``obj.<field>_en`` outside Chinese when it has one, otherwise ``obj.<field>``."""
    if obj is None or obj == "":
        return ""
    chinese = getattr(obj, field, None)
    if chinese is None:
        return str(obj)
    if not is_chinese(language):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return chinese


def stored(msgid: str, **params) -> str:
    """Return the stored form of a message: its key (an English msgid marked with gettext_noop) and arguments.

    ``params`` are what the msgid's %(name)s placeholders take: strings or numbers, themselves data
    (a unit's name, a character), never words to translate.
    """
    return PREFIX + json.dumps({"key": msgid, "params": params}, ensure_ascii=False, sort_keys=True)


def shown(text: str) -> str:
    """Return a stored message in the active language; a plain older text unchanged."""
    if not text or not text.startswith(PREFIX):
        return text or ""
    try:
        data = json.loads(text[len(PREFIX) :])
        message = gettext(data["key"])
        params = data.get("params") or {}
        return message % params if params else message
    except (ValueError, KeyError, TypeError):
        # A damaged row still says something rather than failing the page that shows it.
        return text[len(PREFIX) :]
