"""The single service path every state change takes (DESIGN.md "State machines").

    lock the row → check the transition is available and allowed → run it → save →
    audit event + timeline row → side effects as outbox rows, all in one transaction.

Transition methods on models only guard and change state; they take the acting user as `by` and
may raise django.core.exceptions.ValidationError for missing or bad input (the state is then left
as it was). Everything with an effect outside the row happens here or in the `after` callback.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django_fsm import ConcurrentTransition

from core import audit, notifications
from core.audit import json_safe
from core.exceptions import Conflict, NotAllowed
from core.models import TimelineEntry
from core.steps import Availability, check_transition, reasons_text, refuse_unmet_needs, state_field_of


@dataclass(frozen=True)
class TransitionResult:
    instance: models.Model
    from_state: str
    to_state: str


def target_label(instance: models.Model) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}"


def available_transitions(instance: models.Model, user, *, field: str = "state") -> list[str]:
    """Name the transitions this user may take from the instance's current state."""
    getter = getattr(instance, f"get_available_user_{field}_transitions")
    return [t.name for t in getter(user)]


def timeline_add(*, instance: models.Model, **fields) -> TimelineEntry:
    """Append a row to an object's timeline (for events that are not state changes, too)."""
    return timeline_add_for(target_type=target_label(instance), target_id=instance.pk, **fields)


def timeline_add_for(
    *,
    target_type: str,
    target_id: str | int,
    actor=None,
    acting_unit_code: str = "",
    action: str,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict | None = None,
) -> TimelineEntry:
    """Append a row to the timeline of an object known only by type and id (core's view of the apps above)."""
    return TimelineEntry.objects.create(
        target_type=target_type,
        target_id=str(target_id),
        actor_id=getattr(actor, "pk", None),
        actor_name=(getattr(actor, "display_name", None) or getattr(actor, "username", "")) if actor else "",
        acting_unit_code=acting_unit_code,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=json_safe(data or {}),
    )


def timeline_for(instance: models.Model) -> Iterable[TimelineEntry]:
    return TimelineEntry.objects.filter(target_type=target_label(instance), target_id=str(instance.pk))


def run_transition(
    *,
    model: type[models.Model],
    pk: Any,
    name: str,
    by,
    acting_unit_code: str = "",
    expected_state: str | None = None,
    arguments: dict[str, Any] | None = None,
    note: str = "",
    audit_payload: dict[str, Any] | None = None,
    after: Callable[[models.Model, str, str], None] | None = None,
) -> TransitionResult:
    """Apply transition `name` to the row `pk` of `model` on behalf of `by`, through the single path.

    Raise Conflict (HTTP 409, with the current state) when the transition is not available from
    the state the row is in now — someone else moved it on, or the client's view is stale —
    NotAllowed (403) when it is available but not to this user, and ValidationError (400)
    when the transition method refuses its input.
    """
    arguments = dict(arguments or {})
    with transaction.atomic():
        instance = model._default_manager.select_for_update().get(pk=pk)
        field_name = state_field_of(model, name)
        from_state = getattr(instance, field_name)
        if expected_state is not None and from_state != expected_state:
            raise Conflict(current_state=from_state)
        check = check_transition(instance, name, by)
        if check.status is Availability.UNAVAILABLE:
            raise Conflict(current_state=from_state)
        if check.status is Availability.NOT_ALLOWED:
            # A step whose rule says who decides (core.steps.Step.refusal) tells the user why not.
            raise NotAllowed(reasons_text(check.reasons) if check.reasons else None)
        # A declared step whose needs are unmet (documents, fields) is refused naming what is missing.
        refuse_unmet_needs(instance, name)
        method = getattr(instance, name)
        method(by=by, **arguments)
        to_state = getattr(instance, field_name)
        try:
            instance.save()
        except ConcurrentTransition:
            current = model._default_manager.filter(pk=pk).values_list(field_name, flat=True).first()
            raise Conflict(current_state=current) from None
        label = target_label(instance)
        audit.record(
            action=f"{label}.{name}",
            actor=by,
            acting_unit_code=acting_unit_code,
            target=instance,
            payload={"from": from_state, "to": to_state, **(audit_payload or {})},
        )
        timeline_add(
            instance=instance,
            actor=by,
            acting_unit_code=acting_unit_code,
            action=name,
            from_state=from_state,
            to_state=to_state,
            note=note,
            data=audit_payload,
        )
        # What asked for a step on this object is dealt with; the after-effects ask whoever is next.
        notifications.clear_dealt_with(instance)
        if after is not None:
            after(instance, from_state, to_state)
    return TransitionResult(instance=instance, from_state=from_state, to_state=to_state)


