"""Template filters for the 4×4 grading of shared items (DOMAIN.md §4 [S]; core.grading).

{% load grading %}
{{ case|grade }}                     → "B2" ("" when ungraded)
{{ case|handling_with_grade }}       → "内部 · B2" (the handling code's label, then the grade)
{{ case|grade_title }}               → the two grades in words, for a title attribute
"""

from django import template

from core.grading import InformationAccuracy, SourceReliability, grade_text

register = template.Library()


def _grades(item) -> tuple[str, int | None]:
    return getattr(item, "source_reliability", "") or "", getattr(item, "information_accuracy", None)


@register.filter
def grade(item) -> str:
    """Return the item's grade as printed beside its handling code, e.g. "B2"; "" when ungraded."""
    return grade_text(*_grades(item))


@register.filter
def handling_with_grade(item) -> str:
    """Return the handling code's label followed by the grade, e.g. "内部 · B2"."""
    label = item.get_handling_code_display() if hasattr(item, "get_handling_code_display") else ""
    graded = grade(item)
    return " · ".join(part for part in (str(label), graded) if part)


@register.filter
def grade_title(item) -> str:
    """Return both grades in words (for a tooltip); "" when ungraded."""
    source, accuracy = _grades(item)
    parts = []
    if source:
        parts.append(str(SourceReliability(source).label))
    if accuracy is not None:
        parts.append(str(InformationAccuracy(accuracy).label))
    return "; ".join(parts)


@register.simple_tag
def source_reliability_choices() -> list[tuple[str, str]]:
    """Return the source reliability grades as (value, label), for a select in a hand-written form."""
    return list(SourceReliability.choices)


@register.simple_tag
def information_accuracy_choices() -> list[tuple[int, str]]:
    """Return the information accuracy grades as (value, label), for a select in a hand-written form."""
    return list(InformationAccuracy.choices)
