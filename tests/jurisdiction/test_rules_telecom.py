"""The telecom-fraud rule set (法发〔2016〕32号 §5, 法发〔2021〕22号 §1) and issue 18's corrections to
the MPS-2020 engine, tested as plain functions on plain facts (no database)."""

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from jurisdiction import rules
from jurisdiction.rules import (
    ACCEPTED_WITHOUT_BASIS,
    ART_15,
    ART_15_2,
    ART_16,
    ART_17,
    ART_21,
    ART_21_2,
    ART_22,
    ART_175,
    ART_184,
    CRIME_CONDUCT,
    CRIME_LOCATION,
    CRIME_RESULT,
    FACTS_MISSING,
    FRAUD_TOOLS,
    KEEP,
    MPS_2020,
    NONE_IN_SYSTEM,
    PROCEEDS,
    SUSPECT_HABITUAL,
    SUSPECT_HOUSEHOLD,
    TELECOM_FRAUD,
    TF_2016,
    TF_2021,
    TRANSFER,
    Charge,
    analyse,
    rule_set_for,
)
from tests.support.rules_facts import (
    CHENGDU_WUHOU,
    CHONGQING_LIANGJIANG,
    GUIYANG_NANMING,
    KUNMING_WUHUA,
    facts,
    place,
    suspect,
    telecom_fraud,
    u,
)

FRAUD = Charge("fraud", "诈骗罪", "CL art 266")
AIDING = Charge("aiding_cyber_crime", "帮助信息网络犯罪活动罪", "CL art 287之二")
THEFT = Charge("theft", "盗窃罪", "CL art 264")

TELECOM_ROLES_AND_BASES = {
    "fraud_call_made": (CRIME_CONDUCT, TF_2016),
    "fraud_call_received": (CRIME_CONDUCT, TF_2016),
    "site_builder": (CRIME_CONDUCT, TF_2016),
    "victim_deceived": (CRIME_RESULT, TF_2016),
    "fraud_proceeds": (CRIME_RESULT, TF_2016),
    "phone_card": (FRAUD_TOOLS, TF_2021),
    "bank_card": (FRAUD_TOOLS, TF_2021),
    "funds_counterparty": (FRAUD_TOOLS, TF_2021),
    "im_message": (FRAUD_TOOLS, TF_2021),
    "fraud_device": (FRAUD_TOOLS, TF_2021),
    "internet_account": (FRAUD_TOOLS, TF_2021),
}


def telecom(*places, charges=(FRAUD,), grouping="telecom_fraud", accepting=CHENGDU_WUHOU, **extra):
    return replace(facts(accepting, *places, **extra), charges=charges, grouping=grouping)


# --- selecting the rule set ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("charges", "grouping", "expected"),
    [
        ((FRAUD,), "telecom_fraud", TELECOM_FRAUD),
        ((FRAUD,), "fraud", MPS_2020),  # 诈骗罪 by other means: MPS-2020 alone
        ((AIDING,), "", TELECOM_FRAUD),  # 帮助信息网络犯罪活动罪 always
        ((AIDING, THEFT), "theft", TELECOM_FRAUD),
        ((THEFT,), "telecom_fraud", MPS_2020),  # not a charge of the telecom group
        ((), "telecom_fraud", MPS_2020),  # no charge yet: a note asks for it
        ((), "", MPS_2020),
    ],
    ids=["fraud by telecom", "fraud otherwise", "aiding", "aiding and theft", "theft", "no charge", "none"],
)
def test_the_telecom_rule_set_is_selected_by_charge_fa_fa_2016_32_mps_2020_art_15_2(
    charges, grouping, expected
):
    assert rule_set_for(charges, grouping) == expected


def test_every_telecom_place_founds_a_crime_location_cited_to_the_opinions_fa_fa_2016_32_and_2021_22():
    places = [place(role, CHENGDU_WUHOU) for role in TELECOM_ROLES_AND_BASES]
    analysis = analyse(telecom(*places))
    assert analysis.rule_set == TELECOM_FRAUD
    assert analysis.rule_set_citations == (ART_15_2, TF_2016, TF_2021)
    chengdu = analysis.candidate(CHENGDU_WUHOU)
    by_basis = {(basis.kind, basis.citation): set(basis.roles) for basis in chengdu.bases}
    for role, key in TELECOM_ROLES_AND_BASES.items():
        assert role in by_basis[key], role
    assert analysis.recommendation.outcome == KEEP
    assert analysis.recommendation.citations[:2] == (ART_21, TF_2016)
    assert "telecom_rules" in analysis.note_keys()
    note = next(note for note in analysis.notes if note.key == "telecom_rules")
    assert note.citation == ART_15_2 and "诈骗罪" in note.text_zh


