"""Minutes (纪要): drafted by the host's liaison, signed by every member unit, issued by the host's head.

GB/T 9704-2012 §10.3 [S]: red masthead, numbered decisions, 出席 / 列席 / 请假 lists. The minutes
cannot be published before every current member unit signed the very text that is issued.
"""

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from core.api import Conflict
from core.models import AuditEvent, OutboxMessage
from documents import tasks as document_tasks
from documents.models import Document, DocumentState
from meetings import minutes as minutes_services
from meetings.models import (
    JointMeeting,
    MeetingState,
    Minutes,
    MinutesSignoff,
    MinutesState,
    minutes_digest,
)
from organisation.models import Role, Unit
from tests.support.factories.organisation import member
from tests.support.meetings import DECISIONS, add_decisions, circulate, held_meeting, sign, start_minutes
from tests.support.pdf import pdf_text
from tests.support.units import CHONGQING, GUIZHOU, QINGHAI, SICHUAN, SIX, TIBET, YUNNAN

pytestmark = pytest.mark.django_db


def sign_all(minutes, provinces, codes=SIX):
    for code in codes:
        sign(minutes, provinces[code])
    minutes.refresh_from_db()
    return minutes


@pytest.fixture
def drafting(provinces, pan_southwest):
    meeting = held_meeting(provinces, pan_southwest)
    minutes = start_minutes(meeting, provinces[GUIZHOU].liaison)
    add_decisions(minutes)
    return minutes


@pytest.fixture
def circulating(drafting, provinces):
    return circulate(drafting, provinces[GUIZHOU].liaison)


# --- drafting -----------------------------------------------------------------------------------------


def test_start_prefills_the_opening_with_time_place_host_chair_and_topics(provinces, pan_southwest):
    meeting = held_meeting(provinces, pan_southwest)
    minutes = start_minutes(meeting, provinces[GUIZHOU].liaison)
    day = timezone.localtime(meeting.start_at).date()
    assert minutes.state == MinutesState.DRAFTING and minutes.version == 0
    assert minutes.drafted_by == provinces[GUIZHOU].liaison
    assert minutes.opening == (
        f"{day.year}年{day.month}月{day.day}日，泛西南警务合作联席会议第十五次会议在贵阳市公安局会议室召开。"
        f"会议由{provinces[GUIZHOU].unit.name}承办，{provinces[CHONGQING].unit.name}渝局长主持。"
        "会议研究了以下议题：一是非法集资案件管辖争议；二是逾期未办结的协作请求。"
        "现将会议议定事项纪要如下："
    )
    assert JointMeeting.objects.get(pk=meeting.pk).state == MeetingState.MINUTES_DRAFTING
    assert AuditEvent.objects.filter(action="meetings.minutes.start", target_id=str(minutes.pk)).count() == 1


def test_chinese_numerals_of_sessions_and_decisions():
    cases = {1: "一", 10: "十", 15: "十五", 20: "二十", 101: "一百零一", 110: "一百一十", 2005: "二千零五"}
    assert {n: minutes_services.chinese_numeral(n) for n in cases} == cases


def test_content_lists_present_observers_and_excused_from_answers_and_roll_call(drafting, provinces):
    content = minutes_services.minutes_content(drafting)
    names = {key: [entry["name"] for entry in content[key]] for key in ("present", "observers", "excused")}
    assert names["present"] == [
        "渝局长",  # the chair first
        "渝联络员",
        "川法制员（代 川局长）",
        "川联络员",
        "黔局长",
        "黔联络员",
        "滇局长",
        "藏局长",
        "藏联络员",
        "青联络员",
    ]
    assert sorted(names["observers"]) == sorted(["藏法制员", "郑教授"])
    # Only a recorded leave is 请假 (issue 20): Qinghai's head declined; Yunnan's liaison, absent
    # without leave, is in no list.
    assert names["excused"] == ["青局长"]
    assert "滇联络员" not in names["present"] + names["observers"] + names["excused"]
    # The head who delegated is not listed himself; the expert is named as such.
    assert "川局长" not in names["present"] + names["observers"] + names["excused"]
    expert = next(entry for entry in content["observers"] if entry["name"] == "郑教授")
    assert expert == {"name": "郑教授", "unit": "中国人民公安大学", "title": "特邀专家"}
    assert content["present"][0]["unit"] == provinces[CHONGQING].unit.name
    assert content["masthead"] == "泛西南警务合作联席会议纪要" and content["session"] == "第十五次会议"
    assert [(d["number"], d["numeral"], d["text"]) for d in content["decisions"]] == [
        (1, "一", DECISIONS[0]),
        (2, "二", DECISIONS[1]),
    ]
    assert content["host_unit"] == provinces[GUIZHOU].unit.name
    # JSON-safe and canonical: the digest is the same after a round trip through JSON.
    assert json.loads(json.dumps(content, ensure_ascii=False)) == content
    assert minutes_digest(json.loads(json.dumps(content))) == minutes_digest(content)


