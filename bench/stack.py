"""The production process model the benchmarks and the load run talk to: gunicorn and a Celery worker.

Both run with production settings (DEBUG off) against the database in DATABASE_URL (the generated
data set) and the machine's Redis as the broker, on a database number of their own so nothing else
on the machine is disturbed. The floor views of `bench/floors.py` are mounted when `floors=True`.
Resident memory of every gunicorn worker and of the Celery worker is sampled from /proc while they
run, so a run can report the peak of each.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_PORT = 58801
DEFAULT_BROKER = "redis://127.0.0.1:6379/7"


def _children(pid: int) -> list[int]:
    """Return the direct children of a process (gunicorn's workers, Celery's pool)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found += [int(child) for child in text.split()]
    return found


def _status_mb(pid: int, field: str) -> float:
    """Return a memory field of /proc/<pid>/status in MiB (0 when the process has gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def resident_mb(pid: int) -> float:
    """Return a process's resident set size in MiB."""
    return _status_mb(pid, "VmRSS")


def peak_resident_mb(pid: int) -> float:
    """Return a process's peak resident set size in MiB (VmHWM: the kernel's own high-water mark)."""
    return _status_mb(pid, "VmHWM")


class Stack:
    """gunicorn (and optionally a Celery worker) on the benchmark database, with memory sampling."""

    def __init__(
        self,
        *,
        folder: Path,
        port: int = DEFAULT_PORT,
        workers: int = 2,
        threads: int = 1,
        celery: bool = False,
        floors: bool = False,
        broker: str = DEFAULT_BROKER,
    ):
        self.folder = folder
        self.port = port
        self.workers = workers
        self.threads = threads
        self.celery = celery
        self.url = f"http://127.0.0.1:{port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.peaks: dict[int, float] = {}
        self.web_seen: set[int] = set()
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None
        self.env = dict(os.environ)
        self.env.update(
            DEBUG="false",
            SECRET_KEY=self.env.get("SECRET_KEY") or "bench-only-" + "b" * 60,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="false",
            SECURE_COOKIES="false",
            CELERY_BROKER_URL=broker,
            MEDIA_ROOT=str(folder / "media"),
            LIANBAN_VAR_DIR=str(folder / "var"),
            # Production settings sign every document with a unit's PKI certificate; this machine has
            # none, so the units sign with the demo CA under LIANBAN_VAR_DIR (issue 19 item 5).
            DOCUMENT_SIGNING=os.environ.get("DOCUMENT_SIGNING") or "demo",
            EMAIL_BACKEND="file",
            EMAIL_FILE_PATH=str(folder / "mail"),
            LOG_LEVEL="WARNING",
        )
        self.env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        if floors:
            self.env["LIANBAN_BENCH_FLOORS"] = "1"

    def start(self) -> Stack:
        (self.folder / "var" / "static").mkdir(parents=True, exist_ok=True)
        (self.folder / "media").mkdir(parents=True, exist_ok=True)
        (self.folder / "logs").mkdir(parents=True, exist_ok=True)
        self._spawn(
            "web",
            [
                str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers), "--threads", str(self.threads), "--timeout", "120",
                "--keep-alive", "30",
            ],
        )  # fmt: skip
        if self.celery:
            self._spawn(
                "worker",
                [
                    str(VENV_BIN / "celery"), "-A", "config", "worker", "--loglevel=WARNING",
                    "--concurrency=1", "--without-gossip", "--without-mingle",
                ],
            )  # fmt: skip
        self._wait_until_serving()
        self._sampling.set()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _spawn(self, name: str, command: list[str]) -> None:
        log = (self.folder / "logs" / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own commands
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _wait_until_serving(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.processes["web"].poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.folder / 'logs' / 'web.log'}")
            try:
                urllib.request.urlopen(self.url + "/api/v1/offences/", timeout=5)  # noqa: S310 - our server
            except urllib.error.HTTPError as error:
                if error.code == 401:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s")

    def web_workers(self) -> list[int]:
        return _children(self.processes["web"].pid)

    def celery_pids(self) -> list[int]:
        worker = self.processes.get("worker")
        return [worker.pid, *_children(worker.pid)] if worker else []

    def _sample(self) -> None:
        # VmHWM would do for a process that lives the whole run, but gunicorn may replace a worker;
        # sampling keeps the peak of every worker that ever served.
        while self._sampling.is_set():
            web = self.web_workers()
            self.web_seen.update(web)
            for pid in web + self.celery_pids():
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), resident_mb(pid), peak_resident_mb(pid))
            time.sleep(0.5)

    def web_peak_mb(self) -> float:
        return max((mb for pid, mb in self.peaks.items() if pid in self.web_seen), default=0.0)

    def stop(self) -> None:
        self._sampling.clear()
        if self._sampler:
            self._sampler.join(timeout=5)
        for name, process in list(self.processes.items()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            del self.processes[name]

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
