"""Property: search and the case list never reveal more than DESIGN.md "Visibility and security" allows.

Hypothesis generates cases in units across provinces — random states, handling codes, lead and
other parties, persons sharing an identity number, name and phone — a searcher with one or two
memberships, and access grants for the searcher (active, expired or revoked). An oracle written
from the rules, independently of the selectors, says what the searcher may see of each case:

  visible       a party unit is the searcher's; or the case is registered and a searcher's unit is
                above a party (normal, internal) or above the lead (restricted; before a lead, above
                the accepting unit); or an active, unrevoked grant names the searcher;
  discoverable  visible, or registered and not restricted.

Each hit's class must be exactly the one the oracle gives (full / summary for normal / minimal for
internal), with exactly that class's fields; nothing else may appear; the case list API lists
exactly the visible cases.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from cases.models import (
    AccessRequestState,
    CaseAccessGrant,
    CaseAccessRequest,
    CaseState,
    HandlingCode,
    PartyRole,
)
from cases.search.services import HIT_FIELDS, HitClass, SearchKind, search
from core.identity import make_id_number
from organisation.models import PATH_SEPARATOR, Role, Unit
from tests.support.factories.cases import CaseFactory, CasePersonFactory
from tests.support.personas import officer

pytestmark = pytest.mark.django_db

# Units at every level in several provinces, so that "above", "below" and "beside" all occur. Hypothesis
# tries the first element of a choice most, so the lists start with what hides most (a searcher far
# away, a registered internal case); the ministry, which sees all but restricted cases, comes last.
UNIT_CODES = ("630100", "510107", "530102", "510100", "530000", "510000", "520102", "530100", "000000")
CASE_UNIT_CODES = UNIT_CODES[1:-1]  # the ministry accepts no cases here
STATES = (
    CaseState.REGISTERED,
    CaseState.UNDER_INVESTIGATION,
    CaseState.CLOSED,
    CaseState.JURISDICTION_PENDING,
    CaseState.DRAFT,
)
HANDLING_CODES = (HandlingCode.INTERNAL, HandlingCode.NORMAL, HandlingCode.RESTRICTED)
# Per person: (shares the id number, the name, the phone).
PERSON_KINDS = (
    (True, True, True),
    (False, False, False),
    (True, False, False),
    (False, True, False),
    (False, False, True),
    (True, True, False),
)
LED_STATES = (CaseState.UNDER_INVESTIGATION, CaseState.CLOSED)
OTHER_ROLES = (PartyRole.ASSISTING, PartyRole.REQUESTED, PartyRole.PROCEEDING)
SHARED_ID = make_id_number("510104", dt.date(1985, 11, 2), 31)
OTHER_ID = make_id_number("530102", dt.date(1979, 1, 30), 77)
SHARED_PHONE = "13987654321"
SHARED_NAME, OTHER_NAME = "张三丰", "李四"
QUERIES = (
    (SearchKind.ID_NUMBER, SHARED_ID),
    (SearchKind.NAME, SHARED_NAME),
    (SearchKind.NAME, "zsf"),
    (SearchKind.PHONE, SHARED_PHONE),
)
GRANTS = ("none", "active", "expired", "revoked")


@st.composite
def case_specs(draw):
    state = draw(st.sampled_from(STATES))
    accepting = draw(st.sampled_from(CASE_UNIT_CODES))
    lead = draw(st.sampled_from(CASE_UNIT_CODES)) if state in LED_STATES else None
    others = (
        []
        if state == CaseState.DRAFT  # a draft has only its accepting unit
        else draw(
            st.lists(st.tuples(st.sampled_from(CASE_UNIT_CODES), st.sampled_from(OTHER_ROLES)), max_size=2)
        )
    )
    persons = draw(st.lists(st.sampled_from(PERSON_KINDS), min_size=1, max_size=2))
    return {
        "state": state,
        "handling_code": draw(st.sampled_from(HANDLING_CODES)),
        "accepting": accepting,
        "lead": lead,
        "others": others,
        "persons": persons,
        "grant": draw(st.sampled_from(GRANTS)),
    }


@dataclass(frozen=True)
class Built:
    pk: int
    state: str
    handling_code: str
    number: str
    owner_code: str
    parties: tuple[tuple[str, str], ...]  # (unit path, role)
    accepting_path: str
    has_lead: bool
    granted: bool
    matches: dict[str, bool]  # query kind/text → whether a person matches
    matching_names: frozenset[str]


def _below(path: str, above: str) -> bool:
    return path.startswith(above + PATH_SEPARATOR)


def oracle(case: Built, searcher_paths: set[str]) -> str | None:
    """Return the class of hit the rules allow for this case, or None when it may not be mentioned."""
    involved = any(path in searcher_paths for path, _role in case.parties)
    registered = case.state != CaseState.DRAFT
    restricted = case.handling_code == HandlingCode.RESTRICTED
    above_a_party = any(_below(path, mine) for path, _role in case.parties for mine in searcher_paths)
    if case.has_lead:
        lead_paths = [path for path, role in case.parties if role == PartyRole.LEAD]
    else:
        lead_paths = [case.accepting_path]
    above_the_lead = any(_below(path, mine) for path in lead_paths for mine in searcher_paths)
    superior = registered and ((not restricted and above_a_party) or (restricted and above_the_lead))
    if involved or superior or case.granted:
        return HitClass.FULL
    if not registered or restricted:
        return None
    return HitClass.SUMMARY if case.handling_code == HandlingCode.NORMAL else HitClass.MINIMAL


def _grant(case, user, kind: str, units) -> bool:
    """Give the searcher a grant of this kind on the case; return whether it is in force now."""
    if kind == "none":
        return False
    now = timezone.now()
    request = CaseAccessRequest.objects.create(
        case=case,
        requester=user,
        requesting_unit=units["630100"],
        owning_unit=case.responsible_unit,
        reason="核查",
        state=AccessRequestState.GRANTED,
        decided_by=user,
        decided_at=now,
    )
    starts, expires = (
        (now - dt.timedelta(days=10), now - dt.timedelta(days=3))
        if kind == "expired"
        else (
            now - dt.timedelta(hours=1),
            now + dt.timedelta(days=7),
        )
    )
    CaseAccessGrant.objects.create(
        request=request,
        case=case,
        user=user,
        starts_at=starts,
        expires_at=expires,
        granted_by=user,
        revoked_at=now if kind == "revoked" else None,
    )
    return kind == "active"


def build(spec, user, units) -> Built:
    state = spec["state"]
    accepting = units[spec["accepting"]]
    lead = units[spec["lead"]] if spec["lead"] else None
    case = CaseFactory(
        state=state,
        handling_code=spec["handling_code"],
        accepting_unit=accepting,
        lead_unit=lead,
        parties=[(units[code], role) for code, role in spec["others"]],
    )
    matches = dict.fromkeys(QUERIES, False)
    names = set()
    for shares_id, shares_name, shares_phone in spec["persons"]:
        name = SHARED_NAME if shares_name else OTHER_NAME
        CasePersonFactory(
            case=case,
            name=name,
            id_number=SHARED_ID if shares_id else OTHER_ID,
            phones=[SHARED_PHONE if shares_phone else "13700000000"],
        )
        person_matches = {
            (SearchKind.ID_NUMBER, SHARED_ID): shares_id,
            (SearchKind.NAME, SHARED_NAME): shares_name,
            (SearchKind.NAME, "zsf"): shares_name,
            (SearchKind.PHONE, SHARED_PHONE): shares_phone,
        }
        for query, hit in person_matches.items():
            matches[query] = matches[query] or hit
        names.add(name)
    parties = tuple(case.parties.values_list("unit__path", "role"))
    return Built(
        pk=case.pk,
        state=state,
        handling_code=spec["handling_code"],
        number=case.number,
        owner_code=case.responsible_unit.code,
        parties=parties,
        accepting_path=accepting.path,
        has_lead=lead is not None,
        granted=_grant(case, user, spec["grant"], units),
        matches=matches,
        matching_names=frozenset(names),
    )


@pytest.fixture
def units(db):
    return {unit.code: unit for unit in Unit.objects.filter(code__in=UNIT_CODES)}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(case_specs(), min_size=1, max_size=6),
    searcher_codes=st.lists(st.sampled_from(UNIT_CODES), min_size=1, max_size=2, unique=True),
    query=st.sampled_from(QUERIES),
)
def test_search_and_the_case_list_reveal_no_more_than_the_rules_allow(units, specs, searcher_codes, query):
    with transaction.atomic():
        user = officer(searcher_codes[0], Role.INVESTIGATOR)
        for code in searcher_codes[1:]:
            department = units[code].departments.filter(kind="criminal").first()
            user.memberships.create(unit=units[code], role=Role.INVESTIGATOR, department=department)
        searcher_paths = {units[code].path for code in searcher_codes}
        built = [build(spec, user, units) for spec in specs]
        expected = {case.pk: oracle(case, searcher_paths) for case in built}
        by_pk = {case.pk: case for case in built}

        kind, text = query
        result = search(by=user, kind=kind, query=text, purpose_text="性质验证")
        hits = {hit["id"]: hit for hit in result.hits}

        # Exactly the matching cases the rules let the searcher hear of, each in its class.
        wanted = {case.pk for case in built if case.matches[query] and expected[case.pk] is not None}
        assert set(hits) == wanted
        for pk, hit in hits.items():
            case = by_pk[pk]
            assert hit["hit_class"] == expected[pk], (case, searcher_codes)
            assert set(hit) == HIT_FIELDS[hit["hit_class"]]
            assert (hit["number"], hit["unit_code"]) == (case.number, case.owner_code)
            if hit["hit_class"] == HitClass.FULL:
                assert set(hit["persons"]) <= case.matching_names
                assert hit["persons"]
            else:
                # Nothing of a person reaches a hit the searcher may not open.
                assert SHARED_NAME not in str(hit.values()) and SHARED_ID not in str(hit.values())
        assert result.counts == {
            hit_class: sum(1 for hit in hits.values() if hit["hit_class"] == hit_class)
            for hit_class in HitClass.values
        }

        for hit_class in sorted({hit["hit_class"] for hit in hits.values()}):
            event(f"hit class {hit_class}")
        if any(case.granted and expected[case.pk] == HitClass.FULL for case in built):
            event("a grant in force")
        if len(wanted) < sum(1 for case in built if case.matches[query]):
            event("a matching case withheld")

        # The case list lists exactly the visible cases (and so never one the searcher may not see).
        client = APIClient()
        client.force_authenticate(user)
        response = client.get("/api/v1/cases/", {"page_size": 200})
        assert response.status_code == 200, response.content
        listed = {row["id"] for row in response.json()["results"]}
        assert listed == {pk for pk, cls in expected.items() if cls == HitClass.FULL}
        transaction.set_rollback(True)
