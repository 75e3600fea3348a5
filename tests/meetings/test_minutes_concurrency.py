"""Races on the minutes (PostgreSQL row locks): the last two signers, and two heads issuing at once."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from core.api import Conflict
from core.models import AuditEvent
from documents.models import Document, DocumentCounter
from meetings import minutes as minutes_services
from meetings.models import JointMeeting, MeetingState, Minutes, MinutesState
from organisation.models import Role
from tests.support.factories.organisation import member
from tests.support.meetings import add_decisions, circulate, held_meeting, sign, start_minutes
from tests.support.units import GUIZHOU, SIX

pytestmark = pytest.mark.postgres


class _Rendered:
    def __init__(self, content: bytes):
        import hashlib

        self.content = content
        self.sha256 = hashlib.sha256(content).hexdigest()
        self.pages = 1


@pytest.fixture
def _quick_render(monkeypatch, settings, tmp_path):
    """Commits relay the render through the outbox: a stand-in PDF keeps the race about the numbers."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def render_pdf(*, template_name, context, verification_code, **kwargs):
        return _Rendered(f"%PDF-1.7\n{context.get('number')}|{verification_code}\n%%EOF\n".encode())

    monkeypatch.setattr("documents.rendering.render_pdf", render_pdf)


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except Conflict as conflict:
            outcomes.append(("conflict", conflict.current_state))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _circulating(provinces, series):
    meeting = held_meeting(provinces, series)
    minutes = start_minutes(meeting, provinces[GUIZHOU].liaison)
    add_decisions(minutes)
    return circulate(minutes, provinces[GUIZHOU].liaison)


def test_the_last_two_signers_at_once_complete_the_signing_once(
    organisation_loaded, _quick_render, provinces, pan_southwest
):
    minutes = _circulating(provinces, pan_southwest)
    for code in SIX[:-2]:
        sign(minutes, provinces[code])
    last_two = [provinces[code] for code in SIX[-2:]]
    digest = Minutes.objects.get(pk=minutes.pk).content_digest
    outcomes = _race(
        *(
            lambda office=office: minutes_services.minutes_signoff(
                minutes=minutes, unit=office.unit, by=office.head, action="signed", digest=digest
            )
            for office in last_two
        )
    )
    assert outcomes == ["ok", "ok"]
    row = Minutes.objects.select_related("meeting").get(pk=minutes.pk)
    assert row.state == MinutesState.SIGNED and row.meeting.state == MeetingState.MINUTES_SIGNED
    assert row.signoffs.filter(version=1, action="signed").count() == 6
    completed = AuditEvent.objects.filter(
        action="meetings.minutes.complete_signing", target_id=str(minutes.pk)
    )
    assert completed.count() == 1
    followed = AuditEvent.objects.filter(
        action="meetings.jointmeeting.minutes_signed", target_id=str(row.meeting_id)
    )
    assert followed.count() == 1


def test_two_heads_issuing_at_once_draw_one_number(
    organisation_loaded, _quick_render, provinces, pan_southwest
):
    minutes = _circulating(provinces, pan_southwest)
    for code in SIX:
        sign(minutes, provinces[code])
    assert Minutes.objects.get(pk=minutes.pk).state == MinutesState.SIGNED
    today = timezone.localdate()
    acting = member(
        GUIZHOU,
        Role.UNIT_HEAD,
        username="guizhou_acting_head",
        is_acting=True,
        valid_from=today,
        valid_to=today + dt.timedelta(days=3),
    )
    outcomes = _race(
        *(
            lambda head=head: minutes_services.minutes_transition(minutes=minutes, name="issue", by=head)
            for head in (provinces[GUIZHOU].head, acting)
        )
    )
    assert sorted(outcomes, key=str) == sorted(["ok", ("conflict", MinutesState.PUBLISHED)], key=str)
    documents = Document.objects.filter(kind="meeting_minutes", link_target_id=str(minutes.meeting_id))
    assert documents.count() == 1
    host = provinces[GUIZHOU].unit
    assert DocumentCounter.objects.get(issuing_unit=host, kind="meeting_minutes").last == 1
    row = Minutes.objects.get(pk=minutes.pk)
    assert row.document_id == documents.get().pk
    assert JointMeeting.objects.get(pk=minutes.meeting_id).state == MeetingState.PUBLISHED
    assert AuditEvent.objects.filter(action="meetings.minutes.issue", target_id=str(minutes.pk)).count() == 1
