"""/api/v1/me/: the user, the memberships in force, roles, and whether case data is open to them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from organisation.models import Membership, Role, Unit
from tests.support.api import assert_error, token_client
from tests.support.factories.organisation import MembershipFactory, UserFactory

ME_URL = "/api/v1/me/"


@pytest.mark.django_db
def test_me_shows_the_investigator_and_their_membership(wuhou_investigator):
    wuhou_investigator.full_name = "张伟"
    wuhou_investigator.police_number = "510107001"
    wuhou_investigator.save()

    body = token_client(wuhou_investigator).get(ME_URL).json()

    assert body["user"] == {
        "username": "wuhou_investigator",
        "full_name": "张伟",
        "police_number": "510107001",
    }
    assert body["roles"] == ["investigator"]
    assert body["may_read_case_data"] is True
    [membership] = body["memberships"]
    assert membership["unit"] == {"code": "510107", "name": "成都市公安局武侯区分局"}
    assert membership["department"]["kind"] == "criminal"
    assert membership["department"]["code_prefix"] == "刑"
    assert membership["role"] == "investigator"
    assert membership["role_label"]
    assert membership["is_acting"] is False
    assert membership["acting_for"] is None
    assert membership["valid_to"] is None


@pytest.mark.django_db
def test_me_leaves_out_expired_memberships_and_marks_acting_ones(wuhou_investigator):
    today = timezone.localdate()
    chengdu = Unit.objects.get(code="510100")
    head = UserFactory(username="chengdu_head", full_name="李强")
    MembershipFactory(
        user=wuhou_investigator,
        unit=chengdu,
        role=Role.LIAISON_OFFICER,
        valid_from=today - timedelta(days=30),
        valid_to=today - timedelta(days=1),
    )
    MembershipFactory(
        user=wuhou_investigator,
        unit=chengdu,
        role=Role.UNIT_HEAD,
        is_acting=True,
        acting_for=head,
        valid_from=today,
        valid_to=today + timedelta(days=7),
    )

    body = token_client(wuhou_investigator).get(ME_URL).json()

    assert body["roles"] == ["investigator", "unit_head"]
    acting = next(m for m in body["memberships"] if m["role"] == "unit_head")
    assert acting["is_acting"] is True
    assert acting["acting_for"] == {"username": "chengdu_head", "full_name": "李强"}
    assert acting["valid_to"] == (today + timedelta(days=7)).isoformat()
    assert acting["role_label"] == Membership.objects.get(role=Role.UNIT_HEAD).role_label
    assert acting["role_label"] != str(Role.UNIT_HEAD.label)


@pytest.mark.parametrize("persona", ["system_admin", "auditor"])
@pytest.mark.django_db
def test_me_tells_administrators_and_auditors_they_have_no_case_data(request, persona):
    user = request.getfixturevalue(persona)

    body = token_client(user).get(ME_URL).json()

    assert body["may_read_case_data"] is False
    assert body["roles"] == ([] if persona == "system_admin" else ["auditor"])


@pytest.mark.django_db
def test_me_needs_authentication(api_client):
    assert_error(api_client.get(ME_URL), 401, "not_authenticated")


@pytest.mark.django_db
def test_me_costs_the_same_queries_for_one_membership_as_for_many(wuhou_investigator):
    client = token_client(wuhou_investigator)
    client.get(ME_URL)  # the token's last-used write happens once, here
    with CaptureQueriesContext(connection) as one:
        client.get(ME_URL)
    for code in ("510100", "510000", "500000"):
        MembershipFactory(
            user=wuhou_investigator, unit=Unit.objects.get(code=code), role=Role.LIAISON_OFFICER
        )
    with CaptureQueriesContext(connection) as four:
        body = client.get(ME_URL).json()

    assert len(body["memberships"]) == 4
    assert len(four) == len(one)
