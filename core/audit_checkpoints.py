"""Keyed checkpoints of the audit chain, kept outside the database.

The SHA-256 chain (core.audit) shows that the stored events are consistent with one another, but
whoever owns the database can delete the newest events, or drop the triggers and recompute every
hash after an edit, and the chain still verifies. A checkpoint closes that gap: now and then the
chain head (the last event's id and hash, and the number of events) is MACed (HMAC-SHA256) with a
key the database never sees (AUDIT_CHECKPOINT_KEY) and appended to a file outside the database.
`audit_verify` then checks the table against every checkpoint:

- truncation: a checkpointed event is gone, or the table ends before the newest checkpoint;
- rewriting: a checkpointed event's hash differs, the events up to it are not as many as counted,
  or the recomputed chain does not match.

What it does not prove: events changed after the newest checkpoint (up to AUDIT_CHECKPOINT_SECONDS)
are checked only by the chain itself; whoever holds the key (or can run code on the application
server) can write checkpoints for a forged chain; whoever can delete the checkpoint files removes
the evidence (keep them on append-only or remote storage, and back them up apart from the database).

The store: AUDIT_CHECKPOINT_DIR holds one file per calendar month (UTC),
`checkpoints-YYYY-MM.jsonl`, one JSON object per line. Each line carries a sequence number and the
MAC of the line before it, and its own MAC covers both, so removing, reordering or editing a line
is seen, across files too. Files are only ever appended to, under a lock, and never rewritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.models import AuditEvent

FORMAT = 1
GENESIS_MAC = "0" * 64
FILE_PATTERN = "checkpoints-*.jsonl"
LOCK_FILE = ".lock"
JOB_NAME = "core.audit_checkpoint"
_KEY_ID_LABEL = b"lianban audit checkpoint key id"
# The fields a line's MAC covers, in the order they are written.
MACED_FIELDS = ("v", "seq", "written_at", "key_id", "event_id", "event_hash", "count", "prev_mac")
_BATCH = 500  # ids per IN (...) query: below SQLite's limit on bound variables
MAX_PROBLEMS = 50


class CheckpointKeyMissing(ImproperlyConfigured):
    """AUDIT_CHECKPOINT_KEY is not set: no checkpoint can be written or checked."""


class ChainNotExtended(Exception):
    """The chain in the table does not extend the last checkpoint; refuse to bless it with a new one."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    written_at: str
    key_id: str
    event_id: int
    event_hash: str
    count: int
    prev_mac: str
    mac: str
    file: str = ""
    line: int = 0

    def as_dict(self) -> dict:
        """Return what an auditor is shown of the checkpoint."""
        return {
            "seq": self.seq,
            "written_at": self.written_at,
            "event_id": self.event_id,
            "event_hash": self.event_hash,
            "count": self.count,
            "file": self.file,
        }


@dataclass
class StoreReading:
    checkpoints: list[Checkpoint] = field(default_factory=list)  # the authentic ones, in order
    problems: list[str] = field(default_factory=list)
    last_seq: int = 0
    last_mac: str = GENESIS_MAC


@dataclass
class Verification:
    events: int = 0
    last_event_id: int | None = None
    problems: list[str] = field(default_factory=list)
    broken: AuditEvent | None = None  # the first event where the recomputed chain breaks
    broken_reason: str = ""
    broken_message: str = ""
    verified_before_break: int = 0
    checkpoints: list[Checkpoint] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# Key and MAC ------------------------------------------------------------------------------------


def checkpoint_key() -> bytes:
    """Return the MAC key from the settings, or raise CheckpointKeyMissing."""
    key = getattr(settings, "AUDIT_CHECKPOINT_KEY", "") or ""
    if not key:
        raise CheckpointKeyMissing(
            "AUDIT_CHECKPOINT_KEY is not set: audit checkpoints cannot be written or checked"
        )
    return key.encode("utf-8")


