"""A related-case notice names the other case's offence in its reader's language (issue 20 item 6)."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from cases.models import CaseState
from cases.related import FULL, _notice
from core import words
from tests.support.factories.cases import CaseFactory, offence, unit
from tests.support.units import KUNMING

pytestmark = pytest.mark.django_db


def test_the_offence_is_kept_in_both_languages_and_shown_in_each():
    theft = offence("theft_words")
    theft.name, theft.name_en = "盗窃罪", "Theft"
    theft.save()
    own = CaseFactory(state=CaseState.UNDER_INVESTIGATION, name="武侯4·15电信网络诈骗案")
    kunming = unit(KUNMING)
    other = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION, accepting_unit=kunming, name="昆明3·08盗窃案", offence=theft
    )
    match = SimpleNamespace(kind="phone", matched_value_masked="138****0000")

    notice = _notice(own, other, FULL, [match])
    params = words.encode_params(notice["params"])
    body = words.message_id(notice["body"])

    with translation.override("en"):
        english = words.render(body, params)
    with translation.override("zh-hans"):
        chinese = words.render(body, params)
    assert "(Theft)" in english and "盗窃罪" not in english
    assert "盗窃罪" in chinese and "Theft" not in chinese
