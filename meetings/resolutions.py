"""Resolutions that act (议定事项): typed decisions of the minutes, applied once the 纪要 is issued.

A resolution is drafted with the minutes by the host's liaison officer and printed in them. Nothing
acts before the host's head issues (签发) the signed 纪要: then, in the same transaction, each
pending resolution is applied in a savepoint of its own — a jurisdiction agreement goes to the
proceeding (MPS-2020 art 22, the lead's legal department still reviews it), an action item opens
with a deadline, a normative document enters the series' register. A resolution that can no longer
be applied (the proceeding moved on meanwhile) is marked failed and flagged to the host; the 纪要
stays issued, since it records what the meeting decided, and the host's head may retry.

The kinds are a registry (`KINDS`, `register_kind`), so that issue 7 can add a "directive" kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from cases.models import HandlingCode
from core import audit, words
from core.exceptions import Conflict
from core.ids import parse_id
from core.notifications import notify
from core.registry import Registry
from jurisdiction import permissions as jurisdiction_permissions
from jurisdiction import services as jurisdiction_services
from jurisdiction.models import JurisdictionProceeding, ProceedingKind, ProceedingState
from jurisdiction.selectors import proceeding_visible_to
from meetings import permissions as perms
from meetings.models import (
    AgendaItem,
    ApplyState,
    MinutesState,
    NormativeDocument,
    NormativeStatus,
    Resolution,
    ResolutionKind,
)
from meetings.models import (
    Minutes as MinutesModel,
)
from organisation.models import Membership, Role, Unit, User
from organisation.paths import covered_by_any
from organisation.standing import user_standing

RESOLUTION_TARGET = "meetings.resolution"
# The states in which a dispute may still be agreed (MPS-2020 art 22): not once the request to
# designate is on its way up or with the superior — it is withdrawn or returned first.
AGREEABLE_STATES = (ProceedingState.OPEN, ProceedingState.CONSULTING, ProceedingState.DESIGNATION_REQUESTED)
HOST_OFFICERS = (Role.LIAISON_OFFICER, Role.UNIT_HEAD)
MAX_DUE_IN_DAYS = 365


# --- the registry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolutionKindSpec:
    """What a kind of resolution takes, how it is checked and what applying it does.

    `validate(resolution)` raises ValidationError({field: [message]}); `apply(resolution, *, by,
    citation, document)` returns the (type, id) of what it made or changed, and raises Conflict,
    ValidationError or PermissionDenied when it cannot act (the resolution is then marked failed).
    """

    code: str
    label: str | Promise
    validate: Callable[[Resolution], None]
    apply: Callable[..., tuple[str, str]]
    # The typed fields of Resolution this kind uses (others are refused and cleared).
    fields: tuple[str, ...] = field(default=())


KINDS: Registry[str, ResolutionKindSpec] = Registry("meeting resolution kinds")


def register_kind(spec: ResolutionKindSpec) -> ResolutionKindSpec:
    """Register a kind of resolution; another spec under a taken code raises DuplicateRegistration."""
    return KINDS.add(spec.code, spec)


TYPED_FIELDS = (
    "proceeding",
    "lead_unit",
    "assisting_units",
    "owner_unit",
    "task",
    "due_in_days",
    "due_on",
    "normative_title",
    "normative_text",
    "repeals",
)
_UNIT_FIELDS = ("lead_unit", "owner_unit")
_EMPTY = {
    "proceeding": None,
    "lead_unit": None,
    "owner_unit": None,
    "task": "",
    "due_in_days": None,
    "due_on": None,
    "normative_title": "",
    "normative_text": "",
}


# --- helpers ---------------------------------------------------------------------------------------


def meeting_url(meeting_id: int) -> str:
    """Return the meeting's page (§13.2 /meetings/<id>/)."""
    try:
        return reverse("meetings:detail", args=[meeting_id])
    except NoReverseMatch:  # the pages are not mounted (config/urls.py)
        return f"/meetings/{meeting_id}/"


def officers(unit_ids: Iterable[int], roles: Iterable[str]) -> list[User]:
    """Return the active users holding one of `roles` in any of the units today."""
    memberships = Membership.objects.current().filter(unit_id__in=list(unit_ids), role__in=list(roles))
    return list(User.objects.filter(pk__in=memberships.values("user_id")).order_by("pk"))


