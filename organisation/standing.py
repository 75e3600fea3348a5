"""What a user's current operational memberships are: read once per request and kept on the user.

The one membership cache of the project. The permission that admits a request to case data, the
visibility rules, and every app's permission callables read the same rows from here, so a request
asks the database once, however many objects it checks. `standing_forget` drops it after the
user's memberships changed within one request or test.

Kept apart from the selectors and the models' neighbours so that the transition permission
callables (imported by the models) can use it without an import cycle: it imports the models only.
"""

from dataclasses import dataclass

from django.utils import timezone

from organisation.models import PATH_SEPARATOR, Membership

_CACHE_ATTRIBUTE = "_organisation_standing"

Row = tuple[int, str, str, int | None]  # (unit id, unit path, role, department id)


@dataclass(frozen=True)
class Standing:
    """The units a user works in today, with the roles held in each and each unit's tree path.

    `rows` are the operational memberships as (unit id, unit path, role, department id), in unit
    code order, then role (empty for a standing made up to ask what a unit as such may see).
    """

    roles_by_unit: dict[int, frozenset[str]]
    path_by_unit: dict[int, str]
    rows: tuple[Row, ...] = ()

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


def _standing_of(rows: tuple[Row, ...]) -> Standing:
    roles: dict[int, set[str]] = {}
    paths: dict[int, str] = {}
    for unit_id, path, role, _department in rows:
        roles.setdefault(unit_id, set()).add(role)
        paths[unit_id] = path
    return Standing(
        rows=rows,
        roles_by_unit={unit_id: frozenset(held) for unit_id, held in roles.items()},
        path_by_unit=paths,
    )


def user_standing(user) -> Standing:
    """Return the user's operational standing today; an auditor or administrator has none.

    Cached on the user object for the day: a request builds its user afresh, so the cache lives as
    long as one request (or one task), never across a change of memberships in production.
    """
    if not getattr(user, "is_authenticated", False):
        return EMPTY
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        # Separation of duties: an administrator account reads no case data, even if a membership
        # reached it behind the services' back (a raw insert, a flag set by SQL).
        return EMPTY
    today = timezone.localdate()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None and cached[0] == today:
        return cached[1]
    rows = tuple(
        Membership.objects.current(today)
        .filter(user=user)
        .operational()
        .order_by("unit__code", "role")
        .values_list("unit_id", "unit__path", "role", "department_id")
    )
    standing = _standing_of(rows)
    setattr(user, _CACHE_ATTRIBUTE, (today, standing))
    return standing


def operational_memberships(user) -> tuple[Row, ...]:
    """Return the user's operational memberships today as (unit id, unit path, role, department id)."""
    return user_standing(user).rows


def standing_forget(user) -> None:
    """Drop the cached standing, after the user's memberships changed within one request or test."""
    if user is not None and hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
