"""A notification that asks for a step is dealt with once a step is taken on its object (issue 20).

Before, "a request for filing awaits your approval" stayed unread in every head's list after one of
them had approved it, and the unread count in the menu kept calling officers to work already done. A
notification that asks (`notify(asks=True)`) is marked read and dealt with by the one transition path
when any step is taken on its object; a notification that only tells stays unread; a member unit's
signature of the minutes clears the signer's own "minutes to sign" only.
"""

import pytest
from django.test import Client
from django.urls import reverse

from cases import filing
from cases.models import CaseState
from core.models import Notification
from core.notifications import clear_dealt_with, notify
from organisation.models import Role
from tests.support.factories.cases import CaseFactory
from tests.support.personas import officer
from tests.support.units import WUHOU

pytestmark = pytest.mark.django_db

REASONS = "经审查，有诈骗犯罪事实，需要追究刑事责任，且属于本局管辖。"


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Deliver the outbox's notifications eagerly (tests/support/fixtures.py)."""


def test_the_filing_request_is_dealt_with_for_every_head_once_one_approves_mps_2020_art_178(
    django_capture_on_commit_callbacks,
):
    investigator = officer(WUHOU)
    heads = [officer(WUHOU, Role.UNIT_HEAD), officer(WUHOU, Role.UNIT_HEAD)]
    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=investigator.memberships.get().unit)
    with django_capture_on_commit_callbacks(execute=True):
        filing.filing_request(case=case, by=investigator, reasons=REASONS)
    asked = Notification.objects.filter(user__in=heads, asks=True)
    assert asked.count() == 2 and all(row.read_at is None for row in asked)

    with django_capture_on_commit_callbacks(execute=True):
        filing.filing_approve(case=case, by=heads[0])

    for row in Notification.objects.filter(user__in=heads, asks=True):
        assert row.read_at is not None and row.dealt_at is not None, row.user_id
    assert not Notification.objects.filter(user__in=heads).unread().exists()
    # "The case is filed" tells the investigator; it asks nothing and stays to be read.
    told = Notification.objects.get(user=investigator, key__startswith=f"cases:{case.pk}:filed")
    assert told.asks is False and told.read_at is None


def test_a_notification_that_only_tells_is_left_unread_by_a_step_on_its_object(
    django_capture_on_commit_callbacks,
):
    reader = officer(WUHOU)
    case = CaseFactory(state=CaseState.REGISTERED)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[reader], key="told", subject="告知", about=case)
        notify(users=[reader], key="asked", subject="请办理", about=case, asks=True)
        notify(users=[reader], key="asked-elsewhere", subject="请办理", about=CaseFactory(), asks=True)
    assert clear_dealt_with(case) == 1
    rows = {row.key: row for row in Notification.objects.filter(user=reader)}
    assert rows["asked"].dealt_at is not None
    assert rows["told"].read_at is None and rows["told"].dealt_at is None
    assert rows["asked-elsewhere"].read_at is None


def test_the_list_and_the_api_say_when_a_notification_was_dealt_with(
    django_capture_on_commit_callbacks, client: Client
):
    reader = officer(WUHOU)
    case = CaseFactory(state=CaseState.REGISTERED)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[reader], key="asked", subject="请办理", about=case, asks=True)
    clear_dealt_with(case)
    client.force_login(reader)
    page = client.get(reverse("organisation:notifications"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已处理" in page
    [row] = client.get("/api/v1/notifications/").json()["results"]
    assert row["dealt_at"] is not None and row["is_read"] is True
