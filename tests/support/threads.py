"""Races on PostgreSQL: calls in threads of their own, and a wait until they queue behind a row lock."""

import threading
import time

from django.db import connection, connections

WAIT_LIMIT_SECONDS = 30


def blocked_backends() -> int:
    """Count the backends of this database waiting for a lock."""
    with connection.cursor() as cursor:
        # Within a transaction the activity view is a snapshot taken once: drop it to see anew.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_until_blocked(count: int) -> None:
    """Poll until `count` backends queue behind a lock; the limit only stops a broken run."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while blocked_backends() < count:
        assert time.monotonic() < deadline, "the threads never queued for the lock"
        time.sleep(0.02)


def run_in_threads(calls) -> tuple[list[threading.Thread], list]:
    """Start each call in its own thread (own connection); return the threads and the results list.

    Each slot of the list gets the call's return value or the exception it raised, once joined.
    """
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, results
