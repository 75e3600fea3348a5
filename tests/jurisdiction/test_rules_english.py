"""The facts behind each basis of jurisdiction have English texts (issue 20 item 6).

An officer who chose English read "犯罪嫌疑人周某经常居住地：…" under every basis. The engine now
keeps each fact in both languages, one for one; the citations stay MPS-2020's, and the analysis page
(and its API) shows the reader's language, the Chinese for an analysis kept before.
"""

from datetime import date
from decimal import Decimal

from django.utils import translation

from jurisdiction import presenters
from jurisdiction.rules import (
    ACCEPTED_WITHOUT_BASIS,
    ART_15,
    ART_16,
    ART_21,
    CRIME_CONDUCT,
    MAIN_CRIME_LOCATION,
    SUSPECT_HABITUAL,
    SUSPECT_HOUSEHOLD,
    analyse,
)
from tests.support.rules_facts import CHENGDU_WUHOU, KUNMING_WUHUA, facts, place, suspect


def scenario():
    return analyse(
        facts(
            CHENGDU_WUHOU,
            place("conduct", KUNMING_WUHUA, victim_count=3, loss_amount=Decimal("12000"), is_main=True),
            persons=(
                suspect("周某", household="530103", habitual="530103", habitual_since=date(2023, 5, 1)),
            ),
        )
    )


def test_every_fact_has_an_english_text_one_for_one():
    analysis = scenario()
    for candidate in analysis.candidates:
        for basis in candidate.bases:
            assert len(basis.facts_en) == len(basis.facts) and all(basis.facts_en)
            # Names and addresses stay as recorded; the words around them are English.
            for text in basis.facts_en:
                assert not any(word in text for word in ("：", "犯罪", "被害", "受理", "居住", "辖区"))


def test_the_english_texts_say_what_the_chinese_ones_say_with_the_same_citations():
    analysis = scenario()
    wuhua = analysis.candidate(KUNMING_WUHUA)
    conduct = wuhua.basis(CRIME_CONDUCT)
    assert conduct.citation == ART_16
    assert "3 victim(s)" in conduct.facts_en[0] and "loss 12,000.00 yuan" in conduct.facts_en[0]
    assert "(530102)" in conduct.facts_en[0]
    assert conduct.facts[0].endswith("被害人3人，损失12,000.00元")  # the Chinese as before
    main = wuhua.basis(MAIN_CRIME_LOCATION)
    assert main.citation == ART_21 and main.facts_en[0].startswith("taken as the main crime location: ")

    panlong = analysis.candidate("530103")
    habitual = panlong.basis(SUSPECT_HABITUAL)
    assert habitual.citation == ART_15
    assert habitual.facts_en == (
        "habitual residence of suspect 周某: the area of 昆明市公安局盘龙区分局 (530103), "
        "lived in for a year without a break since 2023-05-01",
    )
    assert (
        panlong.basis(SUSPECT_HOUSEHOLD).facts_en[0].startswith("registered residence (household) of suspect")
    )
    # 武侯 accepted the case but is no crime location: art 175's transfer, said in English too.
    first = analysis.candidate(CHENGDU_WUHOU).basis(ACCEPTED_WITHOUT_BASIS)
    assert first.facts_en[0].startswith("accepted the case first (on ")
    assert first.facts_en[0].endswith("but is not the police of a crime location or of a suspect's residence")


def test_the_page_shows_the_facts_in_the_readers_language_and_an_old_analysis_in_chinese():
    stored = scenario().to_dict()
    wuhua = next(c for c in stored["candidates"] if c["unit"]["code"] == KUNMING_WUHUA)

    with translation.override("en"):
        english = presenters.bases_display(wuhua["bases"])
    with translation.override("zh-hans"):
        chinese = presenters.bases_display(wuhua["bases"])
    assert "3 victim(s)" in english[0]["facts"][0]
    assert "被害人3人" in chinese[0]["facts"][0]

    # An analysis kept before English texts existed has none: it shows its Chinese facts.
    old = [{key: value for key, value in basis.items() if key != "facts_en"} for basis in wuhua["bases"]]
    with translation.override("en"):
        assert presenters.bases_display(old)[0]["facts"] == wuhua["bases"][0]["facts"]
