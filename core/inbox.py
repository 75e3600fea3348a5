"""The inbox (待办) registry: each app registers a provider of work items in its AppConfig.ready().

Nothing here imports an app above core; providers receive the user and return items.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone


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
_providers: dict[str, Provider] = {}


def register(name: str) -> Callable[[Provider], Provider]:
    def decorator(provider: Provider) -> Provider:
        _providers[name] = provider
        return provider

    return decorator


def providers() -> dict[str, Provider]:
    return dict(_providers)


def _sort_key(item: InboxItem):
    # Overdue first, then by due date (undated last), then by title for a stable order.
    far_future = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    return (not item.is_overdue, item.due_at or far_future, item.title)


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