def _within_members(unit: Unit, member_paths: Iterable[str]) -> bool:
    return covered_by_any(unit.path, member_paths)


def _member_paths(resolution: Resolution) -> list[str]:
    return list(perms.current_member_units(resolution.minutes.meeting.series).values())


def _repeals_of(resolution: Resolution) -> list[NormativeDocument]:
    # As for the assisting units: the service puts the entries it was given on the instance.
    pending = resolution.__dict__.get("_repeals")
    if pending is not None:
        return list(pending)
    if resolution.pk is None or resolution.kind != ResolutionKind.NORMATIVE_DOCUMENT:
        return []
    return list(resolution.repeals.order_by("pk"))


def _assisting_of(resolution: Resolution) -> list[Unit]:
    # While a resolution is added or changed its M2M is not written yet: the service puts the
    # units it was given on the instance for the validator to read.
    pending = resolution.__dict__.get("_assisting_units")
    if pending is not None:
        return list(pending)
    if resolution.pk is None:
        return []
    return list(resolution.assisting_units.all())


def citation_of(resolution: Resolution, document) -> str:
    """Cite the resolution as officers write it: 《…联席会议纪要》（渝公纪字〔2026〕1号）第1项."""
    masthead = resolution.minutes.meeting.series.minutes_masthead
    return f"《{masthead}》（{document.number}）第{resolution.number}项"


# How a refusal is kept (issue 20 item 6): by its message keys and arguments, not in the words of
# whoever issued the minutes; shown in the reader's language (Resolution.apply_error_shown).
FIELD_MESSAGE = gettext_noop("%(field)s: %(message)s")
STATE_MESSAGE = gettext_noop("%(message)s (%(state)s)")
APPLY_ERROR = "%(messages)s"


def _error_parts(error: ValidationError) -> list:
    parts = []
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                text = words.message(item.message, item.params)
                parts.append(words.Message(FIELD_MESSAGE, (("field", name), ("message", text))))
        return parts
    return [words.message(item.message, item.params) for item in error.error_list]


def _messages(error: Exception) -> str:
    """Return why a resolution could not be applied, as a stored message (core.words)."""
    if isinstance(error, ValidationError):
        parts = _error_parts(error)
    elif isinstance(error, Conflict):
        state = getattr(error, "current_state", None)
        text = words.message(error.message)
        parts = [words.Message(STATE_MESSAGE, (("message", text), ("state", state))) if state else text]
    elif isinstance(error, PermissionDenied):
        parts = [words.message(_("Only the head of the host unit may apply it."))]
    else:
        parts = [str(error)]
    return words.stored(APPLY_ERROR, messages=words.joined(parts))


# --- the kinds -------------------------------------------------------------------------------------


NO_SUCH_PROCEEDING = _("No such jurisdiction proceeding.")


def _discussable(proceeding: JurisdictionProceeding, member_paths: list[str]) -> bool:
    """Tell whether the series may take the proceeding up, as the agenda proposes matters (agenda.py).

    Every party must lie within a member's subtree, so that the members between them can agree it,
    and the case must not be restricted (限制), which is never discoverable (DESIGN.md, Visibility).
    """
    if proceeding.case.handling_code == HandlingCode.RESTRICTED:
        return False
    party_paths = list(proceeding.parties.values_list("unit_path", flat=True))
    return bool(party_paths) and all(covered_by_any(path, member_paths) for path in party_paths)


def _sees(user, proceeding: JurisdictionProceeding) -> bool:
    return user is not None and proceeding_visible_to(user).filter(pk=proceeding.pk).exists()


