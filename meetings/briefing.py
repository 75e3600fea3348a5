"""The crime-pattern briefing (定期分析研判发案规律) a joint meeting hears: figures since the last meeting.

The figures are aggregations run in the database over the member units' subtrees (plan §9): cases
by offence and province, where the suspects of those cases live, suspects wanted in several
provinces, assistance requests between provinces, how long requested units took to fulfil them,
and the request deadlines missed. Each figure is one `values().annotate()` query, so the cost is a
constant number of queries whatever the size of the data. Counts include restricted (限制) cases,
since no case is identified by a count; the listed repeat suspects leave out anyone in a restricted
case.

The briefing is live until the session opens; `briefing_freeze` (called by `open_session`) keeps
the figures the meeting saw, and only a frozen briefing is issued as a pack (分析研判材料).
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    Avg,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce, NullIf, Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.assistance.models import AssistanceRequest
from cases.models import HABITUAL_RESIDENCE_YEARS, Case, CasePerson, CaseState, HandlingCode, PersonRole
from core import audit, outbox
from core.exceptions import Conflict
from core.identity import mask_id_number
from core.models import Deadline, DeadlineState, OutboxState
from core.workflow import timeline_add
from documents import services as document_services
from documents.models import Document
from meetings import permissions
from meetings.documents import BRIEFING_PACK, LINK_TYPE
from meetings.models import HELD_STATES, Briefing, JointMeeting, MeetingKind, MeetingState
from meetings.selectors import current_members, meeting_visible_to
from organisation.models import Unit, UnitLevel
from organisation.paths import at_or_below
from organisation.standing import user_standing

# Deadline rows name an assistance request by its model label (core.deadline_rows.target_parts).
REQUEST_DEADLINE_TYPE = "assistance.assistancerequest"
REPEAT_SUSPECT_ROWS = 20
OTHER, UNKNOWN = "other", "unknown"
# Meetings whose end opens the next briefing period: drills discuss no crime pattern.
PERIOD_KINDS = (MeetingKind.REGULAR, MeetingKind.EXTRAORDINARY)
PACK_STATES = frozenset({MeetingState.IN_SESSION, *HELD_STATES})
RECOMPUTE_TOPIC = "meetings.briefing_compute"


# --- dates ---------------------------------------------------------------------------------------


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """Return the same local wall time `months` calendar months earlier (the last day if shorter)."""
    local = timezone.localtime(moment)
    index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def briefing_period(meeting: JointMeeting, *, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Return the period the briefing covers: since the last meeting of the series held before this one.

    Without one, the usual interval of the series back from the meeting's start (定期: "since the
    last meeting"). The period ends at `end` (now while live, the opening of the session once frozen).
    """
    anchor = meeting.start_at or end
    previous = (
        JointMeeting.objects.filter(
            series_id=meeting.series_id,
            state__in=HELD_STATES,
            kind__in=PERIOD_KINDS,
            end_at__isnull=False,
            end_at__lte=anchor,
        )
        .exclude(pk=meeting.pk)
        .order_by("-end_at")
        .values_list("end_at", flat=True)
        .first()
    )
    start = previous or months_before(anchor, meeting.series.frequency_months)
    return min(start, end), end


# --- the figures ---------------------------------------------------------------------------------


def period_cases(paths: list[str], start: dt.datetime, end: dt.datetime) -> QuerySet[Case]:
    """Return the registered cases accepted in [start, end) by units within the member subtrees."""
    return (
        Case.objects.exclude(state=CaseState.DRAFT)
        .filter(accepted_at__gte=start, accepted_at__lt=end)
        .filter(at_or_below(paths, "accepting_unit__path"))
    )


