"""The jurisdiction rules engine, tested as plain functions on plain facts (no database).

Units are the real ones of organisation/data/units.csv, read straight from the file, so every
scenario names police organs that exist in the system's tree.
"""

import ast
import json
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from jurisdiction import rules
from jurisdiction.rules import (
    ACCEPTED_WITHOUT_BASIS,
    ART_15,
    ART_16,
    ART_17,
    ART_18,
    ART_21,
    ART_21_2,
    ART_22,
    ART_24,
    ART_26,
    ART_175,
    ART_184,
    CRIME_CONDUCT,
    CRIME_LOCATION,
    CRIME_RESULT,
    FIRST_ACCEPTING,
    IF_MORE_SUITABLE,
    IF_NECESSARY,
    KEEP,
    LEAD_UNIT,
    MAIN_CRIME_LOCATION,
    MOST_HARM,
    NETWORK,
    NONE_IN_SYSTEM,
    PROCEEDS,
    RESIDENCE,
    RULES_VERSION,
    SUSPECT_HABITUAL,
    SUSPECT_HOUSEHOLD,
    TRANSFER,
    VEHICLE,
    CaseFacts,
    Charge,
    Place,
    analyse,
)
from tests.support.rules_facts import (
    CHENGDU_WUHOU,
    CHONGQING_LIANGJIANG,
    GUIYANG_NANMING,
    KUNMING_WUHUA,
    ROOT,
    facts,
    place,
    suspect,
    telecom_fraud,
    u,
)


