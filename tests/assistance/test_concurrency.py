"""Two officers take the same transition at once: one wins, the other gets 409; one audit event."""

import threading

import pytest
from django.db import connection

from cases.assistance import services
from core.api import Conflict
from core.models import AuditEvent
from tests.support.factories.assistance import draft_request, walk
from tests.support.personas import Cast


@pytest.mark.postgres
def test_two_concurrent_transitions_one_wins_the_other_conflicts(organisation_loaded):
    cast = Cast()
    second_intake = cast.get("intake2_530100", "530100", "intake_officer", "command")
    request = walk(draft_request(cast.investigator), cast, "received")
    barrier = threading.Barrier(2)
    outcomes = []

    def take(user, name, fields):
        try:
            barrier.wait()
            services.request_transition(by=user, request=request, name=name, fields=fields)
            outcomes.append("ok")
        except Conflict as conflict:
            outcomes.append(("conflict", conflict.current_state))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=take, args=(cast.intake, "accept", {})),
        threading.Thread(
            target=take,
            args=(
                second_intake,
                "return_request",
                {"defects": [{"document_type": "case_filing_decision", "defect": "unsigned"}]},
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1
    conflicts = [o for o in outcomes if o != "ok"]
    assert len(conflicts) == 1 and conflicts[0][1] in ("accepted", "returned")
    actions = AuditEvent.objects.filter(
        target_id=str(request.pk),
        action__in=["assistance.assistancerequest.accept", "assistance.assistancerequest.return_request"],
    )
    assert actions.count() == 1