def test_update_while_drafting_by_the_host_liaison_only(drafting, provinces):
    liaison = provinces[GUIZHOU].liaison
    minutes = minutes_services.minutes_update(
        minutes=drafting, by=liaison, closing="  下次会议由云南省公安厅承办。 "
    )
    assert minutes.closing == "下次会议由云南省公安厅承办。"
    for outsider in (provinces[CHONGQING].liaison, provinces[GUIZHOU].head):
        with pytest.raises(PermissionDenied):
            minutes_services.minutes_update(minutes=drafting, by=outsider, closing="x")
    circulate(drafting, liaison)
    with pytest.raises(Conflict):
        minutes_services.minutes_update(minutes=drafting, by=liaison, closing="改")


def test_circulation_needs_a_decision_or_a_closing_and_freezes_the_text(provinces, pan_southwest):
    meeting = held_meeting(provinces, pan_southwest)
    liaison = provinces[GUIZHOU].liaison
    minutes = start_minutes(meeting, liaison)
    # A step blocked by what the draft lacks (meetings.steps), named on the page before it is taken.
    with pytest.raises(Conflict) as refused:
        circulate(minutes, liaison)
    assert refused.value.code == "step_blocked"
    assert gettext("Minutes record at least one decision or a closing paragraph.") in str(refused.value)
    minutes_services.minutes_update(minutes=minutes, by=liaison, opening="")
    minutes_services.minutes_update(minutes=minutes, by=liaison, closing="会议通报了上年度协作情况。")
    with pytest.raises(ValidationError) as refused:
        circulate(minutes, liaison)
    assert "opening" in refused.value.message_dict
    minutes_services.minutes_update(minutes=minutes, by=liaison, opening="会议在贵阳召开。")
    with pytest.raises(PermissionDenied):
        circulate(minutes, provinces[GUIZHOU].head)
    minutes = circulate(minutes, liaison)
    assert minutes.state == MinutesState.CIRCULATING and minutes.version == 1
    assert minutes.content["closing"] == "会议通报了上年度协作情况。" and minutes.content["decisions"] == []
    assert minutes.content_digest == minutes_digest(minutes.content)
    assert minutes.meeting.state == MeetingState.MINUTES_CIRCULATING
    # Every signatory of every member is asked to sign, once per version.
    keys = OutboxMessage.objects.filter(
        idempotency_key__startswith=f"notify:minutes:{minutes.pk}:circulated:v1:"
    )
    assert set(keys.values_list("payload__user_id", flat=True)) == {provinces[c].head.pk for c in SIX}


def test_unknown_or_internal_transition_names_are_refused(drafting, provinces):
    with pytest.raises(ValidationError):
        minutes_services.minutes_transition(
            minutes=drafting, name="complete_signing", by=provinces[GUIZHOU].head
        )
    with pytest.raises(Conflict):
        minutes_services.minutes_transition(
            minutes=drafting,
            name="circulate",
            by=provinces[GUIZHOU].liaison,
            expected_state="circulating",
        )


# --- sign-off -----------------------------------------------------------------------------------------


