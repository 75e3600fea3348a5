"""Legal deadline arithmetic: Criminal Procedure Law art 105 in Asia/Shanghai time.

Pure: no ORM, no clock. The holiday calendar is injected; the default one reads the offline
``chinese_calendar`` package plus an overrides mapping (fed later from the ``HolidayOverride``
table) and falls back to weekends for a year neither knows, remembering that it did.

The rules of CPL-2018 art 105 (刑事诉讼法第一百零五条) as this module reads them:

* Periods are counted in hours, days or months (this module adds years, for the freeze periods of
  MPS-2020 arts 243–245, and working days, for service-level targets that no statute sets).
* "The starting hour or day is not counted" (期间开始的时和日不算在期间以内). An hour period counts
  from the next whole hour: a 24-hour period started at 10:20 (or at 10:00:00 sharp, which is still
  inside the 10 o'clock hour) counts from 11:00 and ends at 11:00 the next day. A day period counts
  from the next day: 7 days from any time on 1 March end at 24:00 on 8 March.
* A month period runs "from a day of this month to the same day of the next month"
  (自本月某日至下月同日为一个月); when the period starts on the last day of a month it ends on the
  last day of the target month; when the target month has no such day it ends on that month's last
  day (SPC CPL Interpretation 2021 art 202 [S]). With the starting day not counted, one month from
  15 March ends at 24:00 on 15 April; from 31 January at 24:00 on 28 (or 29) February; from
  28 February 2026 (the last day of February) at 24:00 on 31 March. A year period runs to the same
  day of the target year, 29 February falling back to 28 February.
* A day ends at 24:00. Every computed deadline is an *exclusive end instant*: 24:00 on the last
  day is returned as 00:00 of the following day, so ``now >= due_at`` means overdue with no
  off-by-a-microsecond doubt. ``format_due`` prints it back as "24:00" and ``last_day`` gives the
  calendar day the period ends on.
* "If the last day of a period is a holiday, the period ends on the first day after the holiday"
  (期间的最后一日为节假日的，以节假日后的第一日为期满日期). A rest day is a weekend day or a statutory
  holiday; a make-up working day (调休上班, e.g. Saturday 10 October 2026) is a working day. This
  applies to day, month and year periods only: the statute speaks of the *last day*, and an hour
  period ends at an hour, not with a day (police duty runs round the clock) [R].
* Periods of a person held in custody "run to their end and are never extended for holidays"
  (在押期间…不得因节假日而延长): kind ``custody`` (the 24-hour interrogation on another unit's
  behalf, collecting a detained suspect). Kind ``fixed`` is this module's addition for terms stated
  on a notice and applied as written, such as a freeze's expiry: renewal must be done before
  expiry (MPS-2020 art 240), so a reminder must never count on an extension [R].
"""

from __future__ import annotations

import calendar as _monthcal
import datetime as dt
import enum
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A calendar that calls every day a rest day (a broken override table) must not hang a request.
_MAX_DAYS_SEARCHED = 366


class Unit(enum.StrEnum):
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"
    YEARS = "years"


class Kind(enum.StrEnum):
    """How a period treats a last day that falls on a rest day."""

    ORDINARY = "ordinary"  # extends to the next working day (CPL-2018 art 105 ¶4)
    CUSTODY = "custody"  # a person is held: never extends (CPL-2018 art 105 ¶4, proviso)
    FIXED = "fixed"  # a term applied as written on its notice, e.g. a freeze's expiry


class Urgency(enum.StrEnum):
    """Urgency of an assistance request; an urgent request shortens the default deadlines."""

    ORDINARY = "ordinary"  # 普通
    URGENT = "urgent"  # 加急
    EXTRA_URGENT = "extra_urgent"  # 特急


class Confidence(enum.StrEnum):
    """How well a default is sourced, with the tags of DOMAIN.md."""

    CHECKED = "C"  # checked against the primary text
    SECONDARY = "S"  # third-party secondary source only
    RECOLLECTION = "R"  # recollection or a chosen default: keep it configurable