def test_telecom_places_use_the_opinions_words_fa_fa_2016_32_section_5():
    analysis = analyse(
        telecom(
            place("fraud_call_made", GUIYANG_NANMING, address="南明区某出租屋"),
            place("victim_deceived", KUNMING_WUHUA, victim_count=4, loss_amount=Decimal("90000.00")),
            place("fraud_device", CHONGQING_LIANGJIANG, address="两江新区某仓库"),
        )
    )
    guiyang = analysis.candidate(GUIYANG_NANMING).basis(CRIME_CONDUCT)
    assert guiyang.citation == TF_2016
    assert guiyang.facts == ("诈骗电话、短信息、电子邮件等的拨打地、发送地：南明区某出租屋（520102）",)
    kunming = analysis.candidate(KUNMING_WUHUA).basis(CRIME_RESULT)
    assert kunming.facts[0].startswith("被害人被骗时所在地：")
    devices = analysis.candidate(CHONGQING_LIANGJIANG).basis(FRAUD_TOOLS)
    assert devices.citation == TF_2021 and "GOIP设备" in devices.facts[0]
    # the same output as MPS-2020's: candidates, factors, recommendation
    assert [factor.key for factor in analysis.factors][:3] == ["crime_places", "victims", "losses"]
    assert analysis.factor("victims").leaders == (u(KUNMING_WUHUA),)
    assert analysis.factor("evidence").leaders == (u(CHONGQING_LIANGJIANG),)
    recommendation = analysis.recommendation
    assert (recommendation.outcome, recommendation.unit) == (TRANSFER, u(KUNMING_WUHUA))
    assert TF_2016 in recommendation.citations
    assert {a.unit.code for a in recommendation.alternatives} == {GUIYANG_NANMING, CHONGQING_LIANGJIANG}


def test_telecom_places_found_nothing_when_the_charge_is_not_telecom_fraud_fa_fa_2021_22():
    analysis = analyse(
        telecom(
            place("conduct", CHENGDU_WUHOU),
            place("bank_card", KUNMING_WUHUA),
            charges=(THEFT,),
            grouping="theft",
        )
    )
    assert analysis.rule_set == MPS_2020 and analysis.rule_set_citations == ()
    assert analysis.candidate(KUNMING_WUHUA) is None
    note = next(note for note in analysis.notes if note.key == "telecom_place_not_applicable")
    assert note.citation == TF_2021 and "不作为管辖依据" in note.text_zh
    assert "telecom_rules" not in analysis.note_keys()


def test_telecom_negotiation_follows_the_opinions_principle_fa_fa_2016_32_section_5():
    analysis = analyse(
        telecom(place("bank_card", KUNMING_WUHUA), place("im_message", GUIYANG_NANMING), charges=(AIDING,))
    )
    negotiate = next(note for note in analysis.notes if note.key == "negotiate")
    assert "有利于查清犯罪事实、有利于诉讼" in negotiate.text_zh and TF_2016 in negotiate.text_zh


def test_a_telecom_grouping_without_a_charge_asks_for_the_charge_mps_2020_art_15_2():
    analysis = analyse(telecom(place("conduct", CHENGDU_WUHOU), charges=()))
    assert analysis.rule_set == MPS_2020
    note = next(note for note in analysis.notes if note.key == "charge_missing")
    assert note.citation == ART_15_2 and "尚未登记罪名" in note.text_zh


def test_telecom_citations_are_canonical():
    analysis = analyse(telecom(place("victim_deceived", KUNMING_WUHUA), place("phone_card", CHENGDU_WUHOU)))
    citations = [
        *(b.citation for c in analysis.candidates for b in c.bases),
        *analysis.recommendation.citations,
        *(n.citation for n in analysis.notes if n.citation),
    ]
    assert citations
    assert all(c.startswith(("MPS-2020 art ", "法发〔2016〕32号 §", "法发〔2021〕22号 §")) for c in citations)
    data = json.loads(json.dumps(analysis.to_dict()))
    assert data["rule_set"] == TELECOM_FRAUD
    assert data["charges"] == [{"code": "fraud", "name": "诈骗罪", "article": "CL art 266"}]


# --- corrections -----------------------------------------------------------------------------------


def test_common_superior_counts_a_competent_organ_outside_the_system_mps_2020_art_22():
    """A Guangdong organ and a Sichuan one: only 公安部 is above both (art 22 designation)."""
    analysis = analyse(facts(CHENGDU_WUHOU, place("conduct", "440305"), place("result", CHENGDU_WUHOU)))
    assert analysis.common_superior == u("000000")
    negotiate = next(note for note in analysis.notes if note.key == "negotiate")
    assert "2个公安机关（其中1个在系统外）" in negotiate.text_zh
    assert "由共同上级公安部指定管辖（MPS-2020 art 22）" in negotiate.text_zh


def test_residence_bases_cite_mps_2020_art_15_not_the_definitions_of_art_16():
    analysis = analyse(
        facts(
            CHENGDU_WUHOU,
            place("conduct", CHENGDU_WUHOU),
            persons=[suspect("周某", GUIYANG_NANMING, "530103")],
        )
    )
    assert analysis.candidate(GUIYANG_NANMING).basis(SUSPECT_HOUSEHOLD).citation == ART_15
    assert analysis.candidate("530103").basis(SUSPECT_HABITUAL).citation == ART_15