def bus_theft(accepting: str = "511011"):
    """A theft on a long-distance bus 成都→重庆, found out before its first stop at 内江 (art 18)."""
    return facts(
        accepting,
        place("vehicle_origin", "510108", address="成都五桂桥汽车站"),
        place("vehicle_first_stop", "511011", address="内江汽车站"),
        place("vehicle_transit", "500153", address="荣昌服务区"),
        place("vehicle_destination", "500107", address="重庆陈家坪汽车站"),
        persons=[suspect("赵某", "511011")],
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    facts: CaseFacts
    # unit code → the bases expected there, as (kind, citation, condition)
    expected: dict[str, set[tuple[str, str, str]]]
    outside: set[str] = field(default_factory=set)


def B(kind: str, citation: str, condition: str = "") -> tuple[str, str, str]:
    return kind, citation, condition


# Residence founds jurisdiction by MPS-2020 art 15; art 16 only defines the terms.
HOUSEHOLD = B(SUSPECT_HOUSEHOLD, ART_15, IF_MORE_SUITABLE)
HABITUAL = B(SUSPECT_HABITUAL, ART_15, IF_MORE_SUITABLE)
FIRST = B(FIRST_ACCEPTING, ART_21)
NO_BASIS = B(ACCEPTED_WITHOUT_BASIS, ART_175)

SCENARIOS = [
    Scenario(
        "telecom fraud: Chongqing server, Kunming victims, Guiyang suspects, accepted in Chengdu",
        telecom_fraud(),
        {
            CHENGDU_WUHOU: {NO_BASIS},
            CHONGQING_LIANGJIANG: {B(NETWORK, ART_17)},
            KUNMING_WUHUA: {B(NETWORK, ART_17)},
            GUIYANG_NANMING: {HOUSEHOLD},
        },
    ),
    Scenario(
        "telecom fraud with one victim in Chengdu: the first-accepting unit has jurisdiction",
        telecom_fraud(chengdu_victim=True),
        {
            CHENGDU_WUHOU: {FIRST, B(NETWORK, ART_17)},
            CHONGQING_LIANGJIANG: {B(NETWORK, ART_17)},
            KUNMING_WUHUA: {B(NETWORK, ART_17)},
            GUIYANG_NANMING: {HOUSEHOLD},
        },
    ),
    Scenario(
        "telecom fraud with Kunming marked as the main crime location",
        telecom_fraud(chengdu_victim=True, kunming_main=True),
        {
            CHENGDU_WUHOU: {FIRST, B(NETWORK, ART_17)},
            CHONGQING_LIANGJIANG: {B(NETWORK, ART_17)},
            KUNMING_WUHUA: {B(NETWORK, ART_17), B(MAIN_CRIME_LOCATION, ART_21)},
            GUIYANG_NANMING: {HOUSEHOLD},
        },
    ),
    Scenario(
        "telecom fraud after 公安部 designated 昆明市公安局: it leads with the Kunming victims in its area",
        telecom_fraud(lead="530100"),
        {
            CHENGDU_WUHOU: {NO_BASIS},
            "530100": {B(LEAD_UNIT, ART_22), B(NETWORK, ART_17)},
            CHONGQING_LIANGJIANG: {B(NETWORK, ART_17)},
            KUNMING_WUHUA: {B(NETWORK, ART_17)},
            GUIYANG_NANMING: {HOUSEHOLD},
        },
    ),
    Scenario(
        "theft on a long-distance bus accepted at the first stop",
        bus_theft(),
        {
            "511011": {FIRST, B(VEHICLE, ART_18), HOUSEHOLD},
            "510108": {B(VEHICLE, ART_18, IF_NECESSARY)},
            "500153": {B(VEHICLE, ART_18, IF_NECESSARY)},
            "500107": {B(VEHICLE, ART_18, IF_NECESSARY)},
        },
    ),
    Scenario(
        "theft on a long-distance bus accepted at the destination",
        bus_theft("500107"),
        {
            "500107": {FIRST, B(VEHICLE, ART_18, IF_NECESSARY)},
            "511011": {B(VEHICLE, ART_18), HOUSEHOLD},
            "510108": {B(VEHICLE, ART_18, IF_NECESSARY)},
            "500153": {B(VEHICLE, ART_18, IF_NECESSARY)},
        },
    ),
    Scenario(
        "two branches of one city: theft in 锦江, stolen goods sold in 金牛",
        facts(
            "510104",
            place("conduct", "510104", address="春熙路某商场"),
            place("proceeds", "510106", address="金牛区某二手市场"),
        ),
        {"510104": {FIRST, B(CRIME_CONDUCT, ART_16)}, "510106": {B(PROCEEDS, ART_16)}},
    ),
    Scenario(
        "two branches of one city: conduct in 青羊, result in 成华, accepted where the result fell",
        facts(
            "510108",
            place("conduct", "510105", address="青羊区某写字楼"),
            place("result", "510108", address="成华区某小区"),
        ),
        {"510108": {FIRST, B(CRIME_RESULT, ART_16)}, "510105": {B(CRIME_CONDUCT, ART_16)}},
    ),
    Scenario(
        "one person committing thefts in three provinces, living in Chongqing",
        facts(
            KUNMING_WUHUA,
            place("conduct", CHENGDU_WUHOU, address="武侯区某小区"),
            place("conduct", KUNMING_WUHUA, address="五华区某小区"),
            place("conduct", GUIYANG_NANMING, address="南明区某小区"),
            persons=[suspect("钱某", "500103")],
        ),
        {
            KUNMING_WUHUA: {FIRST, B(CRIME_CONDUCT, ART_16)},
            CHENGDU_WUHOU: {B(CRIME_CONDUCT, ART_16)},
            GUIYANG_NANMING: {B(CRIME_CONDUCT, ART_16)},
            "500103": {HOUSEHOLD},
        },
    ),
    Scenario(
        "the city bureau accepts a fraud whose victims are in one of its branches' areas",
        facts("530100", place("victim_loss", KUNMING_WUHUA, victim_count=3)),
        {"530100": {FIRST, B(NETWORK, ART_17)}, KUNMING_WUHUA: {B(NETWORK, ART_17)}},
    ),
    Scenario(
        "accepted by the police of the suspect's household only",
        facts(
            GUIYANG_NANMING,
            place("conduct", CHENGDU_WUHOU),
            persons=[suspect("孙某", GUIYANG_NANMING)],
        ),
        {GUIYANG_NANMING: {FIRST, HOUSEHOLD}, CHENGDU_WUHOU: {B(CRIME_CONDUCT, ART_16)}},
    ),
    Scenario(
        "a habitual residence of more than a year founds jurisdiction beside the household",
        facts(
            CHENGDU_WUHOU,
            place("conduct", CHENGDU_WUHOU),
            persons=[suspect("周某", GUIYANG_NANMING, "530103", habitual_since=date(2023, 5, 1))],
        ),
        {
            CHENGDU_WUHOU: {FIRST, B(CRIME_CONDUCT, ART_16)},
            GUIYANG_NANMING: {HOUSEHOLD},
            "530103": {HABITUAL},
        },
    ),
    Scenario(
        "a habitual residence of less than a year founds nothing",
        facts(
            CHENGDU_WUHOU,
            place("conduct", CHENGDU_WUHOU),
            persons=[
                suspect("吴某", GUIYANG_NANMING, "530103", counts=False, habitual_since=date(2026, 1, 1))
            ],
        ),
        {CHENGDU_WUHOU: {FIRST, B(CRIME_CONDUCT, ART_16)}, GUIYANG_NANMING: {HOUSEHOLD}},
    ),
    Scenario(
        "a conduct place in Shenzhen is outside the system, never a candidate",
        facts(CHENGDU_WUHOU, place("conduct", "440305"), place("result", CHENGDU_WUHOU)),
        {CHENGDU_WUHOU: {FIRST, B(CRIME_RESULT, ART_16)}},
        outside={"440305"},
    ),
    Scenario(
        "a suspect registered in Guangdong: the residence is outside the system",
        facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU), persons=[suspect("郑某", "440305")]),
        {CHENGDU_WUHOU: {FIRST, B(CRIME_CONDUCT, ART_16)}},
        outside={"440305"},
    ),
    Scenario(
        "network intrusion: attacked system, the suspect's system and the provider in three regions",
        facts(
            "500103",
            place("victim_system", "500103", address="渝中区某公司"),
            place("offender_system", GUIYANG_NANMING),
            place("provider", CHENGDU_WUHOU),
        ),
        {
            "500103": {FIRST, B(NETWORK, ART_17)},
            GUIYANG_NANMING: {B(NETWORK, ART_17)},
            CHENGDU_WUHOU: {B(NETWORK, ART_17)},
        },
    ),
    Scenario(
        "proceeds withdrawn in 楚雄 from a fraud committed in Kunming",
        facts("532301", place("conduct", KUNMING_WUHUA), place("proceeds", "532301", address="楚雄市某银行")),
        {"532301": {FIRST, B(PROCEEDS, ART_16)}, KUNMING_WUHUA: {B(CRIME_CONDUCT, ART_16)}},
    ),
    Scenario(
        "Qinghai and Tibet: the victim's phone used in 西宁, the server in 拉萨",
        facts("630102", place("victim_system_used", "630102"), place("server", "540102")),
        {"630102": {FIRST, B(NETWORK, ART_17)}, "540102": {B(NETWORK, ART_17)}},
    ),
    Scenario(
        "an 'other place' founds no jurisdiction",
        facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU), place("other", GUIYANG_NANMING)),
        {CHENGDU_WUHOU: {FIRST, B(CRIME_CONDUCT, ART_16)}},
    ),
    Scenario(
        "a lead unit designated without a basis of its own",
        facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU), lead="510703"),
        {CHENGDU_WUHOU: {FIRST, B(CRIME_CONDUCT, ART_16)}, "510703": {B(LEAD_UNIT, ART_22)}},
    ),
    Scenario(
        "everything in one county: one candidate",
        facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU), place("result", CHENGDU_WUHOU)),
        {CHENGDU_WUHOU: {FIRST, B(CRIME_CONDUCT, ART_16), B(CRIME_RESULT, ART_16)}},
    ),
    Scenario(
        "a place known only to the city: its code maps to the city bureau",
        facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU), place("victim_loss", "530100")),
        {CHENGDU_WUHOU: {FIRST, B(CRIME_CONDUCT, ART_16)}, "530100": {B(NETWORK, ART_17)}},
    ),
    Scenario(
        "a draft not yet accepted still names its accepting unit",
        facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU), accepted_on=None),
        {CHENGDU_WUHOU: {FIRST, B(CRIME_CONDUCT, ART_16)}},
    ),
    Scenario(
        "Tibet: conduct in 拉萨, suspect living in 西宁, accepted by the residence police",
        facts("630102", place("conduct", "540102"), persons=[suspect("冯某", "630102")]),
        {"630102": {FIRST, HOUSEHOLD}, "540102": {B(CRIME_CONDUCT, ART_16)}},
    ),
    Scenario(
        "nothing founds jurisdiction in the system",
        facts(CHENGDU_WUHOU, place("conduct", "440305")),
        {CHENGDU_WUHOU: {NO_BASIS}},
        outside={"440305"},
    ),
]


