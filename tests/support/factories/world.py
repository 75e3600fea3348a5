"""A random world of case data for the property-based visibility test (issue 16).

`build_world(plan)` turns a plain plan (drawn by Hypothesis in tests/visibility) into users with
memberships (current, acting, expired, not yet started), cases with handling codes and states,
assistance requests, jurisdiction proceedings, merger proposals, a joint meeting with agenda items,
bulletins with a linked case and access grants (active, expired, revoked). Objects are made
through the services where those exist, so party rows, snapshots and notifications are what
production writes; a step the services refuse in this world (a state or a permission the plan
did not arrange) is skipped and noted, not forced.

Every case's number, name, summary, location address and person name carries a unique marker
token (`MARK` + letters that never contain M, R or K), and each person has a unique identity number, so a
substring search of a response body is decisive.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from cases.models import (
    AccessRequestState,
    Case,
    CaseAccessGrant,
    CaseAccessRequest,
    CaseParty,
    CaseState,
    HandlingCode,
    LocationRole,
    PartyRole,
)
from core.api import Conflict
from organisation.models import Membership, Role, Unit, User
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, CasePersonFactory, id_number
from tests.support.factories.organisation import UserFactory
from tests.support.personas import POST_OF_ROLE, Cast
from tests.support.units import SIX

# Letters of a marker token: none of M, R, K, so "MARK" only ever starts a token.
_LETTERS = "ABCDEFGHIJLNOPQSTUVWXYZ"
_tokens = itertools.count(1)
_serials = itertools.count(10001)

# Units whose kinship the plan should hit often: branches, their city and province, neighbours and
# the ministry (a random unit of the 623 is drawn too, see tests/visibility/strategies.py).
CLUSTER = (
    "510107",  # 武侯区分局
    "510104",  # 锦江区分局
    "510100",  # 成都市公安局
    "510000",  # 四川省公安厅
    "500103",  # 渝中区分局
    "500000",  # 重庆市公安局
    "530102",  # 五华区分局
    "530100",  # 昆明市公安局
    "530000",  # 云南省公安厅
    "520102",  # 南明区分局
    "520000",  # 贵州省公安厅
    "630100",  # 西宁市公安局
    "000000",  # 公安部
)


def token() -> str:
    """Return a fresh marker token: fixed length, so no token is a substring of another."""
    n = next(_tokens)
    letters = []
    for _ in range(6):
        n, digit = divmod(n, len(_LETTERS))
        letters.append(_LETTERS[digit])
    return "MARK" + "".join(reversed(letters))


@dataclass
class CaseMarkers:
    """The strings of one case that only a viewer who may see it may read."""

    case: Case
    number: str
    name: str
    summary: str
    addresses: list[str] = field(default_factory=list)
    person_names: list[str] = field(default_factory=list)
    id_numbers: list[str] = field(default_factory=list)

    def secret(self) -> list[str]:
        """What is never said of a case to a viewer who may not see it, whatever the surface."""
        return [self.summary, *self.addresses, *self.person_names, *self.id_numbers]


@dataclass
class World:
    users: list[User] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    markers: dict[int, CaseMarkers] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Users the world made to act (heads, intake officers, liaison officers): personas too.
    actors: dict[tuple[str, str], User] = field(default_factory=dict)
    cast: Cast = field(default_factory=Cast)

    def actor(self, code: str, role: str) -> User:
        """Return the world's one holder of `role` in the unit `code`, made on first use."""
        key = (code, role)
        if key not in self.actors:
            office = self.cast.office(code, f"{role[:6]}_{code}_{token().lower()}")
            self.actors[key] = office.person(POST_OF_ROLE[role])
        return self.actors[key]

    def attempt(self, what: str, step):
        """Run a service step; note and skip it when the services refuse it in this world."""
        try:
            return step()
        except (ValidationError, PermissionDenied, Conflict, Http404) as refused:
            self.notes.append(f"{what}: refused ({type(refused).__name__}: {refused})")
            return None


def _membership(user: User, code: str, role: str, status: str) -> None:
    today = timezone.localdate()
    unit = Unit.objects.get(code=code)
    fields = {}
    if status == "acting":
        fields = {
            "is_acting": True,
            "valid_from": today - dt.timedelta(days=3),
            "valid_to": today + dt.timedelta(days=5),
        }
    elif status == "expired":
        fields = {"valid_from": today - dt.timedelta(days=90), "valid_to": today - dt.timedelta(days=1)}
    elif status == "future":
        fields = {"valid_from": today + dt.timedelta(days=2)}
    Membership.objects.get_or_create(user=user, unit=unit, role=role, **fields)


