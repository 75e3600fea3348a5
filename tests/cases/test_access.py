"""Access requests and grants (issue 7 item 2): services, visibility, expiry, audit of every use.

The scenario of the issue: a Xining investigator finds a Chengdu 内部 case, asks for access,
Chengdu's intake officer grants it for 7 days, the case opens, and after 7 days it no longer does.

This module also serves as the URL configuration of the access tests until config/urls.py includes
cases.access_urls and cases.access_api_urls (the services reverse the pages' names).
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

import cases.access.inbox  # noqa: F401 - registers the inbox provider
from cases.access import selectors as access_selectors
from cases.access import services as access_services
from cases.models import AccessRequestState, AccessScope, CaseAccessGrant, CaseState, HandlingCode
from cases.search.services import HitClass, SearchKind, search
from cases.selectors import case_visible_to, grant_use_record
from core import inbox, periodic
from core.api import Conflict
from core.models import AuditEvent, OutboxMessage
from documents.access import document_visible_to
from documents.models import Document
from organisation.models import Role
from tests.support.cases import expire
from tests.support.factories.assistance import draft_request
from tests.support.factories.cases import CaseFactory, CasePersonFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, GUIYANG, XINING


@pytest.fixture
def chengdu_case(db):
    """A Chengdu 内部 case under investigation: discoverable with only its number and unit."""
    return CaseFactory(
        accepting_unit=unit(CHENGDU), handling_code=HandlingCode.INTERNAL, state=CaseState.UNDER_INVESTIGATION
    )


@pytest.fixture
def xining(db):
    return officer(XINING)


@pytest.fixture
def chengdu_intake(db):
    return officer(CHENGDU, Role.INTAKE_OFFICER)


@pytest.fixture
def guiyang(db):
    """An uninvolved province's intake officer."""
    return officer(GUIYANG, Role.INTAKE_OFFICER)


def ask(case, user, reason="核查嫌疑人身份，与本地案件串并"):
    return access_services.access_request_create(case_id=case.pk, by=user, reason=reason)


def sees(user, case) -> bool:
    return case_visible_to(user).filter(pk=case.pk).exists()


# --- the scenario --------------------------------------------------------------------------------


def test_a_grant_for_seven_days_opens_the_case_until_it_expires(chengdu_case, xining, chengdu_intake):
    assert not sees(xining, chengdu_case)
    request = ask(chengdu_case, xining)
    assert request.owning_unit == unit(CHENGDU)
    assert request.requesting_unit == unit(XINING)
    granted = access_services.access_request_transition(
        access_request=request, name="grant", by=chengdu_intake, days=7
    )
    assert granted.state == AccessRequestState.GRANTED
    grant = CaseAccessGrant.objects.get(request=request)
    assert grant.user == xining and grant.scope == AccessScope.READ
    assert grant.expires_at - grant.starts_at == dt.timedelta(days=7)
    assert sees(xining, chengdu_case)
    # Nobody else gains anything: the grant is personal.
    assert not sees(officer(XINING), chengdu_case)
    # Seven days on, the query alone closes the case again: nothing had to run.
    expire(CaseAccessGrant.objects.filter(pk=grant.pk))
    assert not sees(xining, chengdu_case)


def test_a_grant_made_seven_days_ago_no_longer_opens_the_case(chengdu_case, xining, chengdu_intake):
    now = timezone.now()
    request = ask(chengdu_case, xining)
    access_services.access_request_transition(
        access_request=request, name="grant", by=chengdu_intake, days=7, now=now - dt.timedelta(days=7)
    )
    assert not sees(xining, chengdu_case)
    later = ask(chengdu_case, xining, reason="再次核查")
    access_services.access_request_transition(
        access_request=later,
        name="grant",
        by=chengdu_intake,
        days=7,
        now=now - dt.timedelta(days=7, seconds=-60),
    )
    assert sees(xining, chengdu_case)


# --- asking --------------------------------------------------------------------------------------


def test_asking_needs_a_discoverable_case_not_yet_seen_and_a_reason(chengdu_case, xining, chengdu_intake):
    restricted = CaseFactory(
        accepting_unit=unit(CHENGDU),
        handling_code=HandlingCode.RESTRICTED,
        state=CaseState.UNDER_INVESTIGATION,
    )
    draft = CaseFactory(accepting_unit=unit(CHENGDU), state=CaseState.DRAFT)
    for hidden in (restricted, draft):
        with pytest.raises(Http404):
            ask(hidden, xining)
    with pytest.raises(Http404):
        access_services.access_request_create(case_id=987654321, by=xining, reason="x")
    with pytest.raises(ValidationError) as error:
        ask(chengdu_case, officer(CHENGDU))
    assert "case" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        ask(chengdu_case, xining, reason="  ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        access_services.access_request_create(
            case_id=chengdu_case.pk, by=xining, reason="x", purpose_case=restricted.pk
        )
    assert "purpose_case" in error.value.message_dict
    assert not AuditEvent.objects.filter(action="cases.caseaccessrequest.create").exists()


