"""Writes of bulletins: draft, attach files, issue to a target set, acknowledge, report, close, withdraw,
open a case.

Every state change goes through core.workflow.run_transition. Issuing writes one recipient row per
unit and one acknowledgement deadline per recipient in bulk (a bulletin to every county bureau of
the six regions is 500-odd rows: a row-by-row deadline_start would cost three queries each); the
deadlines are the same rows deadline_start writes, so the periodic scan reminds and escalates them
(core.deadline_rows). A directive's result deadline starts when the recipient acknowledges.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bulletins import authority, targets
from bulletins import permissions as perms
from bulletins.models import (
    ACK_HOURS_BY_URGENCY,
    BULLETIN_API_TRANSITIONS,
    DEFAULT_RESULT_DAYS,
    RECIPIENT_API_TRANSITIONS,
    Bulletin,
    BulletinAttachment,
    BulletinKind,
    BulletinRecipient,
    BulletinState,
    BulletinUrgency,
    RecipientState,
)
from cases import services as case_services
from cases.models import Case, HandlingCode
from cases.selectors import case_get_visible
from core import audit, deadline_rows, grading, holidays
from core import deadlines as core_deadlines
from core.deadline_rows import TargetDescription
from core.deadlines import Confidence, DeadlineRule, Kind, Period, RuleBook
from core.exceptions import Conflict
from core.models import OPEN_DEADLINE_STATES, Deadline, DeadlineState, EscalationLevel
from core.notifications import message_id
from core.uploads import validate_scan
from core.workflow import model_update, run_transition, timeline_add
from organisation.models import Role, Unit

TARGET_TYPE = "bulletins.bulletinrecipient"
ACK_RULE = "bulletin_ack"
RESULT_RULE = "bulletin_result"
ACK_LABEL = gettext_noop("Acknowledge the bulletin")
RESULT_LABEL = gettext_noop("Report the result of the directive")
# The periods are the issuer's; the defaults follow Framework Decision 2006/960 (DOMAIN.md §4 [S]).
CITATION = "FD 2006/960 (DOMAIN.md §4 [S]); issuer's term"

EDITABLE_FIELDS = (
    "kind",
    "title",
    "body",
    "target_spec",
    "handling_code",
    "source_reliability",
    "information_accuracy",
    "urgency",
    "ack_within_hours",
    "result_within_days",
    "supplement_of_id",
    "linked_case_id",
    "on_behalf_of_series_id",
)


def bulletin_url(bulletin_id: int) -> str:
    try:
        return reverse("bulletins:detail", args=[bulletin_id])
    except NoReverseMatch:  # pages not mounted (config/urls.py)
        return f"/bulletins/{bulletin_id}/"


def ack_rule(hours: int) -> DeadlineRule:
    return DeadlineRule(
        code=ACK_RULE,
        label=ACK_LABEL,
        period=Period(hours, core_deadlines.Unit.HOURS),
        citation=CITATION,
        confidence=Confidence.SECONDARY,
    )


def result_rule(days: int) -> DeadlineRule:
    # "Within n days": CPL-2018 art 105 — the start day is not counted, a rest day at the end moves on.
    return DeadlineRule(
        code=RESULT_RULE,
        label=RESULT_LABEL,
        period=Period(days, core_deadlines.Unit.DAYS),
        citation=CITATION,
        confidence=Confidence.RECOLLECTION,
        kind=Kind.ORDINARY,
    )


# --- drafting ------------------------------------------------------------------------------------


def _positive(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or number < 1 or number > 24 * 366:
        raise ValidationError({field: [_("Enter a whole number of at least 1.")]})
    return number


def _clean(values: dict[str, Any], *, user, issuing_unit: Unit) -> dict[str, Any]:
    errors: dict[str, list] = {}
    kind = values.get("kind")
    if kind not in BulletinKind.values:
        errors["kind"] = [_("Choose the kind of bulletin.")]
    for field, message in (
        ("title", _("Give the bulletin a title.")),
        ("body", _("Write the bulletin's text.")),
    ):
        values[field] = (values.get(field) or "").strip()
        if not values[field]:
            errors[field] = [message]
    if len(values.get("title", "")) > 200:
        errors["title"] = [_("Keep the title under 200 characters.")]
    if values.get("handling_code") not in HandlingCode.values:
        errors["handling_code"] = [_("Choose a handling code.")]
    if values.get("source_reliability") not in ["", *grading.SourceReliability.values]:
        errors["source_reliability"] = [_("Choose a source reliability grade.")]
    if values.get("information_accuracy") not in [None, *grading.InformationAccuracy.values]:
        errors["information_accuracy"] = [_("Choose an information accuracy grade.")]
    if values.get("urgency") not in BulletinUrgency.values:
        errors["urgency"] = [_("Choose the urgency.")]
    try:
        hours = _positive(values.get("ack_within_hours"), "ack_within_hours")
        values["ack_within_hours"] = hours or ACK_HOURS_BY_URGENCY.get(values.get("urgency"), 7 * 24)
        days = _positive(values.get("result_within_days"), "result_within_days")
        values["result_within_days"] = (
            (days or DEFAULT_RESULT_DAYS) if kind == BulletinKind.DIRECTIVE else None
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        spec = targets.clean_spec(values.get("target_spec"))
        unknown = targets.unknown_codes(spec)
        if unknown:
            raise ValidationError(
                {"targets": [_("No such unit: %(codes)s.") % {"codes": ", ".join(unknown)}]}
            )
        values["target_spec"] = spec
    except ValidationError as error:
        errors.update(error.message_dict)
    supplement_id = values.get("supplement_of_id")
    if supplement_id is not None:
        from bulletins.selectors import bulletin_visible_to

        earlier = (
            bulletin_visible_to(user).filter(pk=supplement_id).exclude(state=BulletinState.DRAFT).first()
        )
        if earlier is None:
            errors["supplement_of"] = [_("No issued bulletin with that id that you can see.")]
    case_id = values.get("linked_case_id")
    if case_id is not None:
        try:
            case_get_visible(user, case_id)
        except Exception:  # Http404: the case's existence stays hidden
            errors["linked_case"] = [_("No case with that id that you can see.")]
    series_id = values.get("on_behalf_of_series_id")
    if series_id is not None and kind != BulletinKind.DIRECTIVE:
        errors["on_behalf_of_series"] = [_("Only a directive is issued on a series' behalf.")]
    if errors:
        raise ValidationError(errors)
    return values


def _defaults() -> dict[str, Any]:
    return {
        "handling_code": HandlingCode.NORMAL,
        "source_reliability": "",
        "information_accuracy": None,
        "urgency": BulletinUrgency.ORDINARY,
        "ack_within_hours": None,
        "result_within_days": None,
        "supplement_of_id": None,
        "linked_case_id": None,
        "on_behalf_of_series_id": None,
    }


@transaction.atomic
def bulletin_create(*, by, issuing_unit: Unit, data: Mapping[str, Any]) -> Bulletin:
    """Draft a bulletin of a unit where the user may draft; the targets are checked, not yet fixed."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"bulletin_create does not take {sorted(unknown)}")
    probe = Bulletin(issuing_unit=issuing_unit, kind=data.get("kind", ""))
    if not perms.may_edit(probe, by):
        raise PermissionDenied(_("You may draft bulletins only for a unit where you work."))
    values = _clean({**_defaults(), **data}, user=by, issuing_unit=issuing_unit)
    bulletin = Bulletin(issuing_unit=issuing_unit, created_by=by, **values)
    _recipient_rows(bulletin, by)  # refuse now what issuing would refuse (targets, authority)
    bulletin.save()
    audit.record(
        action="bulletins.bulletin.create",
        actor=by,
        acting_unit_code=issuing_unit.code,
        target=bulletin,
        payload={"kind": bulletin.kind, "targets": bulletin.target_spec},
    )
    timeline_add(
        instance=bulletin,
        actor=by,
        acting_unit_code=issuing_unit.code,
        action="create",
        to_state=bulletin.state,
    )
    return bulletin


