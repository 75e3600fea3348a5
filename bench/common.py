"""What the benchmark scripts share: Django set-up, the machine's description, percentiles and RESULTS.md."""

from __future__ import annotations

import math
import os
import platform
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"


def django_setup() -> None:
    """Make the project importable and configure Django from the environment (DATABASE_URL…)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def machine(*extra: str) -> str:
    """Describe the CPU, memory, Python and platform, and any `extra` facts, in one line."""
    cpu = "unknown CPU"
    cpus = 0
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and cpu == "unknown CPU":
            cpu = line.split(":", 1)[1].strip()
        if line.startswith("processor"):
            cpus += 1
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    parts = [
        f"{cpu}, {cpus} logical CPUs, {mem_kb / 1024 / 1024:.1f} GiB RAM",
        f"Python {platform.python_version()}",
    ]
    return "; ".join([*parts, *extra, platform.platform()])


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile (0 < fraction ≤ 1) of `values`."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * fraction)) - 1]


def write_section(name: str, lines: list[str]) -> str:
    """Replace (or append) the section between this benchmark's markers in RESULTS.md; return it."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = "\n".join([start, *lines, end])
    existing = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if start in existing and end in existing:
        head, rest = existing.split(start, 1)
        updated = head + section + rest.split(end, 1)[1]
    else:
        updated = existing.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(updated)
    return section


def recreate_database(url: str, *, var_dir: str | Path | None = None) -> None:
    """Drop and create the PostgreSQL database named in `url` (connecting to `postgres` to do it).

    The new database starts a new audit chain, so the audit checkpoints kept for the old one under
    `var_dir` (default LIANBAN_VAR_DIR) go too: kept, they would report the new chain as truncated.
    """
    import shutil

    import psycopg
    from psycopg import sql

    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(psycopg.conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    var_dir = Path(var_dir or os.environ.get("LIANBAN_VAR_DIR") or ROOT / "var")
    checkpoints = Path(os.environ.get("AUDIT_CHECKPOINT_DIR") or var_dir / "audit-checkpoints")
    shutil.rmtree(checkpoints, ignore_errors=True)


def peak_memory_mb() -> float:
    """Return this process's peak resident set size in MiB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
