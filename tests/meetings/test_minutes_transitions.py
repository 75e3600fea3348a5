"""The meeting's minutes states follow the Minutes machine step by step (plan §3.3): never apart."""

import pytest
from django.core.exceptions import PermissionDenied

from core.api import Conflict
from core.models import AuditEvent
from core.workflow import available_transitions, run_transition
from meetings import minutes as minutes_services
from meetings.models import JointMeeting, MeetingState, Minutes, MinutesState
from tests.support.meetings import add_decisions, held_meeting, sign, start_minutes
from tests.support.units import GUIZHOU, SIX

pytestmark = pytest.mark.django_db

MN, MS = MinutesState, MeetingState


def states(minutes) -> tuple[str, str]:
    row = Minutes.objects.select_related("meeting").get(pk=minutes.pk)
    return row.state, row.meeting.state


def test_meeting_state_follows_every_minutes_step(provinces, pan_southwest):
    meeting = held_meeting(provinces, pan_southwest)
    liaison, head = provinces[GUIZHOU].liaison, provinces[GUIZHOU].head
    minutes = start_minutes(meeting, liaison)
    add_decisions(minutes)

    def take(name, by, **kwargs):
        minutes_services.minutes_transition(minutes=minutes, name=name, by=by, **kwargs)

    steps = [
        ("start", lambda: None, (MN.DRAFTING, MS.MINUTES_DRAFTING)),
        ("circulate", lambda: take("circulate", liaison), (MN.CIRCULATING, MS.MINUTES_CIRCULATING)),
        ("revise", lambda: take("revise", liaison, reason="补充"), (MN.DRAFTING, MS.MINUTES_DRAFTING)),
        ("circulate again", lambda: take("circulate", liaison), (MN.CIRCULATING, MS.MINUTES_CIRCULATING)),
    ]
    steps += [
        (
            f"{code} signs",
            lambda code=code: sign(minutes, provinces[code]),
            (MN.CIRCULATING, MS.MINUTES_CIRCULATING),
        )
        for code in SIX[:-1]
    ]
    steps += [
        ("the last member signs", lambda: sign(minutes, provinces[SIX[-1]]), (MN.SIGNED, MS.MINUTES_SIGNED)),
        ("issue", lambda: take("issue", head), (MN.PUBLISHED, MS.PUBLISHED)),
    ]
    seen = []
    for label, step, _expected in steps:
        step()
        seen.append((label, states(minutes)))
    assert seen == [(label, expected) for label, _step, expected in steps]
    # Each coupled step is audited on both rows, once.
    for action in (
        "meetings.jointmeeting.minutes_circulated",
        "meetings.jointmeeting.minutes_revised",
        "meetings.jointmeeting.minutes_signed",
        "meetings.jointmeeting.minutes_published",
    ):
        expected = 2 if action.endswith("circulated") else 1
        assert AuditEvent.objects.filter(action=action, target_id=str(meeting.pk)).count() == expected, action


@pytest.mark.parametrize(
    ("name", "meeting_state", "minutes_state"),
    [
        ("minutes_circulated", MS.MINUTES_DRAFTING, MN.DRAFTING),
        ("minutes_revised", MS.MINUTES_CIRCULATING, MN.CIRCULATING),
        ("minutes_signed", MS.MINUTES_CIRCULATING, MN.CIRCULATING),
        ("minutes_published", MS.MINUTES_SIGNED, MN.SIGNED),
    ],
)
def test_coupled_meeting_transitions_refuse_to_run_ahead_of_the_minutes(
    provinces, pan_southwest, name, meeting_state, minutes_state
):
    meeting = held_meeting(provinces, pan_southwest)
    minutes = start_minutes(meeting, provinces[GUIZHOU].liaison)
    Minutes.objects.filter(pk=minutes.pk).update(state=minutes_state, version=1)
    JointMeeting.objects.filter(pk=meeting.pk).update(state=meeting_state)
    users = [provinces[GUIZHOU].liaison, provinces[GUIZHOU].head]
    for user in users:
        with pytest.raises(Conflict):
            run_transition(model=JointMeeting, pk=meeting.pk, name=name, by=user)
    assert JointMeeting.objects.get(pk=meeting.pk).state == meeting_state
    # Nor are they offered to anyone as a next step.
    fresh = JointMeeting.objects.get(pk=meeting.pk)
    for user in users:
        assert name not in available_transitions(fresh, user)


@pytest.mark.parametrize(
    ("state", "name", "user_key", "outcome"),
    [
        (MN.DRAFTING, "circulate", "guizhou_head", PermissionDenied),
        (MN.DRAFTING, "revise", "guizhou_liaison", Conflict),
        (MN.DRAFTING, "issue", "guizhou_head", Conflict),
        (MN.CIRCULATING, "circulate", "guizhou_liaison", Conflict),
        (MN.CIRCULATING, "revise", "chongqing_liaison", PermissionDenied),
        (MN.CIRCULATING, "issue", "guizhou_head", Conflict),
        (MN.SIGNED, "revise", "guizhou_liaison", Conflict),
        (MN.SIGNED, "issue", "guizhou_liaison", PermissionDenied),
        (MN.PUBLISHED, "issue", "guizhou_head", Conflict),
        (MN.PUBLISHED, "revise", "guizhou_liaison", Conflict),
    ],
)
def test_refused_steps_leave_both_rows_as_they_were(provinces, pan_southwest, state, name, user_key, outcome):
    meeting = held_meeting(provinces, pan_southwest)
    minutes = start_minutes(meeting, provinces[GUIZHOU].liaison)
    add_decisions(minutes)
    meeting_state = {
        MN.DRAFTING: MS.MINUTES_DRAFTING,
        MN.CIRCULATING: MS.MINUTES_CIRCULATING,
        MN.SIGNED: MS.MINUTES_SIGNED,
        MN.PUBLISHED: MS.PUBLISHED,
    }[state]
    Minutes.objects.filter(pk=minutes.pk).update(state=state)
    JointMeeting.objects.filter(pk=meeting.pk).update(state=meeting_state)
    code, role = user_key.split("_")
    office = next(o for o in provinces.values() if o.head.username.startswith(code))
    with pytest.raises(outcome):
        minutes_services.minutes_transition(
            minutes=minutes, name=name, by=getattr(office, role), reason="理由"
        )
    assert states(minutes) == (state, meeting_state)
