"""Demo accounts: every role in the units of the six regions the demo scenarios reach, and one administrator.

For the embedded demo only (`make demo`); the seed_demo command refuses to run with neither DEBUG
nor LIANBAN_DEMO on unless forced, so production never gets accounts with a published password.
"""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from organisation.models import (
    Availability,
    Department,
    DepartmentKind,
    ExpertProfile,
    LiaisonAssignment,
    LiaisonRole,
    Membership,
    Role,
    Specialty,
    Unit,
    User,
)

DEMO_PASSWORD = "lianban-demo-2026"  # noqa: S105 - published demo credential, refused in production
ADMIN_USERNAME = "admin"
ADMIN_FULL_NAME = "系统管理员"

# Units that get every role, with the readable first half of their usernames (wuhou.investigator).
FULL_UNITS = (
    ("chongqing", "500000"),  # 重庆市公安局 (provincial level)
    ("sichuan", "510000"),
    ("chengdu", "510100"),
    ("wuhou", "510107"),
    ("guizhou", "520000"),
    ("guiyang", "520100"),
    ("yunnan", "530000"),
    ("kunming", "530100"),
    # The branches the 4·15 scenario's jurisdiction reaches (victims, server, proceeds, the suspect's
    # household and habitual residence): every candidate unit states a position in the consultation.
    ("wuhua", "530102"),
    ("panlong", "530103"),
    ("yuzhong", "500103"),
    ("nanming", "520102"),
    ("yunyan", "520103"),
    # The 5·02 Kunming case's other candidate (where the victim lost the money).
    ("guandu", "530111"),
    ("xizang", "540000"),
    ("lhasa", "540100"),
    ("qinghai", "630000"),
    ("xining", "630100"),
)
MINISTRY = ("mps", "000000")
MINISTRY_ROLES = (Role.UNIT_HEAD, Role.LEGAL_OFFICER)

ROLE_SLUGS = {
    Role.INVESTIGATOR: "investigator",
    Role.DEPARTMENT_HEAD: "dept-head",
    Role.UNIT_HEAD: "unit-head",
    Role.LEGAL_OFFICER: "legal",
    Role.INTAKE_OFFICER: "intake",
    Role.LIAISON_OFFICER: "liaison",
    Role.AUDITOR: "auditor",
    Role.SECURITY_OFFICER: "security",
}
ROLE_DEPARTMENTS = {
    Role.INVESTIGATOR: DepartmentKind.CRIMINAL,
    Role.DEPARTMENT_HEAD: DepartmentKind.CRIMINAL,
    Role.LEGAL_OFFICER: DepartmentKind.LEGAL,
    Role.INTAKE_OFFICER: DepartmentKind.COMMAND,
}

# 20 surnames and 29 given names: coprime lengths, so the pairs stay distinct for 580 accounts.
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN_NAMES = (
    "建国", "志强", "海燕", "晓东", "丽华", "永刚", "秀英", "文斌", "红梅", "国平",
    "思远", "春燕", "德明", "雪梅", "卫东", "玉兰", "俊杰", "婷婷", "明辉", "桂芳",
    "振华", "静怡", "鹏飞", "淑珍", "立新", "欣然", "学军", "美玲", "天宇",
)  # fmt: skip


@dataclass(frozen=True)
class DemoAccount:
    username: str
    unit_code: str
    role: str
    department_kind: str | None
    full_name: str


def demo_accounts() -> list[DemoAccount]:
    """Return the demo accounts with memberships, in a fixed order (so names stay put between runs)."""
    plan = [(place, code, role) for place, code in FULL_UNITS for role in Role.values]
    plan += [(MINISTRY[0], MINISTRY[1], role) for role in MINISTRY_ROLES]
    return [
        DemoAccount(
            username=f"{place}.{ROLE_SLUGS[role]}",
            unit_code=code,
            role=role,
            department_kind=ROLE_DEPARTMENTS.get(role),
            full_name=_SURNAMES[i % len(_SURNAMES)] + _GIVEN_NAMES[i % len(_GIVEN_NAMES)],
        )
        for i, (place, code, role) in enumerate(plan)
    ]


@dataclass(frozen=True)
class DemoRow:
    username: str
    unit: str
    role: str


