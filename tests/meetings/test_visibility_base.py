"""Who sees a meeting, series, action item and normative document: the selectors themselves."""

import datetime as dt

import pytest

from meetings import selectors
from meetings.models import MeetingKind, MeetingState
from tests.support.factories.meetings import invite, meeting_in
from tests.support.units import CHONGQING, GUIZHOU, SICHUAN

pytestmark = pytest.mark.django_db


def test_members_see_a_scheduled_meeting_subtrees_and_outsiders_do_not(
    provinces, pan_southwest, xining_investigator, qinghai_investigator, auditor
):
    meeting = meeting_in(pan_southwest, host=GUIZHOU, organiser=provinces[CHONGQING].liaison)
    for office in provinces.values():
        for user in (office.head, office.legal, office.liaison):
            assert selectors.meeting_visible_to(user).filter(pk=meeting.pk).exists(), user.username
    for user in (xining_investigator, qinghai_investigator, auditor):
        assert not selectors.meeting_visible_to(user).filter(pk=meeting.pk).exists(), user.username


def test_a_participant_from_a_subtree_sees_the_meeting(provinces, pan_southwest, xining_investigator):
    meeting = meeting_in(pan_southwest, host=GUIZHOU, organiser=provinces[CHONGQING].liaison)
    invite(meeting, xining_investigator, kind="expert", attendance_role="observer")
    assert selectors.meeting_visible_to(xining_investigator).filter(pk=meeting.pk).exists()


def test_a_draft_is_seen_only_by_the_organising_units_liaison_and_head(provinces, pan_southwest):
    meeting = meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=provinces[CHONGQING].liaison,
        state=MeetingState.DRAFT,
        organiser_unit=provinces[CHONGQING].unit,
    )
    seers = {
        u.username
        for o in provinces.values()
        for u in (o.head, o.legal, o.liaison)
        if selectors.meeting_visible_to(u).filter(pk=meeting.pk).exists()
    }
    assert seers == {"chongqing_head", "chongqing_liaison", "guizhou_head", "guizhou_liaison"}


def test_non_members_of_the_legal_series_see_nothing(provinces, chuanyu_legal):
    meeting = meeting_in(chuanyu_legal, host=SICHUAN, organiser=provinces[SICHUAN].liaison)
    assert selectors.meeting_visible_to(provinces[GUIZHOU].head).filter(pk=meeting.pk).count() == 0
    assert selectors.series_visible_to(provinces[GUIZHOU].head).filter(pk=chuanyu_legal.pk).count() == 0
    assert selectors.series_visible_to(provinces[CHONGQING].legal).filter(pk=chuanyu_legal.pk).count() == 1


def test_drill_gaps_name_past_years_without_a_drill_and_this_year_when_none_is_planned(
    provinces, pan_southwest
):
    pan_southwest.started_on = dt.date(dt.date.today().year - 2, 1, 1)
    pan_southwest.save()
    this_year = dt.date.today().year
    assert selectors.drill_gaps(pan_southwest) == [this_year - 2, this_year - 1, this_year]
    meeting_in(
        pan_southwest,
        host=GUIZHOU,
        organiser=provinces[GUIZHOU].liaison,
        kind=MeetingKind.DRILL,
        state=MeetingState.CLOSED,
        start_at=dt.datetime(this_year - 1, 6, 1, 9, tzinfo=dt.UTC),
    )
    assert selectors.drill_gaps(pan_southwest) == [this_year - 2, this_year]
