"""Legal deadlines as database rows: start, pause, resume, meet, cancel, and the escalation scan.

core.deadlines computes; this module keeps the clocks (core.models.Deadline) and escalates what
runs late. The scan (`deadline_scan`, a periodic job run by Celery beat and the demo ticker, never
a Celery ETA) steps each running deadline through the escalation levels as time passes:

    level 1  "due soon": when 20% of the period is left, but never more than 7 days before
             (settings DEADLINE_REMINDER_FRACTION, DEADLINE_REMINDER_MAX_HOURS) → the assignee,
             or without one the responsible unit's intake officers and department heads;
    level 2  at the deadline: overdue notice → the same people;
    level 3  one working day after the deadline's last day → the responsible unit's head(s);
    level 4  two working days after it → the head(s) of the common superior of the requesting and
             the responsible units.

A custody deadline (a person is held) and one counted in hours escalate in hours instead: the
unit head 2 hours after the deadline, the common superior 4 hours after. A scan that finds a
deadline already overdue skips the "due soon" reminder; every later level whose time has come is
sent. Each level is sent once: the row lock (skip_locked, so concurrent scans share the work), the
stored level and the notification key f"deadline:{id}:level:{n}" each make sure of it.

core does not know units or people: the organisation app registers the recipient resolver and
the unit namer; the app that owns a target registers a describer for its title and page.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _

from core import audit, holidays, periodic
from core.deadlines import (
    DEFAULT_RULES,
    SYSTEM_DEFAULT,
    HolidayCalendar,
    Period,
    RuleBook,
    Unit,
    Urgency,
    format_due,
    working_days_after,
)
from core.models import OPEN_DEADLINE_STATES, Deadline, DeadlineKind, DeadlineState, EscalationLevel
from core.notifications import message_id, notify
from core.registry import Registry
from core.workflow import timeline_add_for

logger = logging.getLogger(__name__)
# Years without holiday data a deadline was already computed in (and logged) by this process.
_years_warned: set[int] = set()

SCAN_JOB = "core.deadline_scan"
TIMELINE_ACTION = "deadline_escalated"
AUDIT_ACTION = "deadline.escalated"

# Hours after the deadline at which custody and hour-counted deadlines reach levels 3 and 4.
HOURS_TO_UNIT_HEAD = 2
HOURS_TO_COMMON_SUPERIOR = 4

# Callers may say "normal" for the ordinary urgency (普通).
_URGENCY_ALIASES = {"normal": Urgency.ORDINARY}


# --- registries filled by the apps above ---------------------------------------------------------

RecipientResolver = Callable[[Deadline, int], Iterable[Any]]
UnitNamer = Callable[[Iterable[str]], dict[str, str]]


@dataclass(frozen=True)
class TargetDescription:
    title: str
    url: str = ""


TargetDescriber = Callable[[Deadline], TargetDescription]

_resolvers: Registry[str, RecipientResolver] = Registry("deadline recipient resolvers")
_unit_namers: Registry[str, UnitNamer] = Registry("deadline unit namers")
_describers: Registry[str, TargetDescriber] = Registry("deadline target describers")


def register_recipient_resolver(func: RecipientResolver) -> RecipientResolver:
    """Register `func(deadline, level) -> users` that names who hears of a deadline at a level."""
    return _resolvers.add_function(func)


def register_unit_namer(func: UnitNamer) -> UnitNamer:
    """Register `func(codes) -> {code: name}` so messages name units rather than codes."""
    return _unit_namers.add_function(func)


def register_target_describer(target_type: str, func: TargetDescriber) -> TargetDescriber:
    """Register `func(deadline) -> TargetDescription` for deadlines on objects of one type ("app.model")."""
    return _describers.add(target_type, func)


def recipients_for(deadline: Deadline, level: int) -> list:
    """Return the users to notify of a deadline at an escalation level, each once, by id."""
    users: dict[Any, Any] = {}
    for resolver in _resolvers.values():
        for user in resolver(deadline, level):
            if user is not None and user.pk is not None:
                users.setdefault(user.pk, user)
    if not _resolvers:
        logger.warning(
            "No deadline recipient resolver is registered; nobody hears of deadline %s", deadline.pk
        )
    return [users[pk] for pk in sorted(users)]


def unit_names(codes: Iterable[str]) -> dict[str, str]:
    codes = [code for code in codes if code]
    names = {code: code for code in codes}
    for namer in _unit_namers.values():
        names.update(namer(codes))
    return names


def describe_target(deadline: Deadline) -> TargetDescription:
    describer = _describers.get(deadline.target_type)
    if describer is not None:
        return describer(deadline)
    return TargetDescription(title=f"{deadline.target_type} #{deadline.target_id}")


# --- rules and targets ---------------------------------------------------------------------------


def rulebook() -> RuleBook:
    """Return the default rules with the changes configured in settings.DEADLINE_RULES."""
    overrides = getattr(settings, "DEADLINE_RULES", None) or {}
    return DEFAULT_RULES.with_overrides(overrides) if overrides else DEFAULT_RULES


def target_parts(target: Any) -> tuple[str, str]:
    """Return ("app_label.model_name", "pk") for a model instance, or a (type, id) pair as given."""
    if isinstance(target, tuple | list):
        target_type, target_id = target
        return str(target_type), str(target_id)
    meta = target._meta
    return f"{meta.app_label}.{meta.model_name}", str(target.pk)


# --- escalation schedule -------------------------------------------------------------------------


def _counted_in_hours(deadline: Deadline) -> bool:
    if deadline.kind == DeadlineKind.CUSTODY:
        return True
    try:
        return Period.parse(deadline.period).unit is Unit.HOURS
    except ValueError:
        return False


def reminder_lead(deadline: Deadline) -> dt.timedelta:
    """Return how long before the deadline the "due soon" reminder goes out."""
    fraction = float(getattr(settings, "DEADLINE_REMINDER_FRACTION", 0.2))
    cap = dt.timedelta(hours=float(getattr(settings, "DEADLINE_REMINDER_MAX_HOURS", 7 * 24)))
    # The period as set: a pause moved due_at on without lengthening it.
    period = deadline.due_at - deadline.started_at - dt.timedelta(seconds=deadline.paused_seconds)
    return max(min(period * fraction, cap), dt.timedelta(0))


def escalation_times(
    deadline: Deadline, *, calendar: HolidayCalendar | None = None
) -> dict[int, dt.datetime]:
    """Return when each escalation level falls due for this deadline (see the module docstring)."""
    due_at = deadline.due_at
    if _counted_in_hours(deadline):
        unit_head = due_at + dt.timedelta(hours=HOURS_TO_UNIT_HEAD)
        superior = due_at + dt.timedelta(hours=HOURS_TO_COMMON_SUPERIOR)
    else:
        calendar = calendar or holidays.calendar()
        unit_head = working_days_after(due_at, 1, calendar=calendar)
        superior = working_days_after(due_at, 2, calendar=calendar)
    return {
        EscalationLevel.REMINDED: due_at - reminder_lead(deadline),
        EscalationLevel.OVERDUE: due_at,
        EscalationLevel.UNIT_HEAD: unit_head,
        EscalationLevel.COMMON_SUPERIOR: superior,
    }


def _next_escalation_at(deadline: Deadline, calendar: HolidayCalendar | None = None) -> dt.datetime | None:
    if deadline.escalation_level >= EscalationLevel.COMMON_SUPERIOR:
        return None
    return escalation_times(deadline, calendar=calendar)[deadline.escalation_level + 1]


# --- services ------------------------------------------------------------------------------------


def deadline_build(
    *,
    target: Any,
    rule_key: str,
    start: dt.datetime,
    responsible_unit_code: str,
    requester_unit_code: str = "",
    assignee=None,
    responsible_department_kind: str = "",
    remote: bool = False,
    urgency: Urgency | str = Urgency.ORDINARY,
    rules: RuleBook | None = None,
    label: str | None = None,
    calendar: HolidayCalendar | None = None,
) -> Deadline:
    """Return the unsaved running Deadline of rule `rule_key` on `target` started at `start`.

    What deadline_start saves; bulk writers (bench/generate.py) use it to write the same rows.
    """
    target_type, target_id = target_parts(target)
    book = rules if rules is not None else rulebook()
    try:
        rule = book[rule_key]
    except KeyError:
        raise ValueError(f"No deadline rule {rule_key!r}; known: {', '.join(sorted(book))}") from None
    urgency = _URGENCY_ALIASES.get(urgency, urgency)
    calendar = calendar if calendar is not None else holidays.calendar()
    period = rule.period_for(urgency=urgency, remote=remote)
    computed = rule.compute_due(start, urgency=urgency, remote=remote, calendar=calendar)
    unwarned = calendar.fallback_years_used - _years_warned
    if unwarned:
        # Once per year and process: from December on nearly every deadline reaches into a year
        # without holiday data, and the system check keeps saying so.
        _years_warned.update(unwarned)
        logger.warning(
            "Deadline %s on %s:%s computed with weekends only for %s: add HolidayOverride rows",
            rule_key,
            target_type,
            target_id,
            ", ".join(str(year) for year in sorted(unwarned)),
        )
    deadline = Deadline(
        target_type=target_type,
        target_id=target_id,
        rule_key=rule_key,
        label=message_id(label if label is not None else rule.label)[:200],
        # Empty for a system default (no article sets the period that applies): shown as such.
        citation=rule.citation_for(urgency=urgency, remote=remote)[:200],
        period=str(period),
        kind=rule.kind.value,
        started_at=start,
        due_at=computed.at,
        responsible_unit_code=responsible_unit_code,
        responsible_department_kind=responsible_department_kind,
        requester_unit_code=requester_unit_code,
        assignee=assignee,
    )
    deadline.next_escalation_at = _next_escalation_at(deadline, calendar)
    return deadline


@transaction.atomic
def deadline_start(
    *,
    target: Any,
    rule_key: str,
    start: dt.datetime,
    responsible_unit_code: str,
    requester_unit_code: str = "",
    assignee=None,
    responsible_department_kind: str = "",
    remote: bool = False,
    urgency: Urgency | str = Urgency.ORDINARY,
    rules: RuleBook | None = None,
    label: str | None = None,
) -> Deadline:
    """Start the clock of rule `rule_key` on `target` (a model instance or a (type, id) pair).

    The deadline is computed from `start` (usually receipt) with the rule's period for this urgency
    and remoteness and the holiday calendar with its overrides. While a clock of this rule runs (or
    stands paused) on the target, starting it again returns that one unchanged.
    """
    target_type, target_id = target_parts(target)
    existing = deadline_open(target=(target_type, target_id), rule_key=rule_key)
    if existing is not None:
        return existing
    deadline = deadline_build(
        target=(target_type, target_id),
        rule_key=rule_key,
        start=start,
        responsible_unit_code=responsible_unit_code,
        requester_unit_code=requester_unit_code,
        assignee=assignee,
        responsible_department_kind=responsible_department_kind,
        remote=remote,
        urgency=urgency,
        rules=rules,
        label=label,
    )
    try:
        with transaction.atomic():
            deadline.save(force_insert=True)
    except IntegrityError:
        # Started concurrently by someone else: the partial unique constraint let one through.
        existing = deadline_open(target=(target_type, target_id), rule_key=rule_key)
        if existing is None:
            raise
        return existing
    return deadline


def _locked(deadline: Deadline) -> Deadline:
    return Deadline.objects.select_for_update().get(pk=deadline.pk)


def _now(at: dt.datetime | None) -> dt.datetime:
    return at if at is not None else timezone.now()


@transaction.atomic
def deadline_pause(*, deadline: Deadline, at: dt.datetime | None = None) -> Deadline:
    """Stop the clock (clarification requested); pausing a paused clock changes nothing."""
    row = _locked(deadline)
    if row.state == DeadlineState.PAUSED:
        return row
    if row.state != DeadlineState.RUNNING:
        raise ValueError(f"Deadline {row.pk} is {row.state}; only a running clock can pause")
    row.state = DeadlineState.PAUSED
    row.paused_at = _now(at)
    row.save(update_fields=["state", "paused_at"])
    return row


@transaction.atomic
def deadline_resume(*, deadline: Deadline, at: dt.datetime | None = None) -> Deadline:
    """Restart a paused clock; the deadline moves on by the whole seconds it stood still."""
    row = _locked(deadline)
    if row.state == DeadlineState.RUNNING:
        return row
    if row.state != DeadlineState.PAUSED:
        raise ValueError(f"Deadline {row.pk} is {row.state}; only a paused clock can resume")
    stood = max(int((_now(at) - row.paused_at).total_seconds()), 0)
    row.due_at += dt.timedelta(seconds=stood)
    row.paused_seconds += stood
    row.state = DeadlineState.RUNNING
    row.paused_at = None
    row.next_escalation_at = _next_escalation_at(row)
    row.save(update_fields=["state", "paused_at", "due_at", "paused_seconds", "next_escalation_at"])
    return row


def _close(deadline: Deadline, state: str, field: str, at: dt.datetime | None) -> Deadline:
    row = _locked(deadline)
    if row.state == state:
        return row
    if row.state not in OPEN_DEADLINE_STATES:
        raise ValueError(f"Deadline {row.pk} is already {row.state}")
    row.state = state
    setattr(row, field, _now(at))
    row.paused_at = None
    row.next_escalation_at = None
    row.save(update_fields=["state", field, "paused_at", "next_escalation_at"])
    return row


@transaction.atomic
def deadline_meet(*, deadline: Deadline, at: dt.datetime | None = None) -> Deadline:
    """Record that the work was done: the clock stops for good and nobody is reminded any more."""
    return _close(deadline, DeadlineState.MET, "met_at", at)


@transaction.atomic
def deadline_cancel(*, deadline: Deadline, at: dt.datetime | None = None) -> Deadline:
    """Drop the clock (request withdrawn or returned, case transferred …)."""
    return _close(deadline, DeadlineState.CANCELLED, "cancelled_at", at)


_UNSET: Any = object()


@transaction.atomic
def deadline_reassign(
    *,
    deadline: Deadline,
    assignee=_UNSET,
    responsible_unit_code: str | None = None,
    responsible_department_kind: str | None = None,
) -> Deadline:
    """Change who answers for an open deadline: the assignee (None: nobody yet), unit or department.

    Escalation levels already reached stay reached: the new assignee hears of the next level.
    """
    row = _locked(deadline)
    if row.state not in OPEN_DEADLINE_STATES:
        raise ValueError(f"Deadline {row.pk} is {row.state}; only an open one can be reassigned")
    fields = []
    if assignee is not _UNSET:
        row.assignee = assignee
        fields.append("assignee")
    if responsible_unit_code is not None:
        row.responsible_unit_code = responsible_unit_code
        fields.append("responsible_unit_code")
    if responsible_department_kind is not None:
        row.responsible_department_kind = responsible_department_kind
        fields.append("responsible_department_kind")
    if fields:
        row.save(update_fields=fields)
    return row


# --- selectors and display -----------------------------------------------------------------------


def deadlines_for(target: Any) -> models.QuerySet[Deadline]:
    """Return every deadline of a target (open and closed), soonest first."""
    target_type, target_id = target_parts(target)
    return Deadline.objects.filter(target_type=target_type, target_id=target_id).order_by("due_at", "id")


def deadline_open(*, target: Any, rule_key: str) -> Deadline | None:
    """Return the running or paused deadline of a rule on a target, if there is one."""
    return deadlines_for(target).filter(rule_key=rule_key, state__in=OPEN_DEADLINE_STATES).first()


def deadlines_overdue(now: dt.datetime | None = None) -> models.QuerySet[Deadline]:
    return Deadline.objects.filter(state=DeadlineState.RUNNING, due_at__lte=_now(now)).order_by(
        "due_at", "id"
    )


def label_text(deadline: Deadline) -> str:
    """Return the deadline's label in the active language."""
    return gettext(deadline.label) if deadline.label else ""