def scenario_facts(prefix: str) -> CaseFacts:
    (found,) = [scenario for scenario in SCENARIOS if scenario.name.startswith(prefix)]
    return found.facts


def _bases_by_unit(analysis) -> dict[str, set[tuple[str, str, str]]]:
    return {
        candidate.unit.code: {(basis.kind, basis.citation, basis.condition) for basis in candidate.bases}
        for candidate in analysis.candidates
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.name for scenario in SCENARIOS])
def test_candidates_bases_and_citations(scenario):
    analysis = analyse(scenario.facts)
    assert analysis.candidates[0].unit == scenario.facts.accepting_unit
    assert {c.unit.code for c in analysis.candidates} == set(scenario.expected)
    assert _bases_by_unit(analysis) == scenario.expected
    assert {item.division_code for item in analysis.outside_system} == scenario.outside
    for candidate in analysis.candidates:
        assert candidate.unit == u(candidate.unit.code)
        for basis in candidate.bases:
            assert basis.facts and all(text.strip() for text in basis.facts)
            assert basis.citation.startswith(f"{RULES_VERSION} art ")


def test_at_least_twenty_scenarios():
    assert len(SCENARIOS) >= 20
    assert len({scenario.name for scenario in SCENARIOS}) == len(SCENARIOS)


