"""The meetings API against the real services: a 川渝 legal meeting from draft to issued minutes, the
error contract (409 with the state, 403, 404, 400 naming fields), the series, the calendar download,
action items, and constant query counts of the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from meetings.models import (
    ActionItem,
    ApplyState,
    MeetingKind,
    MeetingState,
    Minutes,
    MinutesState,
    Resolution,
    ResolutionKind,
)
from organisation.models import Unit
from tests.support.api import assert_error, token_client
from tests.support.factories.meetings import invite, meeting_in
from tests.support.units import CHONGQING, GUIZHOU, SICHUAN, SIX

pytestmark = pytest.mark.django_db

BASE = "/api/v1/meetings/"


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()


def local(moment: dt.datetime) -> str:
    """The time as a form or client types it: local (Asia/Shanghai), no offset."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S")


def create_chuanyu_meeting(provinces, series, *, start_in=dt.timedelta(minutes=30)) -> dict:
    start = (timezone.now() + start_in).replace(second=0, microsecond=0)
    body = {
        "series": series.pk,
        "kind": "regular",
        "start_at": local(start),
        "end_at": local(start + dt.timedelta(hours=4)),
        "place": "成都市公安局会议室",
    }
    return ok(token_client(provinces[SICHUAN].liaison).post(BASE, body, format="json"), 201)


def invite_heads(provinces, meeting_id: int) -> dict[str, dict]:
    client = token_client(provinces[SICHUAN].liaison)
    rows = {}
    for code in (SICHUAN, CHONGQING):
        head = provinces[code].head
        body = {"user": head.username, "unit": code, "kind": "leader"}
        rows[code] = ok(client.post(f"{BASE}{meeting_id}/participants/", body, format="json"), 201)
    return rows


def conflict(response, state: str | None = None) -> dict:
    """Assert a 409 in the error format; it carries the state the object is in now."""
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "conflict" and body["message"] and body["fields"] == {}
    if state is not None:
        assert body["current_state"] == state
    return body


def transition(user, meeting_id: int, name: str, **body):
    return token_client(user).post(f"{BASE}{meeting_id}/transitions/{name}/", body, format="json")


