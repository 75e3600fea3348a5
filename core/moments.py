"""Moments as clients type them, made storable: aware, in UTC, or a 400.

Python parses offsets PostgreSQL refuses ("+16:49": time zone displacement out of range, a 500)
and years whose UTC moment does not exist ("0001-01-01T00:00+14:00": OverflowError). A form or
filter field for a moment converts to UTC here and refuses what cannot be converted;
tests/api/test_moment_inputs.py holds every form and filter set to it.
"""

import datetime as dt

from django import forms


def to_utc(moment: dt.datetime | None, error: forms.ValidationError) -> dt.datetime | None:
    """Return `moment` in UTC, or raise `error` when no UTC moment exists for it."""
    if moment is None:
        return None
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise error from None


class MomentField(forms.DateTimeField):
    """A date and time with an offset (or in the current time zone), cleaned to UTC."""

    def to_python(self, value):
        invalid = forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return to_utc(super().to_python(value), invalid)