def due_text(deadline: Deadline) -> str:
    """Return the deadline as officers write it, e.g. "2026-03-08 24:00" (Asia/Shanghai)."""
    return format_due(deadline.due_at)


def duration_text(delta: dt.timedelta) -> str:
    """Say a duration in days and hours, or hours and minutes (never weeks: periods count days)."""
    minutes_total = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        ngettext("%(count)d day", "%(count)d days", days) % {"count": days} if days else "",
        ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours} if hours else "",
        ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        if minutes and not days
        else "",
    ]
    parts = [part for part in parts if part][:2]
    if not parts:
        return ngettext("%(count)d minute", "%(count)d minutes", 0) % {"count": 0}
    if len(parts) == 1:
        return parts[0]
    return gettext("%(larger)s %(smaller)s") % {"larger": parts[0], "smaller": parts[1]}


def remaining_text(deadline: Deadline, now: dt.datetime | None = None) -> str:
    """Say in words where the clock stands: time left, overdue by, paused, met or cancelled."""
    now = _now(now)
    if deadline.state == DeadlineState.MET:
        return gettext("Met")
    if deadline.state == DeadlineState.CANCELLED:
        return gettext("Cancelled")
    if deadline.is_paused:
        return gettext("Clock paused for clarification; %(left)s left when it resumes") % {
            "left": duration_text(deadline.due_at - deadline.paused_at)
        }
    if now >= deadline.due_at:
        return gettext("Overdue by %(time)s") % {"time": duration_text(now - deadline.due_at)}
    return gettext("%(time)s left") % {"time": duration_text(deadline.due_at - now)}