# --- the telecom fraud in detail -----------------------------------------------------------


def test_telecom_fraud_shows_four_candidate_units_with_citations():
    analysis = analyse(telecom_fraud())
    assert [(c.unit.name, c.citations) for c in analysis.candidates] == [
        ("成都市公安局武侯区分局", (ART_175,)),
        ("重庆市公安局两江新区分局", (ART_17,)),
        ("贵阳市公安局南明区分局", (ART_15,)),
        ("昆明市公安局五华区分局", (ART_17,)),
    ]
    kunming = analysis.candidate(KUNMING_WUHUA)
    assert kunming.basis(NETWORK).facts == (
        "被害人被侵害时所在地和被害人财产遭受损失地：五华区某小区（530102），被害人30人，损失1,200,000.00元",
        "被害人被侵害时所在地和被害人财产遭受损失地：五华区某商场（530102），被害人5人，损失80,000.00元",
    )
    assert kunming.basis(NETWORK).roles == ("victim_loss",)
    assert analysis.candidate(CHONGQING_LIANGJIANG).basis(NETWORK).facts == (
        "用于实施犯罪行为的网络服务使用的服务器所在地：两江新区某数据中心（500157）",
    )
    guiyang = analysis.candidate(GUIYANG_NANMING).basis(SUSPECT_HOUSEHOLD)
    assert guiyang.facts == (
        "犯罪嫌疑人张某户籍所在地：贵阳市南明区某街道（520102）",
        "犯罪嫌疑人李某户籍所在地：贵阳市公安局南明区分局辖区（520102）",
    )
    assert guiyang.secondary and guiyang.condition == IF_MORE_SUITABLE
    assert not analysis.candidate(CHENGDU_WUHOU).has_jurisdiction
    assert analysis.common_superior == u("000000")


def test_telecom_fraud_factors_show_kunming_has_most_victims_and_losses():
    analysis = analyse(telecom_fraud())
    victims, losses = analysis.factor("victims"), analysis.factor("losses")
    assert victims.leaders == (u(KUNMING_WUHUA),)
    assert losses.leaders == (u(KUNMING_WUHUA),)
    assert victims.row(KUNMING_WUHUA).value == 35
    assert victims.row(KUNMING_WUHUA).text_zh == "被害人35人"
    assert victims.row(KUNMING_WUHUA).leads
    assert losses.row(KUNMING_WUHUA).value == Decimal("1280000.00")
    assert losses.row(KUNMING_WUHUA).text_zh == "损失1,280,000.00元"
    assert not losses.row(CHONGQING_LIANGJIANG).leads
    assert analysis.factor("suspects").leaders == (u(GUIYANG_NANMING),)
    assert analysis.factor("suspects").row(GUIYANG_NANMING).text_zh == "犯罪嫌疑人张某、李某居住于此"
    assert analysis.factor("evidence").leaders == (u(CHONGQING_LIANGJIANG),)
    assert analysis.factor("victims_resident").leaders == (u(KUNMING_WUHUA),)
    stage = analysis.factor("stage")
    assert stage.leaders == (u(CHENGDU_WUHOU),)
    assert stage.row(CHENGDU_WUHOU).value == "first_accepting"
    assert stage.row(CHENGDU_WUHOU).text_zh == "2026-04-15最初受理"


