"""Related cases: a suspect's ID number, phone or bank account on two cases, found at write time.

Both lead units are told once, each in words its view of the other case allows (DESIGN.md,
Visibility): a normal case with a summary, an internal one by number and unit only, a restricted
one only as "a restricted case matches; ask …".
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cases import related, services
from cases.models import (
    CasePerson,
    CaseState,
    HandlingCode,
    MatchKind,
    PersonBankAccount,
    PersonPhone,
    PersonRole,
    RelatedCaseMatch,
)
from core.identity import make_id_number
from core.models import AuditEvent, OutboxMessage, TimelineEntry
from core.notifications import render
from organisation.models import Role
from organisation.standing import user_standing
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, CasePersonFactory, offence, unit
from tests.support.personas import officer
from tests.support.units import KUNMING, WUHOU

SUSPECT_ID = make_id_number("520102", dt.date(1990, 3, 7), 415)
PHONE = "13812345678"
ACCOUNT = "6222021234567890123"


@pytest.fixture
def wuhou(db):
    """A Wuhou case under investigation (Wuhou leads), its investigator and its heads."""
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION, name="武侯4·15电信网络诈骗案")
    return {
        "case": case,
        "investigator": officer(WUHOU),
        "head": officer(WUHOU, Role.DEPARTMENT_HEAD),
        "unit_head": officer(WUHOU, Role.UNIT_HEAD),
    }


def kunming_case(handling_code=HandlingCode.NORMAL, state=CaseState.UNDER_INVESTIGATION, **extra):
    return CaseFactory(
        state=state,
        accepting_unit=unit(KUNMING),
        handling_code=handling_code,
        name="昆明3·08盗窃案",
        offence=offence("theft"),
        **extra,
    )


@pytest.fixture
def kunming(db):
    return {
        "investigator": officer(KUNMING),
        "head": officer(KUNMING, Role.DEPARTMENT_HEAD),
        "unit_head": officer(KUNMING, Role.UNIT_HEAD),
    }


def add_suspect(case, user, *, id_number=SUSPECT_ID, phones=(), accounts=(), role=PersonRole.SUSPECT):
    data = {"role": role, "name": "张某", "phones": list(phones)}
    if id_number:
        data.update(id_type="resident_id", id_number=id_number)
    data["bank_accounts"] = [{"bank": "工商银行", "account_number": number} for number in accounts]
    return services.case_person_add(case=case, by=user, data=data)


def notices(user) -> list[dict]:
    """The related-case notices queued for the user, rendered in English."""
    found = []
    for message in OutboxMessage.objects.filter(topic="notification.deliver").order_by("id"):
        payload = message.payload
        if payload["user_id"] != user.pk or not payload["key"].startswith("related:"):
            continue
        with translation.override("en"):
            found.append(
                {
                    "key": payload["key"],
                    "url": payload["url"],
                    "text": render(payload["subject"], payload["params"])
                    + "\n"
                    + render(payload["body"], payload["params"]),
                }
            )
    return found


def related_notice_count() -> int:
    return OutboxMessage.objects.filter(
        topic="notification.deliver", idempotency_key__startswith="notify:related:"
    ).count()


# --- who is told what ----------------------------------------------------------------------------


def test_a_suspect_id_on_two_normal_cases_tells_both_lead_units_once_with_a_summary(wuhou, kunming):
    other = kunming_case()
    add_suspect(other, kunming["investigator"])
    assert related_notice_count() == 0  # nothing to match yet

    add_suspect(wuhou["case"], wuhou["investigator"])

    matches = RelatedCaseMatch.objects.all()
    assert {(m.case_id, m.other_case_id, m.kind) for m in matches} == {
        (wuhou["case"].pk, other.pk, MatchKind.ID_NUMBER),
        (other.pk, wuhou["case"].pk, MatchKind.ID_NUMBER),
    }
    assert {m.matched_value_masked for m in matches} == {SUSPECT_ID[:4] + "*" * 10 + SUSPECT_ID[-4:]}

    for user in (wuhou["head"], wuhou["unit_head"]):
        [notice] = notices(user)
        assert other.number in notice["text"]
        assert "昆明3·08盗窃案" in notice["text"]
        assert "盗窃" in notice["text"]
        assert unit(KUNMING).name in notice["text"]
        assert "identity document number" in notice["text"]
        assert SUSPECT_ID not in notice["text"]
        assert SUSPECT_ID[-4:] in notice["text"]  # the masked value
        assert notice["url"] == f"/cases/{wuhou['case'].pk}/"  # Wuhou cannot open the Kunming case
    for user in (kunming["head"], kunming["unit_head"]):
        [notice] = notices(user)
        assert wuhou["case"].number in notice["text"]
        assert "武侯4·15电信网络诈骗案" in notice["text"]
        assert unit(WUHOU).name in notice["text"]
    # Investigators who did not open the case are not told; the one who wrote the suspect opened neither.
    assert notices(wuhou["investigator"]) == [] and notices(kunming["investigator"]) == []


def test_the_case_creator_is_told_too(wuhou, kunming):
    wuhou["case"].created_by = wuhou["investigator"]
    wuhou["case"].save(update_fields=["created_by"])
    add_suspect(kunming_case(), kunming["investigator"])
    add_suspect(wuhou["case"], wuhou["investigator"])
    assert len(notices(wuhou["investigator"])) == 1


def test_an_internal_case_is_named_only_by_number_and_unit(wuhou, kunming):
    other = kunming_case(HandlingCode.INTERNAL)
    add_suspect(other, kunming["investigator"])
    add_suspect(wuhou["case"], wuhou["investigator"])

    [told_wuhou] = notices(wuhou["head"])
    assert other.number in told_wuhou["text"]
    assert unit(KUNMING).name in told_wuhou["text"]
    assert "昆明3·08盗窃案" not in told_wuhou["text"]
    assert "盗窃" not in told_wuhou["text"]
    # Kunming hears of the normal Wuhou case with its summary: each side is worded by the other's code.
    [told_kunming] = notices(kunming["head"])
    assert "武侯4·15电信网络诈骗案" in told_kunming["text"]
    assert wuhou["case"].number in told_kunming["text"]


def test_a_restricted_case_is_only_said_to_exist_with_whom_to_ask(wuhou, kunming):
    other = kunming_case(HandlingCode.RESTRICTED)
    add_suspect(other, kunming["investigator"])
    add_suspect(wuhou["case"], wuhou["investigator"])

    [told_wuhou] = notices(wuhou["head"])
    text = told_wuhou["text"]
    assert "restricted case" in text
    assert unit(KUNMING).name in text and "legal department" in text and "unit head" in text
    assert other.number not in text
    assert "昆明3·08盗窃案" not in text and "盗窃" not in text
    assert SUSPECT_ID[-4:] not in text  # not even which identifier matched
    [told_kunming] = notices(kunming["head"])
    assert "武侯4·15电信网络诈骗案" in told_kunming["text"]

    # The case page's panel says the same, for the user who reads it.
    [item] = related.related_cases_for(wuhou["case"], wuhou["investigator"])
    assert item["disclosure"] == related.RESTRICTED
    assert item["number"] == item["name"] == item["offence"] == ""
    assert item["case_id"] is None and item["url"] == "" and item["matches"] == []
    assert item["unit_name"] == unit(KUNMING).name
    # The restricted side sees the normal case in summary.
    [item] = related.related_cases_for(other, kunming["investigator"])
    assert item["disclosure"] == related.SUMMARY
    assert item["number"] == wuhou["case"].number and item["name"] == "武侯4·15电信网络诈骗案"


def test_a_unit_that_may_see_the_other_case_is_told_in_full_with_a_link(wuhou):
    own_restricted = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION, handling_code=HandlingCode.RESTRICTED, name="武侯限制案"
    )
    add_suspect(own_restricted, wuhou["investigator"], id_number="", phones=[PHONE])
    add_suspect(wuhou["case"], wuhou["investigator"], id_number="", phones=[PHONE])

    told = notices(wuhou["head"])
    assert len(told) == 2  # one about each case, to the same unit
    about_restricted = next(n for n in told if n["url"] == f"/cases/{own_restricted.pk}/")
    assert own_restricted.number in about_restricted["text"] and "武侯限制案" in about_restricted["text"]
    with translation.override("en"):
        [item] = related.related_cases_for(wuhou["case"], wuhou["investigator"])
    assert item["disclosure"] == related.FULL
    assert item["case_id"] == own_restricted.pk and item["url"] == f"/cases/{own_restricted.pk}/"
    assert item["matches"] == [
        {"kind": MatchKind.PHONE, "kind_label": "phone number", "value": "138****5678", "person": "张某"}
    ]


# --- what matches --------------------------------------------------------------------------------


def test_phones_and_bank_accounts_match_after_normalising(wuhou, kunming):
    other = kunming_case()
    add_suspect(other, kunming["investigator"], id_number="", phones=[PHONE], accounts=[ACCOUNT])
    add_suspect(
        wuhou["case"],
        wuhou["investigator"],
        id_number="",
        phones=["+86 138-1234-5678"],
        accounts=["6222 0212 3456 7890 123"],
    )

    kinds = set(
        RelatedCaseMatch.objects.filter(case=wuhou["case"]).values_list("kind", "matched_value_masked")
    )
    assert kinds == {(MatchKind.PHONE, "138****5678"), (MatchKind.BANK_ACCOUNT, "6222***********0123")}
    # One notice per other case, naming both kinds.
    [notice] = notices(wuhou["head"])
    assert "phone number and bank account" in notice["text"]
    assert PHONE not in notice["text"] and ACCOUNT not in notice["text"]


def test_a_victims_phone_does_not_match(wuhou, kunming):
    other = kunming_case()
    add_suspect(other, kunming["investigator"], id_number="", phones=[PHONE], role=PersonRole.VICTIM)
    add_suspect(wuhou["case"], wuhou["investigator"], id_number="", phones=[PHONE])
    assert not RelatedCaseMatch.objects.exists()


def test_saving_the_same_values_again_creates_and_notifies_nothing(wuhou, kunming):
    other = kunming_case()
    add_suspect(other, kunming["investigator"], phones=[PHONE])
    person = add_suspect(wuhou["case"], wuhou["investigator"], phones=[PHONE])
    matches, sent = RelatedCaseMatch.objects.count(), related_notice_count()
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert matches == 4 and sent == 4  # ID and phone, both ways; one notice to each of 4 heads

    services.case_person_update(
        person=person, by=wuhou["investigator"], data={"note": "再次核实", "phones": [PHONE]}
    )
    add_suspect(wuhou["case"], wuhou["investigator"], phones=[PHONE])  # the same person entered twice
    related.case_related_detect(case=wuhou["case"], by=wuhou["investigator"])

    assert RelatedCaseMatch.objects.count() == matches
    assert related_notice_count() == sent
    assert not AuditEvent.objects.filter(action="cases.related_match", pk__gt=last_event).exists()

    # A new value on the same pair is news: one more notice each side.
    services.case_person_update(person=person, by=wuhou["investigator"], data={"bank_accounts": []})
    add_suspect(other, kunming["investigator"], id_number="", accounts=[ACCOUNT])
    services.case_person_update(
        person=person,
        by=wuhou["investigator"],
        data={"bank_accounts": [{"bank": "", "account_number": ACCOUNT}]},
    )
    assert len(notices(wuhou["head"])) == 2 and len(notices(kunming["head"])) == 2


def test_revoked_and_draft_cases_do_not_match(wuhou, kunming):
    revoked = kunming_case(state=CaseState.REVOKED)
    CasePersonFactory(case=revoked, id_number=SUSPECT_ID)
    draft = kunming_case(state=CaseState.DRAFT)
    CasePersonFactory(case=draft, id_number=SUSPECT_ID)

    add_suspect(wuhou["case"], wuhou["investigator"])
    assert not RelatedCaseMatch.objects.exists()

    # A draft is looked up when it is registered.
    services.case_transition(case=draft, name="register", by=kunming["investigator"])
    assert set(RelatedCaseMatch.objects.values_list("case_id", "other_case_id")) == {
        (draft.pk, wuhou["case"].pk),
        (wuhou["case"].pk, draft.pk),
    }
    assert len(notices(wuhou["head"])) == 1 and len(notices(kunming["head"])) == 1


def test_a_draft_case_looks_nothing_up(wuhou, kunming):
    other = kunming_case()
    add_suspect(other, kunming["investigator"])
    draft = CaseFactory(state=CaseState.DRAFT)
    add_suspect(draft, wuhou["investigator"])
    assert not RelatedCaseMatch.objects.exists()


def test_a_match_is_audited_without_the_raw_value_and_put_on_both_timelines(wuhou, kunming):
    other = kunming_case()
    add_suspect(other, kunming["investigator"], phones=[PHONE])
    add_suspect(wuhou["case"], wuhou["investigator"], phones=[PHONE])

    [event] = AuditEvent.objects.filter(action="cases.related_match")
    assert event.actor_id == wuhou["investigator"].pk
    assert event.target_id == str(wuhou["case"].pk)
    text = str(event.payload)
    assert SUSPECT_ID not in text and PHONE not in text
    assert {item["kind"] for item in event.payload["matches"]} == {MatchKind.ID_NUMBER, MatchKind.PHONE}
    rows = TimelineEntry.objects.filter(action="related_match")
    assert set(rows.values_list("target_id", flat=True)) == {str(wuhou["case"].pk), str(other.pk)}
    # Kunming's timeline does not name the Wuhou investigator who wrote the suspect.
    assert rows.get(target_id=str(other.pk)).actor_id is None


# --- cost ----------------------------------------------------------------------------------------


def _case_with_identifiers(count: int, seed: int):
    """A Wuhou case and a Kunming case sharing one suspect with `count` phones (written by factories)."""
    phones = [f"139{seed:04d}{n:04d}" for n in range(count)]
    own = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    person = CasePersonFactory(case=own, id_number="", id_type="none", phones=phones)
    other = kunming_case()
    CasePersonFactory(case=other, id_number="", id_type="none", phones=phones)
    return own, person


def test_detection_costs_the_same_queries_for_one_identifier_and_for_ten(wuhou, kunming):
    counts = []
    user_standing(wuhou["investigator"])  # cached on the user after the first read: read it beforehand
    for count, seed in ((1, 1), (10, 2)):
        own, person = _case_with_identifiers(count, seed)
        with CaptureQueriesContext(connection) as queries:
            found = related.case_related_detect(case=own, by=wuhou["investigator"], person_ids=[person.pk])
        assert len(found) == 2 * count
        counts.append(len(queries))
        phone_lookups = [q["sql"] for q in queries.captured_queries if "cases_personphone" in q["sql"]]
        # The suspect's phones are read once, and other cases' phones looked up once, with IN.
        assert len(phone_lookups) == 2
    assert counts[0] == counts[1]
    assert counts[0] <= 60  # savepoints included; notices and audit are per other case, not per value


# --- who may read it -----------------------------------------------------------------------------


def test_the_case_detail_api_lists_related_cases_and_an_uninvolved_investigator_gets_404(
    wuhou, kunming, qinghai_investigator
):
    other = kunming_case(HandlingCode.INTERNAL)
    add_suspect(other, kunming["investigator"])
    add_suspect(wuhou["case"], wuhou["investigator"])

    response = token_client(wuhou["investigator"]).get(f"/api/v1/cases/{wuhou['case'].pk}/")
    assert response.status_code == 200
    [item] = response.json()["related"]
    assert item["disclosure"] == "number_only"
    assert item["number"] == other.number and item["name"] == "" and item["offence"] == ""
    assert item["unit_code"] == KUNMING
    assert item["matches"][0]["kind"] == "id_number"
    assert SUSPECT_ID not in str(item)

    qinghai = token_client(qinghai_investigator)
    for case in (wuhou["case"], other):
        assert qinghai.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert notices(qinghai_investigator) == []
    assert not OutboxMessage.objects.filter(idempotency_key__endswith=f":{qinghai_investigator.pk}").exists()


# --- indexes -------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_lookups_use_the_indexes_on_postgresql(wuhou):
    """With a few thousand suspects' identifiers and fresh statistics, each look-up reads its index.

    The planner is right to scan a tiny table, so the test first makes the tables big enough for
    its choice to mean something, then ANALYZEs them (allowed inside the test's transaction).
    """
    assert connection.vendor == "postgresql"
    CasePersonFactory(
        case=wuhou["case"], id_number=SUSPECT_ID, phones=[PHONE], bank_accounts=[("工商银行", ACCOUNT)]
    )
    filler = CasePerson.objects.bulk_create(
        CasePerson(
            case=wuhou["case"],
            role=PersonRole.SUSPECT,
            name=f"嫌疑人{n}",
            id_type="resident_id",
            id_number=make_id_number("510107", dt.date(1980, 1, 1) + dt.timedelta(days=n), 11),
        )
        for n in range(3000)
    )
    PersonPhone.objects.bulk_create(PersonPhone(person=p, number=f"150{n:08d}") for n, p in enumerate(filler))
    PersonBankAccount.objects.bulk_create(
        PersonBankAccount(person=p, account_number=f"62220000{n:011d}") for n, p in enumerate(filler)
    )
    with connection.cursor() as cursor:
        for table in ("cases_caseperson", "cases_personphone", "cases_personbankaccount", "cases_case"):
            cursor.execute(f"ANALYZE {table}")
    plans = {
        "id": related.id_number_lookup(0, [SUSPECT_ID]).explain(),
        "phone": related.phone_lookup(0, [PHONE, "13900000000"]).explain(),
        "account": related.bank_account_lookup(0, [ACCOUNT]).explain(),
    }
    [phone_index] = PersonPhone._meta.indexes
    [account_index] = PersonBankAccount._meta.indexes
    # Either id-number index serves it: the plain one, or the briefing's partial one on suspects.
    assert "Index" in plans["id"] and (
        "case_person_id_number" in plans["id"] or "case_person_suspect_id" in plans["id"]
    ), plans["id"]
    assert "Index" in plans["phone"] and phone_index.name in plans["phone"], plans["phone"]
    assert "Index" in plans["account"] and account_index.name in plans["account"], plans["account"]
    assert related.id_number_lookup(0, [SUSPECT_ID]).count() == 1
    assert related.phone_lookup(wuhou["case"].pk, [PHONE]).count() == 0  # the case's own phones never match


def test_case_page_shows_the_related_panel_worded_by_handling_code(wuhou, kunming, client):
    other = kunming_case(handling_code=HandlingCode.RESTRICTED)
    add_suspect(other, kunming["investigator"])
    add_suspect(wuhou["case"], wuhou["investigator"])
    client.force_login(wuhou["head"])
    page = client.get(f"/cases/{wuhou['case'].pk}/").content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext("Possible related cases") in page
    assert other.number not in page and other.name not in page
    assert unit(KUNMING).name in page  # whom to ask

    client.force_login(kunming["head"])
    page = client.get(f"/cases/{other.pk}/").content.decode()
    assert wuhou["case"].number in page  # a normal case is told with its summary
