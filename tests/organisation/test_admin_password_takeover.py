"""Issue 16 leak 5: the administrator cannot take over a role holder's account by its password.

Setting the password of a unit head or an investigator in /admin/ and signing in as them is the
same takeover as granting oneself a role: refused (403) and audited; other administrators'
passwords keep the plain change.
"""

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from core.models import AuditEvent
from organisation.models import Role
from tests.support.factories.organisation import UserFactory, member

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Takeover-2026-xyz!"


def _post_password(client, user):
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    return client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})


@pytest.fixture
def admin_client(client, system_admin):
    client.force_login(system_admin)
    return client


@pytest.mark.parametrize("role", [Role.UNIT_HEAD, Role.INVESTIGATOR, Role.SECURITY_OFFICER, Role.AUDITOR])
def test_admin_cannot_set_the_password_of_a_role_holder(admin_client, role):
    holder = member("510107", role, username="holder")
    old_hash = holder.password

    assert admin_client.get(reverse("admin:auth_user_password_change", args=[holder.pk])).status_code == 403
    response = _post_password(admin_client, holder)

    assert response.status_code == 403
    holder.refresh_from_db()
    assert holder.password == old_hash
    assert authenticate(username="holder", password=NEW_PASSWORD) is None
    refused = AuditEvent.objects.filter(action="organisation.password_reset_refused")
    assert refused.count() == 2  # the form and the attempt to post it
    assert all(event.payload["username"] == "holder" for event in refused)


def test_admin_still_sets_the_password_of_an_account_without_a_role(admin_client):
    other_admin = UserFactory(username="second_admin", is_staff=True)

    response = _post_password(admin_client, other_admin)

    assert response.status_code == 302
    assert authenticate(username="second_admin", password=NEW_PASSWORD) == other_admin


def test_admin_does_not_know_the_password_of_an_account_it_had_a_role_approved_for(
    admin_client, system_admin
):
    """An account the administrator created with a password of its choosing gets its first role
    only with a fresh one-time password, issued to the approver: the administrator's is void."""
    from organisation.models import MembershipProposal, Unit, User
    from organisation.services import membership_proposal_approve

    # The administrator creates an account without a role and sets its password: allowed.
    other = UserFactory(username="straw_man")
    response = _post_password(admin_client, other)
    assert response.status_code == 302
    straw_man = User.objects.get(username="straw_man")
    wuhou = Unit.objects.get(code="510107")
    admin_client.post(
        reverse("admin:organisation_membershipproposal_add"),
        {
            "user": straw_man.pk,
            "unit": wuhou.pk,
            "role": "investigator",
            "valid_from": "2026-01-01",
            "reason": "新任",
        },
    )
    (proposal,) = MembershipProposal.objects.filter(user=straw_man)
    head = member("510107", Role.UNIT_HEAD, username="wuhou_head")

    membership_proposal_approve(by=head, proposal=proposal)

    assert authenticate(username="straw_man", password=NEW_PASSWORD) is None
