"""The case state machine: who may take which transition from which state, through the single path.

立案 (MPS-2020 art 178) is approved by the head of a county-level or higher organ: start_investigation,
which a department head could take before 立案 was a step of its own, is now the unit head's alone
and needs a 呈请立案报告书 (request_filing); the filing's own tests are tests/cases/test_filing.py.
"""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import filing, refusal, services
from cases.models import TRANSITION_NAMES, Case, CaseParty, CaseState, FilingReview, PartyRole, PersonRole
from core.api import Conflict
from core.models import AuditEvent, TimelineEntry
from core.workflow import available_transitions
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, CasePersonFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, GUIYANG, KUNMING, WUHOU, XINING

S = CaseState

# transition → (source states, target)
MACHINE = {
    "register": ([S.DRAFT], S.REGISTERED),
    "request_filing": ([S.REGISTERED], S.REGISTERED),
    "return_filing_request": ([S.REGISTERED], S.REGISTERED),
    "start_investigation": ([S.REGISTERED], S.UNDER_INVESTIGATION),
    "request_not_filing": ([S.REGISTERED], S.REGISTERED),
    "return_not_filing_request": ([S.REGISTERED], S.REGISTERED),
    "refuse_filing": ([S.REGISTERED], S.NOT_FILED),
    "serve_refusal_notice": ([S.NOT_FILED], S.NOT_FILED),
    "receive_reconsideration": ([S.NOT_FILED], S.NOT_FILED),
    "receive_superior_review": ([S.NOT_FILED], S.NOT_FILED),
    "extend_filing_review": ([S.NOT_FILED], S.NOT_FILED),
    # Upheld here; revoked, the case is registered again (tests/cases/test_not_filing.py).
    "decide_filing_review": ([S.NOT_FILED], S.NOT_FILED),
    "reopen_for_filing": ([S.NOT_FILED], S.REGISTERED),
    "open_jurisdiction_question": ([S.REGISTERED, S.UNDER_INVESTIGATION], S.JURISDICTION_PENDING),
    "settle_jurisdiction": ([S.JURISDICTION_PENDING], S.UNDER_INVESTIGATION),
    "suspend": ([S.UNDER_INVESTIGATION], S.SUSPENDED),
    "resume": ([S.SUSPENDED], S.UNDER_INVESTIGATION),
    "transfer_for_prosecution": ([S.UNDER_INVESTIGATION], S.TRANSFERRED_FOR_PROSECUTION),
    "close": ([S.UNDER_INVESTIGATION, S.SUSPENDED], S.CLOSED),
    "revoke": (
        [S.REGISTERED, S.JURISDICTION_PENDING, S.UNDER_INVESTIGATION, S.SUSPENDED],
        S.REVOKED,
    ),
    "merge_into": ([S.REGISTERED, S.UNDER_INVESTIGATION, S.SUSPENDED], S.MERGED),
}

ROLES = [
    Role.INVESTIGATOR,
    Role.DEPARTMENT_HEAD,
    Role.UNIT_HEAD,
    Role.LEGAL_OFFICER,
    Role.INTAKE_OFFICER,
    Role.LIAISON_OFFICER,
]
# The user's unit relative to a case accepted (and, once investigated, led) by 武侯.
RELATIONS = {"own unit": WUHOU, "superior (成都)": CHENGDU, "uninvolved (西宁)": XINING}