@transaction.atomic
def bulletin_update(*, bulletin: Bulletin, by, data: Mapping[str, Any]) -> Bulletin:
    """Change a draft; an issued bulletin does not change (send a 补充通报 instead, MPS-2020 art 276).

    Through core.workflow.model_update: the changed fields are validated, saved and audited
    (bulletins.bulletin.update, naming them); a draft is not put on the timeline until it is issued.
    """
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"bulletin_update does not change {sorted(unknown)}")
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.state != BulletinState.DRAFT:
        raise Conflict(current_state=bulletin.state)
    if not perms.may_edit(bulletin, by):
        raise PermissionDenied
    current = {field: getattr(bulletin, field) for field in EDITABLE_FIELDS}
    values = _clean({**current, **data}, user=by, issuing_unit=bulletin.issuing_unit)
    # Refuse now what issuing would refuse (targets, authority), judged on the draft as it would be.
    _recipient_rows(Bulletin(issuing_unit=bulletin.issuing_unit, **values), by)
    model_update(
        instance=bulletin,
        values=values,
        by=by,
        action="update",
        acting_unit_code=bulletin.issuing_unit.code,
        timeline=False,
    )
    return bulletin


# --- attachments (附件) ----------------------------------------------------------------------------

ATTACHMENT_TITLE_MAX = 120


