"""Who may take which transition: role × relation to the request × state (an evidence collection)."""

import pytest

from core.workflow import available_transitions
from tests.support.factories.assistance import draft_request, walk
from tests.support.personas import Cast

REQUESTER = {"withdraw"}
AFTER_RECEIPT = {"withdraw", "dispute"}

# state → persona → transitions offered. Personas: the requesting unit's investigator (inv),
# department head (dh) and unit head (uh); the requested unit's intake officer (intake), criminal
# department head (rdh), the assigned officer (officer) and another investigator there (other);
# the uninvolved Qinghai investigator (qinghai).
TABLE = {
    "draft": {"inv": {"submit", "withdraw"}, "dh": {"submit", "withdraw"}, "uh": {"submit", "withdraw"}},
    "awaiting_approval": {
        "inv": REQUESTER,
        "dh": {"approve", "reject", "withdraw"},
        "uh": {"approve", "reject", "withdraw"},
    },
    "approved": {"inv": {"send", "withdraw"}, "dh": {"send", "withdraw"}, "uh": {"send", "withdraw"}},
    "sent": {"inv": REQUESTER, "dh": REQUESTER, "uh": REQUESTER, "intake": {"receive"}},
    "received": {
        "inv": AFTER_RECEIPT,
        "dh": AFTER_RECEIPT,
        "uh": AFTER_RECEIPT,
        "intake": {"request_clarification", "accept", "return_request", "dispute"},
        "rdh": {"dispute"},
    },
    "accepted": {
        "inv": AFTER_RECEIPT,
        "dh": AFTER_RECEIPT,
        "uh": AFTER_RECEIPT,
        "intake": {"route", "dispute"},
        "rdh": {"dispute"},
    },
    "routed": {
        "inv": AFTER_RECEIPT,
        "dh": AFTER_RECEIPT,
        "uh": AFTER_RECEIPT,
        "intake": {"dispute"},
        "rdh": {"assign", "dispute"},
    },
    "assigned": {
        "inv": AFTER_RECEIPT,
        "dh": AFTER_RECEIPT,
        "uh": AFTER_RECEIPT,
        "intake": {"dispute"},
        "rdh": {"dispute"},
        "officer": {"start"},
    },
    "in_progress": {
        "inv": AFTER_RECEIPT,
        "dh": AFTER_RECEIPT,
        "uh": AFTER_RECEIPT,
        "intake": {"dispute"},
        "rdh": {"dispute"},
        "officer": {"fulfil"},
    },
    "fulfilled": {"inv": {"close"}, "dh": {"close"}, "uh": {"close"}},
    "closed": {},
}
PERSONAS = ["inv", "dh", "uh", "intake", "rdh", "officer", "other", "qinghai"]


@pytest.mark.parametrize("state", list(TABLE))
def test_transition_table(db, state, qinghai_investigator):
    cast = Cast()
    people = {
        "inv": cast.investigator,
        "dh": cast.department_head,
        "uh": cast.unit_head,
        "intake": cast.intake,
        "rdh": cast.requested_head,
        "officer": cast.officer,
        "other": cast.get("other_kunming", "530100", "investigator", "criminal"),
        "qinghai": qinghai_investigator,
    }
    request = walk(draft_request(cast.investigator), cast, state)
    offered = {persona: set(available_transitions(request, people[persona])) for persona in PERSONAS}
    expected = {persona: TABLE[state].get(persona, set()) for persona in PERSONAS}
    assert offered == expected


def test_coercive_approval_is_offered_to_the_unit_head_only(db):
    from cases.assistance_kinds import AssistanceKind

    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.SEARCH), cast, "awaiting_approval")
    assert "approve" not in available_transitions(request, cast.department_head)
    assert "approve" in available_transitions(request, cast.unit_head)


def _returned(cast, request):
    from cases.assistance import services

    return services.request_transition(
        by=cast.intake,
        request=request,
        name="return_request",
        fields={"defects": [{"document_type": "case_filing_decision", "defect": "unsigned"}]},
    )


def _clarification(cast, request):
    from cases.assistance import services

    return services.request_transition(
        by=cast.intake, request=request, name="request_clarification", reason="请说明"
    )


def _disputed(cast, request):
    from cases.assistance import services

    return services.request_transition(by=cast.intake, request=request, name="dispute", reason="有争议")


def _referred(cast, request):
    from cases.assistance import services

    request = _disputed(cast, request)
    return services.request_transition(by=cast.unit_head, request=request, name="refer")


SIDE_TABLE = {
    "returned": (
        _returned,
        {
            "inv": {"resubmit", "withdraw", "dispute"},
            "uh": {"resubmit", "withdraw", "dispute"},
            "intake": {"dispute"},
        },
    ),
    "clarification_requested": (
        _clarification,
        {
            "inv": {"answer", "withdraw", "dispute"},
            "uh": {"answer", "withdraw", "dispute"},
            "intake": {"dispute"},
        },
    ),
    # Only a unit head or legal officer of either side takes a dispute to the common superior.
    "disputed": (_disputed, {"inv": {"withdraw"}, "uh": {"withdraw", "refer"}}),
    # MPS-2020 art 356: the common superior's head decides; its legal officer alone does not.
    "referred": (
        _referred,
        {"inv": set(), "uh": set(), "mps_legal": set(), "mps_head": {"decide_proceed", "decide_withdraw"}},
    ),
}


@pytest.mark.parametrize("state", list(SIDE_TABLE))
def test_side_states_table(db, state, qinghai_investigator):
    from tests.support.factories.organisation import member

    cast = Cast()
    people = {
        "inv": cast.investigator,
        "uh": cast.unit_head,
        "intake": cast.intake,
        "officer": cast.officer,
        "qinghai": qinghai_investigator,
        "mps_legal": member("000000", "legal_officer", username="mps_legal_t"),
        "mps_head": member("000000", "unit_head", username="mps_head_t"),
    }
    build, expected = SIDE_TABLE[state]
    request = build(cast, walk(draft_request(cast.investigator), cast, "received"))
    assert request.state == state
    for persona, user in people.items():
        assert set(available_transitions(request, user)) == expected.get(persona, set()), persona
