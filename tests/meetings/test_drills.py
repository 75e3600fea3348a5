"""The joint-drill register (DOMAIN.md §5 [S]): years with fewer drills than the series asks for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import selectors
from meetings.models import MeetingKind, MeetingState
from tests.support.factories.meetings import meeting_in
from tests.support.units import CHONGQING, GUIZHOU

pytestmark = pytest.mark.django_db


def drill_in(series, provinces, year: int, *, state=MeetingState.CLOSED, kind=MeetingKind.DRILL):
    start = timezone.make_aware(dt.datetime(year, 6, 15, 9))
    return meeting_in(
        series, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison, state=state, kind=kind, start_at=start
    )


def test_every_year_without_enough_drills_is_listed(provinces, pan_southwest):
    today = timezone.localdate()
    pan_southwest.started_on = dt.date(today.year - 4, 3, 1)
    pan_southwest.save(update_fields=["started_on"])
    drill_in(pan_southwest, provinces, today.year - 4)
    drill_in(pan_southwest, provinces, today.year - 3, state=MeetingState.CANCELLED)  # not held
    drill_in(pan_southwest, provinces, today.year - 2, kind=MeetingKind.REGULAR)  # a meeting, not a drill
    drill_in(pan_southwest, provinces, today.year - 1, state=MeetingState.PUBLISHED)
    assert selectors.drill_gaps(pan_southwest, today) == [today.year - 3, today.year - 2, today.year]


def test_this_year_is_fine_once_a_drill_is_held_or_scheduled(provinces, pan_southwest):
    today = timezone.localdate()
    pan_southwest.started_on = dt.date(today.year, 1, 1)
    pan_southwest.save(update_fields=["started_on"])
    assert selectors.drill_gaps(pan_southwest, today) == [today.year]
    start = timezone.make_aware(dt.datetime(today.year, 12, 30, 9))
    meeting_in(
        pan_southwest,
        host=CHONGQING,
        organiser=provinces[CHONGQING].liaison,
        kind=MeetingKind.DRILL,
        start_at=start,
    )
    assert selectors.drill_gaps(pan_southwest, today) == []


def test_a_series_asking_for_two_drills_counts_them(provinces, pan_southwest):
    today = timezone.localdate()
    pan_southwest.started_on = dt.date(today.year - 1, 1, 1)
    pan_southwest.drills_per_year = 2
    pan_southwest.save(update_fields=["started_on", "drills_per_year"])
    drill_in(pan_southwest, provinces, today.year - 1)
    drill_in(pan_southwest, provinces, today.year)
    assert selectors.drill_gaps(pan_southwest, today) == [today.year - 1]
    drill_in(pan_southwest, provinces, today.year - 1, state=MeetingState.MINUTES_SIGNED)
    assert selectors.drill_gaps(pan_southwest, today) == []


def test_a_series_without_drills_never_warns(chuanyu_legal):
    chuanyu_legal.drills_per_year = 0
    chuanyu_legal.save(update_fields=["drills_per_year"])
    assert selectors.drill_gaps(chuanyu_legal, timezone.localdate()) == []
