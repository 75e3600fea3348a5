"""The crime-pattern briefing: figures by database aggregation, checked against counts made in Python."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter, defaultdict

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone

from cases.assistance.models import AssistanceRequest, RequestState
from cases.models import Case, CasePerson, CaseState, HandlingCode, PersonRole
from core import outbox
from core.api import Conflict
from core.identity import mask_id_number
from core.models import AuditEvent, Deadline, DeadlineState, OutboxMessage
from documents import access as document_access
from documents import services as document_services
from documents.models import Document
from meetings import briefing
from meetings.models import Briefing, JointMeeting, MeetingKind, MeetingState
from organisation.models import Unit
from tests.support.factories.cases import CaseFactory, CasePersonFactory, id_number, offence
from tests.support.factories.meetings import meeting_in, series_with
from tests.support.factories.organisation import UserFactory
from tests.support.pdf import pdf_text

REQUEST_TYPE = "assistance.assistancerequest"
# Units inside the three members' subtrees (四川, 重庆, 贵州) and outside them (云南, 青海).
UNITS = ["510107", "500103", "520102", "530102", "630100", "510000"]
OFFENCES = ["telecom_fraud", "illegal_fundraising", "theft", None]
HANDLING = [HandlingCode.NORMAL, HandlingCode.NORMAL, HandlingCode.INTERNAL, HandlingCode.RESTRICTED]
HOUSEHOLD = ["510107", "500103", "530102", "", "520102", "630100", "510104"]
ID_POOL = [id_number("520102", dt.date(1980 + k, 3, 7), 2 * k + 1) for k in range(7)] + [""]
PAIRS = [
    ("510107", "500103"),
    ("500103", "530102"),
    ("530102", "630100"),
    ("520102", "510107"),
    ("630100", "520102"),
]
DEADLINE_STATES = [
    DeadlineState.RUNNING,
    DeadlineState.PAUSED,
    DeadlineState.MET,
    DeadlineState.MET,
    DeadlineState.CANCELLED,
]


@pytest.fixture
def three(db):
    """A series of Sichuan, Chongqing and Guizhou: Yunnan and Qinghai lie outside it."""
    return series_with(
        "川渝黔测试联席会议", ("510000", "500000", "520000"), chair="510000", short_name="川渝黔"
    )


class Period:
    def __init__(self):
        self.end = (timezone.now() - dt.timedelta(days=1)).replace(microsecond=0)
        self.start = self.end - dt.timedelta(days=90)

    @property
    def moments(self) -> list[dt.datetime]:
        """Instants on both edges of the period, inside it, and outside on either side."""
        s, e = self.start, self.end
        return [
            s,
            s + dt.timedelta(days=3),
            s + dt.timedelta(days=40, hours=5),
            e - dt.timedelta(seconds=1),
            e,
            s - dt.timedelta(days=5),
            e + dt.timedelta(hours=6),
        ]

    def holds(self, moment) -> bool:
        return moment is not None and self.start <= moment < self.end


def units() -> dict[str, Unit]:
    return {unit.code: unit for unit in Unit.objects.filter(code__in=set(UNITS) | set(HOUSEHOLD))}


def build_cases(period: Period, count: int, *, offset: int = 0) -> list[Case]:
    by_code = units()
    made = []
    for i in range(offset, offset + count):
        if i % 5 == 4:
            state = CaseState.DRAFT
        else:
            state = CaseState.UNDER_INVESTIGATION if i % 2 else CaseState.CLOSED
        code = OFFENCES[i % len(OFFENCES)]
        case = CaseFactory(
            state=state,
            accepting_unit=by_code[UNITS[i % len(UNITS)]],
            offence=offence(code) if code else None,
            handling_code=HANDLING[i % len(HANDLING)],
            **({} if state == CaseState.DRAFT else {"accepted_at": period.moments[i % 7]}),
        )
        made.append(case)
        on = timezone.localtime(period.end).date()
        for j in range(2):
            k = i * 2 + j
            habitual = [
                ("", None),
                ("500103", on - dt.timedelta(days=800)),
                ("530102", on - dt.timedelta(days=100)),
                ("520102", on.replace(year=on.year - 1)),
                ("630100", None),
            ][k % 5]
            CasePersonFactory(
                case=case,
                role=PersonRole.SUSPECT,
                id_number=ID_POOL[(i + 3 * j) % len(ID_POOL)],
                household_division_code=HOUSEHOLD[k % len(HOUSEHOLD)],
                habitual_division_code=habitual[0],
                habitual_since=habitual[1],
            )
        CasePersonFactory(case=case, role=PersonRole.VICTIM, id_number=ID_POOL[i % 3])
    return made


def build_requests(period: Period, cases: list[Case], count: int, *, offset: int = 0) -> None:
    by_code = units()
    user = UserFactory()
    registered = [case for case in cases if case.state != CaseState.DRAFT]
    for i in range(offset, offset + count):
        source, target = PAIRS[i % len(PAIRS)]
        fulfilled = None if i % 4 == 3 else period.moments[(i + 2) % 7]
        received = (
            None if i % 6 == 5 or fulfilled is None else fulfilled - dt.timedelta(hours=3 * (i % 5 + 1))
        )
        AssistanceRequest.objects.create(
            number=f"BRF{i:05d}",
            case=registered[i % len(registered)],
            requesting_unit=by_code[source],
            requested_unit=by_code[target],
            kind="evidence_collection",
            matters="调取银行流水",
            state=RequestState.FULFILLED if fulfilled else RequestState.IN_PROGRESS,
            created_by=user,
            sent_at=period.moments[i % 7],
            received_at=received,
            fulfilled_at=fulfilled,
        )


def build_deadlines(period: Period, count: int, *, offset: int = 0) -> None:
    codes = ["500103", "510107", "530102", "520102", "510000", "630100"]
    for i in range(offset, offset + count):
        due = period.moments[i % 7]
        state = DEADLINE_STATES[i % len(DEADLINE_STATES)]
        met_at = None
        if state == DeadlineState.MET:
            met_at = due + dt.timedelta(hours=1) if i % 2 else due - dt.timedelta(hours=1)
        Deadline.objects.create(
            target_type=REQUEST_TYPE if i % 8 != 7 else "assistance.propertymeasure",
            target_id=str(1000 + i),
            rule_key="evidence_collection",
            label="完成协作",
            started_at=due - dt.timedelta(days=7),
            due_at=due,
            state=state,
            met_at=met_at,
            paused_at=due - dt.timedelta(days=1) if state == DeadlineState.PAUSED else None,
            responsible_unit_code=codes[i % len(codes)],
        )


def _in(paths: list[str], unit: Unit) -> bool:
    return any(unit.path == path or unit.path.startswith(path + ".") for path in paths)


def expected_figures(series, period: Period) -> dict:
    """The figures counted one object at a time in Python, as a clerk would with the files."""
    members = list(series.members.select_related("unit"))
    paths = [member.unit.path for member in members]
    provinces = {member.unit.province_code for member in members}
    on = timezone.localtime(period.end).date()
    all_cases = list(Case.objects.select_related("accepting_unit", "offence"))
    in_scope = [
        case for case in all_cases if case.state != CaseState.DRAFT and _in(paths, case.accepting_unit)
    ]
    counted = [case for case in in_scope if period.holds(case.accepted_at)]

    cases = Counter(
        (
            case.offence.code if case.offence else "",
            case.offence.name if case.offence else "",
            case.accepting_unit.province_code,
        )
        for case in counted
    )
    counted_ids = {case.pk for case in counted}
    flows = Counter()
    suspects = list(CasePerson.objects.filter(role=PersonRole.SUSPECT).select_related("case__accepting_unit"))
    for person in suspects:
        if person.case_id not in counted_ids:
            continue
        division = person.habitual_division_code if person.habitual_residence_counts(on) else ""
        division = division or person.household_division_code
        if not division:
            target = "unknown"
        else:
            target = division[:2] + "0000"
            target = target if target in provinces else "other"
        flows[(person.case.accepting_unit.province_code, target)] += 1

    in_scope_ids = {case.pk for case in in_scope}
    by_person = defaultdict(list)
    for person in suspects:
        if person.id_number and person.case_id in in_scope_ids:
            by_person[person.id_number].append(person.case)
    repeat = []
    for number, person_cases in by_person.items():
        distinct = {case.pk: case for case in person_cases}.values()
        recent = [case for case in distinct if period.holds(case.accepted_at)]
        spread = {case.accepting_unit.province_code for case in distinct}
        if len(spread) >= 2 and recent:
            restricted = any(case.handling_code == HandlingCode.RESTRICTED for case in distinct)
            repeat.append((number, len(spread), len(distinct), len(recent), restricted))
    listed = sorted((row for row in repeat if not row[4]), key=lambda row: (-row[2], -row[1], row[0]))[:20]

    requests = list(AssistanceRequest.objects.select_related("requesting_unit", "requested_unit"))
    volumes = Counter(
        (r.requesting_unit.province_code, r.requested_unit.province_code)
        for r in requests
        if period.holds(r.sent_at) and (_in(paths, r.requesting_unit) or _in(paths, r.requested_unit))
    )
    durations = defaultdict(list)
    for r in requests:
        if period.holds(r.fulfilled_at) and r.received_at is not None and _in(paths, r.requested_unit):
            durations[(r.requested_unit.code, r.requested_unit.name)].append(
                (r.fulfilled_at - r.received_at).total_seconds()
            )

    scope_codes = {unit.code for unit in Unit.objects.all() if _in(paths, unit)}
    overdue = Counter()
    for deadline in Deadline.objects.all():
        if deadline.target_type != REQUEST_TYPE or not period.holds(deadline.due_at):
            continue
        if deadline.responsible_unit_code not in scope_codes:
            continue
        late = deadline.state == DeadlineState.MET and deadline.met_at > deadline.due_at
        still_open = (
            deadline.state in (DeadlineState.RUNNING, DeadlineState.PAUSED) and deadline.due_at < period.end
        )
        if late or still_open:
            overdue[deadline.responsible_unit_code] += 1
    names = dict(Unit.objects.values_list("code", "name"))

    return {
        "scope": sorted(member.unit.code for member in members),
        "provinces": sorted(provinces),
        "cases": sorted(
            (
                {"offence": o, "offence_name": name, "province": p, "n": n}
                for (o, name, p), n in cases.items()
            ),
            key=lambda row: (row["offence"], row["province"]),
        ),
        "flows": [{"from": a, "to": b, "n": n} for (a, b), n in sorted(flows.items())],
        "repeat_suspects": {
            "count": len(repeat),
            "rows": [
                {"id_number": mask_id_number(number), "provinces": spread, "cases": n, "recent": recent}
                for number, spread, n, recent, _restricted in listed
            ],
        },
        "requests": [{"from": a, "to": b, "n": n} for (a, b), n in sorted(volumes.items())],
        "fulfilment": [
            {
                "unit": code,
                "name": name,
                "n": len(seconds),
                "avg_seconds": round(statistics.mean(seconds)),
                "longest_seconds": round(max(seconds)),
            }
            for (code, name), seconds in sorted(durations.items())
        ],
        "overdue": [{"unit": code, "name": names[code], "n": n} for code, n in sorted(overdue.items())],
    }


def test_figures_equal_counts_computed_in_python(three):
    period = Period()
    cases = build_cases(period, 40)
    build_requests(period, cases, 30)
    build_deadlines(period, 40)

    figures = briefing.briefing_compute(series=three, start=period.start, end=period.end)
    expected = expected_figures(three, period)
    for key, value in expected.items():
        assert figures[key] == value, key
    assert figures["period"] == {"start": period.start.isoformat(), "end": period.end.isoformat()}
    # Province labels for the members and for every province a request came from or went to.
    assert figures["province_names"] == {
        "500000": "重庆市",
        "510000": "四川省",
        "520000": "贵州省",
        "530000": "云南省",
        "630000": "青海省",
    }
    # The data reaches every branch of the figures, so the equality above says something.
    assert {row["to"] for row in figures["flows"]} >= {"510000", "500000", "520000", "other", "unknown"}
    assert len(figures["cases"]) >= 6 and figures["fulfilment"] and figures["overdue"]
    assert 0 < len(figures["repeat_suspects"]["rows"]) < figures["repeat_suspects"]["count"]
    assert any(row["from"] == "500000" and row["to"] == "530000" for row in figures["requests"])
    assert all("*" in row["id_number"] for row in figures["repeat_suspects"]["rows"])


def test_briefing_costs_a_constant_number_of_queries(three, django_assert_num_queries):
    period = Period()
    cases = build_cases(period, 6)
    build_requests(period, cases, 5)
    build_deadlines(period, 5)
    with django_assert_num_queries(8):
        small = briefing.briefing_compute(series=three, start=period.start, end=period.end)
    cases += build_cases(period, 60, offset=6)
    build_requests(period, cases, 50, offset=5)
    build_deadlines(period, 50, offset=5)
    with django_assert_num_queries(8):
        large = briefing.briefing_compute(series=three, start=period.start, end=period.end)
    assert sum(row["n"] for row in large["cases"]) > sum(row["n"] for row in small["cases"])


def test_period_runs_from_the_last_meeting(pan_southwest, chuanyu_legal, provinces):
    now = timezone.now().replace(microsecond=0)
    liaison = provinces["520000"].liaison

    def held(days_ago: int, **fields):
        start = now - dt.timedelta(days=days_ago)
        return meeting_in(
            pan_southwest,
            host="500000",
            organiser=liaison,
            start_at=start,
            end_at=start + dt.timedelta(hours=8),
            **fields,
        )

    held(300, state=MeetingState.PUBLISHED)
    last = held(100, state=MeetingState.CLOSED)
    held(50, state=MeetingState.CLOSED, kind=MeetingKind.DRILL)  # a drill discusses no crime pattern
    held(30, state=MeetingState.CANCELLED)
    meeting_in(pan_southwest, host="510000", organiser=liaison, start_in=dt.timedelta(days=60))
    meeting = meeting_in(pan_southwest, host="520000", organiser=liaison, state=MeetingState.SCHEDULED)
    nanming = Unit.objects.get(code="520102")
    CaseFactory(
        state=CaseState.UNDER_INVESTIGATION,
        accepting_unit=nanming,
        accepted_at=last.end_at - dt.timedelta(days=1),
    )
    CaseFactory(
        state=CaseState.UNDER_INVESTIGATION,
        accepting_unit=nanming,
        accepted_at=last.end_at + dt.timedelta(days=1),
    )

    before = timezone.now()
    live = briefing.briefing_get(meeting)
    assert live.period_start == last.end_at
    assert before <= live.period_end <= timezone.now() and live.frozen_at is None
    assert sum(row["n"] for row in live.figures["cases"]) == 1

    # The first meeting of a series looks back over the series' usual interval.
    chuanyu_legal.frequency_months = 6
    chuanyu_legal.save()
    first = meeting_in(chuanyu_legal, host="510000", organiser=provinces["510000"].liaison)
    expected = timezone.localtime(first.start_at) - relativedelta(months=6)
    assert briefing.briefing_get(first).period_start == expected

    # Frozen at the opening: later cases and later calls change nothing.
    opened = timezone.now().replace(microsecond=0)
    frozen = briefing.briefing_freeze(meeting, at=opened)
    assert (frozen.frozen_at, frozen.period_start, frozen.period_end) == (opened, last.end_at, opened)
    CaseFactory(
        state=CaseState.UNDER_INVESTIGATION,
        accepting_unit=nanming,
        accepted_at=opened - dt.timedelta(hours=1),
    )
    assert briefing.briefing_get(meeting).figures == frozen.figures
    again = briefing.briefing_freeze(meeting, at=opened + dt.timedelta(hours=2))
    assert (again.pk, again.frozen_at, again.figures) == (frozen.pk, opened, frozen.figures)
    assert Briefing.objects.filter(meeting=meeting).count() == 1
    with pytest.raises(Conflict):
        briefing.briefing_refresh(meeting=meeting, by=liaison)


def test_refresh_recomputes_for_the_organiser_only(pan_southwest, provinces, qinghai_investigator):
    host = provinces["520000"]
    meeting = meeting_in(pan_southwest, host="520000", organiser=host.liaison)
    first = briefing.briefing_get(meeting)
    CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=Unit.objects.get(code="520102"))
    refreshed = briefing.briefing_refresh(meeting=meeting, by=host.liaison)
    assert refreshed.pk == first.pk and refreshed.computed_at >= first.computed_at
    assert sum(row["n"] for row in refreshed.figures["cases"]) == 1
    assert (
        AuditEvent.objects.filter(action="meetings.briefing.refresh", target_id=str(meeting.pk)).count() == 1
    )
    with pytest.raises(PermissionDenied):  # sees the meeting, does not organise it
        briefing.briefing_refresh(meeting=meeting, by=provinces["530000"].head)
    with pytest.raises(Http404):
        briefing.briefing_refresh(meeting=meeting, by=qinghai_investigator)


def test_live_figures_are_served_stored_and_computed_again_by_the_worker_once_old(
    pan_southwest, provinces, settings, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    settings.MEETING_BRIEFING_FRESH_SECONDS = 600
    meeting = meeting_in(pan_southwest, host="520000", organiser=provinces["520000"].liaison)
    first = briefing.briefing_get(meeting)  # the first view computes
    assert first.updating is False and sum(row["n"] for row in first.figures["cases"]) == 0
    CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=Unit.objects.get(code="520102"))

    # Within the freshness window the stored figures are served: one read, no aggregation.
    with django_assert_max_num_queries(1):
        again = briefing.briefing_get(meeting)
    assert (again.computed_at, again.figures, again.updating) == (first.computed_at, first.figures, False)

    # Older: still served as stored, while one message asks the worker to compute them again.
    Briefing.objects.filter(pk=first.pk).update(computed_at=timezone.now() - dt.timedelta(seconds=601))
    with django_capture_on_commit_callbacks(execute=False):
        stale = [briefing.briefing_get(meeting) for _ in range(3)]
    assert all(view.updating and view.figures == first.figures for view in stale)
    messages = OutboxMessage.objects.filter(topic=briefing.RECOMPUTE_TOPIC)
    assert messages.count() == 1
    assert outbox.deliver(messages.get().pk) == "done"
    current = briefing.briefing_get(meeting)
    assert current.updating is False and current.computed_at > first.computed_at
    assert sum(row["n"] for row in current.figures["cases"]) == 1
    assert current.period_start == first.period_start and current.pk == first.pk


def test_a_new_meeting_has_its_figures_computed_by_the_worker_before_anyone_looks(
    pan_southwest, provinces, django_assert_max_num_queries
):
    from meetings import scheduling

    meeting = scheduling.meeting_create(
        series=pan_southwest, by=provinces["500000"].liaison, kind=MeetingKind.REGULAR
    )
    assert not Briefing.objects.filter(meeting=meeting).exists()
    message = OutboxMessage.objects.get(topic=briefing.RECOMPUTE_TOPIC)
    assert outbox.deliver(message.pk) == "done"
    with django_assert_max_num_queries(1):  # stored: the first view reads it
        first = briefing.briefing_get(meeting)
    assert first.updating is False and first.frozen_at is None and "cases" in first.figures


def test_the_worker_computes_what_the_web_found_stale_whatever_its_own_clock_and_settings(
    pan_southwest, provinces, settings
):
    meeting = meeting_in(pan_southwest, host="520000", organiser=provinces["520000"].liaison)
    first = briefing.briefing_get(meeting)
    settings.MEETING_BRIEFING_FRESH_SECONDS = 0  # the web process: stale at once
    assert briefing.briefing_get(meeting).updating is True
    settings.MEETING_BRIEFING_FRESH_SECONDS = 10**6  # the worker: would call them fresh
    message = OutboxMessage.objects.get(topic=briefing.RECOMPUTE_TOPIC)
    assert outbox.deliver(message.pk) == "done"
    assert Briefing.objects.get(meeting=meeting).computed_at > first.computed_at
    assert briefing.briefing_get(meeting).updating is False


def test_older_figures_never_replace_newer_ones_and_a_cancelled_meeting_is_left_alone(
    pan_southwest, provinces, settings
):
    meeting = meeting_in(pan_southwest, host="520000", organiser=provinces["520000"].liaison)
    newer = briefing.briefing_get(meeting)
    # A computation that took its figures earlier and stores them later keeps the newer ones.
    kept = briefing._store(meeting, end=newer.period_end - dt.timedelta(minutes=5))
    assert (kept.period_end, kept.computed_at) == (newer.period_end, newer.computed_at)

    settings.MEETING_BRIEFING_FRESH_SECONDS = 0
    JointMeeting.objects.filter(pk=meeting.pk).update(state=MeetingState.CANCELLED)
    assert briefing.briefing_get(JointMeeting.objects.get(pk=meeting.pk)).updating is False
    assert not OutboxMessage.objects.filter(topic=briefing.RECOMPUTE_TOPIC).exists()


def test_the_worker_leaves_a_briefing_frozen_meanwhile_as_it_is(pan_southwest, provinces, settings):
    settings.MEETING_BRIEFING_FRESH_SECONDS = 0
    meeting = meeting_in(pan_southwest, host="520000", organiser=provinces["520000"].liaison)
    briefing.briefing_get(meeting)
    assert briefing.briefing_get(meeting).updating is True
    opened = timezone.now().replace(microsecond=0)
    frozen = briefing.briefing_freeze(meeting, at=opened)
    CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=Unit.objects.get(code="520102"))
    message = OutboxMessage.objects.get(topic=briefing.RECOMPUTE_TOPIC)
    assert outbox.deliver(message.pk) == "done"
    kept = Briefing.objects.get(meeting=meeting)
    assert (kept.frozen_at, kept.period_end, kept.figures) == (opened, opened, frozen.figures)
    assert briefing.briefing_get(meeting).updating is False


def _pdf_text(document: Document, mode: str = "-layout") -> str:
    """Return the PDF's text without white space; `-raw` keeps the order the text was drawn in."""
    return pdf_text(document, mode, squeeze=True)


