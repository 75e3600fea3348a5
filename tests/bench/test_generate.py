"""The benchmark data generator (bench/generate.py) makes valid, searchable, repeatable data on PostgreSQL."""

import hashlib
import re
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, Max
from django.test import Client

from cases.assistance.models import AssistanceRequest, RequestNumberCounter
from cases.assistance.selectors import request_visible_to
from cases.models import Case, CaseNumberCounter, CaseParty, CasePerson, PartyRole, PersonPhone
from cases.pinyin import name_pinyin
from cases.search.services import HitClass, SearchKind, search
from core.identity import parse_id_number
from core.models import Deadline
from documents.models import Document, DocumentCounter
from jurisdiction.models import ACTIVE_STATES, JurisdictionProceeding
from jurisdiction.selectors import proceeding_visible_to
from meetings.briefing import briefing_compute
from meetings.models import (
    ActionItem,
    AgendaItem,
    Briefing,
    DutyTerm,
    JointMeeting,
    MeetingSeries,
    Minutes,
    minutes_digest,
)
from meetings.rotation import series_propose_host
from organisation.models import Role, Unit, User
from tests.support.personas import officer

# bench/ is a folder of scripts, not a package: its modules import each other by plain name.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import generate

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CASE_NUMBER = re.compile(r"A(\d{6})(\d{4})(\d{5})")
# The two seeded series and two of the regions' own: enough for every state a meeting reaches here.
MEETINGS = 75


def _digests(plan, directory: Path) -> dict[str, str]:
    files = generate.generate(plan, directory)
    for extra in ("_serials", "_request_serials", "_duty_terms"):
        files.pop(extra)
    return {key: hashlib.sha256(table.path.read_bytes()).hexdigest() for key, table in files.items()}


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(tmp_path):
    generate.bench_officers()
    generate.bench_meetings_setup()
    plan = generate.Plan(cases=120, persons=400, seed=11, requests=40, proceedings=10, meetings=30)
    first = _digests(plan, tmp_path / "a")
    assert first == _digests(plan, tmp_path / "b")
    other = _digests(
        generate.Plan(cases=120, persons=400, seed=12, requests=40, proceedings=10, meetings=30),
        tmp_path / "c",
    )
    keys = ("case", "person", "phone", "request", "deadline", "meeting", "participant", "timeline")
    assert all(first[key] != other[key] for key in keys)


