"""The PostgreSQL backend's timestamp loader: psycopg's C parser, Django's values."""

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from cases.models import Case
from core.db.postgresql import base as backend
from tests.support.factories.cases import CaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

LITERALS = [
    "2026-11-28 23:59:59.999999+08",
    "2026-02-28 16:00:00+00",
    "1999-12-31 23:00:00-05:30",
    "2024-02-29 12:00:00.5+14",
    "0044-03-15 12:00:00+00",
]


def _select(cursor) -> list[dt.datetime]:
    sql = "SELECT " + ", ".join(f"'{literal}'::timestamptz" for literal in LITERALS)
    cursor.execute(sql)
    return list(cursor.fetchone())


def test_timestamps_are_parsed_in_c_and_equal_to_djangos():
    assert connection.vendor == "postgresql" and backend.HAS_C_LOADER
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(backend.TIMESTAMPTZ_OID, 0)
        assert loader is backend.UtcTimestamptzLoader
        ours = _select(cursor)
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own, on this cursor only
        djangos = _select(cursor)
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [dt.UTC] * len(LITERALS)
    assert ours[0] == dt.datetime(2026, 11, 28, 15, 59, 59, 999999, tzinfo=dt.UTC)


def test_models_read_aware_utc_datetimes_they_wrote():
    written = dt.datetime(2026, 11, 28, 9, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    case = CaseFactory(accepted_at=written)
    read = Case.objects.values_list("accepted_at", flat=True).get(pk=case.pk)
    assert read == written and read.tzinfo is dt.UTC
