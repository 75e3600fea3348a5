"""Clocks of a request (receipt, completion, custody, freezes) and the custody and property follow-up."""

import datetime as dt
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import CustodyEventKind, PropertyMeasureKind
from cases.assistance_kinds import AssistanceKind
from core import deadline_rows
from core.deadlines import last_day
from core.models import Deadline, DeadlineState, OutboxMessage
from organisation.models import Unit
from tests.support.factories.assistance import draft_request, scan, walk
from tests.support.personas import Cast


def _deadline(request, rule_key):
    return deadline_rows.deadlines_for(request).get(rule_key=rule_key)


def _notified(user) -> list[dict]:
    return [
        message.payload
        for message in OutboxMessage.objects.filter(topic="notification.deliver")
        if message.payload.get("user_id") == user.pk
    ]


def test_sending_starts_the_acknowledgement_clock_and_receipt_meets_it(cast):
    request = walk(draft_request(cast.investigator), cast, "sent")
    acknowledgement = _deadline(request, "acknowledge_receipt")
    assert acknowledgement.state == DeadlineState.RUNNING
    assert acknowledgement.responsible_unit_code == "530100"
    walk(request, cast, "received")
    acknowledgement.refresh_from_db()
    assert acknowledgement.state == DeadlineState.MET


def test_urgent_request_gets_a_shorter_acknowledgement_clock(cast):
    request = walk(draft_request(cast.investigator, urgency="extra_urgent"), cast, "sent")
    assert _deadline(request, "acknowledge_receipt").period == "4 hours"


@pytest.mark.parametrize(("remote", "days"), [(False, 7), (True, 15)])
def test_identity_check_runs_seven_days_or_fifteen_for_a_remote_unit(db, remote, days):
    Unit.objects.filter(code="520100").update(is_remote=remote)
    cast = Cast(requested="520100")
    request = walk(
        draft_request(cast.investigator, to="520100", kind=AssistanceKind.IDENTITY_CHECK), cast, "received"
    )
    deadline = _deadline(request, "identity_check")
    assert deadline.period == f"{days} days"
    assert deadline.citation == "MPS-2020 art 353"
    received = timezone.localtime(request.received_at).date()
    # Day periods count from the next day and may only move later, past rest days.
    assert last_day(deadline.due_at) >= received + dt.timedelta(days=days)
    walk(request, cast, "fulfilled")
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.MET


def test_a_question_does_not_stop_the_clock_mps_2020_art_353(db):
    """No article lets a question to the requester pause the art 353 period (nor 公通字〔2020〕6号 no. 4)."""
    cast = Cast(requested="520100")
    request = walk(
        draft_request(cast.investigator, to="520100", kind=AssistanceKind.IDENTITY_CHECK), cast, "received"
    )
    deadline = _deadline(request, "identity_check")
    due_before = deadline.due_at
    request = services.request_transition(
        by=cast.intake, request=request, name="request_clarification", reason="请提供身份证号码"
    )
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.RUNNING and deadline.due_at == due_before
    assert _notified(cast.investigator)
    request = services.request_transition(
        by=cast.investigator, request=request, name="answer", reason="身份证号码见附件"
    )
    assert request.state == "received" and request.clarification_answer
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.RUNNING and deadline.due_at == due_before
    assert deadline.paused_seconds == 0


def test_after_a_return_the_clock_runs_from_the_new_receipt_mps_2020_art_353(db):
    """Art 353's period runs from the receipt of a request whose formalities are complete (art 348)."""
    cast = Cast(requested="520100")
    request = walk(
        draft_request(cast.investigator, to="520100", kind=AssistanceKind.IDENTITY_CHECK), cast, "received"
    )
    first = _deadline(request, "identity_check")
    request = services.request_transition(
        by=cast.intake,
        request=request,
        name="return_request",
        reason="协作函未签章",
        fields={"defects": [{"document_type": "assistance_letter", "defect": "unsigned"}]},
    )
    first.refresh_from_db()
    assert first.state == DeadlineState.CANCELLED
    services.request_document_upload(
        by=cast.investigator,
        request=request,
        document_type="assistance_letter",
        number="武公（刑）协字〔2026〕99号",
        issued_on=timezone.localdate(),
        file=scan(),
    )
    first_receipt = request.received_at
    request = services.request_transition(by=cast.investigator, request=request, name="resubmit")
    request = services.request_transition(by=cast.intake, request=request, name="receive")
    assert request.received_at > first_receipt
    again = deadline_rows.deadlines_for(request).get(rule_key="identity_check", state=DeadlineState.RUNNING)
    assert again.pk != first.pk and again.started_at == request.received_at
    assert first.started_at == first_receipt


