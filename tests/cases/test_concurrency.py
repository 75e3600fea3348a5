"""Races on PostgreSQL: two transitions of one case, two registrations of one unit's cases."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases import filing, services
from cases.models import Case, CaseState
from core import audit
from core.api import Conflict
from core.models import AuditEvent, TimelineEntry
from organisation.models import Role
from tests.support.factories.cases import CaseFactory
from tests.support.personas import officer
from tests.support.threads import run_in_threads, wait_until_blocked
from tests.support.units import WUHOU


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_one_wins_the_other_gets_conflict(organisation_loaded):
    assert connection.vendor == "postgresql"
    case = CaseFactory(state=CaseState.REGISTERED)
    # Two who may approve the filing (MPS-2020 art 178): the unit head and an acting unit head.
    unit_head = officer(WUHOU, Role.UNIT_HEAD)
    acting_head = officer(WUHOU, Role.UNIT_HEAD, is_acting=True, valid_to=timezone.localdate())
    filing.filing_request(case=case, by=officer(WUHOU), reasons="有犯罪事实需要追究刑事责任")
    before = {
        "audit": set(AuditEvent.objects.values_list("pk", flat=True)),
        "timeline": TimelineEntry.objects.filter(target_type="cases.case", target_id=str(case.pk)).count(),
    }
    calls = [
        lambda: services.case_transition(case=case.pk, name="start_investigation", by=acting_head),
        lambda: services.case_transition(case=case.pk, name="start_investigation", by=unit_head),
    ]

    # Hold the row so that both transitions queue behind the lock and then race for it.
    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case.pk)
        threads, results = run_in_threads(calls)
        wait_until_blocked(2)
    for thread in threads:
        thread.join()

    winners = [result for result in results if isinstance(result, Case)]
    losers = [result for result in results if isinstance(result, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    final = Case.objects.get(pk=case.pk)
    assert final.state == winners[0].state
    assert losers[0].current_state == final.state
    transition_events = AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk)).exclude(
        pk__in=before["audit"]
    )
    assert transition_events.count() == 1
    timeline = TimelineEntry.objects.filter(target_type="cases.case", target_id=str(case.pk)).count()
    assert timeline == before["timeline"] + 1
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

    threads, results = run_in_threads(calls)
    for thread in threads:
        thread.join()

    assert all(isinstance(result, Case) for result in results), results
    assert sorted(result.number_serial for result in results) == [1, 2, 3]
    assert len({result.number for result in results}) == 3