# Units whose last day is a calendar day and may therefore move past a rest day.
_DAY_BASED = frozenset({Unit.DAYS, Unit.MONTHS, Unit.YEARS})


# Holiday calendars -----------------------------------------------------------------------------


@runtime_checkable
class HolidayCalendar(Protocol):
    """What deadline arithmetic needs to know about a day."""

    def is_rest_day(self, day: dt.date) -> bool:
        """Return whether ``day`` is a weekend day or statutory holiday that is not a make-up working day."""
        ...

    def knows(self, year: int) -> bool:
        """Return whether the calendar has real holiday data for ``year`` (not just weekends)."""
        ...


class WeekendCalendar:
    """Saturdays and Sundays rest, nothing else: the fallback, and a plain calendar for tests."""

    def is_rest_day(self, day: dt.date) -> bool:
        return day.weekday() >= 5

    def knows(self, year: int) -> bool:
        return False


@functools.cache
def _package_knows(year: int) -> bool:
    # chinese_calendar raises NotImplementedError outside the years it ships data for.
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class OfficialHolidayCalendar:
    """The State Council's holiday arrangements, from ``chinese_calendar`` plus local overrides.

    ``overrides`` maps a date to whether it is a rest day (True: an extra holiday; False: a
    make-up working day) and wins over the package. A year counts as known when the package
    ships data for it or the overrides hold any date in it: an administrator who enters a new
    year's arrangement enters all of it. For a year neither knows, weekends rest and the year is
    added to ``fallback_years_used`` so that a system check can warn.
    """

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None) -> None:
        self._overrides: dict[dt.date, bool] = dict(overrides or {})
        self._override_years = frozenset(day.year for day in self._overrides)
        self._fallback_years: set[int] = set()

    @property
    def fallback_years_used(self) -> frozenset[int]:
        """Years for which an answer was guessed from weekends alone."""
        return frozenset(self._fallback_years)

    def knows(self, year: int) -> bool:
        return _package_knows(year) or year in self._override_years

    def unknown_years(self, years: Iterable[int]) -> list[int]:
        """Return those of ``years`` this calendar would answer from weekends alone, sorted."""
        return sorted({year for year in years if not self.knows(year)})

    def is_rest_day(self, day: dt.date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        if _package_knows(day.year):
            return not chinese_calendar.is_workday(day)
        if day.year not in self._override_years:
            self._fallback_years.add(day.year)
        return day.weekday() >= 5


@functools.cache
def default_calendar() -> OfficialHolidayCalendar:
    """Return the shared package-only calendar (no overrides)."""
    return OfficialHolidayCalendar()


def next_working_day(day: dt.date, calendar: HolidayCalendar) -> dt.date:
    """Return ``day`` itself if it is a working day, else the first working day after it."""
    for offset in range(_MAX_DAYS_SEARCHED):
        candidate = day + dt.timedelta(days=offset)
        if not calendar.is_rest_day(candidate):
            return candidate
    raise ValueError(
        f"No working day within {_MAX_DAYS_SEARCHED} days of {day}: check the holiday overrides."
    )


def working_days_between(start: dt.date, end: dt.date, *, calendar: HolidayCalendar | None = None) -> int:
    """Count the working days after ``start`` up to and including ``end``.

    Negative when ``end`` is before ``start`` (minus the working days after ``end`` up to and
    including ``start``), so "working days left" reads naturally on either side of a deadline.
    """
    calendar = calendar or default_calendar()
    if end < start:
        return -working_days_between(end, start, calendar=calendar)
    days = (end - start).days
    return sum(not calendar.is_rest_day(start + dt.timedelta(days=n)) for n in range(1, days + 1))


# Period arithmetic ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """An amount of a unit, such as 7 days or 24 hours."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        # bool is an int subclass; True days is a bug, not a period.
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 1:
            raise ValueError(f"A period needs a whole amount of at least 1, not {self.amount!r}.")
        object.__setattr__(self, "unit", Unit(self.unit))

    _PATTERN = re.compile(r"^\s*(\d+)\s*(hour|day|working[ _]day|month|year)s?\s*$", re.IGNORECASE)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read "24 hours", "7 days", "1 working day", "6 months" or "2 years" (as settings write them)."""
        match = cls._PATTERN.match(text)
        if not match:
            raise ValueError(f"Cannot read a period from {text!r}: expected e.g. '7 days' or '24 hours'.")
        unit = match.group(2).lower().replace(" ", "_") + "s"
        return cls(int(match.group(1)), Unit(unit))

    def __str__(self) -> str:
        unit = self.unit.value.replace("_", " ")
        return f"{self.amount} {unit[:-1] if self.amount == 1 else unit}"


@dataclass(frozen=True)
class DueDate:
    """A computed deadline and how it was reached."""

    at: dt.datetime  # exclusive end instant, aware, Asia/Shanghai
    nominal_at: dt.datetime  # the same before any rest-day extension
    extended: bool  # moved past rest days (CPL-2018 art 105 ¶4)

    @property
    def last_day(self) -> dt.date:
        return last_day(self.at)


def _as_shanghai(start: dt.datetime) -> dt.datetime:
    if not isinstance(start, dt.datetime):
        raise TypeError(f"A deadline starts at a datetime, not {type(start).__name__}.")
    if start.tzinfo is None or start.utcoffset() is None:
        # A naive time would be read in whatever zone the server runs in; refuse to guess.
        raise ValueError("A deadline's start must be timezone-aware.")
    return start.astimezone(SHANGHAI)


def _end_of(day: dt.date) -> dt.datetime:
    """Return 24:00 on ``day`` as the exclusive instant 00:00 of the next day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)


