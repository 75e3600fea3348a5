"""Races on PostgreSQL: two transitions of one case, two registrations of one unit's cases."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from cases import services
from cases.models import Case, CaseState
from core import audit
from core.api import Conflict
from core.models import AuditEvent, TimelineEntry
from organisation.models import Role
from tests.cases.conftest import WUHOU, officer
from tests.factories.cases import CaseFactory

WAIT_LIMIT_SECONDS = 30


def _blocked_backends() -> int:
    with connection.cursor() as cursor:
        # Within a transaction the activity view is a snapshot taken once: drop it to see anew.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _wait_until_blocked(count: int) -> None:
    # Polls until the threads queue behind the row lock; the limit only stops a broken run.
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while _blocked_backends() < count:
        assert time.monotonic() < deadline, "the threads never queued for the lock"
        time.sleep(0.02)


def _run_in_threads(calls) -> tuple[list[threading.Thread], list]:
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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_one_wins_the_other_gets_conflict(organisation_loaded):
    assert connection.vendor == "postgresql"
    case = CaseFactory(state=CaseState.REGISTERED)
    department_head = officer(WUHOU, Role.DEPARTMENT_HEAD)
    unit_head = officer(WUHOU, Role.UNIT_HEAD)
    calls = [
        lambda: services.case_transition(case=case.pk, name="start_investigation", by=department_head),
        lambda: services.case_transition(case=case.pk, name="start_investigation", by=unit_head),
    ]

    # Hold the row so that both transitions queue behind the lock and then race for it.
    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case.pk)
        threads, results = _run_in_threads(calls)
        _wait_until_blocked(2)
    for thread in threads:
        thread.join()

    winners = [result for result in results if isinstance(result, Case)]
    losers = [result for result in results if isinstance(result, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    final = Case.objects.get(pk=case.pk)
    assert final.state == winners[0].state
    assert losers[0].current_state == final.state
    transition_events = AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk)).exclude(
        action="cases.case.created"
    )
    assert transition_events.count() == 1
    assert TimelineEntry.objects.filter(target_type="cases.case", target_id=str(case.pk)).count() == 1
    assert audit.verify_chain().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_consecutive_distinct_numbers(organisation_loaded):
    investigator = officer(WUHOU)
    drafts = [CaseFactory() for _ in range(3)]
    calls = [
        (lambda pk=draft.pk: services.case_transition(case=pk, name="register", by=investigator))
        for draft in drafts
    ]

    threads, results = _run_in_threads(calls)
    for thread in threads:
        thread.join()

    assert all(isinstance(result, Case) for result in results), results
    assert sorted(result.number_serial for result in results) == [1, 2, 3]
    assert len({result.number for result in results}) == 3
