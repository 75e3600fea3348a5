"""Row ids as clients send them: ASCII digits only, at most 18 so that they fit a bigint.

`str.isdigit()` is not enough: it accepts "²" or "١٢", which `int()` then refuses (a 500) or reads
as another number, and a longer number overflows the column.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ID_PATTERN = re.compile(r"[0-9]{1,18}")


def is_id(value) -> bool:
    """Tell whether `value` is a row id: an int, or a string of 1–18 ASCII digits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 10**18
    return isinstance(value, str) and ID_PATTERN.fullmatch(value.strip()) is not None


def id_or_none(value) -> int | None:
    """Return the id given exactly as typed (a query parameter), or None when it is not one."""
    if isinstance(value, str):
        return int(value) if ID_PATTERN.fullmatch(value) else None
    return value if is_id(value) else None


def parse_id(value, *, field: str, message=None) -> int:
    """Return `value` as a row id, or raise ValidationError({field: message}) (a 400 naming the field)."""
    number = id_or_none(value.strip() if isinstance(value, str) else value)
    if number is None:
        raise ValidationError({field: [message or _("Give a valid identifier.")]})
    return number
