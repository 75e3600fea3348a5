"""The agenda: exactly the open matters of the member units, shown to each viewer as they may see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.assistance.models import AssistanceRequest, RequestState
from cases.models import Case, CaseState, HandlingCode
from core.api import Conflict
from core.models import AuditEvent, Deadline, DeadlineState
from jurisdiction.models import (
    JurisdictionProceeding,
    MergerProposal,
    MergerState,
    ProceedingKind,
    ProceedingParty,
    ProceedingState,
)
from meetings import agenda
from meetings.models import AgendaItem, AgendaOutcome, AgendaSource, MeetingState
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.meetings import invite, meeting_in
from tests.support.factories.organisation import UserFactory

WUHOU, JINJIANG, YUZHONG, WUHUA = "510107", "510104", "500103", "530102"
K = AgendaSource


def a_case(code: str, handling=HandlingCode.NORMAL, name: str = "4·15 电信网络诈骗案") -> Case:
    return CaseFactory(
        state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(code), handling_code=handling, name=name
    )


def a_proceeding(case: Case, codes, state, *, by, kind=ProceedingKind.DISPUTE) -> JurisdictionProceeding:
    proceeding = JurisdictionProceeding.objects.create(
        case=case,
        kind=kind,
        state=state,
        opened_by=by,
        opening_unit=case.accepting_unit,
        holding_unit=case.accepting_unit,
        reason="犯罪地与犯罪嫌疑人居住地分属两地，管辖有争议",
    )
    for code in codes:
        ProceedingParty.objects.create(proceeding=proceeding, unit=unit(code))
    return proceeding


def a_merger(into: Case, merged: Case, state=MergerState.PROPOSED, *, by) -> MergerProposal:
    return MergerProposal.objects.create(
        into_case=into,
        merged_case=merged,
        ground="linked",
        reasons="同一诈骗团伙",
        state=state,
        proposed_by=by,
        proposing_unit=into.accepting_unit,
        into_unit=into.accepting_unit,
        merged_unit=merged.accepting_unit,
    )


_numbers = iter(range(1, 10**6))


def a_request(case: Case, source: str, target: str, state, *, by, due_in: dt.timedelta | None = None):
    now = timezone.now()
    request = AssistanceRequest.objects.create(
        number=f"AGD{next(_numbers):05d}",
        case=case,
        requesting_unit=unit(source),
        requested_unit=unit(target),
        kind="evidence_collection",
        matters="调取银行流水",
        state=state,
        created_by=by,
        sent_at=now - dt.timedelta(days=10),
        received_at=now - dt.timedelta(days=9),
    )
    if due_in is not None:
        Deadline.objects.create(
            target_type="assistance.assistancerequest",
            target_id=str(request.pk),
            rule_key="evidence_collection",
            label="完成协作",
            started_at=now - dt.timedelta(days=9),
            due_at=now + due_in,
            state=DeadlineState.RUNNING,
            responsible_unit_code=target,
        )
    return request


@dataclass
class Matters:
    """The open and settled matters of 川渝 and of their neighbours."""

    chuanyu: JurisdictionProceeding  # 川渝, consulting: in
    chuandian: JurisdictionProceeding  # 川滇: out
    settled: JurisdictionProceeding
    restricted: JurisdictionProceeding
    transfer: JurisdictionProceeding
    designation: JurisdictionProceeding  # internal case, designation requested: in
    overdue: AssistanceRequest  # in
    not_yet_due: AssistanceRequest
    closed_overdue: AssistanceRequest
    restricted_overdue: AssistanceRequest
    disputed: AssistanceRequest  # in
    disputed_chuandian: AssistanceRequest
    merger: MergerProposal  # in
    merger_chuandian: MergerProposal
    merger_done: MergerProposal

    @property
    def expected(self) -> set[tuple[str, str]]:
        return {
            (K.PROCEEDING_DISPUTED, str(self.chuanyu.pk)),
            (K.DESIGNATION_PENDING, str(self.designation.pk)),
            (K.REQUEST_OVERDUE, str(self.overdue.pk)),
            (K.REQUEST_DISPUTED, str(self.disputed.pk)),
            (K.MERGER_PROPOSAL, str(self.merger.pk)),
        }


@pytest.fixture
def matters(db) -> Matters:
    by = UserFactory()
    S = ProceedingState
    restricted_case = a_case(WUHOU, HandlingCode.RESTRICTED)
    request_case = a_case(WUHOU, name="3·08 网络赌博案")
    return Matters(
        chuanyu=a_proceeding(a_case(WUHOU), [WUHOU, YUZHONG], S.CONSULTING, by=by),
        chuandian=a_proceeding(a_case(WUHOU), [WUHOU, WUHUA], S.OPEN, by=by),
        settled=a_proceeding(a_case(YUZHONG), [YUZHONG, WUHOU], S.SETTLED, by=by),
        restricted=a_proceeding(restricted_case, [WUHOU, YUZHONG], S.CONSULTING, by=by),
        transfer=a_proceeding(a_case(WUHOU), [WUHOU, YUZHONG], S.OPEN, by=by, kind=ProceedingKind.TRANSFER),
        designation=a_proceeding(
            a_case(YUZHONG, HandlingCode.INTERNAL, name="内部专案"),
            [YUZHONG, JINJIANG],
            S.DESIGNATION_REQUESTED,
            by=by,
        ),
        overdue=a_request(
            request_case, WUHOU, YUZHONG, RequestState.IN_PROGRESS, by=by, due_in=-dt.timedelta(days=1)
        ),
        not_yet_due=a_request(
            request_case, WUHOU, YUZHONG, RequestState.IN_PROGRESS, by=by, due_in=dt.timedelta(days=3)
        ),
        closed_overdue=a_request(
            request_case, WUHOU, YUZHONG, RequestState.CLOSED, by=by, due_in=-dt.timedelta(days=1)
        ),
        restricted_overdue=a_request(
            restricted_case, WUHOU, YUZHONG, RequestState.ASSIGNED, by=by, due_in=-dt.timedelta(days=2)
        ),
        disputed=a_request(request_case, WUHOU, YUZHONG, RequestState.DISPUTED, by=by),
        disputed_chuandian=a_request(request_case, WUHOU, WUHUA, RequestState.REFERRED, by=by),
        merger=a_merger(a_case(WUHOU), a_case(YUZHONG), by=by),
        merger_chuandian=a_merger(a_case(WUHOU), a_case(WUHUA), by=by),
        merger_done=a_merger(a_case(WUHOU), a_case(YUZHONG), MergerState.MERGED, by=by),
    )


@pytest.fixture
def meeting(chuanyu_legal, provinces):
    return meeting_in(chuanyu_legal, host="510000", organiser=provinces["510000"].liaison)


def test_candidates_are_exactly_open_matters_within_member_subtrees(
    meeting, matters, provinces, django_assert_num_queries
):
    with django_assert_num_queries(6):  # the member paths, then one query per kind
        candidates = agenda.agenda_candidates(meeting)
    assert {(c.source_kind, c.target_id) for c in candidates} == matters.expected
    by_target = {(c.target_type, c.target_id): c for c in candidates}

    chuanyu = by_target[("jurisdiction.proceeding", str(matters.chuanyu.pk))]
    case = matters.chuanyu.case
    assert case.number in chuanyu.title and case.name in chuanyu.title
    assert chuanyu.state_label == str(ProceedingState.CONSULTING.label)
    assert "成都市公安局武侯区分局" in chuanyu.summary and case.offence.name in chuanyu.summary

    # An internal (内部) case is named by number and unit only.
    internal = by_target[("jurisdiction.proceeding", str(matters.designation.pk))]
    assert internal.source_kind == K.DESIGNATION_PENDING
    assert matters.designation.case.number in internal.summary
    assert "内部专案" not in internal.summary and "内部专案" not in internal.title
    assert unit(YUZHONG).name in internal.summary

    overdue = by_target[("assistance.assistancerequest", str(matters.overdue.pk))]
    assert overdue.source_kind == K.REQUEST_OVERDUE and matters.overdue.number in overdue.title

    liaison = provinces["510000"].liaison
    item = agenda.agenda_item_add(
        meeting=meeting, by=liaison, source_kind=K.PROCEEDING_DISPUTED, target_id=matters.chuanyu.pk
    )
    assert (item.target_type, item.target_id, item.position) == (
        "jurisdiction.proceeding",
        str(matters.chuanyu.pk),
        1,
    )
    # Nothing of the case is copied into the item (issue 16): the agenda composes it when read, the
    # same as the candidate for a viewer who may see the case.
    assert (item.summary, item.title) == ("", "")
    (shown,) = agenda.agenda_display([item], liaison)
    assert (shown.title, shown.summary) == (chuanyu.title, chuanyu.summary)
    remaining = {(c.source_kind, c.target_id) for c in agenda.agenda_candidates(meeting)}
    assert remaining == matters.expected - {(K.PROCEEDING_DISPUTED, str(matters.chuanyu.pk))}

    with pytest.raises(ValidationError):  # already on the agenda
        agenda.agenda_item_add(
            meeting=meeting, by=liaison, source_kind=K.PROCEEDING_DISPUTED, target_id=matters.chuanyu.pk
        )
    for kind, target in (
        (K.PROCEEDING_DISPUTED, matters.chuandian.pk),
        (K.PROCEEDING_DISPUTED, matters.restricted.pk),
        (K.DESIGNATION_PENDING, matters.chuanyu.pk),
        (K.REQUEST_OVERDUE, matters.not_yet_due.pk),
        (K.MERGER_PROPOSAL, matters.merger_chuandian.pk),
    ):
        with pytest.raises(ValidationError):
            agenda.agenda_item_add(meeting=meeting, by=liaison, source_kind=kind, target_id=target)
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1


def _display_queries(items, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        agenda.agenda_display(items, user)
    return len(queries)


def test_item_shows_current_state_and_hides_what_viewer_may_not_see(meeting, matters, provinces):
    liaison = provinces["510000"].liaison
    add = agenda.agenda_item_add
    proceeding = add(
        meeting=meeting, by=liaison, source_kind=K.PROCEEDING_DISPUTED, target_id=matters.chuanyu.pk
    )
    request = add(meeting=meeting, by=liaison, source_kind=K.REQUEST_DISPUTED, target_id=matters.disputed.pk)
    merger = add(meeting=meeting, by=liaison, source_kind=K.MERGER_PROPOSAL, target_id=matters.merger.pk)
    free = add(meeting=meeting, by=liaison, source_kind=K.FREE, title="交流电诈案件侦办经验")
    # The matter moved on since it was put on the agenda: the agenda shows where it stands now.
    JurisdictionProceeding.objects.filter(pk=matters.chuanyu.pk).update(state=ProceedingState.AGREED)

    # A member's officer (above the parties) sees and opens every matter.
    rows = {row.item.pk: row for row in agenda.agenda_display(meeting.agenda_items.all(), liaison)}
    seen_summary = rows[proceeding.pk].summary
    assert rows[proceeding.pk].visible and rows[proceeding.pk].state_label == str(
        ProceedingState.AGREED.label
    )
    assert rows[proceeding.pk].url == reverse("jurisdiction:proceeding-detail", args=[matters.chuanyu.pk])
    assert rows[request.pk].url == reverse("assistance:detail", args=[matters.disputed.pk])
    assert rows[request.pk].state_label == str(RequestState.DISPUTED.label)
    assert rows[merger.pk].url == reverse("mergers:detail", args=[matters.merger.pk])
    assert (rows[free.pk].visible, rows[free.pk].url, rows[free.pk].state_label) == (True, "", "")

    # An invited expert from Yunnan sees the meeting, not the matters: what discovery allows of the
    # 普通 case (composed now), the live state, and whom to ask; never a link.
    expert = provinces["530000"].legal
    invite(meeting, expert, kind="expert", attendance_role="observer")
    rows = {row.item.pk: row for row in agenda.agenda_display(meeting.agenda_items.all(), expert)}
    hidden = rows[proceeding.pk]
    assert (hidden.visible, hidden.url) == (False, "")
    assert hidden.state_label == str(ProceedingState.AGREED.label)
    assert hidden.summary.startswith(seen_summary) and "成都市公安局武侯区分局" in hidden.summary
    assert len(hidden.summary) > len(seen_summary)
    assert not rows[request.pk].visible and not rows[merger.pk].visible
    assert rows[free.pk].visible

    # One query per object type, however many items there are (request_visible_to takes the viewer's
    # unit paths from the memberships the request has already read), and one for the cases that
    # typed text (a free topic's title, a note) may name (issue 16).
    fewer = _display_queries(list(meeting.agenda_items.all()), liaison)
    add(meeting=meeting, by=liaison, source_kind=K.DESIGNATION_PENDING, target_id=matters.designation.pk)
    add(meeting=meeting, by=liaison, source_kind=K.REQUEST_OVERDUE, target_id=matters.overdue.pk)
    items = list(meeting.agenda_items.all())
    assert len(items) == 6
    assert _display_queries(items, liaison) == fewer == 4


def test_only_the_organiser_edits_and_outcomes_are_recorded_in_session(
    meeting, matters, provinces, qinghai_investigator
):
    host = provinces["510000"]
    chongqing = provinces["500000"]
    add = agenda.agenda_item_add
    with pytest.raises(PermissionDenied):  # a member's liaison sees the meeting, does not organise it
        add(meeting=meeting, by=chongqing.liaison, source_kind=K.FREE, title="议题")
    with pytest.raises(Http404):
        add(meeting=meeting, by=qinghai_investigator, source_kind=K.FREE, title="议题")
    with pytest.raises(ValidationError):  # a free topic needs a title
        add(meeting=meeting, by=host.liaison, source_kind=K.FREE)

    briefing_item = add(meeting=meeting, by=host.liaison, source_kind=K.BRIEFING)
    assert briefing_item.title and briefing_item.target_id == ""
    with pytest.raises(ValidationError):  # the standing briefing item is there once
        add(meeting=meeting, by=host.liaison, source_kind=K.BRIEFING)
    first = add(
        meeting=meeting,
        by=host.liaison,
        source_kind=K.FREE,
        title="交流经验",
        presenting_unit=unit(YUZHONG),
    )
    second = add(meeting=meeting, by=host.liaison, source_kind=K.MERGER_PROPOSAL, target_id=matters.merger.pk)
    with pytest.raises(ValidationError):  # a presenter from outside the members' subtrees
        add(meeting=meeting, by=host.liaison, source_kind=K.FREE, title="x", presenting_unit=unit(WUHUA))
    assert [item.position for item in (briefing_item, first, second)] == [1, 2, 3]

    agenda.agenda_reorder(meeting=meeting, by=host.liaison, item_ids=[second.pk, briefing_item.pk, first.pk])
    assert list(meeting.agenda_items.values_list("pk", flat=True)) == [second.pk, briefing_item.pk, first.pk]
    with pytest.raises(ValidationError):
        agenda.agenda_reorder(meeting=meeting, by=host.liaison, item_ids=[second.pk, first.pk])
    updated = agenda.agenda_item_update(item=first, by=host.liaison, title="交流侦办经验")
    assert updated.title == "交流侦办经验"
    with pytest.raises(ValidationError):
        agenda.agenda_item_update(item=first, by=host.liaison, outcome="decided")
    agenda.agenda_item_remove(item=briefing_item, by=host.liaison)
    assert list(meeting.agenda_items.values_list("pk", "position")) == [(second.pk, 1), (first.pk, 2)]

    with pytest.raises(Conflict):  # outcomes are recorded in session
        agenda.agenda_outcome_record(item=second, by=host.head, outcome=AgendaOutcome.DECIDED)
    meeting.__class__.objects.filter(pk=meeting.pk).update(state=MeetingState.IN_SESSION)
    with pytest.raises(PermissionDenied):
        agenda.agenda_outcome_record(item=second, by=chongqing.liaison, outcome=AgendaOutcome.DECIDED)
    with pytest.raises(ValidationError):
        agenda.agenda_outcome_record(item=second, by=host.head, outcome="adopted")
    recorded = agenda.agenda_outcome_record(
        item=second, by=host.head, outcome=AgendaOutcome.DEFERRED, note="待两地补充材料后再议"
    )
    assert (recorded.outcome, recorded.note) == ("deferred", "待两地补充材料后再议")

    meeting.__class__.objects.filter(pk=meeting.pk).update(state=MeetingState.CLOSED)
    with pytest.raises(Conflict):  # the agenda of a held meeting is closed
        add(meeting=meeting, by=host.liaison, source_kind=K.FREE, title="补充议题")
    actions = set(
        AuditEvent.objects.filter(
            target_id=str(meeting.pk), action__startswith="meetings.agenda."
        ).values_list("action", flat=True)
    )
    assert actions == {
        "meetings.agenda.add",
        "meetings.agenda.reorder",
        "meetings.agenda.update",
        "meetings.agenda.remove",
        "meetings.agenda.outcome",
    }


@pytest.mark.parametrize("bad", ["²", "١٢", "12a", " ", "-3", "1" * 19, 3.0])
def test_ids_that_are_not_ascii_digits_are_refused_by_field(meeting, matters, provinces, bad):
    """`str.isdigit()` takes "²", which int() then refuses: only 1–18 ASCII digits are ids (400 by field)."""
    host = provinces["510000"]
    add = agenda.agenda_item_add
    with pytest.raises(ValidationError) as refused:
        add(meeting=meeting, by=host.liaison, source_kind=K.PROCEEDING_DISPUTED, target_id=bad)
    assert set(refused.value.message_dict) == {"target_id"}
    with pytest.raises(ValidationError) as refused:
        add(meeting=meeting, by=host.liaison, source_kind=K.FREE, title="议题", presenting_unit=bad)
    assert set(refused.value.message_dict) == {"presenting_unit"}
    item = add(meeting=meeting, by=host.liaison, source_kind=K.FREE, title="议题")
    with pytest.raises(ValidationError) as refused:
        agenda.agenda_reorder(meeting=meeting, by=host.liaison, item_ids=[bad])
    assert set(refused.value.message_dict) == {"item_ids"}
    # An item named in the path is read by the adapter on the meeting: not found (the services take
    # the item it read, never an id).
    client = token_client(host.liaison)
    path = f"/api/v1/meetings/{meeting.pk}/agenda/{bad}/"
    assert client.patch(path, {"title": "改"}, format="json").status_code == 404
    assert client.delete(path).status_code == 404
    assert list(meeting.agenda_items.all()) == [item]
    # The agenda reads ids with core.ids (meetings.ids and its is_id are gone).
    assert agenda.id_or_none("42") == 42 and agenda.id_or_none(42) == 42
    assert agenda.id_or_none("9" * 18) == int("9" * 18)
    assert agenda.parse_id(" 42 ", field="x") == 42


def test_an_item_removed_while_waiting_for_the_meeting_lock_is_a_404(meeting, provinces, monkeypatch):
    """Two organisers at once: the item goes between the first read and the lock; no DoesNotExist (500)."""
    host = provinces["510000"]
    first = agenda.agenda_item_add(meeting=meeting, by=host.liaison, source_kind=K.FREE, title="甲")
    second = agenda.agenda_item_add(meeting=meeting, by=host.liaison, source_kind=K.FREE, title="乙")
    lock = agenda._lock_meeting

    def lock_after_the_other_removed_it(meeting_id):
        # What the other request did while this one waited: the row is gone when the lock is granted.
        AgendaItem.objects.filter(pk=doomed).delete()
        return lock(meeting_id)

    monkeypatch.setattr(agenda, "_lock_meeting", lock_after_the_other_removed_it)
    doomed = first.pk
    with pytest.raises(Http404):
        agenda.agenda_item_update(item=first, by=host.liaison, title="丙")
    doomed = second.pk
    with pytest.raises(Http404):
        agenda.agenda_item_remove(item=second, by=host.liaison)
    third = agenda.agenda_item_add(meeting=meeting, by=host.liaison, source_kind=K.FREE, title="丁")
    meeting.__class__.objects.filter(pk=meeting.pk).update(state=MeetingState.IN_SESSION)
    doomed = third.pk
    with pytest.raises(Http404):
        agenda.agenda_outcome_record(item=third, by=host.head, outcome=AgendaOutcome.DECIDED)
    # (The simulated removal ran inside the refused call's transaction, so it rolled back with it.)
    assert not AuditEvent.objects.filter(
        action__in=["meetings.agenda.update", "meetings.agenda.remove", "meetings.agenda.outcome"]
    ).exists()