def key_id(key: bytes) -> str:
    """Name the key without revealing it, so a line MACed with another key is reported as such."""
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def _mac(key: bytes, fields: dict) -> str:
    content = json.dumps({name: fields[name] for name in MACED_FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, content.encode("utf-8"), hashlib.sha256).hexdigest()


# The store --------------------------------------------------------------------------------------


def store_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def _files() -> list[Path]:
    directory = store_dir()
    if not directory.is_dir():
        return []
    return sorted(directory.glob(FILE_PATTERN))


@contextlib.contextmanager
def _store_lock() -> Iterator[None]:
    # One appender at a time across processes (beat, the ticker, a command run by hand).
    directory = store_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _parse_line(text: str) -> dict | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    types = {
        "v": int,
        "seq": int,
        "written_at": str,
        "key_id": str,
        "event_id": int,
        "event_hash": str,
        "count": int,
        "prev_mac": str,
        "mac": str,
    }
    for name, kind in types.items():
        value = data.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return None
    return data


def read_store(key: bytes) -> StoreReading:
    """Read every checkpoint file in order; keep the authentic lines and name every fault."""
    reading = StoreReading()
    own_key_id = key_id(key)
    expected_seq, prev_mac = 1, GENESIS_MAC
    for path in _files():
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                where = f"{path.name}:{number}"
                data = _parse_line(text)
                if data is None:
                    reading.problems.append(
                        _("Checkpoint file line %(where)s is unreadable: the store was altered.")
                        % {"where": where}
                    )
                    continue
                reading.last_seq, reading.last_mac = data["seq"], data["mac"]
                if data["key_id"] != own_key_id:
                    reading.problems.append(
                        _(
                            "Checkpoint %(seq)s (%(where)s) was made with another key: it cannot be checked, "
                            "or it was forged."
                        )
                        % {"seq": data["seq"], "where": where}
                    )
                elif not hmac.compare_digest(_mac(key, data), data["mac"]):
                    reading.problems.append(
                        _(
                            "Checkpoint %(seq)s (%(where)s) does not carry a valid MAC: it was altered "
                            "or written without the key."
                        )
                        % {"seq": data["seq"], "where": where}
                    )
                else:
                    if data["seq"] != expected_seq or data["prev_mac"] != prev_mac:
                        reading.problems.append(
                            _(
                                "Checkpoint %(seq)s (%(where)s) does not follow the checkpoint before it "
                                "(expected number %(expected)s): checkpoints were removed or reordered."
                            )
                            % {"seq": data["seq"], "where": where, "expected": expected_seq}
                        )
                    reading.checkpoints.append(
                        Checkpoint(
                            **{name: data[name] for name in MACED_FIELDS if name != "v"},
                            mac=data["mac"],
                            file=path.name,
                            line=number,
                        )
                    )
                # Chain on from what the line says, so one bad line is reported once, not for every
                # line after it.
                expected_seq, prev_mac = data["seq"] + 1, data["mac"]
    return reading


# Verification -----------------------------------------------------------------------------------


def _event_text(event: AuditEvent) -> str:
    return f"{event.pk} ({event.action}, {timezone.localtime(event.occurred_at).isoformat()})"


def _check_against(checkpoint: Checkpoint, event_hash: str | None, count: int | None, result: Verification):
    values = {"seq": checkpoint.seq, "event_id": checkpoint.event_id, "count": checkpoint.count}
    if event_hash is None:
        return  # reported by _report_missing
    if event_hash != checkpoint.event_hash:
        result.problems.append(
            _(
                "Event %(event_id)s no longer has the hash recorded in checkpoint %(seq)s: the chain was "
                "rewritten at or before it."
            )
            % values
        )
    elif count is not None and count != checkpoint.count:
        result.problems.append(
            _(
                "Checkpoint %(seq)s counted %(count)s events up to event %(event_id)s; the table now has "
                "%(actual)s: events were removed or inserted."
            )
            % {**values, "actual": count}
        )


def _report_missing(checkpoints: list[Checkpoint], present: set[int], result: Verification) -> None:
    last_id = result.last_event_id or 0
    for checkpoint in checkpoints:
        if checkpoint.event_id in present:
            continue
        values = {
            "seq": checkpoint.seq,
            "event_id": checkpoint.event_id,
            "count": checkpoint.count,
            "written_at": checkpoint.written_at,
            "last": last_id,
            "events": result.events,
        }
        if checkpoint.event_id > last_id:
            message = _(
                "Truncation: the audit table ends at event %(last)s (%(events)s events), before event "
                "%(event_id)s that checkpoint %(seq)s recorded at %(written_at)s with %(count)s events: "
                "the newest events were removed."
            )
        else:
            message = _(
                "Event %(event_id)s, recorded in checkpoint %(seq)s at %(written_at)s, is missing from the "
                "audit table: events were removed."
            )
        result.problems.append(message % values)


def _walk(result: Verification, *, after_id: int, previous: str, counted: int, by_id: dict, seen: set[int]):
    """Recompute the chain over the events after `after_id`, checking the checkpoints met on the way."""
    count = counted
    events = AuditEvent.objects.order_by("id")
    if after_id:
        events = events.filter(id__gt=after_id)
    for event in events.iterator(chunk_size=2000):
        if result.broken is None:
            reason = ""
            if event.prev_hash != previous:
                reason = _("previous hash does not match the event before it")
            elif audit.compute_hash(event) != event.hash:
                reason = _("content does not match its hash")
            if reason:
                result.broken, result.broken_reason, result.verified_before_break = event, reason, count
                result.broken_message = _("The chain breaks at event %(event)s: %(reason)s.") % {
                    "event": _event_text(event),
                    "reason": reason,
                }
                result.problems.append(result.broken_message)
        previous = event.hash
        count += 1
        result.last_event_id = event.pk
        for checkpoint in by_id.get(event.pk, ()):
            seen.add(event.pk)
            _check_against(checkpoint, event.hash, count, result)
    result.events = count


def _by_event_id(checkpoints: list[Checkpoint]) -> dict[int, list[Checkpoint]]:
    by_id: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        by_id.setdefault(checkpoint.event_id, []).append(checkpoint)
    return by_id


def verify(*, full: bool = True, key: bytes | None = None) -> Verification:
    """Check the audit table against the chain and every authentic checkpoint.

    `full` recomputes every event's hash; otherwise (the quick check a page can afford) each
    checkpointed event's hash is looked up, the events up to the newest checkpoint are counted,
    and the chain is recomputed only after it.
    """
    result = Verification()
    try:
        key = key or checkpoint_key()
    except CheckpointKeyMissing:
        result.problems.append(
            _("No checkpoint key is configured (AUDIT_CHECKPOINT_KEY): truncation and rewriting go unseen.")
        )
        reading = StoreReading()
    else:
        reading = read_store(key)
    result.problems.extend(reading.problems)
    checkpoints = result.checkpoints = reading.checkpoints
    seen: set[int] = set()
    if full or not checkpoints:
        _walk(
            result,
            after_id=0,
            previous=audit.GENESIS_HASH,
            counted=0,
            by_id=_by_event_id(checkpoints),
            seen=seen,
        )
    else:
        hashes: dict[int, str] = {}
        ids = sorted({checkpoint.event_id for checkpoint in checkpoints})
        for start in range(0, len(ids), _BATCH):
            hashes.update(
                AuditEvent.objects.filter(id__in=ids[start : start + _BATCH]).values_list("id", "hash")
            )
        newest = checkpoints[-1]
        for checkpoint in checkpoints[:-1]:
            _check_against(checkpoint, hashes.get(checkpoint.event_id), None, result)
        counted = AuditEvent.objects.filter(id__lte=newest.event_id).count()
        _check_against(newest, hashes.get(newest.event_id), counted, result)
        seen.update(hashes)
        result.last_event_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        _walk(
            result,
            after_id=newest.event_id,
            previous=hashes.get(newest.event_id, newest.event_hash),
            counted=counted,
            by_id={},
            seen=seen,
        )
    _report_missing(checkpoints, seen, result)
    return result


def chain_status(*, full: bool = False) -> dict:
    """Return the chain's verification status for auditors (the quick check unless `full`).

    Keys: ok, events, checked_at, last_checkpoint (dict or None), problems (translated sentences),
    full (whether every hash was recomputed).
    """
    result = verify(full=full)
    problems = result.problems[:MAX_PROBLEMS]
    if len(result.problems) > MAX_PROBLEMS:
        problems.append(_("… and %(n)s more problems.") % {"n": len(result.problems) - MAX_PROBLEMS})
    return {
        "ok": result.ok,
        "events": result.events,
        "checked_at": timezone.now(),
        "last_checkpoint": result.checkpoints[-1].as_dict() if result.checkpoints else None,
        "problems": problems,
        "full": full or not result.checkpoints,
    }


# Writing ----------------------------------------------------------------------------------------


def _head() -> tuple[int | None, str, int]:
    # Under the chain lock no event commits between reading the last row and counting.
    with transaction.atomic():
        audit._lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        count = AuditEvent.objects.count()
    if last is None:
        return None, audit.GENESIS_HASH, 0
    return last[0], last[1], count


def _extends(last: Checkpoint | None, head_id: int) -> list[str]:
    """Return why the table's chain up to `head_id` does not extend `last` (empty when it does)."""
    result = Verification()
    checkpoints = [last] if last else []
    seen: set[int] = set()
    if last is None:
        _walk(result, after_id=0, previous=audit.GENESIS_HASH, counted=0, by_id={}, seen=seen)
    else:
        stored = AuditEvent.objects.filter(id=last.event_id).values_list("hash", flat=True).first()
        counted = AuditEvent.objects.filter(id__lte=last.event_id).count()
        if stored is not None:
            seen.add(last.event_id)
        _check_against(last, stored, counted, result)
        result.last_event_id = head_id
        _walk(result, after_id=last.event_id, previous=last.event_hash, counted=counted, by_id={}, seen=seen)
    _report_missing(checkpoints, seen, result)
    return result.problems


def write_checkpoint(*, now: dt.datetime | None = None) -> Checkpoint | None:
    """MAC the chain head and append it to the store; return it, or None if the head is unchanged.

    Refuses (ChainNotExtended) when the chain no longer extends the last checkpoint, so a tampered
    chain is never blessed; the periodic job then fails loudly every time it runs.
    """
    key = checkpoint_key()
    with _store_lock():
        reading = read_store(key)
        last = reading.checkpoints[-1] if reading.checkpoints else None
        head_id, head_hash, count = _head()
        if head_id is None or (last and (last.event_id, last.event_hash) == (head_id, head_hash)):
            return None
        problems = _extends(last, head_id)
        if problems:
            raise ChainNotExtended(" ".join(problems))
        moment = (now or timezone.now()).astimezone(dt.UTC)
        fields = {
            "v": FORMAT,
            "seq": reading.last_seq + 1,
            "written_at": moment.isoformat(timespec="seconds"),
            "key_id": key_id(key),
            "event_id": head_id,
            "event_hash": head_hash,
            "count": count,
            "prev_mac": reading.last_mac,
        }
        mac = _mac(key, fields)
        path = store_dir() / f"checkpoints-{moment:%Y-%m}.jsonl"
        created = not path.exists()
        line = json.dumps({**fields, "mac": mac}, sort_keys=True, separators=(",", ":")) + "\n"
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(descriptor, line.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if created:
            directory = os.open(store_dir(), os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        with open(path, encoding="utf-8") as handle:
            number = sum(1 for _line in handle)
    return Checkpoint(
        **{name: fields[name] for name in MACED_FIELDS if name != "v"}, mac=mac, file=path.name, line=number
    )