@dataclass
class DemoSeedReport:
    users_created: int = 0
    memberships_created: int = 0
    passwords_reset: int = 0
    experts_created: int = 0
    liaisons_created: int = 0
    rows: list[DemoRow] = field(default_factory=list)


@transaction.atomic
def demo_seed(*, reset_passwords: bool = False) -> DemoSeedReport:
    """Create the demo accounts and their memberships where missing; reset passwords only if asked.

    A second run creates nothing and leaves changed passwords alone. The organisation must be loaded.
    """
    accounts = demo_accounts()
    codes = {account.unit_code for account in accounts}
    units = Unit.objects.in_bulk(codes, field_name="code")
    if missing := sorted(codes - units.keys()):
        raise ValidationError(
            _("Units %(codes)s are missing; load the organisation first (manage.py load_organisation).")
            % {"codes": ", ".join(missing)}
        )
    departments = {
        (department.unit_id, department.kind): department
        for department in Department.objects.filter(
            unit__code__in=codes, kind__in=set(ROLE_DEPARTMENTS.values())
        )
    }
    usernames = [account.username for account in accounts] + [ADMIN_USERNAME]
    users = User.objects.in_bulk(usernames, field_name="username")
    report = DemoSeedReport()

    # One hash for every demo account: the password is published anyway, and hashing ~90 times
    # with Argon2 would make each `make demo` take seconds longer.
    hashed = make_password(DEMO_PASSWORD) if reset_passwords or len(users) < len(usernames) else None
    new_users = [
        User(username=account.username, full_name=account.full_name, password=hashed)
        for account in accounts
        if account.username not in users
    ]
    if ADMIN_USERNAME not in users:
        new_users.append(
            User(
                username=ADMIN_USERNAME,
                full_name=ADMIN_FULL_NAME,
                password=hashed,
                is_staff=True,
                is_superuser=True,
            )
        )
    User.objects.bulk_create(new_users)
    report.users_created = len(new_users)
    if new_users:
        users = User.objects.in_bulk(usernames, field_name="username")
    if reset_passwords:
        report.passwords_reset = User.objects.filter(username__in=usernames).update(password=hashed)
    User.objects.filter(username=ADMIN_USERNAME).filter(
        Q(is_staff=False) | Q(is_superuser=False) | Q(is_active=False)
    ).update(is_staff=True, is_superuser=True, is_active=True)

    today = timezone.localdate()
    held = set(
        Membership.objects.filter(user__username__in=usernames)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values_list("user_id", "unit_id", "role")
    )
    new_memberships = []
    for account in accounts:
        user, unit = users[account.username], units[account.unit_code]
        if (user.pk, unit.pk, account.role) in held:
            continue
        department = departments.get((unit.pk, account.department_kind)) if account.department_kind else None
        new_memberships.append(
            Membership(user=user, unit=unit, role=account.role, department=department, valid_from=today)
        )
    Membership.objects.bulk_create(new_memberships)
    report.memberships_created = len(new_memberships)

    report.experts_created, report.liaisons_created = _seed_registers(users, units)

    report.rows = [
        DemoRow(account.username, units[account.unit_code].name, str(Role(account.role).label))
        for account in accounts
    ] + [DemoRow(ADMIN_USERNAME, "—", _("system administrator (no membership)"))]
    return report


# --- the shared registers (issue 7): a few experts and the liaison officers of the demo units -------

# Office phone area codes of the six regions' capitals, for made-up demo numbers.
_AREA_CODES = {"50": "023", "51": "028", "52": "0851", "53": "0871", "54": "0891", "63": "0971"}