def period_request_volumes(paths: list[str], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Count requests sent in [start, end) with either side within the member subtrees, by province pair."""
    return (
        AssistanceRequest.objects.filter(sent_at__gte=start, sent_at__lt=end)
        .filter(at_or_below(paths, "requesting_unit__path") | at_or_below(paths, "requested_unit__path"))
        .values("requesting_unit__province_code", "requested_unit__province_code")
        .annotate(n=Count("id"))
        .order_by()
    )


def period_fulfilment(paths: list[str], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Measure receipt to fulfilment per member unit, for what it fulfilled in [start, end)."""
    duration = ExpressionWrapper(F("fulfilled_at") - F("received_at"), output_field=DurationField())
    return (
        AssistanceRequest.objects.filter(
            fulfilled_at__gte=start, fulfilled_at__lt=end, received_at__isnull=False
        )
        .filter(at_or_below(paths, "requested_unit__path"))
        .values("requested_unit__code", "requested_unit__name")
        .annotate(n=Count("id"), avg=Avg(duration), longest=Max(duration))
        .order_by()
    )


def _residence(on: dt.date):
    """Return the suspect's residence (MPS-2020 art 16): habitual after a year there, else household."""
    habitual = SqlCase(
        When(
            habitual_since__lte=_years_before(on, HABITUAL_RESIDENCE_YEARS),
            then=NullIf("habitual_division_code", Value("")),
        ),
        default=Value(None),
        output_field=CharField(),
    )
    return Coalesce(habitual, NullIf("household_division_code", Value("")), output_field=CharField())


def _province_of(prefix: str | None, provinces: set[str]) -> str:
    if not prefix:
        return UNKNOWN
    code = f"{prefix}0000"
    return code if code in provinces else OTHER


def _seconds(value) -> int:
    """Return a duration aggregate in whole seconds (a timedelta; microseconds where the backend says so)."""
    if value is None:
        return 0
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds())
    return round(float(value) / 1_000_000)


