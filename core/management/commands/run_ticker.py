import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from core import periodic

logger = logging.getLogger("core.ticker")


class Command(BaseCommand):
    help = (
        "Run the registered periodic jobs when due, in a loop: the embedded stand-in for Celery beat "
        "(make demo starts it beside the web server)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between checks for due jobs (default 1)."
        )

    def handle(self, *args, once=False, interval=1.0, **options):
        jobs = periodic.jobs()
        if not jobs:
            self.stdout.write("No periodic jobs registered")
            return
        logger.info("Ticker started: %s", ", ".join(f"{job.name} every {job.every_seconds}s" for job in jobs))
        if once:
            failures = sum(not self._run(job) for job in jobs)
            self.stdout.write(f"Ran {len(jobs)} periodic jobs, {failures} failed")
            return
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._loop(jobs, max(interval, 0.1), stop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("Ticker stopped")

    def _loop(self, jobs, interval, stop):
        next_due = {job.name: 0.0 for job in jobs}
        while not stop.is_set():
            for job in jobs:
                if stop.is_set():
                    break
                if time.monotonic() >= next_due[job.name]:
                    # Scheduled from the start of the run, so a slow job does not drift its period
                    # and a job that overran its period runs once, not in a burst.
                    started = time.monotonic()
                    self._run(job)
                    next_due[job.name] = started + job.every_seconds
            stop.wait(interval)

    def _run(self, job) -> bool:
        close_old_connections()
        try:
            job.func()
        except Exception:
            # One failing job must not stop the others, nor the next run of itself.
            logger.exception("Periodic job %s failed", job.name)
            return False
        else:
            logger.debug("Periodic job %s done", job.name)
            return True
        finally:
            close_old_connections()
