"""Building the rules engine's input from a case in the database, in a constant number of queries."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases import models as case_models
from cases.models import Case, CaseState, LocationRole, PersonRole
from jurisdiction import rules
from jurisdiction.facts import case_analysis, case_facts, judged_on, unit_ref
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, CasePersonFactory, unit

WUHOU, LIANGJIANG, WUHUA, PANLONG, NANMING, KUNMING = (
    "510107",
    "500157",
    "530102",
    "530103",
    "520102",
    "530100",
)
pytestmark = pytest.mark.django_db

ACCEPTED_AT = dt.datetime(2026, 4, 15, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def telecom_case(*, created_by=None, lead_unit=None, victim_places: int = 2, suspects: int = 2) -> Case:
    """Issue 5's fraud: server in Chongqing, victims in Kunming, suspects in Guiyang, accepted in Chengdu."""
    case = CaseFactory(
        name="4·15 电信网络诈骗案",
        accepting_unit=unit(WUHOU),
        state=CaseState.UNDER_INVESTIGATION if lead_unit else CaseState.REGISTERED,
        accepted_at=ACCEPTED_AT,
        lead_unit=lead_unit,
        created_by=created_by,
    )
    CaseLocationFactory(
        case=case, role=LocationRole.SERVER, division_code=LIANGJIANG, address="两江新区某数据中心"
    )
    for index in range(victim_places):
        CaseLocationFactory(
            case=case,
            role=LocationRole.VICTIM_LOSS,
            division_code=WUHUA,
            address=f"五华区某小区{index + 1}栋",
            victim_count=30 if index == 0 else 1,
            loss_amount=Decimal("1200000.00") if index == 0 else Decimal("10000.00"),
        )
    for index in range(suspects):
        CasePersonFactory(case=case, name=f"嫌疑人{index + 1}")  # household 520102 南明区
    CasePersonFactory(
        case=case,
        role=PersonRole.VICTIM,
        name="被害人甲",
        household_division_code=WUHUA,
        household_unit=unit(WUHUA),
    )
    return case


def test_the_engine_knows_every_place_role_and_agrees_on_citations():
    # MPS-2020's places and the telecom-fraud opinions' (法发〔2016〕32号 §5, 法发〔2021〕22号 §1)
    assert set(LocationRole.values) == set(rules.ALL_PLACE_RULES) | {rules.OTHER_PLACE}
    assert set(rules.ROLE_LABELS) == set(LocationRole.values)
    for role, (_kind, citation, _condition) in rules.ALL_PLACE_RULES.items():
        assert case_models.LOCATION_CITATIONS[role] == citation
    assert case_models.RULES_VERSION == rules.RULES_VERSION
    assert {PersonRole.SUSPECT, PersonRole.VICTIM} == {rules.SUSPECT, rules.VICTIM}


def test_telecom_fraud_case_shows_four_candidate_units_with_citations(wuhou_investigator):
    case = telecom_case(created_by=wuhou_investigator)
    analysis = case_analysis(Case.objects.get(pk=case.pk))
    assert [(c.unit.code, c.kinds, c.citations) for c in analysis.candidates] == [
        (WUHOU, (rules.ACCEPTED_WITHOUT_BASIS,), ("MPS-2020 art 175",)),
        (LIANGJIANG, (rules.NETWORK,), ("MPS-2020 art 17",)),
        # residence founds jurisdiction by art 15 (art 16 defines the terms; corrected in issue 18)
        (NANMING, (rules.SUSPECT_HOUSEHOLD,), ("MPS-2020 art 15",)),
        (WUHUA, (rules.NETWORK,), ("MPS-2020 art 17",)),
    ]
    assert analysis.candidate(WUHUA).unit.name == "昆明市公安局五华区分局"
    assert analysis.recommendation.unit.code == WUHUA
    assert analysis.recommendation.outcome == rules.TRANSFER
    victims, losses = analysis.factor("victims"), analysis.factor("losses")
    assert [unit.code for unit in victims.leaders] == [WUHUA]
    assert [unit.code for unit in losses.leaders] == [WUHUA]
    assert victims.row(WUHUA).value == 31
    assert losses.row(WUHUA).value == Decimal("1210000.00")
    assert analysis.factor("victims_resident").row(WUHUA).text_zh == "被害人被害人甲居住于此"
    assert analysis.common_superior.name == "公安部"


