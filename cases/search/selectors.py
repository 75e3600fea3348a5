"""Reads of the search page: the cases a search may name as its purpose."""

from django.db.models import Exists, OuterRef

from cases.models import CaseParty
from cases.selectors import case_visible_to
from organisation.standing import user_standing

# The purpose list offers the newest cases of the user's own units; older ones by written reason.
PURPOSE_CHOICES_LIMIT = 200


def purpose_cases(user) -> list:
    """Return the cases of the user's own units (not those merely seen from above), newest first."""
    unit_ids = user_standing(user).unit_ids
    own = CaseParty.objects.filter(case=OuterRef("pk"), unit_id__in=unit_ids)
    return list(
        case_visible_to(user)
        .filter(Exists(own))
        .only("pk", "number", "name")
        .order_by("-id")[:PURPOSE_CHOICES_LIMIT]
    )
