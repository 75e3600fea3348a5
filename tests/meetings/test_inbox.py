"""The inbox items of joint meetings: who is asked for what, until when, at a constant query cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.inbox import inbox_for
from meetings.models import (
    ActionItem,
    ActionItemState,
    ApplyState,
    DutyTerm,
    MeetingKind,
    MeetingState,
    Minutes,
    MinutesSignoff,
    MinutesState,
    Resolution,
    ResolutionKind,
    SeriesMember,
)
from tests.support.factories.meetings import invite, meeting_in
from tests.support.units import CHONGQING, GUIZHOU, YUNNAN

pytestmark = pytest.mark.django_db
MS = MeetingState


def items(user) -> list[tuple[str, str]]:
    return sorted(
        (item.kind, item.object_id) for item in inbox_for(user) if item.kind.startswith("meetings.")
    )


def kinds(user) -> set[str]:
    return {kind for kind, _pk in items(user)}


def _minutes(meeting, state=MinutesState.CIRCULATING) -> Minutes:
    return Minutes.objects.create(
        meeting=meeting,
        state=state,
        version=1,
        drafted_by=meeting.organiser,
        content={"opening": "导语"},
        content_digest="a" * 64,
    )


def _resolution(minutes, *, owner, apply_state=ApplyState.PENDING, number=1) -> Resolution:
    return Resolution.objects.create(
        minutes=minutes,
        number=number,
        kind=ResolutionKind.ACTION_ITEM,
        text="核查",
        owner_unit=owner,
        task="核查身份",
        due_in_days=5,
        apply_state=apply_state,
        apply_error="案件已移送" if apply_state == ApplyState.FAILED else "",
    )


def test_invitation_waits_for_an_answer_until_the_start(provinces, pan_southwest):
    meeting = meeting_in(pan_southwest, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison)
    draft = meeting_in(pan_southwest, host=GUIZHOU, organiser=provinces[GUIZHOU].liaison, state=MS.DRAFT)
    participant = invite(meeting, provinces[CHONGQING].head)
    invite(draft, provinces[CHONGQING].head)

    [item] = [i for i in inbox_for(provinces[CHONGQING].head) if i.kind == "meetings.invitation"]
    assert item.object_id == str(meeting.pk) and item.due_at == meeting.start_at
    assert item.url.endswith(f"/meetings/{meeting.pk}/#participant-{participant.pk}")

    participant.answer = "accepted"
    participant.save()
    assert "meetings.invitation" not in kinds(provinces[CHONGQING].head)


def test_organise_drafts_closed_sessions_and_returned_minutes(provinces, pan_southwest):
    liaison = provinces[GUIZHOU].liaison
    draft = meeting_in(pan_southwest, host=GUIZHOU, organiser=liaison, state=MS.DRAFT)
    closed = meeting_in(
        pan_southwest, host=GUIZHOU, organiser=liaison, state=MS.CLOSED, start_in=-dt.timedelta(days=2)
    )
    returned = meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=liaison,
        state=MS.MINUTES_CIRCULATING,
        start_in=-dt.timedelta(days=9),
    )
    quiet = meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=liaison,
        state=MS.MINUTES_CIRCULATING,
        start_in=-dt.timedelta(days=20),
    )
    minutes = _minutes(returned)
    _minutes(quiet)
    MinutesSignoff.objects.create(
        minutes=minutes,
        unit=provinces[CHONGQING].unit,
        version=1,
        content_digest=minutes.content_digest,
        action="commented",
        comment="第二项表述不准确",
        by=provinces[CHONGQING].head,
    )

    organise = {pk for kind, pk in items(liaison) if kind == "meetings.organise"}
    assert organise == {str(draft.pk), str(closed.pk), str(returned.pk)}
    assert "meetings.organise" not in kinds(provinces[YUNNAN].liaison)
    assert "meetings.organise" not in kinds(provinces[GUIZHOU].legal)


def test_sign_is_for_signatories_of_members_that_have_not_signed_this_version(provinces, pan_southwest):
    meeting = meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=provinces[GUIZHOU].liaison,
        state=MS.MINUTES_CIRCULATING,
        start_in=-dt.timedelta(days=3),
    )
    minutes = _minutes(meeting)
    head = provinces[CHONGQING].head
    assert ("meetings.sign", str(meeting.pk)) in items(head)
    assert "meetings.sign" not in kinds(provinces[CHONGQING].legal)

    # A signature on an older digest does not count; one on this version does.
    MinutesSignoff.objects.create(
        minutes=minutes,
        unit=provinces[CHONGQING].unit,
        version=1,
        content_digest="b" * 64,
        action="signed",
        by=head,
    )
    assert "meetings.sign" in kinds(head)
    MinutesSignoff.objects.filter(minutes=minutes).delete()
    MinutesSignoff.objects.create(
        minutes=minutes,
        unit=provinces[CHONGQING].unit,
        version=1,
        content_digest=minutes.content_digest,
        action="signed",
        by=head,
    )
    assert "meetings.sign" not in kinds(head)
    assert "meetings.sign" in kinds(provinces[YUNNAN].head)


def test_issue_is_for_the_host_head(provinces, pan_southwest):
    meeting = meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=provinces[GUIZHOU].liaison,
        state=MS.MINUTES_SIGNED,
        start_in=-dt.timedelta(days=3),
    )
    _minutes(meeting, MinutesState.SIGNED)
    assert ("meetings.issue", str(meeting.pk)) in items(provinces[GUIZHOU].head)
    assert "meetings.issue" not in kinds(provinces[CHONGQING].head)
    assert "meetings.issue" not in kinds(provinces[GUIZHOU].liaison)


def test_action_items_of_my_units_and_failed_resolutions(provinces, pan_southwest, nanming):
    meeting = meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=provinces[GUIZHOU].liaison,
        state=MS.PUBLISHED,
        start_in=-dt.timedelta(days=3),
    )
    minutes = _minutes(meeting, MinutesState.PUBLISHED)
    due = timezone.now() + dt.timedelta(days=4)
    open_item = ActionItem.objects.create(
        resolution=_resolution(minutes, owner=nanming.unit, apply_state=ApplyState.APPLIED),
        meeting=meeting,
        series=pan_southwest,
        owner_unit=nanming.unit,
        task="核查身份",
        due_at=due,
    )
    done = ActionItem.objects.create(
        resolution=_resolution(minutes, owner=nanming.unit, apply_state=ApplyState.APPLIED, number=2),
        meeting=meeting,
        series=pan_southwest,
        owner_unit=nanming.unit,
        task="已完成的任务",
        due_at=due,
        state=ActionItemState.DONE,
    )
    failed = _resolution(minutes, owner=provinces[CHONGQING].unit, apply_state=ApplyState.FAILED, number=3)

    [item] = [i for i in inbox_for(nanming.head) if i.kind == "meetings.action_item"]
    assert item.object_id == str(open_item.pk) != str(done.pk)
    assert item.due_at == due and item.url.endswith(f"/meetings/action-items/{open_item.pk}/")
    assert "meetings.action_item" in kinds(nanming.intake)
    assert "meetings.action_item" not in kinds(nanming.investigator)

    for user in (provinces[GUIZHOU].liaison, provinces[GUIZHOU].head):
        assert ("meetings.resolution_failed", str(failed.pk)) in items(user)
    assert "meetings.resolution_failed" not in kinds(provinces[CHONGQING].head)


def test_series_due_for_the_duty_members_liaison(provinces, pan_southwest):
    pan_southwest.started_on = dt.date(timezone.localdate().year, 1, 1)
    pan_southwest.save()
    member = SeriesMember.objects.get(series=pan_southwest, unit=provinces[GUIZHOU].unit)
    DutyTerm.objects.create(
        series=pan_southwest, member=member, started_at=timezone.now() - dt.timedelta(days=340)
    )
    liaison = provinces[GUIZHOU].liaison

    due = [i for i in inbox_for(liaison) if i.kind == "meetings.series_due"]
    # Next meeting due within 60 days (12 months after the term started) and no drill this year.
    assert len(due) == 2 and all(item.object_id == str(pan_southwest.pk) for item in due)
    assert "meetings.series_due" not in kinds(provinces[YUNNAN].liaison)
    assert "meetings.series_due" not in kinds(provinces[GUIZHOU].head)

    meeting_in(pan_southwest, host=GUIZHOU, organiser=liaison, state=MS.DRAFT)
    meeting_in(
        pan_southwest, host=GUIZHOU, organiser=liaison, kind=MeetingKind.DRILL, start_in=dt.timedelta(days=1)
    )
    assert [i for i in inbox_for(liaison) if i.kind == "meetings.series_due"] == []


def _fill(provinces, series, nanming, n: int) -> None:
    liaison = provinces[GUIZHOU].liaison
    for index in range(n):
        invite(
            meeting_in(series, host=GUIZHOU, organiser=liaison, start_in=dt.timedelta(days=30 + index)),
            nanming.head,
        )
        meeting_in(
            series, host=GUIZHOU, organiser=liaison, state=MS.DRAFT, start_in=dt.timedelta(days=60 + index)
        )
        signed = meeting_in(
            series,
            host=GUIZHOU,
            organiser=liaison,
            state=MS.MINUTES_SIGNED,
            start_in=-dt.timedelta(days=30 + index),
        )
        _minutes(signed, MinutesState.SIGNED)
        circulating = meeting_in(
            series,
            host=GUIZHOU,
            organiser=liaison,
            state=MS.MINUTES_CIRCULATING,
            start_in=-dt.timedelta(days=60 + index),
        )
        minutes = _minutes(circulating)
        resolution = _resolution(minutes, owner=nanming.unit, apply_state=ApplyState.FAILED)
        ActionItem.objects.create(
            resolution=resolution,
            meeting=circulating,
            series=series,
            owner_unit=nanming.unit,
            task="任务",
            due_at=timezone.now() + dt.timedelta(days=index + 1),
        )


def test_the_inbox_costs_the_same_for_two_and_six_meetings_of_each_kind(provinces, pan_southwest, nanming):
    member = SeriesMember.objects.get(series=pan_southwest, unit=provinces[GUIZHOU].unit)
    DutyTerm.objects.create(
        series=pan_southwest, member=member, started_at=timezone.now() - dt.timedelta(days=400)
    )
    users = (provinces[GUIZHOU].liaison, provinces[GUIZHOU].head, nanming.head)
    for user in users:
        items(user)  # warm up: each user's standing is read once and kept on the user
    costs = []
    for n in (2, 4):
        _fill(provinces, pan_southwest, nanming, n)
        row = []
        for user in users:
            with CaptureQueriesContext(connection) as queries:
                found = items(user)
            row.append((len(queries), len(found)))
        costs.append(row)
    for (few_queries, few_items), (many_queries, many_items) in zip(*costs, strict=True):
        assert many_queries == few_queries
        assert many_items > few_items
