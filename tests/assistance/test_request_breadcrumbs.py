"""A request's pages say where they sit: the requests, the request's case, the request (issue 20, "Missing").

An officer who reached a request from a notification or the inbox goes back to the list or to the case
in one click, on the request page and on its edit page; an uninvolved province still sees nothing (404).
"""

import re

from django.test import Client
from django.urls import reverse

from cases.assistance import services
from cases.assistance_kinds import AssistanceKind
from tests.support.factories.assistance import case_in


def _client(user, password) -> Client:
    client = Client()
    assert client.login(username=user.username, password=password)
    return client


def _trail(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no breadcrumbs on the page"
    return re.findall(r"<li[^>]*>(.*?)</li>", nav.group(1), re.S)


def test_the_request_and_its_edit_page_lead_back_to_the_requests_and_the_case(
    cast, qinghai_investigator, password
):
    case = case_in("510107")
    request = services.request_create(
        by=cast.investigator,
        case=case,
        requested_unit=cast.office(cast.requested).unit,
        kind=AssistanceKind.EVIDENCE_COLLECTION,
        matters="调取被害人银行账户交易流水",
    )
    investigator = _client(cast.investigator, password)

    trail = _trail(investigator.get(reverse("assistance:detail", args=[request.pk])).content.decode())
    assert reverse("assistance:list") in trail[0]
    assert reverse("cases:detail", args=[case.pk]) in trail[1]
    assert trail[-1] == request.number

    trail = _trail(investigator.get(reverse("assistance:edit", args=[request.pk])).content.decode())
    assert reverse("cases:detail", args=[case.pk]) in trail[1]
    assert reverse("assistance:detail", args=[request.pk]) in trail[2]
    assert trail[-1] in {"编辑", "Edit"}

    outsider = _client(qinghai_investigator, password)
    assert outsider.get(reverse("assistance:detail", args=[request.pk])).status_code == 404