def _validate_jurisdiction(resolution: Resolution) -> None:
    errors: dict[str, list] = {}
    paths = _member_paths(resolution)
    proceeding = resolution.proceeding
    if proceeding is None:
        errors["proceeding"] = [_("Name the jurisdiction proceeding the meeting decided.")]
    elif not _discussable(proceeding, paths):
        # Checked before anything about the proceeding is said: whoever cannot see it learns only
        # that there is no such proceeding (not its state, its case's handling code or its
        # parties). Whoever sees it is told why, still without naming units outside the series, as
        # the message may end up in a failed resolution's error shown to the host's officers.
        viewer = resolution.__dict__.get("_viewer")
        if not _sees(viewer, proceeding):
            errors["proceeding"] = [NO_SUCH_PROCEEDING]
        elif proceeding.case.handling_code == HandlingCode.RESTRICTED:
            errors["proceeding"] = [_("A restricted case is not decided at a joint meeting.")]
        else:
            errors["proceeding"] = [_("A party to the proceeding is outside the series' member units.")]
    else:
        if proceeding.kind != ProceedingKind.DISPUTE:
            errors["proceeding"] = [_("Only a consultation on disputed jurisdiction is agreed at a meeting.")]
        elif proceeding.state not in AGREEABLE_STATES:
            errors["proceeding"] = [
                _(
                    "The proceeding is %(state)s: a meeting agrees a dispute only while it is open, "
                    "in consultation or before the request to designate goes up."
                )
                % {"state": proceeding.get_state_display()}
            ]
        elif (
            Resolution.objects.filter(minutes_id=resolution.minutes_id, proceeding_id=proceeding.pk)
            .exclude(pk=resolution.pk)
            .exists()
        ):
            errors["proceeding"] = [_("Another decision of these minutes already settles this proceeding.")]
    lead = resolution.lead_unit
    # MPS-2020 art 24 ¶2: a city-level organ or above is responsible for (负责) investigating a major
    # cross-regional case, and ¶3 lets a superior investigate a lower organ's case, so any
    # active unit within a member's subtree (the provincial organ itself included) may be named.
    if lead is None:
        errors["lead_unit"] = [_("Name the lead unit the meeting agreed on.")]
    elif not lead.is_active or not _within_members(lead, paths):
        errors["lead_unit"] = [_("The lead unit must be an active unit within a member's area.")]
    assisting = _assisting_of(resolution)
    if any(not unit.is_active or not _within_members(unit, paths) for unit in assisting):
        errors["assisting_units"] = [_("Assisting units must be active units within a member's area.")]
    elif lead is not None and any(unit.pk == lead.pk for unit in assisting):
        errors["assisting_units"] = [_("The lead unit cannot also be an assisting unit.")]
    if errors:
        raise ValidationError(errors)


def _apply_jurisdiction(resolution: Resolution, *, by, citation: str, document) -> tuple[str, str]:
    reference = f"{RESOLUTION_TARGET}:{resolution.pk}"
    proceeding = JurisdictionProceeding.objects.select_related("case").get(pk=resolution.proceeding_id)
    resolution.proceeding = proceeding
    resolution._viewer = by
    if proceeding.agreement_reference != reference:
        _validate_jurisdiction(resolution)
    jurisdiction_services.proceeding_agree_by_resolution(
        proceeding=proceeding,
        by=by,
        lead_unit=resolution.lead_unit,
        assisting_units=_assisting_of(resolution),
        citation=citation,
        reference=reference,
        acting_unit_code=resolution.minutes.meeting.host_unit.code,
    )
    return "jurisdiction.jurisdictionproceeding", str(proceeding.pk)


def meeting_day(meeting):
    """Return the local day the meeting ends on (an action item is due after it)."""
    moment = meeting.end_at or meeting.start_at
    return timezone.localdate(moment) if moment is not None else None


def _validate_action_item(resolution: Resolution) -> None:
    errors: dict[str, list] = {}
    owner = resolution.owner_unit
    if owner is None:
        errors["owner_unit"] = [_("Name the unit that carries out the task.")]
    elif not owner.is_active or not _within_members(owner, _member_paths(resolution)):
        errors["owner_unit"] = [_("The owner unit must be an active unit within a member's area.")]
    if not (resolution.task or "").strip():
        errors["task"] = [_("Say what is to be done.")]
    days, on = resolution.due_in_days, resolution.due_on
    if (days is None) == (on is None):
        errors["due_in_days"] = [_("Give either the number of days or the date the task is due.")]
    elif days is not None and not 1 <= days <= MAX_DUE_IN_DAYS:
        errors["due_in_days"] = [_("Give between 1 and 365 days.")]
    elif on is not None:
        day = meeting_day(resolution.minutes.meeting)
        if day is not None and on <= day:
            errors["due_on"] = [_("The due date must fall after the meeting.")]
    if errors:
        raise ValidationError(errors)


def _apply_action_item(resolution: Resolution, *, by, citation: str, document) -> tuple[str, str]:
    from meetings.action_items import action_item_open

    _validate_action_item(resolution)
    published_at = resolution.minutes.published_at or timezone.now()
    item = action_item_open(resolution=resolution, by=by, citation=citation, published_at=published_at)
    return "meetings.actionitem", str(item.pk)