def test_factors_are_side_by_side_without_a_score():
    analysis = analyse(telecom_fraud())
    assert [factor.key for factor in analysis.factors] == [
        "crime_places",
        "victims",
        "losses",
        "suspects",
        "evidence",
        "victims_resident",
        "stage",
    ]
    codes = [candidate.unit.code for candidate in analysis.candidates]
    for factor in analysis.factors:
        assert [row.unit.code for row in factor.rows] == codes
        assert factor.label_zh and factor.label_en and factor.guideline
        assert {row.unit for row in factor.rows if row.leads} == set(factor.leaders)
    data = analysis.to_dict()
    assert not any("score" in key for key in data)
    assert not any("score" in key for key in data["factors"][0]["rows"][0])


def test_telecom_fraud_without_basis_in_chengdu_transfers_to_kunming():
    recommendation = analyse(telecom_fraud()).recommendation
    assert recommendation.outcome == TRANSFER
    assert recommendation.must_transfer
    assert recommendation.unit == u(KUNMING_WUHUA)
    # At intake (no 立案 yet) the transfer is art 175's alone; art 184 is the transfer after 立案.
    assert recommendation.citations[:2] == (ART_175, ART_21)
    assert ART_184 not in recommendation.citations
    assert "对本案没有管辖权，应当在24小时内移送" in recommendation.explanation_zh
    assert (
        "建议移送昆明市公安局五华区分局：该地被害人35人、损失1,280,000.00元" in recommendation.explanation_zh
    )
    assert "must transfer the case within 24 hours" in recommendation.explanation_en
    assert [(a.unit.code, a.kind, a.citation) for a in recommendation.alternatives] == [
        (CHONGQING_LIANGJIANG, CRIME_LOCATION, ART_17),
        (GUIYANG_NANMING, RESIDENCE, ART_15),
    ]
    assert "由其管辖更为适宜的，可以由其管辖" in recommendation.alternatives[1].explanation_zh


def test_after_designation_the_lead_is_noted_and_keeps_its_basis():
    analysis = analyse(telecom_fraud(lead="530100"))
    lead_fixed = next(note for note in analysis.notes if note.key == "lead_fixed")
    assert lead_fixed.text_zh.startswith("本案已经确定由昆明市公安局承办（MPS-2020 art 22）")
    assert "lead_without_basis" not in analysis.note_keys()
    assert analysis.factor("stage").leaders == (u("530100"),)
    assert analysis.factor("victims").row("530100").leads


def test_a_transfer_hides_no_unit_with_jurisdiction():
    analysis = analyse(telecom_fraud())
    named = {analysis.recommendation.unit.code} | {a.unit.code for a in analysis.recommendation.alternatives}
    assert named == {c.unit.code for c in analysis.candidates if c.has_jurisdiction}


def test_first_accepting_unit_with_a_basis_keeps_the_case_and_most_harm_is_an_alternative():
    recommendation = analyse(telecom_fraud(chengdu_victim=True)).recommendation
    assert recommendation.outcome == KEEP
    assert not recommendation.must_transfer
    assert recommendation.unit == u(CHENGDU_WUHOU)
    assert recommendation.citations == (ART_21, ART_17, ART_15)
    assert recommendation.explanation_zh.startswith(
        "成都市公安局武侯区分局最初受理本案，且是本案网络犯罪案件管辖地的公安机关"
    )
    assert "由最初受理的公安机关管辖（MPS-2020 art 21）" in recommendation.explanation_zh
    assert "first-accepting one keeps the case" in recommendation.explanation_en
    # The server's police in Chongqing have jurisdiction too: named even though the case stays.
    assert [(a.unit.code, a.kind) for a in recommendation.alternatives] == [
        (KUNMING_WUHUA, MOST_HARM),
        (CHONGQING_LIANGJIANG, CRIME_LOCATION),
        (GUIYANG_NANMING, RESIDENCE),
    ]
    assert "被害人35人、损失1,280,000.00元" in recommendation.alternatives[0].explanation_zh
    assert "必要时可认定为主要犯罪地" in recommendation.alternatives[0].explanation_zh


def test_a_marked_main_crime_location_may_take_the_case_where_necessary():
    recommendation = analyse(telecom_fraud(chengdu_victim=True, kunming_main=True)).recommendation
    assert recommendation.unit == u(CHENGDU_WUHOU)
    main = recommendation.alternatives[0]
    assert (main.unit.code, main.kind, main.citation) == (KUNMING_WUHUA, MAIN_CRIME_LOCATION, ART_21)
    assert main.explanation_zh == (
        "昆明市公安局五华区分局是主要犯罪地的公安机关（被害人35人、损失1,280,000.00元），"
        "必要时可以由其管辖（MPS-2020 art 21）。"
    )
    assert "where necessary" in main.explanation_en
    assert MOST_HARM not in {a.kind for a in recommendation.alternatives}