def _draft_for_attachments(bulletin_id: int, by) -> Bulletin:
    """Lock the bulletin and check, as bulletin_update does, that it is a draft the user may edit."""
    bulletin = Bulletin.objects.select_for_update().select_related("issuing_unit").get(pk=bulletin_id)
    if bulletin.state != BulletinState.DRAFT:
        raise Conflict(
            _("Attachments can be added or removed only while the bulletin is a draft."),
            current_state=bulletin.state,
        )
    if not perms.may_edit(bulletin, by):
        raise PermissionDenied
    return bulletin


def _sha256(file) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def bulletin_attachment_add(
    *,
    bulletin: Bulletin,
    by,
    title: str,
    file,
    source_reliability: str = "",
    information_accuracy: int | None = None,
) -> BulletinAttachment:
    """Attach a photo or a scan (PDF, JPEG, PNG, TIFF) to a draft, with the grading of what it shows.

    The file is judged by its content and size (core.uploads), never by its name; an issued
    bulletin does not change (409), so a later photo goes out in a 补充通报.
    """
    bulletin = _draft_for_attachments(bulletin.pk, by)
    errors: dict[str, list] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Describe the attachment in a few words.")]
    elif len(title) > ATTACHMENT_TITLE_MAX:
        errors["title"] = [
            _("Keep the description within %(limit)d characters.") % {"limit": ATTACHMENT_TITLE_MAX}
        ]
    source_reliability = source_reliability or ""
    if source_reliability not in ["", *grading.SourceReliability.values]:
        errors["source_reliability"] = [_("Choose a source reliability grade.")]
    if information_accuracy not in [None, *grading.InformationAccuracy.values]:
        errors["information_accuracy"] = [_("Choose an information accuracy grade.")]
    kind = None
    if file is None:
        errors["file"] = [_("Choose a file to attach.")]
    else:
        try:
            kind = validate_scan(file)
        except ValidationError as error:
            errors["file"] = error.messages
    if errors:
        raise ValidationError(errors)
    attachment = BulletinAttachment(
        bulletin=bulletin,
        title=title,
        content_type=kind.mime_type,
        size=file.size,
        sha256=_sha256(file),
        source_reliability=source_reliability,
        information_accuracy=information_accuracy,
        uploaded_by=by,
    )
    # Only the sniffed extension reaches the storage name (the model draws a random one).
    attachment.file.save(f"attachment.{kind.extension}", file, save=False)
    attachment.save()
    audit.record(
        action="bulletins.bulletinattachment.add",
        actor=by,
        acting_unit_code=bulletin.issuing_unit.code,
        target=bulletin,
        payload={
            "attachment": attachment.pk,
            "title": attachment.title,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "grade": attachment.grade,
        },
    )
    timeline_add(
        instance=bulletin,
        actor=by,
        acting_unit_code=bulletin.issuing_unit.code,
        action="attachment_add",
        note=attachment.title,
        data={"attachment": attachment.pk},
    )
    return attachment