NO_SUCH_NORMATIVE = _("Choose normative documents of this series that are in force.")


def repealable(entries: Iterable[NormativeDocument], series_id: int) -> bool:
    """Tell whether every entry may be repealed by an adoption in the series: its own, in force."""
    return all(entry.series_id == series_id and entry.status == NormativeStatus.IN_FORCE for entry in entries)


def _validate_normative(resolution: Resolution) -> None:
    errors: dict[str, list] = {}
    if not (resolution.normative_title or "").strip():
        errors["normative_title"] = [_("Give the title of the normative document.")]
    if not (resolution.normative_text or "").strip():
        errors["normative_text"] = [_("Give the text of the normative document.")]
    # One message whatever the reason (another series', repealed already): the register of a
    # series the drafter is no member of is not theirs to probe.
    if not repealable(_repeals_of(resolution), resolution.minutes.meeting.series_id):
        errors["repeals"] = [NO_SUCH_NORMATIVE]
    if errors:
        raise ValidationError(errors)


def _apply_normative(resolution: Resolution, *, by, citation: str, document) -> tuple[str, str]:
    from meetings.normative import normative_adopt

    _validate_normative(resolution)
    entry = normative_adopt(resolution=resolution, by=by, document=document)
    return "meetings.normativedocument", str(entry.pk)


def _validate_note(resolution: Resolution) -> None:
    """A decision with no effect beyond the text (e.g. who hosts next): nothing more to check."""


def _apply_note(resolution: Resolution, *, by, citation: str, document) -> tuple[str, str]:
    return "", ""


register_kind(
    ResolutionKindSpec(
        code=ResolutionKind.JURISDICTION,
        label=ResolutionKind.JURISDICTION.label,
        validate=_validate_jurisdiction,
        apply=_apply_jurisdiction,
        fields=("proceeding", "lead_unit", "assisting_units"),
    )
)
register_kind(
    ResolutionKindSpec(
        code=ResolutionKind.ACTION_ITEM,
        label=ResolutionKind.ACTION_ITEM.label,
        validate=_validate_action_item,
        apply=_apply_action_item,
        fields=("owner_unit", "task", "due_in_days", "due_on"),
    )
)
register_kind(
    ResolutionKindSpec(
        code=ResolutionKind.NORMATIVE_DOCUMENT,
        label=ResolutionKind.NORMATIVE_DOCUMENT.label,
        validate=_validate_normative,
        apply=_apply_normative,
        fields=("normative_title", "normative_text", "repeals"),
    )
)
register_kind(
    ResolutionKindSpec(
        code=ResolutionKind.NOTE,
        label=ResolutionKind.NOTE.label,
        validate=_validate_note,
        apply=_apply_note,
    )
)


# --- the jurisdiction authority --------------------------------------------------------------------


def jurisdiction_authority(proceeding, user) -> bool:
    """Allow `agree_by_resolution` while a published 纪要 applies its resolution on the proceeding.

    The minutes are saved as published before their resolutions are applied (in the same
    transaction), and a resolution is pending only until it is applied: so only the head of the
    host unit, issuing (or retrying) signed minutes that decided this proceeding, is allowed.
    """
    standing = user_standing(user)
    heads = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, perms.HEADS)]
    if not heads:
        return False
    return Resolution.objects.filter(
        kind=ResolutionKind.JURISDICTION,
        proceeding_id=proceeding.pk,
        apply_state=ApplyState.PENDING,
        minutes__state=MinutesState.PUBLISHED,
        minutes__meeting__host_unit_id__in=heads,
    ).exists()


def register() -> None:
    """Register the jurisdiction authority a published resolution carries (MeetingsConfig.ready)."""
    jurisdiction_permissions.register_resolution_authority(jurisdiction_authority)


# --- drafting: add, change, remove -----------------------------------------------------------------


def _lock_minutes(minutes_id) -> MinutesModel:
    try:
        return (
            MinutesModel.objects.select_for_update(of=("self",))
            .select_related("meeting__series", "meeting__host_unit")
            .get(pk=minutes_id)
        )
    except (MinutesModel.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"minutes": [_("No such minutes.")]}) from None