def briefing_compute(*, series, start: dt.datetime, end: dt.datetime) -> dict:
    """Compute the briefing's figures for the series' member subtrees over [start, end).

    Eight queries whatever the data: the members, the six figure queries and the names.
    """
    members = list(current_members(series).values_list("unit_path", "unit__code", "unit__province_code"))
    paths = [path for path, _code, _province in members]
    provinces = sorted({province for _path, _code, province in members if province})
    province_set = set(provinces)

    def scope(field: str):
        return at_or_below(paths, field)

    cases = period_cases(paths, start, end)
    case_rows = [
        {
            "offence": row["offence__code"] or "",
            "offence_name": row["offence__name"] or "",
            "province": row["accepting_unit__province_code"],
            "n": row["n"],
        }
        for row in cases.values("offence__code", "offence__name", "accepting_unit__province_code")
        .annotate(n=Count("id"))
        .order_by()
    ]

    flow_counts: dict[tuple[str, str], int] = {}
    on = timezone.localtime(end).date()
    flow_query = (
        CasePerson.objects.filter(role=PersonRole.SUSPECT, case__in=cases)
        .annotate(res=Substr(_residence(on), 1, 2))
        .values("case__accepting_unit__province_code", "res")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in flow_query:
        key = (row["case__accepting_unit__province_code"], _province_of(row["res"], province_set))
        flow_counts[key] = flow_counts.get(key, 0) + row["n"]

    # Suspects named (by document number) in cases accepted in two or more provinces, one of them
    # accepted in the period: the same people working across the region.
    # Only numbers named in a case of the period can qualify (recent ≥ 1), so the aggregation starts
    # from those through the id_number index instead of every suspect of the member subtrees.
    recent_numbers = (
        CasePerson.objects.filter(role=PersonRole.SUSPECT, case__in=cases)
        .exclude(id_number="")
        .values("id_number")
    )
    repeat = (
        CasePerson.objects.filter(role=PersonRole.SUSPECT, id_number__in=recent_numbers)
        .exclude(case__state=CaseState.DRAFT)
        .filter(scope("case__accepting_unit__path"))
        .values("id_number")
        .annotate(
            provinces=Count("case__accepting_unit__province_code", distinct=True),
            cases=Count("case", distinct=True),
            recent=Count(
                "case", distinct=True, filter=Q(case__accepted_at__gte=start, case__accepted_at__lt=end)
            ),
            restricted=Count("case", filter=Q(case__handling_code=HandlingCode.RESTRICTED)),
        )
        .filter(provinces__gte=2, recent__gte=1)
    )
    # One pass over the groups gives both the count and the listed rows: the aggregation is the
    # briefing's most expensive query (seconds at a million cases), and the groups are few.
    repeated = list(repeat.order_by())
    repeat_count = len(repeated)
    listed = sorted(
        (row for row in repeated if row["restricted"] == 0),
        key=lambda row: (-row["cases"], -row["provinces"], row["id_number"]),
    )[:REPEAT_SUSPECT_ROWS]
    repeat_rows = [
        {
            "id_number": mask_id_number(row["id_number"]),
            "provinces": row["provinces"],
            "cases": row["cases"],
            "recent": row["recent"],
        }
        for row in listed
    ]

    requests = period_request_volumes(paths, start, end)
    request_rows = [
        {
            "from": row["requesting_unit__province_code"],
            "to": row["requested_unit__province_code"],
            "n": row["n"],
        }
        for row in requests
    ]

    fulfilment = period_fulfilment(paths, start, end)
    fulfilment_rows = [
        {
            "unit": row["requested_unit__code"],
            "name": row["requested_unit__name"],
            "n": row["n"],
            "avg_seconds": _seconds(row["avg"]),
            "longest_seconds": _seconds(row["longest"]),
        }
        for row in fulfilment
    ]

    # Request deadlines falling in the period that were missed: met late, or still open past due.
    overdue = (
        Deadline.objects.filter(
            target_type=REQUEST_DEADLINE_TYPE,
            due_at__gte=start,
            due_at__lt=end,
            responsible_unit_code__in=Unit.objects.filter(scope("path")).values("code"),
        )
        .filter(
            Q(state=DeadlineState.MET, met_at__gt=F("due_at"))
            | Q(state__in=[DeadlineState.RUNNING, DeadlineState.PAUSED], due_at__lt=end)
        )
        .values("responsible_unit_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    overdue_counts = {row["responsible_unit_code"]: row["n"] for row in overdue}

    codes = (
        set(provinces)
        | {row["province"] for row in case_rows}
        | {row["from"] for row in request_rows}
        | {row["to"] for row in request_rows}
        | set(overdue_counts)
    )
    names = {}
    province_names = {}
    for code, name, division, level in Unit.objects.filter(code__in=sorted(codes)).values_list(
        "code", "name", "division_name", "level"
    ):
        names[code] = name
        if level == UnitLevel.PROVINCE:
            province_names[code] = division or name

    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "scope": sorted(code for _path, code, _province in members),
        "provinces": provinces,
        "province_names": province_names,
        "cases": sorted(case_rows, key=lambda row: (row["offence"], row["province"])),
        "flows": [
            {"from": source, "to": target, "n": n} for (source, target), n in sorted(flow_counts.items())
        ],
        "repeat_suspects": {"count": repeat_count, "rows": repeat_rows},
        "requests": sorted(request_rows, key=lambda row: (row["from"], row["to"])),
        "fulfilment": sorted(fulfilment_rows, key=lambda row: row["unit"]),
        "overdue": [
            {"unit": code, "name": names.get(code, code), "n": n}
            for code, n in sorted(overdue_counts.items())
        ],
    }


def repeat_suspects_as_shown(figures: dict) -> dict:
    """Return stored figures without the listed repeat suspects who are suspects in a 限制 case now.

    The figures list no one in a restricted case when they are computed; a briefing frozen at the
    opening of a session (or live figures computed earlier) keeps its rows, and a case restricted
    since would otherwise keep its suspect's masked number on show (issue 16, leak 3). The rows keep
    only the masked number, so each is matched by its mask against the suspects of the restricted
    cases now, in one query: a row is dropped when any of them has the same mask (a coincidence
    drops a row too, never shows one). The count stays: no one is identified by a count.
    """
    listed = (figures or {}).get("repeat_suspects") or {}
    rows = listed.get("rows") or []
    if not rows:
        return figures
    ends = Q()
    for row in rows:
        masked = str(row.get("id_number") or "")
        keep = min(4, len(masked) // 4)
        if keep:
            ends |= Q(id_number__startswith=masked[:keep], id_number__endswith=masked[-keep:])
    restricted = set()
    if ends:
        restricted = {
            mask_id_number(number)
            for number in CasePerson.objects.filter(ends)
            .filter(role=PersonRole.SUSPECT, case__handling_code=HandlingCode.RESTRICTED)
            .exclude(case__state=CaseState.DRAFT)
            .values_list("id_number", flat=True)
        }
    # A number too short to keep any digit cannot be matched: it is not shown.
    kept = [
        row
        for row in rows
        if min(4, len(str(row.get("id_number") or "")) // 4) and row.get("id_number") not in restricted
    ]
    if len(kept) == len(rows):
        return figures
    return {**figures, "repeat_suspects": {**listed, "rows": kept}}


# --- services ------------------------------------------------------------------------------------


def _lock_meeting(meeting_id) -> JointMeeting:
    meeting = (
        JointMeeting.objects.select_for_update(of=("self",))
        .select_related("series", "host_unit")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def _store(meeting: JointMeeting, *, end: dt.datetime, frozen_at=None, then=None) -> Briefing:
    """Compute the figures for the period ending at `end`, then store them under the meeting's lock.

    Outside a transition the aggregation runs before the lock is taken: at a million cases it takes
    seconds, and the meeting's own transitions need not wait for it (the freeze at the opening runs
    inside the opening's lock, as it must). What was stored meanwhile wins over these figures when
    it is frozen or, for live figures, taken later; it is returned unchanged. `then(meeting,
    briefing)` runs in the storing transaction (the audit of a refresh).
    """
    start, end = briefing_period(meeting, end=end)
    figures = briefing_compute(series=meeting.series, start=start, end=end)
    with transaction.atomic():
        meeting = _lock_meeting(meeting.pk)
        briefing = Briefing.objects.filter(meeting=meeting).first()
        newer = briefing is not None and frozen_at is None and briefing.period_end >= end
        if briefing is not None and (briefing.frozen_at is not None or newer):
            return briefing
        if briefing is None:
            briefing = Briefing(meeting=meeting)
        briefing.period_start, briefing.period_end = start, end
        briefing.figures = figures
        briefing.computed_at = timezone.now()
        briefing.frozen_at = frozen_at
        briefing.save()
        if then is not None:
            then(meeting, briefing)
    return briefing


def briefing_is_fresh(briefing: Briefing) -> bool:
    """Tell whether stored live figures are recent enough to serve without computing them again."""
    age = timezone.now() - briefing.computed_at
    return age.total_seconds() < settings.MEETING_BRIEFING_FRESH_SECONDS


def briefing_get(meeting: JointMeeting) -> Briefing:
    """Return the meeting's briefing: the frozen one, or the live figures as last computed.

    Live figures are computed by the worker when the meeting is created (or on the first view, if it
    has not yet) and then served from storage; once they are older than
    MEETING_BRIEFING_FRESH_SECONDS they are still served (their `computed_at` is shown) while the
    worker computes them again, so no page waits for the aggregation a second time. The returned
    briefing's `updating` says a new computation is on its way. A cancelled meeting's figures are
    not computed again.
    """
    return _as_shown(_briefing_get(meeting))


def _as_shown(record: Briefing) -> Briefing:
    # In memory only: the stored figures stay what the meeting saw (see repeat_suspects_as_shown).
    record.figures = repeat_suspects_as_shown(record.figures)
    return record


def _briefing_get(meeting: JointMeeting) -> Briefing:
    stored = Briefing.objects.filter(meeting_id=meeting.pk).first()
    if stored is None:
        return _store(meeting, end=timezone.now())
    if stored.frozen_at is not None or meeting.state == MeetingState.CANCELLED or briefing_is_fresh(stored):
        return stored
    # One message per stored computation: views of the same stale figures queue it once.
    message = outbox.enqueue(
        topic=RECOMPUTE_TOPIC,
        payload={"meeting": meeting.pk, "computed_at": stored.computed_at.isoformat()},
        key=f"{RECOMPUTE_TOPIC}:{meeting.pk}:{stored.computed_at.isoformat()}",
    )
    message.refresh_from_db(fields=["state"])
    if message.state != OutboxState.PENDING:
        # Delivered already (tasks run eagerly in the embedded demo) or given up: show what is stored.
        return Briefing.objects.get(pk=stored.pk)
    stored.updating = True
    return stored


def briefing_prepare(meeting: JointMeeting) -> None:
    """Have the worker compute a new meeting's live figures, so its first view need not wait for them."""
    outbox.enqueue(
        topic=RECOMPUTE_TOPIC, payload={"meeting": meeting.pk}, key=f"{RECOMPUTE_TOPIC}:{meeting.pk}:new"
    )


@outbox.handler(RECOMPUTE_TOPIC)
def _recompute(payload: dict, *, key: str) -> None:
    """Compute the live figures again unless they changed since the message was written.

    The web process judged them stale by its own clock and settings; the worker does not judge
    again, or a disagreement between the two would leave the figures old for good.
    """
    meeting = JointMeeting.objects.select_related("series").filter(pk=payload["meeting"]).first()
    if meeting is None or meeting.state == MeetingState.CANCELLED:
        return
    stored = Briefing.objects.filter(meeting=meeting).first()
    seen = payload.get("computed_at")
    if stored is not None and (stored.frozen_at is not None or stored.computed_at.isoformat() != seen):
        return
    try:
        _store(meeting, end=timezone.now())
    except Http404:  # deleted while the figures were computed
        return


def briefing_freeze(meeting: JointMeeting, *, at: dt.datetime) -> Briefing:
    """Keep the figures as they stand at `at` (the opening of the session); a second call changes nothing."""
    stored = Briefing.objects.filter(meeting_id=meeting.pk, frozen_at__isnull=False).first()
    if stored is not None:
        return stored
    return _store(meeting, end=at, frozen_at=at)


def _refuse(meeting: JointMeeting, by) -> None:
    if not meeting_visible_to(by).filter(pk=meeting.pk).exists():
        raise Http404
    raise PermissionDenied


def _acting_unit_code(meeting: JointMeeting, by) -> str:
    standing = user_standing(by)
    if meeting.host_unit_id in standing.roles_by_unit:
        return meeting.host_unit.code
    for unit_id in (meeting.organiser_unit_id, meeting.effective_chair_unit_id, *standing.unit_ids):
        if unit_id in standing.roles_by_unit:
            return Unit.objects.filter(pk=unit_id).values_list("code", flat=True).first() or ""
    return ""


def briefing_refresh(*, meeting: JointMeeting, by) -> Briefing:
    """Compute the live briefing again now (the organiser, before the session); 409 once frozen.

    `meeting` is the meeting as the adapter read it. It is read again by its pk here and locked by
    its pk only to store the figures (_store): the aggregation runs before the lock is taken.
    """
    meeting = JointMeeting.objects.select_related("series", "host_unit").filter(pk=meeting.pk).first()
    if meeting is None:
        raise Http404
    if not permissions.may_organise(meeting, by):
        _refuse(meeting, by)
    frozen = _("The briefing was frozen when the session opened.")
    if Briefing.objects.filter(meeting=meeting, frozen_at__isnull=False).exists():
        raise Conflict(frozen, current_state=meeting.state)

    def audited(locked: JointMeeting, briefing: Briefing) -> None:
        audit.record(
            action="meetings.briefing.refresh",
            actor=by,
            acting_unit_code=_acting_unit_code(locked, by),
            target=locked,
            payload={"period": [briefing.period_start, briefing.period_end]},
        )

    briefing = _store(meeting, end=timezone.now(), then=audited)
    if briefing.frozen_at is not None:  # the session opened while the figures were computed
        raise Conflict(frozen, current_state=meeting.state)
    return briefing


def may_issue_pack(meeting: JointMeeting, user) -> bool:
    """Allow the host's liaison officer or head: the issuer roles of the pack's kind (plan §10.5)."""
    return user_standing(user).holds(meeting.host_unit_id, BRIEFING_PACK.issuer_roles)


def _period_text(briefing: Briefing) -> str:
    start = document_services.local_date_text(briefing.period_start)
    end = document_services.local_date_text(briefing.period_end)
    return f"{start}至{end}"


@transaction.atomic
def briefing_pack_issue(*, meeting, by) -> Document:
    """Issue the frozen briefing as a pack (分析研判材料) in the host unit's name; issued once.

    The kind is approved externally by the briefing being frozen at an opened session
    (meetings.documents); its render goes through the documents outbox.
    """
    from meetings.minutes import session_text

    meeting = _lock_meeting(meeting.pk)
    if not may_issue_pack(meeting, by):
        _refuse(meeting, by)
    briefing = Briefing.objects.select_for_update().filter(meeting=meeting).first()
    if briefing is None or briefing.frozen_at is None or meeting.state not in PACK_STATES:
        raise Conflict(
            _("The briefing pack is issued once the session has opened and the briefing is frozen."),
            current_state=meeting.state,
        )
    if briefing.document_id is not None:
        return briefing.document
    series = meeting.series
    session = session_text(meeting)
    members = list(current_members(series).select_related("unit"))
    document = document_services.document_draft(
        kind=BRIEFING_PACK.code,
        issuing_unit=meeting.host_unit,
        by=by,
        data={
            "series": series.name,
            "meeting": meeting.title,
            "session": session,
            "period": _period_text(briefing),
            "period_start": briefing.period_start,
            "period_end": briefing.period_end,
            "host": meeting.host_unit.name,
            "figures": repeat_suspects_as_shown(briefing.figures),
        },
        title=f"{series.short_name}{session}{BRIEFING_PACK.title}"[:128],
        recipients=[{"name": member.unit.name, "unit": member.unit} for member in members],
        link_target_type=LINK_TYPE,
        link_target_id=meeting.pk,
        check_permission=False,
    )
    document = document_services.document_issue(document=document, by=by)
    briefing.document = document
    briefing.save(update_fields=["document"])
    code = meeting.host_unit.code
    audit.record(
        action="meetings.briefing.pack_issue",
        actor=by,
        acting_unit_code=code,
        target=meeting,
        payload={"document": document.pk, "number": document.number},
    )
    timeline_add(
        instance=meeting, actor=by, acting_unit_code=code, action="briefing_pack_issue", note=document.number
    )
    return document
