"""An English page names offences and charges in English; a Chinese page in Chinese (their name_en)."""

import pytest
from django.conf import settings
from django.urls import reverse

from cases.forms import charge_choices
from cases.models import CaseState, Charge, Offence
from tests.support.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fraud_case():
    grouping, _ = Offence.objects.update_or_create(
        code="telecom_fraud", defaults={"name": "电信网络诈骗", "name_en": "Telecom and online fraud"}
    )
    charge, _ = Charge.objects.update_or_create(
        code="fraud",
        defaults={"name": "诈骗罪", "name_en": "Fraud", "article": "CL art 266", "group": grouping},
    )
    case = CaseFactory(state=CaseState.REGISTERED, offence=grouping, name="4·15 电信网络诈骗案")
    case.charges.add(charge)
    return case


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [
        ("en", ["Telecom and online fraud", "<dd>Fraud "], ["<dd>电信网络诈骗</dd>", "<dd>诈骗罪 "]),
        ("zh-hans", ["<dd>电信网络诈骗</dd>", "<dd>诈骗罪 "], ["Telecom and online fraud", "<dd>Fraud "]),
    ],
)
def test_the_case_page_names_the_offence_and_charges_in_the_readers_language(
    client, wuhou_investigator, fraud_case, language, shown, hidden
):
    client.force_login(wuhou_investigator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("cases:detail", args=[fraud_case.pk])).text
    listing = client.get(reverse("cases:list")).text
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page
    # The list names the grouping as the page does.
    assert shown[0].removeprefix("<dd>").removesuffix("</dd>") in listing


def test_the_charge_options_are_in_english_in_english(fraud_case, settings):
    from django.utils import translation

    with translation.override("en"):
        groups = dict(charge_choices(Charge.objects.filter(code="fraud").select_related("group")))
    assert groups == {"Telecom and online fraud": [("fraud", "Fraud (CL art 266)")]}
    with translation.override("zh-hans"):
        groups = dict(charge_choices(Charge.objects.filter(code="fraud").select_related("group")))
    assert groups == {"电信网络诈骗": [("fraud", "诈骗罪（《中华人民共和国刑法》第二百六十六条）")]}


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("zh-hans", "第二百三十九条第二款", "MPS-2020 art 239 ¶2"),
        ("en", "MPS-2020 art 239 ¶2", "第二百三十九条第二款"),
    ],
)
def test_the_request_page_cites_the_approval_article_as_the_language_reads_it(
    client, language, expected, absent
):
    """The stored note keeps the canonical citation; the page (route, timeline) writes it for the reader."""
    from cases.assistance import services
    from cases.assistance_kinds import AssistanceKind, FreezeScope
    from tests.support.factories.assistance import attach_all, case_in
    from tests.support.personas import Cast

    cast = Cast()
    request = services.request_create(
        by=cast.investigator,
        case=case_in("510107"),
        requested_unit=cast.office(cast.requested).unit,
        kind=AssistanceKind.FREEZING,
        matters="协助冻结嫌疑人名下财产",
        freeze_scope=FreezeScope.EQUITY_OR_INSURANCE,
    )
    attach_all(cast.investigator, request)
    services.request_transition(by=cast.investigator, request=request, name="submit")
    client.force_login(cast.investigator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(f"/assistance-requests/{request.pk}/").text
    assert expected in page and absent not in page
