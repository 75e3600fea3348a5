"""Create the two joint-meeting series of plan §4 with their members and first duty term; idempotent.

DOMAIN.md §5 [S]: the 泛西南 members are listed as Chongqing, Sichuan, Guizhou, Yunnan, Tibet and
Qinghai (first meeting 2010-10-21 in Chongqing, hence the chair); its rotation order, frequency
and sign-off rules were not found, so they are seeded as data an administrator may change. The
Sichuan–Chongqing legal-department series (公安法制执法协作联席会议) is seeded with Sichuan
chairing; its start date was not found either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from meetings.models import MeetingSeries, SeriesKind, SeriesMember
from meetings.permissions import forget_members
from meetings.rotation import duty_open_first
from organisation.models import PATH_SEPARATOR, Unit


@dataclass(frozen=True)
class SeriesSeed:
    name: str
    short_name: str
    kind: str
    chair: str
    members: tuple[str, ...]
    masthead: str
    started_on: dt.date
    frequency_months: int
    drills_per_year: int


SERIES = (
    SeriesSeed(
        name="泛西南警务合作联席会议",
        short_name="泛西南",
        kind=SeriesKind.POLICE_COOPERATION,
        chair="500000",
        members=("500000", "510000", "520000", "530000", "540000", "630000"),
        masthead="泛西南警务合作联席会议纪要",
        started_on=dt.date(2010, 10, 21),
        frequency_months=12,
        drills_per_year=1,
    ),
    SeriesSeed(
        name="川渝公安法制执法协作联席会议",
        short_name="川渝法制",
        kind=SeriesKind.LEGAL_COLLABORATION,
        chair="510000",
        members=("510000", "500000"),
        masthead="川渝公安法制执法协作联席会议纪要",
        # Not found (DOMAIN.md §5): an assumed start; the legal series holds no joint drills.
        started_on=dt.date(2018, 1, 1),
        frequency_months=12,
        drills_per_year=0,
    ),
)


def _check_disjoint(units: list[Unit]) -> None:
    """Refuse members inside another member's subtree: each member stands for its whole subtree."""
    for unit in units:
        for other in units:
            if other.pk != unit.pk and unit.path.startswith(other.path + PATH_SEPARATOR):
                raise CommandError(f"{unit.code} lies inside the subtree of {other.code}")


def seed_series(seed: SeriesSeed, *, now: dt.datetime) -> tuple[MeetingSeries, bool, int, bool]:
    """Create the series (or leave it as it is), add missing members, open the first duty term."""
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=[seed.chair, *seed.members])}
    missing = sorted({seed.chair, *seed.members} - set(units))
    if missing:
        raise CommandError(f"Unknown units {', '.join(missing)}: run load_organisation first")
    _check_disjoint([units[code] for code in seed.members])
    series, created = MeetingSeries.objects.get_or_create(
        name=seed.name,
        defaults={
            "short_name": seed.short_name,
            "kind": seed.kind,
            "chair_unit": units[seed.chair],
            "frequency_months": seed.frequency_months,
            "drills_per_year": seed.drills_per_year,
            "minutes_masthead": seed.masthead,
            "started_on": seed.started_on,
        },
    )
    existing = dict(series.members.values_list("unit__code", "rotation_position"))
    position = max(existing.values(), default=0)
    added = 0
    for code in seed.members:
        if code in existing:
            continue
        position += 1
        SeriesMember.objects.create(
            series=series, unit=units[code], rotation_position=position, joined_on=seed.started_on
        )
        added += 1
    forget_members(series)
    term = duty_open_first(series, at=now)
    return series, created, added, term is not None


class Command(BaseCommand):
    help = "Create the 泛西南 and 川渝 legal joint-meeting series with members and duty (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        for seed in SERIES:
            series, created, added, opened = seed_series(seed, now=now)
            state = "created" if created else "exists"
            self.stdout.write(
                f"{series.name}: {state}, {added} member(s) added" + (", duty term opened" if opened else "")
            )
