"""The cases inbox provider: drafts to register, registered cases to ask the filing (立案) for, and
requests for filing waiting for the organ head's approval (MPS-2020 art 178), for the right people."""

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
            # Since 立案 is a step of its own (MPS-2020 art 178) a head no longer decides it: the unit
            # asks for it, and the organ's head approves (below).
            ("case.file", str(registered.pk)),
        ]
    )


def test_the_organ_head_sees_the_requests_for_filing_to_approve_mps_2020_art_178(wuhou_investigator):
    from cases import filing

    waiting = CaseFactory(state=CaseState.REGISTERED)
    filing.filing_request(case=waiting, by=wuhou_investigator, reasons="有犯罪事实需要追究刑事责任")
    CaseFactory(state=CaseState.REGISTERED)  # nobody asked yet: not the head's to approve
    unit_head = member("510107", Role.UNIT_HEAD)
    department_head = member("510107", Role.DEPARTMENT_HEAD, department_kind="criminal")

    assert ("case.decide", str(waiting.pk)) in kinds_and_ids(unit_head)
    assert [kind for kind, pk in kinds_and_ids(unit_head) if kind == "case.decide"] == ["case.decide"]
    assert ("case.decide", str(waiting.pk)) not in kinds_and_ids(department_head)


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
        assert len([i for i in inbox_for(head) if i.kind == "case.file"]) == 33
    assert len(many.captured_queries) == len(few.captured_queries)
