"""The holiday overrides table: it feeds deadline arithmetic, and the system check reports years without data.

chinese_calendar 1.11.0 knows the years up to 2026; 2027 is a year it does not know, which the
overrides must cover (1 January 2027 is a Friday).
"""

import datetime as dt

import pytest
from django.core import checks

from core import checks as core_checks
from core import holidays
from core.deadline_rows import deadline_start
from core.deadlines import SHANGHAI, compute_due
from core.models import HolidayOverride

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def end_of(year, month, day):
    return at(year, month, day) + dt.timedelta(days=1)


def new_year_2027():
    HolidayOverride.objects.create(date=dt.date(2027, 1, 1), is_rest_day=True, name="元旦")


def test_calendar_reads_the_overrides_in_one_query(django_assert_num_queries):
    new_year_2027()
    HolidayOverride.objects.create(date=dt.date(2027, 2, 6), is_rest_day=False, name="春节调休上班")

    with django_assert_num_queries(1):
        calendar = holidays.calendar()

    assert calendar.is_rest_day(dt.date(2027, 1, 1))  # a Friday declared a holiday
    assert not calendar.is_rest_day(dt.date(2027, 2, 6))  # a Saturday declared a working day
    assert calendar.is_rest_day(dt.date(2027, 1, 2))  # an ordinary Saturday
    assert calendar.knows(2027)
    assert not calendar.knows(2028)


def test_an_override_declaring_a_rest_day_extends_a_period_that_ends_on_it():
    # 7 days from Friday 25 December 2026 end on Friday 1 January 2027.
    start = at(2026, 12, 25, 9, 30)
    assert compute_due(start, 7, "days", calendar=holidays.calendar()).at == end_of(2027, 1, 1)

    new_year_2027()

    extended = compute_due(start, 7, "days", calendar=holidays.calendar())
    # Friday the 1st rests, then the weekend: the period ends on Monday 4 January.
    assert extended.extended
    assert extended.at == end_of(2027, 1, 4)


def test_an_override_declaring_a_working_day_stops_the_extension():
    # 8 days from Friday 25 December 2026 end on Saturday 2 January 2027: extended to Monday.
    start = at(2026, 12, 25, 9, 30)
    assert compute_due(start, 8, "days", calendar=holidays.calendar()).at == end_of(2027, 1, 4)

    HolidayOverride.objects.create(date=dt.date(2027, 1, 2), is_rest_day=False, name="调休上班")

    assert compute_due(start, 8, "days", calendar=holidays.calendar()).at == end_of(2027, 1, 2)


def test_deadline_rows_use_the_overrides_when_started():
    new_year_2027()

    deadline = deadline_start(
        target=("cases.assistancerequest", "1"),
        rule_key="identity_check",
        start=at(2026, 12, 25, 9, 30),
        responsible_unit_code="520100",
    )

    assert deadline.due_at == end_of(2027, 1, 4)


def test_an_override_wins_over_the_package_for_a_known_year():
    # Thursday 1 October 2026 is National Day; suppose a notice moved it.
    HolidayOverride.objects.create(date=dt.date(2026, 10, 1), is_rest_day=False, name="test")

    assert not holidays.calendar().is_rest_day(dt.date(2026, 10, 1))
    assert holidays.calendar().is_rest_day(dt.date(2026, 10, 2))


# --- the system check ----------------------------------------------------------------------------


def warnings_on(monkeypatch, today: dt.date, databases=("default",)):
    monkeypatch.setattr(core_checks, "_today", lambda: today)
    return core_checks.check_holiday_calendar(databases=list(databases) if databases is not None else None)


def test_check_warns_for_the_next_year_the_package_does_not_know(monkeypatch):
    warnings = warnings_on(monkeypatch, dt.date(2026, 11, 28))

    assert [warning.id for warning in warnings] == ["core.W001"]
    warning = warnings[0]
    assert isinstance(warning, checks.Warning)
    assert "2027" in warning.msg and "2026" not in warning.msg
    assert "weekends" in warning.msg
    assert "HolidayOverride" in warning.hint


def test_check_names_both_years_when_neither_is_known(monkeypatch):
    warnings = warnings_on(monkeypatch, dt.date(2027, 6, 1))

    assert len(warnings) == 1
    assert "2027, 2028" in warnings[0].msg


def test_check_is_silent_once_the_overrides_cover_the_years(monkeypatch):
    new_year_2027()
    assert warnings_on(monkeypatch, dt.date(2026, 11, 28)) == []

    # Covering 2027 is not covering 2028.
    assert "2028" in warnings_on(monkeypatch, dt.date(2027, 6, 1))[0].msg
    HolidayOverride.objects.create(date=dt.date(2028, 1, 1), is_rest_day=True, name="元旦")
    assert warnings_on(monkeypatch, dt.date(2027, 6, 1)) == []


def test_check_is_silent_for_years_the_package_knows(monkeypatch):
    assert warnings_on(monkeypatch, dt.date(2025, 3, 1)) == []


def test_check_reads_no_database_unless_asked(monkeypatch, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert warnings_on(monkeypatch, dt.date(2027, 6, 1), databases=None) == []


def test_check_runs_with_the_registered_checks(monkeypatch):
    monkeypatch.setattr(core_checks, "_today", lambda: dt.date(2026, 11, 28))

    assert "core.W001" in {message.id for message in checks.run_checks(databases=["default"])}


def test_superuser_enters_an_override_in_the_admin(client, system_admin):
    client.force_login(system_admin)

    response = client.post(
        "/admin/core/holidayoverride/add/",
        {"date": "2027-01-01", "is_rest_day": "on", "name": "元旦", "note": "国办发明电〔2026〕…号"},
    )

    assert response.status_code == 302, response.content
    assert holidays.overrides() == {dt.date(2027, 1, 1): True}
    assert client.get("/admin/core/holidayoverride/").status_code == 200