@transaction.atomic
def bulletin_attachment_remove(*, attachment: BulletinAttachment, by) -> None:
    """Remove an attachment from a draft; the file goes once the removal is committed."""
    bulletin = _draft_for_attachments(attachment.bulletin_id, by)
    attachment = BulletinAttachment.objects.filter(pk=attachment.pk, bulletin=bulletin).first()
    if attachment is None:  # removed meanwhile by someone else
        raise Conflict(current_state=bulletin.state)
    payload = {
        "attachment": attachment.pk,
        "title": attachment.title,
        "sha256": attachment.sha256,
    }
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
    audit.record(
        action="bulletins.bulletinattachment.remove",
        actor=by,
        acting_unit_code=bulletin.issuing_unit.code,
        target=bulletin,
        payload=payload,
    )
    timeline_add(
        instance=bulletin,
        actor=by,
        acting_unit_code=bulletin.issuing_unit.code,
        action="attachment_remove",
        note=payload["title"],
        data={"attachment": payload["attachment"]},
    )


def bulletin_attachment_downloaded(*, attachment: BulletinAttachment, by, channel: str) -> None:
    """Record a download of an attachment (every download of shared material is audited)."""
    audit.record(
        action="bulletins.bulletinattachment.download",
        actor=by,
        target=attachment.bulletin,
        payload={"attachment": attachment.pk, "sha256": attachment.sha256, "channel": channel},
    )


# --- issue, close, withdraw ----------------------------------------------------------------------


def _recipient_rows(bulletin: Bulletin, user) -> tuple[list[tuple[int, str, str, str]], str]:
    """Resolve the targets (one query) and check the directive's authority; return rows and label."""
    units = list(
        targets.resolve(bulletin.target_spec, exclude=bulletin.issuing_unit).values_list(
            "pk", "code", "path", "province_code"
        )
    )
    if not units:
        raise ValidationError({"targets": [_("The targets name no unit besides the issuing unit.")]})
    label = ""
    if bulletin.kind == BulletinKind.DIRECTIVE:
        label = authority.directive_scope(
            user=user,
            issuing_unit=bulletin.issuing_unit,
            target_paths=[path for _pk, _code, path, _province in units],
            series_id=bulletin.on_behalf_of_series_id,
        )
    return units, label


def _write_recipients(bulletin: Bulletin, units, now: dt.datetime) -> int:
    """Write the recipient rows and their acknowledgement deadlines in bulk; return how many."""
    rule = ack_rule(bulletin.ack_within_hours)
    calendar = holidays.calendar()
    period = rule.period_for()
    due_at = rule.compute_due(now, calendar=calendar).at
    BulletinRecipient.objects.bulk_create(
        [
            BulletinRecipient(
                bulletin=bulletin,
                unit_id=pk,
                unit_path=path,
                province_code=province or code,
                ack_due_at=due_at,
            )
            for pk, code, path, province in units
        ],
        batch_size=500,
    )
    codes = {pk: code for pk, code, _path, _province in units}
    template = Deadline(
        target_type=TARGET_TYPE,
        rule_key=ACK_RULE,
        label=message_id(rule.label)[:200],
        citation=rule.citation[:200],
        period=str(period),
        kind=rule.kind.value,
        started_at=now,
        due_at=due_at,
        requester_unit_code=bulletin.issuing_unit.code,
    )
    # The same first escalation time deadline_start would store (every row shares start and rule).
    first_escalation = deadline_rows.escalation_times(template, calendar=calendar)[EscalationLevel.REMINDED]
    fields = {
        field: getattr(template, field)
        for field in (
            "target_type",
            "rule_key",
            "label",
            "citation",
            "period",
            "kind",
            "started_at",
            "due_at",
        )
    }
    rows = BulletinRecipient.objects.filter(bulletin=bulletin).values_list("pk", "unit_id")
    Deadline.objects.bulk_create(
        [
            Deadline(
                **fields,
                target_id=str(pk),
                responsible_unit_code=codes[unit_id],
                requester_unit_code=bulletin.issuing_unit.code,
                next_escalation_at=first_escalation,
            )
            for pk, unit_id in rows
        ],
        batch_size=500,
    )
    return len(units)


