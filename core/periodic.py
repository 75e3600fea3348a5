"""Registry of periodic jobs shared by Celery beat and the demo ticker (`manage.py run_ticker`).

Apps register their scans in AppConfig.ready() (or in a module it imports):

    @periodic.register("deadlines.scan", every_seconds=300)
    def scan() -> None: ...

Jobs must be idempotent: beat and the ticker guarantee "about every N seconds", not "exactly once".
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from core.registry import Registry

logger = logging.getLogger(__name__)

PERIODIC_TASK = "core.tasks.run_periodic"


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    func: Callable[[], object]


_jobs: Registry[str, Job] = Registry("periodic jobs")


def register(name: str, every_seconds: int) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a job to run about every `every_seconds` seconds under a unique name."""
    if every_seconds < 1:
        raise ValueError("A periodic job must run at most once a second")

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        _jobs.add(name, Job(name, int(every_seconds), func))
        return func

    return decorator


def unregister(name: str) -> None:
    _jobs.remove(name)


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def run(name: str) -> None:
    """Run one registered job now."""
    try:
        job = _jobs[name]
    except KeyError:
        raise LookupError(f"No periodic job named {name!r}") from None
    job.func()


def beat_schedule() -> dict:
    """Return Celery beat entries, one per registered job, all through one generic task."""
    return {
        job.name: {
            "task": PERIODIC_TASK,
            "schedule": timedelta(seconds=job.every_seconds),
            "args": (job.name,),
        }
        for job in jobs()
    }


def _audit_checkpoint() -> None:
    """MAC the audit chain head into the checkpoint store (core.audit_checkpoints)."""
    # Imported when run: this registry is imported by modules that the audit models import.
    from core.audit_checkpoints import write_checkpoint

    write_checkpoint()


register("core.audit_checkpoint", every_seconds=settings.AUDIT_CHECKPOINT_SECONDS)(_audit_checkpoint)
