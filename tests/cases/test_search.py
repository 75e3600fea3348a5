"""Cross-province search (issue 7 item 1): kinds, normalising, hit classes, purpose, audit, rate, queries."""

import datetime as dt
import importlib
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import CasePerson, CaseState, HandlingCode, PartyRole
from cases.search.services import HIT_FIELDS, MAX_HITS, HitClass, SearchKind, SearchRateLimited, search
from core.identity import make_id_number
from core.models import AuditEvent
from organisation.models import Role
from tests.support.cases import ACCOUNT, PHONE, SUSPECT_ID, chengdu_case
from tests.support.factories.cases import CaseFactory, CasePersonFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, SICHUAN, WUHOU, XINING

pytestmark = pytest.mark.django_db


@pytest.fixture
def xining_investigator(db):
    return officer(XINING, Role.INVESTIGATOR)


@pytest.fixture
def xining_case(db):
    return CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(XINING), name="西宁4·2诈骗案")


def run(user, kind=SearchKind.ID_NUMBER, query=SUSPECT_ID, **purpose):
    if not purpose:
        purpose = {"purpose_text": "核查嫌疑人身份"}
    return search(by=user, kind=kind, query=query, **purpose)


def by_case(result) -> dict[int, dict]:
    return {hit["id"]: hit for hit in result.hits}


# --- the done-when walk: an internal Chengdu case seen from Xining ------------------------------


def test_xining_finds_a_chengdu_internal_case_by_id_number_as_number_and_unit_only(
    xining_investigator, xining_case
):
    internal = chengdu_case(HandlingCode.INTERNAL)
    # Typed with spaces and a lower-case check character, as people do.
    typed = f" {SUSPECT_ID[:6]} {SUSPECT_ID[6:14]} {SUSPECT_ID[14:].lower()} "
    result = run(xining_investigator, query=typed, purpose_case=xining_case.pk)

    assert result.query == SUSPECT_ID
    [hit] = result.hits
    # The way to ask for access is the searcher's own signed hit (issue 16, leak 4).
    token = hit.pop("request_access_token")
    assert hit == {
        "id": internal.pk,
        "hit_class": HitClass.MINIMAL,
        "number": internal.number,
        "unit_code": WUHOU,
        "unit_name": unit(WUHOU).name,
        "request_access_url": f"/cases/{internal.pk}/request-access/?{urlencode({'hit': token})}",
    }
    event = AuditEvent.objects.get(action="cases.search")
    assert event.actor_id == xining_investigator.pk
    assert (event.target_type, event.target_id) == ("cases.case", str(xining_case.pk))
    assert event.payload == {
        "kind": "id_number",
        "query": SUSPECT_ID,
        "purpose_case": xining_case.pk,
        "purpose_case_number": xining_case.number,
        "purpose_text": "",
        "counts": {"full": 0, "summary": 0, "minimal": 1},
        "truncated": False,
    }


def test_each_handling_code_gives_the_class_of_hit_the_rules_allow(xining_investigator, xining_case):
    normal = chengdu_case(HandlingCode.NORMAL)
    internal = chengdu_case(HandlingCode.INTERNAL)
    restricted = chengdu_case(HandlingCode.RESTRICTED)
    draft = chengdu_case(HandlingCode.NORMAL, state=CaseState.DRAFT)
    own = CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(XINING), name="本地案")
    CasePersonFactory(case=own, name="张三丰", id_number=SUSPECT_ID)

    hits = by_case(run(xining_investigator))

    assert set(hits) == {normal.pk, internal.pk, own.pk}  # not the restricted case, not the draft
    assert restricted.pk not in hits and draft.pk not in hits
    token = hits[normal.pk]["request_access_token"]
    assert hits[normal.pk] == {
        "request_access_token": token,
        "id": normal.pk,
        "hit_class": HitClass.SUMMARY,
        "number": normal.number,
        "name": "成都电诈案",
        "offence": normal.offence.name,
        "unit_code": WUHOU,
        "unit_name": unit(WUHOU).name,
        "request_access_url": f"/cases/{normal.pk}/request-access/?{urlencode({'hit': token})}",
    }
    assert hits[internal.pk]["hit_class"] == HitClass.MINIMAL
    full = hits[own.pk]
    assert full["hit_class"] == HitClass.FULL
    assert full["persons"] == ["张三丰"]
    assert full["url"] == f"/cases/{own.pk}/"
    assert (full["state"], full["handling_code"]) == (CaseState.UNDER_INVESTIGATION, HandlingCode.NORMAL)
    for hit in hits.values():
        assert set(hit) == HIT_FIELDS[hit["hit_class"]]
    # Newest first.
    assert [hit["id"] for hit in run(xining_investigator).hits] == sorted(hits, reverse=True)