def test_issue_refused_until_every_member_unit_signed(circulating, provinces):
    head = provinces[GUIZHOU].head
    sign_all(circulating, provinces, SIX[:-1])
    with pytest.raises(Conflict) as refused:
        minutes_services.minutes_transition(minutes=circulating, name="issue", by=head)
    assert refused.value.current_state == MinutesState.CIRCULATING
    circulating.refresh_from_db()
    assert circulating.state == MinutesState.CIRCULATING and circulating.document is None
    assert circulating.meeting.state == MeetingState.MINUTES_CIRCULATING
    assert not Document.objects.filter(kind="meeting_minutes").exists()
    # Commenting is not signing.
    minutes_services.minutes_signoff(
        minutes=circulating,
        unit=provinces[QINGHAI].unit,
        by=provinces[QINGHAI].head,
        action="commented",
        comment="请补充青海省公安厅的协办事项。",
        digest=circulating.content_digest,
    )
    circulating.refresh_from_db()
    assert circulating.state == MinutesState.CIRCULATING
    sign(circulating, provinces[QINGHAI])
    circulating.refresh_from_db()
    assert circulating.state == MinutesState.SIGNED and circulating.signed_at is not None
    minutes = minutes_services.minutes_transition(minutes=circulating, name="issue", by=head)
    assert minutes.state == MinutesState.PUBLISHED and minutes.document.state == DocumentState.ISSUED
    # The decisions act only now, citing the issued 纪要 (meetings.resolutions).
    assert set(minutes.resolutions.values_list("apply_state", flat=True)) == {"applied"}
    assert AuditEvent.objects.filter(action="meetings.minutes.complete_signing").count() == 1


def test_revision_voids_earlier_signatures(circulating, provinces):
    liaison = provinces[GUIZHOU].liaison
    first_digest = circulating.content_digest
    sign_all(circulating, provinces, SIX[:3])
    with pytest.raises(ValidationError):
        minutes_services.minutes_transition(minutes=circulating, name="revise", by=liaison)
    minutes = minutes_services.minutes_transition(
        minutes=circulating, name="revise", by=liaison, reason="青海省公安厅要求补充协办事项"
    )
    assert minutes.state == MinutesState.DRAFTING and minutes.meeting.state == MeetingState.MINUTES_DRAFTING
    assert minutes.revise_reason == "青海省公安厅要求补充协办事项"
    minutes_services.minutes_update(minutes=minutes, by=liaison, closing="青海省公安厅协助核查。")
    minutes = circulate(minutes, liaison)
    assert minutes.version == 2 and minutes.content_digest != first_digest
    # Nobody has signed version 2; the three signatures stay on record for version 1.
    assert [signoff for _unit, signoff in minutes_services.minutes_status(minutes)] == [None] * 6
    assert MinutesSignoff.objects.filter(minutes=minutes, version=1, action="signed").count() == 3
    # A signature on the old text is refused, and five new ones do not complete the signing.
    with pytest.raises(Conflict):
        sign(minutes, provinces[YUNNAN], digest=first_digest)
    sign_all(minutes, provinces, SIX[:-1])
    assert minutes.state == MinutesState.CIRCULATING
    sign(minutes, provinces[SIX[-1]])
    minutes.refresh_from_db()
    assert minutes.state == MinutesState.SIGNED


def test_stale_digest_is_409(circulating, provinces):
    with pytest.raises(Conflict) as refused:
        sign(circulating, provinces[CHONGQING], digest="0" * 64)
    assert str(refused.value.detail) == gettext(
        "The minutes changed since you read them; read them again before signing."
    )
    assert refused.value.current_state == MinutesState.CIRCULATING
    assert not MinutesSignoff.objects.filter(minutes=circulating).exists()


def test_signing_outside_circulation_is_409_and_twice_is_refused(drafting, provinces):
    with pytest.raises(Conflict):
        sign(drafting, provinces[CHONGQING], digest="")
    circulate(drafting, provinces[GUIZHOU].liaison)
    sign(drafting, provinces[CHONGQING])
    with pytest.raises(Conflict):
        sign(drafting, provinces[CHONGQING])
    assert MinutesSignoff.objects.filter(minutes=drafting, action="signed").count() == 1