def test_one_open_request_per_case_and_requester(chengdu_case, xining, chengdu_intake):
    first = ask(chengdu_case, xining)
    with pytest.raises(Conflict):
        ask(chengdu_case, xining)
    access_services.access_request_transition(access_request=first, name="withdraw", by=xining)
    again = ask(chengdu_case, xining)
    assert again.pk != first.pk


def test_asking_is_audited_and_the_owning_units_deciders_are_told(chengdu_case, xining, chengdu_intake):
    chengdu_head = officer(CHENGDU, Role.UNIT_HEAD)
    chengdu_investigator = officer(CHENGDU)
    xining_case = CaseFactory(accepting_unit=unit(XINING), state=CaseState.UNDER_INVESTIGATION)
    request = access_services.access_request_create(
        case_id=chengdu_case.pk, by=xining, reason="串并", purpose_case=xining_case.pk
    )
    assert request.purpose_case == xining_case
    event = AuditEvent.objects.get(action="cases.caseaccessrequest.create")
    assert event.actor_id == xining.pk
    assert event.payload["case"] == chengdu_case.pk and event.payload["purpose_case"] == xining_case.pk
    told = {
        message.payload["user_id"] for message in OutboxMessage.objects.filter(topic="notification.deliver")
    }
    assert told == {chengdu_intake.pk, chengdu_head.pk}
    assert chengdu_investigator.pk not in told


# --- deciding ------------------------------------------------------------------------------------


def test_refused_and_withdrawn_requests_open_nothing(chengdu_case, xining, chengdu_intake):
    request = ask(chengdu_case, xining)
    with pytest.raises(ValidationError) as error:
        access_services.access_request_transition(
            access_request=request, name="refuse", by=chengdu_intake, reason=""
        )
    assert "reason" in error.value.message_dict
    refused = access_services.access_request_transition(
        access_request=request, name="refuse", by=chengdu_intake, reason="与本案无关"
    )
    assert refused.state == AccessRequestState.REFUSED and refused.decision_reason == "与本案无关"
    assert not CaseAccessGrant.objects.exists()
    assert not sees(xining, chengdu_case)
    with pytest.raises(Conflict):
        access_services.access_request_transition(access_request=request, name="grant", by=chengdu_intake)

    withdrawn = ask(chengdu_case, xining)
    withdrawn = access_services.access_request_transition(
        access_request=withdrawn, name="withdraw", by=xining
    )
    assert withdrawn.state == AccessRequestState.WITHDRAWN
    assert not sees(xining, chengdu_case)
    assert AuditEvent.objects.filter(action="cases.caseaccessrequest.refuse").count() == 1
    assert AuditEvent.objects.filter(action="cases.caseaccessrequest.withdraw").count() == 1


def test_only_the_owning_units_deciders_decide_and_only_the_requester_withdraws(
    chengdu_case, xining, chengdu_intake
):
    request = ask(chengdu_case, xining)
    with pytest.raises(PermissionDenied):
        access_services.access_request_transition(access_request=request, name="grant", by=xining)
    with pytest.raises(PermissionDenied):
        access_services.access_request_transition(access_request=request, name="withdraw", by=chengdu_intake)
    # A Chengdu investigator is no decider: the request stays hidden from them.
    with pytest.raises(Http404):
        access_services.access_request_transition(access_request=request, name="grant", by=officer(CHENGDU))
    request.refresh_from_db()
    assert request.state == AccessRequestState.REQUESTED


def test_a_stale_decision_is_a_conflict(chengdu_case, xining, chengdu_intake):
    request = ask(chengdu_case, xining)
    access_services.access_request_transition(access_request=request, name="withdraw", by=xining)
    with pytest.raises(Conflict):
        access_services.access_request_transition(
            access_request=request,
            name="grant",
            by=chengdu_intake,
            expected_state=AccessRequestState.REQUESTED,
        )
    assert not CaseAccessGrant.objects.exists()