def test_loaded_rows_are_valid_visible_to_their_units_and_found_by_search(tmp_path):
    generate.bench_officers()
    generate.bench_meetings_setup()
    plan = generate.Plan(cases=300, persons=1000, seed=3, requests=400, proceedings=30, meetings=MEETINGS)
    files = generate.generate(plan, tmp_path / "load")
    serials = files.pop("_serials")
    request_serials = files.pop("_request_serials")
    duty_terms = files.pop("_duty_terms")
    # Seeding wrote duty terms in this test's transaction; their deferred foreign-key checks must run
    # before the load rebuilds that table's indexes (PostgreSQL refuses with trigger events pending).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    generate.load(list(files.values()))
    generate._save_counters(serials, request_serials)
    generate._finish_meetings(duty_terms)

    assert Case.objects.count() == 300
    assert CasePerson.objects.count() == 1000
    # Case numbers: "A" + the accepting unit's code + the year of acceptance + a serial.
    cases = list(Case.objects.select_related("accepting_unit"))
    for case in cases:
        code, year, _serial = CASE_NUMBER.fullmatch(case.number).groups()
        assert code == case.accepting_unit.code
        assert int(year) == case.accepted_at.year == case.number_year
    assert len({case.number for case in cases}) == 300
    # Every case has its accepting unit as a party, and its lead unit when it has one.
    parties = set(CaseParty.objects.values_list("case_id", "unit_id", "role"))
    for case in cases:
        assert (case.pk, case.accepting_unit_id, PartyRole.ACCEPTING) in parties
        if case.lead_unit_id:
            assert (case.pk, case.lead_unit_id, PartyRole.LEAD) in parties
    # Identity numbers pass GB 11643 and agree with the birth date; pinyin is the model's own.
    for person in CasePerson.objects.exclude(id_number=""):
        assert parse_id_number(person.id_number).birth_date == person.birth_date
    for person in CasePerson.objects.all()[:200]:
        assert (person.name_pinyin, person.name_initials) == name_pinyin(person.name)
    # Counters continue the series that the generator numbered.
    last = Case.objects.values("accepting_unit", "number_year").annotate(
        last=Max("number_serial"), n=Count("id")
    )
    for row in last:
        assert row["last"] == row["n"]
        assert (
            CaseNumberCounter.objects.get(unit=row["accepting_unit"], year=row["number_year"]).last
            == row["n"]
        )
    # The dropped secondary indexes are back (the trigram index of names among them).
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'cases_caseperson'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"case_person_name_trgm", "case_person_id_number", "case_person_initials"} <= indexes

    # An investigator of the accepting unit finds the case fully by a person's id number and phone.
    person = (
        CasePerson.objects.exclude(id_number="")
        .filter(case__handling_code="normal")
        .select_related("case__accepting_unit")
        .order_by("id")
        .first()
    )
    user = officer(person.case.accepting_unit.code, Role.INVESTIGATOR)
    result = search(by=user, kind=SearchKind.ID_NUMBER, query=person.id_number, purpose_text="核查身份信息")
    assert {hit["id"]: hit["hit_class"] for hit in result.hits}[person.case_id] == HitClass.FULL
    phone = PersonPhone.objects.filter(person__case__handling_code="normal").select_related("person").first()
    user = officer(Case.objects.get(pk=phone.person.case_id).accepting_unit.code, Role.INVESTIGATOR)
    result = search(by=user, kind=SearchKind.PHONE, query=phone.number, purpose_text="核查身份信息")
    assert phone.person.case_id in {hit["id"] for hit in result.hits}

    # Requests: in many states; a sent one makes the requested unit a party and starts its clocks
    # as the services would; its assignee sees it and finds it through the API.
    requests = list(AssistanceRequest.objects.all())
    assert len(requests) == 400 and len({r.number for r in requests}) == 400
    assert len({r.state for r in requests}) >= 12
    for request in requests:
        opened = Deadline.objects.filter(
            target_type="assistance.assistancerequest",
            target_id=str(request.pk),
            state__in=["running", "paused"],
        )
        if request.sent_at is None:
            assert (
                not opened.exists()
                and (request.case_id, request.requested_unit_id, "requested") not in parties
            )
        else:
            assert CaseParty.objects.filter(
                case_id=request.case_id, unit_id=request.requested_unit_id
            ).exists()
        if request.state in ("closed", "withdrawn", "acknowledged", "fulfilled", "returned"):
            assert not opened.exists(), request.state
        if request.state == "sent":
            assert opened.get().rule_key == "acknowledge_receipt"
    working = next(r for r in requests if r.state == "in_progress")
    assert request_visible_to(working.assignee).filter(pk=working.pk).exists()
    assert RequestNumberCounter.objects.filter(unit=working.requesting_unit).exists()

    # Proceedings: every case whose jurisdiction is pending has exactly one active proceeding, whose
    # parties (the rules engine's candidates) are parties of the case and see it; others do not.
    pending = Case.objects.filter(state="jurisdiction_pending")
    assert pending.exists()
    for case in pending:
        assert JurisdictionProceeding.objects.filter(case=case, state__in=ACTIVE_STATES).count() == 1
    proceedings = list(JurisdictionProceeding.objects.prefetch_related("parties"))
    assert len(proceedings) >= 10 and all(p.analysis.get("candidates") for p in proceedings)
    for proceeding in proceedings[:10]:
        party_units = {party.unit_id for party in proceeding.parties.all()}
        assert len(party_units) >= 2
        assert party_units <= set(
            CaseParty.objects.filter(case_id=proceeding.case_id, role="proceeding").values_list(
                "unit_id", flat=True
            )
        )
        insider = officer(Unit.objects.get(pk=min(party_units)).code)
        assert proceeding_visible_to(insider).filter(pk=proceeding.pk).exists()
    # Every generated proceeding is one the pages and the API can show, whatever its state.
    client = Client()
    for proceeding in proceedings:
        client.force_login(officer(Unit.objects.get(pk=proceeding.parties.all()[0].unit_id).code))
        for url in (f"/jurisdiction/{proceeding.pk}/", f"/api/v1/jurisdiction-proceedings/{proceeding.pk}/"):
            assert client.get(url).status_code == 200, (proceeding.state, url)

    _check_meetings(proceedings)