def test_a_restricted_case_is_shown_in_full_to_the_leads_superiors_and_to_no_one_else(xining_case):
    restricted = chengdu_case(HandlingCode.RESTRICTED)
    for code in (WUHOU, CHENGDU, SICHUAN):
        hits = by_case(run(officer(code)))
        assert hits[restricted.pk]["hit_class"] == HitClass.FULL, code
        assert hits[restricted.pk]["persons"] == ["张三丰"]
    assert run(officer(XINING)).hits == []
    assert run(officer("530100")).hits == []  # Kunming: another province


def test_an_assisting_unit_sees_the_case_in_full(xining_investigator):
    case = chengdu_case(HandlingCode.INTERNAL)
    case.parties.create(unit=unit(XINING), role=PartyRole.ASSISTING)
    assert run(xining_investigator).hits[0]["hit_class"] == HitClass.FULL


def test_two_persons_with_the_number_on_one_case_give_one_hit(xining_investigator):
    case = chengdu_case()
    CasePersonFactory(case=case, name="张三丰（化名）", id_number=SUSPECT_ID)
    result = run(xining_investigator)
    assert [hit["id"] for hit in result.hits] == [case.pk]


def test_at_most_fifty_cases_newest_first_and_the_rest_flagged(xining_investigator):
    cases = [chengdu_case() for _ in range(MAX_HITS + 2)]
    result = run(xining_investigator)
    assert len(result.hits) == MAX_HITS
    assert result.truncated
    assert [hit["id"] for hit in result.hits] == [case.pk for case in reversed(cases)][:MAX_HITS]
    assert AuditEvent.objects.get(action="cases.search").payload["truncated"] is True


# --- kinds and normalising ---------------------------------------------------------------------


def test_a_fifteen_digit_number_also_finds_its_eighteen_character_form(xining_investigator):
    born = dt.date(1972, 4, 9)
    eighteen = make_id_number("510104", born, 458)
    fifteen = eighteen[:6] + eighteen[8:17]
    case = chengdu_case(id_number=eighteen)
    result = run(xining_investigator, query=fifteen)
    assert result.query == fifteen
    assert [hit["id"] for hit in result.hits] == [case.pk]


@pytest.mark.parametrize("query", ["51010419851102", "5101041985110200XX", "abc", ""])
def test_a_malformed_id_number_is_refused_naming_q(xining_investigator, query):
    with pytest.raises(ValidationError) as raised:
        run(xining_investigator, query=query)
    assert set(raised.value.message_dict) == {"q"}
    assert not AuditEvent.objects.filter(action="cases.search").exists()


def test_full_width_digits_are_folded(xining_investigator):
    case = chengdu_case()
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in SUSPECT_ID)
    assert [hit["id"] for hit in run(xining_investigator, query=full_width).hits] == [case.pk]


@pytest.mark.parametrize("typed", [PHONE, "+86 139-8765-4321", "0086 13987654321", "(139) 8765 4321"])
def test_phone_is_matched_on_its_digits(xining_investigator, typed):
    case = chengdu_case()
    chengdu_case(id_number="")  # a second case with the same phone
    other = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    CasePersonFactory(case=other, phones=["13900000000"])
    result = run(xining_investigator, kind=SearchKind.PHONE, query=typed)
    assert result.query == PHONE
    assert case.pk in by_case(result) and other.pk not in by_case(result)
    assert len(result.hits) == 2


def test_bank_account_is_matched_without_spaces_or_hyphens(xining_investigator):
    case = chengdu_case()
    typed = "6222 0202-0011 2233 445"
    result = run(xining_investigator, kind=SearchKind.ACCOUNT, query=typed)
    assert result.query == ACCOUNT
    assert [hit["id"] for hit in result.hits] == [case.pk]
    assert run(xining_investigator, kind=SearchKind.ACCOUNT, query=ACCOUNT[:-1]).hits == []