INV, DH, UH, LO = Role.INVESTIGATOR, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD, Role.LEGAL_OFFICER
OWN, SUPERIOR = "own unit", "superior (成都)"
ALLOWED = {
    "register": {(INV, OWN), (DH, OWN)},
    "request_filing": {(INV, OWN), (DH, OWN), (UH, OWN)},
    # MPS-2020 art 178: the head of the county-level organ (武侯区分局) alone, no longer its department head.
    "return_filing_request": {(UH, OWN)},
    "start_investigation": {(UH, OWN)},
    # 不予立案 (MPS-2020 art 178 ¶1): asked for as 立案 is, decided by the same head.
    "request_not_filing": {(INV, OWN), (DH, OWN), (UH, OWN)},
    "return_not_filing_request": {(UH, OWN)},
    "refuse_filing": {(UH, OWN)},
    "serve_refusal_notice": {(INV, OWN), (DH, OWN), (UH, OWN)},
    "receive_reconsideration": {(INV, OWN), (DH, OWN), (UH, OWN), (LO, OWN)},
    # MPS-2020 art 179 ¶2: the 复核 is the superior organ's (成都市公安局).
    "receive_superior_review": {(DH, SUPERIOR), (UH, SUPERIOR), (LO, SUPERIOR)},
    "extend_filing_review": {(UH, OWN)},
    "decide_filing_review": {(UH, OWN)},
    "reopen_for_filing": {(INV, OWN), (DH, OWN), (UH, OWN)},
    "open_jurisdiction_question": {(DH, OWN), (UH, OWN), (LO, OWN)},
    "settle_jurisdiction": {(UH, OWN), (LO, OWN), (UH, SUPERIOR), (LO, SUPERIOR)},
    "suspend": {(DH, OWN), (UH, OWN)},
    "resume": {(DH, OWN), (UH, OWN)},
    "transfer_for_prosecution": {(UH, OWN)},
    "close": {(DH, OWN), (UH, OWN)},
    "revoke": {(UH, OWN)},
    # Only through an approved merger proposal (jurisdiction.merger): no role merges on its own say.
    "merge_into": set(),
}


# The steps that act on a request for filing (MPS-2020 art 178) find one waiting.
ON_A_REQUEST = ("start_investigation", "return_filing_request")


def case_in(state, name: str) -> Case:
    if name == "settle_jurisdiction":
        # A filed case whose jurisdiction came into question: settled, its new lead investigates it
        # (MPS-2020 art 184); one not yet filed stays registered (art 175, below).
        return CaseFactory(state=state, filed_at=timezone.now())
    if name in refusal.TRANSITIONS and state in (S.REGISTERED, S.NOT_FILED):
        return _refusal_case_for(name, state)
    case = CaseFactory(state=state)
    if name in ON_A_REQUEST and state == S.REGISTERED:
        filing.filing_request(case=case, by=officer(WUHOU), reasons="有犯罪事实需要追究刑事责任")
        case.refresh_from_db()
    return case


def _refusal_case_for(name: str, state) -> Case:
    """Return a case where the 不予立案 step `name` may be taken (MPS-2020 arts 178, 179)."""
    case = CaseFactory(state=state)
    CasePersonFactory(case=case, name="王某", role=PersonRole.COMPLAINANT)
    if state == S.REGISTERED:
        if name != "request_not_filing":
            refusal.not_filing_request(case=case, by=officer(WUHOU), ground="no_crime", facts="没有犯罪事实")
        case.refresh_from_db()
        return case
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Case.objects.filter(pk=case.pk).update(
        not_filed_at=timezone.now() - dt.timedelta(days=2),
        refusal_ground="no_crime",
        refusal_served_on=None if name == "serve_refusal_notice" else yesterday,
    )
    if name in ("extend_filing_review", "decide_filing_review", "receive_superior_review"):
        decided = name == "receive_superior_review"
        FilingReview.objects.create(
            case=case,
            kind="reconsideration",
            applicant="王某",
            received_on=yesterday,
            deciding_unit=unit(WUHOU),
            recorded_by=officer(WUHOU),
            decided_at=timezone.now() - dt.timedelta(days=1) if decided else None,
            outcome="upheld" if decided else "",
        )
    case.refresh_from_db()
    return case


def arguments_for(name: str) -> dict:
    today = timezone.localdate()
    refusal_arguments = {
        "request_not_filing": {"ground": "no_crime", "facts": "没有犯罪事实"},
        "return_not_filing_request": {"reason": "测试原因"},
        "serve_refusal_notice": {"served_on": today},
        "receive_reconsideration": {"applicant": "王某", "received_on": today},
        "receive_superior_review": {"applicant": "王某", "received_on": today, "decision_received_on": today},
        "extend_filing_review": {"reason": "案情复杂", "notice": "已书面告知"},
        "decide_filing_review": {"outcome": "upheld", "reason": "没有犯罪事实"},
        "reopen_for_filing": {"reason": "发现新的证据"},
    }
    if name in refusal_arguments:
        return refusal_arguments[name]
    if name in ("open_jurisdiction_question", "suspend", "close", "revoke", "return_filing_request"):
        return {"reason": "测试原因"}
    if name == "request_filing":
        return {"reasons": "有犯罪事实需要追究刑事责任"}
    if name == "settle_jurisdiction":
        return {"lead_unit": unit(WUHOU)}
    return {}


