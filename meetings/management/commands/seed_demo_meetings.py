"""Build the joint-meeting demo of issue 6 through the real services, for the demo accounts.

Guiyang's 南明 branch has accepted an illegal fund-raising (非法集资) case with victims in
Chongqing's 渝中 and Chengdu's 武侯; the three units are consulting on jurisdiction. Chongqing's
liaison officer has scheduled the next 泛西南 joint meeting, hosted by the member the rotation
proposes, with the head, liaison and legal officer of every provincial organ invited and the
consultation on the agenda. Every step goes through the services, as the demo accounts would
through the pages. Idempotent: the case's external number marks the scenario as built.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases import filing
from cases import services as case_services
from cases.models import Case, LocationRole, Offence
from core.holidays import calendar
from jurisdiction import services as jurisdiction_services
from meetings import agenda, scheduling
from meetings.models import AgendaSource, JointMeeting, MeetingKind, MeetingSeries, MeetingState
from organisation.models import Unit, User

CASE_EXTERNAL_NUMBER = "DEMO-2026-1108"
SERIES_NAME = "泛西南警务合作联席会议"
NANMING, YUZHONG, WUHOU = "520102", "500103", "510107"
PROVINCES = ("chongqing", "sichuan", "guizhou", "yunnan", "xizang", "qinghai")


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"Demo account {username} is missing: run seed_demo first.") from None


def _next_working_day(start: dt.date) -> dt.date:
    days = calendar()
    day = start
    while days.is_rest_day(day):
        day += dt.timedelta(days=1)
    return day


def _fundraising_case() -> Case:
    investigator, head = _user("nanming.investigator"), _user("nanming.dept-head")
    case = case_services.case_create(
        by=investigator,
        accepting_unit=Unit.objects.get(code=NANMING),
        name="贵阳某投资公司非法集资案",
        offence=Offence.objects.get(code="illegal_fundraising"),
        external_number=CASE_EXTERNAL_NUMBER,
        summary=(
            "犯罪嫌疑人以贵阳市南明区某投资公司名义，承诺年化18%回报，向社会公众非法吸收资金。"
            "受害人主要分布在重庆市渝中区和成都市武侯区，涉案金额共计人民币1070万元。"
        ),
    )
    case = case_services.case_transition(case=case, name="register", by=investigator)
    # 立案 (MPS-2020 art 178): asked for by the department head, approved by the bureau's head.
    reasons = "经审查，有非法吸收公众存款犯罪事实，需要追究刑事责任。"
    case = filing.filing_request(case=case, by=head, reasons=reasons)
    case = case_services.case_transition(case=case, name="start_investigation", by=_user("nanming.unit-head"))
    for location in (
        {
            "role": LocationRole.CONDUCT,
            "division_code": NANMING,
            "address": "贵阳市南明区某写字楼（公司注册及经营地）",
            "is_main": True,
        },
        {
            "role": LocationRole.VICTIM_LOSS,
            "division_code": YUZHONG,
            "address": "重庆市渝中区（受害人住所）",
            "victim_count": 120,
            "loss_amount": "8600000",
        },
        {
            "role": LocationRole.VICTIM_LOSS,
            "division_code": WUHOU,
            "address": "成都市武侯区（受害人住所）",
            "victim_count": 45,
            "loss_amount": "2100000",
        },
    ):
        case_services.case_location_add(case=case, by=investigator, data=location)
    proceeding = jurisdiction_services.proceeding_open(
        case=case,
        by=_user("nanming.unit-head"),
        reason="受害人集中在重庆、成都，三地均有管辖依据，提请协商。",
    )
    jurisdiction_services.proceeding_transition(
        proceeding=proceeding, name="start_consultation", by=_user("nanming.unit-head")
    )
    return case


@transaction.atomic
def seed_demo_meetings() -> tuple[JointMeeting | None, bool]:
    """Return the demo meeting and whether it was created now."""
    try:
        series = MeetingSeries.objects.get(name=SERIES_NAME)
    except MeetingSeries.DoesNotExist:
        raise CommandError("Run seed_meeting_series first.") from None
    existing = Case.objects.filter(external_number=CASE_EXTERNAL_NUMBER).first()
    if existing is not None:
        meeting = series.meetings.exclude(state=MeetingState.CANCELLED).order_by("-id").first()
        return meeting, False
    case = _fundraising_case()
    liaison = _user("chongqing.liaison")
    day = _next_working_day(timezone.localdate() + dt.timedelta(days=21))
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    meeting = scheduling.meeting_create(
        series=series,
        by=liaison,
        kind=MeetingKind.REGULAR,
        start_at=start,
        end_at=start + dt.timedelta(hours=8),
        place="承办单位会议中心",
        description="研究跨区域案件管辖争议、逾期协作请求，通报近期发案规律。",
    )
    for prefix in PROVINCES:
        for slug, kind in (("unit-head", "leader"), ("liaison", "liaison"), ("legal", "legal")):
            user = _user(f"{prefix}.{slug}")
            scheduling.participant_add(
                meeting=meeting,
                by=liaison,
                user=user,
                unit=user.memberships.first().unit,
                kind=kind,
                attendance_role="present",
            )
    proceeding = case.jurisdiction_proceedings.get()
    agenda.agenda_item_add(
        meeting=meeting,
        by=liaison,
        source_kind=AgendaSource.PROCEEDING_DISPUTED,
        target_id=str(proceeding.pk),
    )
    meeting, _warnings = scheduling.meeting_transition(meeting=meeting, name="schedule", by=liaison)
    return meeting, True


class Command(BaseCommand):
    help = "Build the joint-meeting demo: a scheduled 泛西南 meeting with a jurisdiction consultation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though neither DEBUG nor LIANBAN_DEMO is on"
        )

    def handle(self, *args, force: bool, verbosity: int, **options):
        if not (settings.DEBUG or settings.DEMO or force):
            raise CommandError(
                "Refusing to create the demo meeting with neither DEBUG nor LIANBAN_DEMO on: "
                "it belongs with the demo accounts. "
                "Pass --force if this really is a demonstration machine."
            )
        try:
            meeting, created = seed_demo_meetings()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"A demo account may not take its step: {exc}") from exc
        if verbosity < 1 or meeting is None:
            return
        status = "Created" if created else "Exists already:"
        self.stdout.write(
            f"{status} {meeting.title} hosted by {meeting.host_unit.name}, {meeting.get_state_display()}: "
            f"{reverse('meetings:detail', args=[meeting.pk])}"
        )
        self.stdout.write(
            "    log in as chongqing.liaison (calendar, agenda, briefing), sichuan.unit-head or any "
            "province's unit-head (answer the invitation), nanming.unit-head (the consultation)"
        )
