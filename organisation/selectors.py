"""Reads of the organisation: the unit tree by materialised path, and what a user's memberships grant."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from organisation.models import (
    CASE_ROLES,
    MINISTRY_CODE,
    PATH_SEPARATOR,
    Department,
    Membership,
    MembershipProposal,
    PasswordResetRequest,
    ProposalState,
    Role,
    Unit,
    User,
)
from organisation.standing import operational_memberships
from organisation.standing import (  # noqa: F401 (the old name, imported by cases.assistance until the sweep)
    standing_forget as operational_memberships_forget,
)


def unit_get(code: str) -> Unit:
    """Return the unit with this division code (active or not); raise Unit.DoesNotExist otherwise."""
    return Unit.objects.select_related("parent", "intake_department").get(code=code)


def unit_directory() -> QuerySet[Unit]:
    """Return the units as the directory lists them: parent, intake point, active departments, child count.

    A constant number of queries whatever the page size: joins for parent and intake point, one
    prefetch for every row's departments (as `active_departments`), and the count of active units
    directly below (`children_count`) in the same query.
    """
    return (
        Unit.objects.select_related("parent", "intake_department")
        .prefetch_related(
            Prefetch(
                "departments",
                queryset=Department.objects.filter(is_active=True).order_by("pk"),
                to_attr="active_departments",
            )
        )
        .annotate(children_count=Count("children", filter=Q(children__is_active=True)))
    )


def units_with_child_counts(queryset: QuerySet[Unit]) -> QuerySet[Unit]:
    """Annotate each unit with the number of active units directly below it (`child_count`)."""
    return queryset.annotate(child_count=Count("children", filter=Q(children__is_active=True)))


def unit_children(unit: Unit) -> QuerySet[Unit]:
    """Return the active units directly below `unit`, by code, each with its own child count."""
    return units_with_child_counts(unit.children.active()).order_by("code")


def unit_search(query: str, *, limit: int) -> tuple[list[Unit], int]:
    """Return up to `limit` active units whose name contains `query` or whose code starts with it, and
    how many match in all; each unit carries `ancestor_names` (below the ministry), read in one query.
    """
    matches = Unit.objects.active().filter(Q(name__icontains=query) | Q(code__startswith=query))
    total = matches.count()
    results = list(matches.order_by("level", "code")[:limit])
    ancestor_codes = {code for unit in results for code in unit.ancestor_codes if code != MINISTRY_CODE}
    names = dict(Unit.objects.filter(code__in=ancestor_codes).values_list("code", "name"))
    for unit in results:
        unit.ancestor_names = [names[code] for code in unit.ancestor_codes if code in names]
    return results, total


def unit_ancestors(unit: Unit) -> QuerySet[Unit]:
    """Return the unit's ancestors from the ministry down, without the unit itself, in one query."""
    return Unit.objects.ancestors_of(unit)


def unit_subtree(unit: Unit, *, include_self: bool = True) -> QuerySet[Unit]:
    """Return the unit and everything below it, by a prefix match on `path` (one indexed range query)."""
    return Unit.objects.subtree_of(unit, include_self=include_self)


def common_superior(units: Iterable[Unit]) -> Unit:
    """Return the lowest common ancestor of the units, a unit counting as its own ancestor.

    So one unit gives itself, a unit and one of its descendants give that unit, two branches of
    Chengdu give 成都市公安局, Chengdu and Mianyang 四川省公安厅, Chengdu and Kunming 公安部. Costs
    no query when the answer is one of the units given, else one.
    """
    units = list(units)
    if not units:
        raise ValueError("common_superior needs at least one unit")
    chains = [unit.path.split(PATH_SEPARATOR) for unit in units]
    shared = 0
    for segments in zip(*chains, strict=False):
        if any(segment != segments[0] for segment in segments):
            break
        shared += 1
    if shared == 0:
        raise ValueError("the units do not share the ministry as root; is the organisation loaded?")
    code = chains[0][shared - 1]
    for unit in units:
        if unit.code == code:
            return unit
    return Unit.objects.get(code=code)


