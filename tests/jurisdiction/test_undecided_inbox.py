"""A consultation that did not agree waits in the inbox of the head of the unit holding the case (issue 20).

Any party may then ask the common superior to designate (MPS-2020 art 22); the stalemate stops the
unit holding the case, so its head finds it in 待办 rather than only on the proceeding page.
"""

from cases.models import CaseState
from core.inbox import inbox_for
from jurisdiction import services
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, unit
from tests.support.units import WUHOU, WUHUA


def undecided(user, proceeding) -> bool:
    return any(
        item.kind == "jurisdiction.undecided" and item.object_id == str(proceeding.pk)
        for item in inbox_for(user)
    )


def test_two_claims_put_the_request_for_designation_in_the_holding_heads_inbox(offices):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    CaseLocationFactory(case=case, division_code=WUHUA)
    proceeding = services.proceeding_open(case=case, by=offices[WUHOU].head, reason="两地均有管辖依据")
    services.proceeding_transition(proceeding=proceeding, name="start_consultation", by=offices[WUHOU].head)
    services.position_record(
        proceeding=proceeding, unit=unit(WUHOU), by=offices[WUHOU].legal, position="claim", reasons="最初受理"
    )
    assert not undecided(offices[WUHOU].head, proceeding)  # one party still to speak: no dissent yet
    services.position_record(
        proceeding=proceeding, unit=unit(WUHUA), by=offices[WUHUA].legal, position="claim", reasons="被害人多"
    )
    assert undecided(offices[WUHOU].head, proceeding)
    # Only the head of the unit holding the case is asked; the other party may ask but is not chased.
    assert not undecided(offices[WUHUA].head, proceeding)
    assert not undecided(offices[WUHOU].investigator, proceeding)
    services.proceeding_transition(
        proceeding=proceeding,
        name="request_designation",
        by=offices[WUHOU].head,
        fields={
            "suspects": "甲",
            "charge": "诈骗罪",
            "facts": "案情",
            "dispute": "两地均主张",
            "reasons": "理由",
        },
    )
    assert not undecided(offices[WUHOU].head, proceeding)


def test_an_agreed_consultation_is_not_listed(offices):
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    CaseLocationFactory(case=case, division_code=WUHUA)
    proceeding = services.proceeding_open(case=case, by=offices[WUHOU].head, reason="两地均有管辖依据")
    services.proceeding_transition(proceeding=proceeding, name="start_consultation", by=offices[WUHOU].head)
    for code, position in ((WUHUA, "claim"), (WUHOU, "decline")):
        services.position_record(
            proceeding=proceeding, unit=unit(code), by=offices[code].legal, position=position, reasons="意见"
        )
    assert not undecided(offices[WUHOU].head, proceeding)
