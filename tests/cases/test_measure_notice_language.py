"""A property measure's notification names its kind in the reader's language (issue 20 item 6).

The body was f"{measure.get_kind_display()} {target}": frozen in the language of the officer who
asked (an API client asking in English made the head's Chinese inbox read "Deposits …").
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from cases.assistance import services
from cases.assistance.models import PropertyMeasureKind
from cases.assistance_kinds import AssistanceKind
from core import words
from core.models import OutboxMessage
from tests.support.api import token_client
from tests.support.factories.assistance import draft_request, walk
from tests.support.personas import Cast

pytestmark = pytest.mark.django_db


def test_a_renewal_asked_in_english_reaches_the_head_in_each_language():
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    freeze = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="deposits",
        target="6222 0000 1111",
        institution="工商银行昆明分行",
        amount=Decimal("50000.00"),
        starts_on=timezone.localdate() - dt.timedelta(days=170),
    )
    url = f"/api/v1/assistance-requests/{request.pk}/property-measures/{freeze.pk}/renew/"
    response = token_client(cast.investigator).post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 202, response.content

    key = f"notify:assistance:{request.pk}:measure:{freeze.pk}:propose_renewal:{cast.unit_head.pk}"
    payload = OutboxMessage.objects.get(idempotency_key=key).payload
    with translation.override("en"):
        english, label_en = (
            words.render(payload["body"], payload["params"]),
            str(PropertyMeasureKind.DEPOSITS.label),
        )
    with translation.override("zh-hans"):
        chinese, label_zh = (
            words.render(payload["body"], payload["params"]),
            str(PropertyMeasureKind.DEPOSITS.label),
        )
    assert label_en != label_zh
    assert english == f"{label_en} 6222 0000 1111"
    assert chinese == f"{label_zh} 6222 0000 1111"
