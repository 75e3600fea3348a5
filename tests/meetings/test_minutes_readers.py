"""The minutes name a case only as every one of their readers may see it (issue 16, leak 3).

The minutes are frozen, signed by every member and issued as a document that never changes; they
cannot be composed per viewer. A case on the agenda, in a decision or typed into the opening or
closing paragraph appears in full only when every reader unit may see it (meetings.case_text); a
限制 case that one signing member may not see never appears by number or name, neither in the
draft, the circulated text, nor the issued PDF. The page and the API show the draft to a member
only as that member may see it now.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cases.models import Case, CaseState, HandlingCode, PartyRole
from cases.selectors import case_visible_to
from core.api import Conflict
from documents import tasks as document_tasks
from jurisdiction.models import JurisdictionProceeding, ProceedingKind, ProceedingParty, ProceedingState
from meetings import agenda, scheduling
from meetings import minutes as minutes_services
from meetings.models import AgendaSource, JointMeeting, MeetingState, Minutes, MinutesState, Resolution
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.meetings import meeting_in
from tests.support.factories.organisation import UserFactory
from tests.support.pdf import pdf_text
from tests.support.units import CHONGQING, SICHUAN

pytestmark = pytest.mark.django_db

WUHOU, YUZHONG = "510107", "500103"
NAME = "5·20 跨境洗钱案"


def _dispute(*, parties=()) -> JurisdictionProceeding:
    case = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION,
        accepting_unit=unit(WUHOU),
        handling_code=HandlingCode.NORMAL,
        name=NAME,
        parties=parties,
    )
    proceeding = JurisdictionProceeding.objects.create(
        case=case,
        kind=ProceedingKind.DISPUTE,
        state=ProceedingState.CONSULTING,
        opened_by=UserFactory(),
        opening_unit=case.accepting_unit,
        holding_unit=case.accepting_unit,
        reason="犯罪地与犯罪嫌疑人居住地分属两地",
    )
    for code in (WUHOU, YUZHONG):
        ProceedingParty.objects.create(proceeding=proceeding, unit=unit(code))
    return proceeding


def _restrict(case: Case, code=HandlingCode.RESTRICTED) -> None:
    Case.objects.filter(pk=case.pk).update(handling_code=code)


def _held_with_matter(series, provinces, proceeding, *, host=SICHUAN) -> JointMeeting:
    meeting = meeting_in(series, host=host, organiser=provinces[host].liaison)
    agenda.agenda_item_add(
        meeting=meeting,
        by=provinces[host].liaison,
        source_kind=AgendaSource.PROCEEDING_DISPUTED,
        target_id=proceeding.pk,
    )
    JointMeeting.objects.filter(pk=meeting.pk).update(state=MeetingState.CLOSED)
    return JointMeeting.objects.get(pk=meeting.pk)


def _draft(meeting, provinces, case, *, host=SICHUAN) -> Minutes:
    """Start the minutes; the drafter types the case into every paragraph and a decision."""
    drafter = provinces[host].liaison
    scheduling.meeting_transition(meeting=meeting, name="start_minutes", by=drafter)
    minutes = Minutes.objects.get(meeting=meeting)
    minutes_services.minutes_update(
        minutes=minutes,
        by=drafter,
        opening=f"{minutes.opening}会议听取了{case.number} {NAME}的情况汇报。",
        closing=f"{NAME}（{case.number}）由武侯分局继续侦办。",
    )
    Resolution.objects.create(
        minutes=minutes,
        number=1,
        kind="note",
        text=f"{NAME}由武侯分局继续侦办。",
        agenda_item=meeting.agenda_items.get(),
    )
    return minutes


def _issue(minutes, provinces) -> str:
    """Circulate, sign by both members, issue as the host's head; return the PDF's text."""
    minutes_services.minutes_transition(minutes=minutes, name="circulate", by=provinces[SICHUAN].liaison)
    for code in (SICHUAN, CHONGQING):
        minutes.refresh_from_db()
        minutes_services.minutes_signoff(
            minutes=minutes,
            unit=provinces[code].unit,
            by=provinces[code].head,
            action="signed",
            digest=minutes.content_digest,
        )
    issued = minutes_services.minutes_transition(minutes=minutes, name="issue", by=provinces[SICHUAN].head)
    assert document_tasks.render_document(issued.document_id) == "done"
    issued.document.refresh_from_db()
    return pdf_text(issued.document, squeeze=True)


def _said(text: str, case: Case) -> bool:
    return case.number in text or re.sub(r"\s+", "", NAME) in text


def test_a_restricted_case_one_signing_member_may_not_see_is_not_in_the_minutes_pdf(chuanyu_legal, provinces):
    proceeding = _dispute()
    case = proceeding.case
    meeting = _held_with_matter(chuanyu_legal, provinces, proceeding)
    _restrict(case)
    # Sichuan (above the lead unit) sees it; Chongqing, a signing member, does not.
    assert case_visible_to(provinces[SICHUAN].head).filter(pk=case.pk).exists()
    assert not case_visible_to(provinces[CHONGQING].head).filter(pk=case.pk).exists()
    minutes = _draft(meeting, provinces, case)
    minutes.refresh_from_db()
    # What the drafter typed is kept only as every reader may read it.
    assert not _said(minutes.opening + minutes.closing, case)
    assert unit(WUHOU).name in minutes.opening

    flat = _issue(minutes, provinces)
    assert "会议纪要" in flat or "纪要" in flat
    assert not _said(flat, case), flat
    issued = Minutes.objects.get(pk=minutes.pk)
    assert not _said(str(issued.content), case)
    assert not _said(str(issued.document.data), case)


def test_a_restricted_case_every_member_may_see_is_named_in_the_minutes_pdf(chuanyu_legal, provinces):
    # Chongqing's own organ is a party: it sees the restricted case; Sichuan is above the lead.
    proceeding = _dispute(parties=[(provinces[CHONGQING].unit, PartyRole.ASSISTING)])
    case = proceeding.case
    meeting = _held_with_matter(chuanyu_legal, provinces, proceeding)
    _restrict(case)
    for code in (SICHUAN, CHONGQING):
        assert case_visible_to(provinces[code].head).filter(pk=case.pk).exists()
    minutes = _draft(meeting, provinces, case)
    minutes.refresh_from_db()
    assert case.number in minutes.opening and NAME in minutes.closing

    flat = _issue(minutes, provinces)
    assert case.number in flat
    assert re.sub(r"\s+", "", NAME) in flat


def test_a_case_restricted_after_circulation_stops_signing_until_revised(chuanyu_legal, provinces):
    proceeding = _dispute()
    case = proceeding.case
    meeting = _held_with_matter(chuanyu_legal, provinces, proceeding)
    minutes = _draft(meeting, provinces, case)
    minutes_services.minutes_transition(minutes=minutes, name="circulate", by=provinces[SICHUAN].liaison)
    minutes.refresh_from_db()
    assert NAME in str(minutes.content)  # 普通: discovery names it to every member
    _restrict(case)
    with pytest.raises(Conflict):
        minutes_services.minutes_signoff(
            minutes=minutes,
            unit=provinces[CHONGQING].unit,
            by=provinces[CHONGQING].head,
            action="signed",
            digest=minutes.content_digest,
        )
    # Revised and circulated again, the text no longer names the case, and may be signed.
    minutes_services.minutes_transition(
        minutes=minutes, name="revise", by=provinces[SICHUAN].liaison, reason="案件已列为限制"
    )
    minutes_services.minutes_transition(minutes=minutes, name="circulate", by=provinces[SICHUAN].liaison)
    minutes.refresh_from_db()
    assert minutes.state == MinutesState.CIRCULATING and not _said(str(minutes.content), case)
    minutes_services.minutes_signoff(
        minutes=minutes,
        unit=provinces[CHONGQING].unit,
        by=provinces[CHONGQING].head,
        action="signed",
        digest=minutes.content_digest,
    )


def test_the_issue_of_signed_minutes_naming_a_case_restricted_since_is_refused(chuanyu_legal, provinces):
    proceeding = _dispute()
    case = proceeding.case
    meeting = _held_with_matter(chuanyu_legal, provinces, proceeding)
    minutes = _draft(meeting, provinces, case)
    minutes_services.minutes_transition(minutes=minutes, name="circulate", by=provinces[SICHUAN].liaison)
    for code in (SICHUAN, CHONGQING):
        minutes.refresh_from_db()
        minutes_services.minutes_signoff(
            minutes=minutes,
            unit=provinces[code].unit,
            by=provinces[code].head,
            action="signed",
            digest=minutes.content_digest,
        )
    _restrict(case)
    with pytest.raises(Conflict):
        minutes_services.minutes_transition(minutes=minutes, name="issue", by=provinces[SICHUAN].head)
    assert Minutes.objects.get(pk=minutes.pk).document_id is None


def test_the_draft_shows_a_drafter_a_case_restricted_since_only_as_it_may_see_it(
    client, chuanyu_legal, provinces
):
    # Chongqing hosts and drafts; the case is Sichuan's and 普通 while the draft is typed.
    proceeding = _dispute()
    case = proceeding.case
    meeting = _held_with_matter(chuanyu_legal, provinces, proceeding, host=CHONGQING)
    drafter = provinces[CHONGQING].liaison
    minutes = _draft(meeting, provinces, case, host=CHONGQING)
    minutes.refresh_from_db()
    assert NAME in minutes.closing  # discovery allowed it when it was typed

    def shown():
        api = token_client(drafter).get(f"/api/v1/meetings/{meeting.pk}/minutes/")
        assert api.status_code == 200
        client.force_login(drafter)
        page = client.get(reverse("meetings:detail", args=[meeting.pk]))
        assert page.status_code == 200
        return api.content.decode(), page.content.decode()

    assert any(_said(text, case) for text in shown())
    _restrict(case)
    assert not case_visible_to(drafter).filter(pk=case.pk).exists()
    for text in shown():
        assert not _said(text, case)


def test_typed_agenda_text_names_a_restricted_case_only_to_whom_may_see_it(chuanyu_legal, provinces):
    proceeding = _dispute()
    case = proceeding.case
    meeting = _held_with_matter(chuanyu_legal, provinces, proceeding)
    organiser = provinces[SICHUAN].liaison
    JointMeeting.objects.filter(pk=meeting.pk).update(state=MeetingState.SCHEDULED)
    agenda.agenda_item_add(
        meeting=meeting, by=organiser, source_kind=AgendaSource.FREE, title=f"通报{case.number}办理情况"
    )
    item = meeting.agenda_items.get(target_type="")
    type(item).objects.filter(pk=item.pk).update(note=f"{NAME}另行研究")
    _restrict(case)

    def agenda_text(user) -> str:
        response = token_client(user).get(f"/api/v1/meetings/{meeting.pk}/agenda/")
        assert response.status_code == 200
        return response.content.decode()

    outsider = agenda_text(provinces[CHONGQING].head)
    assert not _said(outsider, case) and unit(WUHOU).name in outsider
    assert case.number in agenda_text(provinces[SICHUAN].head)
