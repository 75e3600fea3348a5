"""Rotation of the duty (轮值) among a series' members, the host it proposes, and the handover.

DOMAIN.md §5 [S]: regional joint meetings are hosted in turn by a rotating duty province, handed
over at the meeting (the north-west zone: Qinghai to Ningxia). The real order of the 泛西南 series
was not found, so the order is the members' `rotation_position`, which is data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core import audit
from core.notifications import notify
from core.workflow import timeline_add
from meetings.models import DutyTerm, JointMeeting, MeetingKind, MeetingState, SeriesMember
from meetings.permissions import LIAISON, forget_members
from meetings.selectors import current_members
from organisation.models import Membership, Unit, User


class HostProposal(NamedTuple):
    """The unit proposed to host the next regular meeting, and which rule proposed it."""

    unit: Unit
    reason: str


def next_in_rotation(order: Sequence[tuple[int, str]], current_position: int | None) -> str:
    """Return the unit code after `current_position` in `order`, wrapping round; the first for None.

    `order` is (rotation position, unit code) of the current members. A member that left is simply
    absent, so "after position p" still works when p's holder has left the series.
    """
    ranked = sorted(order)
    if not ranked:
        raise ValueError("A rotation needs at least one current member")
    if current_position is None:
        return ranked[0][1]
    for position, code in ranked:
        if position > current_position:
            return code
    return ranked[0][1]


def _rotation_order(series) -> list[tuple[int, str]]:
    return sorted(current_members(series).values_list("rotation_position", "unit__code"))


def _last_regular_meeting(series) -> JointMeeting | None:
    return (
        JointMeeting.objects.filter(series=series, kind=MeetingKind.REGULAR, start_at__isnull=False)
        .exclude(state__in=[MeetingState.DRAFT, MeetingState.CANCELLED])
        .select_related("host_unit")
        .order_by("-start_at", "-id")
        .first()
    )


def _position_of(series, unit_id: int) -> int | None:
    # Left members keep their row, so a former member's position still places the next host.
    return (
        SeriesMember.objects.filter(series=series, unit_id=unit_id)
        .values_list("rotation_position", flat=True)
        .first()
    )


def series_propose_host(series) -> HostProposal:
    """Propose the host of the next regular meeting, with the rule that chose it.

    The member on duty (the open DutyTerm) hosts; without a term, the member after the host of the
    latest regular meeting held or scheduled; without any meeting, the first in the order.
    """
    order = _rotation_order(series)
    if not order:
        raise ValueError(f"Series {series.pk} has no current member")
    codes = {code for _position, code in order}
    term = (
        DutyTerm.objects.filter(series=series, ended_at__isnull=True).select_related("member__unit").first()
    )
    if term is not None and term.member.unit.code in codes:
        unit = term.member.unit
        reason = _("On duty (轮值): %(unit)s, since %(date)s.") % {
            "unit": unit.name,
            "date": f"{term.started_at:%Y-%m-%d}",
        }
        return HostProposal(unit, reason)
    if term is not None:
        # The member on duty has left the series: the turn passes to the one after it.
        code = next_in_rotation(order, term.member.rotation_position)
        unit = Unit.objects.get(code=code)
        reason = _("Next in the rotation: %(unit)s (%(previous)s, on duty, has left the series).") % {
            "unit": unit.name,
            "previous": term.member.unit.name,
        }
        return HostProposal(unit, reason)
    last = _last_regular_meeting(series)
    if last is not None:
        code = next_in_rotation(order, _position_of(series, last.host_unit_id))
        unit = Unit.objects.get(code=code)
        reason = _("Next in the rotation: %(unit)s (the last meeting was hosted by %(previous)s).") % {
            "unit": unit.name,
            "previous": last.host_unit.name,
        }
        return HostProposal(unit, reason)
    unit = Unit.objects.get(code=order[0][1])
    return HostProposal(unit, _("First in the rotation: %(unit)s.") % {"unit": unit.name})


def duty_open_first(series, *, at: dt.datetime, by=None) -> DutyTerm | None:
    """Open the first duty term of a series (the proposed host) when none is open; idempotent."""
    if DutyTerm.objects.filter(series=series, ended_at__isnull=True).exists():
        return None
    proposal = series_propose_host(series)
    member = SeriesMember.objects.get(series=series, unit=proposal.unit)
    term = DutyTerm.objects.create(series=series, member=member, started_at=at)
    audit.record(
        action="meetings.dutyterm.open",
        actor=by,
        acting_unit_code=proposal.unit.code,
        target=term,
        payload={"series": series.pk, "unit": proposal.unit.code, "reason": proposal.reason},
    )
    return term


@transaction.atomic
def duty_handover(meeting: JointMeeting, *, at: dt.datetime, by=None) -> DutyTerm:
    """Hand the duty over at the close of a regular meeting (DOMAIN.md §5 [S]: "handed over at the meeting").

    The open term ends; the member after the meeting's actual host (not the one on duty: a host
    chosen out of turn moves the rotation on from itself) takes the next term.
    """
    series = meeting.series
    forget_members(series)
    # One open term per series (partial unique constraint); the lock serialises two closes.
    open_terms = list(DutyTerm.objects.select_for_update().filter(series=series, ended_at__isnull=True))
    previous = open_terms[0] if open_terms else None
    if previous is not None:
        previous.ended_at = at
        previous.save(update_fields=["ended_at"])
    code = next_in_rotation(_rotation_order(series), _position_of(series, meeting.host_unit_id))
    member = SeriesMember.objects.select_related("unit").get(series=series, unit__code=code)
    term = DutyTerm.objects.create(series=series, member=member, started_at=at, handed_over_at=meeting)
    payload = {
        "series": series.pk,
        "meeting": meeting.pk,
        "from": previous.member.unit.code if previous is not None else "",
        "to": member.unit.code,
    }
    audit.record(
        action="meetings.dutyterm.handover",
        actor=by,
        acting_unit_code=meeting.host_unit.code,
        target=term,
        payload=payload,
    )
    timeline_add(instance=meeting, actor=by, action="duty_handover", note=member.unit.name, data=payload)
    liaisons = User.objects.filter(
        pk__in=Membership.objects.current().filter(unit=member.unit, role__in=LIAISON).values("user_id")
    )
    notify(
        users=list(liaisons),
        key=f"series:{series.pk}:duty:{term.pk}",
        subject=_("Your unit is now on duty (轮值) for %(series)s"),
        body=_("The duty was handed over at %(meeting)s; your unit hosts the next regular meeting."),
        url=f"/meetings/series/{series.pk}/",
        params={"series": series.name, "meeting": meeting.title},
    )
    return term
