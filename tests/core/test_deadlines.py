"""Deadline arithmetic (CPL art 105) against the 2026 State Council holiday arrangement.

2026 as chinese_calendar 1.11.0 has it: Spring Festival rest 15–23 Feb, make-up working
Saturdays 14 and 28 Feb; Mid-autumn rest 25–27 Sep; National Day rest 1–7 Oct, make-up working
Sunday 20 Sep and Saturday 10 Oct. No database: the module is pure.
"""

import datetime as dt

import pytest

from core.deadlines import (
    DEFAULT_RULES,
    SHANGHAI,
    Confidence,
    DeadlineRule,
    HolidayCalendar,
    Kind,
    OfficialHolidayCalendar,
    Period,
    Unit,
    Urgency,
    WeekendCalendar,
    compute_due,
    due,
    format_due,
    is_overdue,
    last_day,
    next_working_day,
    remaining,
    working_days_between,
)


def at(year, month, day, hour=0, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def end_of(year, month, day):
    """24:00 on the given day, as the exclusive instant the module returns."""
    return at(year, month, day) + dt.timedelta(days=1)


@pytest.fixture
def calendar():
    # A fresh calendar per test: fallback_years_used is state.
    return OfficialHolidayCalendar()


@pytest.mark.parametrize(
    ("day", "rest"),
    [
        (dt.date(2026, 2, 13), False),  # Friday before Spring Festival
        (dt.date(2026, 2, 14), False),  # make-up working Saturday
        (dt.date(2026, 2, 15), True),  # Spring Festival (a Sunday)
        (dt.date(2026, 2, 17), True),  # Spring Festival (New Year's Day of the lunar calendar)
        (dt.date(2026, 2, 23), True),  # last day of the Spring Festival break (a Monday)
        (dt.date(2026, 2, 24), False),
        (dt.date(2026, 2, 28), False),  # make-up working Saturday
        (dt.date(2026, 3, 1), True),  # ordinary Sunday
        (dt.date(2026, 9, 20), False),  # make-up working Sunday
        (dt.date(2026, 9, 25), True),  # Mid-autumn (a Friday)
        (dt.date(2026, 10, 1), True),  # National Day (a Thursday)
        (dt.date(2026, 10, 7), True),
        (dt.date(2026, 10, 8), False),
        (dt.date(2026, 10, 10), False),  # make-up working Saturday
        (dt.date(2026, 10, 11), True),  # ordinary Sunday
    ],
)
def test_the_2026_calendar(calendar, day, rest):
    assert calendar.is_rest_day(day) is rest
    assert calendar.knows(2026)
    assert calendar.fallback_years_used == frozenset()


def moment(text):
    """Read "2026-10-08 11:00" in Shanghai time; "24:00" is the end of that day."""
    day, clock = text.split()
    if clock == "24:00":
        return at(*map(int, day.split("-"))) + dt.timedelta(days=1)
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


# start, period, kind, end, extended past rest days?
DEADLINES = [
    # Day periods: the starting day is not counted; the period ends at 24:00.
    ("2026-03-02 09:30", "7 days", "ordinary", "2026-03-09 24:00", False),
    ("2026-03-02 23:59", "1 day", "ordinary", "2026-03-03 24:00", False),
    # National Day 2026: a last day in the holiday moves to the first working day after it ...
    ("2026-09-24 10:00", "7 days", "ordinary", "2026-10-08 24:00", True),
    ("2026-09-28 10:00", "3 days", "ordinary", "2026-10-08 24:00", True),
    # ... except in custody, where the period ends in the holiday.
    ("2026-09-28 10:00", "3 days", "custody", "2026-10-01 24:00", False),
    ("2026-09-24 10:00", "7 days", "custody", "2026-10-01 24:00", False),
    # A make-up working Saturday (10 Oct) or Sunday (20 Sep) is a working day: no extension.
    ("2026-10-03 15:00", "7 days", "ordinary", "2026-10-10 24:00", False),
    ("2026-09-13 08:00", "7 days", "ordinary", "2026-09-20 24:00", False),
    # An ordinary Sunday extends; an ordinary Saturday may extend onto a make-up Sunday.
    ("2026-10-04 15:00", "7 days", "ordinary", "2026-10-12 24:00", True),
    ("2026-09-12 08:00", "7 days", "ordinary", "2026-09-20 24:00", True),
    # Mid-autumn (25–27 Sep).
    ("2026-09-18 08:00", "7 days", "ordinary", "2026-09-28 24:00", True),
    # Spring Festival 2026, with its make-up working Saturdays 14 and 28 Feb.
    ("2026-02-11 16:00", "3 days", "ordinary", "2026-02-14 24:00", False),
    ("2026-02-10 09:00", "7 days", "ordinary", "2026-02-24 24:00", True),
    ("2026-02-10 09:00", "7 days", "custody", "2026-02-17 24:00", False),
    ("2026-02-27 09:00", "1 day", "ordinary", "2026-02-28 24:00", False),
    ("2026-02-28 09:00", "1 day", "ordinary", "2026-03-02 24:00", True),
    # Hour periods count from the next whole hour and never extend for rest days.
    ("2026-03-02 10:20", "24 hours", "ordinary", "2026-03-03 11:00", False),
    ("2026-03-02 10:00", "24 hours", "ordinary", "2026-03-03 11:00", False),
    ("2026-03-02 10:59", "12 hours", "ordinary", "2026-03-02 23:00", False),
    ("2026-09-30 23:40", "24 hours", "ordinary", "2026-10-01 24:00", False),
    ("2026-09-30 20:15", "24 hours", "custody", "2026-10-01 21:00", False),
    # Month periods: the same day of the target month, or its last day when there is none.
    ("2026-03-15 09:00", "1 month", "ordinary", "2026-04-15 24:00", False),
    ("2026-05-28 09:00", "3 months", "ordinary", "2026-08-28 24:00", False),
    ("2026-01-30 09:00", "1 month", "ordinary", "2026-02-28 24:00", False),
    # From a month's last day to the target month's last day (28 Feb 2026 is a make-up workday).
    ("2026-01-31 09:00", "1 month", "ordinary", "2026-02-28 24:00", False),
    ("2026-02-28 09:00", "1 month", "ordinary", "2026-03-31 24:00", False),
    ("2026-03-31 09:00", "6 months", "ordinary", "2026-09-30 24:00", False),
    ("2025-12-31 09:00", "6 months", "ordinary", "2026-06-30 24:00", False),
    ("2026-04-30 09:00", "1 month", "ordinary", "2026-06-01 24:00", True),  # 31 May is a Sunday
    ("2026-04-30 09:00", "1 month", "custody", "2026-05-31 24:00", False),
    ("2026-09-01 09:00", "1 month", "ordinary", "2026-10-08 24:00", True),
    # Year periods: the same day of the target year; "fixed" terms never extend.
    ("2024-02-29 09:00", "1 year", "ordinary", "2025-02-28 24:00", False),
    ("2024-10-01 09:00", "2 years", "ordinary", "2026-10-08 24:00", True),
    ("2024-10-01 09:00", "2 years", "fixed", "2026-10-01 24:00", False),
    # Working days after the starting day.
    ("2026-02-13 16:00", "1 working day", "ordinary", "2026-02-14 24:00", False),
    ("2026-02-14 10:00", "1 working day", "ordinary", "2026-02-24 24:00", False),
    ("2026-09-30 10:00", "2 working days", "ordinary", "2026-10-09 24:00", False),
]


@pytest.mark.parametrize(("start", "period", "kind", "end", "extended"), DEADLINES)
def test_deadline_table(calendar, start, period, kind, end, extended):
    period = Period.parse(period)

    result = compute_due(moment(start), period.amount, period.unit, kind, calendar=calendar)

    assert result.at == moment(end)
    assert result.at.tzinfo == SHANGHAI
    assert result.extended is extended
    assert format_due(result.at) == end
    assert due(moment(start), period.amount, period.unit.value, kind, calendar=calendar) == moment(end)


def test_hour_period_counts_from_the_next_whole_hour_in_utc_input():
    start = dt.datetime(2026, 3, 2, 2, 20, tzinfo=dt.UTC)  # 10:20 in Shanghai

    assert due(start, 24, "hours") == at(2026, 3, 3, 11)


def test_an_unknown_year_falls_back_to_weekends_and_says_so(calendar):
    assert not calendar.knows(2030)

    # 1 October 2030 is a Tuesday: without the year's arrangement it is an ordinary working day.
    assert due(at(2030, 9, 24, 10), 7, "days", calendar=calendar) == end_of(2030, 10, 1)
    # 5 October 2030 is a Saturday: weekends still rest.
    assert due(at(2030, 9, 28, 10), 7, "days", calendar=calendar) == end_of(2030, 10, 7)

    assert calendar.fallback_years_used == frozenset({2030})
    assert calendar.unknown_years([2026, 2030, 2031]) == [2030, 2031]


def test_overrides_teach_the_calendar_an_unknown_year():
    national_day_2030 = {dt.date(2030, 10, day): True for day in range(1, 8)}
    calendar = OfficialHolidayCalendar(overrides=national_day_2030 | {dt.date(2030, 10, 12): False})

    assert calendar.knows(2030)
    assert due(at(2030, 9, 24, 10), 7, "days", calendar=calendar) == end_of(2030, 10, 8)
    assert not calendar.is_rest_day(dt.date(2030, 10, 12))  # a make-up working Saturday
    assert calendar.fallback_years_used == frozenset()


def test_overrides_win_over_the_package():
    # An extra rest day on 8 October 2026 pushes the National Day extension on to 9 October.
    calendar = OfficialHolidayCalendar(overrides={dt.date(2026, 10, 8): True})

    assert due(at(2026, 9, 24, 10), 7, "days", calendar=calendar) == end_of(2026, 10, 9)


def test_a_year_before_the_package_falls_back_too(calendar):
    assert not calendar.knows(2003)
    assert calendar.is_rest_day(dt.date(2003, 10, 4))  # a Saturday
    assert calendar.fallback_years_used == frozenset({2003})


def test_both_calendars_satisfy_the_protocol():
    assert isinstance(OfficialHolidayCalendar(), HolidayCalendar)
    assert isinstance(WeekendCalendar(), HolidayCalendar)


def test_weekend_calendar():
    weekends = WeekendCalendar()

    assert not weekends.knows(2026)
    assert not weekends.is_rest_day(dt.date(2026, 10, 1))
    assert weekends.is_rest_day(dt.date(2026, 10, 3))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"start": dt.datetime(2026, 3, 2, 10), "amount": 1, "unit": "days"}, ValueError),  # naive
        ({"start": dt.date(2026, 3, 2), "amount": 1, "unit": "days"}, TypeError),
        ({"start": at(2026, 3, 2), "amount": 0, "unit": "days"}, ValueError),
        ({"start": at(2026, 3, 2), "amount": True, "unit": "days"}, ValueError),
        ({"start": at(2026, 3, 2), "amount": 1, "unit": "fortnights"}, ValueError),
        ({"start": at(2026, 3, 2), "amount": 1, "unit": "days", "kind": "lenient"}, ValueError),
    ],
)
def test_bad_input_is_refused(kwargs, error):
    with pytest.raises(error):
        due(**kwargs)