def _check_drafting(minutes: MinutesModel, by) -> None:
    if minutes.state != MinutesState.DRAFTING:
        raise Conflict(
            _("Resolutions are changed only while the minutes are being drafted."),
            current_state=minutes.state,
        )
    if not perms.may_draft_minutes_of(minutes, by):
        raise PermissionDenied


def _check_not_applied(resolution: Resolution) -> None:
    """Refuse to change a decision that took effect with issued minutes (a 纪要 reopened for correction)."""
    if resolution.apply_state != ApplyState.PENDING:
        raise Conflict(
            _(
                "Resolution %(number)s took effect when the minutes were issued; a correction cannot "
                "change it. Record a new decision instead."
            )
            % {"number": resolution.number},
            current_state=resolution.apply_state,
        )


def _unit_value(value, field_name: str) -> Unit | None:
    if value is None or value == "":
        return None
    if isinstance(value, Unit):
        return value
    unit = Unit.objects.filter(code=str(value)).first()
    if unit is None:
        raise ValidationError({field_name: [_("No unit has the code %(code)s.") % {"code": value}]})
    return unit


def _proceeding_value(value, *, by, minutes: MinutesModel) -> JurisdictionProceeding | None:
    """Return the proceeding named, if the drafter may name it; else the one generic 400.

    The drafter may name a proceeding they see (a party's unit, or above one) or one the series may
    take up (`_discussable`: the host's liaison officer need not be a party). Anything else — no
    such row, a restricted case, parties outside the members' areas — is refused with the same
    message as a missing id, before its state is looked at, so the field cannot probe proceedings.
    """
    if value is None or value == "":
        return None
    # Read afresh even when given an instance: its state and case decide whether it may be named.
    pk = value.pk if isinstance(value, JurisdictionProceeding) else value
    pk = parse_id(pk, field="proceeding", message=NO_SUCH_PROCEEDING)
    proceeding = JurisdictionProceeding.objects.select_related("case").filter(pk=pk).first()
    if proceeding is None or not (
        _discussable(proceeding, list(perms.current_member_units(minutes.meeting.series).values()))
        or _sees(by, proceeding)
    ):
        raise ValidationError({"proceeding": [NO_SUCH_PROCEEDING]})
    return proceeding


def _repeals_value(value, *, minutes: MinutesModel) -> list[NormativeDocument]:
    """Return the register entries named (ids or instances); unknown ones get the generic 400."""
    if value in (None, ""):
        return []
    if isinstance(value, str | bytes | NormativeDocument) or not isinstance(value, Iterable):
        value = [value]
    ids = []
    for entry in value:
        pk = entry.pk if isinstance(entry, NormativeDocument) else entry
        pk = parse_id(pk, field="repeals", message=NO_SUCH_NORMATIVE)
        if pk not in ids:
            ids.append(pk)
    entries = list(NormativeDocument.objects.filter(pk__in=ids).order_by("pk"))
    if len(entries) != len(ids):
        raise ValidationError({"repeals": [NO_SUCH_NORMATIVE]})
    return entries


def _agenda_value(value, minutes: MinutesModel) -> AgendaItem | None:
    if value is None or value == "":
        return None
    message = _("Choose an item of this meeting's agenda.")
    pk = value.pk if isinstance(value, AgendaItem) else parse_id(value, field="agenda_item", message=message)
    item = AgendaItem.objects.filter(pk=pk, meeting_id=minutes.meeting_id).first()
    if item is None:
        raise ValidationError({"agenda_item": [message]})
    return item