def test_migration_runs_the_clocks_paused_for_a_question_mps_2020_art_353(db):
    """Existing clocks paused for a question run again, their due time as if never paused."""
    from django.apps import apps

    migration = importlib.import_module("cases.assistance.migrations.0006_art_353_clock_never_paused")
    cast = Cast(requested="520100")
    request = walk(
        draft_request(cast.investigator, to="520100", kind=AssistanceKind.IDENTITY_CHECK), cast, "received"
    )
    deadline = _deadline(request, "identity_check")
    original = deadline.due_at
    Deadline.objects.filter(pk=deadline.pk).update(
        state=DeadlineState.PAUSED,
        paused_at=timezone.now(),
        paused_seconds=3600,
        due_at=original + dt.timedelta(hours=1),
    )
    migration.run_paused_clocks(apps, None)
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.RUNNING
    assert deadline.due_at == original and deadline.paused_seconds == 0 and deadline.paused_at is None
    assert deadline.next_escalation_at is not None


def test_capture_notifies_the_requester_and_starts_the_24_hour_custody_clock(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.DETENTION), cast, "in_progress")
    captured_at = timezone.now() - dt.timedelta(hours=1)
    services.custody_event_record(
        by=cast.officer,
        request=request,
        kind=CustodyEventKind.CAPTURE,
        occurred_at=captured_at,
        place="昆明市盘龙区某小区",
        person_name="张某",
    )
    assert any("captured" in payload["subject"] for payload in _notified(cast.investigator))
    custody = _deadline(request, "interrogation_on_behalf")
    assert custody.kind == "custody"
    assert custody.due_at - captured_at <= dt.timedelta(hours=25)


def test_collection_needs_at_least_two_named_officers(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.ARREST), cast, "in_progress")
    with pytest.raises(ValidationError):
        services.custody_event_record(
            by=cast.officer,
            request=request,
            kind=CustodyEventKind.COLLECTION,
            occurred_at=timezone.now(),
            officers=["李警官", "王警官"],
        )  # no capture yet
    services.custody_event_record(
        by=cast.officer,
        request=request,
        kind=CustodyEventKind.CAPTURE,
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        place="昆明",
    )
    for officers in ([], ["李警官"], ["李警官", "李警官"]):
        with pytest.raises(ValidationError) as error:
            services.custody_event_record(
                by=cast.investigator,
                request=request,
                kind=CustodyEventKind.COLLECTION,
                occurred_at=timezone.now(),
                officers=officers,
            )
        assert "officers" in error.value.message_dict
    services.custody_event_record(
        by=cast.investigator,
        request=request,
        kind=CustodyEventKind.COLLECTION,
        occurred_at=timezone.now(),
        officers=["李警官", "王警官"],
    )
    assert _deadline(request, "interrogation_on_behalf").state == DeadlineState.MET


def test_custody_follow_up_only_on_coercive_kinds(cast):
    request = walk(draft_request(cast.investigator), cast, "in_progress")
    with pytest.raises(ValidationError):
        services.custody_event_record(
            by=cast.officer,
            request=request,
            kind=CustodyEventKind.CAPTURE,
            occurred_at=timezone.now(),
            place="x",
        )


def test_freeze_carries_its_period_and_is_reminded_before_expiry(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    starts_on = timezone.localdate()
    measure = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind=PropertyMeasureKind.DEPOSITS,
        target="6222 0000 0000 1234",
        institution="中国工商银行",
        amount=None,
        starts_on=starts_on,
    )
    assert measure.expires_on is not None
    assert 180 <= (measure.expires_on - starts_on).days <= 185
    deadline = Deadline.objects.get(target_type="assistance.propertymeasure", target_id=str(measure.pk))
    assert last_day(deadline.due_at) == measure.expires_on
    assert deadline.assignee == cast.investigator
    remind_at = deadline_rows.escalation_times(deadline)[1]
    assert remind_at < deadline.due_at
    assert deadline_rows.deadline_scan(now=remind_at - dt.timedelta(hours=1)) == 0
    assert deadline_rows.deadline_scan(now=remind_at + dt.timedelta(minutes=1)) == 1
    reminders = [p for p in _notified(cast.investigator) if p["key"] == f"deadline:{deadline.pk}:level:1"]
    assert len(reminders) == 1
    # Idempotent: a second scan at the same time sends nothing more.
    assert deadline_rows.deadline_scan(now=remind_at + dt.timedelta(minutes=2)) == 0


