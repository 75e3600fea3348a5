"""The periodic job registry, Celery beat's schedule and the demo ticker."""

import io
import logging
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command

from config.celery import app as celery_app
from core import periodic
from core.management.commands import run_ticker
from core.tasks import run_periodic


@pytest.fixture
def registry(monkeypatch):
    """An isolated copy of the registry, so test jobs never leak into other tests."""
    monkeypatch.setattr(periodic, "_jobs", periodic._jobs.copy())
    # The ticker recycles stale connections between jobs; inside a test's transaction that would
    # close the test's own connection.
    monkeypatch.setattr(run_ticker, "close_old_connections", lambda: None)
    return periodic


def test_outbox_sweep_is_registered_with_its_setting(settings):
    job = {job.name: job for job in periodic.jobs()}["core.outbox_sweep"]
    assert job.every_seconds == settings.OUTBOX_SWEEP_SECONDS


def test_beat_schedule_has_one_generic_entry_per_job(registry):
    @registry.register("test.every_five", every_seconds=5)
    def every_five():
        pass

    schedule = registry.beat_schedule()
    assert schedule["test.every_five"] == {
        "task": "core.tasks.run_periodic",
        "schedule": timedelta(seconds=5),
        "args": ("test.every_five",),
    }
    assert set(schedule) == {job.name for job in registry.jobs()}


def test_celery_app_takes_its_beat_schedule_from_the_registry():
    celery_app.finalize()
    assert celery_app.conf.beat_schedule["core.outbox_sweep"]["task"] == "core.tasks.run_periodic"
    assert "core.tasks.run_periodic" in celery_app.tasks
    assert "core.tasks.deliver_outbox_message" in celery_app.tasks


def test_a_name_cannot_be_taken_by_another_function(registry):
    @registry.register("test.taken", every_seconds=5)
    def first():
        pass

    with pytest.raises(ValueError, match="already registered"):

        @registry.register("test.taken", every_seconds=5)
        def second():
            pass


def test_run_periodic_task_runs_the_named_job(registry):
    ran = []
    registry.register("test.by_task", every_seconds=5)(lambda: ran.append(True))

    run_periodic.apply(args=["test.by_task"]).get()
    assert ran == [True]
    with pytest.raises(LookupError):
        run_periodic.apply(args=["test.unknown"]).get()


def test_ticker_once_runs_every_job_and_survives_a_failing_one(db, registry, caplog):
    ran = []

    @registry.register("test.a_broken", every_seconds=5)
    def broken():
        raise RuntimeError("scan exploded")

    @registry.register("test.b_fine", every_seconds=5)
    def fine():
        ran.append("fine")

    out = io.StringIO()
    with caplog.at_level(logging.ERROR, logger="core.ticker"):
        call_command("run_ticker", "--once", stdout=out)

    assert ran == ["fine"]
    assert "Periodic job test.a_broken failed" in caplog.text
    assert f"Ran {len(registry.jobs())} periodic jobs, 1 failed" in out.getvalue()


def test_ticker_loop_runs_jobs_again_when_due_after_a_failure(db, registry, monkeypatch):
    stop = threading.Event()
    runs = {"broken": 0, "fine": 0}

    def broken():
        runs["broken"] += 1
        raise RuntimeError("scan exploded")

    def fine():
        runs["fine"] += 1
        if runs["fine"] >= 2:
            stop.set()

    monkeypatch.setattr(registry, "_jobs", registry._jobs.copy({}))
    registry.register("test.a_broken", every_seconds=1)(broken)
    registry.register("test.b_fine", every_seconds=1)(fine)

    worker = threading.Thread(
        target=run_ticker.Command()._loop, args=(registry.jobs(), 0.05, stop), daemon=True
    )
    worker.start()
    worker.join(timeout=30)
    stop.set()

    assert not worker.is_alive()
    assert runs["fine"] == 2
    assert runs["broken"] >= 1
