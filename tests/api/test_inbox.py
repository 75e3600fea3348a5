"""/api/v1/inbox/: the providers' items for the user, overdue first, with counts per kind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import inbox
from tests.support.api import assert_error, token_client

INBOX_URL = "/api/v1/inbox/"


@pytest.fixture
def provider(monkeypatch):
    """Register a provider that gives the Wuhou investigator two items of one kind and one of another."""
    now = timezone.now()

    def items_for(user):
        if user.username != "wuhou_investigator":
            return []
        return [
            inbox.InboxItem(
                kind="request.intake",
                kind_label="待接收",
                title="later",
                url="/r/2/",
                state="submitted",
                due_at=now + timedelta(days=2),
                object_type="request",
                object_id="2",
            ),
            inbox.InboxItem(
                kind="request.intake",
                kind_label="待接收",
                title="overdue",
                url="/r/1/",
                state="submitted",
                state_label="已发送",
                due_at=now - timedelta(hours=1),
                object_type="request",
                object_id="1",
            ),
            inbox.InboxItem(kind="case.review", kind_label="待审核", title="undated", url="/c/9/"),
        ]

    monkeypatch.setitem(inbox._providers, "tests.api", items_for)


@pytest.mark.django_db
def test_inbox_lists_items_overdue_first_with_counts(provider, wuhou_investigator):
    response = token_client(wuhou_investigator).get(INBOX_URL)

    assert response.status_code == 200
    body = response.json()
    assert [item["title"] for item in body["items"]] == ["overdue", "later", "undated"]
    overdue = body["items"][0]
    assert overdue == {
        "kind": "request.intake",
        "kind_label": "待接收",
        "title": "overdue",
        "url": "/r/1/",
        "state": "submitted",
        "state_label": "已发送",
        "due_at": overdue["due_at"],
        "is_overdue": True,
        "object_type": "request",
        "object_id": "1",
    }
    assert overdue["due_at"].endswith("+08:00")
    assert body["items"][1]["is_overdue"] is False
    assert body["items"][2]["due_at"] is None
    assert body["counts"] == {"request.intake": 2, "case.review": 1}


@pytest.mark.django_db
def test_inbox_of_another_user_holds_none_of_it(provider, qinghai_investigator):
    assert token_client(qinghai_investigator).get(INBOX_URL).json() == {"items": [], "counts": {}}


@pytest.mark.parametrize("persona", ["system_admin", "auditor"])
@pytest.mark.django_db
def test_inbox_is_refused_to_administrators_and_auditors(request, provider, persona):
    body = assert_error(
        token_client(request.getfixturevalue(persona)).get(INBOX_URL), 403, "no_case_data_access"
    )
    assert body["fields"] == {}


@pytest.mark.django_db
def test_inbox_is_refused_once_the_membership_has_expired(provider, wuhou_investigator):
    wuhou_investigator.memberships.update(
        valid_from=timezone.localdate() - timedelta(days=10),
        valid_to=timezone.localdate() - timedelta(days=1),
    )
    assert_error(token_client(wuhou_investigator).get(INBOX_URL), 403, "no_case_data_access")


@pytest.mark.django_db
def test_inbox_needs_authentication(api_client):
    assert_error(api_client.get(INBOX_URL), 401, "not_authenticated")