def _set_typed(resolution: Resolution, spec: ResolutionKindSpec, typed: dict[str, Any], *, by) -> None:
    """Write the typed fields given onto the resolution; refuse fields the kind does not take."""
    # A form posts every field; an empty one of another kind is no error and is ignored.
    typed = {
        name: value
        for name, value in typed.items()
        if name in spec.fields or name not in TYPED_FIELDS or value not in (None, "", [], ())
    }
    unknown = sorted(name for name in typed if name not in TYPED_FIELDS)
    foreign = sorted(name for name in typed if name in TYPED_FIELDS and name not in spec.fields)
    if unknown or foreign:
        raise ValidationError(
            {name: [_("Not a field of a resolution of this kind.")] for name in unknown + foreign}
        )
    for name, value in typed.items():
        if name == "assisting_units":
            units = [_unit_value(unit, "assisting_units") for unit in (value or [])]
            resolution._assisting_units = [unit for unit in units if unit is not None]
        elif name in _UNIT_FIELDS:
            setattr(resolution, name, _unit_value(value, name))
        elif name == "proceeding":
            resolution.proceeding = _proceeding_value(value, by=by, minutes=resolution.minutes)
        elif name == "repeals":
            resolution._repeals = _repeals_value(value, minutes=resolution.minutes)
        elif name == "due_in_days":
            try:
                resolution.due_in_days = None if value in (None, "") else int(value)
            except (TypeError, ValueError):
                raise ValidationError({"due_in_days": [_("Give a whole number of days.")]}) from None
        elif name == "due_on":
            resolution.due_on = _date_value(value)
        else:
            setattr(resolution, name, (value or "").strip() if isinstance(value, str) else (value or ""))


def _date_value(value):
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({"due_on": [_("Give the date as YYYY-MM-DD.")]}) from None


def _clear_foreign(resolution: Resolution, spec: ResolutionKindSpec) -> None:
    """Clear the typed fields another kind used (after a change of kind)."""
    for name, empty in _EMPTY.items():
        if name not in spec.fields:
            setattr(resolution, name, empty)
    if "assisting_units" not in spec.fields:
        resolution._assisting_units = []
    if (
        "repeals" not in spec.fields
        and resolution.__dict__.get("_previous_kind") == ResolutionKind.NORMATIVE_DOCUMENT
    ):
        resolution._repeals = []


def _save(resolution: Resolution) -> None:
    resolution.save()
    pending = resolution.__dict__.pop("_assisting_units", None)
    if pending is not None:
        resolution.assisting_units.set(pending)
    repeals = resolution.__dict__.pop("_repeals", None)
    if repeals is not None:
        resolution.repeals.set(repeals)


def _snapshot(resolution: Resolution) -> dict:
    return {
        "number": resolution.number,
        "kind": resolution.kind,
        "text": resolution.text,
        "proceeding": resolution.proceeding_id,
        "lead_unit": getattr(resolution.lead_unit, "code", ""),
        "assisting_units": [unit.code for unit in _assisting_of(resolution)],
        "owner_unit": getattr(resolution.owner_unit, "code", ""),
        "task": resolution.task,
        "due_in_days": resolution.due_in_days,
        "due_on": resolution.due_on,
        "normative_title": resolution.normative_title,
        **(
            {"repeals": [entry.pk for entry in _repeals_of(resolution)]}
            if resolution.kind == ResolutionKind.NORMATIVE_DOCUMENT
            else {}
        ),
    }


def _audit(action: str, resolution: Resolution, by, minutes: MinutesModel, payload: dict) -> None:
    audit.record(
        action=f"meetings.resolution.{action}",
        actor=by,
        acting_unit_code=minutes.meeting.host_unit.code,
        target=(RESOLUTION_TARGET, resolution.pk),
        payload={"minutes": minutes.pk, "meeting": minutes.meeting_id, **payload},
    )


@transaction.atomic
def resolution_add(*, minutes: MinutesModel, by, kind, text, agenda_item=None, **typed) -> Resolution:
    """Add a decision to minutes being drafted, numbered after the last (host liaison officer).

    `minutes` are the minutes as the adapter read them; they are locked again by their pk.
    `typed` carries the fields of the kind: a jurisdiction decision takes `proceeding`, `lead_unit`
    and `assisting_units` (units or codes), an action item `owner_unit`, `task` and `due_in_days`
    or `due_on`, a normative document `normative_title` and `normative_text`.
    """
    minutes = _lock_minutes(minutes.pk)
    _check_drafting(minutes, by)
    spec = KINDS.get(kind)
    errors: dict[str, list] = {}
    if spec is None:
        errors["kind"] = [_("Choose a kind of resolution.")]
    if not (text or "").strip():
        errors["text"] = [_("Give the text of the decision as the minutes print it.")]
    if errors:
        raise ValidationError(errors)
    last = minutes.resolutions.aggregate(last=Max("number"))["last"] or 0
    resolution = Resolution(
        minutes=minutes,
        number=last + 1,
        kind=kind,
        text=text.strip(),
        agenda_item=_agenda_value(agenda_item, minutes),
    )
    resolution._viewer = by
    _set_typed(resolution, spec, typed, by=by)
    spec.validate(resolution)
    snapshot = _snapshot(resolution)
    _save(resolution)
    _audit("add", resolution, by, minutes, snapshot)
    return resolution


