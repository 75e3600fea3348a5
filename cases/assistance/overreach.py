"""An act of the cooperating unit beyond the request, on the record (MPS-2020 art 355).

Art 355: the requesting unit bears the legal liability for what the cooperating unit does at its
request; for an act beyond the request that leads to an error in law enforcement, the cooperating
unit bears it. The system cannot tell an act beyond the request by itself: an officer of either
side (or of the superior the request was referred to) records it — who at the cooperating unit did
what, and when — as an event of the request (audited, on its timeline), so the liability can later
be placed where the article puts it. No state changes: the request's work goes on.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.assistance import permissions as perms
from cases.assistance.models import AssistanceRequest
from core import audit
from core.exceptions import Conflict, Invalid, NotAllowed
from core.models import TimelineEntry
from core.workflow import timeline_add
from organisation.models import Role

OVERREACH_ACTION = "overreach"
AUDIT_ACTION = "assistance.request.overreach"
# The request must have reached the cooperating unit: before it is sent nobody acts on it.
NOT_YET_SENT = frozenset({"draft", "awaiting_approval", "approved"})


def _recording_unit_id(request: AssistanceRequest, user) -> int | None:
    """Return the unit the user records for: the requester, the cooperating unit or the superior."""
    if perms.holds(user, request.requesting_unit_id, *perms.REQUESTER_ROLES, Role.LEGAL_OFFICER):
        return request.requesting_unit_id
    if perms.holds(user, request.requested_unit_id, Role.DEPARTMENT_HEAD, Role.UNIT_HEAD, Role.LEGAL_OFFICER):
        return request.requested_unit_id
    if request.referred_to_id is not None and perms.holds(user, request.referred_to_id, *perms.SENIOR_ROLES):
        return request.referred_to_id
    return None


def may_record_overreach(request: AssistanceRequest, user) -> bool:
    return request.state not in NOT_YET_SENT and _recording_unit_id(request, user) is not None


def overreach_refusal(request: AssistanceRequest, user) -> int:
    """Refuse as overreach_record would before its input is read; return the unit the user records for.

    Conflict before the request is sent (nobody acts on it yet); NotAllowed to anyone but the
    officers of either side or of the superior the request was referred to.
    """
    if request.state in NOT_YET_SENT:
        raise Conflict(current_state=request.state)
    unit_id = _recording_unit_id(request, user)
    if unit_id is None:
        raise NotAllowed
    return unit_id


@transaction.atomic
def overreach_record(
    *,
    request: AssistanceRequest,
    by,
    officer: str,
    act: str,
    acted_on: dt.date | None = None,
) -> TimelineEntry:
    """Record that the cooperating unit acted beyond the request: who did what, and when (art 355).

    Conflict before the request is sent; NotAllowed to anyone but the officers of either side or of
    the superior it was referred to; Invalid naming the field when the officer or the act is missing
    or the date lies in the future.
    """
    request = (
        AssistanceRequest.objects.select_for_update(of=("self",))
        .select_related("requesting_unit", "requested_unit")
        .get(pk=request.pk)
    )
    unit_id = overreach_refusal(request, by)
    officer = (officer or "").strip()
    act = (act or "").strip()
    errors: dict[str, list] = {}
    if not officer:
        errors["officer"] = [
            _("Name the officer of the cooperating unit who acted beyond the request (MPS-2020 art 355).")
        ]
    if not act:
        errors["act"] = [_("Say what was done beyond the request (MPS-2020 art 355).")]
    if acted_on is not None and acted_on > timezone.localdate():
        errors["acted_on"] = [_("The act cannot lie in the future.")]
    if errors:
        raise Invalid(errors)
    unit_code = {
        request.requesting_unit_id: request.requesting_unit.code,
        request.requested_unit_id: request.requested_unit.code,
    }.get(unit_id) or str(request.referred_to.code)
    data = {
        "cooperating_unit": request.requested_unit.code,
        "officer": officer[:100],
        "act": act[:2000],
        "acted_on": acted_on.isoformat() if acted_on else "",
        "citation": "MPS-2020 art 355",
    }
    audit.record(action=AUDIT_ACTION, actor=by, acting_unit_code=unit_code, target=request, payload=data)
    return timeline_add(
        instance=request,
        actor=by,
        acting_unit_code=unit_code,
        action=OVERREACH_ACTION,
        note=f"{request.requested_unit.name}{data['officer']}：{data['act']}",
        data=data,
    )
