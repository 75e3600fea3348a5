"""Benchmark cross-province search on the generated data set (issue 7; not a test).

Run: make bench-search  (after make bench-data), or
     DEBUG=true DATABASE_URL=postgresql://postgres@127.0.0.1:5432/lianban_bench \
     .venv/bin/python bench/search_bench.py [-n 200]

Each query goes through the whole stack in one process: GET /api/v1/search/ with a logged-in
investigator's session (middleware, DRF, the purpose check, the rate limit in the cache, the search,
its audit event and the JSON answer), by Django's test client — no network and no HTTP server, so
the figures are the application's own time. Queries are drawn at random (seeded) from the persons
in the database, so each one finds at least one case. The plans of the person look-ups are shown
too, to prove the indexes serve them at this size.

Budgets (issue 7): p95 under 50 ms by ID number, phone and account; under 200 ms by name.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time

from common import django_setup, machine, percentile, write_section

USERNAME = "xining.investigator"
PURPOSE = "核查涉案人员身份（基准测试）"
BUDGETS_MS = {"id_number": 50, "phone": 50, "account": 50, "name": 200}


def _samples(kind: str, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Return (label, query) pairs of one kind, drawn from the stored persons."""
    from django.db import connection

    table, columns, condition = {
        "id_number": ("cases_caseperson", "id_number", "id_number <> ''"),
        "phone": ("cases_personphone", "number", "TRUE"),
        "account": ("cases_personbankaccount", "account_number", "TRUE"),
        "name": ("cases_caseperson", "name, name_pinyin, name_initials", "TRUE"),
    }[kind]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        rows_estimate = max(1.0, cursor.fetchone()[0])
        share = min(100.0, 100.0 * count * 4 / rows_estimate)
        cursor.execute(f"SELECT setseed({rng.random()})")
        cursor.execute(
            f"SELECT {columns} FROM {table} "
            f"TABLESAMPLE BERNOULLI ({share}) REPEATABLE ({rng.randrange(10**6)}) "
            f"WHERE {condition} ORDER BY random() LIMIT {count}"
        )
        rows = cursor.fetchall()
    if kind != "name":
        return [(kind, row[0]) for row in rows]
    # Names three ways, as officers type them: the characters, the full pinyin, the initials.
    pairs = []
    for index, (name, spelled, initials) in enumerate(rows):
        pairs.append(
            [("name (汉字)", name), ("name (pinyin)", spelled), ("name (initials)", initials)][index % 3]
        )
    return pairs


def _plan_indexes(kind: str, query: str) -> list[str]:
    """Return the names of the indexes PostgreSQL's plan for the person look-up uses."""
    from django.db import connection

    from cases.search.services import candidate_case_ids, normalise

    _normalised, persons = normalise(kind, query)
    sql, params = candidate_case_ids(persons).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    names: list[str] = []

    def walk(node):
        if node.get("Index Name") and node["Index Name"] not in names:
            names.append(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return names


def run(runs: int, seed: int) -> list[str]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from cases.models import Case, CasePerson
    from organisation.models import User

    settings.SEARCH_RATE_PER_MINUTE = 10**9  # the benchmark measures searches, not the limiter
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = User.objects.get(username=USERNAME)
    client = Client()
    client.force_login(user)
    rng = random.Random(seed)
    cases, persons = Case.objects.count(), CasePerson.objects.count()

    def get(kind: str, query: str) -> dict:
        kind = "name" if kind.startswith("name") else kind
        response = client.get("/api/v1/search/", {"kind": kind, "q": query, "purpose": PURPOSE}, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{kind} {query!r}: HTTP {response.status_code} {response.content[:300]!r}")
        return response.json()

    rows = []
    plans = []
    for kind in ("id_number", "phone", "account", "name"):
        samples = _samples(kind, runs, rng)
        for label, query in samples[:5]:  # warm the caches and the connection; not counted
            get(label, query)
        timings: dict[str, list[float]] = {}
        hits: dict[str, list[int]] = {}
        for label, query in samples:
            started = time.perf_counter()
            answer = get(label, query)
            timings.setdefault(label, []).append((time.perf_counter() - started) * 1000)
            hits.setdefault(label, []).append(len(answer["results"]))
        for label, values in timings.items():
            budget = BUDGETS_MS[kind]
            p95 = percentile(values, 0.95)
            rows.append(
                f"| {label} | {len(values)} | {statistics.median(values):.1f} | {p95:.1f} | "
                f"{max(values):.1f} | {statistics.mean(hits[label]):.1f} | < {budget} | "
                f"{'ok' if p95 < budget else 'OVER'} |"
            )
            print(rows[-1], flush=True)
        label, query = samples[0]
        plans.append(f"- {kind}: `{', '.join(_plan_indexes('name' if kind == 'name' else kind, query))}`")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    return [
        "## Cross-province search (`bench/search_bench.py`)",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine(version)}.",
        "",
        f"Data set: {cases:,} cases, {persons:,} persons (`bench/generate.py`). Each query is a GET of "
        "`/api/v1/search/` with a purpose, as the Xining investigator, through the whole Django stack in "
        "one process (session, DRF, purpose check, rate limit, search, audit event, JSON), without network. "
        "Queries are drawn at random from stored persons (seed "
        f"{seed}); names are searched as typed: characters, full pinyin or initials.",
        "",
        "| Search by | Queries | p50 (ms) | p95 (ms) | Max (ms) | Hits per query | Budget p95 (ms) | |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
        "Indexes in PostgreSQL's plan of the person look-up (EXPLAIN at this size):",
        "",
        *plans,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--runs", type=int, default=300, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        parser.error("run against the PostgreSQL data set of bench/generate.py (DATABASE_URL)")
    print(write_section("search-bench", run(args.runs, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