def test_facts_carry_the_case_as_stored(wuhou_investigator):
    case = telecom_case(created_by=wuhou_investigator)
    facts = case_facts(Case.objects.get(pk=case.pk))
    assert facts.accepting_unit == rules.UnitRef(
        WUHOU, "成都市公安局武侯区分局", "000000.510000.510100.510107"
    )
    assert facts.accepted_on == dt.date(2026, 4, 15)
    assert facts.lead_unit is None
    assert (facts.case_name, facts.case_number) == ("4·15 电信网络诈骗案", case.number)
    assert [(p.role, p.division_code, p.unit.code, p.victim_count) for p in facts.places] == [
        ("server", LIANGJIANG, LIANGJIANG, None),
        ("victim_loss", WUHUA, WUHUA, 30),
        ("victim_loss", WUHUA, WUHUA, 1),
    ]
    assert facts.places[1].loss_amount == Decimal("1200000.00")
    assert [(p.role, p.name, p.household_unit.code) for p in facts.persons] == [
        ("suspect", "嫌疑人1", NANMING),
        ("suspect", "嫌疑人2", NANMING),
        ("victim", "被害人甲", WUHUA),
    ]
    assert {superior.code for superior in facts.superiors} == {
        "000000",
        "500000",
        "510000",
        "510100",
        "520000",
        "520100",
        "530000",
        "530100",
    }


@pytest.mark.parametrize(("victim_places", "suspects"), [(1, 1), (12, 9)], ids=["small case", "large case"])
def test_facts_cost_six_queries_however_large_the_case(django_assert_num_queries, victim_places, suspects):
    case = telecom_case(lead_unit=unit(KUNMING), victim_places=victim_places, suspects=suspects)
    fresh = Case.objects.get(pk=case.pk)
    # the accepting and lead units, the places, the persons, the charges, the grouping with the
    # linked cases (issue 18), the superiors
    with django_assert_num_queries(6) as captured:
        analysis = case_analysis(fresh)
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in captured.captured_queries)
    assert len(analysis.candidates) == 5


def test_units_joined_by_the_caller_save_a_query(django_assert_num_queries):
    case = telecom_case()
    joined = Case.objects.select_related("accepting_unit", "lead_unit").get(pk=case.pk)
    with django_assert_num_queries(5):
        case_facts(joined)


def test_the_designated_kunming_bureau_leads_with_the_victims_in_its_area(kunming_intake_officer):
    kunming = kunming_intake_officer.memberships.get().unit
    case = telecom_case(lead_unit=kunming)
    analysis = case_analysis(Case.objects.get(pk=case.pk))
    bureau = analysis.candidate(KUNMING)
    assert bureau.kinds == (rules.LEAD_UNIT, rules.NETWORK)
    assert bureau.citations == ("MPS-2020 art 22", "MPS-2020 art 17")
    assert analysis.factor("stage").leaders == (unit_ref(kunming),)
    assert analysis.factor("victims").row(KUNMING).value == 31


def test_habitual_residence_is_judged_on_the_day_the_case_was_accepted():
    case = telecom_case(suspects=0)
    for name, since in (("老住户", dt.date(2025, 4, 15)), ("新住户", dt.date(2025, 4, 16))):
        CasePersonFactory(
            case=case,
            name=name,
            habitual_division_code=PANLONG,
            habitual_unit=unit(PANLONG),
            habitual_since=since,
        )
    fresh = Case.objects.get(pk=case.pk)
    assert judged_on(fresh) == dt.date(2026, 4, 15)
    counts = {person.name: person.habitual_counts for person in case_facts(fresh).persons}
    assert counts == {"被害人甲": False, "老住户": True, "新住户": False}
    later = {
        person.name: person.habitual_counts for person in case_facts(fresh, on=dt.date(2026, 4, 16)).persons
    }
    assert later["新住户"] is True
    analysis = case_analysis(fresh)
    assert analysis.candidate(PANLONG).basis(rules.SUSPECT_HABITUAL).facts == (
        "犯罪嫌疑人老住户经常居住地：昆明市公安局盘龙区分局辖区（530103），自2025-04-15起连续居住满一年",
    )
    assert "habitual_too_short" in analysis.note_keys()


