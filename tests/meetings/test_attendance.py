"""Attendance per participant (issue 20 item 3): the roll call records present, on leave (with the
reason), absent, or a delegate in their place; the issued 纪要 (GB/T 9704-2012 §10.3) prints only
recorded leave as 请假, the organiser and every recorded present person as 出席, observers as 列席.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.exceptions import Conflict
from documents import tasks as document_tasks
from meetings import minutes as minutes_services
from meetings import scheduling
from meetings.models import AttendanceRole, MeetingState, Presence
from tests.support.factories.meetings import invite, meeting_in
from tests.support.meetings import add_decisions, circulate, name_officers, sign, start_minutes
from tests.support.pdf import pdf_text
from tests.support.units import CHONGQING, GUIZHOU, QINGHAI, SICHUAN, SIX, TIBET, YUNNAN

pytestmark = pytest.mark.django_db


def _session(provinces, series):
    """A meeting about to start, with every kind of answer; the session is opened by the chair's head.

    Guizhou hosts and its liaison officer organises (invited, never answered, as on the demo).
    """
    name_officers(provinces)
    meeting = meeting_in(
        series,
        host=GUIZHOU,
        organiser=provinces[GUIZHOU].liaison,
        start_in=dt.timedelta(minutes=20),
        session_number=16,
    )
    rows = {}
    for code in SIX:
        office = provinces[code]
        rows[code, "head"] = invite(meeting, office.head, is_chair=code == CHONGQING)
        rows[code, "liaison"] = invite(
            meeting,
            office.liaison,
            kind="liaison",
            attendance_role=AttendanceRole.OBSERVER if code == QINGHAI else AttendanceRole.PRESENT,
        )

    def answer(code, who, value, **extra):
        scheduling.participant_answer(
            participant=rows[code, who], by=getattr(provinces[code], who), answer=value, **extra
        )

    answer(CHONGQING, "head", "accepted")
    answer(CHONGQING, "liaison", "accepted")
    answer(SICHUAN, "head", "delegated", delegate=provinces[SICHUAN].legal)
    answer(SICHUAN, "liaison", "accepted")
    answer(YUNNAN, "head", "declined", reason="赴京参加专项会议")
    answer(YUNNAN, "liaison", "accepted")
    answer(QINGHAI, "liaison", "accepted")
    meeting, _ = scheduling.meeting_transition(
        meeting=meeting, name="open_session", by=provinces[CHONGQING].head
    )
    return meeting, rows


def _lists(meeting) -> dict[str, list[str]]:
    lists = minutes_services.attendance_lists(meeting)
    return {key: [entry["name"] for entry in lists[key]] for key in ("present", "observers", "excused")}


def test_opening_takes_the_roll_call_from_the_answers_and_leaves_the_silent_unrecorded(
    provinces, pan_southwest
):
    meeting, rows = _session(provinces, pan_southwest)
    presence = {key: type(row).objects.get(pk=row.pk).presence for key, row in rows.items()}
    assert presence[CHONGQING, "head"] == Presence.PRESENT
    assert presence[SICHUAN, "head"] == Presence.DELEGATED
    assert presence[YUNNAN, "head"] == Presence.LEAVE
    # The organiser ran the session without answering their own invitation: there, not on leave.
    assert presence[GUIZHOU, "liaison"] == Presence.PRESENT
    # No answer is no leave: left for the roll call.
    assert presence[TIBET, "head"] == "" and presence[GUIZHOU, "head"] == ""
    delegate = meeting.participants.get(user=provinces[SICHUAN].legal)
    assert delegate.presence == Presence.PRESENT and delegate.attended is True
    lists = _lists(meeting)
    assert "藏局长" not in lists["excused"] and "黔联络员" in lists["present"]
    assert lists["excused"] == ["滇局长"]


def test_the_roll_call_records_leave_absence_and_a_delegate_and_refuses_what_is_missing(
    provinces, pan_southwest
):
    meeting, rows = _session(provinces, pan_southwest)
    runner = provinces[GUIZHOU].head
    with pytest.raises(ValidationError) as no_reason:
        scheduling.attendance_record(participant=rows[TIBET, "head"], by=runner, presence=Presence.LEAVE)
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError) as nobody:
        scheduling.attendance_record(
            participant=rows[QINGHAI, "head"], by=runner, presence=Presence.DELEGATED
        )
    assert "delegate_name" in nobody.value.message_dict
    scheduling.attendance_record(participant=rows[TIBET, "head"], by=runner, presence="leave", reason="病假")
    scheduling.attendance_record(
        participant=rows[QINGHAI, "head"], by=runner, presence="delegated", delegate_name="青副局长"
    )
    scheduling.attendance_record(participant=rows[YUNNAN, "liaison"], by=runner, presence="absent")
    # The older yes/no of the API: no is leave for one who declined (their reason stands).
    declined = scheduling.attendance_record(participant=rows[YUNNAN, "head"], by=runner, attended=False)
    assert declined.presence == Presence.LEAVE and declined.leave_reason == "赴京参加专项会议"
    lists = _lists(meeting)
    assert "青副局长（代 青局长）" in lists["present"] and "青局长" not in lists["present"] + lists["excused"]
    assert sorted(lists["excused"]) == sorted(["滇局长", "藏局长"])
    assert "滇联络员" not in lists["present"] + lists["observers"] + lists["excused"]
    # The roll call is corrected until the minutes circulate, and then no more.
    scheduling.meeting_transition(meeting=meeting, name="close", by=provinces[CHONGQING].head)
    scheduling.attendance_record(
        participant=rows[GUIZHOU, "head"], by=provinces[GUIZHOU].liaison, presence="present"
    )
    minutes = start_minutes(meeting, provinces[GUIZHOU].liaison)
    add_decisions(minutes)
    circulate(minutes, provinces[GUIZHOU].liaison)
    with pytest.raises(Conflict):
        scheduling.attendance_record(participant=rows[TIBET, "liaison"], by=runner, presence="present")


def test_the_issued_minutes_print_each_list_from_the_session(provinces, pan_southwest):
    """The 纪要 rendered by the real renderer, read back with pdftotext."""
    meeting, rows = _session(provinces, pan_southwest)
    runner = provinces[CHONGQING].head
    scheduling.attendance_record(participant=rows[GUIZHOU, "head"], by=runner, presence="present")
    scheduling.attendance_record(participant=rows[TIBET, "head"], by=runner, presence="leave", reason="病假")
    scheduling.attendance_record(
        participant=rows[QINGHAI, "head"], by=runner, presence="delegated", delegate_name="青副局长"
    )
    scheduling.attendance_record(participant=rows[YUNNAN, "liaison"], by=runner, presence="absent")
    # Tibet's liaison never answered and is never recorded; Guizhou's liaison organised it.
    scheduling.meeting_transition(meeting=meeting, name="close", by=runner)
    minutes = start_minutes(meeting, provinces[GUIZHOU].liaison)
    add_decisions(minutes)
    minutes = circulate(minutes, provinces[GUIZHOU].liaison)
    for code in SIX:
        sign(minutes, provinces[code])
    minutes.refresh_from_db()
    minutes = minutes_services.minutes_transition(minutes=minutes, name="issue", by=provinces[GUIZHOU].head)
    assert document_tasks.render_document(minutes.document.pk) == "done"
    minutes.document.refresh_from_db()
    flat = pdf_text(minutes.document, squeeze=True)
    present = flat[flat.index("出席：") : flat.index("请假：")]
    excused = flat[flat.index("请假：") : flat.index("列席：")]
    observers = flat[flat.index("列席：") : flat.index("会签单位：")]
    for name in (
        "渝局长",
        "渝联络员",
        "川法制员（代川局长）",
        "川联络员",
        "黔局长",
        "黔联络员",
        "青副局长（代青局长）",
    ):
        assert name in present, name
    assert sorted(re.findall(r"[渝川黔滇藏青](?:副局长|局长|联络员|法制员)", excused)) == ["滇局长", "藏局长"]
    assert "青联络员" in observers
    for nobody in ("藏联络员", "滇联络员"):
        assert nobody not in flat, nobody
    for name in ("川局长", "青局长"):
        assert name not in present.replace(f"代{name}", "") and name not in excused, name


def test_an_organiser_not_invited_is_printed_present(provinces, pan_southwest):
    name_officers(provinces)
    meeting = meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=provinces[GUIZHOU].liaison,
        state=MeetingState.CLOSED,
        start_in=-dt.timedelta(days=1),
    )
    invite(meeting, provinces[CHONGQING].head, is_chair=True, presence=Presence.PRESENT, attended=True)
    invite(meeting, provinces[GUIZHOU].head, presence=Presence.PRESENT, attended=True)
    invite(meeting, provinces[YUNNAN].head)
    lists = minutes_services.attendance_lists(meeting)
    assert [entry["name"] for entry in lists["present"]] == ["渝局长", "黔局长", "黔联络员"]
    assert lists["present"][2]["unit"] == provinces[GUIZHOU].unit.name
    assert lists["excused"] == []


# --- the page ------------------------------------------------------------------------------------------


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _form(html: str, participant_pk: int) -> str:
    at = html.index(f'id="id_attendance_{participant_pk}_participant"')
    return html[html.rindex("<form", 0, at) : html.index("</form>", at)]


def test_the_page_records_the_roll_call_of_each_row(english, provinces, pan_southwest):
    meeting, rows = _session(provinces, pan_southwest)
    english.force_login(provinces[CHONGQING].head)
    url = reverse("meetings:action", args=[meeting.pk, "attendance"])
    target = rows[TIBET, "head"]
    page = english.get(reverse("meetings:detail", args=[meeting.pk])).text
    form = _form(page, target.pk)
    # The hidden field carries the row's id (it was posted empty: 400 with no message).
    assert re.search(rf'name="participant" value="{target.pk}"', form)
    assert "Not recorded" in page
    refused = english.post(url, {"participant": target.pk, "presence": "leave", "reason": ""})
    assert refused.status_code == 400
    assert "Give the reason for the leave" in _form(refused.text, target.pk)
    assert "Please correct the fields marked below" in refused.text
    done = english.post(url, {"participant": target.pk, "presence": "leave", "reason": "病假"}, follow=True)
    assert done.status_code == 200
    assert "Recorded for 藏局长: On leave." in done.text
    target.refresh_from_db()
    assert target.presence == Presence.LEAVE and target.presence_reason == "病假" and target.attended is False
    # A delegate named at the roll call is named on the row of the one they stood in for.
    absent_head = rows[QINGHAI, "head"]
    english.post(url, {"participant": absent_head.pk, "presence": "delegated", "delegate_name": "青副局长"})
    page = english.get(reverse("meetings:detail", args=[meeting.pk])).text
    row = page[page.index(f'id="participant-{absent_head.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "A delegate attended in their place" in row and "青副局长" in row
    # Nobody's row: said so, not a bare 400.
    lost = english.post(url, {"participant": "", "presence": "present"})
    assert lost.status_code == 400 and "Choose the participant whose attendance you record." in lost.text
    # One who does not run the session has no roll call to take.
    english.force_login(provinces[YUNNAN].head)
    assert 'id="id_attendance_' not in english.get(reverse("meetings:detail", args=[meeting.pk])).text
    assert english.post(url, {"participant": target.pk, "presence": "present"}).status_code == 403


# --- the page's words and its next steps ---------------------------------------------------------------


def test_the_unit_head_finds_the_minutes_to_issue_in_the_next_steps_panel_at_the_top(
    english, provinces, pan_southwest
):
    from meetings.models import MinutesState
    from tests.support.meetings import minutes_in

    minutes = minutes_in(pan_southwest, provinces[GUIZHOU], state=MinutesState.SIGNED)
    english.force_login(provinces[GUIZHOU].head)
    page = english.get(reverse("meetings:detail", args=[minutes.meeting_id])).text
    panel = page[page.index('id="next"') : page.index('id="participants"')]
    issue = reverse("meetings:minutes-transition", args=[minutes.meeting_id, "issue"])
    assert f'action="{issue}"' in panel and "button--primary" in panel
    assert "There is no step for you to take on this meeting now." not in panel
    # Once only: the minutes' section no longer repeats the step (one form, one set of ids).
    assert page.count(f'action="{issue}"') == 1


def test_the_meeting_page_speaks_of_a_meeting_not_a_case_and_hides_developer_details(
    client, provinces, pan_southwest
):
    closed = meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=provinces[GUIZHOU].liaison,
        state=MeetingState.CLOSED,
        start_in=-dt.timedelta(days=1),
    )
    client.force_login(provinces[GUIZHOU].liaison)
    page = client.get(reverse("meetings:detail", args=[closed.pk])).text
    assert "已闭会" in page and "已结案" not in page
    assert "日历序号" not in page
    draft = meeting_in(
        pan_southwest, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison, state=MeetingState.DRAFT
    )
    invite(draft, provinces[GUIZHOU].head)
    page = client.get(reverse("meetings:detail", args=[draft.pk])).text
    picker = page[page.index('id="id_participant_add_candidate"') :]
    picker = picker[: picker.index("</select>")]
    assert "公安机关负责人" in picker
    assert not re.search(r"· (unit_head|liaison_officer|legal_officer|department_head)<", picker)
    scheduled = meeting_in(pan_southwest, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison)
    invite(scheduled, provinces[GUIZHOU].liaison)
    page = client.get(reverse("meetings:detail", args=[scheduled.pk])).text
    answer = page[page.index('id="id_answer_') :]
    assert "补充说明" not in page and "是否参会" in answer and "请假事由" in answer