# What an edit changed: field → (old value, new value), in the order the caller gave the fields.
Changes = dict[str, tuple[Any, Any]]


def model_update(
    *,
    instance: models.Model,
    values: dict[str, Any],
    by,
    action: str = "updated",
    acting_unit_code: str = "",
    with_values: tuple[str, ...] = (),
    timeline: bool | Callable[[Changes], dict[str, Any]] = True,
    validate: bool = True,
    extra_update_fields: tuple[str, ...] = (),
    related: Mapping[str, tuple[Any, Any]] | None = None,
    payload: Callable[[Changes], dict[str, Any]] | None = None,
    audit_action: str = "",
) -> list[str]:
    """Set the fields of `values` that differ on the locked `instance`, validate, save and audit them.

    The caller has locked the row and checked who may edit; `values` are already parsed. The model's
    own rules run (`full_clean` on the changed fields, which calls `clean()`); a refusal raises
    ValidationError naming the field and nothing is saved. The audit event `<app>.<model>.<action>`
    (or `audit_action`, an event's established name) names the changed fields (with old and new
    values for `with_values`) and, with `timeline`, the object's timeline gets a row. Return the
    names of the changed fields (empty: nothing was written).

    `related` are changes the caller writes itself in the same transaction (a many-to-many set),
    field → (old, new) as the audit is to name them; they count as changes and join the same event.
    `payload` shapes the audit payload from all the changes instead; a callable `timeline` gives the
    timeline row's `note` and `data` (by default its data is the audit payload).
    """
    changed = {field: value for field, value in values.items() if getattr(instance, field) != value}
    if not changed and not related:
        return []
    before = {field: getattr(instance, field) for field in changed}
    for field, value in changed.items():
        setattr(instance, field, value)
    if validate and changed:
        untouched = [
            model_field.name
            for model_field in instance._meta.concrete_fields
            if model_field.name not in changed and model_field.attname not in changed
        ]
        try:
            instance.full_clean(exclude=untouched, validate_unique=False, validate_constraints=False)
        except Exception:
            for field, value in before.items():
                setattr(instance, field, value)
            raise
    update_fields = [*changed, *extra_update_fields]
    if (
        any(f.name == "updated_at" for f in instance._meta.concrete_fields)
        and "updated_at" not in update_fields
    ):
        update_fields.append("updated_at")
    # With only related changes this saves `updated_at` alone (or nothing: an empty list saves no row).
    instance.save(update_fields=update_fields)
    changes: Changes = {field: (before[field], changed[field]) for field in changed}
    changes.update(related or {})
    if payload is not None:
        audit_payload = payload(changes)
    else:
        audit_payload = {"fields": sorted(changes)}
        for field in with_values:
            if field in changes:
                audit_payload[field] = {"from": changes[field][0], "to": changes[field][1]}
    audit.record(
        action=audit_action or f"{target_label(instance)}.{action}",
        actor=by,
        acting_unit_code=acting_unit_code,
        target=instance,
        payload=audit_payload,
    )
    if timeline:
        row = timeline(changes) if callable(timeline) else {"data": audit_payload}
        timeline_add(instance=instance, actor=by, acting_unit_code=acting_unit_code, action=action, **row)
    return sorted(changes)
