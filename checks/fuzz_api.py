"""Fuzz every API operation with schemathesis, as each persona: no server error, no leak (make fuzz).

Run: make fuzz  [FUZZ_EXAMPLES=25]   (CI runs a short pass: FUZZ_EXAMPLES=4)
  or DATABASE_URL=postgresql://postgres@127.0.0.1:5432/lianban_fuzz .venv/bin/python checks/fuzz_api.py -n 25

The database named by DATABASE_URL is dropped and rebuilt with the demo's data (units, personas in
every role, cases, requests, proceedings, meetings, bulletins), then schemathesis generates requests
from /api/schema/ for all operations — valid and invalid parameters and bodies — and sends them
in-process (WSGI) with production settings (DEBUG off), as each persona with an API token and as
nobody. Path ids point half the time at real objects, visible to the persona or not.

Hostile shapes (issue 16), for every operation and persona: every other generated request is sent a
second time with one body field or query parameter replaced by a shape that has broken the
server before — an integer beyond 64 bits (either sign), a string with a NUL byte, a very long
string, a value nested 40 deep — and every operation that takes a body also gets a body nested
1,000 levels deep (JSON the server must refuse with 400, not a RecursionError).

Verdicts, per response:
  * no 5xx;
  * a 2xx on an object path (…/{id}/…) only for an object the persona may see: the same
    queryset the application uses for that object type says so (else it leaked, or acted on, an
    object that should have been 404);
  * every object listed by a 2xx list answer is one the persona may see.
Exit status 0 when every operation passes for every persona, 1 otherwise, with each failure's
request and response.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/lianban_fuzz"
PERSONAS = (
    "wuhou.investigator",
    "kunming.intake",
    "sichuan.legal",
    "chongqing.liaison",
    "xining.unit-head",
    "lhasa.auditor",
    "mps.legal",
    "admin",
    None,  # anonymous
)
# Operations that end the persona's own session: fuzzing them would log the fuzzer out.
SKIPPED_OPERATIONS = {("POST", "/api/v1/auth/logout/")}

# --- hostile shapes ------------------------------------------------------------------------------

HUGE = 2**70  # beyond every integer column (64 bits)
LONG_TEXT = "长" * 70_000
LONG_QUERY = "x" * 5_000
DEEP_BODY = "[" * 1000 + "]" * 1000
SHAPES = ("huge", "-huge", "nul", "long", "nested")


def _nested(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def hostile(value, shape: str, *, in_query: bool):
    """Return the hostile variant of a generated value for one shape, keeping a list a list."""
    if isinstance(value, list):
        return [hostile(value[0] if value else "", shape, in_query=in_query)]
    if shape in ("huge", "-huge"):
        number = HUGE if shape == "huge" else -HUGE
        return str(number) if in_query else number
    if shape == "nul":
        return "a\x00b"
    if shape == "long":
        return LONG_QUERY if in_query else LONG_TEXT
    return "[" * 40 + "]" * 40 if in_query else _nested(40)


def mutate(case, shape: str, pick: int) -> str | None:
    """Replace one body field or query parameter of `case` by a hostile shape; name it, or None."""
    slots = []
    if isinstance(case.body, dict):
        slots += [("body", key) for key in case.body]
    if isinstance(case.query, dict):
        slots += [("query", key) for key in case.query]
    if not slots:
        return None
    where, key = slots[pick % len(slots)]
    container = case.body if where == "body" else case.query
    container[key] = hostile(container[key], shape, in_query=where == "query")
    return f"{where}.{key}"


def _env(debug: bool, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="true" if debug else "false",
        ALLOWED_HOSTS="localhost,testserver,127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECRET_KEY=os.environ.get("SECRET_KEY", "fuzz-only-" + "k" * 60),
        LIANBAN_VAR_DIR=os.environ.get("LIANBAN_VAR_DIR", str(ROOT / "var" / "fuzz")),
    )
    env.pop("CELERY_BROKER_URL", None)  # renders run in-process: the fuzzer sees their errors
    return env


def build_database(url: str) -> None:
    """Drop and create the database, migrate it and seed the demo's data (DEBUG on for the seeds)."""
    sys.path.insert(0, str(ROOT / "bench"))  # a folder of scripts: its helpers import by plain name
    from common import recreate_database

    env = _env(True, url)
    recreate_database(url, var_dir=env["LIANBAN_VAR_DIR"])
    (Path(env["LIANBAN_VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["load_organisation"],
        ["seed_demo"],
        ["seed_demo_cases"],
        ["seed_meeting_series"],
        ["seed_demo_meetings"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )


# --- what each persona may see -------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectKind:
    """An object type behind a path prefix, with the queryset that says who may see it."""

    prefix: str
    visible_ids: Callable  # user -> set of ids
    model: Callable  # () -> model class


def object_kinds() -> list[ObjectKind]:
    from bulletins.models import Bulletin
    from bulletins.selectors import bulletin_visible_to
    from cases.access.selectors import access_requests_visible_to
    from cases.assistance.models import AssistanceRequest
    from cases.assistance.selectors import request_visible_to
    from cases.models import Case, CaseAccessRequest
    from cases.selectors import case_visible_to
    from documents.access import document_visible_to
    from documents.models import Document
    from jurisdiction.merger.selectors import merger_visible_to
    from jurisdiction.models import JurisdictionProceeding, MergerProposal
    from jurisdiction.selectors import proceeding_visible_to
    from meetings.models import ActionItem, JointMeeting, MeetingSeries
    from meetings.selectors import action_items_visible_to, meeting_visible_to, series_visible_to

    def ids(selector):
        return lambda user: set(selector(user).values_list("pk", flat=True))

    def document_ids(user):
        # Documents answer per object (resolvers by linked type), not as one queryset.
        return {document.pk for document in Document.objects.all() if document_visible_to(user, document)}

    return [
        ObjectKind("/api/v1/cases/", ids(case_visible_to), lambda: Case),
        ObjectKind("/api/v1/assistance-requests/", ids(request_visible_to), lambda: AssistanceRequest),
        ObjectKind("/api/v1/access-requests/", ids(access_requests_visible_to), lambda: CaseAccessRequest),
        ObjectKind("/api/v1/documents/", document_ids, lambda: Document),
        ObjectKind(
            "/api/v1/jurisdiction-proceedings/", ids(proceeding_visible_to), lambda: JurisdictionProceeding
        ),
        ObjectKind("/api/v1/merger-proposals/", ids(merger_visible_to), lambda: MergerProposal),
        ObjectKind("/api/v1/bulletins/", ids(bulletin_visible_to), lambda: Bulletin),
        ObjectKind("/api/v1/meetings/", ids(meeting_visible_to), lambda: JointMeeting),
        ObjectKind("/api/v1/meeting-series/", ids(series_visible_to), lambda: MeetingSeries),
        ObjectKind("/api/v1/action-items/", ids(action_items_visible_to), lambda: ActionItem),
    ]


_OBJECT_PATH = re.compile(r"^(/api/v1/[a-z-]+/)(\d+)(/|$)")


@dataclass
class Failure:
    persona: str
    operation: str
    reason: str
    request: str
    response: str

    def __str__(self):
        return f"[{self.persona}] {self.operation}: {self.reason}\n    {self.request}\n    → {self.response}"


class Verdicts:
    """Check each response against the rules; remember the failures."""

    def __init__(self, kinds: list[ObjectKind]):
        self.kinds = {kind.prefix: kind for kind in kinds}
        self.visible_ids: dict[tuple[int | None, str], set[int]] = {}

    def visible(self, user, prefix: str) -> set[int]:
        key = (getattr(user, "pk", None), prefix)
        if key not in self.visible_ids:
            self.visible_ids[key] = self.kinds[prefix].visible_ids(user) if user is not None else set()
        return self.visible_ids[key]

    def forget(self, user) -> None:
        """Drop the cached visibility: a successful write may have created or shared objects."""
        for key in [key for key in self.visible_ids if key[0] == getattr(user, "pk", None)]:
            del self.visible_ids[key]

    def problems(self, user, method: str, path: str, status: int, body) -> list[str]:
        if status >= 500:
            return [f"server error {status}"]
        if not 200 <= status < 300:
            return []
        found = []
        match = _OBJECT_PATH.match(path)
        if match and match.group(1) in self.kinds:
            object_id = int(match.group(2))
            # A successful write may have just created what it names (a POST to a list is no object path).
            if object_id not in self.visible(user, match.group(1)):
                self.forget(user)
                if object_id not in self.visible(user, match.group(1)):
                    found.append(f"{status} for {match.group(1)}{object_id}, which the persona may not see")
        elif method == "GET" and path in self.kinds and isinstance(body, dict):
            listed = {row.get("id") for row in body.get("results", []) if isinstance(row, dict)}
            hidden = listed - self.visible(user, path)
            if hidden:
                found.append(f"list shows {sorted(hidden)[:10]}, which the persona may not see")
        return found


def fuzz_operation(
    operation,
    *,
    persona: str,
    user,
    headers: dict,
    verdicts: Verdicts,
    real_ids,
    examples: int,
    statuses: dict,
):
    """Send `examples` generated requests for one operation; return the failures (one per reason and path).

    `statuses` counts the answers by class (2 for 2xx…), to show what the run exercised.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    method = operation.method.upper()
    label = f"{method} {operation.path}"
    first_param = re.search(r"\{(\w+)\}", operation.path)
    failures: list[Failure] = []
    seen: set[tuple[str, str]] = set()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=["explicit", "generate"],  # a failure is reported as found, not shrunk
    )
    @given(
        case=operation.as_strategy(),
        point_at_real=st.booleans(),
        pick=st.integers(0, 10**6),
        shape=st.sampled_from(SHAPES),
    )
    def fuzz(case, point_at_real, pick, shape):
        if first_param and real_ids and point_at_real:
            case.path_parameters[first_param.group(1)] = real_ids[pick % len(real_ids)]
        if not send(case):
            return
        last_path[:] = [case.formatted_path]
        # Every other example once more, with one field replaced by a hostile shape (half the
        # examples keep CI's short pass short; the shapes still reach every operation).
        slot = mutate(case, shape, pick) if pick % 2 == 0 else None
        if slot is not None:
            send(case, f"[{shape} in {slot}]")

    def send(case, shape: str = "") -> bool:
        """Send the case and judge the answer; an exception out of the server (a streamed body that
        failed half-way) is a server error too, not the end of the run."""
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # whatever escaped the application is the finding
            statuses[5] = statuses.get(5, 0) + 1
            key = ("exception", case.formatted_path, shape.split(" ")[0])
            if key not in seen:
                seen.add(key)
                request = f"{method} {case.formatted_path} {shape} query={str(case.query)[:300]}"
                failures.append(Failure(persona, label, "server error (exception)", request, repr(exc)[:400]))
            return False
        judge(case, response, shape)
        return True

    def judge(case, response, shape: str = "") -> None:
        statuses[response.status_code // 100] = statuses.get(response.status_code // 100, 0) + 1
        try:
            body = response.json()
        except Exception:  # not JSON (a PDF, a CSV, an .ics)
            body = None
        path = case.formatted_path
        for reason in verdicts.problems(user, method, path, response.status_code, body):
            key = (reason.split(" ")[0], path, shape.split(" ")[0])
            if key in seen:
                continue
            seen.add(key)
            request = f"{method} {path} {shape} query={str(case.query)[:300]} body={str(case.body)[:300]}"
            failures.append(
                Failure(persona, label, reason, request, f"{response.status_code} {response.text[:400]}")
            )

    last_path: list[str] = []
    fuzz()
    if method in ("POST", "PUT", "PATCH") and last_path:
        failures += deep_body(method, last_path[0], label=label, persona=persona, headers=headers)
    return failures


def deep_body(method: str, path: str, *, label: str, persona: str, headers: dict) -> list[Failure]:
    """Send a JSON body nested 1,000 deep: a 5xx fails (an operation that reads no body may succeed)."""
    from django.test import Client

    meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    response = Client(raise_request_exception=False).generic(
        method, path, DEEP_BODY, content_type="application/json", **meta
    )
    if response.status_code < 500:
        return []
    request = f"{method} {path} body=[[[…1,000 deep…]]]"
    reason = f"{response.status_code} for a body nested 1,000 deep"
    return [Failure(persona, label, reason, request, f"{response.status_code} {response.content[:400]!r}")]


def run(examples: int, seed: int, only: str | None) -> list[Failure]:
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    from organisation.authentication import api_token_issue
    from organisation.models import User

    application = get_wsgi_application()
    # The schema is for signed-in clients only.
    reader = api_token_issue(user=User.objects.get(username=PERSONAS[0]))[1]
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, headers={"Authorization": f"Token {reader}"}
    )
    kinds = object_kinds()
    verdicts = Verdicts(kinds)
    ids_by_prefix = {kind.prefix: list(kind.model().objects.values_list("pk", flat=True)) for kind in kinds}
    failures: list[Failure] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    rng = random.Random(seed)
    for username in PERSONAS:
        user = User.objects.get(username=username) if username else None
        headers = {"Accept-Language": rng.choice(("zh-hans", "en"))}
        if user is not None:
            headers["Authorization"] = f"Token {api_token_issue(user=user)[1]}"
        persona = username or "anonymous"
        started = time.perf_counter()
        statuses: dict[int, int] = {}
        for operation in operations:
            label = f"{operation.method.upper()} {operation.path}"
            if (operation.method.upper(), operation.path) in SKIPPED_OPERATIONS or (
                only and only not in label
            ):
                continue
            prefix = re.match(r"^(/api/v1/[a-z-]+/)\{", operation.path)
            failures += fuzz_operation(
                operation,
                persona=persona,
                user=user,
                headers=headers,
                verdicts=verdicts,
                real_ids=ids_by_prefix.get(prefix.group(1), []) if prefix else [],
                examples=examples,
                statuses=statuses,
            )
        answers = ", ".join(f"{count} {kind}xx" for kind, count in sorted(statuses.items()))
        print(
            f"{persona}: {len(operations)} operations, {answers}, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", "25")))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", help="run operations whose 'METHOD /path' contains this text")
    parser.add_argument("--keep-database", action="store_true", help="reuse the database as it is")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith("postgres"):
        parser.error("DATABASE_URL must name a PostgreSQL database the fuzzer may drop and rebuild")
    if not args.keep_database:
        print(f"Building {url} with the demo's data…", flush=True)
        build_database(url)
    os.environ.update(_env(False, url))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    logging.disable(logging.CRITICAL)  # expected 4xx and the 5xx under test would flood the output
    failures = run(args.examples, args.seed, args.only)
    for failure in failures:
        print(failure)
    verdict = "FAIL" if failures else "PASS"
    print(f"{verdict}: {len(failures)} failure(s); {args.examples} examples per operation per persona.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
