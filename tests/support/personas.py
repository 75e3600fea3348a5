"""The people of the tests: officers by unit and post, made when a test first names them.

One system for the whole suite:

- `officer(code, role)` makes a new officer with no name to remember and no password (the
  transition tables make hundreds; `member()` gives a user who signs in) each time it is called;
- a `Cast` holds named officers, each made once, on first use: `cast.get(username, code, role)`;
- an `Office` is one unit's officers in a cast, by post: `office.head`, `office.legal`,
  `office.investigator`, … named `<prefix>_<post>` (`wuhou_legal`); `office.staff(...)` makes
  them at once, in that order, for fixtures whose tests count on them existing;
- the cast also names the people of an assistance request's walk: `cast.investigator`,
  `cast.department_head` and `cast.unit_head` of the requesting unit, `cast.intake`,
  `cast.requested_head` and `cast.officer` of the requested unit.

tests/conftest.py gives each test a `cast` and builds the suite's personas (`wuhou_investigator`,
`kunming_intake_officer`, …) from it; the folders' fixtures (`provinces`, `offices`, `office`,
`nanming`) are offices of the same cast.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

from organisation.models import Membership, Role, Unit, User
from tests.support.factories.organisation import member
from tests.support.units import KUNMING, WUHOU


@dataclass(frozen=True)
class Post:
    """A role in a unit, in a department of a kind (or none), and the tag that names its holder."""

    role: str
    department_kind: str | None
    tag: str


POSTS = {
    "head": Post(Role.UNIT_HEAD, None, "head"),
    "department_head": Post(Role.DEPARTMENT_HEAD, "criminal", "dept_head"),
    "investigator": Post(Role.INVESTIGATOR, "criminal", "investigator"),
    "legal": Post(Role.LEGAL_OFFICER, "legal", "legal"),
    "intake": Post(Role.INTAKE_OFFICER, "command", "intake"),
    "liaison": Post(Role.LIAISON_OFFICER, None, "liaison"),
    "auditor": Post(Role.AUDITOR, None, "auditor"),
    "security": Post(Role.SECURITY_OFFICER, None, "security"),
}
POST_OF_ROLE = {post.role: name for name, post in POSTS.items()}
IN_CRIMINAL_DEPARTMENT = (Role.INVESTIGATOR, Role.DEPARTMENT_HEAD)
_officers = itertools.count(1)


def officer(code: str, role: str = Role.INVESTIGATOR, **extra) -> User:
    """Return a new user holding one role in the unit with this code (investigators and heads in 刑侦).

    Without a password, so the hundreds of users of the transition tables cost no hashing;
    `member()` and the cast give a user who signs in.
    """
    unit = Unit.objects.get(code=code)
    user = User.objects.create(username=f"officer{next(_officers)}", full_name="测试民警")
    department = unit.departments.filter(kind="criminal").first() if role in IN_CRIMINAL_DEPARTMENT else None
    Membership.objects.create(user=user, unit=unit, role=role, department=department, **extra)
    return user


class Office:
    """The officers of one unit, one per post, each made on first use (in the cast, by username).

    `departments` moves a post to another department kind (or none, with None); `email` gives each
    officer an address `<username>@police.example`; users passed by post name hold those posts.
    """

    def __init__(
        self,
        unit: str | Unit,
        prefix: str | None = None,
        *,
        cast: Cast | None = None,
        email: bool = False,
        departments: dict[str, str | None] | None = None,
        **seated: User,
    ):
        if isinstance(unit, Unit):
            self.__dict__["unit"] = unit
            self.code = unit.code
        else:
            self.code = unit
        self.prefix = prefix or f"u{self.code}"
        self.cast = cast if cast is not None else Cast()
        self.email = email
        self.departments = departments or {}
        self._seated: dict[str, User] = {}
        self.seat(**seated)

    def __repr__(self) -> str:
        return f"<Office {self.code} {self.prefix}: {', '.join(self._seated)}>"

    @cached_property
    def unit(self) -> Unit:
        return Unit.objects.get(code=self.code)

    def seat(self, **users: User) -> Office:
        """Let existing users hold posts of this office (`seat(investigator=user)`)."""
        for post, user in users.items():
            if post not in POSTS:
                raise TypeError(f"Office has no post {post!r}; posts: {', '.join(POSTS)}")
            self._seated[post] = user
            self.cast._people.setdefault(self.username(post), user)
        return self

    def username(self, post: str) -> str:
        return f"{self.prefix}_{POSTS[post].tag}"

    def person(self, post: str) -> User:
        """Return the holder of a post, made on first use."""
        if post not in self._seated:
            spec = POSTS[post]
            kind = self.departments.get(post, spec.department_kind)
            user = self.cast.get(self.username(post), self.code, spec.role, kind)
            if self.email and not user.email:
                user.email = f"{user.username}@police.example"
                user.save(update_fields=["email"])
            self._seated[post] = user
        return self._seated[post]

    def staff(self, *posts: str) -> Office:
        """Make the holders of these posts now, in this order."""
        for post in posts:
            self.person(post)
        return self

    @property
    def head(self) -> User:
        return self.person("head")

    @property
    def department_head(self) -> User:
        return self.person("department_head")

    @property
    def investigator(self) -> User:
        return self.person("investigator")

    @property
    def legal(self) -> User:
        return self.person("legal")

    @property
    def intake(self) -> User:
        return self.person("intake")

    @property
    def liaison(self) -> User:
        return self.person("liaison")

    @property
    def auditor(self) -> User:
        return self.person("auditor")

    @property
    def security(self) -> User:
        return self.person("security")


class Cast:
    """Named officers, each made once; the offices of the units they work in; an assistance walk's people.

    `requesting` and `requested` name the units of an assistance request: the requesting unit's
    investigator asks, its department head (or unit head, for a coercive measure) approves; the
    requested unit's intake officer receives, its department head assigns and its investigator
    (`officer`) does the work.
    """

    def __init__(self, requesting: str = WUHOU, requested: str = KUNMING):
        self.requesting, self.requested = requesting, requested
        self._people: dict[str, User] = {}
        self._offices: dict[tuple[str, str | None], Office] = {}

    def get(self, name: str, code: str, role: str, department_kind: str | None = None, **membership) -> User:
        """Return the user with this username, made on first use with one membership."""
        if name not in self._people:
            self._people[name] = member(
                code, role, username=name, department_kind=department_kind, **membership
            )
        return self._people[name]

    def office(self, code: str, prefix: str | None = None, **options) -> Office:
        """Return the office of a unit in this cast (the options count when it is first asked for)."""
        key = (code, prefix)
        if key not in self._offices:
            self._offices[key] = Office(code, prefix, cast=self, **options)
        return self._offices[key]

    @property
    def investigator(self) -> User:
        return self.office(self.requesting).investigator

    @property
    def department_head(self) -> User:
        return self.office(self.requesting).department_head

    @property
    def unit_head(self) -> User:
        return self.office(self.requesting).head

    @property
    def intake(self) -> User:
        return self.office(self.requested).intake

    @property
    def requested_head(self) -> User:
        return self.office(self.requested).department_head

    @property
    def officer(self) -> User:
        return self.office(self.requested).investigator