@transaction.atomic
def resolution_update(*, resolution: Resolution, by, **fields) -> Resolution:
    """Change a decision of minutes being drafted: its text, agenda item, kind or typed fields.

    `resolution` is the decision as the adapter read it; its minutes are locked by their pk and
    the decision read again under that lock.
    """
    minutes = _lock_minutes(resolution.minutes_id)
    resolution = _still_there(resolution)
    resolution.minutes = minutes
    _check_drafting(minutes, by)
    _check_not_applied(resolution)
    kind = fields.pop("kind", resolution.kind)
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": [_("Choose a kind of resolution.")]})
    if "text" in fields:
        text = (fields.pop("text") or "").strip()
        if not text:
            raise ValidationError({"text": [_("Give the text of the decision as the minutes print it.")]})
        resolution.text = text
    if "agenda_item" in fields:
        resolution.agenda_item = _agenda_value(fields.pop("agenda_item"), minutes)
    if kind != resolution.kind:
        resolution._previous_kind = resolution.kind
        resolution.kind = kind
        _clear_foreign(resolution, spec)
    resolution._viewer = by
    _set_typed(resolution, spec, fields, by=by)
    spec.validate(resolution)
    snapshot = _snapshot(resolution)
    _save(resolution)
    _audit("update", resolution, by, minutes, snapshot)
    return resolution


def _still_there(resolution: Resolution) -> Resolution:
    """Read the resolution again under its minutes' lock; refuse one another request removed meanwhile."""
    resolution = Resolution.objects.filter(pk=resolution.pk).first()
    if resolution is None:
        raise ValidationError({"resolution": [_("No such resolution.")]})
    return resolution


def _renumber(minutes: MinutesModel) -> None:
    """Number the decisions 1..n in their order; ascending, so no two rows ever share a number."""
    for position, resolution in enumerate(minutes.resolutions.order_by("number"), start=1):
        if resolution.number != position:
            resolution.number = position
            resolution.save(update_fields=["number"])


@transaction.atomic
def resolution_remove(*, resolution: Resolution, by) -> None:
    """Remove a decision from minutes being drafted; the rest are numbered 1..n again.

    Its minutes are locked by their pk and the decision read again under that lock.
    """
    minutes = _lock_minutes(resolution.minutes_id)
    resolution = _still_there(resolution)
    _check_drafting(minutes, by)
    _check_not_applied(resolution)
    _audit("remove", resolution, by, minutes, _snapshot(resolution))
    resolution.delete()
    _renumber(minutes)


def resolutions_validate(minutes) -> None:
    """Check every decision of the minutes again (at circulation); name the number and field of each fault."""
    messages: list[str] = []
    resolutions = (
        Resolution.objects.filter(minutes=minutes)
        .select_related("minutes__meeting__series", "proceeding__case", "lead_unit", "owner_unit")
        .prefetch_related("assisting_units")
        .order_by("number")
    )
    for resolution in resolutions:
        spec = KINDS.get(resolution.kind)
        if spec is None:
            messages.append(
                gettext("Resolution %(number)s: no such kind %(kind)s.")
                % {"number": resolution.number, "kind": resolution.kind}
            )
            continue
        try:
            spec.validate(resolution)
        except ValidationError as error:
            for name, texts in error.message_dict.items():
                messages.extend(
                    gettext("Resolution %(number)s, %(field)s: %(message)s")
                    % {"number": resolution.number, "field": name, "message": text}
                    for text in texts
                )
    if messages:
        raise ValidationError({"resolutions": messages})


# --- applying: at issue, and on retry --------------------------------------------------------------


def _notify_failed(resolution: Resolution, minutes: MinutesModel) -> None:
    meeting = minutes.meeting
    notify(
        users=officers([meeting.host_unit_id], HOST_OFFICERS),
        key=f"resolution:{resolution.pk}:failed:{resolution.attempts}",
        subject=_("Resolution %(number)s of the minutes of %(meeting)s could not be applied"),
        body=_(
            "Why: %(error)s\nThe minutes stay issued; the head of the host unit may retry once the "
            "obstacle is removed."
        ),
        url=meeting_url(meeting.pk),
        params={"number": resolution.number, "meeting": meeting.title, "error": resolution.apply_error},
    )


