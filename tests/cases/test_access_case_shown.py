"""What an access request shows of a case is what the viewer may see of that case now (issue 16).

A request is read by its requester and by the deciding unit. Neither need see the requested case,
nor the requester's purpose case: the requester kept seeing the number of a case that became 限制
after they asked; the deciders saw the number of the requester's purpose case although they may not
see it. Each case is shown in full to a viewer who sees it, otherwise at most as discovery allows
(a restricted one only by its owning unit) — on the API list and detail, the pages and the inbox.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import cases.access.inbox  # noqa: F401 - registers the inbox provider
from cases.access import selectors as access_selectors
from cases.access import services as access_services
from cases.models import AccessScope, Case, CaseAccessGrant, CaseParty, CaseState, HandlingCode
from cases.selectors import case_visible_to
from core import inbox, notifications, outbox
from core.models import AuditEvent, OutboxMessage, OutboxState
from organisation.models import Role
from tests.support.api import token_client
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, XINING

BASE = "/api/v1/access-requests/"


@pytest.fixture
def chengdu_case(db):
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
def xining_restricted_case(db):
    """The requester's own 限制 case, which Chengdu may not see."""
    return CaseFactory(
        accepting_unit=unit(XINING),
        handling_code=HandlingCode.RESTRICTED,
        state=CaseState.UNDER_INVESTIGATION,
    )


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def ask(case, user, purpose_case=None):
    return access_services.access_request_create(
        case_id=case.pk, by=user, reason="核查嫌疑人身份", purpose_case=purpose_case
    )


def restrict(case) -> None:
    Case.objects.filter(pk=case.pk).update(handling_code=HandlingCode.RESTRICTED)


def everything_the_viewer_reads(user, made) -> list[str]:
    """The API list and detail, the list pages and the request's page, as this user reads them."""
    api, page = token_client(user), browser(user)
    texts = [
        api.get(BASE).content.decode(),
        api.get(f"{BASE}{made.pk}/").content.decode(),
        api.get(f"{BASE}?mine=true").content.decode(),
        page.get("/access-requests/mine/").content.decode(),
        page.get(f"/access-requests/{made.pk}/").content.decode(),
    ]
    if access_selectors.deciding_unit_ids(user):
        texts.append(page.get("/access-requests/").content.decode())
    return texts


def test_the_requester_no_longer_sees_the_number_of_a_case_restricted_since(chengdu_case, xining):
    made = ask(chengdu_case, xining)
    api = token_client(xining)
    assert api.get(f"{BASE}{made.pk}/").json()["case"] == {
        "id": chengdu_case.pk,
        "number": chengdu_case.number,
        "visible": False,
    }
    restrict(chengdu_case)
    for text in everything_the_viewer_reads(xining, made):
        assert chengdu_case.number not in text
    detail = api.get(f"{BASE}{made.pk}/").json()
    assert detail["case"] == {"id": None, "number": "", "visible": False}
    assert detail["owning_unit"]["code"] == CHENGDU  # whom to ask: what discovery may say of it
    [row] = api.get(BASE).json()["results"]
    assert row["case"] == {"id": None, "number": "", "visible": False}
    # Nor does a filter confirm which case the request is about.
    assert api.get(BASE, {"case": chengdu_case.pk}).json()["results"] == []
    page = browser(xining).get(f"/access-requests/{made.pk}/").content.decode()
    assert unit(CHENGDU).name in page


def test_the_deciders_do_not_see_the_number_of_a_purpose_case_they_may_not_see(
    chengdu_case, xining, chengdu_intake, xining_restricted_case
):
    made = ask(chengdu_case, xining, purpose_case=xining_restricted_case)
    for text in everything_the_viewer_reads(chengdu_intake, made):
        assert xining_restricted_case.number not in text
    detail = token_client(chengdu_intake).get(f"{BASE}{made.pk}/").json()
    assert detail["purpose_case"] == {"id": None, "number": "", "visible": False}
    assert detail["case"] == {"id": chengdu_case.pk, "number": chengdu_case.number, "visible": True}
    # The requester sees their own case in full.
    own = token_client(xining).get(f"{BASE}{made.pk}/").json()
    assert own["purpose_case"] == {
        "id": xining_restricted_case.pk,
        "number": xining_restricted_case.number,
        "visible": True,
    }
    page = browser(xining).get(f"/access-requests/{made.pk}/").content.decode()
    assert xining_restricted_case.number in page


