"""System checks of core: warn when deadlines would be computed without real holiday data.

The check reads the HolidayOverride table, so, as Django asks of checks that touch a database,
it runs only when the command names databases: `manage.py migrate` does, and so does
`manage.py check --database default`. A plain `manage.py check` skips it.
"""

import datetime as dt

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections
from django.utils import timezone

from core.deadlines import OfficialHolidayCalendar
from core.models import HolidayOverride

HOLIDAYS_UNKNOWN = "core.W001"


def _today() -> dt.date:
    return timezone.localdate()


def _overrides(alias: str) -> dict[dt.date, bool]:
    try:
        return dict(HolidayOverride.objects.using(alias).values_list("date", "is_rest_day"))
    except DatabaseError:
        # Before the first migrate the table does not exist yet: no overrides, then.
        return {}


def unknown_holiday_years(years, *, using: str = "default") -> list[int]:
    """Return those of ``years`` that neither chinese_calendar nor the overrides in ``using`` know."""
    return OfficialHolidayCalendar(overrides=_overrides(using)).unknown_years(years)


@register(Tags.database)
def check_holiday_calendar(app_configs=None, databases=None, **kwargs):
    """Warn when this year or the next is known neither to chinese_calendar nor to the overrides."""
    if not databases or "default" not in databases or "default" not in connections:
        return []
    today = _today()
    unknown = unknown_holiday_years([today.year, today.year + 1], using="default")
    if not unknown:
        return []
    years = ", ".join(str(year) for year in unknown)
    return [
        Warning(
            f"The holiday calendar has no data for {years}: legal deadlines in "
            f"{'that year' if len(unknown) == 1 else 'those years'} fall back to weekends only, so a "
            "period ending on a statutory holiday is not extended and a make-up working day counts "
            "as a rest day.",
            hint=(
                "Enter the State Council's holiday arrangement for "
                f"{years} as HolidayOverride rows in the administration (each holiday as a rest day, "
                "each make-up working day as a working day), or upgrade the chinese-calendar package "
                "to a release that knows the year."
            ),
            obj="core.HolidayOverride",
            id=HOLIDAYS_UNKNOWN,
        )
    ]


@register(Tags.security, deploy=True)
def required_production_settings(app_configs=None, **kwargs):
    """Fail `check --deploy` for each variable production requires and the environment lacks."""
    return [Error(message, id="core.E001") for message in getattr(settings, "MISSING_FOR_SERVING", [])]


@register(Tags.security, deploy=True)
def bench_floors_off(app_configs=None, **kwargs):
    """Fail `check --deploy` while the benchmark's unauthenticated floor views are mounted."""
    if not getattr(settings, "BENCH_FLOORS", False):
        return []
    return [
        Error(
            "LIANBAN_BENCH_FLOORS is on: the benchmark's floor views answer raw SQL without signing in.",
            hint="Unset LIANBAN_BENCH_FLOORS; it is for `make bench` only.",
            id="core.E002",
        )
    ]


@register(Tags.security, deploy=True)
def audit_checkpoint_key_set(app_configs=None, **kwargs):
    """Fail `check --deploy` while no key for the audit checkpoints is set (core.audit_checkpoints)."""
    if getattr(settings, "AUDIT_CHECKPOINT_KEY", ""):
        return []
    return [
        Error(
            "AUDIT_CHECKPOINT_KEY is not set: the audit chain cannot be checkpointed, so deleting its newest "
            "events or rewriting it with recomputed hashes would go unseen.",
            hint="Set AUDIT_CHECKPOINT_KEY to a random string of at least 32 characters, different from "
            "SECRET_KEY, and keep it away from the database's owners.",
            id="core.E003",
        )
    ]