def memberships_current(user: User, on: date | None = None) -> QuerySet[Membership]:
    """Return the user's memberships in force on a day (today by default); none for an inactive user."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return (
        Membership.objects.current(on)
        .filter(user=user)
        .select_related("unit", "department", "acting_for")
        .order_by("unit__code", "role")
    )


def user_has_role(user: User, role: str, unit: Unit | None = None, *, on: date | None = None) -> bool:
    """Return whether the user holds the role now; in the named unit itself (not its subtree) if given."""
    memberships = memberships_current(user, on).filter(role=role)
    if unit is not None:
        memberships = memberships.filter(unit=unit)
    return memberships.exists()


def roles_held_today(user: User) -> frozenset[str]:
    """Return the operational roles the user holds today in any unit (from the cached memberships)."""
    return frozenset(role for _unit_id, _path, role, _department in operational_memberships(user))


def user_may_read_case_data(user: User, *, on: date | None = None) -> bool:
    """Return whether the user may see any case data at all.

    Only a current operational membership grants it. Staff and superuser status grant nothing: the
    system administrator manages accounts, not cases, and an auditor reads the audit trail only
    (separation of duties, 等级保护 level 3).
    """
    if on is None:
        return bool(operational_memberships(user))
    return memberships_current(user, on).operational().exists()


def user_units(user: User, *, on: date | None = None) -> QuerySet[Unit]:
    """Return the units in which the user holds a current membership, in code order."""
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    unit_ids = memberships_current(user, on).values("unit_id")
    return Unit.objects.filter(pk__in=unit_ids).order_by("code")


def membership_proposals_to_decide(user: User) -> QuerySet[MembershipProposal]:
    """Return the open role proposals this user may approve or reject, oldest first.

    A unit head decides case roles in their own unit; a security officer any role in their unit's
    subtree. Never a proposal the user made or one for themselves; nothing for an administrator.
    Matches organisation.permissions.proposal_refusal, which is checked again on the decision.
    """
    if not getattr(user, "is_authenticated", False) or user.is_staff or user.is_superuser:
        return MembershipProposal.objects.none()
    held = list(
        memberships_current(user)
        .filter(role__in=(Role.UNIT_HEAD, Role.SECURITY_OFFICER))
        .values_list("role", "unit_id", "unit__path")
    )
    scope = Q(pk__in=[])
    for role, unit_id, path in held:
        if role == Role.UNIT_HEAD:
            scope |= Q(unit_id=unit_id, role__in=CASE_ROLES)
        else:
            scope |= Q(unit_id=unit_id) | Q(unit__path__startswith=path + PATH_SEPARATOR)
    return (
        MembershipProposal.objects.filter(scope, state=ProposalState.PROPOSED)
        .exclude(proposed_by=user)
        .exclude(user=user)
        .select_related("user", "unit", "department", "proposed_by", "acting_for")
        .order_by("id")
    )


def password_resets_to_decide(user: User) -> QuerySet[PasswordResetRequest]:
    """Return the open password reset requests this user may approve or reject, oldest first.

    A security officer decides for an account that holds a role in their unit or below; a unit head
    for an account that holds a role in their own unit, when that account holds case roles only (no
    unit head picks the password of who audits or secures them). Never a request the user made or
    one for themselves; nothing for an administrator. organisation.services asks this same rule
    before a decision.
    """
    if not getattr(user, "is_authenticated", False) or user.is_staff or user.is_superuser:
        return PasswordResetRequest.objects.none()
    held = list(
        memberships_current(user)
        .filter(role__in=(Role.UNIT_HEAD, Role.SECURITY_OFFICER))
        .values_list("role", "unit_id", "unit__path")
    )
    roles_of_account = Membership.objects.filter(user_id=OuterRef("user_id")).not_ended()
    scope = Q(pk__in=[])
    for role, unit_id, path in held:
        if role == Role.SECURITY_OFFICER:
            in_subtree = roles_of_account.filter(
                Q(unit_id=unit_id) | Q(unit__path__startswith=path + PATH_SEPARATOR)
            )
            scope |= Q(Exists(in_subtree))
        else:
            scope |= Q(Exists(roles_of_account.filter(unit_id=unit_id))) & ~Q(
                Exists(roles_of_account.exclude(role__in=CASE_ROLES))
            )
    return (
        PasswordResetRequest.objects.filter(scope, state=ProposalState.PROPOSED)
        .exclude(requested_by=user)
        .exclude(user=user)
        .select_related("user", "requested_by")
        .order_by("id")
    )


def auditor_event_scope(user: User) -> Q | None:
    """Return the Q of the audit events an auditor may read, or None for anyone who is no auditor.

    An auditor reads the audit trail of their subtree (DESIGN.md): the events done as one of its
    units, and the events of the people who hold a role in it (their sign-ins carry no unit). An
    auditor of the ministry reads every event, those of no unit too (the administrators' changes,
    failed sign-ins). An administrator account is never an auditor (separation of duties).
    Registered with core.audit_trail by OrganisationConfig.ready().
    """
    if not getattr(user, "is_authenticated", False) or user.is_staff or user.is_superuser:
        return None
    paths = list(memberships_current(user).filter(role=Role.AUDITOR).values_list("unit__path", flat=True))
    if not paths:
        return None
    if MINISTRY_CODE in paths:
        return Q()
    units = Q(pk__in=[])
    for path in paths:
        units |= Q(path=path) | Q(path__startswith=path + PATH_SEPARATOR)
    codes = Unit.objects.filter(units).values("code")
    people = Membership.objects.filter(unit__in=Unit.objects.filter(units)).values("user_id")
    return Q(acting_unit_code__in=codes) | Q(actor_id__in=people)
