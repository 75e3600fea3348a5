"""Benchmark the hot paths over HTTP against their floors (make bench; issue 8 item 2; not a test).

Run: make bench   (after make bench-data), or
     DATABASE_URL=postgresql://postgres@127.0.0.1:5432/lianban_bench .venv/bin/python bench/http_bench.py

gunicorn (2 workers, production settings) and a Celery worker are started on the generated data set
(`bench/stack.py`). For each hot path the same client, on one keep-alive connection, measures p50 and
p95 of the endpoint, then of its two floors served by the same gunicorn: the same rows fetched by
one hand-written SQL query and serialised with `json.dumps` (`bench/floors.py`), and a bare Django
view returning constant JSON. Ratios to the SQL floor are printed; a read path may cost at most 3×
its floor, and every path but the render must keep p95 under 150 ms at 1,000,000 cases.

Each run stores its figures in bench/results/http-<cases>.json; the RESULTS.md section shows every
stored size and the growth from the smallest to the largest (budget: at most 2×).

Memory: the peak resident size of the gunicorn workers through the run, and of the Celery worker
building a 50-page case dossier (17 issued three-page notices, re-rendered with the viewer's
watermark, plus the cover and contents), read from /proc (VmHWM and samples).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, django_setup, machine, percentile, write_section
from stack import Stack, peak_resident_mb

RESULTS_DIR = ROOT / "bench" / "results"
READ_RATIO_BUDGET = 3.0
P95_BUDGET_MS = 150.0
RENDER_BUDGET_MS = 500.0
GROWTH_BUDGET = 2.0
GUNICORN_BUDGET_MB = 300.0
CELERY_BUDGET_MB = 600.0
DOSSIER_DOCUMENTS = 17  # three pages each: 51 pages, with the cover and contents 53
DEEP_SHARE = 0.2  # a deep page starts a fifth of the way down the id range
PURPOSE = "核查涉案人员身份（基准测试）"
# Paths of a second or more each: fewer requests, so a run stays within minutes (p95 of 10 is the max).
HEAVY_PATHS = {"render"}


@dataclass
class HotPath:
    """One hot path: the request, its floor query and parameters, and whether it only reads."""

    name: str
    label: str
    method: str
    url: str
    token: str
    floor: str
    floor_params: dict
    body: dict | None = None
    reads: bool = True
    alternate: list[tuple[str, dict]] = field(default_factory=list)  # (url, body) taken in turn
    # A floor for the first request when it does more than the rest: (floor name, parameters).
    cold_floor: tuple[str, dict] | None = None


@dataclass
class Figures:
    p50: float
    p95: float
    count: int

    @classmethod
    def of(cls, values: list[float]) -> Figures:
        return cls(statistics.median(values), percentile(values, 0.95), len(values))


class Client:
    """A keep-alive HTTP client that times each request and insists on the expected status."""

    def __init__(self, base: str):
        parsed = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)

    def call(self, method: str, url: str, *, token: str | None = None, body: dict | None = None) -> tuple:
        headers = {"Accept-Language": "zh-hans", "Connection": "keep-alive"}
        data = None
        if token:
            headers["Authorization"] = f"Token {token}"
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.connection.request(method, url, body=data, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        return response.status, content, elapsed

    def timed(self, method: str, url: str, *, token=None, body=None, expect=(200,)) -> float:
        status, content, elapsed = self.call(method, url, token=token, body=body)
        if status not in expect:
            raise SystemExit(f"{method} {url}: HTTP {status} {content[:400]!r}")
        return elapsed


# --- choosing what to measure --------------------------------------------------------------------


def _token(user) -> str:
    from organisation.authentication import api_token_issue

    return api_token_issue(user=user)[1]


def _below(paths: list[str]) -> str:
    return ",".join(f"{path}.%" for path in paths)


def _case_floor_params(user, *, before: int, limit: int = 50, state: str = "", handling_code: str = ""):
    from organisation.standing import user_standing

    standing = user_standing(user)
    return {
        "units": ",".join(str(pk) for pk in standing.unit_ids),
        "below": _below(standing.paths),
        "user": str(user.pk),
        "before": str(before),
        "limit": str(limit),
        "state": state,
        "handling_code": handling_code,
    }


def _cursor(position: int) -> str:
    # DRF's CursorPagination cursor: the position of the ordering field (-id), base64 of a query string.
    return base64.b64encode(f"p={position}".encode()).decode()


def county_investigator():
    """Return the county investigator with the most assistance requests assigned: a busy inbox."""
    from django.db.models import Count

    from cases.assistance.models import AssistanceRequest, RequestState
    from cases.models import Case, CaseState
    from organisation.models import Membership, Role, UnitLevel, User

    # Of units whose own cases name persons, so the same investigator's case detail has one to show.
    with_cases = Case.objects.exclude(state=CaseState.DRAFT).filter(persons__id_number__gt="")
    busiest = (
        AssistanceRequest.objects.filter(
            state__in=[RequestState.ASSIGNED, RequestState.IN_PROGRESS],
            assignee__memberships__role=Role.INVESTIGATOR,
            assignee__memberships__unit__level=UnitLevel.COUNTY,
            assignee__memberships__unit__in=with_cases.values("accepting_unit"),
        )
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by("-n", "assignee_id")
        .first()
    )
    if busiest:
        return User.objects.get(pk=busiest["assignee_id"])
    membership = Membership.objects.filter(
        role=Role.INVESTIGATOR, unit__level=UnitLevel.COUNTY, unit__in=with_cases.values("accepting_unit")
    ).first()
    return membership.user


def _issue_documents(case, count: int) -> list[int]:
    """Return `count` issued 移送案件通知书 about the case, issuing (eager Celery) those missing.

    A second run on the same data set finds the first run's, so the dossier keeps its size.
    """
    from documents import services
    from documents.models import Document, DocumentState, RenderState
    from documents.samples import SAMPLE_FIELDS
    from organisation.models import Membership, Role, Unit

    existing = list(
        Document.objects.filter(
            link_target_type="cases.case",
            link_target_id=str(case.pk),
            kind="case_transfer_notice",
            state=DocumentState.ISSUED,
            render_state=RenderState.DONE,
        )
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    count -= len(existing)

    unit = case.accepting_unit

    def officer(role):
        return Membership.objects.filter(unit=unit, role=role).select_related("user").first().user

    investigator, legal, head = (
        officer(Role.INVESTIGATOR),
        officer(Role.LEGAL_OFFICER),
        officer(Role.UNIT_HEAD),
    )
    recipient = Unit.objects.filter(level=unit.level).exclude(pk=unit.pk).order_by("id").first()
    ids = []
    for _ in range(max(0, count)):
        document = services.document_draft(
            kind="case_transfer_notice",
            issuing_unit=unit,
            department=unit.departments.get(kind="criminal"),
            by=investigator,
            data=SAMPLE_FIELDS["case_transfer_notice"],
            recipients=[{"name": recipient.name, "unit": recipient}],
            link_target_type="cases.case",
            link_target_id=str(case.pk),
        )
        for name, by in (("submit_for_review", investigator), ("approve_review", legal), ("approve", head)):
            services.document_transition(document=document, name=name, by=by)
        services.document_issue(document=document, by=head)
        ids.append(document.pk)
    return existing + ids


def briefing_target():
    """Return (user, meeting) for a live briefing, or None when the data set has no meetings."""
    try:
        from generate import bench_briefing_target
    except ImportError:
        return None
    from meetings.models import JointMeeting
    from organisation.models import User

    try:
        username, meeting_id = bench_briefing_target()
    except LookupError:
        return None
    return User.objects.get(username=username), JointMeeting.objects.get(pk=meeting_id)


def _briefing_floor_params(meeting) -> dict:
    from django.utils import timezone

    from cases.models import HABITUAL_RESIDENCE_YEARS
    from meetings.briefing import _years_before, briefing_period
    from meetings.selectors import current_members

    start, end = briefing_period(meeting, end=timezone.now())
    paths = list(current_members(meeting.series).values_list("unit_path", flat=True))
    on = timezone.localtime(end).date()
    return {
        "paths": ",".join(paths),
        "below": _below(paths),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "habitual_before": _years_before(on, HABITUAL_RESIDENCE_YEARS).isoformat(),
    }


def plan_paths() -> tuple[list[HotPath], dict]:
    """Pick each hot path's user and objects from the data set; return the paths and the dossier case."""
    from django.db.models import Count, Max, Min

    from cases.models import Case, CaseState, HandlingCode
    from cases.selectors import case_visible_to
    from meetings.models import Briefing
    from organisation.models import Membership, Role, UnitLevel, User

    county = county_investigator()
    unit = Membership.objects.filter(user=county, role=Role.INVESTIGATOR).first().unit
    legal = User.objects.get(username="sichuan.legal")
    county_token, legal_token = _token(county), _token(legal)
    top = Case.objects.aggregate(top=Max("id"))["top"] + 1

    # The case detail: the unit's newest case naming three persons or more (else the newest naming
    # anyone by identity number, whose showing is audited as in real use).
    candidates = (
        case_visible_to(county)
        .filter(accepting_unit=unit, persons__id_number__gt="")
        .exclude(state=CaseState.DRAFT)
        .annotate(n=Count("persons", distinct=True))
        .order_by("-id")
    )
    detail = candidates.filter(n__gte=3).first() or candidates.first()
    bounds = Case.objects.aggregate(low=Min("id"), high=Max("id"))
    deep = bounds["high"] - int((bounds["high"] - bounds["low"]) * DEEP_SHARE)
    deep_filters = {"state": CaseState.UNDER_INVESTIGATION, "handling_code": HandlingCode.NORMAL}

    # The transition: a head of the lead unit suspends and resumes an open county case in turn.
    movable = (
        Case.objects.filter(
            lead_unit__level=UnitLevel.COUNTY,
            state__in=[CaseState.UNDER_INVESTIGATION, CaseState.SUSPENDED],
            lead_unit__memberships__role__in=[Role.DEPARTMENT_HEAD, Role.UNIT_HEAD],
        )
        .order_by("id")
        .first()
    )
    head = Membership.objects.filter(
        unit=movable.lead_unit_id, role__in=[Role.DEPARTMENT_HEAD, Role.UNIT_HEAD]
    ).first()
    head_token = _token(head.user)
    suspend = (f"/api/v1/cases/{movable.pk}/transitions/suspend/", {"reason": "犯罪嫌疑人在逃（基准测试）"})
    resume = (f"/api/v1/cases/{movable.pk}/transitions/resume/", {})
    turns = [suspend, resume] if movable.state == CaseState.UNDER_INVESTIGATION else [resume, suspend]

    suspect = (
        detail.persons.filter(role="suspect").exclude(id_number="").first()
        or detail.persons.exclude(id_number="").first()
    )
    paths = [
        HotPath(
            "case_list", "case list, first page (county investigator)", "GET", "/api/v1/cases/",
            county_token, "case_list", _case_floor_params(county, before=top),
        ),
        HotPath(
            "case_list_deep", "case list, deep page with filters (provincial legal officer)", "GET",
            "/api/v1/cases/?" + urllib.parse.urlencode({**deep_filters, "cursor": _cursor(deep)}),
            legal_token, "case_list", _case_floor_params(legal, before=deep, **deep_filters),
        ),
        HotPath(
            "case_detail", "case detail (county investigator)", "GET", f"/api/v1/cases/{detail.pk}/",
            county_token, "case_detail", {**_case_floor_params(county, before=top), "case": str(detail.pk)},
        ),
        HotPath(
            "inbox_county", "inbox of a county investigator", "GET", "/api/v1/inbox/", county_token,
            "inbox", {},
        ),
        HotPath(
            "inbox_legal", "inbox of a provincial legal officer", "GET", "/api/v1/inbox/", legal_token,
            "inbox", {},
        ),
        HotPath(
            "transition", "a transition (suspend / resume a case)", "POST", turns[0][0], head_token,
            "transition", {"case": str(movable.pk)}, body=turns[0][1], reads=False, alternate=turns,
        ),
        HotPath(
            "search", "search by ID number", "GET",
            "/api/v1/search/?" + urllib.parse.urlencode(
                {"kind": "id_number", "q": suspect.id_number, "purpose": PURPOSE}
            ),
            county_token, "search", {"id_number": suspect.id_number},
        ),
    ]  # fmt: skip
    target = briefing_target()
    if target:
        user, meeting = target
        # The first request is to compute the live figures (reported as such): drop what an earlier
        # run or the worker stored.
        Briefing.objects.filter(meeting=meeting, frozen_at__isnull=True).delete()
        paths.append(
            HotPath(
                "briefing", "a meeting briefing's statistics (live, stored)", "GET",
                f"/api/v1/meetings/{meeting.pk}/briefing/", _token(user), "briefing",
                {"meeting": str(meeting.pk)},
                cold_floor=("briefing_compute", _briefing_floor_params(meeting)),
            )
        )  # fmt: skip
    # Documents need the full chain of roles (investigator, legal officer, head): Wuhou's demo officers.
    wuhou = User.objects.get(username="wuhou.investigator")
    wuhou_token = _token(wuhou)
    own_case = (
        case_visible_to(wuhou)
        .filter(accepting_unit__code="510107")
        .exclude(state=CaseState.DRAFT)
        .order_by("id")
        .first()
    )
    documents = _issue_documents(own_case, 1)
    paths.append(
        HotPath(
            "render", "one document render (download: watermarked copy)", "GET",
            f"/api/v1/documents/{documents[0]}/file/", wuhou_token, "document",
            {"document": str(documents[0])}, reads=False,
        )
    )  # fmt: skip
    return paths, {"case": own_case, "token": wuhou_token}