def test_a_calendar_with_no_working_day_is_reported_not_looped_on():
    class AlwaysResting:
        def is_rest_day(self, day):
            return True

        def knows(self, year):
            return True

    with pytest.raises(ValueError, match="holiday overrides"):
        due(at(2026, 3, 2), 1, "days", calendar=AlwaysResting())


# Display helpers --------------------------------------------------------------------------------


def test_format_and_last_day_show_24_00_on_the_last_day():
    end = end_of(2026, 10, 8)

    assert format_due(end) == "2026-10-08 24:00"
    assert last_day(end) == dt.date(2026, 10, 8)
    assert format_due(at(2026, 3, 3, 11)) == "2026-03-03 11:00"
    assert last_day(at(2026, 3, 3, 11)) == dt.date(2026, 3, 3)
    assert format_due(end.astimezone(dt.UTC)) == "2026-10-08 24:00"


def test_remaining_and_overdue():
    end = end_of(2026, 10, 8)

    assert remaining(end, at(2026, 10, 8, 18)) == dt.timedelta(hours=6)
    assert remaining(end, at(2026, 10, 9, 1)) == dt.timedelta(hours=-1)
    assert not is_overdue(end, at(2026, 10, 8, 23, 59, 59))
    assert is_overdue(end, end)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (dt.date(2026, 9, 30), dt.date(2026, 10, 8), 1),  # only 8 Oct works
        (dt.date(2026, 9, 30), dt.date(2026, 10, 10), 3),  # 8, 9 and the make-up 10 Oct
        (dt.date(2026, 2, 13), dt.date(2026, 2, 24), 2),  # make-up 14 Feb and 24 Feb
        (dt.date(2026, 10, 8), dt.date(2026, 10, 8), 0),
        (dt.date(2026, 10, 10), dt.date(2026, 9, 30), -3),  # the same span, counted backwards
    ],
)
def test_working_days_between(calendar, start, end, count):
    assert working_days_between(start, end, calendar=calendar) == count