# (username, title, specialty codes, availability); the unit is the account's unit.
DEMO_EXPERTS = (
    ("yunnan.investigator", "禁毒总队侦查员", ("drugs", "firearms_explosives"), Availability.AVAILABLE),
    (
        "sichuan.investigator",
        "刑侦总队侦查员",
        ("telecom_fraud", "digital_forensics"),
        Availability.AVAILABLE,
    ),
    ("chongqing.investigator", "经侦总队侦查员", ("economic_crime",), Availability.LIMITED),
    ("guizhou.legal", "法制总队法制员", ("legal_application",), Availability.AVAILABLE),
    (
        "xizang.investigator",
        "刑侦总队侦查员",
        ("counter_terrorism", "foreign_related"),
        Availability.UNAVAILABLE,
    ),
    ("qinghai.investigator", "刑侦总队技术员", ("trace_evidence",), Availability.AVAILABLE),
    ("kunming.investigator", "刑侦支队侦查员", ("telecom_fraud", "cyber_security"), Availability.LIMITED),
)
# (name, affiliation, title, specialty codes, keeping unit code): outside experts.
DEMO_OUTSIDE_EXPERTS = (
    ("周明远", "四川大学华西基础医学与法医学院", "教授", ("forensic_medicine",), "510000"),
)


def _demo_phone(code: str, index: int) -> tuple[str, str]:
    return f"{_AREA_CODES.get(code[:2], '010')}-6{index:03d}{code[2:6]}", f"139{code[:2]}{index:06d}"


def _seed_registers(users: dict[str, User], units: dict[str, Unit]) -> tuple[int, int]:
    """List a few demo experts and name every demo unit's liaison officer; create only what is missing.

    The liaison officer account of each demo unit becomes its 联络员; the intake officer of each
    provincial organ its 副联络员. Specialties come from migration 0003; a missing one is skipped.
    """
    # Two reads on a run that finds everything in place (the demo seed's second run stays cheap).
    listed_users, listed_outside = set(), set()
    for user_id, name, affiliation in ExpertProfile.objects.values_list(
        "user_id", "external_name", "affiliation"
    ):
        if user_id is None:
            listed_outside.add((name, affiliation))
        else:
            listed_users.add(user_id)
    specialties = None
    accounts = {account.username: account for account in demo_accounts()}
    experts = 0
    for index, (username, title, codes, availability) in enumerate(DEMO_EXPERTS):
        user = users.get(username)
        if user is None or user.pk in listed_users:
            continue
        specialties = specialties or Specialty.objects.in_bulk(field_name="code")
        unit = units[accounts[username].unit_code]
        phone, _mobile = _demo_phone(unit.code, 500 + index)
        expert = ExpertProfile.objects.create(
            user=user,
            unit=unit,
            title=title,
            availability=availability,
            phone=phone,
            email=f"{username}@demo.lianban.invalid",
        )
        expert.specialties.set([specialties[code] for code in codes if code in specialties])
        experts += 1
    for name, affiliation, title, codes, unit_code in DEMO_OUTSIDE_EXPERTS:
        if (name, affiliation) in listed_outside:
            continue
        specialties = specialties or Specialty.objects.in_bulk(field_name="code")
        expert = ExpertProfile.objects.create(
            external_name=name, affiliation=affiliation, title=title, unit=units[unit_code]
        )
        expert.specialties.set([specialties[code] for code in codes if code in specialties])
        experts += 1

    today = timezone.localdate()
    serving, has_primary = set(), set()
    for unit_id, user_id, role, valid_to in LiaisonAssignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    ).values_list("unit_id", "user_id", "role", "valid_to"):
        serving.add((unit_id, user_id))
        if role == LiaisonRole.PRIMARY and (valid_to is None or valid_to > today):
            has_primary.add(unit_id)
    assignments = []
    for index, (place, code) in enumerate(FULL_UNITS):
        unit = units[code]
        plan = [(f"{place}.{ROLE_SLUGS[Role.LIAISON_OFFICER]}", LiaisonRole.PRIMARY)]
        if code.endswith("0000"):
            plan.append((f"{place}.{ROLE_SLUGS[Role.INTAKE_OFFICER]}", LiaisonRole.DEPUTY))
        for offset, (username, role) in enumerate(plan):
            user = users[username]
            if (unit.pk, user.pk) in serving or (role == LiaisonRole.PRIMARY and unit.pk in has_primary):
                continue
            phone, mobile = _demo_phone(code, index * 2 + offset)
            assignments.append(
                LiaisonAssignment(
                    unit=unit,
                    user=user,
                    role=role,
                    phone=phone,
                    mobile=mobile,
                    email=f"{username}@demo.lianban.invalid",
                    valid_from=today,
                )
            )
    if assignments:
        LiaisonAssignment.objects.bulk_create(assignments)
    return experts, len(assignments)
