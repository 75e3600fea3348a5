"""Factories for joint meetings: the two seeded series and meetings in any state, made directly.

Tests of a step build what comes before it here, without walking the services, so that each test
states only what it checks.
"""

import datetime as dt

import factory
from django.utils import timezone

from meetings.models import (
    ActionItem,
    AgendaItem,
    AgendaSource,
    ApplyState,
    JointMeeting,
    MeetingKind,
    MeetingParticipant,
    MeetingSeries,
    MeetingState,
    Minutes,
    MinutesState,
    Resolution,
    ResolutionKind,
    SeriesKind,
    SeriesMember,
)
from organisation.models import Unit
from tests.support.factories.cases import unit
from tests.support.factories.organisation import UserFactory
from tests.support.units import CHONGQING, GUIZHOU, SICHUAN, SIX


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
    return JointMeetingFactory(
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


def _pan_southwest() -> MeetingSeries:
    return MeetingSeries.objects.filter(name="泛西南警务合作联席会议").first() or pan_southwest_series()


class JointMeetingFactory(factory.django.DjangoModelFactory):
    """A scheduled 泛西南 meeting hosted by 贵州省公安厅 in a fortnight (`meeting_in` names the rest)."""

    class Meta:
        model = JointMeeting

    series = factory.LazyFunction(_pan_southwest)
    kind = MeetingKind.REGULAR
    title = factory.LazyAttribute(lambda o: f"{o.series.short_name}会议")
    host_unit = factory.LazyFunction(lambda: unit(GUIZHOU))
    organiser = factory.SubFactory(UserFactory)
    organiser_unit = factory.SelfAttribute("host_unit")
    start_at = factory.LazyFunction(lambda: (timezone.now() + dt.timedelta(days=14)).replace(microsecond=0))
    end_at = factory.LazyAttribute(lambda o: o.start_at + dt.timedelta(hours=8))
    place = "贵阳市公安局会议室"
    state = MeetingState.SCHEDULED


class AgendaItemFactory(factory.django.DjangoModelFactory):
    """A free item of a meeting's agenda, added by its organiser."""

    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(JointMeetingFactory)
    position = factory.Sequence(lambda n: n + 1)
    source_kind = AgendaSource.FREE
    title = "案件协查机制"
    added_by = factory.SelfAttribute("meeting.organiser")


class MinutesFactory(factory.django.DjangoModelFactory):
    """The minutes of a meeting, drafting, drafted by its organiser."""

    class Meta:
        model = Minutes

    meeting = factory.SubFactory(JointMeetingFactory, state=MeetingState.MINUTES_DRAFTING)
    state = MinutesState.DRAFTING
    opening = "会议研究了跨区域案件管辖等事项。"
    drafted_by = factory.SelfAttribute("meeting.organiser")


class ResolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resolution

    minutes = factory.SubFactory(MinutesFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = ResolutionKind.NOTE
    text = "贵阳市公安局南明区分局于5日内完成涉案人员身份核查。"


class ActionItemFactory(factory.django.DjangoModelFactory):
    """An open action item of an applied action-item resolution, due in five days."""

    class Meta:
        model = ActionItem

    resolution = factory.SubFactory(
        ResolutionFactory,
        kind=ResolutionKind.ACTION_ITEM,
        text="核查身份",
        owner_unit=factory.LazyFunction(lambda: unit("520102")),
        task="核查身份",
        due_in_days=5,
        apply_state=ApplyState.APPLIED,
    )
    meeting = factory.SelfAttribute("resolution.minutes.meeting")
    series = factory.SelfAttribute("meeting.series")
    owner_unit = factory.SelfAttribute("resolution.owner_unit")
    task = factory.SelfAttribute("resolution.task")
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=5))