def test_a_normal_or_internal_purpose_case_is_told_by_its_number_as_discovery_allows(
    chengdu_case, xining, chengdu_intake
):
    internal = CaseFactory(
        name="不可外传的案名",
        accepting_unit=unit(XINING),
        handling_code=HandlingCode.INTERNAL,
        state=CaseState.UNDER_INVESTIGATION,
    )
    made = ask(chengdu_case, xining, purpose_case=internal)
    detail = token_client(chengdu_intake).get(f"{BASE}{made.pk}/").json()
    assert detail["purpose_case"] == {"id": internal.pk, "number": internal.number, "visible": False}
    page = browser(chengdu_intake).get(f"/access-requests/{made.pk}/").content.decode()
    assert internal.number in page and internal.name not in page


def test_the_inbox_names_the_case_only_as_the_decider_may_see_it(chengdu_case, xining, chengdu_intake):
    made = ask(chengdu_case, xining)
    provider = inbox.providers()["cases.access_requests"]
    [item] = provider(chengdu_intake)
    assert chengdu_case.number in item.title
    # The case went restricted and Chengdu no longer works on it: the request still waits for
    # Chengdu's decision, but its inbox item names no number.
    restrict(chengdu_case)
    CaseParty.objects.filter(case=chengdu_case, unit=unit(CHENGDU)).delete()
    assert not case_visible_to(chengdu_intake).filter(pk=chengdu_case.pk).exists()
    [item] = provider(chengdu_intake)
    assert item.object_id == str(made.pk)
    assert chengdu_case.number not in item.title and unit(CHENGDU).name in item.title
    for text in everything_the_viewer_reads(chengdu_intake, made):
        assert chengdu_case.number not in text


def test_a_restricted_case_shown_only_through_a_grant_is_a_grant_use(chengdu_case, xining, chengdu_intake):
    made = ask(chengdu_case, xining)
    access_services.access_request_transition(
        access_request=made, name="grant", by=chengdu_intake, scope=AccessScope.READ, days=3
    )
    restrict(chengdu_case)
    api = token_client(xining)
    before = AuditEvent.objects.filter(action=access_services.ACTION_USE, actor_id=xining.pk).count()
    detail = api.get(f"{BASE}{made.pk}/").json()
    assert detail["case"] == {"id": chengdu_case.pk, "number": chengdu_case.number, "visible": True}
    uses = AuditEvent.objects.filter(action=access_services.ACTION_USE, actor_id=xining.pk)
    assert uses.count() == before + 1
    assert uses.order_by("-id").first().payload["path"] == f"{BASE}{made.pk}/"
    # Once the grant is gone, so is the number.
    CaseAccessGrant.objects.update(revoked_at=timezone.now())
    assert api.get(f"{BASE}{made.pk}/").json()["case"] == {"id": None, "number": "", "visible": False}


def test_the_lists_cost_the_same_whatever_the_viewer_sees(chengdu_case, chengdu_intake):
    requesters = [officer(XINING) for _ in range(6)]
    purpose = [
        CaseFactory(accepting_unit=unit(XINING), handling_code=code, state=CaseState.UNDER_INVESTIGATION)
        for code in (HandlingCode.RESTRICTED, HandlingCode.INTERNAL, HandlingCode.NORMAL)
    ]
    ask(chengdu_case, requesters[0], purpose_case=purpose[0])
    client = token_client(chengdu_intake)
    client.get(BASE)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(BASE).status_code == 200
        return len(queries)

    few = cost()
    for number, requester in enumerate(requesters[1:]):
        ask(chengdu_case, requester, purpose_case=purpose[number % 3])
    assert cost() == few


def _delivered(user) -> list:
    for message in OutboxMessage.objects.filter(topic="notification.deliver", state=OutboxState.PENDING):
        outbox.deliver(message.pk)
    return list(notifications.notifications_for(user))


def test_the_notifications_name_the_case_only_while_its_number_may_be_told(
    chengdu_case, xining, chengdu_intake
):
    made = ask(chengdu_case, xining)
    access_services.access_request_transition(
        access_request=made, name="refuse", by=chengdu_intake, reason="无关"
    )
    [refused] = _delivered(xining)
    [requested] = _delivered(chengdu_intake)
    assert chengdu_case.number in refused.subject and chengdu_case.number in requested.subject
    restrict(chengdu_case)
    CaseParty.objects.filter(case=chengdu_case, unit=unit(CHENGDU)).delete()
    for user in (xining, chengdu_intake):
        [read] = _delivered(user)
        assert chengdu_case.number not in read.subject + read.body and read.url == ""
        body = token_client(user).get("/api/v1/notifications/").content.decode()
        assert chengdu_case.number not in body