def test_property_found_unrelated_must_be_released_within_three_days(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    measure = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind=PropertyMeasureKind.DEPOSITS,
        target="6222",
        starts_on=timezone.localdate(),
    )
    measure = services.property_measure_found_unrelated(
        by=cast.officer, measure=measure, reason="系案外人合法财产"
    )
    deadlines = Deadline.objects.filter(target_type="assistance.propertymeasure", target_id=str(measure.pk))
    assert deadlines.get(rule_key="freeze_deposits").state == DeadlineState.CANCELLED
    release = deadlines.get(rule_key="release_unrelated_frozen_property")
    assert release.period == "3 days" and release.state == DeadlineState.RUNNING
    # A freeze is lifted with the approval of its approver (MPS-2020 art 241), within the 3 days.
    measure = services.property_measure_propose_release(by=cast.officer, measure=measure, reason="与案件无关")
    measure = services.property_measure_approve_release(by=cast.unit_head, measure=measure)
    services.property_measure_release(by=cast.officer, measure=measure)
    release.refresh_from_db()
    assert release.state == DeadlineState.MET


def test_identity_check_is_reminded_when_due_and_escalated_when_overdue(db):
    from organisation.models import Role
    from tests.support.factories.organisation import member

    cast = Cast(requested="520100")
    guiyang_head = member("520100", Role.UNIT_HEAD, username="guiyang_head")
    ministry_head = member("000000", Role.UNIT_HEAD, username="mps_head")
    request = walk(
        draft_request(cast.investigator, to="520100", kind=AssistanceKind.IDENTITY_CHECK), cast, "received"
    )
    deadline = _deadline(request, "identity_check")
    times = deadline_rows.escalation_times(deadline)
    # The intake officer answers for it until it is routed and assigned.
    assert deadline_rows.deadline_scan(now=times[1]) == 1
    assert any(p["key"] == f"deadline:{deadline.pk}:level:1" for p in _notified(cast.intake))
    assert deadline_rows.deadline_scan(now=times[2]) == 1
    assert any(p["key"] == f"deadline:{deadline.pk}:level:2" for p in _notified(cast.intake))
    assert deadline_rows.deadline_scan(now=times[4]) == 2
    assert any(p["key"] == f"deadline:{deadline.pk}:level:3" for p in _notified(guiyang_head))
    # Chengdu and Guiyang meet only at the ministry: its head hears last.
    assert any(p["key"] == f"deadline:{deadline.pk}:level:4" for p in _notified(ministry_head))
    assert deadline_rows.deadline_scan(now=times[4] + dt.timedelta(days=1)) == 0


def test_acknowledgement_is_one_working_day_by_default(cast):
    request = walk(draft_request(cast.investigator), cast, "sent")
    assert _deadline(request, "acknowledge_receipt").period == "1 working day"


def test_withdrawal_cancels_the_open_clocks(db):
    cast = Cast(requested="520100")
    request = walk(
        draft_request(cast.investigator, to="520100", kind=AssistanceKind.IDENTITY_CHECK), cast, "received"
    )
    services.request_transition(by=cast.investigator, request=request, name="withdraw", reason="已抓获")
    states = set(deadline_rows.deadlines_for(request).values_list("state", flat=True))
    assert states <= {DeadlineState.MET, DeadlineState.CANCELLED}
    assert _deadline(request, "identity_check").state == DeadlineState.CANCELLED


def test_freeze_records_when_the_renewal_reminder_goes_out(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    measure = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind=PropertyMeasureKind.SECURITIES,
        target="上证账户 A123456789",
        starts_on=dt.date(2026, 3, 1),
    )
    # Two years, starting day not counted, a fixed term applied as written (no rest-day extension).
    assert measure.expires_on == dt.date(2028, 3, 1)
    assert measure.renewal_reminder_on < measure.expires_on
