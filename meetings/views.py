"""Pages of joint meetings: the list and month calendar, a new meeting, the meeting with every step,
its .ics, the series with its rotation and normative register, and an action item.

Thin adapters over the services and selectors, like the API. A meeting the user may not see is
404 on every page and every form (its existence stays hidden); a step the user may not take is 403;
a step posted from a page that has gone stale (someone moved the meeting on) is 409 with the page
as it is now; a refused input comes back on the form's fields with everything typed kept (400).
Each form posts to its own URL and works without JavaScript; htmx only previews the warnings.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core import deadline_rows, holidays
from core.exceptions import Conflict
from core.guards import RolesFirstMixin
from core.ids import id_or_none
from core.pages import StepView, apply_errors, moved, next_steps
from core.steps import DANGER, PRIMARY, SECONDARY
from core.workflow import timeline_for
from meetings import (
    agenda,
    briefing,
    forms,
    ical,
    minutes,
    permissions,
    presenters,
    resolutions,
    rotation,
    scheduling,
    selectors,
)
from meetings.models import (
    AGENDA_EDITABLE_STATES,
    EDITABLE_STATES,
    ActionItem,
    AgendaItem,
    ApplyState,
    JointMeeting,
    MeetingParticipant,
    MeetingState,
    MinutesState,
    NormativeStatus,
    Presence,
    Resolution,
    ResolutionKind,
    SignoffAction,
)
from meetings.permissions import LIAISON
from meetings.presentation import timeline_label
from meetings.steps import ACTION_ITEM_MACHINE, MEETING_MACHINE, MINUTES_MACHINE
from organisation.models import Unit, User
from organisation.pages import CaseDataPageMixin

MS = MeetingState
LIST_PAGE_SIZE = 50
STATE_LABELS = dict(MeetingState.choices)
MINUTES_STATE_LABELS = dict(MinutesState.choices)
PRESENCE_LABELS = dict(Presence.choices)
EMPHASIS_ORDER = {PRIMARY: 0, SECONDARY: 1, DANGER: 2}


def detail_url(meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


def _labelled(entries) -> list:
    entries = list(entries)
    for entry in entries:
        entry.label = timeline_label(entry.action)
    return entries


# --- the list and the calendar ---------------------------------------------------------------------


class MeetingListView(CaseDataPageMixin, View):
    """The meetings the user sees, newest first, by series and state."""

    def get(self, request):
        queryset = selectors.meeting_visible_to(request.user).select_related("series", "host_unit")
        # A filter that is not a valid value is ignored (and not echoed back into the links).
        series_id = id_or_none(request.GET.get("series", ""))
        state = request.GET.get("state", "")
        state = state if state in STATE_LABELS else ""
        if series_id is not None:
            queryset = queryset.filter(series_id=series_id)
        if state:
            queryset = queryset.filter(state=state)
        after = id_or_none(request.GET.get("after", ""))
        if after is not None:
            queryset = queryset.filter(pk__lt=after)
        rows = list(queryset.order_by("-id")[: LIST_PAGE_SIZE + 1])
        next_after = rows[LIST_PAGE_SIZE - 1].pk if len(rows) > LIST_PAGE_SIZE else None
        series = list(selectors.series_visible_to(request.user).order_by("id"))
        return render(
            request,
            "meetings/meeting_list.html",
            {
                "meetings": rows[:LIST_PAGE_SIZE],
                "next_after": next_after,
                "series_list": series,
                "states": MeetingState.choices,
                "selected_series": "" if series_id is None else str(series_id),
                "selected_state": state,
                "may_create": any(permissions.may_organise_series(s, request.user) for s in series),
            },
        )


MONTH_PATTERN = re.compile(r"([0-9]{4})-([0-9]{1,2})")


def _month(value: str) -> dt.date:
    """Return the first day of the month typed as YYYY-MM, or of this month for anything else.

    The year stays inside date's range with a month to spare on each side: the grid reaches into
    the weeks around the month and the page links to the months before and after.
    """
    found = MONTH_PATTERN.fullmatch(value or "")
    if found:
        year, month = int(found[1]), int(found[2])
        if dt.MINYEAR < year < dt.MAXYEAR and 1 <= month <= 12:
            return dt.date(year, month, 1)
    return timezone.localdate().replace(day=1)


class MeetingCalendarView(CaseDataPageMixin, View):
    """A month grid, Monday first: rest days shaded from the holiday calendar, meetings as chips."""

    def get(self, request):
        first = _month(request.GET.get("month", ""))
        grid_start = first - dt.timedelta(days=first.weekday())
        days_in_month = month_calendar.monthrange(first.year, first.month)[1]
        last = first.replace(day=days_in_month)
        grid_end = last + dt.timedelta(days=6 - last.weekday())
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(grid_start, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(grid_end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        meetings = list(
            selectors.meeting_visible_to(request.user)
            .filter(start_at__lt=end, end_at__gt=start)
            .select_related("series", "host_unit")
            .order_by("start_at", "id")
        )
        live = [m for m in meetings if m.state != MS.CANCELLED]
        clashing = {
            m.pk
            for m in live
            for other in live
            if other.pk != m.pk and m.start_at < other.end_at and other.start_at < m.end_at
        }
        holiday_calendar = holidays.calendar()
        by_day: dict[dt.date, list] = {}
        for meeting in meetings:
            meeting.clashes = meeting.pk in clashing
            day = timezone.localtime(meeting.start_at).date()
            final = timezone.localtime(meeting.end_at - dt.timedelta(microseconds=1)).date()
            while day <= final:
                by_day.setdefault(day, []).append(meeting)
                day += dt.timedelta(days=1)
        weeks, day = [], grid_start
        today = timezone.localdate()
        while day <= grid_end:
            week = []
            for _offset in range(7):
                week.append(
                    {
                        "date": day,
                        "in_month": day.month == first.month,
                        "rest": holiday_calendar.is_rest_day(day),
                        "today": day == today,
                        "meetings": by_day.get(day, []),
                    }
                )
                day += dt.timedelta(days=1)
            weeks.append(week)
        previous = (first - dt.timedelta(days=1)).replace(day=1)
        following = last + dt.timedelta(days=1)
        weekdays = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
        return render(
            request,
            "meetings/calendar.html",
            {
                "month": first,
                "weeks": weeks,
                "weekdays": weekdays,
                "previous": previous.strftime("%Y-%m"),
                "following": following.strftime("%Y-%m"),
                "unknown_years": holiday_calendar.unknown_years({grid_start.year, grid_end.year}),
            },
        )


# --- a new meeting ---------------------------------------------------------------------------------


class MeetingCreateView(CaseDataPageMixin, RolesFirstMixin, View):
    """A new (draft) meeting of a series, the host pre-filled with the rotation's proposal."""

    # 403 before the form is read to one who may create none (issue 16).
    write_roles = LIAISON

    def _series(self, request):
        value = id_or_none(request.GET.get("series") or request.POST.get("series") or "")
        if value is None:
            return None
        return selectors.series_get_visible(request.user, value)

    def _render(self, request, series, form=None, status=200):
        context = {"series": series, "series_list": [], "form": form}
        if series is None:
            context["series_list"] = [
                s
                for s in selectors.series_visible_to(request.user).select_related("chair_unit").order_by("id")
                if permissions.may_organise_series(s, request.user)
            ]
        else:
            members = [m.unit for m in selectors.current_members(series).select_related("unit")]
            proposal = rotation.series_propose_host(series) if members else (None, "")
            context["proposal"], context["proposal_reason"] = proposal
            if form is None:
                initial = {"kind": "regular"}
                if proposal[0] is not None:
                    initial["host_unit"] = proposal[0].code
                form = forms.MeetingForm(members=members, initial=initial)
            context["form"] = form
        return render(request, "meetings/meeting_new.html", context, status=status)

    def get(self, request):
        series = self._series(request)
        if series is not None and not permissions.may_organise_series(series, request.user):
            raise PermissionDenied
        return self._render(request, series)

    def post(self, request):
        series = self._series(request)
        if series is None:
            raise Http404
        members = [m.unit for m in selectors.current_members(series).select_related("unit")]
        form = forms.MeetingForm(request.POST, members=members)
        if not form.is_valid():
            return self._render(request, series, form, status=400)
        values = form.cleaned_data
        try:
            meeting = scheduling.meeting_create(
                series=series,
                by=request.user,
                kind=values["kind"],
                host_unit=next((u for u in members if u.code == values["host_unit"]), None),
                title=values["title"],
                start_at=values["start_at"],
                end_at=values["end_at"],
                place=values["place"],
                video_link=values["video_link"],
                description=values["description"],
                rotation_override_reason=values["rotation_override_reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self._render(request, series, form, status=400)
        except Conflict as error:
            form.add_error(None, str(error.message))
            return self._render(request, series, form, status=409)
        except PermissionDenied:
            form.add_error(
                None, _("Only the liaison officers of the series' members may organise its meetings.")
            )
            return self._render(request, series, form, status=403)
        messages.success(
            request, _("The draft meeting is created: invite the participants, then schedule it.")
        )
        return redirect(detail_url(meeting))


# --- the meeting page ------------------------------------------------------------------------------


class MeetingPage:
    """Everything the meeting page shows one user, read once, and the forms of its steps."""

    def __init__(self, request, meeting: JointMeeting):
        self.request = request
        self.user = request.user
        self.meeting = meeting
        self.may_organise = permissions.may_organise(meeting, self.user)
        self.may_run = permissions.may_run_session(meeting, self.user)
        self.minutes = selectors.minutes_of(meeting)
        self.minutes_readable = selectors.minutes_readable(meeting, self.minutes, self.user)
        self.participants = list(
            meeting.participants.select_related(
                "user", "unit", "member__unit", "answered_by", "delegated_from"
            )
        )
        self.agenda_items = list(
            meeting.agenda_items.select_related("presenting_unit").order_by("position", "id")
        )
        self._agenda_rows = None
        self.signing_units = (
            list(
                Unit.objects.filter(pk__in=permissions.signing_units(meeting.series, self.user)).order_by(
                    "code"
                )
            )
            if self.minutes_readable and self.minutes.state == MinutesState.CIRCULATING
            else []
        )

    # --- forms ---------------------------------------------------------------------------------

    def form(self, name: str, data=None, **extra):
        meeting = self.meeting
        if name == "edit":
            initial = {
                "expected_sequence": meeting.sequence,
                "title": meeting.title,
                "start_at": timezone.localtime(meeting.start_at) if meeting.start_at else None,
                "end_at": timezone.localtime(meeting.end_at) if meeting.end_at else None,
                "place": meeting.place,
                "video_link": meeting.video_link,
                "description": meeting.description,
            }
            return forms.MeetingEditForm(data, initial=initial)
        if name == "answer":
            return forms.AnswerForm(data, participant_id=extra.get("participant_id"))
        if name == "participant_add":
            candidates = scheduling.participant_candidates(meeting) if self.may_organise else []
            return forms.ParticipantAddForm(data, candidates=candidates)
        if name == "participant_remove":
            return forms.ParticipantRemoveForm(data, action=name)
        if name == "attendance":
            return forms.AttendanceForm(data, participant=extra.get("participant"))
        if name == "agenda_add":
            candidates = agenda.agenda_candidates(meeting) if self.may_organise else []
            return forms.AgendaAddForm(data, candidates=candidates)
        if name == "agenda_remove":
            return forms.AgendaRemoveForm(data, action=name)
        if name == "agenda_outcome":
            return forms.AgendaOutcomeForm(data, item_id=extra.get("item_id"))
        if name in ("briefing_refresh", "briefing_pack"):
            return forms.ButtonForm(data, action=name)
        if name == "minutes_update":
            initial = {}
            if self.minutes:
                # The draft as this drafter may read it now (a case restricted since it was typed).
                opening, closing, _reason = presenters.minutes_paragraphs_as_seen(self.minutes, self.user)
                initial = {"opening": opening, "closing": closing}
            return forms.MinutesForm(data, initial=initial)
        if name == "signoff":
            initial = {"digest": self.minutes.content_digest if self.minutes else ""}
            if len(self.signing_units) == 1:
                initial["unit"] = self.signing_units[0].code
            return forms.SignoffForm(data, units=self.signing_units, initial=initial)
        if name == "resolution_add":
            in_force = selectors.NormativeDocument.objects.filter(
                series_id=self.meeting.series_id, status=NormativeStatus.IN_FORCE
            ).order_by("-adopted_on", "-id")
            return forms.ResolutionForm(data, agenda_rows=self.agenda_rows, normative_in_force=in_force)
        if name in ("resolution_remove", "resolution_retry"):
            return forms.ResolutionTargetForm(data, action=name)
        raise Http404

    # --- sections ------------------------------------------------------------------------------

    def _offers(self, machine, instance, url_name: str, step: tuple | None) -> list:
        """Return the "next steps" of `instance` for this user; a refused step's form shown bound."""
        bound_name, bound_form = (step[1], step[2]) if step and step[0] is machine else ("", None)
        return next_steps(
            machine,
            instance,
            self.user,
            url_for=lambda name: reverse(url_name, args=[self.meeting.pk, name]),
            bound=bound_form,
            bound_step=bound_name,
        )

    def _participants(self, bound: dict) -> list[dict]:
        meeting = self.meeting
        answerable = meeting.state in (MS.SCHEDULED, MS.POSTPONED)
        roll_call = meeting.state in scheduling.ROLL_CALL_STATES and scheduling.may_take_roll_call(
            meeting, self.user
        )
        removable = self.may_organise and meeting.state in EDITABLE_STATES
        # Who attended in a participant's place, named on their row (read from the rows already here).
        delegates: dict[int, list[str]] = {}
        for participant in self.participants:
            if participant.delegated_from_id is not None:
                delegates.setdefault(participant.delegated_from_id, []).append(participant.display_name)
        rows = []
        for participant in self.participants:
            mine = participant.user_id == self.user.pk
            answer_form = None
            if mine and answerable:
                key = f"answer:{participant.pk}"
                answer_form = bound.get(key) or self.form("answer", participant_id=participant.pk)
            rows.append(
                {
                    "participant": participant,
                    "mine": mine,
                    "unit_name": (
                        participant.unit.name if participant.unit_id else participant.external_affiliation
                    ),
                    "answer_form": answer_form,
                    "presence_label": PRESENCE_LABELS.get(participant.presence_as_recorded, ""),
                    "delegates": "、".join(delegates.get(participant.pk, [])),
                    "attendance_form": (
                        bound.get(f"attendance:{participant.pk}")
                        or self.form("attendance", participant=participant)
                    )
                    if roll_call
                    else None,
                    "removable": removable,
                }
            )
        return rows

    @property
    def agenda_rows(self) -> list:
        """The agenda as this user may read it (titles composed per viewer), computed once."""
        if self._agenda_rows is None:
            self._agenda_rows = (
                agenda.agenda_display(self.agenda_items, self.user, path=f"meetings/{self.meeting.pk}")
                if self.agenda_items
                else []
            )
        return self._agenda_rows

    def _agenda(self, bound: dict) -> list[dict]:
        rows = self.agenda_rows
        in_session = self.meeting.state == MS.IN_SESSION and (self.may_run or self.may_organise)
        removable = self.may_organise and self.meeting.state in AGENDA_EDITABLE_STATES
        return [
            {
                "row": row,
                "outcome_form": (
                    bound.get(f"agenda_outcome:{row.item.pk}")
                    or self.form("agenda_outcome", item_id=row.item.pk)
                )
                if in_session
                else None,
                "removable": removable,
            }
            for row in rows
        ]

    def _briefing(self) -> dict | None:
        if self.meeting.state == MS.CANCELLED:
            return None
        record = briefing.briefing_get(self.meeting)
        if record is None:
            return None
        return {
            "record": record,
            "may_refresh": self.may_organise and record.frozen_at is None,
            "may_issue_pack": briefing.may_issue_pack(self.meeting, self.user)
            and record.frozen_at is not None
            and record.document_id is None,
        }

    def _minutes(self, bound: dict, step: tuple | None) -> dict | None:
        record = self.minutes
        if not self.minutes_readable:
            return None
        # A decision about a case this user may not see now reads neutrally (issue 16); display only.
        content = presenters.minutes_content_as_seen(record, self.user, record.resolutions.all())
        statuses = presenters.minutes_member_status(record) if record.version else []
        drafting = record.state == MinutesState.DRAFTING and permissions.may_draft_minutes(
            self.meeting, self.user
        )
        comments = list(
            record.signoffs.filter(action=SignoffAction.COMMENTED)
            .select_related("unit", "by")
            .order_by("at", "id")
        )
        already_signed = {s["unit"].pk for s in statuses if s["signed"]}
        sign_units = [unit for unit in self.signing_units if unit.pk not in already_signed]
        signoff_form = None
        if sign_units:
            signoff_form = bound.get("signoff") or forms.SignoffForm(
                units=sign_units,
                initial={"digest": record.content_digest, "unit": sign_units[0].code},
            )
        return {
            "record": record,
            "content": content or {},
            "statuses": statuses,
            "comments": comments,
            "offers": self._offers(MINUTES_MACHINE, record, "meetings:minutes-transition", step),
            "form": (bound.get("minutes_update") or self.form("minutes_update")) if drafting else None,
            "resolution_form": (bound.get("resolution_add") or self.form("resolution_add"))
            if drafting
            else None,
            "drafting": drafting,
            "signoff_form": signoff_form,
            "document": record.document if record.document_id else None,
        }

    def _resolutions(self) -> list[dict]:
        if not self.minutes_readable:
            return []
        # Masked as this user may read them, why one failed for the host unit's officers only.
        rows = presenters.resolutions_as_seen(
            self.minutes, self.meeting, self.user, path=f"meetings/{self.meeting.pk}/resolutions"
        )
        items = {
            item.resolution_id: item
            for item in ActionItem.objects.filter(resolution__in=rows).select_related("owner_unit")
        }
        norms = {
            doc.resolution_id: doc for doc in selectors.NormativeDocument.objects.filter(resolution__in=rows)
        }
        visible_proceedings = set()
        proceeding_ids = [row.proceeding_id for row in rows if row.proceeding_id]
        if proceeding_ids:
            from jurisdiction.selectors import proceeding_visible_to

            visible_proceedings = set(
                proceeding_visible_to(self.user).filter(pk__in=proceeding_ids).values_list("pk", flat=True)
            )
        may_retry = permissions.may_issue_meeting_minutes(self.meeting, self.user)
        now = timezone.now()
        result = []
        for row in rows:
            item = items.get(row.pk)
            seen = row.proceeding_id in visible_proceedings
            result.append(
                {
                    "resolution": row,
                    "proceeding_url": reverse("jurisdiction:proceeding-detail", args=[row.proceeding_id])
                    if seen
                    else "",
                    # As on the agenda: the state for a party to the proceeding, whom to ask otherwise.
                    "proceeding_state": row.proceeding.get_state_display() if seen else "",
                    "proceeding_ask": _ask(row) if row.proceeding_id and not seen else "",
                    "apply_error": row.apply_error_shown,
                    "action_item": item,
                    "overdue": bool(item and presenters.action_item_overdue(item, now)),
                    "normative": norms.get(row.pk),
                    "may_retry": may_retry and row.apply_state == ApplyState.FAILED,
                    "may_remove": bool(self.minutes and self.minutes.state == MinutesState.DRAFTING)
                    and permissions.may_draft_minutes(self.meeting, self.user),
                }
            )
        return result

    def _timeline(self) -> list:
        """Return the meeting's rows and, once readable, its minutes' rows, in the order they happened."""
        rows = timeline_for(self.meeting)
        if self.minutes is not None and self.minutes_readable:
            rows = rows | timeline_for(self.minutes)
        entries = list(rows.order_by("occurred_at", "id"))
        for entry in entries:
            labels = MINUTES_STATE_LABELS if entry.target_type == "meetings.minutes" else STATE_LABELS
            entry.label = timeline_label(entry.action)
            entry.from_label = labels.get(entry.from_state, entry.from_state)
            entry.to_label = labels.get(entry.to_state, entry.to_state)
        return entries

    def context(self, bound: dict | None = None, step: tuple | None = None) -> dict:
        """Return the page's context; `bound` holds refused forms by key, `step` a refused step
        (machine, name, form)."""
        bound = bound or {}
        meeting = self.meeting
        minutes_section = self._minutes(bound, step)
        # One "next steps" panel at the top: the minutes' steps (签发, say) with the meeting's, primary
        # first, not far down the page in the minutes' section (issue 20).
        offers = sorted(
            self._offers(MEETING_MACHINE, meeting, "meetings:transition", step)
            + (minutes_section["offers"] if minutes_section else []),
            key=lambda offer: (EMPHASIS_ORDER[offer.step.emphasis], not offer.enabled),
        )
        editable = self.may_organise and meeting.state in EDITABLE_STATES
        return {
            "meeting": meeting,
            "series": meeting.series,
            "chair_unit": meeting.chair_unit or meeting.series.chair_unit,
            "warnings": presenters.meeting_warnings(meeting, self.user),
            "offers": offers,
            "edit_form": (bound.get("edit") or self.form("edit")) if editable else None,
            "participants": self._participants(bound),
            "participant_form": (bound.get("participant_add") or self.form("participant_add"))
            if editable
            else None,
            "agenda": self._agenda(bound),
            "agenda_form": (bound.get("agenda_add") or self.form("agenda_add"))
            if self.may_organise and meeting.state in AGENDA_EDITABLE_STATES
            else None,
            "briefing": self._briefing(),
            "minutes": minutes_section,
            "resolutions": self._resolutions(),
            "timeline": self._timeline(),
            "ics_available": meeting.state != MS.DRAFT,
            "has_actions": bool(offers or (minutes_section and minutes_section["signoff_form"])),
        }


def _render_page(request, meeting, *, status: int = 200, bound: dict | None = None, step=None):
    page = MeetingPage(request, meeting)
    return render(request, "meetings/meeting_detail.html", page.context(bound, step), status=status)


class MeetingDetailView(CaseDataPageMixin, View):
    def get(self, request, pk: int):
        return _render_page(request, selectors.meeting_get_visible(request.user, pk))


def _conflict(request, meeting, error: Conflict | None = None):
    """Answer 409 with the page as it is now, and say so."""
    meeting = selectors.meeting_get_visible(request.user, meeting.pk)
    detail = str(error.message) if error is not None else ""
    if not detail or detail == str(Conflict.default_message):
        detail = _("The meeting was changed by someone else.")
    messages.error(
        request,
        _("%(detail)s It is now “%(state)s”: check it and choose again.")
        % {"detail": detail, "state": meeting.get_state_display()},
    )
    return _render_page(request, meeting, status=409)


def _denied(request, meeting):
    messages.error(request, _("You may not take this step on this meeting."))
    return _render_page(request, meeting, status=403)


def _participant_of(page: MeetingPage, pk) -> MeetingParticipant:
    participant = next((p for p in page.participants if p.pk == pk), None)
    if participant is None:
        raise Http404
    return participant


def _agenda_item_of(page: MeetingPage, pk) -> AgendaItem:
    item = next((i for i in page.agenda_items if i.pk == pk), None)
    if item is None:
        raise Http404
    return item


def _resolution_of(page: MeetingPage, pk) -> Resolution:
    if not page.minutes_readable:
        raise Http404
    resolution = Resolution.objects.filter(minutes=page.minutes, pk=pk).first()
    if resolution is None:
        raise Http404
    return resolution


def _ask(resolution: Resolution) -> str:
    """Return whom to ask about a proceeding the viewer may not open: the lead, else the holder."""
    unit = resolution.lead_unit or resolution.proceeding.holding_unit
    return _("Ask %(unit)s for the details.") % {"unit": unit.name} if unit else ""


def _unit_code(code: str, field: str) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise ValidationError({field: _("There is no unit with the code %(code)s.") % {"code": code}})
    return unit


# Each action: perform(page, values) -> success message. Errors are mapped by the view.


def _edit(page: MeetingPage, values: dict) -> str:
    fields = {
        key: values[key] for key in ("title", "start_at", "end_at", "place", "video_link", "description")
    }
    scheduling.meeting_update(
        meeting=page.meeting, by=page.user, expected_sequence=values["expected_sequence"], **fields
    )
    return _("The meeting's details are saved.")


def _answer(page: MeetingPage, values: dict) -> str:
    participant = _participant_of(page, values["participant"])
    delegate = None
    if values["answer"] == "delegated":
        delegate = User.objects.filter(username=values["delegate"].strip(), is_active=True).first()
        if delegate is None:
            raise ValidationError(
                {"delegate": _("There is no user %(name)s.") % {"name": values["delegate"]}}
            )
    scheduling.participant_answer(
        participant=participant,
        by=page.user,
        answer=values["answer"],
        reason=values["reason"],
        delegate=delegate,
    )
    return _("Your answer is recorded.")


def _participant_add(page: MeetingPage, values: dict) -> str:
    user = unit = None
    if values["candidate"]:
        user_id, unit_id = (int(part) for part in values["candidate"].split(":"))
        user, unit = User.objects.get(pk=user_id), Unit.objects.get(pk=unit_id)
    scheduling.participant_add(
        meeting=page.meeting,
        by=page.user,
        user=user,
        unit=unit,
        external_name="" if user else values["external_name"],
        external_affiliation="" if user else values["external_affiliation"],
        email="" if user else values["email"],
        kind=values["kind"],
        attendance_role=values["attendance_role"],
        is_chair=values["is_chair"],
    )
    return _("The participant is invited.")


def _participant_remove(page: MeetingPage, values: dict) -> str:
    participant = _participant_of(page, values["participant"])
    scheduling.participant_remove(participant=participant, by=page.user)
    return _("The participant is taken off the meeting.")


def _attendance(page: MeetingPage, values: dict) -> str:
    participant = _participant_of(page, values["participant"])
    participant = scheduling.attendance_record(
        participant=participant,
        by=page.user,
        presence=values["presence"],
        reason=values["reason"],
        delegate_name=values["delegate_name"],
    )
    return _("Recorded for %(name)s: %(presence)s.") % {
        "name": participant.display_name,
        "presence": participant.get_presence_display(),
    }


def _agenda_add(page: MeetingPage, values: dict) -> str:
    if values["candidate"]:
        source_kind, target_id = values["candidate"].split("|", 1)
        agenda.agenda_item_add(
            meeting=page.meeting, by=page.user, source_kind=source_kind, target_id=target_id
        )
    else:
        agenda.agenda_item_add(meeting=page.meeting, by=page.user, source_kind="free", title=values["title"])
    return _("The item is on the agenda.")


def _agenda_remove(page: MeetingPage, values: dict) -> str:
    item = _agenda_item_of(page, values["item"])
    agenda.agenda_item_remove(item=item, by=page.user)
    return _("The item is taken off the agenda.")


def _agenda_outcome(page: MeetingPage, values: dict) -> str:
    item = _agenda_item_of(page, values["item"])
    agenda.agenda_outcome_record(item=item, by=page.user, outcome=values["outcome"], note=values["note"])
    return _("The outcome is recorded.")


def _briefing_refresh(page: MeetingPage, values: dict) -> str:
    briefing.briefing_refresh(meeting=page.meeting, by=page.user)
    return _("The briefing's figures are computed again.")


def _briefing_pack(page: MeetingPage, values: dict) -> str:
    briefing.briefing_pack_issue(meeting=page.meeting, by=page.user)
    return _("The briefing pack is issued.")


def _minutes_update(page: MeetingPage, values: dict) -> str:
    if not page.minutes_readable:
        raise Http404
    minutes.minutes_update(
        minutes=page.minutes, by=page.user, opening=values["opening"], closing=values["closing"]
    )
    return _("The draft minutes are saved.")


def _signoff(page: MeetingPage, values: dict) -> str:
    if not page.minutes_readable:
        raise Http404
    unit = next((u for u in page.signing_units if u.code == values["unit"]), None)
    if unit is None:
        raise PermissionDenied
    minutes.minutes_signoff(
        minutes=page.minutes,
        unit=unit,
        by=page.user,
        action=values["action"],
        comment=values["comment"],
        digest=values["digest"],
    )
    if values["action"] == SignoffAction.SIGNED:
        return _("Signed for %(unit)s.") % {"unit": unit.name}
    return _("Your comments are sent to the host.")


def _resolution_add(page: MeetingPage, values: dict) -> str:
    if not page.minutes_readable:
        raise Http404
    from jurisdiction.models import JurisdictionProceeding

    kind = values["kind"]
    typed: dict = {}
    if kind == ResolutionKind.JURISDICTION:
        # The form offers only the disputes on this meeting's agenda (forms.ResolutionForm).
        proceeding = None
        if values["proceeding"] is not None:
            proceeding = JurisdictionProceeding.objects.filter(pk=values["proceeding"]).first()
            if proceeding is None:
                raise ValidationError({"proceeding": _("No such proceeding.")})
        typed = {
            "proceeding": proceeding,
            "lead_unit": _unit_code(values["lead_unit"], "lead_unit"),
            "assisting_units": [_unit_code(code, "assisting_units") for code in values["assisting_units"]],
        }
    elif kind == ResolutionKind.ACTION_ITEM:
        typed = {
            "owner_unit": _unit_code(values["owner_unit"], "owner_unit"),
            "task": values["task"],
            "due_in_days": values["due_in_days"],
            "due_on": values["due_on"],
        }
    elif kind == ResolutionKind.NORMATIVE_DOCUMENT:
        typed = {
            "normative_title": values["normative_title"],
            "normative_text": values["normative_text"],
            "repeals": values["repeals"],
        }
    agenda_item = None
    if values["agenda_item"] is not None:
        agenda_item = _agenda_item_of(page, values["agenda_item"])
    resolutions.resolution_add(
        minutes=page.minutes,
        by=page.user,
        kind=kind,
        text=values["text"],
        agenda_item=agenda_item,
        **typed,
    )
    return _("The decision is added to the minutes.")


def _resolution_remove(page: MeetingPage, values: dict) -> str:
    resolution = _resolution_of(page, values["resolution"])
    resolutions.resolution_remove(resolution=resolution, by=page.user)
    return _("The decision is taken off the minutes.")


def _resolution_retry(page: MeetingPage, values: dict) -> str:
    resolution = _resolution_of(page, values["resolution"])
    resolution = resolutions.resolution_retry(resolution=resolution, by=page.user)
    if resolution.apply_state == ApplyState.APPLIED:
        return _("The decision is applied.")
    return _("The decision still could not be applied: %(error)s") % {"error": resolution.apply_error_shown}


# The page's forms that are no steps of a machine (those are taken by MeetingStepView and MinutesStepView).
ACTIONS = {
    "edit": _edit,
    "answer": _answer,
    "participant_add": _participant_add,
    "participant_remove": _participant_remove,
    "attendance": _attendance,
    "agenda_add": _agenda_add,
    "agenda_remove": _agenda_remove,
    "agenda_outcome": _agenda_outcome,
    "briefing_refresh": _briefing_refresh,
    "briefing_pack": _briefing_pack,
    "minutes_update": _minutes_update,
    "signoff": _signoff,
    "resolution_add": _resolution_add,
    "resolution_remove": _resolution_remove,
    "resolution_retry": _resolution_retry,
}


def _bound_key(name: str, data) -> str:
    """Return the key a bound form is shown under: repeated forms carry their row's id."""
    if name == "answer":
        return f"answer:{data.get('participant', '')}"
    if name == "agenda_outcome":
        return f"agenda_outcome:{data.get('item', '')}"
    if name == "attendance":
        return f"attendance:{data.get('participant', '')}"
    return name


class MeetingActionView(CaseDataPageMixin, View):
    """Take one of the page's other actions from its form: answer, invite, agenda, minutes, sign-off…

    A step of the meeting or of its minutes posted here (the old shape of their URLs) is sent on to
    its `transitions/<name>/` URL with 308, once the meeting is found visible.
    """

    http_method_names = ["post", "options"]

    def post(self, request, pk: int, name: str):
        meeting = selectors.meeting_get_visible(request.user, pk)
        for machine, pattern_name in (
            (MEETING_MACHINE, "meetings:transition"),
            (MINUTES_MACHINE, "meetings:minutes-transition"),
        ):
            if machine.step(name) is not None:
                return moved(pattern_name)(request, pk=pk, name=name)
        if name not in ACTIONS:
            raise Http404
        page = MeetingPage(request, meeting)
        extra = {}
        if name == "answer":
            extra["participant_id"] = request.POST.get("participant")
        if name == "agenda_outcome":
            extra["item_id"] = request.POST.get("item")
        if name == "attendance":
            posted = id_or_none(request.POST.get("participant", ""))
            extra["participant"] = next((p for p in page.participants if p.pk == posted), None)
        if name == "signoff" and not page.signing_units:
            return _denied(request, meeting)
        if name == "attendance" and extra["participant"] is None:
            messages.error(request, _("Choose the participant whose attendance you record."))
            return _render_page(request, meeting, status=400)
        form = page.form(name, request.POST, **extra)
        key = _bound_key(name, request.POST)
        if not form.is_valid():
            if "expected_sequence" in form.errors:
                return _conflict(request, meeting)
            if name == "attendance":
                # The row's form may be far down the page: say at the top that it needs correcting.
                messages.error(
                    request, _("Please correct the fields marked below; nothing you typed has been lost.")
                )
            return _render_page(request, meeting, status=400, bound={key: form})
        try:
            message = ACTIONS[name](page, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
            if name == "attendance":
                messages.error(
                    request, _("Please correct the fields marked below; nothing you typed has been lost.")
                )
            return _render_page(request, meeting, status=400, bound={key: form})
        except Conflict as error:
            return _conflict(request, meeting, error)
        except PermissionDenied:
            return _denied(request, meeting)
        messages.success(request, message)
        return redirect(detail_url(meeting))


class MeetingStepView(CaseDataPageMixin, StepView):
    """Take a step of the meeting from its page (schedule, postpone, reschedule, cancel, open, close,
    start the minutes)."""

    machine = MEETING_MACHINE

    def get_object(self, request, pk: int):
        return selectors.meeting_get_visible(request.user, pk)

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        return _render_page(request, instance, status=status, step=(self.machine, bound_step, bound))

    def success_url(self, request, instance) -> str:
        return detail_url(instance)

    def refused_message(self) -> str:
        return _("You may not take this step on this meeting.")

    def conflict_message(self, instance) -> str:
        return _("%(detail)s It is now “%(state)s”: check it and choose again.") % {
            "detail": _("The meeting was changed by someone else."),
            "state": instance.get_state_display(),
        }


class MinutesStepView(CaseDataPageMixin, StepView):
    """Take a step of the minutes from the meeting's page: circulate, take back, issue (签发)."""

    machine = MINUTES_MACHINE

    def get_object(self, request, pk: int):
        return selectors.minutes_get_visible(selectors.meeting_get_visible(request.user, pk), request.user)

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        meeting = selectors.meeting_get_visible(request.user, instance.meeting_id)
        return _render_page(request, meeting, status=status, step=(self.machine, bound_step, bound))

    def success_url(self, request, instance) -> str:
        return reverse("meetings:detail", args=[instance.meeting_id])

    def refused_message(self) -> str:
        return _("You may not take this step on this meeting.")


class MeetingChecksView(CaseDataPageMixin, View):
    """The warnings for the times typed in the edit form (htmx preview); nothing is saved."""

    def get(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        form = forms.MeetingEditForm(
            {
                "expected_sequence": meeting.sequence,
                "title": meeting.title,
                "start_at": request.GET.get("start_at", ""),
                "end_at": request.GET.get("end_at", ""),
            }
        )
        warnings = []
        if form.is_valid() and form.cleaned_data["start_at"] and form.cleaned_data["end_at"]:
            warnings = scheduling.meeting_checks(
                meeting,
                start_at=form.cleaned_data["start_at"],
                end_at=form.cleaned_data["end_at"],
                user=request.user,
            )
        return render(request, "meetings/_warnings.html", {"warnings": warnings, "preview": True})


class MeetingIcsView(CaseDataPageMixin, View):
    """Download the meeting's calendar object; a draft has none (409)."""

    def get(self, request, pk: int):
        meeting = selectors.meeting_get_visible(request.user, pk)
        try:
            return ical.calendar_response(meeting)
        except Conflict as error:
            messages.error(request, str(error.message))
            return _render_page(request, meeting, status=409)


# --- the series ------------------------------------------------------------------------------------


class SeriesDetailView(CaseDataPageMixin, View):
    """A series: members in rotation order, the member on duty, the next host, drills, its meetings."""

    def get(self, request, pk: int):
        series = selectors.series_get_visible(request.user, pk)
        overview = presenters.series_overview(series)
        meetings = list(
            selectors.meeting_visible_to(request.user)
            .filter(series=series)
            .select_related("host_unit")
            .order_by("-start_at", "-id")[:LIST_PAGE_SIZE]
        )
        return render(
            request,
            "meetings/series_detail.html",
            {
                "series": series,
                "members": overview.members,
                "duty_unit": overview.duty_unit,
                "proposal": overview.next_host,
                "proposal_reason": overview.next_host_reason,
                "drill_gaps": overview.drill_gaps,
                "meetings": meetings,
                "may_create": permissions.may_organise_series(series, request.user),
            },
        )


class NormativeListView(CaseDataPageMixin, View):
    """The register of the series' normative documents, searchable by title and text."""

    def get(self, request, pk: int):
        series = selectors.series_get_visible(request.user, pk)
        q = request.GET.get("q", "").strip()
        status = request.GET.get("status", "")
        documents = selectors.normative_search(
            request.user, series=series, q=q, status=status if status in NormativeStatus.values else None
        )
        after = id_or_none(request.GET.get("after", ""))
        if after is not None:
            documents = documents.filter(pk__lt=after)
        rows = list(documents.order_by("-id")[: LIST_PAGE_SIZE + 1])
        return render(
            request,
            "meetings/normative_list.html",
            {
                "series": series,
                "documents": rows[:LIST_PAGE_SIZE],
                "next_after": rows[LIST_PAGE_SIZE - 1].pk if len(rows) > LIST_PAGE_SIZE else None,
                "q": q,
                "status": status,
                "statuses": NormativeStatus.choices,
            },
        )


# --- an action item --------------------------------------------------------------------------------


def _render_item(request, item, *, status=200, bound=None, bound_step=""):
    offers = next_steps(
        ACTION_ITEM_MACHINE,
        item,
        request.user,
        url_for=lambda name: reverse("meetings:action-item-transition", args=[item.pk, name]),
        bound=bound,
        bound_step=bound_step,
    )
    deadlines = [
        {
            "row": row,
            "label": deadline_rows.label_text(row),
            "due": deadline_rows.due_text(row),
            "remaining": deadline_rows.remaining_text(row),
        }
        for row in deadline_rows.deadlines_for(item)
    ]
    meeting_visible = selectors.meeting_visible_to(request.user).filter(pk=item.meeting_id).exists()
    return render(
        request,
        "meetings/action_item_detail.html",
        {
            "item": item,
            "offers": offers,
            "deadlines": deadlines,
            "meeting_visible": meeting_visible,
            "overdue": presenters.action_item_overdue(item),
            "timeline": _labelled(presenters.action_item_timeline(item)),
        },
        status=status,
    )


class ActionItemDetailView(CaseDataPageMixin, View):
    def get(self, request, pk: int):
        return _render_item(request, selectors.action_item_get_visible(request.user, pk))


class ActionItemStepView(CaseDataPageMixin, StepView):
    """Report an action item done or withdraw it."""

    machine = ACTION_ITEM_MACHINE

    def get_object(self, request, pk: int):
        return selectors.action_item_get_visible(request.user, pk)

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        return _render_item(request, instance, status=status, bound=bound, bound_step=bound_step)

    def success_url(self, request, instance) -> str:
        return reverse("meetings:action-item", args=[instance.pk])

    def refused_message(self) -> str:
        return _("You may not take this step on this action item.")

    def conflict_message(self, instance) -> str:
        return _("The action item was changed by someone else and is now “%(state)s”.") % {
            "state": instance.get_state_display()
        }