# --- the scan ------------------------------------------------------------------------------------

_SUBJECTS = {
    EscalationLevel.REMINDED: _("Deadline approaching: %(label)s · %(title)s"),
    EscalationLevel.OVERDUE: _("Deadline passed: %(label)s · %(title)s"),
    EscalationLevel.UNIT_HEAD: _("Overdue, escalated to the unit head: %(label)s · %(title)s"),
    EscalationLevel.COMMON_SUPERIOR: _("Overdue, escalated to the common superior: %(label)s · %(title)s"),
}
_BODIES = {
    EscalationLevel.REMINDED: _(
        "%(title)s: “%(label)s” is due by %(due)s (%(citation)s). Please complete it before then."
    ),
    EscalationLevel.OVERDUE: _(
        "%(title)s: “%(label)s” was due by %(due)s (%(citation)s) and is not done. "
        "Please complete it now, or record why it cannot be done."
    ),
    EscalationLevel.UNIT_HEAD: _(
        "%(title)s: “%(label)s” was due by %(due)s (%(citation)s) and is still not done in "
        "%(unit)s. It is brought to the attention of the unit's head."
    ),
    EscalationLevel.COMMON_SUPERIOR: _(
        "%(title)s: “%(label)s” was due by %(due)s (%(citation)s) and is still not done in "
        "%(unit)s, although its head was told. It is brought to you as the common superior of "
        "%(requester)s and %(unit)s."
    ),
}