def test_case_number_is_exact_and_case_insensitive(xining_investigator):
    case = chengdu_case(HandlingCode.INTERNAL)
    result = run(xining_investigator, kind=SearchKind.CASE_NUMBER, query=f" {case.number.lower()} ")
    assert result.hits[0]["id"] == case.pk and result.hits[0]["hit_class"] == HitClass.MINIMAL
    assert run(xining_investigator, kind=SearchKind.CASE_NUMBER, query=case.number[:-1]).hits == []


def test_an_unknown_kind_is_refused_naming_kind(xining_investigator):
    with pytest.raises(ValidationError) as raised:
        run(xining_investigator, kind="email", query="x@example.org")
    assert set(raised.value.message_dict) == {"kind"}


# --- names: Chinese, pinyin, initials, partial -------------------------------------------------


@pytest.fixture
def named_cases(db):
    names = {"张三丰": None, "张三": None, "欧阳·娜娜": None, "李四": None}
    for name in names:
        case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
        CasePersonFactory(case=case, name=name)
        names[name] = case.pk
    return names


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三丰", {"张三丰"}),  # exact
        ("张三", {"张三丰", "张三"}),  # two characters: from the start of the name
        ("三丰", set()),  # two characters in the middle are not searched (no trigram)
        ("阳·娜娜", {"欧阳·娜娜"}),  # three or more: anywhere in the name
        ("zhangsanfeng", {"张三丰"}),  # full pinyin
        ("Zhang San", {"张三丰", "张三"}),  # pinyin with a space and capitals
        ("sanfeng", {"张三丰"}),  # partial pinyin
        ("zsf", {"张三丰"}),  # initials
        ("zs", {"张三"}),  # initials of 张三 (and the start of no pinyin)
        ("oynn", {"欧阳·娜娜"}),
        ("ouyang", {"欧阳·娜娜"}),
    ],
)
def test_names_match_in_chinese_pinyin_or_initials(xining_investigator, named_cases, query, expected):
    result = run(xining_investigator, kind=SearchKind.NAME, query=query)
    assert {hit["id"] for hit in result.hits} == {named_cases[name] for name in expected}


def test_a_one_character_name_query_is_refused(xining_investigator):
    with pytest.raises(ValidationError) as raised:
        run(xining_investigator, kind=SearchKind.NAME, query="张")
    assert set(raised.value.message_dict) == {"q"}


def test_pinyin_is_filled_on_save_and_follows_a_renamed_person(db):
    person = CasePersonFactory(name="吕布")
    person.refresh_from_db()
    assert (person.name_pinyin, person.name_initials) == ("lvbu", "lb")
    person.name = "貂蝉"
    person.save(update_fields=["name"])
    person.refresh_from_db()
    assert (person.name_pinyin, person.name_initials) == ("diaochan", "dc")


def test_the_data_migration_fills_existing_persons(db):
    people = [CasePersonFactory(name=name) for name in ("王五", "赵六")]
    CasePerson.objects.filter(pk__in=[p.pk for p in people]).update(name_pinyin="", name_initials="")
    migration = importlib.import_module("cases.migrations.0010_person_pinyin")
    migration.fill_pinyin(apps, None)
    assert set(
        CasePerson.objects.filter(pk__in=[p.pk for p in people]).values_list("name_pinyin", "name_initials")
    ) == {("wangwu", "ww"), ("zhaoliu", "zl")}


# --- purpose --------------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", [{}, {"purpose_text": ""}, {"purpose_text": "  查询 "}])
def test_a_search_without_a_purpose_is_refused_naming_purpose(xining_investigator, purpose):
    chengdu_case()
    with pytest.raises(ValidationError) as raised:
        search(by=xining_investigator, kind=SearchKind.ID_NUMBER, query=SUSPECT_ID, **purpose)
    assert set(raised.value.message_dict) == {"purpose"}
    assert not AuditEvent.objects.filter(action="cases.search").exists()


def test_the_purpose_case_must_be_one_the_user_may_see(xining_investigator):
    other = chengdu_case()  # Xining cannot see it
    for purpose_case in (other.pk, other, 10**9, "abc"):
        with pytest.raises(ValidationError) as raised:
            run(xining_investigator, purpose_case=purpose_case)
        assert set(raised.value.message_dict) == {"purpose_case"}
    assert not AuditEvent.objects.filter(action="cases.search").exists()