def test_a_place_outside_the_six_regions_is_reported_not_a_candidate():
    case = telecom_case()
    CaseLocationFactory(
        case=case, role=LocationRole.VICTIM_LOSS, division_code="440305", address="深圳市南山区"
    )
    analysis = case_analysis(Case.objects.get(pk=case.pk))
    assert [item.division_code for item in analysis.outside_system] == ["440305"]
    assert analysis.candidate("440305") is None
    assert "outside_system" in analysis.note_keys()


def test_a_draft_is_judged_today(wuhou_investigator):
    draft = CaseFactory(accepting_unit=unit(WUHOU), created_by=wuhou_investigator)
    CaseLocationFactory(case=draft, role=LocationRole.CONDUCT, division_code=WUHOU)
    fresh = Case.objects.get(pk=draft.pk)
    facts = case_facts(fresh)
    assert facts.accepted_on is None
    assert judged_on(fresh) == timezone.localdate()
    analysis = rules.analyse(facts)
    assert analysis.recommendation.unit.code == WUHOU
    assert analysis.candidate(WUHOU).basis(rules.FIRST_ACCEPTING).facts == ("最初受理本案（尚未登记受理）",)


# --- the charges select the rule set (issue 18) ----------------------------------------------------


def _charge(code):
    return case_models.Charge.objects.get(code=code)


def test_fraud_under_the_telecom_grouping_selects_the_telecom_rules_fa_fa_2016_32_section_5():
    case = telecom_case()
    case.offence = case_models.Offence.objects.get(code="telecom_fraud")
    case.save(update_fields=["offence"])
    case.charges.set([_charge("fraud")])
    CaseLocationFactory(case=case, role=LocationRole.FRAUD_CALL_MADE, division_code=PANLONG)
    facts = case_facts(Case.objects.get(pk=case.pk))
    assert facts.grouping == "telecom_fraud"
    assert facts.charges == (rules.Charge("fraud", "诈骗罪", "CL art 266"),)
    analysis = case_analysis(Case.objects.get(pk=case.pk))
    assert analysis.rule_set == rules.TELECOM_FRAUD
    assert analysis.candidate(PANLONG).basis(rules.CRIME_CONDUCT).citation == "法发〔2016〕32号 §5"


def test_fraud_under_another_grouping_keeps_mps_2020_alone_mps_2020_art_15_2():
    case = telecom_case()
    case.offence = case_models.Offence.objects.get(code="fraud")
    case.save(update_fields=["offence"])
    case.charges.set([_charge("fraud")])
    CaseLocationFactory(case=case, role=LocationRole.BANK_CARD, division_code=PANLONG)
    analysis = case_analysis(Case.objects.get(pk=case.pk))
    assert analysis.rule_set == rules.MPS_2020
    assert analysis.candidate(PANLONG) is None
    assert "telecom_place_not_applicable" in analysis.note_keys()


def test_several_charges_and_a_merged_case_make_a_merge_possible_mps_2020_art_21_2():
    case = telecom_case(suspects=1)
    case.charges.set([_charge("fraud"), _charge("personal_information")])
    CaseFactory(accepting_unit=unit(WUHUA), merged_into=case)
    facts = case_facts(Case.objects.get(pk=case.pk))
    assert facts.linked_cases == 1
    assert [charge.article for charge in facts.charges] == ["CL art 266", "CL art 253之一"]
    assert "merge_possible" in case_analysis(Case.objects.get(pk=case.pk)).note_keys()
