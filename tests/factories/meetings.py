"""Factories for joint meetings: the two seeded series and meetings in any state, made directly.

Tests of a step build what comes before it here, without walking the services, so that each test
states only what it checks.
"""

import datetime as dt

from django.utils import timezone

from meetings.models import (
    JointMeeting,
    MeetingKind,
    MeetingParticipant,
    MeetingSeries,
    MeetingState,
    SeriesKind,
    SeriesMember,
)
from organisation.models import Unit

CHONGQING, SICHUAN, GUIZHOU, YUNNAN, TIBET, QINGHAI = (
    "500000",
    "510000",
    "520000",
    "530000",
    "540000",
    "630000",
)
SIX = (CHONGQING, SICHUAN, GUIZHOU, YUNNAN, TIBET, QINGHAI)


def series_with(
    name: str, codes, *, chair: str, kind=SeriesKind.POLICE_COOPERATION, short_name="", masthead="", **extra
) -> MeetingSeries:
    """Create a series whose members are the units `codes`, in that rotation order."""
    series = MeetingSeries.objects.create(
        name=name,
        short_name=short_name or name[:8],
        kind=kind,
        chair_unit=Unit.objects.get(code=chair),
        minutes_masthead=masthead or f"{name}纪要",
        started_on=extra.pop("started_on", dt.date(2010, 1, 1)),
        **extra,
    )
    for position, code in enumerate(codes, start=1):
        SeriesMember.objects.create(
            series=series,
            unit=Unit.objects.get(code=code),
            rotation_position=position,
            joined_on=dt.date(2010, 1, 1),
        )
    return series


def pan_southwest_series(**extra) -> MeetingSeries:
    return series_with(
        "泛西南警务合作联席会议",
        SIX,
        chair=CHONGQING,
        short_name="泛西南",
        masthead="泛西南警务合作联席会议纪要",
        **extra,
    )


def chuanyu_legal_series(**extra) -> MeetingSeries:
    return series_with(
        "川渝公安法制执法协作联席会议",
        (SICHUAN, CHONGQING),
        chair=SICHUAN,
        kind=SeriesKind.LEGAL_COLLABORATION,
        short_name="川渝法制",
        masthead="川渝公安法制执法协作联席会议纪要",
        **extra,
    )


def meeting_in(
    series: MeetingSeries,
    *,
    host: str,
    organiser,
    state: str = MeetingState.SCHEDULED,
    start_in: dt.timedelta = dt.timedelta(days=14),
    hours: int = 8,
    kind: str = MeetingKind.REGULAR,
    title: str = "",
    **fields,
) -> JointMeeting:
    """Create a meeting of `series` hosted by unit `host`, starting `start_in` from now, in `state`."""
    start = fields.pop("start_at", None) or (timezone.now() + start_in).replace(microsecond=0)
    end = fields.pop("end_at", None) or start + dt.timedelta(hours=hours)
    host_unit = Unit.objects.get(code=host)
    organiser_unit = fields.pop("organiser_unit", None) or host_unit
    if state != MeetingState.DRAFT:
        fields.setdefault("notice_issued_at", timezone.now())
    return JointMeeting.objects.create(
        series=series,
        kind=kind,
        title=title or f"{series.short_name}会议",
        host_unit=host_unit,
        organiser=organiser,
        organiser_unit=organiser_unit,
        start_at=start,
        end_at=end,
        place=fields.pop("place", "贵阳市公安局会议室"),
        state=state,
        **fields,
    )


def invite(
    meeting: JointMeeting, user, *, kind="leader", attendance_role="present", **fields
) -> MeetingParticipant:
    """Add a user of a member unit (or its subtree) as a participant, with the member derived."""
    membership = user.memberships.select_related("unit").first()
    unit = membership.unit if membership else None
    member = None
    if unit is not None:
        for candidate in meeting.series.members.all():
            if unit.path == candidate.unit_path or unit.path.startswith(candidate.unit_path + "."):
                member = candidate
                break
    return MeetingParticipant.objects.create(
        meeting=meeting,
        user=user,
        unit=unit,
        member=member,
        email=user.email,
        kind=kind,
        attendance_role=attendance_role,
        **fields,
    )
