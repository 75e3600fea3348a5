"""Issued minutes (纪要) are corrected by being signed again by every member (issue 19 item 7).

The issued 纪要 stands until the corrected text is signed and issued; that document then supersedes
it, and verification names it. Decisions that took effect with the first minutes stay as they are.
"""

import pytest
from django.core.exceptions import ValidationError

from core.api import Conflict
from documents import services
from meetings import minutes as minutes_services
from meetings import resolutions
from meetings.models import Minutes
from tests.support.meetings import add_decisions, held_meeting, sign, start_minutes
from tests.support.units import GUIZHOU, SIX

pytestmark = pytest.mark.django_db


def test_issued_minutes_are_corrected_by_signing_again_and_the_new_minutes_supersede_them(
    provinces, pan_southwest
):
    meeting = held_meeting(provinces, pan_southwest)
    liaison, head = provinces[GUIZHOU].liaison, provinces[GUIZHOU].head
    minutes = start_minutes(meeting, liaison)
    add_decisions(minutes)

    def take(name, by, **kwargs):
        return minutes_services.minutes_transition(minutes=minutes, name=name, by=by, **kwargs)

    def sign_all():
        take("circulate", liaison)
        for code in SIX:
            sign(minutes, provinces[code])

    sign_all()
    first = take("issue", head).document
    # The generic correction is not for a 纪要: its members sign the corrected text.
    with pytest.raises(Conflict):
        services.document_correct(document=first, by=liaison, reason="出席人员写错")
    with pytest.raises(ValidationError):
        take("correct", liaison, reason="")
    take("correct", liaison, reason="出席人员写错")
    reopened = Minutes.objects.select_related("meeting").get(pk=minutes.pk)
    assert (reopened.state, reopened.meeting.state) == ("drafting", "minutes_drafting")
    first.refresh_from_db()
    assert first.state == "issued"  # it stands until the correction is issued
    # Decisions that took effect with the first minutes cannot be changed by the correction.
    applied = minutes.resolutions.get(number=1)
    assert applied.apply_state == "applied"
    with pytest.raises(Conflict):
        resolutions.resolution_update(resolution=applied, by=liaison, text="改写")
    minutes_services.minutes_update(minutes=reopened, by=liaison, closing="会议要求各成员单位抓好落实。")
    sign_all()
    second = take("issue", head).document
    first.refresh_from_db()
    assert second.pk != first.pk and second.replaces_id == first.pk
    assert first.state == "superseded" and first.replaced_by_id == second.pk
    assert second.snapshot["corrects"]["number"] == first.number
    assert second.data["closing"] == "会议要求各成员单位抓好落实。"
    facts = services.document_verify_code(code=first.verification_code, by=head).as_dict()
    assert facts["result"] == "superseded" and facts["replacement"]["number"] == second.number
    assert Minutes.objects.get(pk=minutes.pk).document_id == second.pk


def test_only_the_host_reopens_issued_minutes(provinces, pan_southwest):
    from django.core.exceptions import PermissionDenied

    meeting = held_meeting(provinces, pan_southwest)
    liaison, head = provinces[GUIZHOU].liaison, provinces[GUIZHOU].head
    minutes = start_minutes(meeting, liaison)
    add_decisions(minutes)
    minutes_services.minutes_transition(minutes=minutes, name="circulate", by=liaison)
    for code in SIX:
        sign(minutes, provinces[code])
    minutes_services.minutes_transition(minutes=minutes, name="issue", by=head)
    other = provinces[next(code for code in SIX if code != GUIZHOU)].liaison
    with pytest.raises(PermissionDenied):
        minutes_services.minutes_transition(minutes=minutes, name="correct", by=other, reason="x")
    assert Minutes.objects.get(pk=minutes.pk).state == "published"