def _levels_due(deadline: Deadline, now: dt.datetime, calendar: HolidayCalendar) -> tuple[list[int], dict]:
    times = escalation_times(deadline, calendar=calendar)
    levels = [level for level in sorted(times) if level > deadline.escalation_level and times[level] <= now]
    if EscalationLevel.OVERDUE in levels and EscalationLevel.REMINDED in levels:
        # Already overdue when first seen: "due soon" would only confuse.
        levels.remove(EscalationLevel.REMINDED)
    return levels, times


def _escalate(deadline: Deadline, level: int) -> list:
    recipients = recipients_for(deadline, level)
    target = describe_target(deadline)
    names = unit_names([deadline.responsible_unit_code, deadline.requester_unit_code])
    params = {
        "label": gettext_lazy(deadline.label),
        "title": target.title,
        "due": format_due(deadline.due_at),
        "citation": deadline.citation or SYSTEM_DEFAULT,
        "unit": names.get(deadline.responsible_unit_code, deadline.responsible_unit_code),
        "requester": names.get(deadline.requester_unit_code, deadline.requester_unit_code),
    }
    notify(
        users=recipients,
        key=f"deadline:{deadline.pk}:level:{level}",
        subject=_SUBJECTS[level],
        body=_BODIES[level],
        url=target.url,
        params=params,
    )
    details = {
        "deadline_id": deadline.pk,
        "rule_key": deadline.rule_key,
        "label": deadline.label,
        "level": int(level),
        "level_label": message_id(EscalationLevel(level).label),
        "due_at": deadline.due_at,
        "recipients": [user.pk for user in recipients],
    }
    audit.record(action=AUDIT_ACTION, target=(deadline.target_type, deadline.target_id), payload=details)
    timeline_add_for(
        target_type=deadline.target_type,
        target_id=deadline.target_id,
        action=TIMELINE_ACTION,
        data={
            **details,
            "recipient_names": [getattr(user, "display_name", str(user)) for user in recipients],
        },
    )
    if not recipients:
        logger.warning("Deadline %s reached level %s but nobody could be found to tell", deadline.pk, level)
    return recipients


