"""core.serials: one gap-free sequence per scope, safe when the scope's first numbers are taken at once."""

import threading

import pytest
from django.db import connection, transaction

from cases.models import CaseNumberCounter
from core.serials import next_serial
from organisation.models import Unit


def test_serials_count_per_scope_and_roll_back_with_the_caller(db):
    unit = Unit.objects.get(code="510107")
    with transaction.atomic():
        assert [next_serial(CaseNumberCounter, unit_id=unit.pk, year=2031) for _ in range(3)] == [1, 2, 3]
        assert next_serial(CaseNumberCounter, unit_id=unit.pk, year=2032) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        next_serial(CaseNumberCounter, unit_id=unit.pk, year=2031)
        raise RuntimeError("the caller failed after taking a number")
    with transaction.atomic():
        assert next_serial(CaseNumberCounter, unit_id=unit.pk, year=2031) == 4


def test_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_serial(CaseNumberCounter, unit_id=1, year=2031)


@pytest.mark.postgres
def test_first_numbers_of_a_new_scope_taken_at_once_are_distinct(organisation_loaded):
    unit_id = Unit.objects.get(code="530100").pk
    barrier = threading.Barrier(8)
    taken, errors = [], []

    def take():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                taken.append(next_serial(CaseNumberCounter, unit_id=unit_id, year=2033))
        except Exception as exc:  # a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(taken) == list(range(1, 9))
