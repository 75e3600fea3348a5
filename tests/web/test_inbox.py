"""The home page: the inbox (待办), and what a user with no access to case data sees instead."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core import inbox
from organisation.models import Membership, Role
from tests.support.factories.organisation import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_items(monkeypatch):
    """Register a provider with one item due tomorrow and one overdue since yesterday."""
    now = timezone.now()

    def provider(user):
        return [
            inbox.InboxItem(
                kind="test.review",
                kind_label="待审核",
                title="张某诈骗案协查请求",
                url="/x/1/",
                due_at=now + timedelta(days=1),
            ),
            inbox.InboxItem(
                kind="test.intake",
                kind_label="待接收",
                title="李某盗窃案协查请求",
                url="/x/2/",
                due_at=now - timedelta(days=1),
            ),
            inbox.InboxItem(kind="test.review", kind_label="待审核", title="王某案管辖协商", url="/x/3/"),
        ]

    monkeypatch.setitem(inbox._providers, "test", provider)


def test_investigator_with_nothing_waiting_sees_the_empty_state(client, wuhou_investigator):
    client.force_login(wuhou_investigator)

    response = client.get(reverse("organisation:home"))

    assert response.status_code == 200
    assert response.context["no_case_access"] is False
    assert response.context["items"] == []
    assert "待办" in response.text
    assert "暂无待办事项" in response.text


@pytest.mark.parametrize("persona", ["system_admin", "auditor"])
def test_user_without_operational_role_sees_why_there_is_no_case_data(client, request, persona, two_items):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("organisation:home"))

    assert response.status_code == 200
    assert response.context["no_case_access"] is True
    assert response.context["items"] == []
    assert "无权查看案件数据" in response.text
    assert "张某诈骗案" not in response.text


def test_inbox_lists_items_overdue_first_with_counts_per_kind(client, wuhou_investigator, two_items):
    client.force_login(wuhou_investigator)

    response = client.get(reverse("organisation:home"))

    titles = [item.title for item in response.context["items"]]
    assert titles == ["李某盗窃案协查请求", "张某诈骗案协查请求", "王某案管辖协商"]
    kinds = {row["kind"]: (row["label"], row["count"], row["overdue"]) for row in response.context["kinds"]}
    assert kinds == {"test.intake": ("待接收", 1, 1), "test.review": ("待审核", 2, 0)}
    html = response.text
    assert html.index("李某盗窃案协查请求") < html.index("张某诈骗案协查请求")
    assert html.count('class="is-overdue"') == 1
    assert "已逾期" in html


def test_header_shows_name_unit_and_role(client, wuhou_investigator):
    client.force_login(wuhou_investigator)

    html = client.get(reverse("organisation:home")).text

    assert wuhou_investigator.display_name in html
    assert "成都市公安局武侯区分局" in html
    assert "办案民警" in html


def test_header_shows_an_acting_membership_as_acting(client):
    today = timezone.localdate()
    user = member("510100", Role.UNIT_HEAD, is_acting=True, valid_to=today + timedelta(days=10))
    client.force_login(user)

    html = client.get(reverse("organisation:home")).text

    membership = Membership.objects.get(user=user)
    with translation.override("zh-hans"):
        label = membership.role_label
    assert "代理" in label
    assert label in html
    assert "identity__role--acting" in html


def test_header_leaves_out_an_expired_membership(client):
    today = timezone.localdate()
    user = member(
        "530100", Role.INVESTIGATOR, valid_from=today - timedelta(days=60), valid_to=today - timedelta(days=1)
    )
    client.force_login(user)

    html = client.get(reverse("organisation:home")).text

    assert "昆明市公安局" not in html


def test_inbox_writes_deadlines_as_officers_do_and_states_as_words(client, wuhou_investigator, monkeypatch):
    import datetime as dt

    from core import inbox
    from core.deadlines import SHANGHAI

    due = dt.datetime(2031, 12, 8, 0, 0, tzinfo=SHANGHAI)  # the end of 7 December
    item = inbox.InboxItem(
        kind="x.y",
        kind_label="待办事项",
        title="协查",
        url="/x/",
        state="received",
        state_label="已签收",
        due_at=due,
    )
    monkeypatch.setattr(inbox, "_providers", {"test": lambda user: [item]})
    client.force_login(wuhou_investigator)
    page = client.get("/").content.decode()
    assert "2031-12-07 24:00" in page
    assert "已签收" in page and ">received<" not in page
