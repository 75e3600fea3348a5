"""The inbox (待办) registry: each app registers a provider of work items in its AppConfig.ready().

Nothing here imports an app above core; providers receive the user and return items.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from core.registry import Registry


@dataclass(frozen=True)
class InboxItem:
    kind: str  # stable key, e.g. "assistance_request.intake"
    kind_label: str  # translated label shown to people
    title: str
    url: str
    state: str = ""
    state_label: str = ""  # the state as people read it, in the active language
    due_at: datetime | None = None
    object_type: str = ""
    object_id: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def is_overdue(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()


Provider = Callable[[object], Iterable[InboxItem]]
_providers: Registry[str, Provider] = Registry("inbox providers")


def register(name: str) -> Callable[[Provider], Provider]:
    """Return a decorator that registers an inbox provider under `name`."""
    return _providers.entry(name)


def providers() -> dict[str, Provider]:
    return _providers.as_dict()


def _sort_key(item: InboxItem):
    # Overdue first, then by due date (undated last), then by title for a stable order.
    far_future = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    return (not item.is_overdue, item.due_at or far_future, item.title)


def items_by_kind(
    rows_for: Callable[[list[str]], QuerySet],
    kinds: Iterable[str],
    build: Callable[[str, Any], InboxItem | None],
    *,
    limit: int,
) -> list[InboxItem]:
    """Build up to `limit` items of each kind from rows that carry a boolean column per kind.

    `rows_for(keys)` returns the rows meeting any of those kinds' conditions, each flagged
    `inbox_<kind>`; `build(kind, row)` makes the item, or None when a check in Python rules it out.
    One query serves every kind. When a kind with more rows than `limit` fills that query's slice,
    the kinds still short go on past the last row read, so no kind hides another's items.
    """
    by_kind: dict[str, list[InboxItem]] = {key: [] for key in kinds}
    pending = list(by_kind)
    last_pk = None
    while pending:
        cap = limit * len(pending)
        rows = rows_for(pending)
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        rows = list(rows.order_by("pk")[:cap])
        for row in rows:
            for key in pending:
                if getattr(row, f"inbox_{key}") and len(by_kind[key]) < limit:
                    item = build(key, row)
                    if item is not None:
                        by_kind[key].append(item)
        if len(rows) < cap:
            break
        last_pk = rows[-1].pk
        pending = [key for key in pending if len(by_kind[key]) < limit]
    return [item for items in by_kind.values() for item in items]


def flagged(queryset: QuerySet, conditions: dict[str, Q]) -> QuerySet:
    """Return the rows meeting any of the conditions, each condition a boolean column inbox_<kind>."""
    flags = {
        f"inbox_{key}": ExpressionWrapper(condition, output_field=BooleanField())
        for key, condition in conditions.items()
    }
    return queryset.filter(reduce(or_, conditions.values())).annotate(**flags)


def inbox_for(user) -> list[InboxItem]:
    """Collect every provider's items for the user, overdue first."""
    items: list[InboxItem] = []
    for provider in _providers.values():
        items.extend(provider(user))
    return sorted(items, key=_sort_key)


def counts_by_kind(items: Iterable[InboxItem]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return counts