def _case(world: World, spec: dict) -> Case:
    accepting = Unit.objects.get(code=spec["accepting"])
    state = spec["state"]
    serial = next(_serials)
    name_token, summary_token = token(), token()
    case = CaseFactory(
        accepting_unit=accepting,
        state=state,
        handling_code=spec["handling_code"],
        name=f"{name_token}案",
        summary=f"案情{summary_token}",
        serial=serial,
    )
    if state == CaseState.JURISDICTION_PENDING:
        case.lead_unit = None
        case.save(update_fields=["lead_unit"])
    markers = CaseMarkers(case=case, number=case.number, name=name_token, summary=summary_token)
    for role, code in spec["locations"]:
        address = token()
        CaseLocationFactory(
            case=case,
            role=role,
            division_code=code,
            division_unit=Unit.objects.filter(code=code).first(),
            address=f"某街道{address}号",
        )
        markers.addresses.append(address)
    for role in spec["persons"]:
        name = token()
        # Unique across the world: one identity in two cases would make a related-case notice.
        unique = next(_serials)
        number = id_number(
            "520102", dt.date(1960, 1, 1) + dt.timedelta(days=unique % 15000), unique % 999 + 1
        )
        CasePersonFactory(
            case=case, role=role, name=f"张{name}", id_number=number, household_address=f"户籍{token()}"
        )
        markers.person_names.append(name)
        markers.id_numbers.append(number)
    for code, role in spec["parties"]:
        CaseParty.objects.get_or_create(case=case, unit=Unit.objects.get(code=code), role=role)
    world.cases.append(case)
    world.markers[case.pk] = markers
    return case


def _pick(world: World, index: int) -> Case:
    """Return a case of the world as stored now (an earlier step may have moved it on)."""
    return Case.objects.get(pk=world.cases[index % len(world.cases)].pk)


def _request(world: World, spec: dict) -> None:
    from cases.assistance import services
    from tests.support.factories.assistance import attach_all, walk

    case = _pick(world, spec["case"])
    requesting = case.responsible_unit.code
    if requesting == spec["to"]:
        return
    cast = Cast(requesting=requesting, requested=spec["to"])
    # The world's actors hold the posts of the walk, so that the plan's people act in it.
    cast.office(requesting).seat(
        investigator=world.actor(requesting, Role.INVESTIGATOR),
        department_head=world.actor(requesting, Role.DEPARTMENT_HEAD),
        head=world.actor(requesting, Role.UNIT_HEAD),
    )
    cast.office(spec["to"]).seat(
        intake=world.actor(spec["to"], Role.INTAKE_OFFICER),
        department_head=world.actor(spec["to"], Role.DEPARTMENT_HEAD),
        investigator=world.actor(spec["to"], Role.INVESTIGATOR),
    )

    def make():
        request = services.request_create(
            by=cast.investigator,
            case=case,
            requested_unit=Unit.objects.get(code=spec["to"]),
            kind="evidence_collection",
            matters=f"调取{world.markers[case.pk].name}相关材料",
        )
        if spec["upto"] != "draft":
            attach_all(cast.investigator, request)
            request = walk(request, cast, spec["upto"])
        return request

    world.attempt(f"assistance request on case {case.pk}", make)


def _proceeding(world: World, spec: dict):
    from jurisdiction import services

    case = _pick(world, spec["case"])
    holding = case.responsible_unit.code
    extra = [Unit.objects.get(code=code) for code in spec["extra"] if code != holding]
    head = world.actor(holding, Role.UNIT_HEAD)
    return world.attempt(
        f"proceeding on case {case.pk}",
        lambda: services.proceeding_open(
            case=case, by=head, kind="dispute", reason=f"管辖争议{token()}", extra_units=extra
        ),
    )


def _merger(world: World, spec: dict):
    from jurisdiction.merger import services as merger

    into, merged = _pick(world, spec["into"]), _pick(world, spec["merged"])
    if into.pk == merged.pk:
        return None
    head = world.actor(merged.responsible_unit.code, Role.UNIT_HEAD)
    return world.attempt(
        f"merger {merged.pk} into {into.pk}",
        lambda: merger.merger_propose(
            into_case=into, merged_case=merged, by=head, ground="one_person", reasons=f"并案理由{token()}"
        ),
    )