def take(case, name: str, user, **arguments):
    """Take a transition of the case through its service (a proceeding's effects through theirs)."""
    if name == "open_jurisdiction_question":
        return services.case_jurisdiction_question_open(case=case, by=user, **arguments)
    if name == "settle_jurisdiction":
        return services.case_jurisdiction_settle(case=case, by=user, **arguments)
    if name in services.FILING_TRANSITIONS:
        return filing.filing_transition(case=case, name=name, by=user, **arguments)
    if name in refusal.TRANSITIONS:
        return refusal.refusal_transition(case=case, name=name, by=user, **arguments)
    return services.case_transition(case=case, name=name, by=user, **arguments)


TABLE = [
    (name, source, role, relation)
    for name, (sources, _) in MACHINE.items()
    for source, role, relation in itertools.product(sources, ROLES, RELATIONS)
]


def test_the_table_covers_every_transition_of_the_model():
    declared = {(t.name, t.source) for t in Case._meta.get_field("state").get_all_transitions(Case)}
    assert declared == {(name, source) for name, (sources, _) in MACHINE.items() for source in sources}
    assert set(TRANSITION_NAMES) == set(MACHINE)


@pytest.mark.parametrize(("name", "source", "role", "relation"), TABLE)
@pytest.mark.django_db
def test_transition_table(name, source, role, relation):
    case = case_in(source, name)
    user = officer(RELATIONS[relation], role)
    allowed = (role, relation) in ALLOWED[name]

    assert (name in available_transitions(case, user)) is allowed
    if allowed:
        after = take(case, name, user, **arguments_for(name))
        assert after.state == MACHINE[name][1]
        assert AuditEvent.objects.filter(action=f"cases.case.{name}", target_id=str(case.pk)).count() == 1
        entry = TimelineEntry.objects.get(target_type="cases.case", target_id=str(case.pk), action=name)
        assert (entry.from_state, entry.to_state) == (source, MACHINE[name][1])
    else:
        with pytest.raises(PermissionDenied):
            take(case, name, user, **arguments_for(name))
        case.refresh_from_db()
        assert case.state == source
        assert not AuditEvent.objects.filter(action=f"cases.case.{name}", target_id=str(case.pk)).exists()


NOT_FROM = [
    (name, state)
    for name, (sources, _) in MACHINE.items()
    for state in CaseState.values
    if state not in sources
]


@pytest.mark.parametrize(("name", "state"), NOT_FROM)
@pytest.mark.django_db
def test_a_transition_from_a_state_it_does_not_start_from_is_a_conflict(name, state):
    case = CaseFactory(state=state)
    # A unit head and a department head of the unit: allowed everything their roles allow.
    user = officer(WUHOU, Role.UNIT_HEAD)
    officer_unit = user.memberships.get().unit
    user.memberships.create(unit=officer_unit, role=Role.DEPARTMENT_HEAD)

    with pytest.raises(Conflict) as raised:
        take(case, name, user, **arguments_for(name))

    assert raised.value.current_state == state
    assert name not in available_transitions(case, user)


@pytest.mark.parametrize("name", ["open_jurisdiction_question", "suspend", "close", "revoke"])
@pytest.mark.django_db
def test_a_reason_is_required(name, wuhou_unit_head):
    case = CaseFactory(state=S.UNDER_INVESTIGATION)

    with pytest.raises(ValidationError) as raised:
        take(case, name, wuhou_unit_head, reason="   ")

    assert "reason" in raised.value.message_dict
    case.refresh_from_db()
    assert case.state == S.UNDER_INVESTIGATION