@pytest.mark.parametrize(
    ("days", "scope", "field"), [(0, "read", "days"), (31, "read", "days"), (7, "all", "scope")]
)
def test_a_grant_needs_one_to_thirty_days_and_a_known_scope(
    chengdu_case, xining, chengdu_intake, days, scope, field
):
    request = ask(chengdu_case, xining)
    with pytest.raises(ValidationError) as error:
        access_services.access_request_transition(
            access_request=request, name="grant", by=chengdu_intake, days=days, scope=scope
        )
    assert field in error.value.message_dict
    request.refresh_from_db()
    assert request.state == AccessRequestState.REQUESTED
    assert not CaseAccessGrant.objects.exists()
    assert not AuditEvent.objects.filter(action="cases.caseaccessrequest.grant").exists()


def test_an_uninvolved_province_sees_no_request(chengdu_case, xining, chengdu_intake, guiyang):
    request = ask(chengdu_case, xining)
    assert not access_selectors.access_requests_visible_to(guiyang).exists()
    assert list(access_selectors.access_requests_visible_to(xining)) == [request]
    assert list(access_selectors.access_requests_visible_to(chengdu_intake)) == [request]
    for name in ("grant", "refuse", "withdraw"):
        with pytest.raises(Http404):
            access_services.access_request_transition(
                access_request=request, name=name, by=guiyang, reason="x"
            )


# --- uses and expiry -----------------------------------------------------------------------------


def test_every_use_through_a_grant_is_audited_and_no_other(chengdu_case, xining, chengdu_intake):
    chengdu_investigator = officer(CHENGDU)
    assert grant_use_record(chengdu_investigator, chengdu_case, path="/x/") is None
    assert grant_use_record(xining, chengdu_case, path="/x/") is None
    request = ask(chengdu_case, xining)
    access_services.access_request_transition(access_request=request, name="grant", by=chengdu_intake)
    grant = CaseAccessGrant.objects.get()
    for number in range(3):
        assert grant_use_record(xining, chengdu_case, path=f"/cases/{chengdu_case.pk}/#{number}") == grant
    uses = AuditEvent.objects.filter(action=access_services.ACTION_USE).order_by("id")
    assert [event.payload["path"] for event in uses] == [f"/cases/{chengdu_case.pk}/#{n}" for n in range(3)]
    assert {(event.actor_id, event.payload["grant"], event.payload["case"]) for event in uses} == {
        (xining.pk, grant.pk, chengdu_case.pk)
    }


def test_a_search_showing_a_case_only_a_grant_opens_is_a_grant_use(chengdu_case, xining, chengdu_intake):
    suspect = CasePersonFactory(case=chengdu_case)

    def find(user) -> str:
        result = search(
            by=user, kind=SearchKind.ID_NUMBER, query=suspect.id_number, purpose_text="核查嫌疑人身份"
        )
        return {hit["id"]: hit["hit_class"] for hit in result.hits}[chengdu_case.pk]

    assert find(xining) == HitClass.MINIMAL
    assert not AuditEvent.objects.filter(action=access_services.ACTION_USE).exists()
    request = ask(chengdu_case, xining)
    access_services.access_request_transition(access_request=request, name="grant", by=chengdu_intake)
    assert find(xining) == HitClass.FULL
    (use,) = AuditEvent.objects.filter(action=access_services.ACTION_USE)
    assert (use.actor_id, use.payload["case"], use.payload["path"]) == (xining.pk, chengdu_case.pk, "search")
    # The owning unit's own searches use no grant.
    assert find(officer(CHENGDU)) == HitClass.FULL
    assert AuditEvent.objects.filter(action=access_services.ACTION_USE).count() == 1


def test_a_user_who_sees_the_case_anyway_leaves_no_grant_use(chengdu_case, chengdu_intake):
    # A Chengdu investigator cannot ask (they see the case); a grant made directly still adds no use.
    chengdu_investigator = officer(CHENGDU)
    xining = officer(XINING)
    request = ask(chengdu_case, xining)
    access_services.access_request_transition(access_request=request, name="grant", by=chengdu_intake)
    CaseAccessGrant.objects.update(user=chengdu_investigator)
    assert grant_use_record(chengdu_investigator, chengdu_case, path="/x/") is None
    assert not AuditEvent.objects.filter(action=access_services.ACTION_USE).exists()


def test_the_expiry_job_records_each_expired_grant_once(chengdu_case, xining, chengdu_intake):
    request = ask(chengdu_case, xining)
    access_services.access_request_transition(access_request=request, name="grant", by=chengdu_intake, days=7)
    grant = CaseAccessGrant.objects.get()
    assert access_services.grants_expired_note() == 0
    assert access_services.grants_expired_note(now=timezone.now() + dt.timedelta(days=7, seconds=1)) == 1
    periodic.run("cases.grants_expired")
    assert access_services.grants_expired_note(now=timezone.now() + dt.timedelta(days=8)) == 0
    events = AuditEvent.objects.filter(action=access_services.ACTION_EXPIRE)
    assert events.count() == 1 and events.get().payload["grant"] == grant.pk
    grant.refresh_from_db()
    assert grant.expiry_noted_at is not None
    assert OutboxMessage.objects.filter(
        idempotency_key=f"notify:cases.grant:{grant.pk}:expired:{xining.pk}"
    ).exists()


