"""Grading of shared items: source reliability and information accuracy (the 4×4 evaluation).

DOMAIN.md §4 [S] (Europol Regulation art 29): a source is graded A, B, C or X and the information
1 to 4, beside the item's handling code. No Chinese rule on grading was found, so the scale is the
European one and an item may stay ungraded (blank).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceReliability(models.TextChoices):
    A = "A", _("A — no doubt about the source")
    B = "B", _("B — source mostly reliable")
    C = "C", _("C — source mostly not reliable")
    X = "X", _("X — reliability cannot be judged")


class InformationAccuracy(models.IntegerChoices):
    KNOWN_TRUE = 1, _("1 — known to be true without reservation")
    KNOWN_PERSONALLY = 2, _("2 — known personally to the source, not to the officer")
    NOT_KNOWN_PERSONALLY = 3, _("3 — not known personally to the source, corroborated")
    CANNOT_BE_JUDGED = 4, _("4 — accuracy cannot be judged")


def source_reliability_field():
    return models.CharField(
        _("source reliability"), max_length=1, choices=SourceReliability.choices, blank=True, default=""
    )


def information_accuracy_field():
    return models.PositiveSmallIntegerField(
        _("information accuracy"), choices=InformationAccuracy.choices, null=True, blank=True
    )


def grade_text(source_reliability: str, information_accuracy: int | None) -> str:
    """Return the grade as printed beside the handling code, e.g. "B2"; "" when ungraded."""
    if not source_reliability and information_accuracy is None:
        return ""
    return f"{source_reliability or '–'}{information_accuracy if information_accuracy is not None else '–'}"