def test_only_signatory_roles_of_member_units_sign(circulating, provinces, nanming, pan_southwest):
    digest = circulating.content_digest

    def attempt(unit, user, action="signed", comment=""):
        return minutes_services.minutes_signoff(
            minutes=circulating, unit=unit, by=user, action=action, comment=comment, digest=digest
        )

    chongqing = provinces[CHONGQING]
    refused = [
        (chongqing.unit, chongqing.legal),  # not a signatory role of this series
        (chongqing.unit, chongqing.liaison),
        (provinces[SICHUAN].unit, chongqing.head),  # a head signs for his own unit only
        (nanming.unit, nanming.head),  # inside a member's subtree, not a member
        (provinces[GUIZHOU].unit, nanming.head),
    ]
    for unit, user in refused:
        with pytest.raises(PermissionDenied):
            attempt(unit, user)
    assert not MinutesSignoff.objects.exists()
    # An acting head (代理) holds the head's role for its dates and signs.
    today = timezone.localdate()
    acting = member(
        CHONGQING,
        Role.UNIT_HEAD,
        username="chongqing_acting_head",
        is_acting=True,
        valid_from=today,
        valid_to=today + dt.timedelta(days=3),
    )
    assert attempt(chongqing.unit, acting).action == "signed"
    # The series decides who signs: here the legal officers too (法制协作).
    pan_southwest.signatory_roles = ["unit_head", "legal_officer"]
    pan_southwest.save()
    assert attempt(provinces[SICHUAN].unit, provinces[SICHUAN].legal).unit == provinces[SICHUAN].unit
    # A unit that left the series no longer signs.
    tibet = pan_southwest.members.get(unit__code=TIBET)
    tibet.left_on = today - dt.timedelta(days=1)
    tibet.save()
    with pytest.raises(PermissionDenied):
        attempt(provinces[TIBET].unit, provinces[TIBET].head)


def test_comments_need_a_text_and_reach_the_host_liaison(circulating, provinces):
    yunnan = provinces[YUNNAN]

    def comment(text):
        return minutes_services.minutes_signoff(
            minutes=circulating,
            unit=yunnan.unit,
            by=yunnan.head,
            action="commented",
            comment=text,
            digest=circulating.content_digest,
        )

    with pytest.raises(ValidationError) as refused:
        comment("  ")
    assert "comment" in refused.value.message_dict
    signoff = comment("第二项请写明核查对象。")
    message = OutboxMessage.objects.get(
        idempotency_key=f"notify:minutes:{circulating.pk}:comment:{signoff.pk}:{provinces[GUIZHOU].liaison.pk}"
    )
    assert message.payload["params"]["comment"] == "第二项请写明核查对象。"
    assert (
        OutboxMessage.objects.filter(
            idempotency_key__startswith=f"notify:minutes:{circulating.pk}:comment:"
        ).count()
        == 1
    )
    status = {unit.code: s for unit, s in minutes_services.minutes_status(circulating)}
    assert status[YUNNAN].action == "commented" and status[CHONGQING] is None


def test_status_lists_every_member_in_rotation_order_in_constant_queries(
    circulating, provinces, django_assert_num_queries
):
    sign_all(circulating, provinces, SIX[:2])
    minutes = Minutes.objects.select_related("meeting__series").get(pk=circulating.pk)
    with django_assert_num_queries(2):
        status = minutes_services.minutes_status(minutes)
    assert [unit.code for unit, _signoff in status] == list(SIX)
    assert [signoff is not None for _unit, signoff in status] == [True, True, False, False, False, False]
    assert status[0][1].by == provinces[CHONGQING].head


# --- issue --------------------------------------------------------------------------------------------


def test_only_host_head_issues(circulating, provinces):
    signed = sign_all(circulating, provinces)
    assert signed.state == MinutesState.SIGNED
    refused = (
        provinces[GUIZHOU].liaison,
        provinces[GUIZHOU].legal,
        provinces[CHONGQING].head,  # the chair's head signs, but does not issue
    )
    for user in refused:
        with pytest.raises(PermissionDenied):
            minutes_services.minutes_transition(minutes=signed, name="issue", by=user)
    assert not Document.objects.filter(kind="meeting_minutes").exists()
    minutes = minutes_services.minutes_transition(
        minutes=signed, name="issue", by=provinces[GUIZHOU].head, expected_state="signed"
    )
    assert minutes.state == MinutesState.PUBLISHED and minutes.issued_by == provinces[GUIZHOU].head
    with pytest.raises(Conflict):
        minutes_services.minutes_transition(minutes=signed, name="issue", by=provinces[GUIZHOU].head)
    assert Document.objects.filter(kind="meeting_minutes").count() == 1