# --- documents -----------------------------------------------------------------------------------


def _document(case, link_type="cases.case", link_id=None) -> Document:
    return Document.objects.create(
        kind="case_transfer_notice",
        issuing_unit=unit(CHENGDU),
        created_by=officer(CHENGDU),
        title="移送案件通知书",
        # Issued: a draft is read by its drafting unit's officers alone, grant or not (issue 16 leak 9).
        state="issued",
        link_target_type=link_type,
        link_target_id=str(link_id or case.pk),
    )


def test_a_read_grant_does_not_open_the_cases_documents(chengdu_case, xining, chengdu_intake):
    from cases.assistance.documents_bridge import register

    register()
    on_case = _document(chengdu_case)
    assistance = draft_request(officer(CHENGDU), case=chengdu_case, to=GUIYANG)
    on_request = _document(chengdu_case, "assistance.request", assistance.pk)
    request = ask(chengdu_case, xining)
    access_services.access_request_transition(
        access_request=request, name="grant", by=chengdu_intake, scope=AccessScope.READ
    )
    assert sees(xining, chengdu_case)
    assert not document_visible_to(xining, on_case)
    assert not document_visible_to(xining, on_request)
    assert not AuditEvent.objects.filter(action=access_services.ACTION_USE).exists()

    CaseAccessGrant.objects.update(scope=AccessScope.READ_DOCUMENTS)
    assert document_visible_to(xining, on_case)
    assert document_visible_to(xining, on_request)
    paths = set(
        AuditEvent.objects.filter(action=access_services.ACTION_USE).values_list("payload__path", flat=True)
    )
    assert paths == {f"documents/{on_case.pk}", f"documents/{on_request.pk}"}
    # Expired, the documents close with the case.
    expire(CaseAccessGrant.objects.all())
    assert not document_visible_to(xining, on_case)
    assert not document_visible_to(xining, on_request)


# --- the inbox -----------------------------------------------------------------------------------


def test_the_owning_units_deciders_find_open_requests_in_their_inbox(
    chengdu_case, xining, chengdu_intake, guiyang
):
    request = ask(chengdu_case, xining)
    provider = inbox.providers()["cases.access_requests"]
    items = provider(chengdu_intake)
    assert [(item.kind, item.object_id) for item in items] == [("cases.access_request", str(request.pk))]
    assert chengdu_case.number in items[0].title
    assert provider(guiyang) == [] and provider(xining) == [] and provider(officer(CHENGDU)) == []
    access_services.access_request_transition(access_request=request, name="grant", by=chengdu_intake)
    assert provider(chengdu_intake) == []


# --- races (PostgreSQL) --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_decisions_one_wins_the_other_gets_conflict(organisation_loaded):
    from django.db import connection, transaction

    from cases.models import CaseAccessRequest
    from tests.support.threads import run_in_threads, wait_until_blocked

    assert connection.vendor == "postgresql"
    case = CaseFactory(
        accepting_unit=unit(CHENGDU), handling_code=HandlingCode.INTERNAL, state=CaseState.UNDER_INVESTIGATION
    )
    requester, intake, head = (
        officer(XINING),
        officer(CHENGDU, Role.INTAKE_OFFICER),
        officer(CHENGDU, Role.UNIT_HEAD),
    )
    request = ask(case, requester)
    calls = [
        lambda: access_services.access_request_transition(
            access_request=request, name="grant", by=intake, days=7
        ),
        lambda: access_services.access_request_transition(
            access_request=request, name="refuse", by=head, reason="不同意"
        ),
    ]
    with transaction.atomic():
        CaseAccessRequest.objects.select_for_update().get(pk=request.pk)
        threads, results = run_in_threads(calls)
        wait_until_blocked(2)
    for thread in threads:
        thread.join()
    conflicts = [result for result in results if isinstance(result, Conflict)]
    done = [result for result in results if isinstance(result, CaseAccessRequest)]
    assert len(conflicts) == 1 and len(done) == 1, results
    request.refresh_from_db()
    assert request.state == done[0].state
    assert CaseAccessGrant.objects.count() == (1 if request.state == AccessRequestState.GRANTED else 0)
    decided = AuditEvent.objects.filter(
        action__in=["cases.caseaccessrequest.grant", "cases.caseaccessrequest.refuse"]
    )
    assert decided.count() == 1
