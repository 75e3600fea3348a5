"""Who hears of a deadline at each escalation level: the organisation's resolver behind core's scan.

The scenario of issue 3: Wuhou (510107) asks Guiyang (520100) for an identity check; the 7-day
clock runs from receipt on Monday 2 March 2026 at 10:00 and ends at 24:00 on 9 March.
"""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from core import deadline_rows
from core.deadline_rows import deadline_reassign, deadline_scan, deadline_start, escalation_times
from core.deadlines import SHANGHAI
from core.models import AuditEvent, Deadline, Notification
from organisation import escalation
from organisation.models import Membership, Role
from tests.support.factories.organisation import member

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Run tasks eagerly here, the outbox out of back-off (tests/support/fixtures.py)."""


def person(code, role, username, **extra):
    user = member(code, role, username=username, **extra)
    user.email = f"{username}@example.cn"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def guiyang(db):
    """Guiyang's intake and heads, the heads above both units, and people who must hear nothing."""
    today = timezone.localdate()
    people = {
        "intake": person("520100", Role.INTAKE_OFFICER, "gy_intake", department_kind="command"),
        "criminal_head": person(
            "520100", Role.DEPARTMENT_HEAD, "gy_criminal_head", department_kind="criminal"
        ),
        "economic_head": person(
            "520100", Role.DEPARTMENT_HEAD, "gy_economic_head", department_kind="economic"
        ),
        "investigator": person("520100", Role.INVESTIGATOR, "gy_investigator", department_kind="criminal"),
        "head": person("520100", Role.UNIT_HEAD, "gy_head"),
        "ministry_head": person("000000", Role.UNIT_HEAD, "ministry_head"),
        "guizhou_head": person("520000", Role.UNIT_HEAD, "guizhou_head"),
        "sichuan_head": person("510000", Role.UNIT_HEAD, "sichuan_head"),
        "chengdu_head": person("510100", Role.UNIT_HEAD, "chengdu_head"),
        "wuhou_head": person("510107", Role.UNIT_HEAD, "wuhou_head"),
        "former_head": person(
            "520100",
            Role.UNIT_HEAD,
            "gy_former_head",
            valid_from=today - dt.timedelta(days=400),
            valid_to=today - dt.timedelta(days=1),
        ),
    }
    people["acting_head"] = person(
        "520100",
        Role.UNIT_HEAD,
        "gy_acting_head",
        is_acting=True,
        valid_to=today + dt.timedelta(days=14),
        acting_for=people["head"],
    )
    return people


def identity_check(responsible="520100", requester="510107", **extra):
    return deadline_start(
        target=("cases.assistancerequest", "41"),
        rule_key="identity_check",
        start=START,
        responsible_unit_code=responsible,
        requester_unit_code=requester,
        **extra,
    )


def names(users):
    return sorted(user.username for user in users)


def test_the_resolver_is_registered_by_the_organisation_app():
    assert escalation.deadline_recipients in deadline_rows._resolvers.values()
    assert escalation.unit_names in deadline_rows._unit_namers.values()


def test_overdue_check_is_reminded_then_escalated_to_the_unit_head_then_the_ministry(
    guiyang, django_capture_on_commit_callbacks
):
    deadline = identity_check()
    assert deadline.due_at == dt.datetime(2026, 3, 10, tzinfo=SHANGHAI)
    times = escalation_times(deadline)
    expected = {
        1: ["gy_criminal_head", "gy_economic_head", "gy_intake"],
        2: ["gy_criminal_head", "gy_economic_head", "gy_intake"],
        3: ["gy_acting_head", "gy_head"],
        4: ["ministry_head"],
    }

    for level, usernames in expected.items():
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert deadline_scan(now=times[level]) == 1
            assert deadline_scan(now=times[level]) == 0
        key = f"deadline:{deadline.pk}:level:{level}"
        told = Notification.objects.filter(key=key)
        assert names(n.user for n in told) == usernames, level
        assert sorted(address for email in mail.outbox for address in email.to) == [
            f"{username}@example.cn" for username in usernames
        ]
        event = AuditEvent.objects.filter(action="deadline.escalated").last()
        assert event.payload["level"] == level
        assert sorted(event.payload["recipients"]) == sorted(n.user_id for n in told)

    assert Deadline.objects.get().escalation_level == 4
    assert AuditEvent.objects.filter(action="deadline.escalated").count() == 4
    # Messages name the units, not their codes.
    last = Notification.objects.get(key=f"deadline:{deadline.pk}:level:4")
    assert "贵阳市公安局" in last.body and "成都市公安局武侯区分局" in last.body
    assert "2026-03-09 24:00" in last.body