def _inbox_keys(client: Client, path: HotPath) -> dict:
    """Read the inbox once and return its items' keys by table, for the floor that fetches them."""
    status, content, _ = client.call("GET", path.url, token=path.token)
    if status != 200:
        raise SystemExit(f"inbox: HTTP {status} {content[:300]!r}")
    keys = {"requests": [], "proceedings": [], "cases": [], "meetings": []}
    table = {
        "assistance.assistancerequest": "requests",
        "jurisdiction.jurisdictionproceeding": "proceedings",
        "cases.case": "cases",
        "meetings.jointmeeting": "meetings",
    }
    items = json.loads(content)["items"]
    for item in items:
        if item["object_type"] in table:
            keys[table[item["object_type"]]].append(item["object_id"])
    return {key: ",".join(values) for key, values in keys.items()} | {"_items": len(items)}


# --- measuring -----------------------------------------------------------------------------------


def measure(client: Client, path: HotPath, runs: int, warmup: int) -> dict:
    """Time the path, its SQL floor and the constant floor; return their figures."""
    if path.floor == "inbox":
        keys = _inbox_keys(client, path)
        items = keys.pop("_items")
        path.floor_params = keys
    else:
        items = None
    floor_url = f"/bench-floors/sql/{path.floor}/?" + urllib.parse.urlencode(path.floor_params)
    turn = 0

    def app_once() -> float:
        nonlocal turn
        if path.alternate:
            url, body = path.alternate[turn % len(path.alternate)]
            turn += 1
            return client.timed(path.method, url, token=path.token, body=body)
        return client.timed(path.method, path.url, token=path.token, body=path.body)

    timings = {}
    cold = {"first_ms": round(app_once(), 1)}  # the first request (the briefing computes its figures)
    if path.cold_floor:
        name, params = path.cold_floor
        cold_url = f"/bench-floors/sql/{name}/?" + urllib.parse.urlencode(params)
        cold["cold_sql_ms"] = round(client.timed("GET", cold_url), 1)
    for kind, once in (
        ("app", app_once),
        ("sql", lambda: client.timed("GET", floor_url)),
        ("constant", lambda: client.timed("GET", "/bench-floors/constant/")),
    ):
        heavy = path.name in HEAVY_PATHS
        for _ in range(2 if heavy else warmup):
            once()
        count = max(10, runs // 10) if heavy else runs
        timings[kind] = Figures.of([once() for _ in range(count)])
    result = {
        "label": path.label,
        "reads": path.reads,
        **{f"{kind}_p50": round(figures.p50, 2) for kind, figures in timings.items()},
        **{f"{kind}_p95": round(figures.p95, 2) for kind, figures in timings.items()},
        "runs": timings["app"].count,
        **cold,
    }
    if items is not None:
        result["items"] = items
    return result


def dossier_memory(stack: Stack, client: Client, case, token: str) -> dict:
    """Have the worker build a 50-page dossier of the case; return its pages and the worker's peak."""
    _issue_documents(case, DOSSIER_DOCUMENTS)  # the render path's document is the first
    status, content, _ = client.call("POST", f"/api/v1/cases/{case.pk}/dossiers/", token=token, body={})
    if status != 202:
        raise SystemExit(f"dossier: HTTP {status} {content[:300]!r}")
    dossier = json.loads(content)
    started = time.monotonic()
    while dossier["state"] not in ("done", "failed"):
        if time.monotonic() - started > 600:
            raise SystemExit("dossier: not built within 10 minutes")
        time.sleep(1)
        url = f"/api/v1/cases/{case.pk}/dossiers/{dossier['id']}/"
        status, content, _ = client.call("GET", url, token=token)
        dossier = json.loads(content)
    if dossier["state"] != "done":
        raise SystemExit(f"dossier failed: {dossier['error']}")
    peak = max(peak_resident_mb(pid) for pid in stack.celery_pids())
    seconds = round(time.monotonic() - started, 1)
    return {"pages": dossier["pages"], "seconds": seconds, "celery_peak_mb": round(peak)}


# --- reporting -----------------------------------------------------------------------------------


def verdicts(row: dict, cases: int) -> list[str]:
    """Return what the row breaks of issue 8's budgets (empty when it meets them)."""
    broken = []
    ratio = row["app_p95"] / max(row["sql_p95"], 0.01)
    if row["reads"] and ratio > READ_RATIO_BUDGET:
        broken.append(f"{ratio:.1f}× its SQL floor")
    budget = RENDER_BUDGET_MS if row["name"] == "render" else P95_BUDGET_MS
    if cases >= 1_000_000 and row["app_p95"] >= budget:
        broken.append(f"p95 {row['app_p95']:.0f} ms ≥ {budget:.0f}")
    return broken


def table(run: dict) -> list[str]:
    lines = [
        "| Path | p50 (ms) | p95 (ms) | SQL floor p50 / p95 (ms) | Constant floor p50 / p95 (ms) "
        "| × SQL floor (p95) | Budget |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in run["paths"]:
        ratio = row["app_p95"] / max(row["sql_p95"], 0.01)
        broken = verdicts(row, run["cases"])
        budget = "ok" if not broken else "OVER: " + "; ".join(broken)
        extra = f" ({row['items']} items)" if "items" in row else ""
        lines.append(
            f"| {row['label']}{extra} | {row['app_p50']:.1f} | {row['app_p95']:.1f} | "
            f"{row['sql_p50']:.1f} / {row['sql_p95']:.1f} | "
            f"{row['constant_p50']:.1f} / {row['constant_p95']:.1f} | "
            f"{ratio:.1f}{'' if row['reads'] else ' (write)'} | {budget} |"
        )
    return lines


def _cold_lines(run: dict) -> list[str]:
    lines = []
    for row in run["paths"]:
        if "cold_sql_ms" in row:
            lines += [
                "",
                f"{row['label']}: the first view computed the figures in {row['first_ms']:,.0f} ms (their "
                f"aggregation as one hand-written statement: {row['cold_sql_ms']:,.0f} ms); later views read "
                "them stored, and once they are older than MEETING_BRIEFING_FRESH_SECONDS the worker "
                "computes them again while the stored ones are served.",
            ]
    return lines


def growth(runs: list[dict]) -> list[str]:
    if len(runs) < 2:
        return ["Growth: only one size measured so far; run `make bench` on a second data set."]
    small, large = runs[0], runs[-1]
    lines = [
        f"Growth of p95 from {small['cases']:,} to {large['cases']:,} cases "
        f"(budget: at most {GROWTH_BUDGET:.0f}×):",
        "",
        "| Path | p95 small (ms) | p95 large (ms) | Growth | |",
        "|---|---:|---:|---:|---|",
    ]
    before = {row["name"]: row for row in small["paths"]}
    for row in large["paths"]:
        if row["name"] not in before:
            continue
        factor = row["app_p95"] / max(before[row["name"]]["app_p95"], 0.01)
        lines.append(
            f"| {row['label']} | {before[row['name']]['app_p95']:.1f} | {row['app_p95']:.1f} | "
            f"{factor:.2f}× | "
            f"{'ok' if factor <= GROWTH_BUDGET else 'OVER'} |"
        )
    return lines


def section(runs: list[dict]) -> list[str]:
    lines = [
        "## Hot paths over HTTP against their floors (`bench/http_bench.py`, `make bench`)",
        "",
        "gunicorn with 2 sync workers and production settings (DEBUG off) on the generated data set; one "
        "client on one keep-alive connection, requests in sequence. Beside each path, on the same server: "
        "its SQL floor (the same rows by one hand-written query, `json.dumps`; `bench/floors.py`) and a bare "
        "Django view answering constant JSON. Budgets (issue 8): a read path at most 3× its SQL floor; p95 "
        "under 150 ms at 1,000,000 cases (the render: 0.5 s); growth from 10,000 to 1,000,000 cases "
        "at most 2×.",
    ]
    for run in runs:
        lines += [
            "",
            f"### {run['cases']:,} cases",
            "",
            f"Measured {run['measured']} on {run['machine']}. {run['runs']} requests per path after "
            f"{run['warmup']} unmeasured (render: {max(10, run['runs'] // 10)} after 2).",
            "",
            *table(run),
            *_cold_lines(run),
            "",
            f"Memory: gunicorn workers peaked at {run['gunicorn_peak_mb']} MB resident (budget < "
            f"{GUNICORN_BUDGET_MB:.0f}); the Celery worker building a {run['dossier']['pages']}-page dossier "
            f"({run['dossier']['seconds']} s) peaked at {run['dossier']['celery_peak_mb']} MB (budget < "
            f"{CELERY_BUDGET_MB:.0f}).",
        ]
    return [*lines, "", *growth(runs)]


def stored_runs() -> list[dict]:
    runs = [json.loads(path.read_text()) for path in RESULTS_DIR.glob("http-*.json")]
    return sorted(runs, key=lambda run: run["cases"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--runs", type=int, default=200, help="timed requests per path and floor")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--only", nargs="*", help="measure only these paths (not stored)")
    parser.add_argument(
        "--no-dossier", action="store_true", help="skip the dossier memory figure (not stored)"
    )
    args = parser.parse_args(argv)
    django_setup()
    from django.conf import settings
    from django.db import connection

    from cases.models import Case

    if connection.vendor != "postgresql":
        parser.error("run against the PostgreSQL data set of bench/generate.py (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    cases = Case.objects.count()
    print(f"Data set: {cases:,} cases. Choosing paths…", flush=True)
    paths, dossier_case = plan_paths()
    if args.only:
        paths = [path for path in paths if path.name in args.only]
    with tempfile.TemporaryDirectory(prefix="lianban-bench-http-") as folder:
        stack = Stack(folder=Path(folder), celery=True, floors=True)
        stack.env["SEARCH_RATE_PER_MINUTE"] = str(10**6)  # the benchmark measures searches, not the limiter
        # The documents were issued by this process; the server serves and copies the same files.
        stack.env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
        with stack:
            client = Client(stack.url)
            rows = []
            for path in paths:
                row = {"name": path.name, **measure(client, path, args.runs, args.warmup)}
                rows.append(row)
                print(table({"paths": [row], "cases": cases})[-1], flush=True)
            dossier = None
            if not args.no_dossier:
                print("Building a 50-page dossier in the Celery worker…", flush=True)
                dossier = dossier_memory(stack, client, dossier_case["case"], dossier_case["token"])
                print(f"  {dossier}", flush=True)
            gunicorn_peak = round(stack.web_peak_mb())
    run = {
        "cases": cases,
        "measured": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(version),
        "runs": args.runs,
        "warmup": args.warmup,
        "paths": rows,
        "gunicorn_peak_mb": gunicorn_peak,
        "dossier": dossier,
    }
    if args.only or args.no_dossier:
        print(json.dumps(run, indent=1, ensure_ascii=False))
        return 0
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"http-{cases}.json").write_text(json.dumps(run, indent=1, ensure_ascii=False) + "\n")
    print(write_section("http-bench", section(stored_runs())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