def test_a_written_reason_is_recorded_with_the_query(xining_investigator):
    chengdu_case(HandlingCode.NORMAL)
    run(
        xining_investigator,
        kind=SearchKind.NAME,
        query="Zhang San Feng",
        purpose_text=" 研判线索，核对同名人员 ",
    )
    payload = AuditEvent.objects.get(action="cases.search").payload
    assert payload["kind"] == "name"
    assert payload["query"] == "zhangsanfeng"
    assert payload["purpose_case"] is None
    assert payload["purpose_text"] == "研判线索，核对同名人员"
    assert payload["counts"] == {"full": 0, "summary": 1, "minimal": 0}


def test_every_search_is_audited(xining_investigator, xining_case):
    chengdu_case()
    for kind, query in (
        (SearchKind.ID_NUMBER, SUSPECT_ID),
        (SearchKind.PHONE, PHONE),
        (SearchKind.NAME, "张三"),
    ):
        run(xining_investigator, kind=kind, query=query, purpose_case=xining_case.pk)
    events = list(AuditEvent.objects.filter(action="cases.search").order_by("id"))
    assert [event.payload["kind"] for event in events] == ["id_number", "phone", "name"]
    assert all(event.payload["purpose_case"] == xining_case.pk for event in events)


def test_auditors_and_administrators_may_not_search(auditor, system_admin):
    chengdu_case()
    for user in (auditor, system_admin):
        with pytest.raises(PermissionDenied):
            run(user)


# --- rate ---------------------------------------------------------------------------------------


def test_searches_beyond_the_rate_per_minute_are_refused(xining_investigator, settings):
    settings.SEARCH_RATE_PER_MINUTE = 3
    chengdu_case()
    for _ in range(3):
        run(xining_investigator)
    with pytest.raises(SearchRateLimited) as raised:
        run(xining_investigator)
    assert raised.value.status_code == 429
    assert 1 <= raised.value.wait <= 60
    assert AuditEvent.objects.filter(action="cases.search").count() == 3
    # Another user has a window of their own.
    assert len(run(officer(CHENGDU)).hits) == 1


def test_an_invalid_search_is_not_counted(settings):
    settings.SEARCH_RATE_PER_MINUTE = 3
    user = officer(XINING, Role.INVESTIGATOR)
    for _ in range(2):
        run(user)
    with pytest.raises(ValidationError):
        run(user, purpose_text="")
    run(user)  # the third counted search
    with pytest.raises(SearchRateLimited):
        run(user)


def test_the_window_slides_a_search_is_freed_a_minute_after_it(xining_investigator, settings, monkeypatch):
    settings.SEARCH_RATE_PER_MINUTE = 2
    run(xining_investigator)
    first = AuditEvent.objects.filter(action="cases.search").latest("id").occurred_at
    run(xining_investigator)
    with pytest.raises(SearchRateLimited) as raised:
        run(xining_investigator)
    assert raised.value.wait in (59, 60)
    # A minute after the first search one search is free again, and only one.
    monkeypatch.setattr(
        "cases.search.services._now", lambda: first + dt.timedelta(seconds=60, milliseconds=1)
    )
    run(xining_investigator)
    with pytest.raises(SearchRateLimited):
        run(xining_investigator)


def test_the_default_rate_is_thirty_a_minute(xining_investigator, settings):
    del settings.SEARCH_RATE_PER_MINUTE
    for _ in range(30):
        run(xining_investigator)
    with pytest.raises(SearchRateLimited):
        run(xining_investigator)


# --- cost ---------------------------------------------------------------------------------------


def test_a_search_costs_the_same_queries_for_one_hit_as_for_many(xining_investigator, xining_case):
    own = CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(XINING))
    CasePersonFactory(case=own, id_number=SUSPECT_ID)
    CasePersonFactory(case=own, id_number=SUSPECT_ID)

    def count() -> tuple[int, int]:
        user = officer(XINING)  # a fresh user: standing not cached, rate window empty
        with CaptureQueriesContext(connection) as queries:
            result = run(user, purpose_case=xining_case.pk)
        return len(queries), len(result.hits)

    one, hits = count()
    assert hits == 1
    chengdu_case(HandlingCode.INTERNAL)
    for code in (HandlingCode.NORMAL, HandlingCode.INTERNAL, HandlingCode.RESTRICTED):
        for _ in range(4):
            chengdu_case(code)
    many, hits = count()
    assert hits == 10
    assert many == one


# --- PostgreSQL: the searches use indexes -------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


PERSONS_FOR_EXPLAIN = 6000


