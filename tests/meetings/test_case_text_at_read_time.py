"""What a meeting shows of a case is what the viewer may see of that case now (issue 16, leak 3).

An agenda item, a resolution and its action item keep no case text that outlives the case's
handling code: once the case is 限制, a member that gets 404 on the case reads only that a restricted
case of the owning unit is concerned, in the API and on the page; when the case is opened again, or
for a member that may see it, the case's number and name come back.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseState, HandlingCode
from cases.selectors import case_visible_to
from jurisdiction.models import JurisdictionProceeding, ProceedingKind, ProceedingParty, ProceedingState
from meetings import agenda
from meetings.models import (
    ActionItem,
    AgendaItem,
    AgendaSource,
    MeetingState,
    Minutes,
    MinutesState,
    Resolution,
    ResolutionKind,
)
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.meetings import meeting_in
from tests.support.factories.organisation import UserFactory
from tests.support.units import CHONGQING, SICHUAN

WUHOU, YUZHONG = "510107", "500103"
NAME = "4·15 跨境电信网络诈骗案"


@pytest.fixture
def dispute(db):
    case = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION,
        accepting_unit=unit(WUHOU),
        handling_code=HandlingCode.NORMAL,
        name=NAME,
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


@pytest.fixture
def meeting(chuanyu_legal, provinces):
    return meeting_in(chuanyu_legal, host=SICHUAN, organiser=provinces[SICHUAN].liaison)


@pytest.fixture
def item(meeting, dispute, provinces) -> AgendaItem:
    return agenda.agenda_item_add(
        meeting=meeting,
        by=provinces[SICHUAN].liaison,
        source_kind=AgendaSource.PROCEEDING_DISPUTED,
        target_id=dispute.pk,
    )


def _restrict(case: Case, code=HandlingCode.RESTRICTED) -> None:
    Case.objects.filter(pk=case.pk).update(handling_code=code)


def _api(user, meeting) -> str:
    response = token_client(user).get(f"/api/v1/meetings/{meeting.pk}/agenda/")
    assert response.status_code == 200
    return response.content.decode()


def _page(client, user, meeting) -> str:
    """The meeting page's agenda and timeline (the briefing's aggregates may name offences)."""
    client.force_login(user)
    response = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    agenda_part = html[html.index('id="agenda"') :]
    agenda_part = agenda_part[: agenda_part.index("</section>")]
    timeline = html[html.index('id="timeline"') :]
    return agenda_part + timeline


def _case_said(text: str, case: Case) -> bool:
    return case.number in text or case.name in text


def test_a_restricted_case_leaves_the_agenda_of_a_member_that_may_not_see_it(
    client, meeting, dispute, item, provinces
):
    case = dispute.case
    outsider, owner = provinces[CHONGQING].liaison, provinces[SICHUAN].liaison
    # While the case is 普通, every member reads its number and name (discovery allows them).
    assert _case_said(_api(outsider, meeting), case) and _case_said(_page(client, outsider, meeting), case)

    _restrict(case)
    assert not case_visible_to(outsider).filter(pk=case.pk).exists()
    assert case_visible_to(owner).filter(pk=case.pk).exists()
    for text in (_api(outsider, meeting), _page(client, outsider, meeting)):
        assert not _case_said(text, case)
        assert case.offence.name not in text
        # Only that a restricted case of the owning unit is concerned, and whom to ask.
        assert unit(WUHOU).name in text
    # The owning side (the lead unit's superior) still reads the case on the agenda.
    assert _case_said(_api(owner, meeting), case) and _case_said(_page(client, owner, meeting), case)

    # Opened again: the member reads the case as before.
    _restrict(case, HandlingCode.NORMAL)
    assert _case_said(_api(outsider, meeting), case) and _case_said(_page(client, outsider, meeting), case)


def test_stored_copies_are_not_what_the_agenda_shows(meeting, dispute, item, provinces):
    # A copy written before this change (or by hand) never reaches a member who may not see the case.
    AgendaItem.objects.filter(pk=item.pk).update(summary=f"{NAME} 旧摘要", title=f"管辖争议：{NAME}")
    _restrict(dispute.case)
    outsider = provinces[CHONGQING].liaison
    text = _api(outsider, meeting)
    assert NAME not in text and "旧摘要" not in text


def test_the_agenda_costs_the_same_queries_for_more_cases(meeting, dispute, item, provinces):
    outsider = provinces[CHONGQING].liaison
    _restrict(dispute.case)
    items = list(meeting.agenda_items.all())
    agenda.agenda_display(items, outsider)  # the viewer's memberships, read once per request
    with CaptureQueriesContext(connection) as one:
        agenda.agenda_display(items, outsider)
    for n in range(3):
        case = CaseFactory(
            state=CaseState.UNDER_INVESTIGATION,
            accepting_unit=unit(WUHOU),
            handling_code=HandlingCode.RESTRICTED if n % 2 else HandlingCode.NORMAL,
        )
        other = JurisdictionProceeding.objects.create(
            case=case,
            kind=ProceedingKind.DISPUTE,
            state=ProceedingState.OPEN,
            opened_by=outsider,
            opening_unit=case.accepting_unit,
            holding_unit=case.accepting_unit,
            reason="争议",
        )
        AgendaItem.objects.create(
            meeting=meeting,
            position=10 + n,
            source_kind=AgendaSource.PROCEEDING_DISPUTED,
            target_type=agenda.PROCEEDING,
            target_id=str(other.pk),
            added_by=outsider,
        )
    items = list(meeting.agenda_items.all())
    with CaptureQueriesContext(connection) as many:
        rows = agenda.agenda_display(items, outsider)
    assert len(many) == len(one)
    assert len(rows) == 4


def _published_with_task(meeting, dispute, item, owner) -> ActionItem:
    JointMeeting = type(meeting)
    JointMeeting.objects.filter(pk=meeting.pk).update(state=MeetingState.PUBLISHED)
    minutes = Minutes.objects.create(
        meeting=meeting,
        state=MinutesState.PUBLISHED,
        version=1,
        drafted_by=owner,
        published_at=timezone.now(),
    )
    resolution = Resolution.objects.create(
        minutes=minutes,
        number=1,
        kind=ResolutionKind.ACTION_ITEM,
        text=f"由武侯分局继续侦办{NAME}",
        agenda_item=item,
        owner_unit=unit(CHONGQING),
        task=f"协助核查{NAME}涉案账户",
        due_in_days=5,
    )
    # The minutes as circulated and signed carry the decision's text.
    Minutes.objects.filter(pk=minutes.pk).update(
        content={
            "decisions": [{"number": 1, "numeral": "一", "kind": resolution.kind, "text": resolution.text}]
        }
    )
    return ActionItem.objects.create(
        resolution=resolution,
        meeting=meeting,
        series=meeting.series,
        owner_unit=unit(CHONGQING),
        task=resolution.task,
        due_at=timezone.now() + dt.timedelta(days=5),
    )


def test_a_task_about_a_restricted_case_hides_its_text_from_a_member_that_may_not_see_it(
    client, meeting, dispute, item, provinces
):
    owner, outsider = provinces[SICHUAN].liaison, provinces[CHONGQING].head
    action = _published_with_task(meeting, dispute, item, owner)
    pages = (
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:action-item", args=[action.pk]),
    )
    apis = (
        f"/api/v1/meetings/{meeting.pk}/minutes/",
        f"/api/v1/meetings/{meeting.pk}/minutes/resolutions/",
        f"/api/v1/action-items/{action.pk}/",
        "/api/v1/action-items/",
    )

    def texts(user):
        client.force_login(user)
        found = []
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            found.append(response.content.decode())
        api = token_client(user)
        for url in apis:
            response = api.get(url)
            if response.status_code == 404:
                continue
            assert response.status_code == 200, url
            found.append(response.content.decode())
        return found

    assert any(NAME in text for text in texts(outsider))
    _restrict(dispute.case)
    for text in texts(outsider):
        assert NAME not in text
    assert any(NAME in text for text in texts(owner))
    _restrict(dispute.case, HandlingCode.NORMAL)
    assert any(NAME in text for text in texts(outsider))


def test_the_briefing_names_no_case_only_counts(chuanyu_legal, provinces):
    """The crime-pattern briefing aggregates: no case number or name, whatever the handling code;
    a suspect in a 限制 case is counted but never listed."""
    import json

    from cases.models import CasePerson, PersonRole
    from meetings import briefing

    end = timezone.now()
    start = end - dt.timedelta(days=30)
    made = []
    handling = (
        (YUZHONG, HandlingCode.NORMAL),
        (WUHOU, HandlingCode.INTERNAL),
        (WUHOU, HandlingCode.RESTRICTED),
    )
    for n, (where, code) in enumerate(handling):
        case = CaseFactory(
            state=CaseState.UNDER_INVESTIGATION,
            accepting_unit=unit(where),
            handling_code=code,
            name=f"{n}号简报测试案",
            accepted_at=end - dt.timedelta(days=2),
        )
        made.append(case)
    # The same suspect in a 普通 Chongqing case and a 限制 Sichuan case: counted, not listed.
    for case in (made[0], made[2]):
        CasePerson.objects.create(
            case=case, role=PersonRole.SUSPECT, name="吉某某", id_number="510107199001011234"
        )
    figures = briefing.briefing_compute(series=chuanyu_legal, start=start, end=end)
    text = json.dumps(figures, ensure_ascii=False, default=str)
    assert sum(row["n"] for row in figures["cases"]) >= 3
    for case in made:
        assert case.number not in text and case.name not in text
    assert "吉某某" not in text and "510107199001011234" not in text
    assert figures["repeat_suspects"]["count"] >= 1 and figures["repeat_suspects"]["rows"] == []
