"""Load the production process model with officers of mixed roles for minutes at a time (issue 8; not a test).

Run: make load  (after make bench-data; LOAD_USERS, LOAD_SECONDS change the size), or
     DEBUG=false DATABASE_URL=postgresql://postgres@127.0.0.1:5432/lianban_bench \
     .venv/bin/python bench/load.py [--users 50] [--seconds 300] [--port 58801] \
     [--broker redis://127.0.0.1:6379/7] [--workers 2] [--no-write]

Three steps:
  1. On the data set in DATABASE_URL, issue API tokens to a mix of officers (county investigators,
     intake officers, provincial legal officers, liaison officers, unit heads) and pick, for each,
     objects they may see (cases, requests, proceedings, meetings, documents) through the same
     selectors the API uses, so every request hits a real object. Written as JSON for the locustfile.
  2. Start gunicorn and a Celery worker (bench/stack.py) and run locust headless against them:
     bench/locustfile.py says what each role does and what it expects back.
  3. Report requests, failures, requests per second, p50, p95 and max per endpoint, the peak resident
     memory of the gunicorn workers (budget: under 300 MB each) and of the Celery worker, in the
     `load` section of bench/RESULTS.md. Exit 1 on any error (a 5xx, a refused connection, a status
     the task did not expect, a dossier not rendered, an error in the gunicorn or Celery log) or a
     gunicorn worker over the memory budget.

Searches stay within the rate limit (SEARCH_RATE_PER_MINUTE, 30 a minute by default) rather than
raising it: each simulated officer has an account of their own, searches a few times a minute at
their pace, and the locustfile holds back a search that would pass 80 % of the limit.

The run writes to the data set as officers would: each "open a case" adds a registered case with a
location and a victim; dossiers add a PDF under the stack's media folder (thrown away after).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from common import ROOT, django_setup, machine, percentile, write_section
from stack import DEFAULT_BROKER, DEFAULT_PORT, VENV_BIN, Stack

WEB_BUDGET_MB = 300
SPAWN_RATE = 10
OBJECTS_PER_KIND = 40
ID_NUMBERS = 400

# Each role's share of the simulated officers (28/8/6/5/3 of 50); the locustfile has a class per role.
ROLES = {"investigator": 28, "intake": 8, "legal": 6, "liaison": 5, "unit_head": 3}
# Demo personas (organisation/demo.py) per role; investigators add a bench.<code> officer of each of
# the busiest county units, since the demo's county units are only four.
DEMO = {
    "investigator": ["wuhou", "wuhua", "yuzhong", "nanming"],
    "intake": [
        "chengdu", "wuhou", "kunming", "wuhua", "chongqing", "yuzhong", "guiyang", "nanming",
        "lhasa", "xining", "sichuan", "yunnan", "guizhou", "xizang", "qinghai",
    ],
    "legal": ["sichuan", "chongqing", "guizhou", "yunnan", "xizang", "qinghai", "chengdu", "kunming"],
    "liaison": [
        "sichuan", "chongqing", "guizhou", "yunnan", "xizang", "qinghai", "chengdu", "kunming",
        "guiyang", "lhasa", "xining",
    ],
    "unit_head": ["yunnan", "sichuan", "chengdu", "kunming", "guiyang", "wuhou"],
}  # fmt: skip
DEMO_SLUGS = {
    "investigator": "investigator",
    "intake": "intake",
    "legal": "legal",
    "liaison": "liaison",
    "unit_head": "unit-head",
}
BENCH_INVESTIGATORS = 36
# What gunicorn (Django's error log) and Celery write about a failure, in the stack's logs.
LOG_ERROR = re.compile(r"Traceback|\bERROR\b|CRITICAL|WORKER TIMEOUT")


def role_counts(users: int) -> dict[str, int]:
    """Split `users` over the roles by their shares (largest remainders); every role once when it can."""
    total = sum(ROLES.values())
    exact = {role: users * share / total for role, share in ROLES.items()}
    counts = {role: int(value) for role, value in exact.items()}
    by_remainder = sorted(exact, key=lambda role: exact[role] - counts[role], reverse=True)
    for role in by_remainder[: users - sum(counts.values())]:
        counts[role] += 1
    for role in counts:
        if counts[role] == 0 and users >= len(ROLES):
            counts[max(counts, key=counts.get)] -= 1
            counts[role] = 1
    return counts


def _busiest_counties(count: int) -> list[str]:
    """Return codes of the county units that accept the most cases, taken in turn from each province."""
    from django.db.models import Count

    from cases.models import Case
    from organisation.models import Unit, UnitLevel

    busy = dict(
        Case.objects.filter(accepting_unit__level=UnitLevel.COUNTY)
        .values_list("accepting_unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")[: count * 4]
    )
    by_province: dict[str, list[str]] = defaultdict(list)
    units = Unit.objects.filter(pk__in=busy).only("code", "province_code")
    for unit in sorted(units, key=lambda unit: -busy[unit.pk]):
        by_province[unit.province_code].append(unit.code)
    codes: list[str] = []
    while len(codes) < count and any(by_province.values()):
        for province in sorted(by_province):
            if by_province[province] and len(codes) < count:
                codes.append(by_province[province].pop(0))
    return codes


def _ids(queryset, rng: random.Random, count: int = OBJECTS_PER_KIND) -> list[int]:
    """Return up to `count` ids drawn from the newest visible objects (what officers open most)."""
    ids = list(queryset.order_by("-id").values_list("id", flat=True)[: count * 5])
    return sorted(rng.sample(ids, min(count, len(ids))))


def _documents_for(user, documents) -> list[int]:
    from documents.access import document_visible_to

    return [document.pk for document in documents if document_visible_to(user, document)][:OBJECTS_PER_KIND]


def prepare(users: int, seed: int) -> dict:
    """Issue tokens and pick each officer's objects; return the plan the locustfile reads."""
    from django.conf import settings
    from django.db import connection

    from cases.assistance.selectors import request_visible_to
    from cases.models import Case, CasePerson, CaseState
    from cases.selectors import case_visible_to, offence_list
    from documents.models import Document, DocumentState, RenderState
    from jurisdiction.selectors import proceeding_visible_to
    from meetings.selectors import meeting_visible_to
    from organisation.authentication import api_token_issue
    from organisation.models import Membership, User

    rng = random.Random(seed)
    usernames: dict[str, list[str]] = {
        role: [f"{place}.{DEMO_SLUGS[role]}" for place in places] for role, places in DEMO.items()
    }
    usernames["investigator"] += [f"bench.{code}" for code in _busiest_counties(BENCH_INVESTIGATORS)]
    wanted = role_counts(users)
    found = User.objects.in_bulk(
        [name for names in usernames.values() for name in names], field_name="username"
    )
    documents = list(
        Document.objects.filter(state=DocumentState.ISSUED, render_state=RenderState.DONE)
        .select_related("issuing_unit")
        .order_by("-id")[:500]
    )
    personas: dict[str, list[dict]] = {}
    tokens: list[int] = []
    for role, names in usernames.items():
        # One account per simulated officer while there are enough; beyond that accounts are shared.
        names = [name for name in names if name in found][: max(wanted[role], 1)]
        if not names:
            raise SystemExit(f"No {role} account in the data set: run make bench-data first.")
        personas[role] = []
        for name in names:
            user = found[name]
            token, key = api_token_issue(user=user)
            tokens.append(token.pk)
            membership = Membership.objects.filter(user=user).select_related("unit").order_by("id").first()
            cases = _ids(case_visible_to(user).exclude(state=CaseState.DRAFT), rng)
            personas[role].append(
                {
                    "username": name,
                    "token": key,
                    "unit_code": membership.unit.code,
                    "cases": cases,
                    "requests": _ids(request_visible_to(user), rng),
                    "proceedings": _ids(proceeding_visible_to(user), rng),
                    "meetings": _ids(meeting_visible_to(user), rng, 20),
                    "documents": _documents_for(user, documents),
                }
            )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'cases_caseperson'")
        share = min(100.0, 100.0 * ID_NUMBERS * 4 / max(1.0, cursor.fetchone()[0]))
        cursor.execute(
            "SELECT id_number FROM cases_caseperson TABLESAMPLE BERNOULLI (%s) REPEATABLE (%s) "
            "WHERE id_number <> '' LIMIT %s",
            [share, seed % 10**6, ID_NUMBERS],
        )
        id_numbers = [row[0] for row in cursor.fetchall()]
    if not id_numbers:  # a sample of a small table can come back empty
        id_numbers = list(CasePerson.objects.exclude(id_number="").values_list("id_number", flat=True)[:50])
    years = Case.objects.exclude(number_year=None).order_by().values_list("number_year", flat=True)
    return {
        "token_ids": tokens,
        "search_rate_per_minute": int(getattr(settings, "SEARCH_RATE_PER_MINUTE", 30)),
        "offences": list(offence_list().values_list("code", flat=True)),
        "states": [state for state in CaseState.values if state != CaseState.DRAFT],
        "years": sorted(set(years.distinct())) or [dt.date.today().year],
        "id_numbers": id_numbers,
        "counts": wanted,
        "personas": personas,
    }