def test_pack_is_issued_rendered_and_verifiable(
    pan_southwest, provinces, qinghai_investigator, django_capture_on_commit_callbacks
):
    host = provinces["520000"]
    meeting = meeting_in(
        pan_southwest,
        host="520000",
        organiser=host.liaison,
        state=MeetingState.IN_SESSION,
        start_in=dt.timedelta(minutes=-30),
        session_number=15,
    )
    nanming = Unit.objects.get(code="520102")
    for household in ("500103", "510107", "520102"):
        case = CaseFactory(
            state=CaseState.UNDER_INVESTIGATION,
            accepting_unit=nanming,
            offence=offence("illegal_fundraising"),
            accepted_at=timezone.now() - dt.timedelta(days=20),
        )
        CasePersonFactory(case=case, household_division_code=household)

    with pytest.raises(Conflict):  # nothing frozen yet
        briefing.briefing_pack_issue(meeting=meeting, by=host.liaison)
    briefing.briefing_freeze(meeting, at=timezone.now())
    with pytest.raises(PermissionDenied):  # a member's liaison, not the host's
        briefing.briefing_pack_issue(meeting=meeting, by=provinces["500000"].liaison)
    with pytest.raises(Http404):
        briefing.briefing_pack_issue(meeting=meeting, by=qinghai_investigator)

    with django_capture_on_commit_callbacks(execute=True):
        document = briefing.briefing_pack_issue(meeting=meeting, by=host.liaison)
    document.refresh_from_db()
    assert document.kind == "briefing_pack" and document.state == "issued"
    assert document.render_state == "done", document.render_error
    assert re.fullmatch(r"黔公析字〔\d{4}〕1号", document.number), document.number
    assert (document.link_target_type, document.link_target_id) == ("meetings.meeting", str(meeting.pk))
    assert Briefing.objects.get(meeting=meeting).document_id == document.pk
    assert document.snapshot["fields"]["figures"]["cases"][0]["offence_name"] == "非法集资"

    text = _pdf_text(document)
    for expected in (
        "发案规律分析研判材料",
        document.number,
        "泛西南警务合作联席会议第十五次会议",
    ):
        assert expected in text, expected
    # v2 (issue 19): the seal is an image over the signature, never a printed placeholder.
    assert "（公安局印）" not in text
    # The offence appears in the chart (SVG text drawn by WeasyPrint) and in its table.
    assert _pdf_text(document, "-raw").count("非法集资") == 2
    assert document.verification_code in text

    verification = document_services.document_verify_code(code=document.verification_code, by=host.head)
    assert verification.result == "authentic"
    assert document_access.document_visible_to(provinces["630000"].liaison, document)
    assert not document_access.document_visible_to(qinghai_investigator, document)

    # A second request hands back the same pack: one number per briefing.
    assert briefing.briefing_pack_issue(meeting=meeting, by=host.head).pk == document.pk
    assert Document.objects.filter(kind="briefing_pack").count() == 1
    assert AuditEvent.objects.filter(
        action="meetings.briefing.pack_issue", target_id=str(meeting.pk)
    ).exists()


