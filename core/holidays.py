"""The holiday calendar deadlines are computed with: chinese_calendar plus the HolidayOverride table.

The table is tiny (a few dozen rows a year), so each call reads it afresh in one query rather
than caching it per process: an administrator's change reaches every web and worker process at
once, with no invalidation to get wrong.
"""

import datetime as dt

from core.deadlines import OfficialHolidayCalendar
from core.models import HolidayOverride


def overrides() -> dict[dt.date, bool]:
    """Return the administrator's overrides: date → whether it is a rest day."""
    return dict(HolidayOverride.objects.values_list("date", "is_rest_day"))


def calendar() -> OfficialHolidayCalendar:
    """Return the official calendar with the overrides of the HolidayOverride table (one query)."""
    return OfficialHolidayCalendar(overrides=overrides())