def test_next_working_day(calendar):
    assert next_working_day(dt.date(2026, 10, 1), calendar) == dt.date(2026, 10, 8)
    assert next_working_day(dt.date(2026, 10, 10), calendar) == dt.date(2026, 10, 10)


# Periods and rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("24 hours", Period(24, Unit.HOURS)),
        ("1 day", Period(1, Unit.DAYS)),
        ("7 Days", Period(7, Unit.DAYS)),
        ("1 working day", Period(1, Unit.WORKING_DAYS)),
        ("2 working_days", Period(2, Unit.WORKING_DAYS)),
        ("6 months", Period(6, Unit.MONTHS)),
        ("2 years", Period(2, Unit.YEARS)),
    ],
)
def test_period_parse_and_str(text, period):
    assert Period.parse(text) == period
    assert Period.parse(str(period)) == period


@pytest.mark.parametrize("text", ["", "seven days", "0 days", "7 weeks", "-1 days"])
def test_period_parse_refuses_nonsense(text):
    with pytest.raises(ValueError):
        Period.parse(text)


@pytest.mark.parametrize(
    ("code", "urgency", "remote", "period", "kind", "citation"),
    [
        # No article sets an acknowledgement period: system defaults, shown without a citation.
        ("acknowledge_receipt", "ordinary", False, "1 working day", "ordinary", ""),
        ("acknowledge_receipt", "urgent", False, "12 hours", "ordinary", ""),
        ("acknowledge_receipt", "extra_urgent", False, "4 hours", "ordinary", ""),
        ("identity_check", "ordinary", False, "7 days", "ordinary", "MPS-2020 art 353"),
        ("identity_check", "ordinary", True, "15 days", "ordinary", "MPS-2020 art 353"),
        # Shortened for urgency: a system default, whatever the rule's article.
        ("identity_check", "urgent", True, "3 days", "ordinary", ""),
        ("identity_check", "extra_urgent", False, "24 hours", "ordinary", ""),
        ("jurisdiction_consultation", "ordinary", False, "7 days", "ordinary", ""),
        ("interrogation_on_behalf", "ordinary", False, "24 hours", "custody", "MPS-2020 art 351"),
        ("interrogation_on_behalf", "extra_urgent", False, "24 hours", "custody", "MPS-2020 art 351"),
        # Art 351 ¶2 says "immediately": the 24 hours are the system's.
        ("collect_detained_suspect", "ordinary", False, "24 hours", "custody", ""),
        ("transfer_case", "ordinary", False, "24 hours", "ordinary", "MPS-2020 art 175"),
        ("notify_complainant_of_transfer", "ordinary", False, "3 days", "ordinary", "MPS-2020 art 184"),
        ("release_unrelated_seized_property", "ordinary", False, "3 days", "ordinary", "MPS-2020 art 233"),
        ("release_unrelated_frozen_property", "ordinary", False, "3 days", "ordinary", "MPS-2020 art 247"),
        ("freeze_deposits", "ordinary", False, "6 months", "fixed", "MPS-2020 art 243"),
        ("freeze_deposits_major", "ordinary", False, "1 year", "fixed", "MPS-2020 art 243"),
        ("freeze_securities", "ordinary", False, "2 years", "fixed", "MPS-2020 art 244"),
        ("freeze_equity", "ordinary", False, "6 months", "fixed", "MPS-2020 art 245"),
    ],
)
def test_default_rules(code, urgency, remote, period, kind, citation):
    rule = DEFAULT_RULES[code]

    assert rule.period_for(urgency=Urgency(urgency), remote=remote) == Period.parse(period)
    assert rule.kind is Kind(kind)
    applied = rule.citation_for(urgency=Urgency(urgency), remote=remote)
    assert citation in applied if citation else applied == ""
    assert rule.is_system_default(urgency=Urgency(urgency), remote=remote) is (not citation)


