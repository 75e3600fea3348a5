"""Logins, failed logins, logouts and admin changes leave audit events."""

import json

import pytest
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_login_failed
from django.test import RequestFactory

from core import audit
from core.models import AuditEvent
from tests.support.factories.organisation import UserFactory


@pytest.fixture
def officer(db):
    return UserFactory(username="audited_officer")


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_login_and_logout_are_recorded(client, officer, password):
    assert client.login(username="audited_officer", password=password)
    client.logout()

    [login] = _events("auth.login")
    [logout] = _events("auth.logout")
    assert (login.actor_id, login.actor_username) == (officer.pk, "audited_officer")
    assert (logout.actor_id, logout.actor_username) == (officer.pk, "audited_officer")
    assert login.target_id == str(officer.pk)
    assert audit.verify_chain().ok


def test_failed_login_records_the_username_never_the_password(officer):
    request = RequestFactory().post("/login/")
    assert authenticate(request, username="audited_officer", password="wrong-but-memorable-9") is None

    [failed] = _events("auth.login_failed")
    assert failed.payload == {"username": "audited_officer"}
    assert failed.actor_id is None
    assert "wrong-but-memorable-9" not in json.dumps(failed.payload)
    assert "wrong-but-memorable-9" not in audit.canonical_content(failed)


def test_failed_login_while_locked_out_is_marked(db):
    request = RequestFactory().post("/login/")
    request.login_locked_out = True
    user_login_failed.send(
        sender=__name__, credentials={"username": "somebody", "password": "********"}, request=request
    )

    [failed] = _events("auth.login_failed")
    assert failed.payload == {"username": "somebody", "locked_out": True}


def test_login_through_a_request_records_request_id_and_address(db, client, password, settings):
    # Peers that are trusted proxies, so X-Request-ID is believed (see test_middleware_proxy.py).
    settings.TRUSTED_PROXIES = ["198.51.100.4", "127.0.0.1"]
    UserFactory(username="staff_officer", is_staff=True)
    response = client.post(
        "/admin/login/",
        {"username": "staff_officer", "password": password},
        HTTP_X_REQUEST_ID="req-audit-login-1",
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 302
    client.post(
        "/admin/login/",
        {"username": "staff_officer", "password": "wrong-password-00"},
        HTTP_X_REQUEST_ID="req-audit-login-2",
    )

    [login] = _events("auth.login")
    [failed] = _events("auth.login_failed")
    assert (login.request_id, login.client_address) == ("req-audit-login-1", "198.51.100.4")
    assert failed.request_id == "req-audit-login-2"


def test_admin_changes_are_recorded_one_by_one_and_in_bulk(officer):
    groups = [Group.objects.create(name=f"group-{i}") for i in range(3)]

    LogEntry.objects.log_actions(officer.pk, [groups[0]], ADDITION, [{"added": {}}], single_object=True)
    LogEntry.objects.log_actions(officer.pk, groups[1:], DELETION)

    events = _events("admin.change")
    assert [(e.target_type, e.target_id, e.payload["action_flag"]) for e in events] == [
        ("auth.group", str(groups[0].pk), "addition"),
        ("auth.group", str(groups[1].pk), "deletion"),
        ("auth.group", str(groups[2].pk), "deletion"),
    ]
    assert events[0].payload == {
        "content_type": "auth.group",
        "object_id": str(groups[0].pk),
        "object_repr": "group-0",
        "action_flag": "addition",
        "change_message": [{"added": {}}],
    }
    assert {e.actor_id for e in events} == {officer.pk}