def run_locust(plan_path: Path, folder: Path, url: str, users: int, seconds: int) -> int:
    """Run locust headless against the stack; return its exit code (1 when any request failed)."""
    command = [
        str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
        "-u", str(users), "-r", str(SPAWN_RATE), "--run-time", f"{seconds}s", "--stop-timeout", "30",
        "--host", url, "--csv", str(folder / "locust"), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    env = dict(os.environ, LOAD_PLAN=str(plan_path), LOAD_RECORD=str(folder / "record.json"))
    # Fixed arguments: our own locust and files.
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603


def server_log_errors(logs: Path) -> list[str]:
    """Return the error lines gunicorn and the Celery worker logged: a failed task answers no request."""
    found = []
    for log in sorted(logs.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if LOG_ERROR.search(line):
                found.append(f"{log.name}: {line.strip()}"[:400])
    return found


def summarise(record: dict) -> tuple[list[dict], dict, float]:
    """Return a row per endpoint, the totals and the duration in seconds, from the locustfile's record."""
    duration = max(1e-9, (record["stopped"] or time.time()) - record["started"])
    by_endpoint: dict[tuple[str, str], list] = defaultdict(list)
    for method, name, ms, ok in record["records"]:
        by_endpoint[(method, name)].append((ms, ok))

    def row(label: str, samples: list) -> dict:
        times = [ms for ms, _ok in samples]
        return {
            "endpoint": label,
            "requests": len(samples),
            "failures": sum(1 for _ms, ok in samples if not ok),
            "rps": len(samples) / duration,
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
            "max": max(times),
        }

    rows = [
        row(f"{method} {name}", samples)
        for (method, name), samples in sorted(by_endpoint.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
    http = [
        sample for (method, _name), samples in by_endpoint.items() if method != "RENDER" for sample in samples
    ]
    total = (
        row("all HTTP requests", http)
        if http
        else {"endpoint": "all", "requests": 0, "failures": 0, "rps": 0.0, "p50": 0, "p95": 0, "max": 0}
    )
    return rows, total, duration


def report(
    *,
    rows: list[dict],
    total: dict,
    duration: float,
    plan: dict,
    peaks: dict,
    cases: int,
    errors: int,
    failures: list[str],
    users: int,
    seconds: int,
    workers: int,
    exit_code: int,
) -> list[str]:
    """Return the `load` section of RESULTS.md."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    roles = ", ".join(f"{count} {role.replace('_', ' ')}" for role, count in plan["counts"].items())
    accounts = sum(len(personas) for personas in plan["personas"].values())
    web, celery = peaks["web"], peaks["celery"]
    memory_ok = 0 < web < WEB_BUDGET_MB
    verdict = "PASS" if errors == 0 and exit_code == 0 and memory_ok else "FAIL"
    has_documents = any(p["documents"] for personas in plan["personas"].values() for p in personas)
    lines = [
        "## Load (`bench/load.py`, `bench/locustfile.py`)",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine(version)}.",
        "",
        f"Data set: {cases:,} cases. {users} simulated officers ({roles}) on {accounts} accounts of "
        f"their own, spawned {SPAWN_RATE} a second, for {seconds} s (measured {duration:.0f} s), each "
        f"thinking 1–3 s between tasks; locust headless against gunicorn ({workers} sync workers, production "
        "settings) and a Celery worker (concurrency 1) on PostgreSQL and Redis, all on this machine. "
        "Tasks: case lists (first page, next page, filtered), case details, the inbox, search by ID "
        "number with a purpose (at most "
        f"{max(1, int(plan['search_rate_per_minute'] * 0.8))} a minute per officer, under the server's "
        f"limit of {plan['search_rate_per_minute']}, which is not raised), requests, proceedings, "
        "meetings, notifications; writes: open a case (create, add a place, add a victim, register) "
        "and mark notifications read; a case dossier (a PDF rendered by the Celery worker, polled "
        "each second, then downloaded; `RENDER` is the time from asking to a finished PDF)"
        + (
            "; a document download (a watermarked copy rendered in the web worker)."
            if has_documents
            else ". The data set has no issued documents, so no document download was made."
        ),
        "",
        "| endpoint | requests | failures | req/s | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in [*rows, total]:
        bold = "**" if row is total else ""
        lines.append(
            f"| {bold}{row['endpoint']}{bold} | {row['requests']:,} | {row['failures']} | {row['rps']:.2f} | "
            f"{row['p50']:.0f} | {row['p95']:.0f} | {row['max']:.0f} |"
        )
    lines += [
        "",
        f"Errors: {errors} (any 5xx, refused connection or status a task did not expect). "
        f"Peak resident memory: gunicorn worker {web:.0f} MiB (budget < {WEB_BUDGET_MB}), Celery worker "
        f"{celery:.0f} MiB. **{verdict}**.",
    ]
    if failures:
        lines += ["", "First failures:", "", *[f"- `{failure}`" for failure in failures[:10]]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", 50)))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("LOAD_SECONDS", 300)))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--broker", default=DEFAULT_BROKER, help="Celery broker (a Redis database of its own)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (sync, one thread each)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument(
        "--no-write", action="store_true", help="print the section instead of writing RESULTS.md"
    )
    args = parser.parse_args(argv)

    django_setup()
    from django.conf import settings
    from django.db import connection

    from cases.models import Case
    from organisation.authentication import api_token_revoke
    from organisation.models import ApiToken

    folder = Path(settings.VAR_DIR) / "load"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.monotonic()
    plan = prepare(args.users, args.seed)
    plan_path = folder / "plan.json"
    plan_path.touch(mode=0o600)  # holds live tokens
    plan_path.write_text(json.dumps(plan, ensure_ascii=False))
    print(
        f"Plan: {plan['counts']} in {time.monotonic() - started:.1f} s; stack and logs in {folder}",
        flush=True,
    )
    connection.close()  # idle through the run; opened again for the report
    try:
        with Stack(
            folder=folder / "stack", port=args.port, workers=args.workers, celery=True, broker=args.broker
        ) as stack:
            exit_code = run_locust(plan_path, folder, stack.url, args.users, args.seconds)
            alive = all(process.poll() is None for process in stack.processes.values())
            peaks = {
                "web": stack.web_peak_mb(),
                # Every sampled process that was not a web worker is the Celery worker or its pool.
                "celery": max(
                    (mb for pid, mb in stack.peaks.items() if pid not in stack.web_seen), default=0.0
                ),
            }
    finally:
        for token in ApiToken.objects.filter(pk__in=plan["token_ids"]):
            api_token_revoke(api_token=token)
    record_path = folder / "record.json"
    if not record_path.exists():
        print(f"locust wrote no record (exit code {exit_code}); see its output above", file=sys.stderr)
        return 1
    record = json.loads(record_path.read_text())
    rows, total, duration = summarise(record)
    errors = sum(row["failures"] for row in rows) + len(record["task_errors"])
    record["failures"] += record["task_errors"]
    if not alive:
        errors += 1
        record["failures"].append(f"a stack process exited during the run; see {folder / 'stack' / 'logs'}")
    logged = server_log_errors(folder / "stack" / "logs")
    errors += len(logged)
    record["failures"] += logged
    lines = report(
        rows=rows,
        total=total,
        duration=duration,
        plan=plan,
        peaks=peaks,
        cases=Case.objects.count(),
        errors=errors,
        failures=record["failures"],
        users=args.users,
        seconds=args.seconds,
        workers=args.workers,
        exit_code=exit_code,
    )
    print("\n".join(lines) if args.no_write else write_section("load", lines), flush=True)
    failed = errors or exit_code or not 0 < peaks["web"] < WEB_BUDGET_MB
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
