"""Deadline rows: starting clocks from the rules, pausing for clarification, and the escalation scan.

The recipients here come from a stub resolver; tests/organisation/test_escalation.py checks the
real one. Times are in Asia/Shanghai; 2026-03-02 is a Monday with no holiday near it.
"""

import datetime as dt

import pytest
from django.utils import translation

from core import deadline_rows, periodic
from core.deadline_rows import (
    deadline_cancel,
    deadline_meet,
    deadline_pause,
    deadline_reassign,
    deadline_resume,
    deadline_scan,
    deadline_start,
    deadlines_for,
    escalation_times,
    remaining_text,
)
from core.deadlines import SHANGHAI, Urgency
from core.models import AuditEvent, Deadline, DeadlineState, Notification, OutboxMessage, TimelineEntry
from tests.support.factories.organisation import UserFactory

pytestmark = pytest.mark.django_db

TARGET = ("cases.assistancerequest", "41")


def at(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def end_of(year, month, day):
    return at(year, month, day) + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Run tasks eagerly here, the outbox out of back-off (tests/support/fixtures.py)."""


@pytest.fixture
def told(monkeypatch):
    """Replace the registered resolvers by one that tells a single officer and records each call."""
    officer = UserFactory(username="duty_officer", email="duty@example.cn")
    calls = []

    def resolver(deadline, level):
        calls.append((deadline.pk, int(level)))
        return [officer]

    monkeypatch.setattr(deadline_rows, "_resolvers", deadline_rows._resolvers.copy({"told": resolver}))
    return calls


def identity_check(**extra):
    return deadline_start(
        target=TARGET,
        rule_key="identity_check",
        start=at(2026, 3, 2, 10),
        responsible_unit_code="520100",
        requester_unit_code="510107",
        **extra,
    )


# --- starting clocks -----------------------------------------------------------------------------


def test_identity_check_runs_7_days_from_receipt_with_its_citation():
    deadline = identity_check()

    # The starting day is not counted: 7 days from Monday 2 March end at 24:00 on Monday 9 March.
    assert deadline.due_at == end_of(2026, 3, 9)
    assert (deadline.rule_key, deadline.period, deadline.citation) == (
        "identity_check",
        "7 days",
        "MPS-2020 art 353",
    )
    assert deadline.label == "Identity, age or criminal-record check"
    assert (deadline.kind, deadline.state, deadline.escalation_level) == ("ordinary", "running", 0)
    assert (deadline.target_type, deadline.target_id) == TARGET
    assert deadline.started_at == at(2026, 3, 2, 10)


def test_a_year_without_holiday_data_is_logged_once_per_process(monkeypatch, caplog):
    monkeypatch.setattr(deadline_rows, "_years_warned", set())
    caplog.set_level("WARNING", logger="core.deadline_rows")
    for target_id in ("51", "52"):
        deadline_start(
            target=("cases.assistancerequest", target_id),
            rule_key="identity_check",
            start=at(2031, 3, 3, 10),
            responsible_unit_code="510107",
        )
    warnings = [record.getMessage() for record in caplog.records if "weekends only" in record.getMessage()]
    assert len(warnings) == 1 and "2031" in warnings[0] and ":51 " in warnings[0]


def test_identity_check_runs_15_days_when_the_requested_unit_is_remote():
    deadline = identity_check(remote=True)

    assert deadline.due_at == end_of(2026, 3, 17)
    assert deadline.period == "15 days"
    assert deadline.citation == "MPS-2020 art 353"


@pytest.mark.parametrize(
    ("urgency", "due_at", "period"),
    [
        ("normal", end_of(2026, 3, 9), "7 days"),
        (Urgency.ORDINARY, end_of(2026, 3, 9), "7 days"),
        (Urgency.URGENT, end_of(2026, 3, 5), "3 days"),
        ("extra_urgent", at(2026, 3, 3, 11), "24 hours"),
    ],
)
def test_urgency_shortens_the_period(urgency, due_at, period):
    deadline = identity_check(urgency=urgency)

    assert (deadline.due_at, deadline.period) == (due_at, period)


def test_custody_period_is_stored_as_custody_and_never_extends():
    # Detained at 10:20 on 30 September 2026: 24 hours from 11:00 end during the National Day holiday.
    deadline = deadline_start(
        target=TARGET,
        rule_key="interrogation_on_behalf",
        start=at(2026, 9, 30, 10, 20),
        responsible_unit_code="530100",
    )

    assert deadline.kind == "custody"
    assert deadline.due_at == at(2026, 10, 1, 11)


def test_starting_again_returns_the_running_clock_and_a_new_one_after_it_is_met():
    first = identity_check()
    again = identity_check(remote=True)

    assert again.pk == first.pk
    assert again.due_at == end_of(2026, 3, 9)
    assert Deadline.objects.count() == 1

    deadline_pause(deadline=first, at=at(2026, 3, 3))
    assert identity_check().pk == first.pk  # paused is still open

    deadline_resume(deadline=first, at=at(2026, 3, 3))
    deadline_meet(deadline=first, at=at(2026, 3, 4))
    second = identity_check()
    assert second.pk != first.pk
    assert [d.state for d in deadlines_for(TARGET).order_by("id")] == ["met", "running"]


def test_target_may_be_a_model_instance():
    user = UserFactory()

    deadline = deadline_start(
        target=user, rule_key="transfer_case", start=at(2026, 3, 2, 10, 5), responsible_unit_code="510107"
    )

    assert (deadline.target_type, deadline.target_id) == ("organisation.user", str(user.pk))
    assert deadline.due_at == at(2026, 3, 3, 11)
    assert list(deadlines_for(user)) == [deadline]


def test_an_unknown_rule_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="identity_check"):
        deadline_start(
            target=TARGET, rule_key="no_such_rule", start=at(2026, 3, 2), responsible_unit_code="510107"
        )


def test_configured_rules_change_the_period(settings):
    settings.DEADLINE_RULES = {"identity_check": {"period": "10 days"}}

    assert identity_check().due_at == end_of(2026, 3, 12)


# --- pausing, meeting, cancelling, reassigning ---------------------------------------------------


def test_pause_stops_the_clock_and_resume_moves_the_deadline_by_the_pause():
    deadline = identity_check()

    paused = deadline_pause(deadline=deadline, at=at(2026, 3, 3, 10))
    assert paused.is_paused and paused.paused_at == at(2026, 3, 3, 10)
    # While paused the clock shows what it stopped at, whatever the time, and is never overdue.
    assert paused.remaining(at(2026, 3, 20)) == dt.timedelta(days=6, hours=14)
    assert not paused.is_overdue(at(2026, 3, 20))

    resumed = deadline_resume(deadline=deadline, at=at(2026, 3, 5, 16))
    assert not resumed.is_paused
    assert resumed.state == DeadlineState.RUNNING
    assert resumed.paused_seconds == int(dt.timedelta(days=2, hours=6).total_seconds())
    assert resumed.due_at == end_of(2026, 3, 9) + dt.timedelta(days=2, hours=6)
    assert resumed.paused_at is None


def test_pause_twice_and_resume_of_a_running_clock_change_nothing():
    deadline = identity_check()
    deadline_pause(deadline=deadline, at=at(2026, 3, 3))
    deadline_pause(deadline=deadline, at=at(2026, 3, 4))
    assert Deadline.objects.get().paused_at == at(2026, 3, 3)

    deadline_resume(deadline=deadline, at=at(2026, 3, 5))
    deadline_resume(deadline=deadline, at=at(2026, 3, 8))
    assert Deadline.objects.get().due_at == end_of(2026, 3, 11)


def test_a_closed_clock_cannot_pause_or_be_reassigned():
    deadline = deadline_cancel(deadline=identity_check(), at=at(2026, 3, 3))
    assert deadline.state == DeadlineState.CANCELLED and deadline.cancelled_at == at(2026, 3, 3)
    assert deadline.next_escalation_at is None

    with pytest.raises(ValueError, match="cancelled"):
        deadline_pause(deadline=deadline)
    with pytest.raises(ValueError, match="cancelled"):
        deadline_reassign(deadline=deadline, assignee=None)
    with pytest.raises(ValueError, match="cancelled"):
        deadline_meet(deadline=deadline)
    assert deadline_cancel(deadline=deadline).cancelled_at == at(2026, 3, 3)


def test_reassign_changes_who_answers():
    officer = UserFactory()
    deadline = identity_check()

    deadline = deadline_reassign(deadline=deadline, assignee=officer, responsible_department_kind="criminal")
    assert (deadline.assignee, deadline.responsible_department_kind) == (officer, "criminal")

    deadline = deadline_reassign(deadline=deadline, assignee=None)
    assert deadline.assignee is None
    assert deadline.responsible_department_kind == "criminal"


@pytest.mark.parametrize(
    ("now", "text"),
    [
        (at(2026, 3, 2, 12), "7 days 12 hours left"),
        (at(2026, 3, 9, 23, 30), "30 minutes left"),
        (at(2026, 3, 9, 21, 15), "2 hours 45 minutes left"),
        (at(2026, 3, 8, 0, 5), "1 day 23 hours left"),
        (end_of(2026, 3, 9), "Overdue by 0 minutes"),
        (at(2026, 3, 11, 3), "Overdue by 1 day 3 hours"),
    ],
)
def test_remaining_time_in_words(now, text):
    with translation.override("en"):
        assert remaining_text(identity_check(), now) == text


def test_remaining_time_of_paused_met_and_cancelled_clocks():
    deadline = deadline_pause(deadline=identity_check(), at=at(2026, 3, 8))
    with translation.override("en"):
        assert remaining_text(deadline, at(2026, 3, 20)) == (
            "Clock paused for clarification; 2 days left when it resumes"
        )
        assert remaining_text(deadline_meet(deadline=deadline), at(2026, 3, 20)) == "Met"


# --- escalation ----------------------------------------------------------------------------------


def test_escalation_times_of_a_day_period():
    deadline = identity_check()  # 2 March 10:00 → 24:00 on 9 March: 7 days 14 hours

    times = escalation_times(deadline)

    assert times[1] == end_of(2026, 3, 9) - dt.timedelta(days=7, hours=14) * 0.2
    assert times[2] == end_of(2026, 3, 9)
    assert times[3] == end_of(2026, 3, 10)  # one working day after the last day
    assert times[4] == end_of(2026, 3, 11)
    assert deadline.next_escalation_at == times[1]


def test_escalation_after_a_holiday_counts_working_days():
    # 3 days from 25 September 2026 end on the 28th (Monday); the holiday runs 1–7 October.
    deadline = deadline_start(
        target=TARGET,
        rule_key="notify_complainant_of_transfer",
        start=at(2026, 9, 25, 9),
        responsible_unit_code="510107",
    )
    assert deadline.due_at == end_of(2026, 9, 28)
    times = escalation_times(deadline)
    assert times[3] == end_of(2026, 9, 29)
    assert times[4] == end_of(2026, 9, 30)

    late = deadline_start(
        target=("cases.case", "7"),
        rule_key="notify_complainant_of_transfer",
        start=at(2026, 9, 27, 9),
        responsible_unit_code="510107",
    )
    assert late.due_at == end_of(2026, 9, 30)
    assert escalation_times(late)[3] == end_of(2026, 10, 8)  # the first working day after the holiday
    assert escalation_times(late)[4] == end_of(2026, 10, 9)


def test_custody_and_hour_periods_escalate_in_hours():
    custody = deadline_start(
        target=TARGET,
        rule_key="interrogation_on_behalf",
        start=at(2026, 3, 6, 22, 10),
        responsible_unit_code="530100",
    )
    hours = deadline_start(
        target=TARGET, rule_key="transfer_case", start=at(2026, 3, 6, 22, 10), responsible_unit_code="530100"
    )

    for deadline in (custody, hours):
        times = escalation_times(deadline)
        assert deadline.due_at == at(2026, 3, 7, 23)
        # A fifth of the time from the start of the clock (24 h 50 min) before the end.
        assert times[1] == at(2026, 3, 7, 18, 2)
        assert times[3] == at(2026, 3, 8, 1)
        assert times[4] == at(2026, 3, 8, 3)


def test_reminder_comes_at_most_a_week_before_a_long_deadline():
    freeze = deadline_start(
        target=TARGET, rule_key="freeze_deposits", start=at(2026, 3, 2, 10), responsible_unit_code="510107"
    )

    assert freeze.kind == "fixed"
    assert freeze.due_at == end_of(2026, 9, 2)
    assert escalation_times(freeze)[1] == end_of(2026, 9, 2) - dt.timedelta(days=7)


def counts():
    return (
        Notification.objects.count(),
        OutboxMessage.objects.count(),
        AuditEvent.objects.filter(action="deadline.escalated").count(),
        TimelineEntry.objects.filter(action="deadline_escalated").count(),
    )


def test_scan_steps_through_the_levels_once_each(told, django_capture_on_commit_callbacks):
    deadline = identity_check()
    times = escalation_times(deadline)

    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_scan(now=times[1] - dt.timedelta(minutes=1)) == 0
    assert told == []

    levels = []
    for level in (1, 2, 3, 4):
        with django_capture_on_commit_callbacks(execute=True):
            assert deadline_scan(now=times[level]) == 1
            # The same moment again, as a second beat or the ticker would: nothing more.
            assert deadline_scan(now=times[level]) == 0
        deadline.refresh_from_db()
        levels.append(deadline.escalation_level)
        assert counts() == (level, level, level, level)
    assert levels == [1, 2, 3, 4]
    assert told == [(deadline.pk, 1), (deadline.pk, 2), (deadline.pk, 3), (deadline.pk, 4)]
    assert deadline.next_escalation_at is None
    assert deadline.last_escalated_at == times[4]

    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_scan(now=times[4] + dt.timedelta(days=30)) == 0
    assert counts() == (4, 4, 4, 4)

    keys = sorted(Notification.objects.values_list("key", flat=True))
    assert keys == [f"deadline:{deadline.pk}:level:{n}" for n in (1, 2, 3, 4)]
    event = AuditEvent.objects.filter(action="deadline.escalated").last()
    assert (event.target_type, event.target_id) == TARGET
    assert event.payload["level"] == 4 and event.payload["deadline_id"] == deadline.pk
    entry = TimelineEntry.objects.filter(action="deadline_escalated").last()
    assert (entry.target_type, entry.target_id) == TARGET
    assert entry.data["level"] == 4
    assert entry.data["recipient_names"] == [Notification.objects.first().user.display_name]


def test_notifications_of_a_level_render_in_chinese_with_the_rule_and_due_time(
    told, django_capture_on_commit_callbacks
):
    deadline = identity_check()

    with django_capture_on_commit_callbacks(execute=True):
        deadline_scan(now=end_of(2026, 3, 9))

    notification = Notification.objects.get()
    assert notification.key == f"deadline:{deadline.pk}:level:2"
    assert notification.user.username == "duty_officer"
    assert "2026-03-09 24:00" in notification.body
    # Cited the Chinese way in a Chinese notification (issue 20 item 6).
    assert "《公安机关办理刑事案件程序规定》第三百五十三条" in notification.body
    assert "MPS-2020" not in notification.body
    assert notification.subject != "Deadline passed: %(label)s · %(title)s"
    assert "%(" not in notification.subject + notification.body
    assert "cases.assistancerequest #41" in notification.subject


def test_a_system_default_period_is_named_as_such_in_its_notification_mps_2020_art_348(
    told, django_capture_on_commit_callbacks
):
    """Art 348 sets no period for acknowledging a request: the notice says the period is the system's."""
    deadline = deadline_start(
        target=TARGET,
        rule_key="acknowledge_receipt",
        start=at(2026, 3, 2, 10),
        responsible_unit_code="520100",
        requester_unit_code="510107",
    )
    assert deadline.citation == ""

    with django_capture_on_commit_callbacks(execute=True):
        deadline_scan(now=end_of(2026, 3, 9))

    bodies = list(Notification.objects.values_list("body", flat=True))
    assert bodies and all("系统默认期限，非法定" in body and "()" not in body for body in bodies)


def test_scan_skips_the_reminder_for_a_deadline_first_seen_overdue(told, django_capture_on_commit_callbacks):
    deadline = identity_check()

    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_scan(now=escalation_times(deadline)[4] + dt.timedelta(hours=1)) == 3

    deadline.refresh_from_db()
    assert deadline.escalation_level == 4
    assert told == [(deadline.pk, 2), (deadline.pk, 3), (deadline.pk, 4)]


def test_paused_met_and_cancelled_clocks_are_not_escalated(told):
    paused = deadline_pause(deadline=identity_check(), at=at(2026, 3, 3))
    met = deadline_meet(
        deadline=deadline_start(
            target=("x.y", "1"),
            rule_key="identity_check",
            start=at(2026, 3, 2, 10),
            responsible_unit_code="1",
        )
    )
    cancelled = deadline_cancel(
        deadline=deadline_start(
            target=("x.y", "2"),
            rule_key="identity_check",
            start=at(2026, 3, 2, 10),
            responsible_unit_code="1",
        )
    )

    assert deadline_scan(now=at(2026, 4, 1)) == 0
    assert told == []

    # Resumed two days later, it is due two days later; the scan finds it again.
    resumed = deadline_resume(deadline=paused, at=at(2026, 3, 5))
    assert resumed.due_at == end_of(2026, 3, 11)
    assert deadline_scan(now=end_of(2026, 3, 11) - dt.timedelta(minutes=1)) == 1  # due soon
    assert told == [(paused.pk, 1)]
    assert {met.state, cancelled.state} == {"met", "cancelled"}


def test_a_failing_deadline_does_not_stop_the_others_and_is_retried(monkeypatch, told):
    broken = identity_check()
    other = deadline_start(
        target=("cases.case", "9"),
        rule_key="identity_check",
        start=at(2026, 3, 2, 10),
        responsible_unit_code="520100",
    )
    [good_resolver] = deadline_rows._resolvers.values()

    def flaky(deadline, level):
        if deadline.pk == broken.pk:
            raise RuntimeError("directory unavailable")
        return good_resolver(deadline, level)

    monkeypatch.setattr(deadline_rows, "_resolvers", deadline_rows._resolvers.copy({"flaky": flaky}))
    assert deadline_scan(now=end_of(2026, 3, 9)) == 1
    broken.refresh_from_db()
    other.refresh_from_db()
    assert (broken.escalation_level, other.escalation_level) == (0, 2)
    # Nothing of the failed step was kept.
    assert not AuditEvent.objects.filter(action="deadline.escalated", target_id="41").exists()

    monkeypatch.setattr(deadline_rows, "_resolvers", deadline_rows._resolvers.copy({"told": good_resolver}))
    assert deadline_scan(now=end_of(2026, 3, 9)) == 1
    broken.refresh_from_db()
    assert broken.escalation_level == 2


def test_target_describer_gives_the_title_and_link(told, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(deadline_rows, "_describers", deadline_rows._describers.copy({}))
    deadline_rows.register_target_describer(
        "cases.assistancerequest",
        lambda deadline: deadline_rows.TargetDescription(
            title="川公（刑）协字〔2026〕12号", url=f"/requests/{deadline.target_id}/"
        ),
    )
    identity_check()

    with django_capture_on_commit_callbacks(execute=True):
        deadline_scan(now=end_of(2026, 3, 9))

    notification = Notification.objects.get()
    assert "川公（刑）协字〔2026〕12号" in notification.subject
    assert notification.url == "/requests/41/"


def test_the_scan_is_a_periodic_job_every_five_minutes_by_default():
    job = {job.name: job for job in periodic.jobs()}["core.deadline_scan"]

    assert job.every_seconds == 300
    assert job.func is deadline_rows._scan_job


@pytest.mark.postgres
def test_concurrent_scans_send_each_level_once(transactional_db, monkeypatch):
    """Four scans at once over twenty overdue deadlines: skip_locked shares the rows, nothing doubles."""
    import threading

    from django.db import connection

    officer = UserFactory(username="duty_officer", email="duty@example.cn")
    monkeypatch.setattr(
        deadline_rows,
        "_resolvers",
        deadline_rows._resolvers.copy({"officer": lambda deadline, level: [officer]}),
    )
    for n in range(20):
        deadline_start(
            target=("cases.case", str(n)),
            rule_key="identity_check",
            start=at(2026, 3, 2, 10),
            responsible_unit_code="520100",
        )
    now = at(2026, 3, 20)
    barrier = threading.Barrier(4)
    sent, errors = [], []

    def scan():
        try:
            barrier.wait(timeout=10)
            sent.append(deadline_scan(now=now))
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    # Each deadline was overdue by more than two working days: levels 2, 3 and 4, once each.
    assert sum(sent) == 60
    assert set(Deadline.objects.values_list("escalation_level", flat=True)) == {4}
    assert AuditEvent.objects.filter(action="deadline.escalated").count() == 60
    assert TimelineEntry.objects.filter(action="deadline_escalated").count() == 60
    assert Notification.objects.count() == 60
    assert OutboxMessage.objects.count() == 60
    assert deadline_scan(now=now) == 0
