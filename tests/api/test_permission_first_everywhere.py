"""Permission before validation on every POST of the URLconf, API and pages (issue 16).

A user with no role for a step or a create hears 403 (or 404 for an object it may not see) before
any 400 about the body: the answer must not depend on what the body says. The walk takes every
pattern of `config.urls` whose view accepts POST (PUT, PATCH, DELETE), fills its ids with the rows
of a small world and its names with every transition of the object's model, and sends a body that
is invalid for every operation. A new create or step that validates first fails here.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client, TestCase
from django.urls import get_resolver

from cases.models import HandlingCode, LocationRole, PersonRole
from organisation.models import Role
from tests.support.api import token_client
from tests.support.factories.organisation import member
from tests.support.factories.world import build_world
from tests.support.routes import ARGUMENT, id_tuples, patterns

pytestmark = pytest.mark.django_db

# Open to anyone (signing in and out, the language, verifying a document by its code) or about the
# user's own rows (notifications): a 400 there is no answer about a permission.
OPEN = re.compile(
    r"^(admin/|i18n/|login/$|logout/$|api/v1/auth/|api/\^|bench-floors/|documents/verify/$"
    r"|api/v1/documents/verify/$|notifications/|api/v1/notifications/|password/change/$)"
)
ALLOWED = {403, 404, 405}
# Invalid for every operation: a JSON body that is no object, a form with a value of no field's kind.
API_BODY = "[[1]]"
FORM_BODY = {"expected_state": "\u0000", "reason": "", "case": "x", "kind": "x", "unit": "x", "title": ""}
WRITE = ("post", "put", "patch", "delete")
# The row of a `<str:…>` argument: a bulletin recipient's transitions belong to the recipient.
NAMED_MODELS = {"recipients/<str:code>": "bulletins.BulletinRecipient"}


@pytest.fixture(autouse=True)
def _quiet():
    logging.getLogger("django.request").setLevel(logging.CRITICAL)


def _world():
    case = {
        "accepting": "510107",
        "handling_code": HandlingCode.NORMAL,
        "state": "under_investigation",
        "locations": [(LocationRole.VICTIM_LOSS, "510107"), (LocationRole.VICTIM_LOSS, "500103")],
        "persons": [PersonRole.SUSPECT],
        "parties": [],
    }
    plan = {
        "users": [],
        "cases": [case, {**case, "accepting": "500103"}, {**case, "accepting": "510104"}],
        "requests": [{"case": 0, "to": "500103", "upto": "in_progress"}],
        "proceedings": [{"case": 0, "extra": ["500103"]}],
        "mergers": [{"into": 1, "merged": 2}],
        "bulletins": [{"case": 0, "targets": ["500103"]}],
        "grants": [],
        "meeting": {"host": "500000"},
        "recode": [],
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        return build_world(plan)


def _transitions(label: str) -> list[str]:
    model = apps.get_model(label)
    return sorted(name for name in dir(model) if hasattr(getattr(model, name, None), "_django_fsm"))


def _writes(callback) -> bool:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return view is not None and any(hasattr(view, method) for method in WRITE)


def _requests(with_creates: bool) -> list[tuple[str, str]]:
    """Return (route, url) for every write route: each id of the world, each transition name."""
    from bulletins.models import BulletinRecipient

    writes = {route for route, _ in _walk_callbacks() if not OPEN.match(route)}
    found, _untyped = patterns()  # an id of no known model is tests/visibility's to type
    urls = []
    for pattern in found:
        if pattern.route not in writes or (not pattern.ints and not with_creates):
            continue
        names = [None]
        if pattern.strs:
            label = next(
                (model for key, model in NAMED_MODELS.items() if key in pattern.route),
                pattern.ints[-1][1] if pattern.ints else "",
            )
            names = _transitions(label) if label else []
            names = names or ["view"]
        for ids in id_tuples(pattern.ints)[:2]:
            values = dict(zip([a for a, _ in pattern.ints], ids, strict=True))
            codes = [None]
            if "code" in pattern.strs:
                codes = list(
                    BulletinRecipient.objects.filter(bulletin_id=values.get("pk")).values_list(
                        "unit__code", flat=True
                    )[:1]
                )
            for code in codes:
                for name in names:
                    filled = {**values, **dict.fromkeys(pattern.strs, name)}
                    if code is not None:
                        filled["code"] = code
                    url = "/" + ARGUMENT.sub(lambda m, f=filled: str(f[m.group(2)]), pattern.route)
                    urls.append((pattern.route, url))
    return urls


def _walk_callbacks():
    from django.urls import URLPattern, URLResolver

    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and _writes(entry.callback):
                yield prefix + str(entry.pattern), entry.callback

    return list(walk(get_resolver()))


def _send(user, route: str, url: str):
    with transaction.atomic():
        if route.startswith("api/"):
            client = token_client(user)
            answers = [
                getattr(client, method)(url, API_BODY, content_type="application/json").status_code
                for method in ("post", "patch", "put", "delete")
            ]
        else:
            client = Client()
            client.force_login(user)
            answers = [client.post(url, FORM_BODY).status_code]
        transaction.set_rollback(True)
    return answers


def _check(user, urls) -> list[str]:
    wrong = []
    for route, url in urls:
        for status in _send(user, route, url):
            if status not in ALLOWED:
                wrong.append(f"{status} {url}")
    return sorted(set(wrong))


@pytest.mark.parametrize("persona", ["auditor", "uninvolved investigator"])
def test_no_post_validates_the_body_of_one_who_may_not_act(persona):
    world = _world()
    assert not [note for note in world.notes if "meeting" not in note], world.notes
    if persona == "auditor":
        # An auditor holds no case role anywhere: every create and every step is refused.
        user, with_creates = member("510000", Role.AUDITOR, username="walk_auditor"), True
    else:
        # Qinghai has no part in the world; it may open its own cases, so only routes with an id.
        user, with_creates = member("630100", Role.INVESTIGATOR, username="walk_qinghai"), False
    urls = _requests(with_creates)
    assert len({route for route, _ in urls}) > 40, "the walk must reach the write routes"
    wrong = _check(user, urls)
    assert not wrong, f"{len(wrong)} answers other than 403/404/405:\n" + "\n".join(wrong)


def _creates() -> dict[str, type]:
    """Return the write routes that name no object (creates), with their view classes."""
    found = {}
    for route, callback in _walk_callbacks():
        if OPEN.match(route) or "<" in route:
            continue
        found[route] = getattr(callback, "view_class", None) or callback.cls
    return found


def test_every_create_declares_the_roles_it_asks_for_before_the_body():
    """A create is refused before its body is read: core.api.RolesFirst or core.guards.RolesFirstMixin,
    or, for a page of the administration, core.guards.AdministratorsOnlyMixin (404 to any officer)."""
    from core.api import RolesFirst
    from core.guards import AdministratorsOnlyMixin, RolesFirstMixin

    missing = []
    for route, view in _creates().items():
        if route == "api/v1/cases/" or route == "cases/new/":
            continue  # opening a case asks permissions.CREATORS itself (tests above in this directory)
        api_first = RolesFirst in getattr(view, "permission_classes", ())
        if issubclass(view, AdministratorsOnlyMixin):
            continue
        page_first = issubclass(view, RolesFirstMixin)
        if not (api_first or page_first) or getattr(view, "write_roles", None) is None:
            missing.append(f"{route} ({view.__module__}.{view.__name__})")
    assert not missing, "creates that read the body before asking for a role:\n" + "\n".join(missing)


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.AUDITOR, Role.SECURITY_OFFICER}))
def test_a_create_refuses_one_without_its_roles_before_the_body(role):
    """Each case role, alone in a unit outside the world: every create it holds no role for is 403."""
    user = member("630100", role, username=f"walk_{role}")
    urls = []
    for route, view in _creates().items():
        roles = getattr(view, "write_roles", None)
        if roles is not None and role not in roles:
            urls.append((route, "/" + route))
    assert urls or role == Role.UNIT_HEAD, "some create must be refused to each role"
    wrong = _check(user, urls)
    assert not wrong, f"{len(wrong)} answers other than 403/404/405:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_403_of_a_create_speaks_the_language_asked_for(language):
    user = member("630100", Role.LIAISON_OFFICER, username="walk_language")
    response = token_client(user).post(
        "/api/v1/assistance-requests/",
        API_BODY,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 403, response.content
    message = response.json()["message"]
    assert bool(re.search(r"[\u4e00-\u9fff]", message)) == (language == "zh-hans"), message
