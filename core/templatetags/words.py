"""Words and punctuation as the reader's language writes them (core.words).

``{% translate "Lead" %}{% colon %}{{ unit }}``: a template that wrote ": " after a translated word
showed "牵头: 成都市公安局"; Chinese text takes the full-width colon with no space (牵头：成都市公安局),
English the colon and a space. ``{{ case.offence|localized }}``: the English name of reference data
in English. ``{{ document.render_error|shown }}``: a stored message in the reader's language.
"""

from django import template

from core import words

register = template.Library()


@register.simple_tag
def colon():
    """Write the colon after a label: "：" in Chinese, ": " otherwise."""
    return "：" if words.is_chinese() else ": "


@register.filter
def localized(obj, field="name"):
    """Return the object's name (or ``field``) in the active language: ``name_en`` outside Chinese."""
    return words.localized(obj, field)


@register.filter
def shown(text):
    """Return a stored message (core.words.stored) in the active language."""
    return words.shown(text)
