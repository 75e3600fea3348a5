"""The audit trail and the outbox in the admin: read-only, and for superusers only."""

import pytest

from core import audit
from core.models import AuditEvent, OutboxMessage
from tests.factories.organisation import UserFactory


@pytest.fixture
def event(db):
    return audit.record(action="test.admin_visible", payload={"n": 1})


@pytest.fixture
def message(db):
    return OutboxMessage.objects.create(topic="mail.send", payload={}, idempotency_key="admin-visible")


def test_superuser_reads_but_cannot_add_change_or_delete(client, event, message):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    for url in (
        "/admin/core/auditevent/",
        f"/admin/core/auditevent/{event.pk}/change/",
        "/admin/core/outboxmessage/",
        f"/admin/core/outboxmessage/{message.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'name="_save"' not in response.content
    assert b"test.admin_visible" in client.get("/admin/core/auditevent/").content

    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert client.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "forged"}).status_code == 403
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/core/outboxmessage/{message.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "test.admin_visible"
    assert OutboxMessage.objects.filter(pk=message.pk).exists()


def test_staff_who_are_not_superusers_see_nothing(client, event, message):
    client.force_login(UserFactory(is_staff=True))

    assert client.get("/admin/core/auditevent/").status_code == 403
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 403
    assert client.get("/admin/core/outboxmessage/").status_code == 403
    assert b"/admin/core/auditevent/" not in client.get("/admin/").content