@pytest.mark.parametrize(
    ("code", "start", "kwargs", "end"),
    [
        # The Guiyang identity check of the walk-through, received on a Thursday.
        ("identity_check", "2026-03-05 10:00", {}, "2026-03-12 24:00"),
        # The same check received just before National Day ends on the first working day after it.
        ("identity_check", "2026-09-24 10:00", {}, "2026-10-08 24:00"),
        ("identity_check", "2026-09-24 10:00", {"remote": True}, "2026-10-09 24:00"),
        ("acknowledge_receipt", "2026-02-14 10:00", {}, "2026-02-24 24:00"),
        ("acknowledge_receipt", "2026-02-14 10:30", {"urgency": "extra_urgent"}, "2026-02-14 15:00"),
        # Detained on the eve of National Day: the interrogation is due during the holiday.
        ("interrogation_on_behalf", "2026-09-30 22:05", {}, "2026-10-01 23:00"),
        # A freeze expires on the day its notice states, holiday or not; renewal comes before.
        ("freeze_deposits", "2026-04-01 10:00", {}, "2026-10-01 24:00"),
    ],
)
def test_rule_due(calendar, code, start, kwargs, end):
    assert DEFAULT_RULES[code].due(moment(start), calendar=calendar, **kwargs) == moment(end)


