"""Password resets of role holders (issue 16 leak 5): requested by an administrator, approved by a
second person who alone sees the one-time password, changed by the account at its next sign-in."""

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from core.models import AuditEvent
from organisation.models import ApiToken, PasswordResetRequest, ProposalState, Role, User
from organisation.services import membership_propose, password_reset_request
from tests.support.factories.organisation import member

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Own-choice-2026-abc!"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def holder(password):
    user = member("510107", Role.INVESTIGATOR, username="wuhou_officer")
    user.set_password(password)
    user.save()
    return user


@pytest.fixture
def wuhou_head():
    return member("510107", Role.UNIT_HEAD, username="wuhou_head")


@pytest.fixture
def sichuan_security():
    return member("510000", Role.SECURITY_OFFICER, username="sichuan_security")


@pytest.fixture
def reset(system_admin, holder):
    return password_reset_request(by=system_admin, user=holder, reason="忘记密码，本人到场核实")


def _approve_page(client, approver, reset):
    client.force_login(approver)
    return client.post(
        reverse("organisation:password-reset-transition", args=[reset.pk, "approve"]), {"note": "本人到场"}
    )


def test_admin_requests_a_reset_in_the_admin(client, system_admin, holder):
    client.force_login(system_admin)
    response = client.post(
        reverse("admin:organisation_passwordresetrequest_add"), {"user": holder.pk, "reason": "忘记密码"}
    )
    assert response.status_code == 302
    (reset,) = PasswordResetRequest.objects.all()
    assert (reset.user, reset.requested_by, reset.state) == (holder, system_admin, ProposalState.PROPOSED)
    assert AuditEvent.objects.filter(action="organisation.password_reset_requested").count() == 1
    # A second request while one is open is refused.
    response = client.post(
        reverse("admin:organisation_passwordresetrequest_add"), {"user": holder.pk, "reason": "again"}
    )
    assert response.status_code == 200 and PasswordResetRequest.objects.count() == 1


def test_unit_head_approves_and_alone_sees_the_temporary_password(
    client, system_admin, holder, wuhou_head, reset
):
    old_hash = holder.password
    token = ApiToken.objects.create(user=holder, digest="x" * 64, expires_at="2099-01-01T00:00Z")

    response = _approve_page(client, wuhou_head, reset)

    assert response.status_code == 200
    temporary = response.context["password"]
    assert temporary in response.content.decode()
    holder.refresh_from_db()
    assert holder.password != old_hash and temporary not in holder.password
    assert holder.must_change_password
    token.refresh_from_db()
    assert token.revoked_at is not None
    reset.refresh_from_db()
    assert (reset.state, reset.decided_by) == (ProposalState.APPROVED, wuhou_head)
    events = AuditEvent.objects.filter(action__startswith="organisation.password_reset")
    assert {e.action for e in events} == {
        "organisation.password_reset_requested",
        "organisation.password_reset_approved",
    }
    assert all(temporary not in str(e.payload) for e in events)
    # The administrator sees no password: not on the request's admin page.
    client.force_login(system_admin)
    page = client.get(reverse("admin:organisation_passwordresetrequest_change", args=[reset.pk]))
    assert page.status_code == 200 and temporary not in page.content.decode()


def test_those_who_may_not_decide_get_404(client, system_admin, holder, reset):
    chengdu_head = member("510100", Role.UNIT_HEAD, username="chengdu_head")
    colleague = member("510107", Role.INVESTIGATOR, username="colleague")
    for user in (chengdu_head, colleague, system_admin, holder):
        client.force_login(user)
        assert (
            client.post(
                reverse("organisation:password-reset-transition", args=[reset.pk, "approve"])
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("organisation:password-reset-transition", args=[reset.pk, "reject"])
            ).status_code
            == 404
        )
    client.force_login(chengdu_head)
    page = client.get(reverse("organisation:password-resets"))
    assert page.status_code == 200 and "wuhou_officer" not in page.content.decode()
    for user in (colleague, system_admin):
        client.force_login(user)
        assert client.get(reverse("organisation:password-resets")).status_code == 404
    reset.refresh_from_db()
    assert reset.state == ProposalState.PROPOSED


def test_only_a_security_officer_resets_an_auditor(client, system_admin, wuhou_head, sichuan_security):
    auditor = member("510107", Role.AUDITOR, username="wuhou_auditor")
    reset = password_reset_request(by=system_admin, user=auditor, reason="忘记密码")
    assert _approve_page(client, wuhou_head, reset).status_code == 404
    assert _approve_page(client, sichuan_security, reset).status_code == 200


def test_a_security_officer_rejects(client, sichuan_security, reset, holder):
    client.force_login(sichuan_security)
    response = client.post(
        reverse("organisation:password-reset-transition", args=[reset.pk, "reject"]), {"note": "未核实身份"}
    )
    assert response.status_code == 302
    reset.refresh_from_db()
    holder.refresh_from_db()
    assert reset.state == ProposalState.REJECTED and not holder.must_change_password
    assert AuditEvent.objects.filter(action="organisation.password_reset_rejected").count() == 1


