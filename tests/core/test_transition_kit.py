"""The transition kit (core.steps, core.api.StepApi, core.pages.StepView) on a real machine: bulletins.

The kit's promises: one declaration gives the API, the page, the next-steps panel and the inbox rule;
`check_transition` answers why a step cannot be taken; the order of refusals is 404, 403, 400, 409;
domain errors map to HTTP once for the API and once for pages.
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from bulletins.models import Bulletin, BulletinKind, BulletinState
from bulletins.services import bulletin_create
from bulletins.steps import BULLETIN_MACHINE, RECIPIENT_MACHINE
from core.exceptions import Conflict, DomainError, Invalid, NotAllowed
from core.models import AuditEvent, TimelineEntry
from core.registry import DuplicateRegistration
from core.steps import (
    DANGER,
    PRIMARY,
    Availability,
    Machine,
    Need,
    Step,
    check_transition,
    machine_for,
    machines,
    register_machine,
)
from core.workflow import model_update
from organisation.models import Role, Unit
from tests.support.factories.organisation import member

pytestmark = pytest.mark.django_db

SIX = ["500000", "510000", "520000", "530000", "540000", "630000"]


@pytest.fixture
def head(db):
    return member("530000", Role.UNIT_HEAD, username="kit_head")


@pytest.fixture
def outsider(db):
    return member("510107", Role.INVESTIGATOR, username="kit_outsider")


@pytest.fixture
def bulletin(head):
    return bulletin_create(
        by=head,
        issuing_unit=Unit.objects.get(code="530000"),
        data={
            "kind": BulletinKind.WANTED_NOTICE,
            "title": "协查通报",
            "body": "请协助查找。",
            "target_spec": {"levels": [1], "provinces": SIX},
        },
    )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- declaration -----------------------------------------------------------------------------------


def test_a_machine_refuses_a_step_that_is_no_transition_a_twice_declared_step_and_an_unconfirmed_danger():
    with pytest.raises(ValueError, match="no transitions"):
        Machine(Bulletin, [Step("fly", "Fly")], run=lambda *a, **k: None)
    with pytest.raises(ValueError, match="twice"):
        Machine(Bulletin, [Step("issue", "Issue"), Step("issue", "Issue")], run=lambda *a, **k: None)
    with pytest.raises(ValueError, match="confirmation"):
        Step("withdraw", "Withdraw", emphasis=DANGER)


def test_each_machine_is_registered_once_and_found_by_its_model(bulletin):
    assert machine_for(Bulletin) is BULLETIN_MACHINE and machine_for(bulletin) is BULLETIN_MACHINE
    register_machine(BULLETIN_MACHINE)  # the very same machine again is no duplicate
    other = Machine(Bulletin, [Step("issue", "Issue")], run=lambda *a, **k: None)
    with pytest.raises(DuplicateRegistration):
        register_machine(other)


# --- check_transition ------------------------------------------------------------------------------


def test_check_transition_tells_available_not_allowed_and_unavailable(bulletin, head, outsider):
    assert check_transition(bulletin, "issue", head).status is Availability.AVAILABLE
    assert check_transition(bulletin, "issue", outsider).status is Availability.NOT_ALLOWED
    assert check_transition(bulletin, "close", head).status is Availability.UNAVAILABLE
    with pytest.raises(ValueError):
        check_transition(bulletin, "fly", head)


def test_a_step_whose_needs_are_unmet_is_blocked_with_its_reason_and_the_service_refuses_it(bulletin, head):
    key = "bulletins.bulletin"
    saved = machines.get(key)
    needs_body = Need("Write what the recipients should look for.", lambda b: "嫌疑人" in b.body)
    blocked = Machine(
        Bulletin,
        [Step("issue", "Issue", emphasis=PRIMARY, needs=(needs_body,)), *BULLETIN_MACHINE.steps[1:]],
        run=BULLETIN_MACHINE.run,
    )
    machines.remove(key)
    register_machine(blocked)
    try:
        check = check_transition(bulletin, "issue", head)
        assert check.status is Availability.BLOCKED
        assert check.reasons == ("Write what the recipients should look for.",)
        offers = blocked.offers(bulletin, head)
        assert offers[0].name == "issue" and not offers[0].enabled and offers[0].reasons
        assert not blocked.waiting_for(bulletin, head)
        with pytest.raises(Conflict) as refused:
            blocked.take(bulletin, "issue", by=head)
        assert refused.value.code == "step_blocked" and "recipients" in str(refused.value)
        bulletin.refresh_from_db()
        assert bulletin.state == BulletinState.DRAFT
    finally:
        machines.remove(key)
        register_machine(saved)


def test_offers_put_primary_first_and_the_inbox_rule_follows_the_waiting_steps(bulletin, head, outsider):
    assert [offer.name for offer in BULLETIN_MACHINE.offers(bulletin, head)] == ["issue", "withdraw"]
    assert BULLETIN_MACHINE.offers(bulletin, outsider) == []
    # Issuing is primary but declared waiting=False: a draft is its author's to finish, not an inbox item.
    assert not BULLETIN_MACHINE.waiting_for(bulletin, head)
    BULLETIN_MACHINE.take(bulletin, "issue", by=head)
    recipient = bulletin.recipients.select_related("bulletin").first()
    responder = member(recipient.unit.code, Role.INTAKE_OFFICER, username="kit_responder")
    assert RECIPIENT_MACHINE.waiting_for(recipient, responder)  # acknowledging waits
    assert not RECIPIENT_MACHINE.waiting_for(recipient, outsider)
    RECIPIENT_MACHINE.take(recipient, "acknowledge", by=responder)
    recipient.refresh_from_db()
    # A notice's result is not awaited: reporting stays possible but nothing waits in the inbox.
    assert RECIPIENT_MACHINE.available(recipient, responder) == ["report"]
    assert not RECIPIENT_MACHINE.waiting_for(recipient, responder)


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_refuses_in_order_404_403_400_409(bulletin, head, outsider):
    url = f"/api/v1/bulletins/{bulletin.pk}/transitions/"
    assert api(head).post(url + "fly/", {}, format="json").status_code == 404
    # An issuing province's investigator sees nothing of another's draft: 404 before anything else.
    assert api(outsider).post(url + "issue/", {"reason": ["x"]}, format="json").status_code == 404
    bad_shape = api(head).post(url + "withdraw/", {"reason": ["a", "list"]}, format="json")
    assert bad_shape.status_code == 400 and "reason" in bad_shape.json()["fields"]
    too_long = api(head).post(url + "withdraw/", {"reason": "x" * 2001}, format="json")
    assert too_long.status_code == 400 and "reason" in too_long.json()["fields"]
    bad_state = api(head).post(url + "issue/", {"expected_state": "flying"}, format="json")
    assert bad_state.status_code == 400 and "expected_state" in bad_state.json()["fields"]
    stale = api(head).post(url + "issue/", {"expected_state": "issued"}, format="json")
    assert stale.status_code == 409 and stale.json()["current_state"] == "draft"
    missing_reason = api(head).post(url + "withdraw/", {}, format="json")
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["fields"]
    assert api(head).post(url + "issue/", {}, format="json").status_code == 200
    # One who sees the bulletin but may not close it hears 403 whatever the body says.
    investigator = member("530000", Role.INVESTIGATOR, username="kit_reader")
    assert api(investigator).get(f"/api/v1/bulletins/{bulletin.pk}/").status_code == 200
    forbidden = api(investigator).post(url + "close/", {"reason": ["not", "text"]}, format="json")
    assert forbidden.status_code == 403
    done = api(head).post(url + "withdraw/", {"reason": "发错了"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"


def test_the_api_takes_a_step_through_the_single_audited_path(bulletin, head):
    response = api(head).post(f"/api/v1/bulletins/{bulletin.pk}/transitions/issue/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert AuditEvent.objects.filter(action="bulletins.bulletin.issue", target_id=str(bulletin.pk)).exists()
    assert TimelineEntry.objects.filter(target_id=str(bulletin.pk), action="issue").exists()


# --- pages -----------------------------------------------------------------------------------------


def test_the_page_shows_the_declared_steps_primary_first_and_a_danger_step_asks_for_confirmation(
    client, bulletin, head
):
    client.force_login(head)
    with translation.override("en"):
        text = client.get(f"/bulletins/{bulletin.pk}/").content.decode()
    issue_at, withdraw_at = text.index("transitions/issue/"), text.index("transitions/withdraw/")
    assert issue_at < withdraw_at
    assert "next-step--primary" in text and "next-step--danger" in text
    assert 'name="confirmed"' in text and "required" in text[withdraw_at:]


def test_the_page_answers_400_with_the_form_403_and_409_in_place(client, bulletin, head):
    client.force_login(head)
    url = f"/bulletins/{bulletin.pk}/transitions/"
    refused = client.post(url + "withdraw/", {"reason": ""})
    assert refused.status_code == 400 and "form__error" in refused.content.decode()
    stale = client.post(url + "issue/", {"expected_state": "issued"})
    assert stale.status_code == 409
    assert client.post(url + "fly/").status_code == 404
    assert client.post(url + "issue/", {"expected_state": "draft"}).status_code == 302
    client.force_login(member("530000", Role.INVESTIGATOR, username="kit_investigator"))
    assert client.post(url + "close/", {"reason": "x"}).status_code == 403


# --- domain errors ---------------------------------------------------------------------------------


def test_domain_errors_are_django_errors_where_django_has_one():
    assert isinstance(NotAllowed(), DomainError) and isinstance(Invalid({"x": ["bad"]}), ValidationError)
    invalid = Invalid({"reason": ["Give the reason."]})
    assert invalid.fields == {"reason": ["Give the reason."]}
    assert Conflict(current_state="draft").current_state == "draft"


def test_a_domain_error_no_page_handled_answers_with_its_status_and_message(rf, head):
    from core.pages import DomainErrorMiddleware

    middleware = DomainErrorMiddleware(lambda request: None)
    request = rf.get("/somewhere/")
    request.user = head
    conflict = middleware.process_exception(request, Conflict("已被他人办理。", current_state="issued"))
    assert conflict.status_code == 409 and "已被他人办理。" in conflict.content.decode()
    invalid = middleware.process_exception(request, Invalid({"title": ["标题过长。"]}))
    assert invalid.status_code == 400 and "标题过长。" in invalid.content.decode()
    assert middleware.process_exception(request, NotAllowed()) is None  # Django's 403 answers it
    assert middleware.process_exception(rf.get("/api/v1/x/"), Conflict()) is None  # the API's handler does


def test_model_update_saves_only_what_changed_audits_it_and_keeps_the_row_on_a_refusal(bulletin, head):
    changed = model_update(
        instance=bulletin, values={"title": "新标题", "body": bulletin.body}, by=head, action="update"
    )
    assert changed == ["title"]
    event = AuditEvent.objects.filter(action="bulletins.bulletin.update").latest("id")
    assert event.payload["fields"] == ["title"]
    assert model_update(instance=bulletin, values={"title": "新标题"}, by=head) == []
    with pytest.raises(ValidationError) as refused:
        model_update(instance=bulletin, values={"title": "x" * 500}, by=head)
    assert "title" in refused.value.message_dict
    bulletin.refresh_from_db()
    assert bulletin.title == "新标题"


def test_model_update_joins_the_callers_own_changes_to_one_event_shaped_by_the_caller(bulletin, head):
    def shaped(changes):
        return {"changes": {field: [old, new] for field, (old, new) in changes.items()}}

    def row(changes):
        return {"note": "、".join(changes), "data": {"fields": sorted(changes)}}

    # A change the caller made itself (a many-to-many set, say) is a change even when no column moves.
    assert model_update(
        instance=bulletin,
        values={"title": bulletin.title},
        by=head,
        action="retitle",
        related={"tags": ([], ["甲"])},
        payload=shaped,
        timeline=row,
        audit_action="bulletins.custom.retitle",
    ) == ["tags"]
    changed = model_update(
        instance=bulletin,
        values={"title": "又一标题"},
        by=head,
        action="retitle",
        related={"tags": (["甲"], [])},
        payload=shaped,
        timeline=row,
        audit_action="bulletins.custom.retitle",
    )
    assert changed == ["tags", "title"]
    event = AuditEvent.objects.filter(action="bulletins.custom.retitle").latest("id")
    assert event.payload == {"changes": {"title": ["协查通报", "又一标题"], "tags": [["甲"], []]}}
    entry = TimelineEntry.objects.filter(action="retitle").latest("id")
    assert (entry.note, entry.data) == ("title、tags", {"fields": ["tags", "title"]})
    bulletin.refresh_from_db()
    assert bulletin.title == "又一标题"