def test_transfer_at_intake_is_mps_2020_art_175_within_24_hours():
    analysis = analyse(facts(CHENGDU_WUHOU, place("conduct", KUNMING_WUHUA)))
    recommendation = analysis.recommendation
    assert recommendation.citations[0] == ART_175 and ART_184 not in recommendation.citations
    assert "24小时内移送" in recommendation.explanation_zh
    assert analysis.candidate(CHENGDU_WUHOU).basis(ACCEPTED_WITHOUT_BASIS).citation == ART_175


def test_transfer_after_filing_is_mps_2020_art_184_without_a_24_hour_limit():
    analysis = analyse(replace(facts(CHENGDU_WUHOU, place("conduct", KUNMING_WUHUA)), is_filed=True))
    recommendation = analysis.recommendation
    assert recommendation.citations[0] == ART_184 and ART_175 not in recommendation.citations
    assert "24" not in recommendation.explanation_zh and "24 hours" not in recommendation.explanation_en
    assert "已对本案立案" in recommendation.explanation_zh
    assert "移送案件后三日以内书面通知" in recommendation.explanation_zh
    assert analysis.candidate(CHENGDU_WUHOU).basis(ACCEPTED_WITHOUT_BASIS).citation == ART_184


def test_on_keep_the_other_crime_locations_are_named_mps_2020_art_21():
    recommendation = analyse(
        facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU), place("proceeds", KUNMING_WUHUA))
    ).recommendation
    assert recommendation.outcome == KEEP
    (alternative,) = recommendation.alternatives
    assert (alternative.unit.code, alternative.kind, alternative.citation) == (
        KUNMING_WUHUA,
        CRIME_LOCATION,
        ART_16,
    )
    assert "也有管辖权" in alternative.explanation_zh and ART_22 in alternative.explanation_zh


def test_no_merge_note_for_one_crimes_conduct_and_result_in_two_areas_mps_2020_art_21_2():
    one_crime = facts(
        CHENGDU_WUHOU,
        place("conduct", CHENGDU_WUHOU),
        place("result", KUNMING_WUHUA),
        persons=[suspect("钱某", "500103")],
    )
    assert "merge_possible" not in analyse(one_crime).note_keys()
    joint = replace(one_crime, persons=(suspect("钱某", "500103"), suspect("孙某", GUIYANG_NANMING)))
    merge = next(note for note in analyse(joint).notes if note.key == "merge_possible")
    assert merge.citation == ART_21_2 and "有2名犯罪嫌疑人" in merge.text_zh
    linked = replace(facts(CHENGDU_WUHOU, place("conduct", CHENGDU_WUHOU)), linked_cases=2)
    assert "merge_possible" in analyse(linked).note_keys()


def test_a_case_with_no_places_says_facts_are_missing_mps_2020_art_15_and_16():
    analysis = analyse(facts(CHENGDU_WUHOU))
    recommendation = analysis.recommendation
    assert (recommendation.outcome, recommendation.unit) == (FACTS_MISSING, None)
    assert not recommendation.must_transfer
    assert recommendation.citations == (ART_15, ART_16)
    assert "尚未登记犯罪地" in recommendation.explanation_zh
    assert "系统外" not in recommendation.explanation_zh and "移送" not in recommendation.explanation_zh
    basis = analysis.candidate(CHENGDU_WUHOU).basis(ACCEPTED_WITHOUT_BASIS)
    assert "管辖依据有待查明" in basis.facts[0]
    # an only-outside case still says so
    outside = analyse(facts(CHENGDU_WUHOU, place("conduct", "440305"))).recommendation
    assert outside.outcome == NONE_IN_SYSTEM and outside.must_transfer


def test_labels_are_the_words_of_mps_2020_art_16_and_art_17():
    assert rules.ROLE_LABELS["server"][0] == "用于实施犯罪行为的网络服务使用的服务器所在地"
    assert rules.ROLE_LABELS["victim_system"][0] == "被侵害的网络信息系统及其管理者所在地"
    assert rules.ROLE_LABELS["victim_loss"][0] == "被害人被侵害时所在地和被害人财产遭受损失地"
    assert rules.ROLE_LABELS["proceeds"][0] == "犯罪所得的实际取得地、藏匿地、转移地、使用地、销售地"
    assert rules.KIND_LABELS[PROCEEDS][0] == "犯罪所得的实际取得地、藏匿地、转移地、使用地、销售地"
    analysis = analyse(telecom_fraud())
    assert analysis.candidate(CHONGQING_LIANGJIANG).basis(rules.NETWORK).citation == ART_17
    for role in (*rules.PLACE_RULES, *rules.TELECOM_PLACE_RULES, rules.OTHER_PLACE):
        assert role in rules.ROLE_LABELS