def test_the_temporary_password_opens_only_the_change_page(client, wuhou_head, reset, holder):
    temporary = _approve_page(client, wuhou_head, reset).context["password"]
    client.logout()

    response = client.post(
        reverse("organisation:login"), {"username": "wuhou_officer", "password": temporary}
    )
    assert response.status_code == 302 and response.url == reverse("organisation:password-change-required")
    assert client.get(reverse("organisation:home")).status_code == 302  # not signed in
    assert "_auth_user_id" not in client.session
    api = APIClient()
    token = api.post(
        reverse("api:auth-token"), {"username": "wuhou_officer", "password": temporary}, format="json"
    )
    assert token.status_code == 403 and token.json()["code"] == "password_change_required"

    page = client.get(reverse("organisation:password-change-required"))
    assert page.status_code == 200
    same = client.post(
        reverse("organisation:password-change-required"),
        {"old_password": temporary, "new_password1": temporary, "new_password2": temporary},
    )
    assert same.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(
        reverse("organisation:password-change-required"),
        {"old_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url == reverse("organisation:home")
    assert client.session["_auth_user_id"] == str(holder.pk)
    holder.refresh_from_db()
    assert not holder.must_change_password
    assert authenticate(username="wuhou_officer", password=NEW_PASSWORD) == holder
    assert AuditEvent.objects.filter(action="organisation.password_changed", actor_id=holder.pk).exists()


def test_the_change_page_without_a_pending_reset_goes_to_sign_in(client):
    assert client.get(reverse("organisation:password-change-required")).url == reverse("organisation:login")


def test_api_lists_approves_and_answers_404_to_others(system_admin, holder, wuhou_head, reset):
    api = APIClient()
    other_head = member("510100", Role.UNIT_HEAD, username="chengdu_head")
    api.force_authenticate(other_head)
    assert api.get(reverse("api:password-reset-list")).json()["results"] == []
    assert api.post(reverse("api:password-reset-approve", args=[reset.pk])).status_code == 404
    api.force_authenticate(system_admin)
    assert api.get(reverse("api:password-reset-list")).status_code == 403

    api.force_authenticate(wuhou_head)
    (row,) = api.get(reverse("api:password-reset-list")).json()["results"]
    assert row["user"]["username"] == "wuhou_officer"
    answer = api.post(reverse("api:password-reset-approve", args=[reset.pk]), {"note": ""}, format="json")
    assert answer.status_code == 200
    assert authenticate(username="wuhou_officer", password=answer.json()["temporary_password"]) is not None
    again = api.post(reverse("api:password-reset-approve", args=[reset.pk]), format="json")
    assert again.status_code == 404  # decided: no longer among those to decide


def test_the_api_takes_a_decision_at_its_transition_url(wuhou_head, reset, holder):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(wuhou_head)
    unknown = api.post(reverse("api:password-reset-transition", args=[reset.pk, "fly"]), format="json")
    assert unknown.status_code == 404
    url = reverse("api:password-reset-transition", args=[reset.pk, "reject"])
    too_long = api.post(url, {"note": "x" * 2001}, format="json")
    assert too_long.status_code == 400 and "note" in too_long.json()["fields"]
    answer = api.post(url, {"note": "未核实身份", "expected_state": "proposed"}, format="json")
    assert answer.status_code == 200 and answer.json()["state"] == "rejected"
    assert "temporary_password" not in answer.json()
    holder.refresh_from_db()
    assert not holder.must_change_password


def test_approvers_inbox_lists_proposals_and_resets(
    client, system_admin, holder, wuhou_head, sichuan_security, reset
):
    newcomer = User.objects.create(username="newcomer")
    unit = wuhou_head.memberships.get().unit
    membership_propose(by=system_admin, user=newcomer, unit=unit, role=Role.INVESTIGATOR, reason="新任")
    for approver in (wuhou_head, sichuan_security):  # the security officer reads no case data
        client.force_login(approver)
        page = client.get(reverse("organisation:home")).content.decode()
        assert reverse("organisation:password-resets") + f"#reset-{reset.pk}" in page
        assert reverse("organisation:membership-proposals") in page and "newcomer" in page
    client.force_login(holder)
    page = client.get(reverse("organisation:home")).content.decode()
    assert reverse("organisation:password-resets") not in page


def test_pages_fit_a_narrow_screen(client, wuhou_head, reset):
    # At 390 px the table scrolls inside its own box (.table-wrap) rather than widening the page.
    client.force_login(wuhou_head)
    page = client.get(reverse("organisation:password-resets")).content.decode()
    assert '<div class="table-wrap">' in page and 'name="viewport"' in page


def test_a_first_role_comes_with_a_one_time_password_for_the_approver(client, system_admin, wuhou_head):
    newcomer = User.objects.create(username="newcomer")
    unit = wuhou_head.memberships.get().unit
    first = membership_propose(
        by=system_admin, user=newcomer, unit=unit, role=Role.INVESTIGATOR, reason="新任"
    )
    client.force_login(wuhou_head)

    page = client.post(reverse("organisation:membership-proposal-transition", args=[first.pk, "approve"]))

    assert page.status_code == 200
    temporary = page.context["password"]
    newcomer.refresh_from_db()
    assert newcomer.must_change_password
    assert authenticate(username="newcomer", password=temporary) == newcomer
    event = AuditEvent.objects.get(action="organisation.membership_approved")
    assert event.payload["temporary_password_issued"] is True and temporary not in str(event.payload)

    # A second role of an account that already holds one leaves its password alone.
    second = membership_propose(
        by=system_admin, user=newcomer, unit=unit, role=Role.LIAISON_OFFICER, reason="兼任"
    )
    api = APIClient()
    api.force_authenticate(wuhou_head)
    answer = api.post(reverse("api:membership-proposal-approve", args=[second.pk]), format="json")
    assert answer.status_code == 200 and answer.json().get("temporary_password") is None
    assert authenticate(username="newcomer", password=temporary) == newcomer


def test_the_menu_leads_approvers_to_the_requests_and_no_one_else(
    client, wuhou_head, sichuan_security, holder
):
    link = f'href="{reverse("organisation:password-resets")}"'
    for approver in (wuhou_head, sichuan_security):
        client.force_login(approver)
        assert link in client.get(reverse("organisation:membership-proposals")).content.decode()
    client.force_login(holder)
    assert link not in client.get(reverse("organisation:home")).content.decode()
