"""The request page records every custody event the law asks for (MPS-2020 arts 80, 126, 127, 145, 200).

The page's form offered every event for every kind of request and had no field for the reason, so a
family not notified (the lawful exception, arts 127 and 145: "附理由") or a summons extended (arts 80,
200) could never be recorded from the page: the service asks for the reason the form could not send.
One rule (services.custody_event_kinds) now says which events fit a kind; the page offers those.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import CustodyEvent, CustodyEventKind
from cases.assistance_kinds import AssistanceKind
from tests.support.factories.assistance import draft_request, walk
from tests.support.personas import Cast, officer
from tests.support.units import XINING

pytestmark = pytest.mark.django_db


def _page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _in_hand(cast, kind):
    request = walk(draft_request(cast.investigator, kind=kind), cast, "in_progress")
    services.custody_event_record(
        by=cast.officer,
        request=request,
        kind=CustodyEventKind.CAPTURE,
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        place="昆明市盘龙区",
        person_name="张某",
    )
    return request


def _offered(html: str) -> set[str]:
    return {kind.value for kind in CustodyEventKind if f'<option value="{kind.value}"' in html}


def test_a_detention_offers_the_detention_centre_and_the_family_not_the_summons_events_mps_2020_art_127():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.DETENTION)
    html = _page_client(cast.officer).get(reverse("assistance:detail", args=[request.pk])).text
    offered = _offered(html)
    assert {"detention_centre", "family_notified", "family_not_notified"} <= offered
    assert not offered & {"appearance_extended", "appearance_ended"}
    assert 'name="note"' in html


def test_a_summons_offers_its_extension_and_end_not_the_detention_events_mps_2020_art_200():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.SUMMONS)
    offered = _offered(_page_client(cast.officer).get(reverse("assistance:detail", args=[request.pk])).text)
    assert {"appearance_extended", "appearance_ended"} <= offered
    assert not offered & {"detention_centre", "family_notified", "family_not_notified"}


def test_the_page_records_a_family_not_notified_with_its_reason_mps_2020_arts_127_145():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.DETENTION)
    client = _page_client(cast.officer)
    url = reverse("assistance:custody", args=[request.pk])
    moment = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    refused = client.post(url, {"kind": "family_not_notified", "occurred_at": moment}, follow=True)
    assert "第一百二十七条" in refused.text  # the rule is named, nothing is recorded
    assert not CustodyEvent.objects.filter(request=request, kind="family_not_notified").exists()

    reason = "犯罪嫌疑人拒不提供家属联系方式，经核查无法通知。"
    client.post(url, {"kind": "family_not_notified", "occurred_at": moment, "note": reason})
    event = CustodyEvent.objects.get(request=request, kind="family_not_notified")
    assert event.note == reason


def test_the_page_refuses_an_event_that_does_not_fit_the_kind_of_request():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.DETENTION)
    moment = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    _page_client(cast.officer).post(
        reverse("assistance:custody", args=[request.pk]),
        {"kind": "appearance_ended", "occurred_at": moment},
    )
    assert not CustodyEvent.objects.filter(request=request, kind="appearance_ended").exists()


def test_an_uninvolved_province_cannot_record_custody_events():
    cast = Cast()
    request = _in_hand(cast, AssistanceKind.DETENTION)
    moment = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = _page_client(officer(XINING)).post(
        reverse("assistance:custody", args=[request.pk]),
        {"kind": "family_notified", "occurred_at": moment},
    )
    assert response.status_code == 404
    assert not CustodyEvent.objects.filter(request=request, kind="family_notified").exists()