@pytest.fixture
def many_persons(db):
    """Create a few thousand persons with phones, then ANALYZE, so the planner sees a big table."""
    import random

    from cases.models import Case, CaseParty, PersonPhone
    from cases.pinyin import name_pinyin

    rng = random.Random(7)
    wuhou = unit(WUHOU)
    year = dt.date.today().year
    cases = Case.objects.bulk_create(
        Case(
            number=f"A{WUHOU}{year}{80000 + i:05d}",
            number_year=year,
            number_serial=80000 + i,
            name=f"测试案{i}",
            accepting_unit=wuhou,
            lead_unit=wuhou,
            state=CaseState.UNDER_INVESTIGATION,
            handling_code=(HandlingCode.NORMAL, HandlingCode.INTERNAL)[i % 2],
        )
        for i in range(300)
    )
    CaseParty.objects.bulk_create(
        [
            CaseParty(case=case, unit=wuhou, role=role)
            for case in cases
            for role in (PartyRole.ACCEPTING, PartyRole.LEAD)
        ]
    )
    persons = []
    for i in range(PERSONS_FOR_EXPLAIN):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        pinyin, initials = name_pinyin(name)
        persons.append(
            CasePerson(
                case=cases[i % len(cases)],
                role="suspect",
                name=name,
                name_pinyin=pinyin,
                name_initials=initials,
                id_number=make_id_number(
                    "510104", dt.date(1940, 1, 1) + dt.timedelta(days=i // 3), i % 999 + 1
                ),
            )
        )
    persons = CasePerson.objects.bulk_create(persons, batch_size=5000)
    PersonPhone.objects.bulk_create(
        (PersonPhone(person=person, number=f"139{i:08d}") for i, person in enumerate(persons)),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        for table in ("cases_case", "cases_caseparty", "cases_caseperson", "cases_personphone"):
            cursor.execute(f"ANALYZE {table}")
    return persons


@pytest.mark.postgres
def test_searches_use_indexes_on_postgresql(many_persons, xining_investigator):
    from cases.search.services import candidate_case_ids, matching_cases, normalise

    # (kind, query, index, trigram). At a few thousand rows PostgreSQL rightly prefers a sequential
    # scan to a GIN trigram scan (its fixed cost is high; it takes the index from about 25,000 rows),
    # so for those the plan is read with whole-table scans priced out: that proves the query has the
    # form the index serves (LIKE on the column itself, not UPPER(...) as icontains would write).
    sought = next(person for person in many_persons if len(person.name) == 3)
    phone_index = "cases_perso_number_"  # Django's generated name for PersonPhone.number's index
    searches = [
        (SearchKind.ID_NUMBER, many_persons[42].id_number, "case_person_id_number", False),
        (SearchKind.PHONE, "13900000042", phone_index, False),
        (SearchKind.NAME, sought.name_initials, "case_person_initials", True),  # OR pinyin LIKE
        (SearchKind.NAME, sought.name, "case_person_name_trgm", True),  # LIKE '%王伟芳%'
        (SearchKind.NAME, sought.name[:2], "case_person_name_trgm", True),  # LIKE '王伟%'
        (SearchKind.NAME, sought.name_pinyin, "case_person_pinyin_trgm", True),
    ]
    for kind, query, index, trigram in searches:
        normalised, persons = normalise(kind, query)
        switch = "off" if trigram else "on"
        with connection.cursor() as cursor:
            # A plain index scan of all of the table in case_id order is no better than a seq scan.
            cursor.execute(f"SET LOCAL enable_seqscan = {switch}; SET LOCAL enable_indexscan = {switch}")
        plan = candidate_case_ids(persons).explain()
        assert index in plan, (query, plan)
        assert "Seq Scan on cases_caseperson" not in plan, (query, plan)
        assert "Seq Scan on cases_personphone" not in plan, (query, plan)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = on")
        case_ids = list(candidate_case_ids(persons))
        cases_plan = matching_cases(xining_investigator, kind, normalised, case_ids)[: MAX_HITS + 1].explain()
        assert "Seq Scan on cases_case " not in cases_plan + " ", (query, cases_plan)
        # And the search finds what it should (no restricted case here: every match is a hit).
        expected = CasePerson.objects.filter(persons).values("case_id").distinct().count()
        assert expected >= 1, query
        assert len(run(xining_investigator, kind=kind, query=query).hits) == min(expected, MAX_HITS), query
