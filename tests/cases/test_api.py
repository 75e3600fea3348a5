"""/api/v1/cases/ and /api/v1/offences/: create, facts, transitions, masking, export, errors, query counts."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, CasePerson, CaseState, PersonPhone
from core.identity import make_id_number
from core.models import AuditEvent
from organisation.models import Role
from tests.support.api import assert_error, session_client, token_client
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, CasePersonFactory, offence, unit
from tests.support.factories.organisation import member
from tests.support.personas import officer
from tests.support.units import KUNMING, WUHOU

CASES = "/api/v1/cases/"
EXPORT = "/api/v1/cases/export.csv"

VALID_ID = make_id_number("520102", dt.date(1988, 6, 1), 457)  # a man born 1988-06-01
WRONG_DIGIT = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")
PHONE = "13812345678"


def detail(case) -> str:
    return f"{CASES}{case.pk}/"


def transition(case, name: str) -> str:
    return f"{CASES}{case.pk}/transitions/{name}/"


@pytest.fixture
def client(wuhou_investigator):
    return token_client(wuhou_investigator)


@pytest.fixture
def draft(client):
    response = client.post(
        CASES,
        {"name": "4·15 电信网络诈骗案", "offence": "telecom_fraud", "summary": "受害人在昆明被骗。"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return Case.objects.get(pk=response.json()["id"])


@pytest.fixture
def suspect(draft):
    person = CasePersonFactory(case=draft, birth_date=dt.date(1988, 6, 1), sequence=457, phones=[PHONE])
    assert person.id_number == VALID_ID
    return person


# --- offences and creation -----------------------------------------------------------------------


@pytest.mark.django_db
def test_offences_are_listed_in_order(client):
    response = client.get("/api/v1/offences/")

    assert response.status_code == 200
    offences = response.json()
    codes = [offence["code"] for offence in offences]
    assert {"telecom_fraud", "theft", "robbery", "drugs", "online_gambling", "money_laundering"} <= set(codes)
    assert codes[0] == "telecom_fraud" and codes[-1] == "other"
    assert next(o for o in offences if o["code"] == "telecom_fraud")["name"] == "电信网络诈骗"


@pytest.mark.django_db
def test_create_opens_a_draft_in_the_users_unit(client, wuhou_investigator):
    response = client.post(CASES, {"name": "4·15 电信网络诈骗案", "offence": "telecom_fraud"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft"
    assert body["number"] == ""
    assert body["accepting_unit"] == {"code": WUHOU, "name": "成都市公安局武侯区分局"}
    assert body["lead_unit"] is None
    assert body["handling_code"] == "normal"
    assert body["available_transitions"] == ["register"]
    assert body["can_edit"] is True
    assert body["parties"] == [
        {
            "unit": {"code": WUHOU, "name": "成都市公安局武侯区分局"},
            "role": "accepting",
            "role_label": "Accepting unit",
        }
    ]
    assert [entry["action"] for entry in body["timeline"]] == ["created"]
    event = AuditEvent.objects.get(action="cases.case.created", target_id=str(body["id"]))
    assert event.actor_id == wuhou_investigator.pk
    assert event.acting_unit_code == WUHOU


@pytest.mark.django_db
def test_create_for_a_unit_that_is_not_the_users_is_a_field_error(client):
    body = assert_error(
        client.post(CASES, {"name": "x", "accepting_unit": KUNMING}, format="json"), 400, "invalid"
    )
    assert "accepting_unit" in body["fields"]


@pytest.mark.django_db
def test_create_with_an_unknown_offence_is_a_field_error(client):
    body = assert_error(
        client.post(CASES, {"name": "x", "offence": "jaywalking"}, format="json"), 400, "invalid"
    )
    assert "offence" in body["fields"]


@pytest.mark.django_db
def test_a_legal_officer_cannot_open_cases(sichuan_legal_officer):
    assert_error(
        token_client(sichuan_legal_officer).post(CASES, {"name": "x"}, format="json"),
        403,
        "permission_denied",
    )


@pytest.mark.django_db
def test_a_user_of_several_units_names_the_accepting_unit(wuhou_investigator):
    member_unit = unit(KUNMING)
    wuhou_investigator.memberships.create(unit=member_unit, role=Role.INVESTIGATOR)
    client = token_client(wuhou_investigator)

    body = assert_error(client.post(CASES, {"name": "x"}, format="json"), 400, "invalid")
    assert "accepting_unit" in body["fields"]
    response = client.post(CASES, {"name": "x", "accepting_unit": KUNMING}, format="json")
    assert response.status_code == 201
    assert response.json()["accepting_unit"]["code"] == KUNMING


@pytest.mark.django_db
def test_session_clients_need_the_csrf_token(wuhou_investigator):
    client = session_client(wuhou_investigator)
    assert_error(client.post(CASES, {"name": "x"}, format="json"), 403, "permission_denied")


# --- persons -------------------------------------------------------------------------------------


def persons_url(case) -> str:
    return f"{CASES}{case.pk}/persons/"


@pytest.mark.django_db
def test_a_wrong_check_digit_is_a_field_error_that_says_so(client, draft):
    response = client.post(
        persons_url(draft),
        {"role": "suspect", "name": "张三", "id_type": "resident_id", "id_number": WRONG_DIGIT},
        format="json",
    )

    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["id_number"]
    [message] = body["fields"]["id_number"]
    assert "check digit" in message
    assert VALID_ID[-1] in message
    assert not CasePerson.objects.exists()


@pytest.mark.django_db
def test_the_check_digit_message_is_chinese_by_default(wuhou_investigator, draft):
    client = token_client(wuhou_investigator)
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE", None)
    response = client.post(
        persons_url(draft),
        {"role": "suspect", "name": "张三", "id_type": "resident_id", "id_number": WRONG_DIGIT},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert body["fields"]["id_number"] == [f"校验码应为 {VALID_ID[-1]}，而不是 {WRONG_DIGIT[-1]}。"]


@pytest.mark.parametrize(
    ("number", "code_word"),
    [
        ("51010719900307123", "length"),  # 17 characters
        ("51010719900307123A", "digit or X"),
    ],
)
@pytest.mark.django_db
def test_other_malformed_identity_numbers_are_field_errors(client, draft, number, code_word):
    response = client.post(
        persons_url(draft),
        {"role": "suspect", "name": "张三", "id_type": "resident_id", "id_number": number},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert code_word in body["fields"]["id_number"][0]


@pytest.mark.django_db
def test_a_valid_identity_card_fills_birth_date_and_gender_and_phones_are_normalised(client, draft):
    x_id = make_id_number("510107", dt.date(1975, 12, 31), 2)  # even: a woman
    response = client.post(
        persons_url(draft),
        {
            "role": "victim",
            "name": "李四",
            "id_type": "resident_id",
            "id_number": x_id.lower(),
            "phones": ["+86 138-1234-5678", "028 8765 4321", "13812345678"],
            "bank_accounts": [{"bank": "工商银行", "account_number": "6222 0202 0001 2345 678"}],
            "household_division_code": "530102",
            "habitual_division_code": "440305",
            "habitual_since": "2020-05-01",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    person = response.json()
    assert person["id_number"] == x_id
    assert person["birth_date"] == "1975-12-31"
    assert person["gender"] == "female"
    assert person["phones"] == [PHONE, "02887654321"]
    assert person["bank_accounts"] == [{"bank": "工商银行", "account_number": "6222020200012345678"}]
    assert person["household_unit"] == {"code": "530102", "name": "昆明市公安局五华区分局"}
    # 440305 (深圳市南山区) lies outside the six regions: accepted, with no unit of the system.
    assert person["habitual_division_code"] == "440305"
    assert person["habitual_unit"] is None
    event = AuditEvent.objects.get(action="cases.case.person_added")
    assert event.payload == {"person": person["id"], "role": "victim"}
    assert x_id not in str(event.payload)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("household_division_code", "510199"),  # looks like Chengdu, but no such division
        ("household_division_code", "990101"),  # no such province
        ("household_division_code", "5101"),
        ("habitual_division_code", "000000"),
    ],
)
@pytest.mark.django_db
def test_unknown_division_codes_are_field_errors(client, draft, field, value):
    response = client.post(
        persons_url(draft), {"role": "witness", "name": "王五", field: value}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert field in body["fields"]


@pytest.mark.django_db
def test_other_documents_are_taken_as_entered_and_a_person_may_have_none(client, draft):
    passport = client.post(
        persons_url(draft),
        {"role": "witness", "name": "John Smith", "id_type": "passport", "id_number": "E1234567x"},
        format="json",
    )
    nothing = client.post(persons_url(draft), {"role": "witness", "name": "无名氏"}, format="json")
    number_without_type = client.post(
        persons_url(draft), {"role": "witness", "name": "赵六", "id_number": "12345"}, format="json"
    )

    assert passport.status_code == 201
    assert passport.json()["id_number"] == "E1234567x"
    assert nothing.status_code == 201
    assert (nothing.json()["id_type"], nothing.json()["id_number"]) == ("none", "")
    assert "id_type" in assert_error(number_without_type, 400, "invalid")["fields"]


@pytest.mark.django_db
def test_a_birth_date_that_contradicts_the_identity_card_is_a_field_error(client, draft):
    response = client.post(
        persons_url(draft),
        {
            "role": "suspect",
            "name": "张三",
            "id_type": "resident_id",
            "id_number": VALID_ID,
            "birth_date": "1988-06-02",
        },
        format="json",
    )
    assert "birth_date" in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.django_db
def test_a_bad_phone_is_a_field_error(client, draft):
    response = client.post(
        persons_url(draft), {"role": "suspect", "name": "张三", "phones": ["12"]}, format="json"
    )
    assert "phones" in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.django_db
def test_persons_are_updated_and_removed(client, draft, suspect):
    url = f"{persons_url(draft)}{suspect.pk}/"

    response = client.patch(url, {"name": "张三丰", "phones": ["13900000000"]}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "张三丰"
    assert response.json()["phones"] == ["13900000000"]
    assert response.json()["id_number"] == VALID_ID
    assert list(PersonPhone.objects.filter(person=suspect).values_list("number", flat=True)) == [
        "13900000000"
    ]
    event = AuditEvent.objects.get(action="cases.case.person_updated")
    assert event.payload["fields"] == ["name", "phones"]

    bad = client.patch(url, {"id_number": WRONG_DIGIT}, format="json")
    assert "id_number" in assert_error(bad, 400, "invalid")["fields"]

    assert client.delete(url).status_code == 204
    assert not CasePerson.objects.filter(pk=suspect.pk).exists()
    assert AuditEvent.objects.filter(action="cases.case.person_removed").count() == 1
    assert client.delete(url).status_code == 404


# --- locations -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_locations_carry_their_citation_and_one_is_the_main_one(client, draft):
    url = f"{CASES}{draft.pk}/locations/"

    first = client.post(
        url, {"role": "victim_loss", "division_code": "530102", "is_main": True}, format="json"
    )
    second = client.post(url, {"role": "server", "division_code": "510107", "is_main": True}, format="json")
    outside = client.post(url, {"role": "conduct", "division_code": "350203"}, format="json")
    unknown = client.post(url, {"role": "conduct", "division_code": "520199"}, format="json")

    assert first.status_code == second.status_code == outside.status_code == 201
    assert first.json()["citation"] == "MPS-2020 art 17"
    assert first.json()["division_unit"]["code"] == "530102"
    assert outside.json()["is_outside_system"] is True
    assert "division_code" in assert_error(unknown, 400, "invalid")["fields"]
    body = client.get(detail(draft)).json()
    assert [(loc["role"], loc["is_main"]) for loc in body["locations"]] == [
        ("victim_loss", False),
        ("server", True),
        ("conduct", False),
    ]
    location_url = f"{url}{first.json()['id']}/"
    changed = client.patch(location_url, {"address": "昆明市五华区", "is_main": True}, format="json")
    assert changed.status_code == 200
    assert changed.json()["is_main"] is True
    assert client.delete(location_url).status_code == 204
    assert [loc["role"] for loc in client.get(detail(draft)).json()["locations"]] == ["server", "conduct"]


# --- edits ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_patch_changes_the_case_and_is_audited(client, draft):
    response = client.patch(
        detail(draft), {"name": "5·20 跨省盗窃案", "handling_code": "internal"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "5·20 跨省盗窃案"
    event = AuditEvent.objects.get(action="cases.case.updated")
    assert event.payload == {
        "fields": ["handling_code", "name"],
        "handling_code": {"from": "normal", "to": "internal"},
    }


@pytest.mark.django_db
def test_a_closed_case_cannot_be_edited(wuhou_investigator):
    case = CaseFactory(state=CaseState.CLOSED)

    response = token_client(wuhou_investigator).patch(detail(case), {"name": "x"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["current_state"] == "closed"
    assert (
        token_client(wuhou_investigator)
        .post(persons_url(case), {"role": "witness", "name": "x"}, format="json")
        .status_code
        == 409
    )


@pytest.mark.django_db
def test_a_visible_case_of_another_unit_cannot_be_edited(wuhou_investigator):
    superior = officer("510100")
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)

    response = token_client(superior).patch(detail(case), {"name": "x"}, format="json")

    assert_error(response, 403, "permission_denied")
    assert token_client(superior).get(detail(case)).json()["can_edit"] is False


# --- transitions ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_through_the_api_allocates_the_number(client, draft):
    response = client.post(transition(draft, "register"), {}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "registered"
    assert body["number"] == f"A{WUHOU}{timezone.localdate().year}00001"
    assert body["accepted_at"]
    # An investigator registers and asks for the filing, or not to file; the organ's head decides
    # (MPS-2020 art 178 ¶1).
    assert body["available_transitions"] == ["request_filing", "request_not_filing"]
    assert [entry["action"] for entry in body["timeline"]] == ["created", "register"]


@pytest.mark.django_db
def test_a_transition_that_lost_the_race_is_409_with_the_current_state(client, draft):
    client.post(transition(draft, "register"), {}, format="json")

    response = client.post(transition(draft, "register"), {}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["current_state"] == "registered"
    stale = client.post(transition(draft, "register"), {"expected_state": "draft"}, format="json")
    assert stale.json()["current_state"] == "registered"


@pytest.mark.django_db
def test_a_transition_not_allowed_to_the_user_is_403(client, draft):
    client.post(transition(draft, "register"), {}, format="json")
    assert_error(
        client.post(transition(draft, "start_investigation"), {}, format="json"), 403, "permission_denied"
    )


@pytest.mark.django_db
def test_a_missing_reason_is_400_naming_the_field(wuhou_head):
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)

    body = assert_error(
        token_client(wuhou_head).post(transition(case, "suspend"), {}, format="json"), 400, "invalid"
    )

    assert "reason" in body["fields"]


@pytest.mark.django_db
def test_an_unknown_transition_is_404(client, draft):
    assert_error(client.post(transition(draft, "explode"), {}, format="json"), 404, "not_found")


@pytest.mark.django_db
def test_the_case_no_longer_settles_its_own_jurisdiction(wuhou_unit_head):
    # Issue 17: jurisdiction is settled one way only, through a jurisdiction proceeding; the case's
    # own open_jurisdiction_question / settle_jurisdiction steps are gone from the API (404), their
    # effects taken by the proceeding (tests/jurisdiction).
    client = token_client(wuhou_unit_head)
    pending = CaseFactory(state=CaseState.JURISDICTION_PENDING)
    investigated = CaseFactory(state=CaseState.UNDER_INVESTIGATION)

    settle = client.post(
        transition(pending, "settle_jurisdiction"),
        {"lead_unit": KUNMING, "assisting_units": ["520100"]},
        format="json",
    )
    question = client.post(
        transition(investigated, "open_jurisdiction_question"), {"reason": "管辖争议"}, format="json"
    )

    assert_error(settle, 404, "not_found")
    assert_error(question, 404, "not_found")
    pending.refresh_from_db()
    investigated.refresh_from_db()
    assert (pending.state, pending.lead_unit) == (CaseState.JURISDICTION_PENDING, None)
    assert investigated.state == CaseState.UNDER_INVESTIGATION
    assert (
        "open_jurisdiction_question"
        not in client.get(f"{CASES}{investigated.pk}/").json()["available_transitions"]
    )


# --- masking, full view, export ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_masks_identity_numbers_and_phones(client, suspect):
    response = client.get(CASES)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["persons_count"] == row["suspects_count"] == 1
    assert row["suspects"] == [
        {
            "name": suspect.name,
            "id_type": "resident_id",
            "id_number": VALID_ID[:4] + "*" * 10 + VALID_ID[-4:],
            "phones": ["138****5678"],
        }
    ]
    assert VALID_ID not in response.content.decode()
    assert PHONE not in response.content.decode()


@pytest.mark.django_db
def test_the_detail_shows_identities_in_full_and_each_view_is_audited(client, suspect):
    url = detail(suspect.case)

    first = client.get(url)
    client.get(url)

    assert first.status_code == 200
    [person] = first.json()["persons"]
    assert person["id_number"] == VALID_ID
    assert person["phones"] == [PHONE]
    events = AuditEvent.objects.filter(action="cases.case.viewed_identities", target_id=str(suspect.case_id))
    assert events.count() == 2
    assert events.first().payload == {"persons": 1}
    assert events.first().acting_unit_code == WUHOU


@pytest.mark.django_db
def test_a_detail_without_identities_records_no_identity_view(client, draft):
    client.get(detail(draft))
    assert not AuditEvent.objects.filter(action="cases.case.viewed_identities").exists()


@pytest.mark.django_db
def test_the_export_is_masked_filtered_and_audited(client, suspect):
    other = CaseFactory(state=CaseState.UNDER_INVESTIGATION, name="=HYPERLINK(1)")
    CasePersonFactory(case=other, phones=["13900001111"])

    response = client.get(EXPORT, {"state": "draft"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Case number"
    assert len(rows) == 2  # header and the one draft
    assert VALID_ID not in text and PHONE not in text
    suspects = rows[0].index("Suspects")
    assert VALID_ID[:4] + "*" * 10 + VALID_ID[-4:] in rows[1][suspects]
    assert "138****5678" in rows[1][suspects]
    event = AuditEvent.objects.get(action="cases.case.exported")
    assert event.payload == {"filters": {"state": "draft"}, "rows": 1}

    everything = list(csv.reader(io.StringIO(client.get(EXPORT).content.decode("utf-8-sig"))))
    assert "'=HYPERLINK(1)" in [row[2] for row in everything]


@pytest.mark.django_db
def test_export_accepts_a_csv_accept_header(client, draft):
    response = client.get(EXPORT, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    bad = client.get(EXPORT, {"state": "nonsense"}, HTTP_ACCEPT="text/csv")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"


# --- list filters and query counts ---------------------------------------------------------------


@pytest.mark.django_db
def test_list_filters(wuhou_investigator):
    year = timezone.localdate().year
    fraud = CaseFactory(state=CaseState.UNDER_INVESTIGATION, name="4·15 电信网络诈骗案")
    theft = CaseFactory(state=CaseState.REGISTERED, name="5·20 盗窃案", offence=offence("theft"))
    restricted = CaseFactory(
        state=CaseState.SUSPENDED, handling_code="restricted", external_number="川公刑2026-7"
    )
    draft = CaseFactory()
    client = token_client(wuhou_investigator)

    def ids(**params):
        response = client.get(CASES, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {fraud.pk, theft.pk, restricted.pk, draft.pk}
    assert ids(state="registered") == {theft.pk}
    assert ids(offence="theft") == {theft.pk}
    assert ids(handling_code="restricted") == {restricted.pk}
    assert ids(accepting_unit=WUHOU) == {fraud.pk, theft.pk, restricted.pk, draft.pk}
    assert ids(lead_unit=WUHOU) == {fraud.pk, restricted.pk}
    assert ids(year=year) == {fraud.pk, theft.pk, restricted.pk}
    assert ids(q="盗窃") == {theft.pk}
    assert ids(q=fraud.number) == {fraud.pk}
    assert ids(q="川公刑2026") == {restricted.pk}
    assert "state" in assert_error(client.get(CASES, {"state": "lost"}), 400, "invalid")["fields"]


def _cases_with_facts(count: int):
    for _ in range(count):
        case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
        CasePersonFactory(case=case, phones=["13800000001", "13800000002"])
        CasePersonFactory(case=case, phones=["13800000003"])
        CaseLocationFactory(case=case)


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_5_rows_as_for_50(wuhou_investigator):
    client = token_client(wuhou_investigator)
    client.get(CASES)  # the token's last-used write happens once, here
    _cases_with_facts(5)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(CASES).json()["results"]) == 5
    _cases_with_facts(45)
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get(CASES).json()["results"]) == 50

    assert len(fifty) == len(five)


@pytest.mark.django_db
def test_the_export_costs_the_same_queries_for_5_rows_as_for_50(wuhou_investigator):
    client = token_client(wuhou_investigator)
    client.get(EXPORT)
    _cases_with_facts(5)
    with CaptureQueriesContext(connection) as five:
        client.get(EXPORT)
    _cases_with_facts(45)
    with CaptureQueriesContext(connection) as fifty:
        client.get(EXPORT)

    assert len(fifty) == len(five)


@pytest.mark.django_db
def test_the_list_is_paginated_by_cursor(wuhou_investigator):
    for _ in range(3):
        CaseFactory(state=CaseState.REGISTERED)
    client = token_client(wuhou_investigator)

    first = client.get(CASES, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert first["results"][0]["id"] > first["results"][1]["id"] > second["results"][0]["id"]


@pytest.mark.django_db
def test_member_personas_with_passwords_work_too(db):
    # The department head asks for the filing, the unit head approves it (MPS-2020 art 178).
    user = member(WUHOU, Role.DEPARTMENT_HEAD, department_kind="criminal")
    head = member(WUHOU, Role.UNIT_HEAD)
    case = CaseFactory(state=CaseState.REGISTERED)
    body = {"reasons": "有犯罪事实需要追究刑事责任"}
    response = token_client(user).post(transition(case, "request_filing"), body, format="json")
    assert response.status_code == 200
    response = token_client(head).post(transition(case, "start_investigation"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["lead_unit"]["code"] == WUHOU