def _last_day_of_month(year: int, month: int) -> int:
    return _monthcal.monthrange(year, month)[1]


def _add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later; a month's last day maps to the target month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    target_last = _last_day_of_month(year, month)
    if day.day == _last_day_of_month(day.year, day.month):
        return dt.date(year, month, target_last)
    return dt.date(year, month, min(day.day, target_last))


def _add_years(day: dt.date, years: int) -> dt.date:
    """Return the same day ``years`` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return dt.date(year, day.month, min(day.day, _last_day_of_month(year, day.month)))


def _nth_working_day_after(day: dt.date, count: int, calendar: HolidayCalendar) -> dt.date:
    found = 0
    for _step in range(count * _MAX_DAYS_SEARCHED):
        day += dt.timedelta(days=1)
        if not calendar.is_rest_day(day):
            found += 1
            if found == count:
                return day
    raise ValueError(f"Fewer than {count} working days found: check the holiday overrides.")


def compute_due(
    start: dt.datetime,
    amount: int,
    unit: Unit | str,
    kind: Kind | str = Kind.ORDINARY,
    *,
    calendar: HolidayCalendar | None = None,
) -> DueDate:
    """Compute when a period that starts at ``start`` ends, with the reasoning kept (CPL-2018 art 105)."""
    period = Period(amount, Unit(unit))
    kind = Kind(kind)
    calendar = calendar or default_calendar()
    local = _as_shanghai(start)

    if period.unit is Unit.HOURS:
        # The starting hour is not counted: count from the next whole hour. Shanghai's offset is a
        # whole number of hours, so flooring the local time is flooring the instant; adding in UTC
        # keeps the arithmetic right even across the historical DST of 1986–1991.
        begins = local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        at = (begins.astimezone(dt.UTC) + dt.timedelta(hours=period.amount)).astimezone(SHANGHAI)
        return DueDate(at=at, nominal_at=at, extended=False)

    if period.unit is Unit.WORKING_DAYS:
        last = _nth_working_day_after(local.date(), period.amount, calendar)
        return DueDate(at=_end_of(last), nominal_at=_end_of(last), extended=False)

    if period.unit is Unit.DAYS:
        last = local.date() + dt.timedelta(days=period.amount)
    elif period.unit is Unit.MONTHS:
        last = _add_months(local.date(), period.amount)
    else:
        last = _add_years(local.date(), period.amount)

    nominal = _end_of(last)
    if kind is Kind.ORDINARY and period.unit in _DAY_BASED and calendar.is_rest_day(last):
        extended_to = next_working_day(last, calendar)
        return DueDate(at=_end_of(extended_to), nominal_at=nominal, extended=True)
    return DueDate(at=nominal, nominal_at=nominal, extended=False)


def due(
    start: dt.datetime,
    amount: int,
    unit: Unit | str,
    kind: Kind | str = Kind.ORDINARY,
    *,
    calendar: HolidayCalendar | None = None,
) -> dt.datetime:
    """Return the exclusive end instant (aware, Asia/Shanghai) of a period starting at ``start``.

    ``unit`` is "hours", "days", "working_days", "months" or "years"; ``kind`` is "ordinary"
    (extends past a rest day), "custody" (never extends) or "fixed" (never extends). See the
    module docstring for the reading of CPL-2018 art 105.
    """
    return compute_due(start, amount, unit, kind, calendar=calendar).at


def last_day(due_at: dt.datetime) -> dt.date:
    """Return the calendar day (Asia/Shanghai) on which a period ending at ``due_at`` ends."""
    return (due_at.astimezone(SHANGHAI) - dt.timedelta(microseconds=1)).date()


def format_due(due_at: dt.datetime) -> str:
    """Write a deadline as officers read it: "2026-03-08 24:00" rather than "2026-03-09 00:00"."""
    local = due_at.astimezone(SHANGHAI)
    if local.time() == dt.time(0):
        return f"{(local.date() - dt.timedelta(days=1)).isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def remaining(due_at: dt.datetime, now: dt.datetime) -> dt.timedelta:
    """Return the time left until ``due_at``; negative once overdue."""
    return due_at - now


def is_overdue(due_at: dt.datetime, now: dt.datetime) -> bool:
    """Return whether the period has run out (the end instant is exclusive)."""
    return now >= due_at


def working_days_after(
    at: dt.datetime, count: int, *, calendar: HolidayCalendar | None = None
) -> dt.datetime:
    """Return the same time of day ``count`` working days after the day an instant ends on.

    For the escalation steps after a deadline: 24:00 on a Friday before a holiday week plus one
    working day is 24:00 on the first working day after it, and 11:00 on a Sunday plus one is 11:00
    on the Monday (if it is a working day). ``at`` is read as an end instant, so 00:00 is 24:00 of
    the day before (see ``last_day``).
    """
    if count < 1:
        raise ValueError(f"Count at least one working day, not {count!r}.")
    calendar = calendar or default_calendar()
    local = _as_shanghai(at)
    day = last_day(local)
    day_start = dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)
    # Measured in UTC, so the historical DST of 1986–1991 cannot skew the time of day.
    into_day = local.astimezone(dt.UTC) - day_start.astimezone(dt.UTC)
    target = dt.datetime.combine(_nth_working_day_after(day, count, calendar), dt.time(0), tzinfo=SHANGHAI)
    return (target.astimezone(dt.UTC) + into_day).astimezone(SHANGHAI)


# Default rules -----------------------------------------------------------------------------------

# What officers read where a period no article sets is shown (DOMAIN.md §2: periods no article sets
# are system defaults, shown as such and never with an article's citation).
SYSTEM_DEFAULT = _("System default period, not set by law")


@dataclass(frozen=True)
class DeadlineRule:
    """A configurable default deadline, with the provision it comes from.

    ``citation`` names the article that sets the period, in the canonical form of core.citations;
    it is empty when no article sets one: the period is then a system default (系统默认期限，非法定)
    and is shown as such, never with an article (what the practice rests on goes in ``note``).
    """

    code: str
    label: str | Promise
    period: Period
    citation: str
    confidence: Confidence
    kind: Kind = Kind.ORDINARY
    # The longer period for a requested unit in a very remote area (MPS-2020 art 353 sets 15 days;
    # which units count as remote is the administrator's setting, organisation's Unit.is_remote).
    remote_period: Period | None = None
    # Shorter periods for urgent requests; an urgency not listed keeps the ordinary period. No
    # article shortens a period for urgency: these are always system defaults.
    urgent_periods: Mapping[Urgency, Period] = field(default_factory=dict, hash=False)
    note: str = ""

    def is_system_default(self, *, urgency: Urgency | str = Urgency.ORDINARY, remote: bool = False) -> bool:
        """Return whether the period that applies is a default of the system rather than of an article."""
        return not self.citation or Urgency(urgency) in self.urgent_periods

    def citation_for(self, *, urgency: Urgency | str = Urgency.ORDINARY, remote: bool = False) -> str:
        """Return the article that sets the period that applies, or "" for a system default."""
        return "" if self.is_system_default(urgency=urgency, remote=remote) else self.citation

    def period_for(self, *, urgency: Urgency | str = Urgency.ORDINARY, remote: bool = False) -> Period:
        """Return the period that applies to a request of this urgency to a (remote) unit.

        An urgent period wins over the remote one: the requester asked for speed, and the
        statutory maximum still bounds it from above.
        """
        urgency = Urgency(urgency)
        if urgency in self.urgent_periods:
            return self.urgent_periods[urgency]
        if remote and self.remote_period is not None:
            return self.remote_period
        return self.period

    def compute_due(
        self,
        start: dt.datetime,
        *,
        urgency: Urgency | str = Urgency.ORDINARY,
        remote: bool = False,
        calendar: HolidayCalendar | None = None,
    ) -> DueDate:
        """Compute this rule's deadline for a clock that started at ``start`` (usually receipt)."""
        period = self.period_for(urgency=urgency, remote=remote)
        return compute_due(start, period.amount, period.unit, self.kind, calendar=calendar)

    def due(
        self,
        start: dt.datetime,
        *,
        urgency: Urgency | str = Urgency.ORDINARY,
        remote: bool = False,
        calendar: HolidayCalendar | None = None,
    ) -> dt.datetime:
        """Return this rule's exclusive end instant for a clock that started at ``start``."""
        return self.compute_due(start, urgency=urgency, remote=remote, calendar=calendar).at


