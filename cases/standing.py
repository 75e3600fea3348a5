"""What a user's current operational memberships are, in the shape visibility and permissions need.

Kept apart from the models so that the transition permission callables (imported by the models)
and the selectors can both use it without an import cycle.
"""

from dataclasses import dataclass

from django.utils import timezone

from organisation.models import PATH_SEPARATOR
from organisation.selectors import operational_memberships, operational_memberships_forget

_CACHE_ATTRIBUTE = "_cases_standing"


@dataclass(frozen=True)
class Standing:
    """The units a user works in today, with the roles held in each and each unit's tree path."""

    roles_by_unit: dict[int, frozenset[str]]
    path_by_unit: dict[int, str]

    @property
    def unit_ids(self) -> list[int]:
        return sorted(self.roles_by_unit)

    @property
    def paths(self) -> list[str]:
        return sorted(set(self.path_by_unit.values()))

    def holds(self, unit_id: int | None, roles) -> bool:
        """Return whether a role of `roles` is held in the unit itself."""
        return unit_id is not None and bool(self.roles_by_unit.get(unit_id, frozenset()) & set(roles))

    def holds_above(self, unit_path: str, roles) -> bool:
        """Return whether a role of `roles` is held in a unit strictly above the unit with this path."""
        return any(
            unit_path.startswith(path + PATH_SEPARATOR) and self.roles_by_unit[unit_id] & set(roles)
            for unit_id, path in self.path_by_unit.items()
        )

    def unit_holding(self, unit_id: int | None, roles) -> int | None:
        return unit_id if self.holds(unit_id, roles) else None


EMPTY = Standing(roles_by_unit={}, path_by_unit={})


def user_standing(user) -> Standing:
    """Return the user's operational standing today; an auditor or administrator has none.

    Cached on the user object for the day: a request builds its user afresh, so the cache lives as
    long as one request (or one task), never across a change of memberships in production.
    """
    if not getattr(user, "is_authenticated", False):
        return EMPTY
    today = timezone.localdate()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None and cached[0] == today:
        return cached[1]
    roles: dict[int, set[str]] = {}
    paths: dict[int, str] = {}
    for unit_id, path, role, _department in operational_memberships(user):
        roles.setdefault(unit_id, set()).add(role)
        paths[unit_id] = path
    standing = Standing(
        roles_by_unit={unit_id: frozenset(held) for unit_id, held in roles.items()}, path_by_unit=paths
    )
    setattr(user, _CACHE_ATTRIBUTE, (today, standing))
    return standing


def standing_forget(user) -> None:
    """Drop the cached standing, after the user's memberships changed within one request or test."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
    operational_memberships_forget(user)