def deadline_step(deadline: Deadline, *, now: dt.datetime, calendar: HolidayCalendar | None = None) -> int:
    """Send every escalation level of a locked running deadline whose time has come; return how many."""
    calendar = calendar or holidays.calendar()
    levels, times = _levels_due(deadline, now, calendar)
    for level in levels:
        _escalate(deadline, level)
    if levels:
        deadline.escalation_level = max(levels)
        deadline.last_escalated_at = now
    following = deadline.escalation_level + 1
    deadline.next_escalation_at = times.get(following)
    deadline.save(update_fields=["escalation_level", "last_escalated_at", "next_escalation_at"])
    return len(levels)


def deadline_scan(now: dt.datetime | None = None) -> int:
    """Escalate every running deadline whose next level has come; return the number of levels sent.

    Each deadline is handled in its own transaction under a row lock taken with skip_locked, so a
    second scan running at the same time passes over what the first holds, and a failure on one
    deadline (logged, retried at the next scan) does not hold up the rest.
    """
    now = _now(now)
    calendar = holidays.calendar()
    due = (
        Deadline.objects.filter(state=DeadlineState.RUNNING, next_escalation_at__lte=now)
        .order_by("next_escalation_at", "id")
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due):
        try:
            with transaction.atomic():
                deadline = (
                    Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("assignee")
                    .filter(pk=pk, state=DeadlineState.RUNNING, next_escalation_at__lte=now)
                    .first()
                )
                if deadline is None:
                    continue  # another scan holds it, or it moved on since the list was read
                sent += deadline_step(deadline, now=now, calendar=calendar)
        except Exception:
            logger.exception("Deadline %s could not be escalated; the next scan retries", pk)
    if sent:
        logger.info("Deadline scan: %s escalation step(s) sent", sent)
    return sent


@periodic.register(SCAN_JOB, every_seconds=int(getattr(settings, "DEADLINE_SCAN_SECONDS", 300)))
def _scan_job() -> None:
    deadline_scan()
