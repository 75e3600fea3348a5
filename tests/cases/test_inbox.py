"""The cases inbox provider: drafts to register and registered cases to decide on, for the right people."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import CaseState
from core.inbox import inbox_for
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import member

pytestmark = pytest.mark.django_db


def kinds_and_ids(user):
    return sorted((item.kind, item.object_id) for item in inbox_for(user) if item.kind.startswith("case."))


def test_investigator_sees_own_drafts_and_head_sees_the_units_drafts_and_decisions(wuhou_investigator):
    own = CaseFactory(state=CaseState.DRAFT, created_by=wuhou_investigator)
    colleague = member("510107", Role.INVESTIGATOR)
    other_draft = CaseFactory(state=CaseState.DRAFT, created_by=colleague)
    registered = CaseFactory(state=CaseState.REGISTERED)
    CaseFactory(state=CaseState.UNDER_INVESTIGATION)  # nothing waits on it here
    head = member("510107", Role.DEPARTMENT_HEAD, department_kind="criminal")

    assert kinds_and_ids(wuhou_investigator) == [("case.register", str(own.pk))]
    assert kinds_and_ids(head) == sorted(
        [
            ("case.register", str(own.pk)),
            ("case.register", str(other_draft.pk)),
            ("case.decide", str(registered.pk)),
        ]
    )


def test_other_units_and_roles_without_a_part_see_nothing(qinghai_investigator, auditor, system_admin):
    CaseFactory(state=CaseState.DRAFT)
    CaseFactory(state=CaseState.REGISTERED)
    chengdu_head = member("510100", Role.DEPARTMENT_HEAD)  # a superior decides nothing on a branch's case
    for user in (qinghai_investigator, auditor, system_admin, chengdu_head):
        assert kinds_and_ids(user) == []


def test_items_link_to_the_case_page(wuhou_investigator):
    case = CaseFactory(state=CaseState.DRAFT, created_by=wuhou_investigator, accepting_unit=unit("510107"))
    (item,) = [item for item in inbox_for(wuhou_investigator) if item.kind == "case.register"]
    assert item.url == f"/cases/{case.pk}/"
    assert case.name in item.title


def test_query_count_does_not_grow_with_items(wuhou_investigator):
    head = member("510107", Role.DEPARTMENT_HEAD, department_kind="criminal")
    CaseFactory.create_batch(3, state=CaseState.REGISTERED)
    inbox_for(head)  # the user's standing is read once and kept for the request
    with CaptureQueriesContext(connection) as few:
        inbox_for(head)
    CaseFactory.create_batch(30, state=CaseState.REGISTERED)
    with CaptureQueriesContext(connection) as many:
        assert len([i for i in inbox_for(head) if i.kind == "case.decide"]) == 33
    assert len(many.captured_queries) == len(few.captured_queries)
