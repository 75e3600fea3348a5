"""The inbox kinds that are steps list a proceeding exactly where its machine says a step waits.

jurisdiction.steps declares which steps make a proceeding wait and which inbox kinds list them
(PROCEEDING_MACHINE.inbox_kinds); jurisdiction.inbox finds them with fast queries. Here a transfer and a
consultation are walked through and, for each officer concerned, the two are compared at every stage.
"""

from __future__ import annotations

from cases.models import CaseState
from core.inbox import inbox_for
from documents.models import Document
from jurisdiction import services
from jurisdiction.steps import PROCEEDING_MACHINE
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, unit
from tests.support.jurisdiction import walk_document
from tests.support.units import WUHOU, WUHUA


def listed(user, proceeding) -> bool:
    kinds = set(PROCEEDING_MACHINE.inbox_kinds)
    return any(item.kind in kinds and item.object_id == str(proceeding.pk) for item in inbox_for(user))


def assert_same(proceeding, users) -> None:
    proceeding.refresh_from_db()
    for user in users:
        waiting = PROCEEDING_MACHINE.waiting_for(proceeding, user)
        assert listed(user, proceeding) == waiting, (user.username, proceeding.state, waiting)


def test_a_transfer_waits_where_its_steps_wait(offices):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.REGISTERED)
    people = [
        getattr(office, role)
        for office in (offices[WUHOU], offices[WUHUA])
        for role in ("head", "legal", "investigator")
    ]
    proceeding = services.proceeding_open(
        case=case, by=offices[WUHOU].head, kind="transfer", reason="不属本辖区"
    )
    assert_same(proceeding, people)
    assert listed(offices[WUHOU].head, proceeding)
    proceeding = services.proceeding_transition(
        proceeding=proceeding,
        name="prepare_transfer",
        by=offices[WUHOU].head,
        reason="犯罪地在五华区",
        fields={"lead_unit": WUHUA},
    )
    # The notice is in its chain: nobody may start the handover yet, nothing of this kind waits.
    assert_same(proceeding, people)
    assert not any(listed(user, proceeding) for user in people)
    walk_document(Document.objects.get(kind="case_transfer_notice"), offices[WUHOU])
    # Approved: the head of the unit giving the case up signs and issues it, which starts the
    # handover (MPS-2020 arts 175, 184: the head's approval); nobody else is asked.
    assert_same(proceeding, people)
    assert listed(offices[WUHOU].head, proceeding)
    assert not listed(offices[WUHOU].investigator, proceeding) and not listed(offices[WUHUA].head, proceeding)


def test_a_consultation_waits_where_its_steps_wait(offices):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    CaseLocationFactory(case=case, division_code=WUHUA)
    people = [
        getattr(office, role)
        for office in (offices[WUHOU], offices[WUHUA])
        for role in ("head", "legal", "investigator")
    ]
    proceeding = services.proceeding_open(case=case, by=offices[WUHOU].head, reason="两地均有管辖依据")
    assert_same(proceeding, people)
    services.proceeding_transition(proceeding=proceeding, name="start_consultation", by=offices[WUHOU].head)
    assert_same(proceeding, people)
    for code, position in ((WUHUA, "claim"), (WUHOU, "decline")):
        services.position_record(
            proceeding=proceeding,
            unit=unit(code),
            by=offices[code].legal,
            position=position,
            reasons="意见",
        )
    # Agreeing is open to every party but waits on nobody: the positions were what was owed.
    assert_same(proceeding, people)
    services.proceeding_transition(proceeding=proceeding, name="agree", by=offices[WUHOU].head)
    assert_same(proceeding, people)
    assert listed(offices[WUHUA].legal, proceeding)
