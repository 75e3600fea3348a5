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
from cases.search import HitClass, SearchKind, search
from core.identity import parse_id_number
from core.models import Deadline
from jurisdiction.models import ACTIVE_STATES, JurisdictionProceeding
from jurisdiction.selectors import proceeding_visible_to
from organisation.models import Role, Unit
from tests.cases.conftest import officer

# bench/ is a folder of scripts, not a package: its modules import each other by plain name.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import generate

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CASE_NUMBER = re.compile(r"A(\d{6})(\d{4})(\d{5})")


def _digests(plan, directory: Path) -> dict[str, str]:
    files = generate.generate(plan, directory)
    files.pop("_serials")
    files.pop("_request_serials")
    return {key: hashlib.sha256(table.path.read_bytes()).hexdigest() for key, table in files.items()}


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(tmp_path):
    generate.bench_officers()
    plan = generate.Plan(cases=120, persons=400, seed=11, requests=40, proceedings=10)
    first = _digests(plan, tmp_path / "a")
    assert first == _digests(plan, tmp_path / "b")
    other = _digests(
        generate.Plan(cases=120, persons=400, seed=12, requests=40, proceedings=10), tmp_path / "c"
    )
    assert all(first[key] != other[key] for key in ("case", "person", "phone", "request", "deadline"))


def test_loaded_rows_are_valid_visible_to_their_units_and_found_by_search(tmp_path):
    generate.bench_officers()
    plan = generate.Plan(cases=300, persons=1000, seed=3, requests=400, proceedings=30)
    files = generate.generate(plan, tmp_path / "load")
    serials = files.pop("_serials")
    request_serials = files.pop("_request_serials")
    generate.load(list(files.values()))
    generate._save_counters(serials, request_serials)

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
    result = search(user=user, kind=SearchKind.ID_NUMBER, query=person.id_number, purpose_text="核查身份信息")
    assert {hit["id"]: hit["hit_class"] for hit in result.hits}[person.case_id] == HitClass.FULL
    phone = PersonPhone.objects.filter(person__case__handling_code="normal").select_related("person").first()
    user = officer(Case.objects.get(pk=phone.person.case_id).accepting_unit.code, Role.INVESTIGATOR)
    result = search(user=user, kind=SearchKind.PHONE, query=phone.number, purpose_text="核查身份信息")
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
