"""A search hit names the offence in the reader's language (issue 20 item 6): Chinese or English."""

import pytest
from django.utils import translation

from cases.models import CaseState, HandlingCode
from cases.search.services import HitClass, SearchKind, search
from organisation.models import Role
from tests.support.cases import SUSPECT_ID, chengdu_case
from tests.support.factories.cases import CaseFactory, CasePersonFactory, offence, unit
from tests.support.personas import officer
from tests.support.units import XINING

pytestmark = pytest.mark.django_db


def hits_in(language, user, purpose_case):
    with translation.override(language):
        result = search(by=user, kind=SearchKind.ID_NUMBER, query=SUSPECT_ID, purpose_case=purpose_case.pk)
    return {hit["id"]: hit for hit in result.hits}


def test_full_and_summary_hits_name_the_offence_in_the_active_language():
    fraud = offence("fraud_words")
    fraud.name, fraud.name_en = "诈骗罪", "Fraud"
    fraud.save()
    xining = officer(XINING, Role.INVESTIGATOR)
    own = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(XINING), name="本地案", offence=fraud
    )
    CasePersonFactory(case=own, name="张三丰", id_number=SUSPECT_ID)
    other = chengdu_case(HandlingCode.NORMAL)
    other.offence = fraud
    other.save(update_fields=["offence"])

    chinese = hits_in("zh-hans", xining, own)
    english = hits_in("en", xining, own)

    assert chinese[own.pk]["hit_class"] == HitClass.FULL
    assert chinese[other.pk]["hit_class"] == HitClass.SUMMARY
    assert chinese[own.pk]["offence"] == chinese[other.pk]["offence"] == "诈骗罪"
    assert english[own.pk]["offence"] == english[other.pk]["offence"] == "Fraud"


def test_an_offence_without_an_english_name_keeps_its_chinese_one():
    bare = offence("no_english")
    bare.name, bare.name_en = "某罪", ""
    bare.save()
    xining = officer(XINING, Role.INVESTIGATOR)
    own = CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(XINING), offence=bare)
    CasePersonFactory(case=own, name="李四", id_number=SUSPECT_ID)

    assert hits_in("en", xining, own)[own.pk]["offence"] == "某罪"