def test_without_a_basis_the_case_goes_to_the_marked_main_crime_location():
    main_in_chongqing = facts(
        CHENGDU_WUHOU,
        place("server", CHONGQING_LIANGJIANG, is_main=True),
        place("victim_loss", KUNMING_WUHUA, victim_count=30),
    )
    recommendation = analyse(main_in_chongqing).recommendation
    assert (recommendation.outcome, recommendation.unit) == (TRANSFER, u(CHONGQING_LIANGJIANG))
    assert "建议移送主要犯罪地的重庆市公安局两江新区分局（MPS-2020 art 21）" in recommendation.explanation_zh
    assert [(a.unit.code, a.kind) for a in recommendation.alternatives] == [(KUNMING_WUHUA, MOST_HARM)]


def test_crime_locations_of_equal_weight_leave_the_choice_to_negotiation():
    tie = facts(CHENGDU_WUHOU, place("conduct", KUNMING_WUHUA), place("conduct", GUIYANG_NANMING))
    recommendation = analyse(tie).recommendation
    assert (recommendation.outcome, recommendation.unit) == (TRANSFER, None)
    assert ART_22 in recommendation.citations
    assert "协商确定接收单位" in recommendation.explanation_zh
    assert {a.unit.code for a in recommendation.alternatives} == {KUNMING_WUHUA, GUIYANG_NANMING}


def test_with_only_a_residence_in_the_system_the_case_goes_there():
    only_residence = facts(
        CHENGDU_WUHOU, place("conduct", "440305"), persons=[suspect("陈某", GUIYANG_NANMING)]
    )
    recommendation = analyse(only_residence).recommendation
    assert (recommendation.outcome, recommendation.unit) == (TRANSFER, u(GUIYANG_NANMING))
    assert recommendation.citations == (ART_175, ART_15)
    assert "犯罪嫌疑人居住地的贵阳市公安局南明区分局" in recommendation.explanation_zh


def test_with_no_basis_in_the_system_the_recommendation_names_no_unit():
    analysis = analyse(facts(CHENGDU_WUHOU, place("conduct", "440305")))
    assert (analysis.recommendation.outcome, analysis.recommendation.unit) == (NONE_IN_SYSTEM, None)
    assert analysis.recommendation.must_transfer
    assert "系统外有管辖权的公安机关" in analysis.recommendation.explanation_zh
    assert "outside_system" in analysis.note_keys()


def test_residence_police_that_accepted_first_keep_the_case_when_more_suitable():
    residence = facts(
        GUIYANG_NANMING, place("conduct", CHENGDU_WUHOU), persons=[suspect("孙某", GUIYANG_NANMING)]
    )
    recommendation = analyse(residence).recommendation
    assert (recommendation.outcome, recommendation.unit) == (KEEP, u(GUIYANG_NANMING))
    assert recommendation.citations == (ART_21, ART_15, ART_16)
    assert "但其依据均附条件：管辖更为适宜的（MPS-2020 art 15）" in recommendation.explanation_zh
    # The crime location's police (the default of art 15) are named beside the keeping unit.
    assert [(a.unit.code, a.kind, a.citation) for a in recommendation.alternatives] == [
        (CHENGDU_WUHOU, CRIME_LOCATION, ART_16)
    ]


def test_bus_theft_stays_at_the_first_stop_and_notes_the_railway_police():
    analysis = analyse(bus_theft())
    assert (analysis.recommendation.outcome, analysis.recommendation.unit) == (KEEP, u("511011"))
    first_stop = analysis.candidate("511011").basis(VEHICLE)
    assert not first_stop.secondary
    assert first_stop.facts == ("交通工具最初停靠地：内江汽车站（511011）",)
    origin = analysis.candidate("510108").basis(VEHICLE)
    assert origin.secondary and origin.condition == IF_NECESSARY
    railway = next(note for note in analysis.notes if note.key == "railway")
    assert railway.citation == ART_26
    assert "铁路公安机关不在本系统的单位树中" in railway.text_zh