def _cancel_open_deadlines(bulletin: Bulletin, now: dt.datetime) -> int:
    """Stop every open clock of the bulletin's recipients in one statement (deadline_cancel, in bulk)."""
    keys = (
        BulletinRecipient.objects.filter(bulletin=bulletin)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return Deadline.objects.filter(
        target_type=TARGET_TYPE, target_id__in=keys, state__in=OPEN_DEADLINE_STATES
    ).update(state=DeadlineState.CANCELLED, cancelled_at=now, paused_at=None, next_escalation_at=None)


@transaction.atomic
def bulletin_transition(
    *, bulletin: Bulletin, name: str, by, reason: str = "", expected_state: str | None = None, now=None
) -> Bulletin:
    """Issue a draft to its targets, close an issued bulletin, or withdraw one (with the reason).

    403 when the user may not; 400 naming `targets` when a directive reaches beyond the issuer's
    authority (bulletins.authority) or the targets name nobody; 409 when the state moved on.
    """
    if name not in BULLETIN_API_TRANSITIONS:
        raise ValidationError({"name": [_("No such transition.")]})
    # Read afresh (not locked) to prepare the arguments; run_transition locks and re-checks the state.
    bulletin = Bulletin.objects.select_related("issuing_unit").get(pk=bulletin.pk)
    now = now or timezone.now()
    arguments: dict[str, Any] = {"now": now}
    payload: dict[str, Any] = {}
    units: list = []
    if name == "issue":
        if bulletin.state == BulletinState.DRAFT:
            if not perms.may_issue(bulletin, by):
                raise PermissionDenied
            units, label = _recipient_rows(bulletin, by)
            arguments["on_behalf_label"] = label
            payload = {"recipients": len(units), "targets": bulletin.target_spec, "on_behalf": label}
    else:
        arguments["reason"] = reason
        payload = {"reason": reason}

    def after(instance, from_state, to_state):
        if to_state == BulletinState.ISSUED:
            instance.recipient_count = _write_recipients(instance, units, now)
            instance.save(update_fields=["recipient_count"])
        elif from_state == BulletinState.ISSUED:
            _cancel_open_deadlines(instance, now)

    result = run_transition(
        model=Bulletin,
        pk=bulletin.pk,
        name=name,
        by=by,
        acting_unit_code=bulletin.issuing_unit.code,
        expected_state=expected_state,
        arguments=arguments,
        note=reason,
        audit_payload=payload,
        after=after,
    )
    return result.instance


# --- recipients ----------------------------------------------------------------------------------


@transaction.atomic
def recipient_transition(
    *,
    recipient: BulletinRecipient,
    name: str,
    by,
    result: str = "",
    expected_state: str | None = None,
    now=None,
) -> BulletinRecipient:
    """Acknowledge receipt for the unit, or report its result (a directive's result is due).

    The acknowledgement meets its deadline and, for a directive, starts the result deadline; the
    report meets whatever still runs.
    """
    if name not in RECIPIENT_API_TRANSITIONS:
        raise ValidationError({"name": [_("No such transition.")]})
    # Read afresh (not locked) to prepare the arguments; run_transition locks and re-checks the state.
    recipient = BulletinRecipient.objects.select_related("bulletin__issuing_unit", "unit").get(
        pk=recipient.pk
    )
    bulletin = recipient.bulletin
    now = now or timezone.now()
    arguments: dict[str, Any] = {"now": now}
    if name == "report":
        arguments["result"] = result

    def after(instance, from_state, to_state):
        for deadline in deadline_rows.deadlines_for(instance).filter(state__in=OPEN_DEADLINE_STATES):
            deadline_rows.deadline_meet(deadline=deadline, at=now)
        if to_state == RecipientState.ACKNOWLEDGED and bulletin.kind == BulletinKind.DIRECTIVE:
            deadline = deadline_rows.deadline_start(
                target=instance,
                rule_key=RESULT_RULE,
                start=now,
                responsible_unit_code=recipient.unit.code,
                requester_unit_code=bulletin.issuing_unit.code,
                rules=RuleBook([result_rule(bulletin.result_within_days or DEFAULT_RESULT_DAYS)]),
            )
            instance.result_due_at = deadline.due_at
            instance.save(update_fields=["result_due_at"])

    outcome = run_transition(
        model=BulletinRecipient,
        pk=recipient.pk,
        name=name,
        by=by,
        acting_unit_code=recipient.unit.code,
        expected_state=expected_state,
        arguments=arguments,
        note=result,
        audit_payload={
            "bulletin": bulletin.pk,
            "unit": recipient.unit.code,
            **({"result": result} if result else {}),
        },
        after=after,
    )
    return outcome.instance


@transaction.atomic
def bulletin_open_case(
    *, recipient: BulletinRecipient, by, name: str = "", summary: str = "", case_id: int | None = None
) -> Case:
    """Open a case in the recipient unit for what the bulletin asks (a joint operation), or link one.

    The case is a draft of the recipient unit (cases.services.case_create: its investigators and
    department heads), carrying the bulletin's handling code; an existing case (`case_id`, a
    reference the service looks up as the user sees it, like a draft's linked case) must be one the
    user sees. One case per recipient: a second answers 409.
    """
    recipient = (
        BulletinRecipient.objects.select_for_update().select_related("bulletin", "unit").get(pk=recipient.pk)
    )
    bulletin = recipient.bulletin
    if bulletin.state != BulletinState.ISSUED or recipient.opened_case_id is not None:
        raise Conflict(current_state=recipient.state)
    if not user_may_open_for(recipient, by):
        raise PermissionDenied(
            _("Only the recipient unit's investigators and department heads open its case.")
        )
    if case_id is not None:
        try:
            case = case_get_visible(by, case_id)
        except Exception:
            raise ValidationError({"case": [_("No case with that id that you can see.")]}) from None
        action = "case_linked"
    else:
        case = case_services.case_create(
            by=by,
            accepting_unit=recipient.unit,
            name=(name or bulletin.title)[:120],
            summary=summary or bulletin.body,
            handling_code=bulletin.handling_code,
        )
        action = "case_opened"
    recipient.opened_case = case
    recipient.save(update_fields=["opened_case"])
    audit.record(
        action=f"bulletins.bulletinrecipient.{action}",
        actor=by,
        acting_unit_code=recipient.unit.code,
        target=recipient,
        payload={"bulletin": bulletin.pk, "case": case.pk},
    )
    timeline_add(
        instance=bulletin,
        actor=by,
        acting_unit_code=recipient.unit.code,
        action=action,
        note=f"{recipient.unit.name} · {case.number or case.name}",
        data={"case": case.pk, "unit": recipient.unit.code},
    )
    return case


def user_may_open_for(recipient: BulletinRecipient, user) -> bool:
    from organisation.standing import user_standing

    return user_standing(user).holds(recipient.unit_id, perms.CASE_OPENERS)


# --- the deadline scan's view of a recipient -----------------------------------------------------


def _describe(deadline: Deadline) -> TargetDescription:
    recipient = (
        BulletinRecipient.objects.select_related("bulletin", "unit").filter(pk=deadline.target_id).first()
        if str(deadline.target_id).isdigit()
        else None
    )
    if recipient is None:
        return TargetDescription(title=f"#{deadline.target_id}")
    bulletin = recipient.bulletin
    return TargetDescription(
        title=f"{bulletin.get_kind_display()} {bulletin.title} · {recipient.unit.name}",
        url=bulletin_url(bulletin.pk),
    )


def _liaison_officers(deadline: Deadline, level: int) -> list:
    """Add the recipient unit's liaison officers at levels 1–2: they chase cross-province matters."""
    if deadline.target_type != TARGET_TYPE or level not in (
        EscalationLevel.REMINDED,
        EscalationLevel.OVERDUE,
    ):
        return []
    from organisation.models import Membership, User

    memberships = Membership.objects.current().filter(
        unit__code=deadline.responsible_unit_code, role=Role.LIAISON_OFFICER
    )
    return list(User.objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by("pk"))


deadline_rows.register_target_describer(TARGET_TYPE, _describe)
deadline_rows.register_recipient_resolver(_liaison_officers)