def test_an_assignee_alone_hears_of_levels_1_and_2(guiyang):
    deadline = identity_check(assignee=guiyang["investigator"])

    assert names(escalation.deadline_recipients(deadline, 1)) == ["gy_investigator"]
    assert names(escalation.deadline_recipients(deadline, 2)) == ["gy_investigator"]
    assert names(escalation.deadline_recipients(deadline, 3)) == ["gy_acting_head", "gy_head"]

    guiyang["investigator"].is_active = False
    guiyang["investigator"].save()
    deadline.refresh_from_db()
    assert names(escalation.deadline_recipients(deadline, 2)) == [
        "gy_criminal_head",
        "gy_economic_head",
        "gy_intake",
    ]


def test_once_routed_the_departments_heads_hear_rather_than_the_intake(guiyang):
    deadline = deadline_reassign(deadline=identity_check(), responsible_department_kind="criminal")

    assert names(escalation.deadline_recipients(deadline, 2)) == ["gy_criminal_head"]

    # A department with no head: the unit's intake and department heads, rather than nobody.
    deadline = deadline_reassign(deadline=deadline, responsible_department_kind="narcotics")
    assert names(escalation.deadline_recipients(deadline, 2)) == [
        "gy_criminal_head",
        "gy_economic_head",
        "gy_intake",
    ]


@pytest.mark.parametrize(
    ("responsible", "requester", "superior_code", "heads"),
    [
        ("520100", "510107", "000000", ["ministry_head"]),  # Guiyang and Chengdu: the ministry
        ("510700", "510107", "510000", ["sichuan_head"]),  # Mianyang and Chengdu: Sichuan
        ("510107", "", "510100", ["chengdu_head"]),  # an internal deadline: the unit above
        ("510100", "510107", "510000", ["sichuan_head"]),  # a request from its own subtree
        ("510107", "510107", "510100", ["chengdu_head"]),
    ],
)
def test_level_4_goes_to_the_common_superior(guiyang, responsible, requester, superior_code, heads):
    deadline = identity_check(responsible=responsible, requester=requester)

    assert escalation.superior_unit(deadline).code == superior_code
    assert names(escalation.deadline_recipients(deadline, 4)) == heads


def test_expired_and_other_units_memberships_never_count(guiyang):
    deadline = identity_check()
    everyone = set()
    for level in (1, 2, 3, 4):
        everyone |= set(names(escalation.deadline_recipients(deadline, level)))

    assert "gy_former_head" not in everyone
    assert "gy_investigator" not in everyone
    assert not everyone & {"guizhou_head", "sichuan_head", "chengdu_head", "wuhou_head"}


def test_a_unit_without_a_head_is_escalated_with_nobody_told_but_recorded(guiyang, caplog):
    Membership.objects.filter(unit__code="520100", role=Role.UNIT_HEAD).delete()
    deadline = identity_check()

    deadline_scan(now=escalation_times(deadline)[3])

    event = AuditEvent.objects.filter(action="deadline.escalated").last()
    assert (event.payload["level"], event.payload["recipients"]) == (3, [])
    assert "nobody could be found" in caplog.text
    assert Deadline.objects.get().escalation_level == 3