@pytest.mark.django_db
def test_reasons_are_kept_on_the_case_and_the_timeline(wuhou_unit_head):
    case = CaseFactory(state=S.UNDER_INVESTIGATION)

    services.case_transition(case=case, name="suspend", by=wuhou_unit_head, reason="嫌疑人在逃")
    case = services.case_transition(case=case, name="close", by=wuhou_unit_head, reason="犯罪嫌疑人死亡")

    assert case.suspended_reason == "嫌疑人在逃"
    assert case.closed_reason == "犯罪嫌疑人死亡"
    notes = list(
        TimelineEntry.objects.filter(target_id=str(case.pk), target_type="cases.case").values_list(
            "action", "note"
        )
    )
    assert notes == [("suspend", "嫌疑人在逃"), ("close", "犯罪嫌疑人死亡")]
    event = AuditEvent.objects.get(action="cases.case.close", target_id=str(case.pk))
    assert event.acting_unit_code == WUHOU
    assert event.payload == {"from": "suspended", "to": "closed", "reason": "犯罪嫌疑人死亡"}


@pytest.mark.django_db
def test_resume_clears_the_suspension_reason(wuhou_head):
    case = CaseFactory(state=S.UNDER_INVESTIGATION)
    services.case_transition(case=case, name="suspend", by=wuhou_head, reason="嫌疑人在逃")

    case = services.case_transition(case=case, name="resume", by=wuhou_head)

    assert case.state == S.UNDER_INVESTIGATION
    assert case.suspended_reason == ""


@pytest.mark.django_db
def test_register_needs_offence_and_summary_and_consumes_no_number_when_refused(wuhou_investigator):
    case = CaseFactory(offence=None, summary="")

    with pytest.raises(ValidationError) as raised:
        services.case_transition(case=case, name="register", by=wuhou_investigator)

    assert set(raised.value.message_dict) == {"offence", "summary"}
    case.refresh_from_db()
    assert (case.state, case.number) == (S.DRAFT, "")
    ready = CaseFactory()
    assert services.case_transition(case=ready, name="register", by=wuhou_investigator).number_serial == 1


@pytest.mark.django_db
def test_numbers_are_consecutive_and_unique_per_accepting_unit_and_year(wuhou_investigator):
    year = timezone.localdate().year
    kunming_investigator = officer(KUNMING)
    wuhou_cases = [CaseFactory() for _ in range(3)]
    kunming_case = CaseFactory(accepting_unit=unit(KUNMING))

    numbers = [
        services.case_transition(case=case, name="register", by=wuhou_investigator).number
        for case in wuhou_cases
    ]
    kunming_number = services.case_transition(
        case=kunming_case, name="register", by=kunming_investigator
    ).number

    assert numbers == [f"A{WUHOU}{year}00001", f"A{WUHOU}{year}00002", f"A{WUHOU}{year}00003"]
    assert kunming_number == f"A{KUNMING}{year}00001"
    registered = Case.objects.get(pk=wuhou_cases[0].pk)
    assert registered.accepted_at is not None
    assert registered.number_year == year
    event = AuditEvent.objects.get(action="cases.case.register", target_id=str(registered.pk))
    assert event.payload["number"] == numbers[0]


@pytest.mark.django_db
def test_start_investigation_makes_the_accepting_unit_the_lead(wuhou_unit_head):
    # Approving the filing (MPS-2020 art 178) is the unit head's: a department head no longer starts it.
    case = case_in(S.REGISTERED, "start_investigation")
    assert case.lead_unit is None

    case = services.case_transition(case=case, name="start_investigation", by=wuhou_unit_head)

    assert case.lead_unit.code == WUHOU
    assert set(CaseParty.objects.filter(case=case).values_list("unit__code", "role")) == {
        (WUHOU, PartyRole.ACCEPTING),
        (WUHOU, PartyRole.LEAD),
    }


