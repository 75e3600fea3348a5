"""The audit trail and the outbox in the admin: read-only, and for superusers only."""

import pytest

from core import audit
from core.models import AuditEvent, OutboxMessage
from tests.support.factories.organisation import UserFactory


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


# --- issue 16 leak 6: the administrator reads no case data through the audit trail or the outbox ---

SECRET_ID_NUMBER = "510107199001011234"
SECRET_QUERY = "张三丰 诈骗"
SECRET_CASE = "川公（刑）立字〔2026〕77号 4·15电信诈骗案"


@pytest.fixture
def case_bearing_rows(db):
    event = audit.record(
        action="cases.search",
        target=("cases.case", "77"),
        payload={"query": SECRET_QUERY, "id_number": SECRET_ID_NUMBER, "purpose": "核查嫌疑人"},
    )
    message = OutboxMessage.objects.create(
        topic="notifications.send",
        payload={"subject": SECRET_CASE},
        idempotency_key="cases.case:77:accepted",
        last_error=f"delivery failed for {SECRET_CASE}",
    )
    return event, message


def test_admin_pages_show_metadata_but_no_payload(client, case_bearing_rows):
    event, message = case_bearing_rows
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in (
        "/admin/core/auditevent/",
        f"/admin/core/auditevent/{event.pk}/change/",
        "/admin/core/outboxmessage/",
        f"/admin/core/outboxmessage/{message.pk}/change/",
    ):
        page = client.get(url).content.decode()
        for secret in (SECRET_ID_NUMBER, SECRET_QUERY, "核查嫌疑人", SECRET_CASE):
            assert secret not in page, (url, secret)
    detail = client.get(f"/admin/core/auditevent/{event.pk}/change/").content.decode()
    assert "cases.search" in detail and "cases.case" in detail
    # Nor can the payload be searched or filtered by from the list.
    assert client.get("/admin/core/auditevent/", {"q": SECRET_ID_NUMBER}).context["cl"].result_count == 0
    assert client.get("/admin/core/auditevent/", {"payload__icontains": "5101"}).status_code in (400, 302)


CASE_APPS = {"cases", "jurisdiction", "meetings", "bulletins", "documents", "investigations"}


def _shown_fields(model_admin, request, obj) -> set[str]:
    shown = set(model_admin.get_fields(request, obj)) | set(model_admin.get_list_display(request))
    shown |= {field.lstrip("=^@").split("__")[0] for field in model_admin.get_search_fields(request)}
    return {name for name in shown if isinstance(name, str)}


def test_no_registered_admin_shows_case_data(rf, db):
    """Every ModelAdmin of every app: no model of a case app, no link to one, no payload field."""
    from django.contrib import admin as django_admin

    from core.admin import METADATA_ONLY

    request = rf.get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    for model, model_admin in django_admin.site._registry.items():
        label = model._meta.label
        assert model._meta.app_label not in CASE_APPS, f"{label} is case data and has an admin"
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            if related is not None and field.concrete:
                assert related._meta.app_label not in CASE_APPS, f"{label}.{field.name} links to case data"
        shown = _shown_fields(model_admin, request, model())
        if model in (AuditEvent, OutboxMessage):
            assert model in METADATA_ONLY, label
        if model in METADATA_ONLY:
            assert shown <= set(METADATA_ONLY[model]) | {"__str__"}, (
                label,
                shown - set(METADATA_ONLY[model]),
            )