def _check_meetings(proceedings) -> None:
    """Meetings: every state the data allows, the numbers, rotation and counters the services keep,
    frozen briefings with the figures the live computation gives, and every page and API open."""
    meetings = list(JointMeeting.objects.select_related("series").prefetch_related("participants"))
    assert len(meetings) == MEETINGS
    states = {meeting.state for meeting in meetings}
    assert {"draft", "scheduled", "cancelled", "published"} <= states
    assert states & {"closed", "minutes_drafting", "minutes_circulating", "minutes_signed"}
    # Session numbers: unique among the meetings not cancelled (the service gives the next one max + 1).
    for series in MeetingSeries.objects.filter(meetings__isnull=False).distinct():
        numbers = [m.session_number for m in meetings if m.series_id == series.pk and m.state != "cancelled"]
        numbers = [n for n in numbers if n is not None]
        assert len(numbers) == len(set(numbers))
        # One open duty term: the member after the host of the last regular meeting held.
        term = DutyTerm.objects.get(series=series, ended_at__isnull=True)
        held = [m for m in meetings if m.series_id == series.pk and m.kind == "regular" and m.closed_at]
        if held:
            last = max(held, key=lambda m: m.closed_at)
            assert (term.handed_over_at_id, term.started_at) == (last.pk, last.closed_at)
            assert series_propose_host(series).unit == term.member.unit
    # Upcoming meetings have no briefing (it is computed live); opened ones a frozen one.
    briefings = {briefing.meeting_id: briefing for briefing in Briefing.objects.all()}
    for meeting in meetings:
        if meeting.opened_at is None:
            assert meeting.pk not in briefings
        else:
            assert briefings[meeting.pk].frozen_at == briefings[meeting.pk].period_end == meeting.opened_at
    # Counted figures are those the live computation gives for the same period and series.
    widest = max(
        (b for b in briefings.values() if b.meeting.series.name == "泛西南警务合作联席会议"),
        key=lambda b: b.period_end - b.period_start,
    )
    live = briefing_compute(series=widest.meeting.series, start=widest.period_start, end=widest.period_end)
    assert live["cases"]
    for key in ("scope", "provinces", "province_names", "cases", "requests", "fulfilment", "overdue"):
        assert widest.figures[key] == live[key], key
    # Minutes: the digest signed is the content's; issued ones are numbered documents, gap-free.
    for minutes in Minutes.objects.exclude(version=0):
        assert minutes.content_digest == minutes_digest(minutes.content)
    published = Minutes.objects.filter(state="published").select_related("document", "meeting")
    assert published.exists()
    for minutes in published:
        assert (
            minutes.document.state == "issued"
            and minutes.document.issuing_unit_id == minutes.meeting.host_unit_id
        )
        signed = minutes.signoffs.filter(content_digest=minutes.content_digest)
        assert signed.count() == minutes.meeting.series.members.count()
    for counter in DocumentCounter.objects.all():
        serials = Document.objects.filter(
            issuing_unit=counter.issuing_unit, kind=counter.kind, number_year=counter.year
        ).values_list("number_serial", flat=True)
        assert sorted(serials) == list(range(1, counter.last + 1))
    # Action items wait on their deadline, as action_item_open leaves them.
    for item in ActionItem.objects.all():
        deadline = Deadline.objects.get(target_type="meetings.actionitem", target_id=str(item.pk))
        assert deadline.due_at == item.due_at
        assert deadline.state == {"open": "running", "done": "met", "withdrawn": "cancelled"}[item.state]
    # Agenda items name generated proceedings the members can decide.
    named = set(
        AgendaItem.objects.filter(target_type="jurisdiction.proceeding").values_list("target_id", flat=True)
    )
    assert named and named <= {str(p.pk) for p in proceedings}
    # Every meeting opens, page and API, for a participant; a draft (of the meeting or of its minutes)
    # for its organiser, the host's liaison officer, since only the host's officers read drafts.
    client = Client()
    for meeting in meetings:
        participant = next(p for p in meeting.participants.all() if p.user_id)
        drafting = meeting.state in ("draft", "minutes_drafting")
        client.force_login(meeting.organiser if drafting else participant.user)
        urls = [f"/meetings/{meeting.pk}/", f"/api/v1/meetings/{meeting.pk}/"]
        if meeting.pk in briefings:
            urls.append(f"/api/v1/meetings/{meeting.pk}/briefing/")
        if meeting.state.startswith("minutes_") or meeting.state == "published":
            urls.append(f"/api/v1/meetings/{meeting.pk}/minutes/")
        for url in urls:
            assert client.get(url).status_code == 200, (meeting.state, url)
    # The benchmark's target: a scheduled meeting whose briefing its host's liaison officer reads live.
    username, meeting_id = generate.bench_briefing_target()
    client.force_login(User.objects.get(username=username))
    response = client.get(f"/api/v1/meetings/{meeting_id}/briefing/")
    assert response.status_code == 200 and response.json()["frozen_at"] is None
