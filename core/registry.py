"""One registry primitive with one policy for a duplicate: it raises.

Every registry of the project (document kinds, inbox providers, read rules, panels, machines …) is a
`Registry`. Apps fill them from AppConfig.ready(); `registries()` lists them all, so that a test can
check every one is filled after start-up (tests/core/test_registries.py). Registering the very same
object again under its key is not a duplicate (an app's ready() that runs twice in a process);
anything else under a taken key raises DuplicateRegistration.
"""

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class DuplicateRegistration(ValueError):
    """A second, different entry was registered under a key that is taken."""


class Registry(Generic[K, V]):
    """A named mapping filled once at start-up, in registration order."""

    _all: list["Registry"] = []

    def __init__(self, name: str, *, may_be_empty: bool = False):
        self.name = name
        # A registry whose entries come only from optional features may stay empty; say so here.
        self.may_be_empty = may_be_empty
        self._entries: dict[K, V] = {}
        Registry._all.append(self)

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self._entries)} entries>"

    def add(self, key: K, value: V) -> V:
        """Register `value` under `key`; raise DuplicateRegistration when another entry holds it."""
        existing = self._entries.get(key, _MISSING)
        if existing is not _MISSING and existing is not value and existing != value:
            raise DuplicateRegistration(f"{self.name}: {key!r} is already registered ({existing!r})")
        self._entries[key] = value
        return value

    def entry(self, key: K) -> Callable[[V], V]:
        """Return a decorator that registers what it decorates under `key`."""

        def decorator(value: V) -> V:
            return self.add(key, value)

        return decorator

    def get(self, key: K, default=None):
        return self._entries.get(key, default)

    def __getitem__(self, key: K) -> V:
        return self._entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[K]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def items(self):
        return list(self._entries.items())

    def values(self) -> list[V]:
        return list(self._entries.values())

    def keys(self) -> list[K]:
        return list(self._entries)

    def as_dict(self) -> dict[K, V]:
        return dict(self._entries)

    def remove(self, key: K) -> None:
        """Take an entry out (for tests that register a temporary one)."""
        self._entries.pop(key, None)


class Slot(Generic[V]):
    """A registry of exactly one entry (a hook core calls that an app above it fills)."""

    def __init__(self, name: str, *, may_be_empty: bool = False):
        self._registry: Registry[str, V] = Registry(name, may_be_empty=may_be_empty)

    @property
    def name(self) -> str:
        return self._registry.name

    def fill(self, value: V) -> V:
        return self._registry.add("", value)

    def get(self) -> V | None:
        return self._registry.get("")

    def __bool__(self) -> bool:
        return "" in self._registry


_MISSING = object()


def registries() -> list[Registry]:
    """Return every registry created in this process."""
    return list(Registry._all)