def test_create_invite_schedule_answer_and_download(provinces, chuanyu_legal):
    body = create_chuanyu_meeting(provinces, chuanyu_legal)
    pk = body["id"]
    assert body["state"] == "draft" and body["host_unit"]["code"] == SICHUAN
    assert body["chair_unit"]["code"] == SICHUAN
    assert "schedule" in body["available_transitions"]
    assert set(body["available_transitions"]) <= {"schedule", "cancel"}

    liaison = token_client(provinces[SICHUAN].liaison)
    candidates = ok(liaison.get(f"{BASE}{pk}/participants/candidates/"))
    assert {row["user_id"] for row in candidates} >= {
        provinces[SICHUAN].head.pk,
        provinces[CHONGQING].head.pk,
    }
    participants = invite_heads(provinces, pk)
    assert participants[CHONGQING]["member_unit"]["code"] == CHONGQING
    assert participants[CHONGQING]["answer"] == "needs_action"

    scheduled = ok(transition(provinces[SICHUAN].liaison, pk, "schedule", expected_state="draft"))
    assert scheduled["state"] == "scheduled"
    assert isinstance(scheduled["warnings"], list)
    assert all({"code", "message", "data"} == set(warning) for warning in scheduled["warnings"])

    head = token_client(provinces[CHONGQING].head)
    answered = ok(
        head.post(
            f"{BASE}{pk}/participants/{participants[CHONGQING]['id']}/answer/",
            {"answer": "accepted"},
            format="json",
        )
    )
    assert (
        answered["answer"] == "accepted"
        and answered["answered_by"]["username"] == provinces[CHONGQING].head.username
    )

    response = head.get(f"{BASE}{pk}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert response["Content-Disposition"] == f'attachment; filename="meeting-{pk}.ics"'
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    partstats = {str(a.params.get("PARTSTAT")) for a in event.get("ATTENDEE")}
    assert "ACCEPTED" in partstats

    listed = ok(head.get(f"{BASE}{pk}/participants/"))
    assert {row["answer"] for row in listed} == {"accepted", "needs_action"}


def test_transition_errors_follow_the_contract(provinces, chuanyu_legal):
    pk = create_chuanyu_meeting(provinces, chuanyu_legal)["id"]
    invite_heads(provinces, pk)
    liaison = provinces[SICHUAN].liaison

    conflict(transition(liaison, pk, "schedule", expected_state="postponed"), "draft")
    ok(transition(liaison, pk, "schedule"))

    body = assert_error(transition(liaison, pk, "postpone", reason=""), 400, "invalid")
    assert "reason" in body["fields"]
    assert_error(transition(provinces[CHONGQING].legal, pk, "postpone", reason="x"), 403, "permission_denied")
    assert_error(transition(liaison, pk, "minutes_published"), 404, "not_found")
    assert_error(transition(liaison, pk, "no_such_step"), 404, "not_found")
    conflict(transition(liaison, pk, "close"), "scheduled")

    postponed = ok(transition(liaison, pk, "postpone", reason="台风预警"))
    assert postponed["state"] == "postponed" and postponed["postpone_reason"] == "台风预警"
    new_start = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    body = assert_error(transition(liaison, pk, "reschedule", start_at=local(new_start)), 400, "invalid")
    assert body["fields"]
    rescheduled = ok(
        transition(
            liaison,
            pk,
            "reschedule",
            start_at=local(new_start),
            end_at=local(new_start + dt.timedelta(hours=3)),
            expected_state="postponed",
        )
    )
    assert rescheduled["state"] == "scheduled" and rescheduled["sequence"] == postponed["sequence"] + 1

    body = assert_error(
        token_client(liaison).post(BASE, {"series": chuanyu_legal.pk, "kind": "party"}, format="json"),
        400,
        "invalid",
    )
    assert "kind" in body["fields"]
    body = assert_error(
        token_client(liaison).post(BASE, {"series": chuanyu_legal.pk, "host_unit": "999999"}, format="json"),
        400,
        "invalid",
    )
    assert "host_unit" in body["fields"]


def test_patch_returns_warnings_and_refuses_a_stale_sequence(provinces, chuanyu_legal):
    body = create_chuanyu_meeting(provinces, chuanyu_legal, start_in=dt.timedelta(days=5))
    pk = body["id"]
    client = token_client(provinces[SICHUAN].liaison)
    changed = ok(
        client.patch(
            f"{BASE}{pk}/", {"title": "川渝法制联席会议（改）", "expected_sequence": 0}, format="json"
        )
    )
    assert changed["title"] == "川渝法制联席会议（改）"
    assert isinstance(changed["warnings"], list)
    conflict(client.patch(f"{BASE}{pk}/", {"title": "x", "expected_sequence": 7}, format="json"))
    body = assert_error(
        client.patch(f"{BASE}{pk}/", {"start_at": "not a time"}, format="json"), 400, "invalid"
    )
    assert "start_at" in body["fields"]
    assert_error(
        token_client(provinces[CHONGQING].head).patch(f"{BASE}{pk}/", {"title": "x"}, format="json"),
        404,
        "not_found",
    )

    start = timezone.now() + dt.timedelta(days=9)
    body = assert_error(
        client.get(
            f"{BASE}{pk}/checks/", {"start_at": local(start), "end_at": local(start - dt.timedelta(hours=1))}
        ),
        400,
        "invalid",
    )
    assert "end_at" in body["fields"]
    warnings = ok(
        client.get(
            f"{BASE}{pk}/checks/", {"start_at": local(start), "end_at": local(start + dt.timedelta(hours=2))}
        )
    )
    assert isinstance(warnings, list)


def test_the_draft_calendar_is_a_conflict(provinces, chuanyu_legal):
    pk = create_chuanyu_meeting(provinces, chuanyu_legal)["id"]
    conflict(token_client(provinces[SICHUAN].liaison).get(f"{BASE}{pk}/calendar.ics"))


def test_session_and_minutes_to_issue(provinces, chuanyu_legal, django_capture_on_commit_callbacks):
    pk = create_chuanyu_meeting(provinces, chuanyu_legal)["id"]
    participants = invite_heads(provinces, pk)
    liaison = provinces[SICHUAN].liaison
    ok(transition(liaison, pk, "schedule"))
    ok(transition(liaison, pk, "open_session"))
    client = token_client(liaison)
    roll = ok(
        client.post(
            f"{BASE}{pk}/participants/{participants[SICHUAN]['id']}/attendance/",
            {"attended": True},
            format="json",
        )
    )
    assert roll["attended"] is True and roll["presence"] == "present"
    # The roll call of issue 20: leave needs its reason, and is what the 纪要 prints as 请假.
    leave_url = f"{BASE}{pk}/participants/{participants[CHONGQING]['id']}/attendance/"
    assert_error(client.post(leave_url, {"presence": "leave"}, format="json"), 400, "invalid")
    leave = ok(client.post(leave_url, {"presence": "leave", "reason": "另有公务"}, format="json"))
    assert (leave["presence"], leave["presence_reason"]) == ("leave", "另有公务")
    assert_error(client.post(leave_url, {"presence": "asleep"}, format="json"), 400, "invalid")
    agenda = ok(client.get(f"{BASE}{pk}/agenda/"))
    assert all({"state_label", "url", "visible", "summary"} <= set(row) for row in agenda)
    added = ok(
        client.post(f"{BASE}{pk}/agenda/", {"source_kind": "free", "title": "执法协作规范"}, format="json"),
        201,
    )
    item = next(row for row in added if row["title"] == "执法协作规范")
    decided = ok(
        client.patch(
            f"{BASE}{pk}/agenda/{item['id']}/", {"outcome": "decided", "note": "通过"}, format="json"
        )
    )
    assert next(row for row in decided if row["id"] == item["id"])["outcome"] == "decided"
    briefing = ok(client.get(f"{BASE}{pk}/briefing/"))
    assert briefing["frozen_at"] is not None and "cases" in briefing["figures"]

    ok(transition(liaison, pk, "close"))
    ok(transition(liaison, pk, "start_minutes"))
    minutes_url = f"{BASE}{pk}/minutes/"
    # A draft is read only by the host unit's officers.
    assert_error(token_client(provinces[CHONGQING].head).get(minutes_url), 404, "not_found")
    draft = ok(client.patch(minutes_url, {"closing": "会议取得圆满成功。"}, format="json"))
    assert draft["state"] == "drafting" and draft["closing"] == "会议取得圆满成功。"
    resolution = ok(
        client.post(
            f"{minutes_url}resolutions/",
            {"kind": "note", "text": "下次会议由重庆市公安局承办"},
            format="json",
        ),
        201,
    )
    assert resolution["number"] == 1 and resolution["apply_state"] == "pending"
    body = assert_error(
        client.post(f"{minutes_url}resolutions/", {"kind": "note"}, format="json"), 400, "invalid"
    )
    assert "text" in body["fields"]
    assert resolution["repeals"] == []
    unknown = assert_error(
        client.post(
            f"{minutes_url}resolutions/",
            {
                "kind": "normative_document",
                "text": "通过规范",
                "normative_title": "规范",
                "normative_text": "正文",
                "repeals": [987654],
            },
            format="json",
        ),
        400,
        "invalid",
    )
    assert list(unknown["fields"]) == ["repeals"]

    circulated = ok(
        client.post(f"{minutes_url}transitions/circulate/", {"expected_state": "drafting"}, format="json")
    )
    assert circulated["state"] == "circulating" and circulated["version"] == 1
    digest = circulated["content_digest"]
    assert [m["signed"] for m in circulated["members"]] == [False, False]

    chongqing = token_client(provinces[CHONGQING].head)
    conflict(
        chongqing.post(f"{minutes_url}signoffs/", {"action": "signed", "digest": "0" * 64}, format="json")
    )
    assert_error(
        token_client(provinces[CHONGQING].legal).post(
            f"{minutes_url}signoffs/", {"action": "signed", "digest": digest}, format="json"
        ),
        403,
        "permission_denied",
    )
    signed = ok(
        chongqing.post(f"{minutes_url}signoffs/", {"action": "signed", "digest": digest}, format="json"), 201
    )
    assert {m["unit"]["code"]: m["signed"] for m in signed["members"]} == {SICHUAN: False, CHONGQING: True}
    with django_capture_on_commit_callbacks(execute=True):
        signed = ok(
            token_client(provinces[SICHUAN].head).post(
                f"{minutes_url}signoffs/", {"action": "signed", "digest": digest}, format="json"
            ),
            201,
        )
    assert signed["state"] == "signed"
    assert "issue" in ok(token_client(provinces[SICHUAN].head).get(minutes_url))["available_transitions"]
    assert_error(client.post(f"{minutes_url}transitions/issue/", {}, format="json"), 403, "permission_denied")
    with django_capture_on_commit_callbacks(execute=True):
        issued = ok(
            token_client(provinces[SICHUAN].head).post(
                f"{minutes_url}transitions/issue/", {"expected_state": "signed"}, format="json"
            )
        )
    assert issued["state"] == "published"
    assert issued["document"]["number"]
    assert issued["resolutions"][0]["apply_state"] == "applied"
    meeting = ok(chongqing.get(f"{BASE}{pk}/"))
    assert meeting["state"] == "published"
    assert [row["action"] for row in ok(chongqing.get(f"{minutes_url}signoffs/"))] == ["signed", "signed"]


def test_series_detail_shows_rotation_duty_next_host_and_drill_gaps(provinces, pan_southwest):
    client = token_client(provinces[GUIZHOU].liaison)
    listed = ok(client.get("/api/v1/meeting-series/"))
    assert [row["id"] for row in listed["results"]] == [pan_southwest.pk]
    body = ok(client.get(f"/api/v1/meeting-series/{pan_southwest.pk}/"))
    assert [m["unit"]["code"] for m in body["members"]] == list(SIX)
    assert body["next_host"]["unit"]["code"] == SIX[0] and body["next_host"]["reason"]
    assert body["duty_unit"] is None
    assert timezone.localdate().year in body["drill_gaps"]
    assert (
        ok(client.get(f"/api/v1/meeting-series/{pan_southwest.pk}/normative-documents/", {"q": "协作"}))[
            "results"
        ]
        == []
    )
    body = assert_error(
        client.get(f"/api/v1/meeting-series/{pan_southwest.pk}/normative-documents/", {"status": "nonsense"}),
        400,
        "invalid",
    )
    assert "status" in body["fields"]


def _action_item(meeting, *, owner: str, due_in: dt.timedelta) -> ActionItem:
    minutes = Minutes.objects.create(
        meeting=meeting, state=MinutesState.PUBLISHED, version=1, drafted_by=meeting.organiser
    )
    resolution = Resolution.objects.create(
        minutes=minutes,
        number=1,
        kind=ResolutionKind.ACTION_ITEM,
        text="核查",
        owner_unit=Unit.objects.get(code=owner),
        task="核查身份",
        due_in_days=5,
        apply_state=ApplyState.APPLIED,
    )
    return ActionItem.objects.create(
        resolution=resolution,
        meeting=meeting,
        series=meeting.series,
        owner_unit=resolution.owner_unit,
        task="核查身份",
        due_at=timezone.now() + due_in,
    )


def test_action_items_list_filters_detail_and_complete(provinces, pan_southwest, nanming):
    organiser = provinces[GUIZHOU].liaison
    late = _action_item(
        meeting_in(pan_southwest, host=GUIZHOU, organiser=organiser, state=MeetingState.PUBLISHED),
        owner="520102",
        due_in=-dt.timedelta(days=1),
    )
    on_time = _action_item(
        meeting_in(
            pan_southwest,
            host=GUIZHOU,
            organiser=organiser,
            state=MeetingState.PUBLISHED,
            start_in=dt.timedelta(days=40),
        ),
        owner="520102",
        due_in=dt.timedelta(days=4),
    )
    client = token_client(nanming.head)
    rows = ok(client.get("/api/v1/action-items/"))["results"]
    assert {row["id"] for row in rows} == {late.pk, on_time.pk}
    assert [row["id"] for row in ok(client.get("/api/v1/action-items/", {"overdue": "true"}))["results"]] == [
        late.pk
    ]
    assert ok(client.get("/api/v1/action-items/", {"unit": "510000"}))["results"] == []
    detail = ok(client.get(f"/api/v1/action-items/{late.pk}/"))
    assert detail["is_overdue"] is True and detail["available_transitions"] == ["complete"]
    body = assert_error(
        client.post(f"/api/v1/action-items/{late.pk}/transitions/complete/", {"note": ""}, format="json"),
        400,
        "invalid",
    )
    assert "note" in body["fields"]
    assert_error(
        client.post(f"/api/v1/action-items/{late.pk}/transitions/withdraw/", {"reason": "x"}, format="json"),
        403,
        "permission_denied",
    )
    done = ok(
        client.post(
            f"/api/v1/action-items/{late.pk}/transitions/complete/", {"note": "已核查"}, format="json"
        )
    )
    assert done["state"] == "done" and done["result_note"] == "已核查"
    assert_error(client.get("/api/v1/action-items/999999/"), 404, "not_found")


def test_meeting_list_filters_and_constant_queries(provinces, pan_southwest, chuanyu_legal):
    organiser = provinces[CHONGQING].liaison
    client = token_client(organiser)
    client.get(BASE)
    soon = meeting_in(pan_southwest, host=CHONGQING, organiser=organiser, start_in=dt.timedelta(days=3))
    later = meeting_in(pan_southwest, host=CHONGQING, organiser=organiser, start_in=dt.timedelta(days=30))
    legal = meeting_in(chuanyu_legal, host=CHONGQING, organiser=organiser, kind=MeetingKind.EXTRAORDINARY)
    assert {row["id"] for row in ok(client.get(BASE))["results"]} == {soon.pk, later.pk, legal.pk}
    assert {row["id"] for row in ok(client.get(BASE, {"series": chuanyu_legal.pk}))["results"]} == {legal.pk}
    window = {
        "from": (timezone.now() + dt.timedelta(days=20)).isoformat(),
        "to": (timezone.now() + dt.timedelta(days=60)).isoformat(),
    }
    assert {row["id"] for row in ok(client.get(BASE, window))["results"]} == {later.pk}
    assert ok(client.get(BASE, {"state": "draft"}))["results"] == []
    assert_error(client.get(BASE, {"state": "nonsense"}), 400, "invalid")

    with CaptureQueriesContext(connection) as few:
        ok(client.get(BASE))
    for index in range(8):
        invite(
            meeting_in(
                pan_southwest, host=GUIZHOU, organiser=organiser, start_in=dt.timedelta(days=50 + index)
            ),
            provinces[GUIZHOU].head,
        )
    with CaptureQueriesContext(connection) as many:
        assert len(ok(client.get(BASE))["results"]) == 11
    assert len(many) == len(few)
    page = ok(client.get(BASE, {"page_size": 5}))
    assert len(page["results"]) == 5 and page["next"]


# --- malformed query input: 400 naming the field, never 500 -------------------------------------------

# "²" passes str.isdigit() but is no number; "٣" (Arabic-Indic three) passes int(); a 20-digit id does
# not fit a bigint; "1.5" and "1e3" parse as decimals. Each id parameter must refuse them all.
BAD_IDS = ("²", "٣", "1.5", "1e3", "-1", " 1", "99999999999999999999", "")


def test_list_filters_refuse_malformed_ids_with_400_naming_the_field(provinces, pan_southwest, nanming):
    organiser = provinces[GUIZHOU].liaison
    meeting = meeting_in(pan_southwest, host=GUIZHOU, organiser=organiser)
    client = token_client(organiser)
    for value in BAD_IDS:
        for url, field in ((BASE, "series"), ("/api/v1/action-items/", "meeting")):
            response = client.get(url, {field: value})
            if value == "":
                # An empty filter is no filter.
                assert response.status_code == 200, (url, value, response.content)
                continue
            body = assert_error(response, 400, "invalid")
            assert field in body["fields"], (url, value, body)
    assert [row["id"] for row in ok(client.get(BASE, {"series": str(pan_southwest.pk)}))["results"]] == [
        meeting.pk
    ]
    for params, field in (
        ({"state": "²"}, "state"),
        ({"from": "²"}, "start_from"),
        ({"to": "9999-99-99"}, "start_to"),
    ):
        body = assert_error(client.get(BASE, params), 400, "invalid")
        assert field in body["fields"], (params, body)
    # A yes/no filter that is neither is no filter (django-filter's NullBooleanField reads it as unset).
    assert ok(client.get("/api/v1/action-items/", {"overdue": "²"})) == ok(
        client.get("/api/v1/action-items/")
    )
    # Dates at the edge of the calendar are read, not overflowed.
    for edge in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        assert client.get(BASE, {"from": edge}).status_code in (200, 400), edge
        assert client.get(BASE, {"to": edge}).status_code in (200, 400), edge
    # Offsets Python reads but PostgreSQL refuses (beyond ±15:59; found by the fuzzer) are moved to UTC.
    assert client.get(BASE, {"from": "5408-04-18T20:32:23+18:33"}).status_code == 200
    assert client.get(BASE, {"to": "2026-03-01T08:00:00-17:45"}).status_code == 200


def test_id_parameters_in_paths_and_bodies_never_answer_500(provinces, chuanyu_legal):
    from tests.support.meetings import published_meeting

    meeting, *_rest = published_meeting(
        chuanyu_legal,
        host=SICHUAN,
        organiser=provinces[SICHUAN].liaison,
        owner=CHONGQING,
        participants=[provinces[SICHUAN].head],
    )
    client = token_client(provinces[SICHUAN].liaison)
    huge = "9" * 20
    for url in (
        f"{BASE}{huge}/",
        f"{BASE}{meeting.pk}/participants/{huge}/answer/",
        f"{BASE}{meeting.pk}/minutes/resolutions/{huge}/retry/",
        f"/api/v1/action-items/{huge}/",
        f"/api/v1/meeting-series/{huge}/",
    ):
        method = client.post if url.endswith(("answer/", "retry/")) else client.get
        assert_error(method(url, {}, format="json"), 404, "not_found")
    # A draft to add resolutions to: the body's ids are refused with 400 naming the field.
    Minutes.objects.filter(meeting=meeting).update(state=MinutesState.DRAFTING)
    url = f"{BASE}{meeting.pk}/minutes/resolutions/"
    for field in ("proceeding", "agenda_item"):
        for value in (huge, "²", "1.5", -1):
            body = {"kind": "jurisdiction", "text": "x", field: value}
            response = client.post(url, body, format="json")
            error = assert_error(response, 400, "invalid")
            assert field in error["fields"], (field, value, error)
    order = client.post(f"{BASE}{meeting.pk}/agenda/order/", {"item_ids": [int(huge)]}, format="json")
    assert order.status_code in (400, 409), order.content


def test_times_at_the_edge_of_the_calendar_are_refused_not_overflowed(provinces, chuanyu_legal):
    organiser = provinces[SICHUAN].liaison
    meeting = meeting_in(chuanyu_legal, host=SICHUAN, organiser=organiser, state=MeetingState.DRAFT)
    before = meeting.start_at
    client = token_client(organiser)
    early = {"start_at": "0001-01-01T00:00:00+14:00", "end_at": "0001-01-01T02:00:00+14:00"}
    late = {"start_at": "9999-12-31T20:00:00-12:00", "end_at": "9999-12-31T22:00:00-12:00"}
    for times in (early, late):
        body = assert_error(client.get(f"{BASE}{meeting.pk}/checks/", times), 400, "invalid")
        assert "start_at" in body["fields"], body
        body = assert_error(client.patch(f"{BASE}{meeting.pk}/", times, format="json"), 400, "invalid")
        assert "start_at" in body["fields"], body
    meeting.refresh_from_db()
    assert meeting.start_at == before