def test_rules_are_configurable_from_settings_like_values():
    rules = DEFAULT_RULES.with_overrides(
        {
            "identity_check": {"period": "10 days", "urgent_periods": {"urgent": "2 days"}},
            "transfer_case": {"kind": "custody"},
        }
    )

    assert rules["identity_check"].period == Period(10, Unit.DAYS)
    assert rules["identity_check"].remote_period == Period(15, Unit.DAYS)  # untouched
    assert rules["identity_check"].period_for(urgency="urgent") == Period(2, Unit.DAYS)
    assert rules["identity_check"].period_for(urgency="extra_urgent") == Period(10, Unit.DAYS)
    assert rules["transfer_case"].kind is Kind.CUSTODY
    # The defaults themselves are not changed.
    assert DEFAULT_RULES["identity_check"].period == Period(7, Unit.DAYS)


def test_overriding_an_unknown_rule_fails_loudly():
    with pytest.raises(KeyError, match="no_such_rule"):
        DEFAULT_RULES.with_overrides({"no_such_rule": {"period": "1 day"}})


def test_every_rule_has_a_label_and_a_citation_or_says_it_is_a_system_default():
    assert len(DEFAULT_RULES) >= 12
    for code, rule in DEFAULT_RULES.items():
        assert isinstance(rule, DeadlineRule)
        assert rule.code == code
        assert rule.citation or rule.confidence is not Confidence.CHECKED, code
        assert rule.citation or rule.note, code  # what the practice rests on
        assert rule.label


def test_periods_no_article_sets_carry_no_citation_mps_2020_arts_22_348_353():
    """The 1-working-day acknowledgement (art 348 sets none), the consultation's 7 days (art 22 sets
    none) and urgency shortening are system defaults; art 353's 7 and 15 days are the article's."""
    assert DEFAULT_RULES["acknowledge_receipt"].citation == ""
    assert DEFAULT_RULES["jurisdiction_consultation"].citation == ""
    check = DEFAULT_RULES["identity_check"]
    assert check.citation_for(urgency=Urgency.ORDINARY, remote=True) == "MPS-2020 art 353"
    assert check.citation_for(urgency=Urgency.URGENT) == ""
