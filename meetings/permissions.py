"""Who may take each step of a joint meeting: callables `(object, user) -> bool`.

The roles and units come from the meeting (host, organiser and chair units), its series (the member
units and the member on duty) or the action item (owner unit). An acting (代理) head holds the
UNIT_HEAD role for its dates, so it may do what the head may. Visibility is not checked here: a
caller who cannot see the meeting gets 404 first.
"""

from django.utils import timezone

from organisation.models import Role
from organisation.standing import user_standing

LIAISON = frozenset({Role.LIAISON_OFFICER})
HEADS = frozenset({Role.UNIT_HEAD})
SESSION_RUNNERS = frozenset({Role.LIAISON_OFFICER, Role.UNIT_HEAD})
ACTION_OWNERS = frozenset({Role.UNIT_HEAD, Role.DEPARTMENT_HEAD, Role.LIAISON_OFFICER, Role.INTAKE_OFFICER})

_MEMBERS_ATTRIBUTE = "_current_member_units"
# MeetingState.DRAFT (the models import this module).
DRAFT = "draft"


def current_member_units(series) -> dict[int, str]:
    """Return {unit id: unit path} of the series' current members, read once per series object."""
    cached = getattr(series, _MEMBERS_ATTRIBUTE, None)
    if cached is None:
        today = timezone.localdate()
        rows = series.members.filter(joined_on__lte=today).exclude(left_on__lte=today)
        cached = dict(rows.values_list("unit_id", "unit_path"))
        setattr(series, _MEMBERS_ATTRIBUTE, cached)
    return cached


def forget_members(series) -> None:
    if hasattr(series, _MEMBERS_ATTRIBUTE):
        delattr(series, _MEMBERS_ATTRIBUTE)


def duty_unit_id(series) -> int | None:
    """Return the unit id of the member on duty (轮值) now, or None before the first term."""
    term = series.duty_terms.filter(ended_at__isnull=True).select_related("member").first()
    return term.member.unit_id if term is not None else None


def may_organise_series(series, user) -> bool:
    """Allow a liaison officer of the chair unit, of the member on duty, or of any current member."""
    standing = user_standing(user)
    units = {series.chair_unit_id, duty_unit_id(series), *current_member_units(series)}
    return any(standing.holds(unit_id, LIAISON) for unit_id in units)


def may_organise(meeting, user) -> bool:
    """Allow a liaison officer of the host, organising or chair unit, or of the member on duty.

    A draft is the host's and the organiser's alone (only they see it, meetings.selectors): their
    liaison officers organise it until it is scheduled.
    """
    standing = user_standing(user)
    if meeting.state == DRAFT:
        return any(
            standing.holds(unit_id, LIAISON) for unit_id in (meeting.host_unit_id, meeting.organiser_unit_id)
        )
    units = (meeting.host_unit_id, meeting.organiser_unit_id, meeting.effective_chair_unit_id)
    if any(standing.holds(unit_id, LIAISON) for unit_id in units):
        return True
    return standing.holds(duty_unit_id(meeting.series), LIAISON)


def may_run_session(meeting, user) -> bool:
    """Allow the host's liaison officer or head, or the head of the chair unit."""
    standing = user_standing(user)
    return standing.holds(meeting.host_unit_id, SESSION_RUNNERS) or standing.holds(
        meeting.effective_chair_unit_id, HEADS
    )


def may_draft_minutes(meeting, user) -> bool:
    """Allow a liaison officer of the host unit: the issue has the host's liaison draft the 纪要."""
    return user_standing(user).holds(meeting.host_unit_id, LIAISON)


def may_draft_minutes_of(minutes, user) -> bool:
    return may_draft_minutes(minutes.meeting, user)


def signing_units(series, user) -> list[int]:
    """Return the current member units in which the user holds a role that signs for the series."""
    standing = user_standing(user)
    roles = frozenset(series.signatory_roles or [Role.UNIT_HEAD])
    return [unit_id for unit_id in current_member_units(series) if standing.holds(unit_id, roles)]


def may_sign_meeting(meeting, user) -> bool:
    """Allow a signatory (the series' signatory roles) of a current member unit."""
    return bool(signing_units(meeting.series, user))


def may_sign(minutes, user) -> bool:
    return may_sign_meeting(minutes.meeting, user)


def may_issue_meeting_minutes(meeting, user) -> bool:
    """Allow the head (or acting head) of the host unit, who issues (签发) the 纪要."""
    return user_standing(user).holds(meeting.host_unit_id, HEADS)


def may_issue_minutes(minutes, user) -> bool:
    return may_issue_meeting_minutes(minutes.meeting, user)


def may_complete_action(item, user) -> bool:
    """Allow the head, a department head, liaison or intake officer of the owner unit."""
    return user_standing(user).holds(item.owner_unit_id, ACTION_OWNERS)


def may_withdraw_action(item, user) -> bool:
    """Allow the head of the meeting's host unit."""
    return user_standing(user).holds(item.meeting.host_unit_id, HEADS)


def may_repeal_normative(entry, user) -> bool:
    """Allow the head of a current member of the series (the host head issues the 纪要 that repeals it)."""
    standing = user_standing(user)
    return any(standing.holds(unit_id, HEADS) for unit_id in current_member_units(entry.series))
