"""A request in draft, or sent back by the approver, waits in its drafter's 待办 (issue 20 item 2).

The inbox lists the draft under "draft" or "sent_back" for its drafter alone (not every officer of
the unit who may submit it), complete or not, and the drafter is told once when it comes back.
"""

import pytest

from cases.assistance import services
from core.inbox import inbox_for
from core.models import OutboxMessage
from tests.support.factories.assistance import attach_all, draft_request, walk

pytestmark = pytest.mark.django_db


def _kinds(user, request) -> list[str]:
    return sorted(item.kind for item in inbox_for(user) if item.object_id == str(request.pk))


def _told(user, request) -> list[dict]:
    rows = OutboxMessage.objects.filter(idempotency_key__startswith=f"notify:assistance:{request.pk}:reject:")
    return [row.payload for row in rows if row.payload["user_id"] == user.pk]


def test_a_draft_waits_for_its_drafter_alone_until_submitted(cast):
    request = draft_request(cast.investigator)
    attach_all(cast.investigator, request)
    assert _kinds(cast.investigator, request) == ["assistance_request.draft"]
    # Also while a scan is missing: uploading it is the drafter's work.
    bare = draft_request(cast.investigator)
    assert _kinds(cast.investigator, bare) == ["assistance_request.draft"]
    assert _kinds(cast.department_head, request) == []
    walk(request, cast, "awaiting_approval")
    assert _kinds(cast.investigator, request) == []


def test_a_draft_the_approver_sends_back_waits_for_its_drafter_who_is_told_once(cast):
    request = walk(draft_request(cast.investigator), cast, "awaiting_approval")
    request = services.request_transition(
        by=cast.department_head, request=request, name="reject", reason="请补充银行账号。"
    )
    assert request.state == "draft"
    assert _kinds(cast.investigator, request) == ["assistance_request.sent_back"]
    assert _kinds(cast.department_head, request) == []
    told = _told(cast.investigator, request)
    assert len(told) == 1
    assert told[0]["params"]["number"] == request.number
    assert "sent back" in told[0]["subject"]
    # Submitted again, it leaves the drafter's 待办.
    walk(request, cast, "awaiting_approval")
    assert _kinds(cast.investigator, request) == []