def test_city_level_organs_are_responsible_for_major_cross_regional_cases_mps_2020_art_24():
    """Art 24 ¶2: city-level organs and above 负责 major cross-regional cases (not 可以)."""
    analysis = analyse(
        facts("510104", place("conduct", "510104"), place("proceeds", "510106", address="金牛区某二手市场"))
    )
    note = next(note for note in analysis.notes if note.key == "superior_may_handle")
    assert "由设区的市一级以上公安机关负责侦查" in note.text_zh
    assert "可以由设区的市" not in note.text_zh
    assert "are responsible for investigating" in note.text_en


def test_bus_theft_accepted_at_the_destination_keeps_it_only_if_necessary():
    recommendation = analyse(bus_theft("500107")).recommendation
    assert (recommendation.outcome, recommendation.unit) == (KEEP, u("500107"))
    assert ART_18 in recommendation.citations
    assert "必要时（MPS-2020 art 18）" in recommendation.explanation_zh


def test_two_branches_of_one_city_have_the_city_bureau_as_common_superior():
    analysis = analyse(
        facts("510104", place("conduct", "510104"), place("proceeds", "510106", address="金牛区某二手市场"))
    )
    assert analysis.common_superior == u("510100")
    negotiate = next(note for note in analysis.notes if note.key == "negotiate")
    assert "由共同上级成都市公安局指定管辖（MPS-2020 art 22）" in negotiate.text_zh
    assert "superior_may_handle" in analysis.note_keys()
    assert analysis.recommendation.unit == u("510104")


@pytest.mark.parametrize(
    ("other", "superior"),
    [("510703", "510000"), ("500103", "000000"), ("510107", "510107"), ("510100", "510100")],
    ids=["Chengdu and Mianyang", "Chengdu and Chongqing", "one unit", "a branch and its city"],
)
def test_common_superior_of_the_units_with_jurisdiction(other, superior):
    both = facts("510107", place("conduct", "510107"), place("result", other))
    assert analyse(both).common_superior == u(superior)


def test_common_superior_leaves_out_an_accepting_unit_without_jurisdiction():
    analysis = analyse(facts("510107", place("conduct", "510703"), place("result", "510704")))
    assert analysis.common_superior == u("510700")


def test_one_person_committing_several_crimes_in_three_provinces_may_be_merged_mps_2020_art_21_2():
    """Several crimes (two charges) by one person in three areas: 并案侦查 (MPS-2020 art 21 ¶2 (1))."""
    analysis = analyse(
        replace(
            scenario_facts("one person committing thefts"),
            charges=(Charge("theft", "盗窃罪", "CL art 264"), Charge("robbery", "抢劫罪", "CL art 263")),
        )
    )
    merge = next(note for note in analysis.notes if note.key == "merge_possible")
    assert merge.citation == ART_21_2 == "MPS-2020 art 21 ¶2"
    assert "涉嫌2个罪名（盗窃罪、抢劫罪）" in merge.text_zh
    assert "分布在3个公安机关辖区" in merge.text_zh and "并案侦查" in merge.text_zh
    assert analysis.common_superior == u("000000")
    assert analysis.recommendation.unit == u(KUNMING_WUHUA)
    # Kunming keeps the case; the other crime locations are named beside it (corrected in issue 18).
    assert [(a.unit.code, a.kind) for a in analysis.recommendation.alternatives] == [
        (CHENGDU_WUHOU, CRIME_LOCATION),
        (GUIYANG_NANMING, CRIME_LOCATION),
        ("500103", RESIDENCE),
    ]


def test_a_city_bureau_holds_the_bases_of_its_branches_areas():
    analysis = analyse(facts("530100", place("victim_loss", KUNMING_WUHUA, victim_count=3)))
    city = analysis.candidate("530100")
    assert city.basis(NETWORK).facts == (
        "辖区内昆明市公安局五华区分局：被害人被侵害时所在地和被害人财产遭受损失地：昆明市公安局五华区分局辖区（530102），被害人3人",
    )
    assert analysis.recommendation.unit == u("530100")
    assert analysis.recommendation.alternatives == ()  # the branch lies within the city's area
    victims = analysis.factor("victims")
    assert {row.unit.code: row.value for row in victims.rows} == {"530100": 3, KUNMING_WUHUA: 3}
    assert analysis.common_superior == u("530100")
    # the bureau and its own branch: nothing to negotiate, the bureau may handle it (art 24)
    assert "negotiate" not in analysis.note_keys()
    assert "superior_may_handle" in analysis.note_keys()


