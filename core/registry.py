"""One registry primitive with one policy for a duplicate: it raises.

Every registry of the project (document kinds, inbox providers, read rules, panels, machines …) is a
`Registry`, and every single hook core calls (the roles reader, the auditor's scope) a `Slot`. Apps
fill them from AppConfig.ready(); `registries()` lists them all, so that a test can check every one
is filled after start-up (tests/core/test_registries.py). Registering the very same object again
under its key is not a duplicate (an app's ready() that runs twice in a process); anything else
under a taken key raises DuplicateRegistration.

A registry that is a list of functions (every authority asked in turn) keys each by its qualified
name: `add_function(func)`.
"""

import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
F = TypeVar("F", bound=Callable)


class DuplicateRegistration(ValueError):
    """A second, different entry was registered under a key that is taken."""


def function_key(func: Callable) -> str:
    """Return the key a function is registered under in a list of functions: its qualified name."""
    return f"{func.__module__}.{func.__qualname__}"


class Registry(Generic[K, V]):
    """A named mapping filled once at start-up, in registration order."""

    # Weak, so that a registry a test makes and drops is not listed by registries() afterwards.
    _all: list[weakref.ref] = []

    def __init__(self, name: str, *, may_be_empty: bool = False, _listed: bool = True):
        self.name = name
        # A registry whose entries come only from optional features may stay empty; say so here.
        self.may_be_empty = may_be_empty
        self._entries: dict[K, V] = {}
        if _listed:
            Registry._all.append(weakref.ref(self))

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

    def add_function(self, func: F) -> F:
        """Register a function under its qualified name (a registry that is a list of functions)."""
        self.add(function_key(func), func)  # type: ignore[arg-type]
        return func

    def remove_function(self, func: Callable) -> None:
        """Take out a function registered with add_function (tests register their own)."""
        key = function_key(func)
        if self._entries.get(key) is func:  # type: ignore[call-overload]
            del self._entries[key]  # type: ignore[arg-type]

    def get(self, key: K, default=None):
        return self._entries.get(key, default)

    def __getitem__(self, key: K) -> V:
        return self._entries[key]

    # Item assignment registers under the same policy, so that a test's monkeypatch.setitem adds a
    # temporary entry (and takes it out again with del) instead of overwriting one.
    def __setitem__(self, key: K, value: V) -> None:
        self.add(key, value)

    def __delitem__(self, key: K) -> None:
        del self._entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[K]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def items(self) -> list[tuple[K, V]]:
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

    def copy(self, entries: Mapping[K, V] | None = None) -> "Registry[K, V]":
        """Return an unlisted registry of the same name holding `entries` (by default, these).

        For tests that put it in the module's place for a while (monkeypatch.setattr), to register
        or replace entries without touching the real one; registries() does not list it.
        """
        clone: Registry[K, V] = Registry(self.name, may_be_empty=self.may_be_empty, _listed=False)
        clone._entries = dict(self._entries if entries is None else entries)
        return clone


class Slot(Generic[V]):
    """A registry of exactly one entry (a hook core calls that an app above it fills)."""

    def __init__(self, name: str, *, may_be_empty: bool = False):
        self._registry: Registry[str, V] = Registry(name, may_be_empty=may_be_empty)

    def __repr__(self) -> str:
        return f"<Slot {self.name}: {'filled' if self else 'empty'}>"

    @property
    def name(self) -> str:
        return self._registry.name

    def fill(self, value: V) -> V:
        """Put `value` in the slot; raise DuplicateRegistration when another value fills it."""
        return self._registry.add("", value)

    def get(self) -> V | None:
        return self._registry.get("")

    def __bool__(self) -> bool:
        return "" in self._registry


_MISSING = object()


def registries() -> list[Registry]:
    """Return every listed registry alive in this process (a Slot's among them), in creation order."""
    alive = [registry for ref in Registry._all if (registry := ref()) is not None]
    Registry._all[:] = [weakref.ref(registry) for registry in alive]
    return alive