def _pdf_text(document) -> str:
    return pdf_text(document, squeeze=True)


def test_issued_minutes_number_pdf_and_lists(circulating, provinces):
    head = provinces[GUIZHOU].head
    sign_all(circulating, provinces)
    minutes = minutes_services.minutes_transition(minutes=circulating, name="issue", by=head)
    document = minutes.document
    host = provinces[GUIZHOU].unit
    year = timezone.localtime(document.issued_at).year
    assert document.state == DocumentState.ISSUED and document.kind == "meeting_minutes"
    assert document.number == f"{host.code_prefix or host.name}公纪字〔{year}〕1号"
    assert document.issuing_unit == host and document.issued_by == head
    assert (document.link_target_type, document.link_target_id) == (
        "meetings.meeting",
        str(minutes.meeting_id),
    )
    assert document.title == "泛西南警务合作联席会议纪要（第十五次会议）"
    assert [r.name for r in document.recipients.order_by("id")] == [provinces[c].unit.name for c in SIX]
    # The document carries the signed text and the 会签; the digest is of the text without them.
    assert minutes_digest(document.data) == minutes.content_digest
    assert [s["unit"] for s in document.data["signatures"]] == [provinces[c].unit.name for c in SIX]
    assert document.data["signatures"][0]["signer"] == "渝局长"
    meeting = JointMeeting.objects.get(pk=minutes.meeting_id)
    assert meeting.state == MeetingState.PUBLISHED and minutes.published_at is not None

    assert document_tasks.render_document(document.pk) == "done"
    document.refresh_from_db()
    flat = _pdf_text(document)
    for text in (
        "泛西南警务合作联席会议纪要",
        "（第十五次会议）",
        document.number,
        document.verification_code,
        "一、" + DECISIONS[0],
        "二、" + DECISIONS[1],
        "现将会议议定事项纪要如下",
    ):
        assert "".join(text.split()) in flat, text
    present = flat[flat.index("出席：") : flat.index("请假：")]
    excused = flat[flat.index("请假：") : flat.index("列席：")]
    observers = flat[flat.index("列席：") : flat.index("会签单位：")]
    assert "川法制员（代川局长）" in present and "渝局长" in present and "青局长" not in present
    assert "青局长" in excused and "滇联络员" not in flat
    assert "藏法制员" in observers and "郑教授（特邀专家）" in observers
    assert re.search(r"会签单位：.*重庆市公安局.*渝局长", flat)

    # Everyone concerned hears of it once: the officers of the members and the participants.
    published = OutboxMessage.objects.filter(
        idempotency_key__startswith=f"notify:minutes:{minutes.pk}:published:"
    )
    expected = {u.pk for c in SIX for u in (provinces[c].head, provinces[c].liaison, provinces[c].legal)}
    assert set(published.values_list("payload__user_id", flat=True)) == expected
    assert published.count() == len(expected)
    for action in (
        "meetings.minutes.issue",
        "meetings.jointmeeting.minutes_published",
        "documents.document.issue_external",
    ):
        assert AuditEvent.objects.filter(action=action).count() == 1, action


def test_issue_refused_when_a_member_joined_after_signing(circulating, provinces, pan_southwest):
    signed = sign_all(circulating, provinces)
    assert signed.state == MinutesState.SIGNED
    pan_southwest.members.create(
        unit=Unit.objects.get(code="530100"), rotation_position=7, joined_on=dt.date(2010, 1, 1)
    )
    with pytest.raises(Conflict) as refused:
        minutes_services.minutes_transition(minutes=signed, name="issue", by=provinces[GUIZHOU].head)
    assert str(refused.value.detail) == gettext(
        "Not every member unit has signed this version of the minutes."
    )
    assert not Document.objects.filter(kind="meeting_minutes").exists()
