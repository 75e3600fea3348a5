"""Text filters for v2 document templates (issue 19): user text set the way GB/T 9704 prints it.

Load with ``{% load gbt_text %}``:

- ``value|gbt_text``: one run of inline text. Whitespace runs (spaces, tabs, line breaks) become one
  space, none at all between two CJK characters (a typed "因侦查  诈骗" is "因侦查诈骗"); doubled
  punctuation ("。。", "，。") becomes one mark.
- ``value|gbt_clause``: inline text to go inside a template's sentence: gbt_text without the final
  。；，、 the user typed ("因侦查{{ case|gbt_clause }}需要").
- ``value|gbt_sentence``: a sentence that ends in exactly one full stop (or the user's ？！…).
- ``value|gbt_paragraphs``: block text: each line of the user's text is a paragraph of its own
  (``<p class="gbt-p">``, indented two characters and justified), escaped; blank lines dropped.
  ``value|gbt_paragraphs:"gbt-line"`` gives each paragraph another class.
- ``items|gbt_join:"、"``: the items' gbt_text, empty ones left out, joined by the separator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Ideographs, kana, CJK punctuation and full-width forms: characters between which a space is noise.
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3200-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
# Two marks that end or separate clauses, one after the other: the stronger (the later one) stays,
# except that a doubled mark is one mark. "追赃挽损。。根据" → "追赃挽损。根据"; "，。" → "。".
_DOUBLED = re.compile(r"([。；，、：])(?:\s*[。；，、：])+")
_STRONG = "。；：，、"
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_TRAILING = re.compile(r"[。；，、\s]+$")
_TERMINAL = ("。", "？", "！", "…")


def _collapse_marks(match: re.Match) -> str:
    marks = [c for c in match.group(0) if not c.isspace()]
    # The strongest mark of the run stands for it: 。 over ；/： over ， over 、.
    return min(marks, key=_STRONG.index)


def normalise(value) -> str:
    """Return inline text with whitespace and doubled punctuation cleaned (see the module docstring)."""
    text = "" if value is None else str(value)
    text = _SPACES.sub(" ", text).strip()
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return _DOUBLED.sub(_collapse_marks, text)


@register.filter
def gbt_text(value) -> str:
    return normalise(value)


@register.filter
def gbt_clause(value) -> str:
    return _TRAILING.sub("", normalise(value))


@register.filter
def gbt_sentence(value) -> str:
    text = normalise(value)
    if not text:
        return ""
    if text.endswith(_TERMINAL) or (text[-1] in "”’" and text[:-1].endswith(_TERMINAL)):
        return text
    return _TRAILING.sub("", text).rstrip("：") + "。"


@register.filter(needs_autoescape=True)
def gbt_paragraphs(value, css_class: str = "gbt-p", autoescape: bool = True) -> SafeString:
    escape = conditional_escape if autoescape else (lambda text: text)
    text = "" if value is None else str(value)
    lines = [normalise(line) for line in _LINE_BREAKS.split(text)]
    css = escape(css_class or "gbt-p")
    return mark_safe("\n".join(f'<p class="{css}">{escape(line)}</p>' for line in lines if line))  # noqa: S308


@register.filter
def gbt_join(items: Iterable | None, separator: str = "、") -> str:
    if items is None or isinstance(items, str):
        items = [items] if items else []
    return separator.join(text for text in (normalise(item) for item in items) if text)


# How an organ names itself in its own decisions: 公安部 → 我部, a 公安厅 → 我厅, a 公安局 or 分局 → 我局.
_SELF_REFERENCE = (("部", "我部"), ("厅", "我厅"))


@register.filter
def organ_self(name) -> str:
    """Return how the organ `name` refers to itself in a decision it issues (我局, 我厅, 我部)."""
    name = str(name or "")
    for suffix, reference in _SELF_REFERENCE:
        if name.endswith(suffix):
            return reference
    return "我局"