def test_habitual_residence_under_a_year_is_noted():
    analysis = analyse(scenario_facts("a habitual residence of less"))
    note = next(note for note in analysis.notes if note.key == "habitual_too_short")
    assert note.citation == ART_16
    assert "吴某" in note.text_zh and "居住未满一年" in note.text_zh


def test_habitual_residence_basis_states_the_year():
    analysis = analyse(scenario_facts("a habitual residence of more"))
    assert analysis.candidate("530103").basis(SUSPECT_HABITUAL).facts == (
        "犯罪嫌疑人周某经常居住地：昆明市公安局盘龙区分局辖区（530103），自2023-05-01起连续居住满一年",
    )


def test_places_outside_the_system_are_reported_with_a_note():
    analysis = analyse(scenario_facts("a conduct place in Shenzhen"))
    (outside,) = analysis.outside_system
    assert outside.division_code == "440305"
    assert [(b.kind, b.citation) for b in outside.bases] == [(CRIME_CONDUCT, ART_16)]
    note = next(note for note in analysis.notes if note.key == "outside_system")
    assert "440305不在本系统的六省区市范围内" in note.text_zh and "不列为候选单位" in note.text_zh


def test_other_places_and_a_main_mark_on_them_are_noted():
    analysis = analyse(
        facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU), place("other", GUIYANG_NANMING, is_main=True))
    )
    assert {"other_place", "main_not_crime_location"} <= set(analysis.note_keys())
    assert analysis.candidate(GUIYANG_NANMING) is None


def test_a_lead_unit_without_a_basis_is_noted():
    analysis = analyse(scenario_facts("a lead unit designated"))
    assert {"lead_fixed", "lead_without_basis"} <= set(analysis.note_keys())
    assert analysis.factor("stage").leaders == (u("510703"),)
    assert analysis.factor("stage").row("510703").value == "lead"


def test_a_draft_says_it_is_not_yet_accepted():
    analysis = analyse(facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU), accepted_on=None))
    assert analysis.candidate(CHENGDU_WUHOU).basis(FIRST_ACCEPTING).facts == ("最初受理本案（尚未登记受理）",)


def test_tied_factors_have_several_leaders_and_uncounted_victims_are_said():
    analysis = analyse(
        facts(
            CHENGDU_WUHOU,
            place("victim_loss", CHENGDU_WUHOU, victim_count=2),
            place("victim_loss", KUNMING_WUHUA, victim_count=2),
            place("victim_loss", KUNMING_WUHUA),
        )
    )
    victims = analysis.factor("victims")
    assert set(victims.leaders) == {u(CHENGDU_WUHOU), u(KUNMING_WUHUA)}
    assert victims.row(KUNMING_WUHUA).text_zh == "被害人2人（另有1处被害地未登记人数）"
    assert analysis.factor("losses").leaders == ()


def test_an_unknown_place_role_is_refused():
    with pytest.raises(ValueError, match="does not know the place role"):
        analyse(facts(CHENGDU_WUHOU, Place(role="moon", division_code="510107", unit=u("510107"))))


def test_analysis_is_json_ready():
    data = json.loads(json.dumps(analyse(telecom_fraud(chengdu_victim=True, kunming_main=True)).to_dict()))
    assert data["rules_version"] == "MPS-2020"
    assert data["recommendation"]["unit"]["code"] == CHENGDU_WUHOU
    assert data["candidates"][0]["has_jurisdiction"] is True
    assert data["factors"][2]["rows"][3]["value"] == "1280000.00"


def test_every_citation_names_the_rule_version():
    analysis = analyse(telecom_fraud(chengdu_victim=True, kunming_main=True))
    citations = [
        *(b.citation for c in analysis.candidates for b in c.bases),
        *analysis.recommendation.citations,
        *(a.citation for a in analysis.recommendation.alternatives),
        *(n.citation for n in analysis.notes if n.citation),
    ]
    assert citations and all(c.startswith("MPS-2020 art ") for c in citations)
    assert rules.cite(16) == "MPS-2020 art 16" == ART_16
    assert ART_24 in citations


def test_the_engine_imports_no_django():
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for name in (
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    assert imported <= {"__future__", "collections", "dataclasses", "datetime", "decimal", "typing"}
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, jurisdiction.rules; print(any(m.startswith('django') for m in sys.modules))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
