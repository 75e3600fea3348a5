"""The audit trail: record events into one SHA-256 hash chain and verify it.

Each event's hash covers the previous event's hash and the canonical JSON of its own content, so
altering, removing or reordering any stored event breaks the chain from that event on. Removing the
newest events, or recomputing every hash after an edit, yields a valid shorter or different chain:
the keyed checkpoints of core.audit_checkpoints are what catch those.
"""

import datetime as dt
import decimal
import hashlib
import ipaddress
import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import Promise

from core import context
from core.models import AuditEvent

GENESIS_HASH = "0" * 64
# Key of the PostgreSQL transaction-level advisory lock that makes chain writers take turns.
CHAIN_LOCK_KEY = 0x4C49_414E_4155_4454 & 0x7FFF_FFFF_FFFF_FFFF  # "LIANAUDT"

HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "acting_unit_code",
    "action",
    "target_type",
    "target_id",
    "payload",
    "request_id",
    "client_address",
    "prev_hash",
)


def json_safe(value: Any) -> Any:
    """Return a copy of value that JSON (and PostgreSQL jsonb) stores and reads back unchanged.

    Dates become ISO strings (aware datetimes in UTC), Decimals and UUIDs strings, sets sorted
    lists. Integral floats become ints and non-finite floats strings, because jsonb would read them
    back in another form and the stored hash would no longer match.
    """
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        # PostgreSQL refuses NUL in text and jsonb; a login form's garbage must not fail the insert.
        return str(value).replace("\x00", "\ufffd")
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            return value.astimezone(dt.UTC).isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID | Promise):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((json_safe(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    raise TypeError(f"Audit payload value of type {type(value).__name__} is not JSON-safe")


def _canonical_address(address: str | None) -> str | None:
    # Store exactly the text the database gives back, or the hash would not verify: PostgreSQL's
    # inet drops an IPv6 zone and prints IPv4-mapped and IPv4-compatible addresses in dotted form,
    # Django's field compresses IPv6, so both kinds are stored as the IPv4 address they carry.
    # What is not an address at all is dropped: a forged header must not make the insert (and so
    # the login) fail.
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        packed = ipaddress.IPv6Address(int(parsed)).packed
        if packed[:10] == bytes(10) and packed[10:12] in (b"\xff\xff", b"\0\0") and int(parsed) > 0xFFFF:
            parsed = ipaddress.IPv4Address(packed[12:])
        else:
            parsed = ipaddress.IPv6Address(packed)
    return parsed.compressed


def _time_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_content(event: AuditEvent) -> str:
    """Return the canonical JSON of an event's hashed fields: sorted keys, UTC times, no spaces."""
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["occurred_at"] = _time_text(event.occurred_at)
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256((event.prev_hash + canonical_content(event)).encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    # SQLite needs no lock: transaction_mode IMMEDIATE already gives one writer at a time. On
    # PostgreSQL the lock is held until commit, so ids, and the chain, follow commit order.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _target_parts(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple | list):
        target_type, target_id = target
        return str(target_type), str(target_id)
    meta = target._meta
    return f"{meta.app_label}.{meta.model_name}", str(target.pk)


def _check_length(field: str, value: str) -> str:
    limit = AuditEvent._meta.get_field(field).max_length
    if len(value) > limit:
        raise ValueError(f"Audit {field} {value[:20]!r}… is longer than {limit} characters")
    return value


def record(
    *,
    action: str,
    actor: Any = None,
    acting_unit_code: str = "",
    target: Any = None,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit chain, in the caller's transaction when there is one.

    `actor` is any object with `pk` and `get_username()` (a user); `target` a model instance or a
    `(target_type, target_id)` pair. The request id and client address come from core.context.
    """
    target_type, target_id = _target_parts(target)
    request_context = context.current()
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_username = actor.get_username() if actor_id is not None else ""
    event = AuditEvent(
        actor_id=actor_id,
        actor_username=_check_length("actor_username", actor_username),
        acting_unit_code=_check_length("acting_unit_code", acting_unit_code or ""),
        action=_check_length("action", action),
        target_type=_check_length("target_type", target_type),
        target_id=_check_length("target_id", target_id),
        payload=json_safe(dict(payload or {})),
        request_id=(request_context.request_id or "")[:64],
        client_address=_canonical_address(request_context.client_address),
    )
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS_HASH
        # Taken under the lock, so time never runs backwards along the chain.
        event.occurred_at = timezone.now()
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    count: int
    broken: AuditEvent | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute the chain in id order; report the first event whose link or hash does not match."""
    previous = GENESIS_HASH
    count = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != previous:
            return ChainReport(count, event, "previous hash does not match the event before it")
        if compute_hash(event) != event.hash:
            return ChainReport(count, event, "content does not match its hash")
        previous = event.hash
        count += 1
    return ChainReport(count)
