"""Row ids as clients send them, for the meetings modules that still import from here.

The parsing is core.ids (bounded to a bigint, ASCII digits only); this module only adds `is_id`.
Import from core.ids in new code.
"""

from core.ids import id_or_none, parse_id

__all__ = ["id_or_none", "is_id", "parse_id"]


def is_id(value) -> bool:
    """Tell whether `value` is a row id: an int or a string of ASCII digits within a bigint."""
    return id_or_none(value) is not None
