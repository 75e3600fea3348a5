"""Reads of meetings through an access grant are audited; frozen briefings forget restricted suspects.

Issue 16 (leaks 3 and 8): a member that sees a 限制 case only through an access grant
(cases.CaseAccessGrant) and reads it on the agenda, in a decision, a task or a notification leaves a
`cases.caseaccessgrant.use` event, as every other read through a grant does; a unit that sees the
case anyway leaves none. A briefing frozen before a case became 限制 no longer lists the masked ID
number of a repeat suspect of that case.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    CaseAccessGrant,
    CaseAccessRequest,
    CasePerson,
    CaseState,
    HandlingCode,
    PersonRole,
)
from core.identity import mask_id_number
from core.models import AuditEvent
from jurisdiction.models import JurisdictionProceeding, ProceedingKind, ProceedingParty, ProceedingState
from meetings import agenda, briefing
from meetings.case_rules import action_items_readable
from meetings.models import (
    ActionItem,
    AgendaSource,
    JointMeeting,
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

pytestmark = pytest.mark.django_db

WUHOU, YUZHONG = "510107", "500103"
NAME = "6·18 网络赌博案"
USE = "cases.caseaccessgrant.use"


@pytest.fixture
def restricted_matter(chuanyu_legal, provinces):
    """A Sichuan case on the agenda of a published 川渝 meeting, with a decision giving Chongqing a task."""
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
        reason="争议",
    )
    for code in (WUHOU, YUZHONG):
        ProceedingParty.objects.create(proceeding=proceeding, unit=unit(code))
    owner = provinces[SICHUAN].liaison
    meeting = meeting_in(chuanyu_legal, host=SICHUAN, organiser=owner)
    item = agenda.agenda_item_add(
        meeting=meeting, by=owner, source_kind=AgendaSource.PROCEEDING_DISPUTED, target_id=proceeding.pk
    )
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
        owner_unit=provinces[CHONGQING].unit,
        task=f"协助核查{NAME}涉案账户",
        due_in_days=5,
    )
    action = ActionItem.objects.create(
        resolution=resolution,
        meeting=meeting,
        series=meeting.series,
        owner_unit=provinces[CHONGQING].unit,
        task=resolution.task,
        due_at=timezone.now() + dt.timedelta(days=5),
    )
    Case.objects.filter(pk=case.pk).update(handling_code=HandlingCode.RESTRICTED)
    return case, JointMeeting.objects.get(pk=meeting.pk), action


def _grant(case, user, by) -> CaseAccessGrant:
    now = timezone.now()
    request = CaseAccessRequest.objects.create(
        case=case,
        requester=user,
        requesting_unit=user.memberships.first().unit,
        owning_unit=case.responsible_unit,
        reason="核查涉案账户",
        state="granted",
    )
    return CaseAccessGrant.objects.create(
        request=request,
        case=case,
        user=user,
        starts_at=now,
        expires_at=now + dt.timedelta(days=7),
        granted_by=by,
    )


def _uses(case, grant=None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action=USE, payload__case=case.pk)
    if grant is not None:
        events = events.filter(payload__grant=grant.pk)
    return list(events.order_by("id"))


def test_reading_a_meeting_through_a_grant_is_audited_on_every_path(client, restricted_matter, provinces):
    case, meeting, action = restricted_matter
    reader = provinces[CHONGQING].head
    grant = _grant(case, reader, provinces[SICHUAN].head)
    api = token_client(reader)
    client.force_login(reader)
    reads = {
        "agenda": lambda: api.get(f"/api/v1/meetings/{meeting.pk}/agenda/"),
        "resolutions": lambda: api.get(f"/api/v1/meetings/{meeting.pk}/minutes/resolutions/"),
        "minutes": lambda: api.get(f"/api/v1/meetings/{meeting.pk}/minutes/"),
        "action item": lambda: api.get(f"/api/v1/action-items/{action.pk}/"),
        "action items": lambda: api.get("/api/v1/action-items/"),
        "meeting page": lambda: client.get(reverse("meetings:detail", args=[meeting.pk])),
        "action item page": lambda: client.get(reverse("meetings:action-item", args=[action.pk])),
    }
    for label, read in reads.items():
        before = len(_uses(case, grant))
        response = read()
        assert response.status_code == 200, label
        assert NAME in response.content.decode(), label  # the grant opens the case to the reader
        assert len(_uses(case, grant)) > before, label
    # A notification about the task, read or e-mailed: through the grant, audited too.
    before = len(_uses(case, grant))
    assert action_items_readable(reader, [str(action.pk)]) == [action.pk]
    assert [event.payload["path"] for event in _uses(case, grant)[before:]] == ["notifications"]


def test_a_member_that_sees_the_case_anyway_makes_no_grant_use(client, restricted_matter, provinces):
    case, meeting, action = restricted_matter
    owner = provinces[SICHUAN].head  # above the lead unit: sees the restricted case without a grant
    _grant(case, owner, provinces[SICHUAN].liaison)
    api = token_client(owner)
    for url in (
        f"/api/v1/meetings/{meeting.pk}/agenda/",
        f"/api/v1/meetings/{meeting.pk}/minutes/resolutions/",
        f"/api/v1/action-items/{action.pk}/",
    ):
        assert api.get(url).status_code == 200
    assert _uses(case) == []


def test_without_a_grant_the_member_reads_nothing_of_the_case_and_no_use_is_made(
    restricted_matter, provinces
):
    case, meeting, action = restricted_matter
    outsider = provinces[CHONGQING].head
    for url in (f"/api/v1/meetings/{meeting.pk}/agenda/", f"/api/v1/action-items/{action.pk}/"):
        response = token_client(outsider).get(url)
        assert response.status_code == 200 and NAME not in response.content.decode()
    assert _uses(case) == []


def test_a_frozen_briefing_stops_listing_a_suspect_whose_case_became_restricted(
    client, chuanyu_legal, provinces
):
    now = timezone.now()
    cases = [
        CaseFactory(
            state=CaseState.UNDER_INVESTIGATION,
            accepting_unit=unit(where),
            handling_code=HandlingCode.NORMAL,
            accepted_at=now - dt.timedelta(days=2),
        )
        for where in (YUZHONG, WUHOU)
    ]
    number = "510107199001011234"
    for case in cases:
        CasePerson.objects.create(case=case, role=PersonRole.SUSPECT, name="吉某某", id_number=number)
    host = provinces[SICHUAN]
    meeting = meeting_in(
        chuanyu_legal,
        host=SICHUAN,
        organiser=host.liaison,
        state=MeetingState.IN_SESSION,
        start_in=dt.timedelta(minutes=-30),
    )
    frozen = briefing.briefing_freeze(meeting, at=now)
    masked = mask_id_number(number)
    assert masked in [row["id_number"] for row in frozen.figures["repeat_suspects"]["rows"]]

    Case.objects.filter(pk=cases[1].pk).update(handling_code=HandlingCode.RESTRICTED)
    shown = briefing.briefing_get(JointMeeting.objects.get(pk=meeting.pk))
    assert masked not in [row["id_number"] for row in shown.figures["repeat_suspects"]["rows"]]
    assert shown.figures["repeat_suspects"]["count"] >= 1  # counted, never listed
    for user in (provinces[CHONGQING].head, host.head):
        response = token_client(user).get(f"/api/v1/meetings/{meeting.pk}/briefing/")
        assert response.status_code == 200 and masked not in response.content.decode()
        client.force_login(user)
        page = client.get(reverse("meetings:detail", args=[meeting.pk]))
        assert page.status_code == 200 and masked not in page.content.decode()
    # What the meeting saw is kept as it was; only what is shown leaves the suspect out.
    from meetings.models import Briefing

    assert masked in str(Briefing.objects.get(meeting=meeting).figures)
    # The pack issued now carries the figures as shown.
    from documents.models import Document

    document = briefing.briefing_pack_issue(meeting=meeting, by=host.liaison)
    assert masked not in str(Document.objects.get(pk=document.pk).data)

    # Opened again: listed again.
    Case.objects.filter(pk=cases[1].pk).update(handling_code=HandlingCode.NORMAL)
    shown = briefing.briefing_get(JointMeeting.objects.get(pk=meeting.pk))
    assert masked in [row["id_number"] for row in shown.figures["repeat_suspects"]["rows"]]


def test_auditing_grant_uses_costs_the_same_queries_for_more_cases(restricted_matter, provinces, monkeypatch):
    """The grant check of the agenda is a constant number of queries: more matters opened by more
    grants add only their audit events (one per grant used)."""
    import cases.selectors as case_selectors

    case, meeting, _action = restricted_matter
    reader = provinces[CHONGQING].head
    _grant(case, reader, provinces[SICHUAN].head)
    agenda.agenda_display(list(meeting.agenda_items.all()), reader, path="probe")  # memberships, read once

    events: list[str] = []
    audit_queries: list[int] = []
    record = case_selectors.audit.record

    def counted(**kwargs):
        events.append(kwargs["action"])
        with CaptureQueriesContext(connection) as queries:
            result = record(**kwargs)
        audit_queries.append(len(queries))
        return result

    monkeypatch.setattr(case_selectors.audit, "record", counted)

    def cost() -> int:
        events.clear()
        audit_queries.clear()
        with CaptureQueriesContext(connection) as queries:
            agenda.agenda_display(list(meeting.agenda_items.all()), reader, path="probe")
        return len(queries) - sum(audit_queries)

    one = cost()
    assert events == [USE]
    for n in range(3):
        other = CaseFactory(
            state=CaseState.UNDER_INVESTIGATION,
            accepting_unit=unit(WUHOU),
            handling_code=HandlingCode.RESTRICTED,
            name=f"{n}号限制案",
        )
        proceeding = JurisdictionProceeding.objects.create(
            case=other,
            kind=ProceedingKind.DISPUTE,
            state=ProceedingState.OPEN,
            opened_by=reader,
            opening_unit=other.accepting_unit,
            holding_unit=other.accepting_unit,
            reason="争议",
        )
        meeting.agenda_items.create(
            position=10 + n,
            source_kind=AgendaSource.PROCEEDING_DISPUTED,
            target_type=agenda.PROCEEDING,
            target_id=str(proceeding.pk),
            added_by=reader,
        )
        _grant(other, reader, provinces[SICHUAN].head)
    many = cost()
    assert events == [USE] * 4  # one use per case opened by a grant
    assert many == one
