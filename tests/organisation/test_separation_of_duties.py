"""Separation of duties (issue 16 leak 5): no account grants itself or an administrator a role.

Every path that writes a membership is tried: the admin (membership page, the inline on the user
page, the proposal page, the user's flags), the add_member command, the API and the page where a
second person approves. Each refusal leaves no membership and an audit event.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from core.models import AuditEvent
from organisation.models import Membership, MembershipProposal, ProposalState, Role, Unit
from organisation.selectors import user_may_read_case_data
from organisation.services import membership_propose
from tests.support.factories.organisation import UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin_client(client, system_admin):
    client.force_login(system_admin)
    return client


@pytest.fixture
def wuhou():
    return Unit.objects.get(code="510107")


@pytest.fixture
def wuhou_unit_head():
    return member("510107", Role.UNIT_HEAD, username="wuhou_head")


@pytest.fixture
def sichuan_security_officer():
    return member("510000", Role.SECURITY_OFFICER, username="sichuan_security")


def refusals(username=None):
    events = AuditEvent.objects.filter(action="organisation.membership_refused")
    return [e for e in events if username is None or e.payload.get("username") == username]


def proposal_post(user, unit, role="investigator", **extra):
    return {
        "user": user.pk,
        "unit": unit.pk,
        "role": role,
        "valid_from": timezone.localdate().isoformat(),
        "reason": "新任办案民警",
        **extra,
    }


def test_admin_cannot_add_a_membership_directly(admin_client, system_admin, wuhou):
    url = reverse("admin:organisation_membership_add")
    response = admin_client.post(
        url,
        {"user": system_admin.pk, "unit": wuhou.pk, "role": "investigator", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=system_admin).exists()
    assert not user_may_read_case_data(system_admin)


def test_admin_cannot_add_a_membership_through_the_user_inline(admin_client, system_admin, wuhou):
    url = reverse("admin:organisation_user_change", args=[system_admin.pk])
    page = admin_client.get(url).content.decode()
    # The inline offers no empty form to fill in.
    assert "memberships-__prefix__-unit" not in page
    admin_client.post(
        url,
        {
            "username": system_admin.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-unit": wuhou.pk,
            "memberships-0-role": "investigator",
            "memberships-0-valid_from": "2026-01-01",
        },
    )
    assert not Membership.objects.filter(user=system_admin).exists()


def test_admin_self_grant_through_a_proposal_is_refused_and_audited(admin_client, system_admin, wuhou):
    response = admin_client.post(
        reverse("admin:organisation_membershipproposal_add"), proposal_post(system_admin, wuhou)
    )
    assert response.status_code == 200  # the form again, with the error
    assert "管理员账号不能持有角色" in response.content.decode()  # the admin speaks Chinese by default
    assert not MembershipProposal.objects.exists()
    assert not Membership.objects.filter(user=system_admin).exists()
    (event,) = refusals(system_admin.username)
    assert event.actor_id == system_admin.pk
    assert (event.payload["role"], event.payload["unit"], event.payload["case_role"]) == (
        "investigator",
        "510107",
        True,
    )
    assert event.acting_unit_code == "510107"


def test_admin_granting_another_administrator_a_role_is_refused_and_audited(admin_client, wuhou):
    other_admin = UserFactory(username="second_admin", is_staff=True)
    for role in ("unit_head", "auditor", "security_officer"):
        response = admin_client.post(
            reverse("admin:organisation_membershipproposal_add"), proposal_post(other_admin, wuhou, role)
        )
        assert response.status_code == 200
    assert not MembershipProposal.objects.exists()
    assert not Membership.objects.filter(user=other_admin).exists()
    assert len(refusals("second_admin")) == 3


def test_the_service_refuses_a_self_grant_by_anyone(wuhou_unit_head, wuhou):
    with pytest.raises(ValidationError):
        membership_propose(
            by=wuhou_unit_head, user=wuhou_unit_head, unit=wuhou, role="legal_officer", reason="x"
        )
    assert len(refusals("wuhou_head")) == 1
    assert not MembershipProposal.objects.exists()


def test_a_member_cannot_be_made_an_administrator_in_the_admin(admin_client, wuhou_investigator):
    url = reverse("admin:organisation_user_change", args=[wuhou_investigator.pk])
    response = admin_client.post(
        url,
        {
            "username": wuhou_investigator.username,
            "is_active": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200, response.status_code
    wuhou_investigator.refresh_from_db()
    assert not wuhou_investigator.is_superuser
    assert len(refusals(wuhou_investigator.username)) == 1


def test_the_model_refuses_an_administrator_a_membership(system_admin, wuhou):
    with pytest.raises(ValidationError):
        Membership.objects.create(user=system_admin, unit=wuhou, role=Role.INVESTIGATOR)
    # Behind every check (a raw insert): the membership still grants nothing.
    Membership.objects.bulk_create([Membership(user=system_admin, unit=wuhou, role=Role.INVESTIGATOR)])
    assert not user_may_read_case_data(system_admin)


def test_add_member_refuses_an_administrator_account_and_audits_it(system_admin):
    with pytest.raises(CommandError, match="administrator account cannot hold a role"):
        call_command("add_member", system_admin.username, "--unit", "510107", "--role", "investigator")
    assert not Membership.objects.filter(user=system_admin).exists()
    (event,) = refusals(system_admin.username)
    assert event.payload["channel"] == "command"


def test_add_member_is_audited_as_the_bootstrap_path():
    call_command(
        "add_member", "sichuan.security", "--unit", "510000", "--role", "security_officer", verbosity=0
    )
    event = AuditEvent.objects.get(action="organisation.member_added")
    assert (event.payload["channel"], event.payload["role"], event.acting_unit_code) == (
        "command",
        "security_officer",
        "510000",
    )


def test_security_officer_reads_no_case_data(sichuan_security_officer):
    assert not user_may_read_case_data(sichuan_security_officer)


# --- the second person ----------------------------------------------------------------------


@pytest.fixture
def newcomer():
    return UserFactory(username="wuhou_newcomer")


@pytest.fixture
def proposed(admin_client, newcomer, wuhou):
    response = admin_client.post(
        reverse("admin:organisation_membershipproposal_add"), proposal_post(newcomer, wuhou)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    proposal = MembershipProposal.objects.get()
    assert proposal.state == ProposalState.PROPOSED
    assert not Membership.objects.filter(user=newcomer).exists()
    return proposal


def test_a_unit_head_approves_on_the_page(client, proposed, newcomer, wuhou_unit_head):
    client.force_login(wuhou_unit_head)
    page = client.get(reverse("organisation:membership-proposals")).content.decode()
    assert "wuhou_newcomer" in page
    response = client.post(
        reverse("organisation:membership-proposal-transition", args=[proposed.pk, "approve"]),
        {"note": "同意"},
    )
    # The newcomer's first role: the answer shows the approver its one-time password (it was a
    # redirect before the administrator's password was voided on a first role).
    assert response.status_code == 200 and response.context["password"]
    proposed.refresh_from_db()
    assert (proposed.state, proposed.decided_by) == (ProposalState.APPROVED, wuhou_unit_head)
    membership = Membership.objects.get(user=newcomer)
    assert (membership.unit.code, membership.role) == ("510107", "investigator")
    assert proposed.membership == membership
    assert user_may_read_case_data(newcomer)
    assert AuditEvent.objects.filter(
        action="organisation.membership_approved", actor_id=wuhou_unit_head.pk
    ).exists()


def test_the_old_decision_pages_answer_308_to_the_step_url(client, proposed, wuhou_unit_head):
    client.force_login(wuhou_unit_head)
    for name in ("approve", "reject"):
        response = client.post(f"/membership-proposals/{proposed.pk}/{name}/", {"note": "同意"})
        assert response.status_code == 308
        assert response.url == reverse(
            "organisation:membership-proposal-transition", args=[proposed.pk, name]
        )
    proposed.refresh_from_db()
    assert proposed.state == ProposalState.PROPOSED


def test_a_security_officer_above_approves_through_the_api(proposed, newcomer, sichuan_security_officer):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(sichuan_security_officer)
    listed = client.get("/api/v1/membership-proposals/").json()["results"]
    assert [row["id"] for row in listed] == [proposed.pk]
    response = client.post(f"/api/v1/membership-proposals/{proposed.pk}/approve/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    assert user_may_read_case_data(newcomer)
    again = client.post(f"/api/v1/membership-proposals/{proposed.pk}/approve/", {}, format="json")
    assert again.status_code == 404  # decided: no longer among those to decide


def test_others_cannot_decide(client, proposed, newcomer, kunming_intake_officer, auditor, system_admin):
    kunming_head = member("530100", Role.UNIT_HEAD, username="kunming_head")
    for user in (kunming_head, kunming_intake_officer, auditor, newcomer):
        client.force_login(user)
        assert (
            client.post(
                reverse("organisation:membership-proposal-transition", args=[proposed.pk, "approve"])
            ).status_code
            == 404
        )
    client.force_login(system_admin)
    assert (
        client.post(
            reverse("organisation:membership-proposal-transition", args=[proposed.pk, "approve"])
        ).status_code
        == 404
    )
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(kunming_head)
    assert (
        api.post(f"/api/v1/membership-proposals/{proposed.pk}/approve/", {}, format="json").status_code == 404
    )
    api.force_authenticate(system_admin)
    assert api.get("/api/v1/membership-proposals/").status_code == 403
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_unit_head_cannot_approve_an_auditor(
    admin_client, newcomer, wuhou, wuhou_unit_head, sichuan_security_officer
):
    admin_client.post(
        reverse("admin:organisation_membershipproposal_add"), proposal_post(newcomer, wuhou, "auditor")
    )
    proposal = MembershipProposal.objects.get()
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(wuhou_unit_head)
    assert (
        client.post(f"/api/v1/membership-proposals/{proposal.pk}/approve/", {}, format="json").status_code
        == 404
    )
    client.force_authenticate(sichuan_security_officer)
    assert (
        client.post(f"/api/v1/membership-proposals/{proposal.pk}/approve/", {}, format="json").status_code
        == 200
    )


def test_the_proposer_is_never_the_approver(wuhou_unit_head, newcomer, wuhou):
    proposal = membership_propose(
        by=wuhou_unit_head, user=newcomer, unit=wuhou, role="investigator", reason="x"
    )
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(wuhou_unit_head)
    assert (
        client.post(f"/api/v1/membership-proposals/{proposal.pk}/approve/", {}, format="json").status_code
        == 404
    )
    assert not Membership.objects.filter(user=newcomer).exists()


def test_approval_is_refused_when_the_user_became_an_administrator(proposed, newcomer, wuhou_unit_head):
    type(newcomer).objects.filter(pk=newcomer.pk).update(is_staff=True)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(wuhou_unit_head)
    response = client.post(f"/api/v1/membership-proposals/{proposed.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "separation_of_duties"
    assert not Membership.objects.filter(user=newcomer).exists()
    assert len(refusals("wuhou_newcomer")) == 1


def test_the_admin_ends_a_membership_but_never_extends_it(admin_client, wuhou_investigator):
    membership = Membership.objects.get(user=wuhou_investigator)
    url = reverse("admin:organisation_membership_change", args=[membership.pk])
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    membership.valid_from = yesterday - dt.timedelta(days=30)
    Membership.objects.filter(pk=membership.pk).update(valid_from=membership.valid_from)
    response = admin_client.post(url, {"valid_to": yesterday.isoformat()})
    assert response.status_code == 302, response.content.decode()[:3000]
    membership.refresh_from_db()
    assert membership.valid_to == yesterday
    assert not user_may_read_case_data(type(wuhou_investigator).objects.get(pk=wuhou_investigator.pk))
    assert AuditEvent.objects.filter(action="organisation.membership_ended").exists()
    response = admin_client.post(url, {"valid_to": (yesterday + dt.timedelta(days=365)).isoformat()})
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.valid_to == yesterday


def test_proposal_pages_in_the_admin_render_read_only_once_proposed(admin_client, proposed):
    assert admin_client.get(reverse("admin:organisation_membershipproposal_add")).status_code == 200
    listing = admin_client.get(reverse("admin:organisation_membershipproposal_changelist")).content.decode()
    assert "wuhou_newcomer" in listing or "测试民警" in listing
    url = reverse("admin:organisation_membershipproposal_change", args=[proposed.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(url, {"state": "approved"}).status_code == 403
    proposed.refresh_from_db()
    assert proposed.state == ProposalState.PROPOSED