def _meeting(world: World, spec: dict) -> None:
    from meetings import agenda
    from meetings.models import AgendaSource, MeetingState
    from tests.support.factories.meetings import meeting_in, pan_southwest_series

    host = spec["host"]
    liaison = world.actor(host, Role.LIAISON_OFFICER)
    series = pan_southwest_series()
    meeting = meeting_in(series, host=host, organiser=liaison, state=MeetingState.SCHEDULED)
    from jurisdiction.models import JurisdictionProceeding, MergerProposal

    for proceeding in JurisdictionProceeding.objects.all():
        world.attempt(
            f"agenda item for proceeding {proceeding.pk}",
            lambda proceeding=proceeding: agenda.agenda_item_add(
                meeting=meeting,
                by=liaison,
                source_kind=AgendaSource.PROCEEDING_DISPUTED,
                target_id=str(proceeding.pk),
            ),
        )
    for proposal in MergerProposal.objects.all():
        world.attempt(
            f"agenda item for merger {proposal.pk}",
            lambda proposal=proposal: agenda.agenda_item_add(
                meeting=meeting,
                by=liaison,
                source_kind=AgendaSource.MERGER_PROPOSAL,
                target_id=str(proposal.pk),
            ),
        )


def _bulletin(world: World, spec: dict) -> None:
    from bulletins.models import BulletinKind
    from bulletins.services import bulletin_create, bulletin_transition

    case = _pick(world, spec["case"])
    code = case.responsible_unit.code
    head = world.actor(code, Role.UNIT_HEAD)
    bulletin = world.attempt(
        f"bulletin linking case {case.pk}",
        lambda: bulletin_create(
            by=head,
            issuing_unit=Unit.objects.get(code=code),
            data={
                "kind": BulletinKind.WANTED_NOTICE,
                "title": f"协查通报{token()}",
                "body": "请协助查找线索。",
                "target_spec": {"units": list(spec["targets"])},
                "linked_case_id": case.pk,
            },
        ),
    )
    if bulletin is not None:
        # Issued, so that its recipients (who may not see the case) read it.
        world.attempt(
            f"issue of bulletin {bulletin.pk}",
            lambda: bulletin_transition(bulletin=bulletin, name="issue", by=head),
        )


def _grant(world: World, spec: dict) -> None:
    from cases.access import services as access_services

    if not world.users:
        return
    user = world.users[spec["user"] % len(world.users)]
    case = _pick(world, spec["case"])
    request = world.attempt(
        f"access request of {user.username} for case {case.pk}",
        lambda: access_services.access_request_create(case_id=case.pk, by=user, reason=f"核查线索{token()}"),
    )
    if request is None:
        # The user sees it already or may not discover it: a grant can still exist (made before the
        # case was restricted, say), so write one directly.
        owner = case.responsible_unit
        request = CaseAccessRequest.objects.create(
            case=case,
            requester=user,
            requesting_unit=user.memberships.first().unit if user.memberships.exists() else owner,
            owning_unit=owner,
            reason=f"核查线索{token()}",
            state=AccessRequestState.GRANTED,
            decided_at=timezone.now(),
        )
        CaseAccessGrant.objects.create(
            request=request,
            case=case,
            user=user,
            starts_at=timezone.now() - dt.timedelta(days=1),
            expires_at=timezone.now() + dt.timedelta(days=7),
            granted_by=world.actor(owner.code, Role.UNIT_HEAD),
        )
    elif spec["status"] != "requested":
        intake = world.actor(request.owning_unit.code, Role.INTAKE_OFFICER)
        world.attempt(
            f"grant of request {request.pk}",
            lambda: access_services.access_request_transition(
                access_request=request, name="grant", by=intake, days=7
            ),
        )
    grants = CaseAccessGrant.objects.filter(request=request)
    if spec["status"] == "expired":
        grants.update(
            starts_at=timezone.now() - dt.timedelta(days=10), expires_at=timezone.now() - dt.timedelta(days=1)
        )
    elif spec["status"] == "revoked":
        grants.update(revoked_at=timezone.now())


def build_world(plan: dict) -> World:
    """Build the plan's world in the database (inside the caller's transaction)."""
    world = World()
    for memberships in plan["users"]:
        user = UserFactory(username=f"persona_{token().lower()}")
        for code, role, status in memberships:
            _membership(user, code, role, status)
        world.users.append(user)
    for spec in plan["cases"]:
        _case(world, spec)
    for spec in plan["requests"]:
        _request(world, spec)
    for spec in plan["proceedings"]:
        _proceeding(world, spec)
    for spec in plan["mergers"]:
        _merger(world, spec)
    for spec in plan["bulletins"]:
        _bulletin(world, spec)
    for spec in plan["grants"]:
        _grant(world, spec)
    if plan["meeting"]:
        _meeting(world, plan["meeting"])
    # A case re-coded after everything above was written (issue 16 item 3: agenda items and other
    # copies kept the old text): every stored copy must follow the case's code at read time.
    for index, code in plan["recode"]:
        case = world.cases[index % len(world.cases)]
        Case.objects.filter(pk=case.pk).update(handling_code=code)
        case.handling_code = code
    return world


__all__ = [
    "CLUSTER",
    "SIX",
    "CaseMarkers",
    "HandlingCode",
    "LocationRole",
    "PartyRole",
    "World",
    "build_world",
]
