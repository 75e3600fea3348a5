"""The embedded worker: outbox work relayed from a web page runs beside the request, not in it.

With a broker (production) the relay only publishes, and a Celery worker renders. With no broker
Celery runs eagerly, so the relay that `core.outbox.enqueue` asks for on commit would run the
handler (a WeasyPrint render and its signature, a dossier of many documents: 1–3 s each) inside
the request that committed, and the officer's page would wait for it. In a process that serves
pages this module hands that relay to one background thread instead: the request answers at once
and the page polls for the result (documents.progress, cases dossier progress).

One thread, so renders run one after another as a worker with one process would; each job closes
its database connections when it ends, since the thread outlives any request. A job that fails is
logged and its outbox row stays pending, and the periodic sweep re-relays it as it would a row
whose broker was down.

Commands (seed_demo, the ticker) and tests keep the eager relay in the calling thread, where
callers rely on the effect being done when the command returns. `OUTBOX_EAGER_BACKGROUND` in the
settings overrides the choice either way.
"""

import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid = 0


def _serving_pages() -> bool:
    """Tell whether this process is a web server: the demo's runserver or a gunicorn worker."""
    program = sys.argv[0].rsplit("/", 1)[-1] if sys.argv else ""
    return sys.argv[1:2] == ["runserver"] or program.startswith("gunicorn")


def enabled() -> bool:
    """Tell whether eager outbox work should leave the calling thread."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        # A broker takes the work: publishing is quick and a worker process does the rest.
        return False
    configured = getattr(settings, "OUTBOX_EAGER_BACKGROUND", None)
    return _serving_pages() if configured is None else bool(configured)


def _worker() -> ThreadPoolExecutor:
    global _executor, _executor_pid
    with _lock:
        # A forked process (a gunicorn worker) inherits the executor but not its thread: start anew.
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lianban-worker")
            _executor_pid = os.getpid()
        return _executor


def _run(func: Callable[..., Any], args: tuple) -> None:
    try:
        func(*args)
    except Exception:
        logger.exception("Background job %s failed; the outbox sweep retries what it left pending", func)
    finally:
        # The thread lives on between jobs; a connection left open would hold SQLite's WAL snapshot
        # (and a PostgreSQL session) until the next job.
        connections.close_all()


def submit(func: Callable[..., Any], *args: Any) -> Future:
    """Run `func(*args)` on the embedded worker thread; return its future."""
    return _worker().submit(_run, func, args)


def run_or_submit(func: Callable[..., Any], *args: Any) -> None:
    """Hand `func(*args)` to the worker thread when `enabled()`, else run it here and now."""
    if enabled():
        submit(func, *args)
    else:
        func(*args)


def wait(timeout: float | None = 30) -> None:
    """Block until every job submitted so far has run (for commands and tests that need the effect)."""
    if _executor is not None and _executor_pid == os.getpid():
        _executor.submit(lambda: None).result(timeout=timeout)