@pytest.mark.django_db
def test_settling_jurisdiction_moves_the_lead_and_the_rights_that_follow_it(wuhou_head):
    case = CaseFactory(state=S.JURISDICTION_PENDING, filed_at=timezone.now())
    sichuan_legal = officer("510000", Role.LEGAL_OFFICER)

    with pytest.raises(ValidationError) as raised:
        services.case_jurisdiction_settle(case=case, by=sichuan_legal, lead_unit=None)
    assert "lead_unit" in raised.value.message_dict

    case = services.case_jurisdiction_settle(
        case=case,
        by=sichuan_legal,
        lead_unit=unit(KUNMING),
        assisting_units=[unit(GUIYANG)],
    )

    assert case.state == S.UNDER_INVESTIGATION
    assert case.lead_unit.code == KUNMING
    assert set(CaseParty.objects.filter(case=case).values_list("unit__code", "role")) == {
        (WUHOU, PartyRole.ACCEPTING),
        (KUNMING, PartyRole.LEAD),
        (GUIYANG, PartyRole.ASSISTING),
    }
    event = AuditEvent.objects.get(action="cases.case.settle_jurisdiction", target_id=str(case.pk))
    assert event.payload["lead_unit"] == KUNMING
    assert event.payload["assisting_units"] == [GUIYANG]
    assert event.acting_unit_code == "510000"
    # The lead unit now decides; the accepting unit no longer does.
    kunming_head = officer(KUNMING, Role.DEPARTMENT_HEAD)
    assert "suspend" in available_transitions(case, kunming_head)
    assert "suspend" not in available_transitions(case, wuhou_head)


@pytest.mark.django_db
def test_settling_a_case_not_yet_filed_leaves_the_filing_to_the_lead_mps_2020_arts_175_178(
    wuhou_head,
):
    case = CaseFactory(state=S.REGISTERED)
    filing.filing_request(case=case, by=officer(WUHOU), reasons="有犯罪事实需要追究刑事责任")
    case = services.case_jurisdiction_question_open(case=case, by=wuhou_head, reason="犯罪地在昆明")

    case = services.case_jurisdiction_settle(
        case=case, by=officer("510000", Role.LEGAL_OFFICER), lead_unit=unit(KUNMING)
    )

    assert (case.state, case.lead_unit.code, case.is_filed) == (S.REGISTERED, KUNMING, False)
    # 武侯's request for filing was for its own head to decide: it lapses with the transfer.
    assert not case.filing_pending and case.filing_report is None
    assert "request_filing" in available_transitions(case, officer(KUNMING))
    assert "request_filing" not in available_transitions(case, officer(WUHOU))
    filing.filing_request(case=case, by=officer(KUNMING), reasons="有犯罪事实需要追究刑事责任")
    case.refresh_from_db()
    assert "start_investigation" not in available_transitions(case, officer(WUHOU, Role.UNIT_HEAD))
    assert "start_investigation" in available_transitions(case, officer(KUNMING, Role.UNIT_HEAD))


@pytest.mark.django_db
def test_the_lead_unit_cannot_also_assist():
    case = CaseFactory(state=S.JURISDICTION_PENDING)
    head = officer(WUHOU, Role.UNIT_HEAD)

    with pytest.raises(ValidationError) as raised:
        services.case_jurisdiction_settle(
            case=case,
            by=head,
            lead_unit=unit(KUNMING),
            assisting_units=[unit(KUNMING)],
        )

    assert "assisting_units" in raised.value.message_dict


@pytest.mark.django_db
def test_an_expected_state_that_moved_on_is_a_conflict(wuhou_head):
    case = CaseFactory(state=S.REGISTERED)

    with pytest.raises(Conflict) as raised:
        services.case_transition(case=case, name="start_investigation", by=wuhou_head, expected_state=S.DRAFT)

    assert raised.value.current_state == S.REGISTERED


@pytest.mark.django_db
def test_the_state_cannot_be_set_directly():
    case = CaseFactory(state=S.REGISTERED)

    with pytest.raises(AttributeError):
        case.state = S.CLOSED


@pytest.mark.django_db
def test_an_acting_unit_head_may_revoke_and_transfer():
    today = timezone.localdate()
    acting = officer(WUHOU, Role.UNIT_HEAD, is_acting=True, valid_to=today)
    case = CaseFactory(state=S.UNDER_INVESTIGATION)

    assert {"revoke", "transfer_for_prosecution"} <= set(available_transitions(case, acting))
    case = services.case_transition(case=case, name="revoke", by=acting, reason="不构成犯罪")
    assert case.state == S.REVOKED
    assert case.revoke_reason == "不构成犯罪"