def _period(value: Period | str) -> Period:
    return value if isinstance(value, Period) else Period.parse(value)


class RuleBook(Mapping[str, DeadlineRule]):
    """An immutable set of deadline rules by code, with a way to apply configured changes."""

    def __init__(self, rules: Iterable[DeadlineRule]) -> None:
        self._rules: dict[str, DeadlineRule] = {}
        for rule in rules:
            if rule.code in self._rules:
                raise ValueError(f"Deadline rule {rule.code!r} is defined twice.")
            self._rules[rule.code] = rule

    def __getitem__(self, code: str) -> DeadlineRule:
        return self._rules[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> RuleBook:
        """Return a copy with configured changes, written as settings would write them.

        ``{"identity_check": {"period": "10 days", "urgent_periods": {"urgent": "2 days"}}}``;
        periods may be ``Period`` objects or strings; ``urgent_periods`` replaces the whole table.
        """
        rules = dict(self._rules)
        for code, changes in overrides.items():
            if code not in rules:
                raise KeyError(f"No deadline rule {code!r} to override; known: {', '.join(sorted(rules))}.")
            values = dict(changes)
            for name in ("period", "remote_period"):
                if values.get(name) is not None:
                    values[name] = _period(values[name])
            if "urgent_periods" in values:
                values["urgent_periods"] = {
                    Urgency(urgency): _period(period) for urgency, period in values["urgent_periods"].items()
                }
            for name in ("kind", "confidence"):
                if name in values:
                    values[name] = (Kind if name == "kind" else Confidence)(values[name])
            rules[code] = replace(rules[code], **values)
        return RuleBook(rules.values())


DEFAULT_RULES = RuleBook(
    [
        DeadlineRule(
            code="acknowledge_receipt",
            label=_("Acknowledge receipt of an assistance request"),
            period=Period(1, Unit.WORKING_DAYS),
            urgent_periods={
                Urgency.URGENT: Period(12, Unit.HOURS),
                Urgency.EXTRA_URGENT: Period(4, Unit.HOURS),
            },
            # A system default: no article sets a period for acknowledging a request.
            citation="",
            confidence=Confidence.RECOLLECTION,
            note=(
                "MPS-2020 art 348 asks for prompt intake but sets no number; all three periods are chosen "
                "defaults, modelled on the one-week acknowledgement of EIO Directive 2014/41/EU art 16."
            ),
        ),
        DeadlineRule(
            code="identity_check",
            label=_("Identity, age or criminal-record check"),
            period=Period(7, Unit.DAYS),
            remote_period=Period(15, Unit.DAYS),
            urgent_periods={
                Urgency.URGENT: Period(3, Unit.DAYS),
                Urgency.EXTRA_URGENT: Period(24, Unit.HOURS),
            },
            citation="MPS-2020 art 353",
            confidence=Confidence.CHECKED,
            note=(
                "7 and 15 days are statutory; which units are remote is the administrator's setting "
                "(Unit.is_remote); the urgent periods are chosen defaults."
            ),
        ),
        DeadlineRule(
            code="interrogation_on_behalf",
            label=_("Interrogate a detained suspect on the requester's behalf"),
            period=Period(24, Unit.HOURS),
            kind=Kind.CUSTODY,
            citation="MPS-2020 art 351 ¶3",
            confidence=Confidence.CHECKED,
            note="Counted from detention or arrest.",
        ),
        DeadlineRule(
            code="collect_detained_suspect",
            label=_("Collect a detained suspect"),
            period=Period(24, Unit.HOURS),
            kind=Kind.CUSTODY,
            # A system default: art 351 ¶2 asks for collection "immediately" (立即…及时提解), no number.
            citation="",
            confidence=Confidence.RECOLLECTION,
            note=(
                "MPS-2020 art 351 ¶2 says collect immediately; 24 h is chosen because after it the local "
                "unit must interrogate on the requester's behalf (art 351 ¶3)."
            ),
        ),
        DeadlineRule(
            code="transfer_case",
            label=_("Transfer a case outside the unit's jurisdiction"),
            period=Period(24, Unit.HOURS),
            citation="MPS-2020 art 175",
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="jurisdiction_consultation",
            label=_("State a position in a jurisdiction consultation"),
            period=Period(7, Unit.DAYS),
            # A system default: no article sets a period for the consultation.
            citation="",
            confidence=Confidence.RECOLLECTION,
            note=(
                "MPS-2020 art 22 asks the units to consult before a superior designates but sets no period; "
                "7 days is the chosen default (issue 5), after which any party may ask for designation."
            ),
        ),
        DeadlineRule(
            code="notify_complainant_of_transfer",
            label=_("Tell the complainant in writing that the case was transferred"),
            period=Period(3, Unit.DAYS),
            citation="MPS-2020 art 184",
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="release_unrelated_seized_property",
            label=_("Release sealed or seized property found unrelated"),
            period=Period(3, Unit.DAYS),
            citation="MPS-2020 art 233",
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="release_unrelated_frozen_property",
            label=_("Unfreeze property found unrelated"),
            period=Period(3, Unit.DAYS),
            citation="MPS-2020 art 247",
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="freeze_deposits",
            label=_("Freeze of deposits, remittances or settlement funds"),
            period=Period(6, Unit.MONTHS),
            kind=Kind.FIXED,
            citation="MPS-2020 art 243 ¶1; MPS-2020 art 240",  # renewed before expiry (art 240)
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="freeze_deposits_major",
            label=_("Freeze of deposits in a major or complex case"),
            period=Period(1, Unit.YEARS),
            kind=Kind.FIXED,
            citation="MPS-2020 art 243 ¶2; MPS-2020 art 240",  # renewed before expiry (art 240)
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="freeze_securities",
            label=_("Freeze of bonds, shares, fund units or other securities"),
            period=Period(2, Unit.YEARS),
            kind=Kind.FIXED,
            citation="MPS-2020 art 244; MPS-2020 art 240",  # renewed before expiry (art 240)
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="freeze_equity",
            label=_("Freeze of equity, insurance or investment rights"),
            period=Period(6, Unit.MONTHS),
            kind=Kind.FIXED,
            citation="MPS-2020 art 245; MPS-2020 art 240",  # renewed before expiry (art 240)
            confidence=Confidence.CHECKED,
        ),
        # Summons and compelled appearance are not custody: their own limits, not the 24-hour clock.
        DeadlineRule(
            code="summons_duration",
            label=_("End a summons (传唤) within its time limit"),
            period=Period(12, Unit.HOURS),
            citation="MPS-2020 art 200 ¶1",
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="summons_duration_extended",
            label=_("End a summons extended with the department head's approval"),
            period=Period(24, Unit.HOURS),
            citation="MPS-2020 art 200 ¶1",
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="compelled_appearance_duration",
            label=_("End a compelled appearance (拘传) within its time limit"),
            period=Period(12, Unit.HOURS),
            citation="MPS-2020 art 80 ¶1",
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="compelled_appearance_duration_extended",
            label=_("End a compelled appearance extended with a county-level head's approval"),
            period=Period(24, Unit.HOURS),
            citation="MPS-2020 art 80 ¶1",
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="deliver_to_detention_centre",
            label=_("Deliver a person detained out of area to the detention centre"),
            period=Period(24, Unit.HOURS),
            kind=Kind.CUSTODY,
            citation="MPS-2020 art 126 ¶2",
            confidence=Confidence.CHECKED,
            note="Counted from the announcement of the detention; the place of capture's detention centre.",
        ),
        DeadlineRule(
            code="notify_family_of_detention",
            label=_("Notify the family of the detained person"),
            period=Period(24, Unit.HOURS),
            kind=Kind.CUSTODY,
            citation="MPS-2020 art 127 ¶1",
            confidence=Confidence.CHECKED,
            note="Unless notice is impossible or, where the article says so, would hinder the investigation.",
        ),
        DeadlineRule(
            code="notify_family_of_arrest",
            label=_("Notify the family of the arrested person"),
            period=Period(24, Unit.HOURS),
            kind=Kind.CUSTODY,
            citation="MPS-2020 art 145 ¶1",
            confidence=Confidence.CHECKED,
            note="Unless notice is impossible; a notice given later states why (art 145 ¶4).",
        ),
        DeadlineRule(
            code="serve_not_filing_notice",
            label=_("Serve the notice of the decision not to file (不予立案通知书) on the complainant"),
            period=Period(3, Unit.DAYS),
            citation="MPS-2020 art 178 ¶2",
            confidence=Confidence.CHECKED,
        ),
        DeadlineRule(
            code="decide_filing_reconsideration",
            label=_("Decide the complainant's application for 复议 of a decision not to file"),
            period=Period(30, Unit.DAYS),
            citation="MPS-2020 art 179 ¶1",
            confidence=Confidence.CHECKED,
            note="Counted from the receipt of the application.",
        ),
        DeadlineRule(
            code="decide_filing_review",
            label=_("Decide the complainant's application for 复核 of a decision not to file"),
            period=Period(30, Unit.DAYS),
            citation="MPS-2020 art 179 ¶2",
            confidence=Confidence.CHECKED,
            note="Counted from the receipt of the application by the superior organ.",
        ),
        DeadlineRule(
            code="decide_filing_review_extended",
            label=_("Decide the 复议 or 复核 of a decision not to file, time limit extended"),
            period=Period(60, Unit.DAYS),
            citation="MPS-2020 art 179 ¶3",
            confidence=Confidence.CHECKED,
            note=(
                "30 days from receipt and at most 30 more in a major or complex case, the applicant told in "
                "writing."
            ),
        ),
    ]
)