def _apply_one(resolution: Resolution, *, minutes: MinutesModel, by, document) -> Resolution:
    """Apply a pending resolution in a savepoint; on refusal mark it failed and tell the host."""
    spec = KINDS[resolution.kind]
    resolution.minutes = minutes
    citation = citation_of(resolution, document)
    base = {
        "minutes_number": document.number,
        "document_id": document.pk,
        "meeting_id": minutes.meeting_id,
        "number": resolution.number,
        "kind": resolution.kind,
    }
    resolution.attempts += 1
    try:
        with transaction.atomic():
            result_type, result_id = spec.apply(resolution, by=by, citation=citation, document=document)
    except (Conflict, ValidationError, PermissionDenied) as error:
        # The savepoint rolled back whatever the kind had written; the 纪要 stays issued.
        resolution.apply_state = ApplyState.FAILED
        resolution.apply_error = _messages(error)
        resolution.save(update_fields=["apply_state", "apply_error", "attempts"])
        _audit_apply("failed", resolution, by, minutes, {**base, "error": resolution.apply_error})
        _notify_failed(resolution, minutes)
        return resolution
    resolution.apply_state = ApplyState.APPLIED
    resolution.applied_at = timezone.now()
    resolution.apply_error = ""
    resolution.result_type, resolution.result_id = result_type, result_id
    resolution.save(
        update_fields=["apply_state", "applied_at", "apply_error", "attempts", "result_type", "result_id"]
    )
    _audit_apply(
        "apply", resolution, by, minutes, {**base, "citation": citation, "result": [result_type, result_id]}
    )
    return resolution


def _audit_apply(action: str, resolution, by, minutes, payload: dict) -> None:
    audit.record(
        action=f"meetings.resolution.{action}",
        actor=by,
        acting_unit_code=minutes.meeting.host_unit.code,
        target=(RESOLUTION_TARGET, resolution.pk),
        payload=payload,
    )


def _published(minutes_id) -> MinutesModel:
    minutes = MinutesModel.objects.select_related("meeting__series", "meeting__host_unit", "document").get(
        pk=minutes_id
    )
    if minutes.state != MinutesState.PUBLISHED:
        # Nothing acts before the host's head issues the signed 纪要.
        raise Conflict(
            _("Resolutions act only once the signed minutes are issued."), current_state=minutes.state
        )
    return minutes


@transaction.atomic
def resolutions_apply(*, minutes, by, document) -> None:
    """Apply each pending resolution of the issued minutes, in number order, each in its own savepoint.

    Called by minutes' `issue` after the 纪要 document is issued (same transaction). A resolution
    already applied or failed is left alone, so calling this again changes nothing.
    """
    minutes = _published(minutes.pk)
    for pk in minutes.resolutions.order_by("number").values_list("pk", flat=True):
        resolution = (
            Resolution.objects.select_for_update(of=("self",))
            .select_related("lead_unit", "owner_unit")
            .get(pk=pk)
        )
        if resolution.apply_state != ApplyState.PENDING:
            continue
        _apply_one(resolution, minutes=minutes, by=by, document=document)


@transaction.atomic
def resolution_retry(*, resolution: Resolution, by) -> Resolution:
    """Apply a failed resolution again (the host's head, once the obstacle is gone).

    `resolution` is the decision as the adapter read it; it is locked again by its pk.
    """
    resolution = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("lead_unit", "owner_unit")
        .filter(pk=resolution.pk)
        .first()
    )
    if resolution is None:
        raise ValidationError({"resolution": [_("No such resolution.")]})
    minutes = _published(resolution.minutes_id)
    if resolution.apply_state != ApplyState.FAILED:
        raise Conflict(_("Only a resolution that failed is retried."), current_state=resolution.apply_state)
    if not perms.may_issue_minutes(minutes, by):
        raise PermissionDenied
    document = minutes.document
    if document is None:
        raise Conflict(_("The minutes have no issued document."), current_state=minutes.state)
    # Pending again for the length of the attempt: the jurisdiction authority asks for it.
    resolution.apply_state = ApplyState.PENDING
    resolution.save(update_fields=["apply_state"])
    return _apply_one(resolution, minutes=minutes, by=by, document=document)
