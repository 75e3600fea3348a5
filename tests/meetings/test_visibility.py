"""A non-member sees nothing of a meeting: every API route and every page answers 404, lists are empty.

Two outsiders: an officer of 青海 (a member of 泛西南, not of 川渝法制) against a 川渝法制 meeting, and
an investigator of 西宁 (inside a 泛西南 member's subtree, not a member unit) against a 泛西南 meeting.
The routes are checked against the URL configuration, so a route added later must be listed here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from django.utils import timezone

from meetings import api_urls, urls
from meetings.models import (
    ActionItem,
    AgendaItem,
    ApplyState,
    MeetingState,
    Resolution,
    ResolutionKind,
)
from organisation.models import Unit
from tests.support.api import assert_error, token_client
from tests.support.factories.meetings import invite, meeting_in
from tests.support.meetings import published_meeting
from tests.support.units import CHONGQING, GUIZHOU, SICHUAN

pytestmark = pytest.mark.django_db


def api_requests(meeting, participant, item, resolution, action) -> list[tuple[str, str, str, dict]]:
    """(route, method, url, body) for every meetings API route that names an object of the meeting."""
    m = f"/api/v1/meetings/{meeting.pk}/"
    s = f"/api/v1/meeting-series/{meeting.series_id}/"
    p = participant.pk
    return [
        ("meeting-series/<int:pk>/", "get", s, {}),
        ("meeting-series/<int:pk>/normative-documents/", "get", f"{s}normative-documents/", {}),
        ("meetings/<int:pk>/", "get", m, {}),
        ("meetings/<int:pk>/", "patch", m, {"title": "改"}),
        ("meetings/<int:pk>/transitions/<str:name>/", "post", f"{m}transitions/cancel/", {"reason": "x"}),
        ("meetings/<int:pk>/transitions/<str:name>/", "post", f"{m}transitions/no_such/", {}),
        ("meetings/<int:pk>/calendar.ics", "get", f"{m}calendar.ics", {}),
        ("meetings/<int:pk>/checks/", "get", f"{m}checks/", {}),
        ("meetings/<int:pk>/participants/", "get", f"{m}participants/", {}),
        (
            "meetings/<int:pk>/participants/",
            "post",
            f"{m}participants/",
            {"kind": "expert", "external_name": "x"},
        ),
        ("meetings/<int:pk>/participants/candidates/", "get", f"{m}participants/candidates/", {}),
        (
            "meetings/<int:pk>/participants/<int:pid>/",
            "patch",
            f"{m}participants/{p}/",
            {"is_chair": True},
        ),
        ("meetings/<int:pk>/participants/<int:pid>/", "delete", f"{m}participants/{p}/", {}),
        (
            "meetings/<int:pk>/participants/<int:pid>/answer/",
            "post",
            f"{m}participants/{p}/answer/",
            {"answer": "accepted"},
        ),
        (
            "meetings/<int:pk>/participants/<int:pid>/attendance/",
            "post",
            f"{m}participants/{p}/attendance/",
            {"attended": True},
        ),
        ("meetings/<int:pk>/agenda/", "get", f"{m}agenda/", {}),
        ("meetings/<int:pk>/agenda/", "post", f"{m}agenda/", {"source_kind": "free", "title": "x"}),
        ("meetings/<int:pk>/agenda/candidates/", "get", f"{m}agenda/candidates/", {}),
        ("meetings/<int:pk>/agenda/order/", "post", f"{m}agenda/order/", {"item_ids": [item.pk]}),
        ("meetings/<int:pk>/agenda/<int:item_id>/", "patch", f"{m}agenda/{item.pk}/", {"title": "x"}),
        ("meetings/<int:pk>/agenda/<int:item_id>/", "delete", f"{m}agenda/{item.pk}/", {}),
        ("meetings/<int:pk>/briefing/", "get", f"{m}briefing/", {}),
        ("meetings/<int:pk>/briefing/refresh/", "post", f"{m}briefing/refresh/", {}),
        ("meetings/<int:pk>/briefing/pack/", "post", f"{m}briefing/pack/", {}),
        ("meetings/<int:pk>/minutes/", "get", f"{m}minutes/", {}),
        ("meetings/<int:pk>/minutes/", "patch", f"{m}minutes/", {"closing": "x"}),
        (
            "meetings/<int:pk>/minutes/transitions/<str:name>/",
            "post",
            f"{m}minutes/transitions/issue/",
            {},
        ),
        ("meetings/<int:pk>/minutes/signoffs/", "get", f"{m}minutes/signoffs/", {}),
        (
            "meetings/<int:pk>/minutes/signoffs/",
            "post",
            f"{m}minutes/signoffs/",
            {"action": "signed", "digest": "0" * 64},
        ),
        ("meetings/<int:pk>/minutes/resolutions/", "get", f"{m}minutes/resolutions/", {}),
        (
            "meetings/<int:pk>/minutes/resolutions/",
            "post",
            f"{m}minutes/resolutions/",
            {"kind": "note", "text": "x"},
        ),
        (
            "meetings/<int:pk>/minutes/resolutions/<int:rid>/",
            "patch",
            f"{m}minutes/resolutions/{resolution.pk}/",
            {"text": "x"},
        ),
        (
            "meetings/<int:pk>/minutes/resolutions/<int:rid>/",
            "delete",
            f"{m}minutes/resolutions/{resolution.pk}/",
            {},
        ),
        (
            "meetings/<int:pk>/minutes/resolutions/<int:rid>/retry/",
            "post",
            f"{m}minutes/resolutions/{resolution.pk}/retry/",
            {},
        ),
        ("action-items/<int:pk>/", "get", f"/api/v1/action-items/{action.pk}/", {}),
        (
            "action-items/<int:pk>/transitions/<str:name>/",
            "post",
            f"/api/v1/action-items/{action.pk}/transitions/complete/",
            {"note": "x"},
        ),
    ]


def page_requests(meeting, participant, item, resolution, action) -> list[tuple[str, str, str, dict]]:
    m = meeting.pk
    return [
        ("meetings/<int:pk>/", "get", reverse("meetings:detail", args=[m]), {}),
        ("meetings/<int:pk>/calendar.ics", "get", reverse("meetings:ics", args=[m]), {}),
        ("meetings/<int:pk>/checks/", "get", reverse("meetings:checks", args=[m]), {}),
        (
            "meetings/<int:pk>/transitions/<str:name>/",
            "post",
            reverse("meetings:transition", args=[m, "cancel"]),
            {"reason": "x", "expected_state": meeting.state},
        ),
        (
            "meetings/<int:pk>/minutes/transitions/<str:name>/",
            "post",
            reverse("meetings:minutes-transition", args=[m, "issue"]),
            {},
        ),
        (
            "meetings/<int:pk>/actions/<str:name>/",
            "post",
            reverse("meetings:action", args=[m, "cancel"]),
            {"reason": "x", "expected_state": meeting.state},
        ),
        (
            "meetings/<int:pk>/actions/<str:name>/",
            "post",
            reverse("meetings:action", args=[m, "answer"]),
            {"participant": participant.pk, "answer": "accepted"},
        ),
        ("meetings/series/<int:pk>/", "get", reverse("meetings:series", args=[meeting.series_id]), {}),
        (
            "meetings/series/<int:pk>/normative-documents/",
            "get",
            reverse("meetings:normative-documents", args=[meeting.series_id]),
            {},
        ),
        ("meetings/action-items/<int:pk>/", "get", reverse("meetings:action-item", args=[action.pk]), {}),
        (
            "meetings/action-items/<int:pk>/transitions/<str:name>/",
            "post",
            reverse("meetings:action-item-transition", args=[action.pk, "complete"]),
            {"note": "x", "expected_state": "open"},
        ),
        (
            "meetings/action-items/<int:pk>/actions/<str:name>/",
            "post",
            reverse("meetings:action-item-action", args=[action.pk, "complete"]),
            {"note": "x", "expected_state": "open"},
        ),
    ]


def _routes(patterns) -> set[str]:
    return {str(pattern.pattern) for pattern in patterns if isinstance(pattern, URLPattern)}


API_LISTS = {"meeting-series/", "meetings/", "action-items/"}
PAGE_LISTS = {"meetings/", "meetings/calendar/", "meetings/new/"}


@pytest.fixture(params=["chuanyu_for_qinghai", "pan_southwest_for_xining"])
def scenario(request, provinces, qinghai_investigator, xining_investigator):
    if request.param == "chuanyu_for_qinghai":
        series = request.getfixturevalue("chuanyu_legal")
        objects = published_meeting(
            series,
            host=SICHUAN,
            organiser=provinces[SICHUAN].liaison,
            owner=CHONGQING,
            participants=[provinces[SICHUAN].legal, provinces[CHONGQING].legal],
        )
        return qinghai_investigator, objects
    series = request.getfixturevalue("pan_southwest")
    objects = published_meeting(
        series,
        host=GUIZHOU,
        organiser=provinces[GUIZHOU].liaison,
        owner=GUIZHOU,
        participants=[provinces[GUIZHOU].head, provinces[CHONGQING].head],
    )
    return xining_investigator, objects


def test_the_lists_cover_every_route():
    meeting_routes = _routes(api_urls.urlpatterns)
    listed = {route for route, *_ in api_requests(*([_Stub()] * 5))}
    assert meeting_routes == listed | API_LISTS
    page_routes = _routes(urls.urlpatterns)
    listed_pages = {route for route, *_ in page_requests(*([_Stub()] * 5))}
    assert page_routes == listed_pages | PAGE_LISTS


class _Stub:
    pk = 1
    series_id = 1
    state = "draft"


def test_an_outsider_gets_404_from_every_api_route_and_empty_lists(scenario):
    outsider, objects = scenario
    meeting = objects[0]
    client = token_client(outsider)
    for route, method, url, body in api_requests(*objects):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (route, method, response.status_code, response.content)
        assert_error(response, 404, "not_found")

    for url in ("/api/v1/meetings/", "/api/v1/meeting-series/", "/api/v1/action-items/"):
        assert client.get(url).json()["results"] == [], url
    assert client.get("/api/v1/meetings/", {"series": meeting.series_id}).json()["results"] == []

    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PUBLISHED and meeting.title != "改"
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1
    assert ActionItem.objects.get(pk=objects[4].pk).state == "open"


def test_an_outsider_gets_404_from_every_page_and_empty_lists(client, scenario):
    outsider, objects = scenario
    meeting = objects[0]
    client.force_login(outsider)
    for route, method, url, body in page_requests(*objects):
        # An old step URL answers 308 to its new place (the same for anyone), which then answers 404.
        response = getattr(client, method)(url, body, follow=True)
        assert response.status_code == 404, (route, method, url, response.status_code)

    listing = client.get(reverse("meetings:list"))
    assert listing.status_code == 200
    assert meeting.title not in listing.text
    month = timezone.localtime(meeting.start_at).strftime("%Y-%m")
    calendar = client.get(reverse("meetings:calendar"), {"month": month})
    assert calendar.status_code == 200
    assert reverse("meetings:detail", args=[meeting.pk]) not in calendar.text
    # Nothing to organise: no series to choose from, and a series named in the URL is 404.
    assert client.get(reverse("meetings:create"), {"series": meeting.series_id}).status_code == 404
    assert ActionItem.objects.get(pk=objects[4].pk).state == "open"


def test_an_expert_from_another_province_invited_sees_the_meeting(
    provinces, chuanyu_legal, qinghai_investigator
):
    meeting, *_rest = published_meeting(
        chuanyu_legal, host=SICHUAN, organiser=provinces[SICHUAN].liaison, owner=CHONGQING
    )
    invite(meeting, qinghai_investigator, kind="expert", attendance_role="observer")
    client = token_client(qinghai_investigator)

    assert [row["id"] for row in client.get("/api/v1/meetings/").json()["results"]] == [meeting.pk]
    assert client.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting.pk}/minutes/").status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting.pk}/briefing/").status_code == 200


def _meetings(series, organiser, n: int) -> None:
    for index in range(n):
        meeting_in(series, host=GUIZHOU, organiser=organiser, start_in=dt.timedelta(days=20 + index))


def test_the_lists_cost_the_same_for_three_and_twelve_meetings(client, provinces, pan_southwest):
    liaison = provinces[GUIZHOU].liaison
    api = token_client(liaison)
    client.force_login(liaison)
    # Warm up: the first request of a token or session writes its last use.
    api.get("/api/v1/meetings/")
    client.get(reverse("meetings:list"))
    counts = []
    for n in (3, 9):
        _meetings(pan_southwest, liaison, n)
        with CaptureQueriesContext(connection) as api_queries:
            body = api.get("/api/v1/meetings/").json()
        with CaptureQueriesContext(connection) as page_queries:
            page = client.get(reverse("meetings:list"))
        assert page.status_code == 200
        counts.append((len(api_queries), len(page_queries), len(body["results"])))
    (api_few, page_few, rows_few), (api_many, page_many, rows_many) = counts
    assert (rows_few, rows_many) == (3, 12)
    assert api_many == api_few
    assert page_many == page_few


# --- what a member sees of a decision on a proceeding it is no party to -------------------------------


def test_a_member_not_party_sees_neither_the_proceedings_state_nor_why_it_failed(
    client, provinces, pan_southwest
):
    """A 泛西南 meeting hosted by 贵州 decided a 川渝 dispute; the decision failed when the minutes were
    issued. 云南 (a member, no party) is told whom to ask; 四川 (a party) sees the state; only 贵州's
    officers read why it failed."""
    from django.conf import settings

    from cases.models import CaseState
    from jurisdiction.models import JurisdictionProceeding, ProceedingParty, ProceedingState
    from tests.support.factories.cases import CaseFactory, unit

    wuhou, yuzhong, yunnan = "510107", "500103", "530000"
    meeting, _participant, _item, _resolution, _action = published_meeting(
        pan_southwest, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison, owner=GUIZHOU
    )
    case = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(wuhou), name="4·15 电信网络诈骗案"
    )
    proceeding = JurisdictionProceeding.objects.create(
        case=case,
        kind="dispute",
        state=ProceedingState.TRANSFERRING,
        opened_by=provinces[SICHUAN].head,
        opening_unit=unit(wuhou),
        holding_unit=unit(wuhou),
        reason="管辖有争议",
    )
    for code in (wuhou, yuzhong):
        ProceedingParty.objects.create(proceeding=proceeding, unit=unit(code))
    error = "程序已进入移送阶段，议定事项无法执行"
    failed = Resolution.objects.create(
        minutes=meeting.minutes,
        number=2,
        kind=ResolutionKind.JURISDICTION,
        text="由重庆市公安局牵头侦办",
        proceeding=proceeding,
        lead_unit=Unit.objects.get(code=CHONGQING),
        apply_state=ApplyState.FAILED,
        apply_error=error,
        attempts=1,
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    state_label = "Transfer notice being issued"
    proceeding_url = reverse("jurisdiction:proceeding-detail", args=[proceeding.pk])
    chongqing_name = Unit.objects.get(code=CHONGQING).name

    def row_of(user) -> str:
        client.force_login(user)
        page = client.get(reverse("meetings:detail", args=[meeting.pk]))
        assert page.status_code == 200
        start = page.text.index(f'id="resolution-{failed.pk}"')
        return page.text[start : page.text.index("</li>", start)]

    outsider_row = row_of(provinces[yunnan].head)
    assert state_label not in outsider_row and proceeding_url not in outsider_row
    assert error not in outsider_row
    assert f"Ask {chongqing_name} for the details." in outsider_row
    assert "由重庆市公安局牵头侦办" in outsider_row

    party_row = row_of(provinces[SICHUAN].head)
    assert state_label in party_row and proceeding_url in party_row
    assert error not in party_row and "Ask " not in party_row

    host_row = row_of(provinces[GUIZHOU].liaison)
    assert error in host_row
    assert state_label not in host_row  # 贵州 is no party either

    # The API says the same: the error is the host's, nobody else's.
    def api_error(user) -> tuple[str, str]:
        api = token_client(user)
        minutes_body = api.get(f"/api/v1/meetings/{meeting.pk}/minutes/").json()
        listed = api.get(f"/api/v1/meetings/{meeting.pk}/minutes/resolutions/").json()
        by_id = {row["id"]: row for row in minutes_body["resolutions"]}
        return by_id[failed.pk]["apply_error"], {row["id"]: row for row in listed}[failed.pk]["apply_error"]

    assert api_error(provinces[yunnan].head) == ("", "")
    assert api_error(provinces[SICHUAN].head) == ("", "")
    assert api_error(provinces[GUIZHOU].head) == (error, error)