@pytest.mark.postgres
def test_the_period_queries_use_the_briefing_indexes_on_postgresql(three):
    """With years of cases and requests and fresh statistics, a period's rows are read by index.

    The planner is right to scan a tiny table, so the test first fills the tables (ten years, of
    which the period is a few weeks), then ANALYZEs them inside the test's transaction.
    """
    assert connection.vendor == "postgresql"
    by_code = units()
    wuhou, yuzhong = by_code["510107"], by_code["500103"]
    now = timezone.now()
    user = UserFactory()
    cases = Case.objects.bulk_create(
        Case(
            number=f"A510107{2000 + n % 20}{n:05d}",
            number_year=2000 + n % 20,
            number_serial=n,
            name=f"{n}号诈骗案",
            accepting_unit=wuhou if n % 2 else yuzhong,
            accepted_at=now - dt.timedelta(hours=29 * n),
            state=CaseState.UNDER_INVESTIGATION,
        )
        for n in range(1, 3001)
    )
    AssistanceRequest.objects.bulk_create(
        AssistanceRequest(
            number=f"EXP{n:06d}",
            case=cases[n % len(cases)],
            requesting_unit=wuhou,
            requested_unit=yuzhong,
            kind="evidence_collection",
            matters="调取银行流水",
            state=RequestState.FULFILLED,
            created_by=user,
            sent_at=now - dt.timedelta(hours=29 * n + 5),
            received_at=now - dt.timedelta(hours=29 * n),
            fulfilled_at=now - dt.timedelta(hours=29 * n - 20),
        )
        for n in range(1, 3001)
    )
    with connection.cursor() as cursor:
        for table in ("cases_case", "assistance_assistancerequest", "organisation_unit"):
            cursor.execute(f"ANALYZE {table}")
    paths = list(three.members.values_list("unit_path", flat=True))
    start, end = now - dt.timedelta(days=30), now
    plans = {
        "case_accepted_at": briefing.period_cases(paths, start, end).explain(),
        "assistance_req_sent_at": briefing.period_request_volumes(paths, start, end).explain(),
        "assistance_req_fulfilled_at": briefing.period_fulfilment(paths, start, end).explain(),
    }
    for index, plan in plans.items():
        assert index in plan, plan
    assert briefing.period_cases(paths, start, end).count() == 24
