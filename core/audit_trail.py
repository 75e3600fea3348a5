"""The auditor's read of the audit trail: scope, filters, export rows and the chain's status.

Auditors (安全审计员) read the audit trail of their subtree and nothing else (DESIGN.md). core
knows nothing of units or memberships, so who is an auditor, and of what, is a resolver that the
organisation app registers in its AppConfig.ready(): it returns a Q over AuditEvent for an auditor
and None for everyone else, who gets 404 on every page and endpoint of the audit trail.
"""

import csv
import datetime as dt
import importlib
import io
import json
from collections.abc import Callable, Iterator

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import verify_chain
from core.models import AuditEvent
from core.moments import MomentField
from core.registry import Slot

ScopeResolver = Callable[[object], Q | None]
_scope_resolver: Slot[ScopeResolver] = Slot("auditor scope")


def register_auditor_scope(resolver: ScopeResolver) -> None:
    """Register the function that tells whether a user audits, and which events: a Q, or None."""
    _scope_resolver.fill(resolver)


def auditor_scope(user) -> Q | None:
    """Return the Q of the events this user may read as an auditor, or None if they are no auditor."""
    resolver = _scope_resolver.get()
    if not getattr(user, "is_authenticated", False) or resolver is None:
        return None
    return resolver(user)


class AuditFilterForm(forms.Form):
    """The filters of the audit trail, the same for the page, the API and the export."""

    actor = forms.CharField(label=_("Actor (user name)"), max_length=150, required=False)
    unit = forms.RegexField(
        label=_("Acting unit (division code)"), regex=r"^\d{6}$", max_length=6, required=False
    )
    target_type = forms.CharField(label=_("Object type"), max_length=64, required=False)
    target_id = forms.CharField(label=_("Object id"), max_length=64, required=False)
    action = forms.CharField(
        label=_("Action"),
        max_length=64,
        required=False,
        help_text=_("An action, or its first part: “auth” finds auth.login and auth.logout."),
    )
    # In UTC or refused: PostgreSQL refuses some offsets Python parses (core.moments).
    since = MomentField(label=_("From"), required=False)
    until = MomentField(label=_("Until"), required=False)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end is before the start."))
        return cleaned

    def until_bound(self) -> tuple[dt.datetime, bool] | None:
        """Return the upper bound and whether it is inclusive: a bare date covers that whole day."""
        until = self.cleaned_data.get("until")
        if until is None:
            return None
        raw = (self.data.get("until") or "").strip()
        if len(raw) == 10:  # YYYY-MM-DD: up to the end of that day
            return until + dt.timedelta(days=1), False
        return until, True


def audit_events_for(user, form: AuditFilterForm) -> QuerySet[AuditEvent] | None:
    """Return the auditor's events matching the (valid) form, newest first; None for a non-auditor."""
    scope = auditor_scope(user)
    if scope is None:
        return None
    events = AuditEvent.objects.filter(scope)
    data = form.cleaned_data
    if data.get("actor"):
        events = events.filter(actor_username=data["actor"])
    if data.get("unit"):
        events = events.filter(acting_unit_code=data["unit"])
    if data.get("target_type"):
        events = events.filter(target_type=data["target_type"])
    if data.get("target_id"):
        events = events.filter(target_id=data["target_id"])
    if data.get("action"):
        action = data["action"].rstrip(".")
        events = events.filter(Q(action=action) | Q(action__startswith=action + "."))
    if data.get("since"):
        events = events.filter(occurred_at__gte=data["since"])
    if bound := form.until_bound():
        moment, inclusive = bound
        events = events.filter(**{"occurred_at__lte" if inclusive else "occurred_at__lt": moment})
    return events.order_by("-id")


def filters_used(form: AuditFilterForm) -> dict:
    """Return the filters given, for the audit event that records an export."""
    return {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}


# --- export ---------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "acting_unit_code",
    "action",
    "target_type",
    "target_id",
    "request_id",
    "client_address",
    "payload",
    "prev_hash",
    "hash",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    # A spreadsheet would run a cell that starts like a formula (CSV injection).
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """Yield the CSV export line by line (with a BOM, so spreadsheet programs read the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(EXPORT_COLUMNS)
    yield "\ufeff" + flush()
    for event in events.iterator(chunk_size=2000):
        writer.writerow([_cell(getattr(event, column)) for column in EXPORT_COLUMNS])
        yield flush()


# --- the chain's status ---------------------------------------------------------------------------


def chain_status(*, full: bool = False) -> dict:
    """Return the chain's verification: ok, events, checked_at, last_checkpoint, problems, keyed.

    From the keyed checkpoints (core.audit_checkpoints) when that module exists, which also detect
    truncation and a chain rewritten after its triggers were dropped (`full` recomputes every hash
    rather than the quick check); else from the plain hash chain (core.audit.verify_chain), which
    detects a change inside the chain but not the loss of its end. Imported lazily: the checkpoints
    are optional here.
    """
    try:
        audit_checkpoints = importlib.import_module("core.audit_checkpoints")
    except ImportError:
        audit_checkpoints = None
    if audit_checkpoints is not None and hasattr(audit_checkpoints, "chain_status"):
        try:
            status = dict(audit_checkpoints.chain_status(full=full))
        except TypeError:  # a chain_status() without the `full` option
            status = dict(audit_checkpoints.chain_status())
        status["keyed"] = True
        return status
    report = verify_chain()
    problems = []
    if not report.ok:
        problems.append(f"event #{report.broken.pk}: {report.reason}")
    return {
        "ok": report.ok,
        "events": report.count,
        "checked_at": timezone.now(),
        "last_checkpoint": None,
        "problems": problems,
        "keyed": False,
    }
