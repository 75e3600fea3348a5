"""Integers as clients send them, bounded so that they fit the columns they are compared with.

Every integer that comes from outside — a row id in a query string, a keyset cursor, a count in a
form — is parsed here or by a field with both bounds (core.api.IdField, core.api.IdFilter,
forms.IntegerField(min_value=..., max_value=...)). An unbounded integer reaches the database as a
number the column cannot hold: SQLite raises OverflowError and PostgreSQL "integer out of range",
both a 500 where the client deserves a 400. tests/api/test_integer_bounds.py walks every API
operation, filter and form and fails on an integer input without both bounds.

`str.isdigit()` is not a parser: it accepts "²" or "١٢", which int() refuses or reads as another
number, and any length of digits.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Ids are BigAutoField (DEFAULT_AUTO_FIELD): the largest a signed 64-bit column holds.
MAX_ID = 2**63 - 1
# The largest value of an IntegerField / PositiveIntegerField column on every supported database.
MAX_INT = 2**31 - 1
# The largest value of a SmallIntegerField / PositiveSmallIntegerField column.
MAX_SMALL_INT = 2**15 - 1

_DIGITS = re.compile(r"[0-9]{1,19}")


def bounded_int(value, *, minimum: int, maximum: int) -> int | None:
    """Return `value` (an int or a string of ASCII digits) as an int within the bounds, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        # Taken as typed: " 1" is no id (parse_id and forms strip their input first).
        sign = -1 if value.startswith("-") else 1
        text = value.removeprefix("-")
        if _DIGITS.fullmatch(text) is None:
            return None
        value = sign * int(text)
    if not isinstance(value, int):
        return None
    return value if minimum <= value <= maximum else None


def id_or_none(value) -> int | None:
    """Return a row id given as typed (a query parameter), or None when it is not one."""
    return bounded_int(value, minimum=1, maximum=MAX_ID)


def parse_id(value, *, field: str, message=None) -> int:
    """Return `value` as a row id, or raise ValidationError({field: message}) (a 400 naming the field)."""
    # A body field is cleaned like a form field (surrounding blanks dropped); a query parameter
    # (id_or_none) is taken as typed.
    number = id_or_none(value.strip() if isinstance(value, str) else value)
    if number is None:
        raise ValidationError({field: [message or _("Give a valid identifier.")]})
    return number
