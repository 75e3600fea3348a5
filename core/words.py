"""Words as the reader's language writes them: names with English texts, and stored messages.

Reference data (an offence grouping, a charge) holds its Chinese name and an English one (``name_en``):
``localized(obj)`` picks the one for the active language, the Chinese when no English text is kept.

A message a worker stores for an officer to read later (why a PDF could not be made, why a decision
could not be applied) is stored as its key, the English msgid, with its arguments, and translated when
it is shown: ``stored(msgid, **params)`` writes the stored text, ``shown(text)`` reads it in the active
language. Rows written before (plain text in whatever language the worker spoke) read as they are.

One mechanism for every stored message (a document's render error, a decision's apply error, a
bulletin's failure, a notification's subject and body): ``encode_params`` keeps each argument as data
that stays language-free (a lazy string as its msgid, a name with an English text as both texts),
``render`` translates the msgid and the arguments in the active language and writes the citations in
it ("MPS-2020 art 16" as 《公安机关办理刑事案件程序规定》第十六条 in Chinese).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext

from core import citations

# A stored message: this prefix, then {"key": msgid, "params": {...}} as JSON. No officer types it,
# and plain text never starts with it, so an older row is told apart by its first characters.
PREFIX = "msg:"
# How an argument that is itself words is kept: a msgid (a lazy string, a state's label) or a name
# with its two texts (an offence); anything else is data and shown as it is.
_MSGID = "__msgid__"
_TEXTS = "__texts__"
_MESSAGE = "__message__"
_JOIN = "__join__"


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


@dataclass(frozen=True)
class Texts:
    """A name as each language writes it: the Chinese one, and the English one when kept."""

    zh: str
    en: str = ""

    def __str__(self) -> str:
        return self.en if self.en and not is_chinese() else self.zh


def texts(obj, field: str = "name") -> Texts | str:
    """Return both texts of ``obj``'s name, kept as an argument that is shown in the reader's language."""
    if obj is None or obj == "":
        return ""
    return Texts(str(getattr(obj, field, "") or obj), str(getattr(obj, f"{field}_en", "") or ""))


@dataclass(frozen=True)
class Message:
    """A message kept by its key with its own arguments, as an argument of another (a refusal's reason)."""

    msgid: str
    params: tuple = ()

    def __str__(self) -> str:
        return render(self.msgid, encode_params(dict(self.params)))


@dataclass(frozen=True)
class Joined:
    """Several messages in one, joined as the reader's language joins them (；in Chinese)."""

    parts: tuple = ()

    def __str__(self) -> str:
        return _join([str(part) for part in self.parts])


def message(text, params: Mapping[str, Any] | None = None) -> Message | str:
    """Keep ``text`` by its key when it is one (a lazy string); a text already in words stays as it is."""
    if isinstance(text, Promise):
        return Message(message_id(text), tuple(sorted((params or {}).items())))
    if params:
        try:
            return str(text) % params
        except (ValueError, KeyError, TypeError):
            return str(text)
    return str(text)


def joined(parts) -> Joined:
    return Joined(tuple(parts))


def _join(parts: list[str]) -> str:
    return ("；" if is_chinese() else "; ").join(part for part in parts if part)


def message_id(text: str | Promise) -> str:
    """Return the untranslated message id of a lazy string (or the string itself)."""
    if isinstance(text, Promise):
        with translation.override(None):
            return str(text)
    return str(text)


def encode_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the arguments as JSON that holds no language: words by their key, data as it is."""
    from core.audit import json_safe  # core.audit reads the models; words is read by them

    encoded = {}
    for name, value in (params or {}).items():
        if isinstance(value, Promise):
            encoded[str(name)] = {_MSGID: message_id(value)}
        else:
            encoded[str(name)] = _encode(value, json_safe)
    return encoded


def _encode(value: Any, json_safe) -> Any:
    if isinstance(value, Promise):
        return {_MSGID: message_id(value)}
    if isinstance(value, Texts):
        return {_TEXTS: {"zh": value.zh, "en": value.en}}
    if isinstance(value, Message):
        return {_MESSAGE: {"key": value.msgid, "params": encode_params(dict(value.params))}}
    if isinstance(value, Joined):
        return {_JOIN: [_encode(part, json_safe) for part in value.parts]}
    return json_safe(value)


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(PREFIX):
        return shown(value)  # a stored message given as an argument (why a decision failed)
    if isinstance(value, dict):
        if _MESSAGE in value and isinstance(value[_MESSAGE], dict):
            inner = value[_MESSAGE]
            return render(str(inner.get("key", "")), inner.get("params") or {})
        if _JOIN in value and isinstance(value[_JOIN], list):
            return _join([str(_decode(part)) for part in value[_JOIN]])
        if _MSGID in value:
            return gettext(str(value[_MSGID]))
        if _TEXTS in value and isinstance(value[_TEXTS], dict):
            both = value[_TEXTS]
            return str(Texts(str(both.get("zh", "")), str(both.get("en", "") or "")))
    return value


def decode_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the stored arguments as the active language reads them."""
    return {name: _decode(value) for name, value in (params or {}).items()}


def render(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """Translate a message id in the active language and fill in its (encoded) arguments.

    A citation in the text or among the arguments is written as the language reads it. A text whose
    placeholders do not match its arguments (a typed reason with a "%" in it) is shown untranslated
    and unfilled rather than failing the page that shows it.
    """
    if not msgid:
        return ""
    translated = gettext(msgid)
    values = decode_params(params)
    if values:
        try:
            translated = translated % values
        except (ValueError, KeyError, TypeError):
            try:
                translated = msgid % values
            except (ValueError, KeyError, TypeError):
                translated = msgid
    return citations.render(translated, get_language())


def stored(msgid: str, **params) -> str:
    """Return the stored form of a message: its key (an English msgid marked with gettext_noop) and arguments.

    ``params`` are what the msgid's %(name)s placeholders take: data (a unit's name, a character),
    a lazy string translated when shown, or ``texts(obj)`` for a name kept in both languages.
    """
    return PREFIX + json.dumps(
        {"key": message_id(msgid), "params": encode_params(params)}, ensure_ascii=False, sort_keys=True
    )


def shown(text: str) -> str:
    """Return a stored message in the active language; a plain older text unchanged."""
    if not text or not text.startswith(PREFIX):
        return text or ""
    try:
        data = json.loads(text[len(PREFIX) :])
        return render(str(data["key"]), data.get("params") or {})
    except (ValueError, KeyError, TypeError, AttributeError):
        # A damaged row still says something rather than failing the page that shows it.
        return text[len(PREFIX) :]
