"""Fault checks with a verdict each (make faults): the system keeps working and loses nothing.

Run: make faults            (every fault)
  or .venv/bin/python checks/faults.py [worker-killed] [redis-down] [postgres-restart] [media-read-only]

Each fault runs against a stack of its own, so nothing else on the machine is disturbed: a private
PostgreSQL cluster (initdb in a temporary folder, port 55432) and a private Redis (port 56379),
gunicorn with two workers, a Celery worker and the periodic-job ticker, all with production
settings (DEBUG off). The sweep runs every 5 s and re-relays an outbox message handed to the queue
more than 10 s earlier (OUTBOX_SWEEP_SECONDS, OUTBOX_REDISPATCH_AFTER_SECONDS): the "sweeper that
re-queues renders stuck in progress" of issue 8.

  worker-killed     The Celery worker is killed (SIGKILL) while it renders a document; after a
                    restart the document is rendered exactly once: one PDF file, one number.
  redis-down        Redis is stopped; pages and API calls still succeed, and a document issued
                    meanwhile is queued; once Redis is back its render and notifications are
                    delivered, each once.
  postgres-restart  PostgreSQL restarts; gunicorn, the worker and the ticker go on without being
                    restarted (requests after the restart succeed, a render queued after it runs).
  media-read-only   The media folder refuses writes; a document issued then says "rendering
                    failed" with the reason; once writable the retry stores it, once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PG_BIN = Path("/usr/lib/postgresql") / sorted(os.listdir("/usr/lib/postgresql"))[-1] / "bin"
PG_PORT, REDIS_PORT, WEB_PORT = 55432, 56379, 58765
WAIT_SECONDS = 120


class FaultFailed(Exception):
    """The verdict of a fault check that did not hold."""


def wait_for(
    what: str, condition: Callable[[], bool], seconds: float = WAIT_SECONDS, every: float = 0.5
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return
        time.sleep(every)
    raise FaultFailed(f"timed out after {seconds:.0f} s waiting for {what}")


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and the server refuse to run as root; the cluster belongs to the postgres account.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Stack:
    """A private PostgreSQL and Redis, gunicorn, a Celery worker and the ticker, in one folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.pgdata = folder / "pgdata"
        self.media = folder / "media"
        self.logs = folder / "logs"
        self.processes: dict[str, subprocess.Popen] = {}
        self.url = f"http://127.0.0.1:{WEB_PORT}"
        self.env = dict(os.environ)
        self.env.update(
            DEBUG="false",
            SECRET_KEY="faults-only-" + "s" * 60,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="false",
            SECURE_COOKIES="false",
            DATABASE_URL=f"postgresql://postgres@127.0.0.1:{PG_PORT}/lianban",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
            MEDIA_ROOT=str(self.media),
            LIANBAN_VAR_DIR=str(folder / "var"),
            # Production settings sign every document with a unit's PKI certificate; this machine has
            # none, so the units sign with the demo CA under LIANBAN_VAR_DIR (issue 19 item 5).
            DOCUMENT_SIGNING=os.environ.get("DOCUMENT_SIGNING") or "demo",
            EMAIL_BACKEND="file",
            EMAIL_FILE_PATH=str(folder / "mail"),
            OUTBOX_SWEEP_SECONDS="5",
            OUTBOX_REDISPATCH_AFTER_SECONDS="10",
            LOG_LEVEL="INFO",
        )
        self.env.pop("CELERY_TASK_ALWAYS_EAGER", None)

    # --- services ----------------------------------------------------------------------------

    def postgres_start(self) -> None:
        if not self.pgdata.exists():
            self.pgdata.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(self.folder, "postgres")
                shutil.chown(self.pgdata, "postgres")
            subprocess.run(
                _as_postgres(
                    [str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-U", "postgres", "--auth=trust"]
                ),
                check=True,
                capture_output=True,
            )
        server_options = f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {self.pgdata}"
        command = [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.pgdata),
            "-w",
            "-l",
            str(self.pgdata / "server.log"),
        ]
        subprocess.run(
            _as_postgres([*command, "-o", server_options, "start"]), check=True, capture_output=True
        )

    def postgres_stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-w", "-m", mode, "stop"]),
            check=False,
            capture_output=True,
        )

    def redis_start(self) -> None:
        subprocess.run(
            [
                "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(REDIS_PORT),
                "--save", "", "--appendonly", "no", "--dir", str(self.folder),
                "--logfile", str(self.folder / "redis.log"), "--pidfile", str(self.folder / "redis.pid"),
            ],
            check=True,
        )  # fmt: skip
        wait_for("Redis", lambda: self.redis_ping(), 10)

    def redis_ping(self) -> bool:
        return (
            subprocess.run(
                ["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True, text=True, check=False
            ).stdout.strip()
            == "PONG"
        )

    def redis_stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], capture_output=True, check=False
        )
        wait_for("Redis to stop", lambda: not self.redis_ping(), 10)

    # --- the application ---------------------------------------------------------------------

    def manage(self, *args: str, debug: bool = False) -> None:
        env = dict(self.env, DEBUG="true" if debug else "false")
        subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )

    def start(self, name: str) -> None:
        commands = {
            "web": [
                str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{WEB_PORT}",
                "--workers", "2", "--timeout", "60",
            ],
            "worker": [
                str(VENV_BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO", "--concurrency=1",
                "--without-gossip", "--without-mingle",
            ],
            "ticker": [str(VENV_BIN / "python"), "manage.py", "run_ticker"],
        }  # fmt: skip
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            commands[name],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if name == "web":
            wait_for("gunicorn", lambda: self.get("/api/v1/offences/", token=None)[0] == 401, 60)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)  # the worker's pool children too
        process.wait(timeout=30)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def build(self) -> None:
        self.media.mkdir(parents=True, exist_ok=True)
        (self.folder / "var" / "static").mkdir(parents=True, exist_ok=True)
        self.postgres_start()
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "lianban"],
            check=True,
        )
        self.redis_start()
        self.manage("migrate", "--noinput")
        self.manage("load_organisation")
        self.manage("seed_demo", debug=True)
        self.manage("seed_demo_cases", debug=True)
        for name in ("web", "worker", "ticker"):
            self.start(name)

    def close(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)
        if self.redis_ping():
            self.redis_stop()
        self.postgres_stop("immediate")

    # --- talking to it -----------------------------------------------------------------------

    def get(self, path: str, *, token: str | None) -> tuple[int, bytes]:
        return self.request("GET", path, token=token)

    def request(
        self, method: str, path: str, *, token: str | None, body: dict | None = None
    ) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310 - http only
        request.add_header("Accept-Language", "en")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own server
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


# --- the application's side, in this process (same database and broker) --------------------------


def django_setup(stack: Stack) -> None:
    os.environ.update(stack.env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def token(username: str) -> str:
    from organisation.authentication import api_token_issue
    from organisation.models import User

    return api_token_issue(user=User.objects.get(username=username))[1]


def draft_document(reason_pages: int = 0):
    """Draft a 移送案件通知书 in Wuhou about the demo case, ready for the reviewed chain.

    reason_pages lengthens the reason by about that many pages of text, so the render lasts long
    enough (seconds, not the 0.3 s of a one-page notice) for a check to catch the worker inside it.
    """
    from cases.models import Case
    from documents import services
    from documents.samples import SAMPLE_FIELDS
    from organisation.models import Unit, User

    wuhou = Unit.objects.get(code="510107")
    case = Case.objects.filter(accepting_unit=wuhou).order_by("id").first()
    return services.document_draft(
        kind="case_transfer_notice",
        issuing_unit=wuhou,
        department=wuhou.departments.get(kind="criminal"),
        by=User.objects.get(username="wuhou.investigator"),
        data={**SAMPLE_FIELDS["case_transfer_notice"], "reason": long_reason(reason_pages)},
        recipients=[{"name": "昆明市公安局", "unit": Unit.objects.get(code="530100")}],
        link_target_type="cases.case",
        link_target_id=str(case.pk),
    )


def long_reason(pages: int) -> str:
    from documents.samples import SAMPLE_FIELDS

    reason = SAMPLE_FIELDS["case_transfer_notice"]["reason"]
    # A page holds 22 lines of 28 characters; each sentence below fills about a line and a half.
    sentence = "经查，犯罪嫌疑人通过网络实施诈骗，资金经多个账户转移，主要犯罪地在五华区。"
    return reason + "。" + sentence * (15 * pages) if pages else reason


TRANSITIONS = (
    ("submit_for_review", "wuhou.investigator"),
    ("approve_review", "wuhou.legal"),
    ("approve", "wuhou.unit-head"),
)


def issue_over_http(stack: Stack, document_id: int) -> None:
    """Take the draft to issued through the API, as the three officers would."""
    for name, username in (*TRANSITIONS, ("issue", "wuhou.unit-head")):
        path = f"/api/v1/documents/{document_id}/transitions/{name}/"
        status, body = stack.request("POST", path, token=token(username), body={})
        if status != 200:
            raise FaultFailed(f"POST {path} as {username} answered {status}: {body[:300]!r}")


def document_state(document_id: int) -> tuple[str, str, str]:
    from django.db import close_old_connections

    from documents.models import Document

    close_old_connections()
    document = Document.objects.get(pk=document_id)
    return document.render_state, document.render_error, document.number


def pdf_files(stack: Stack, document_id: int) -> list[Path]:
    return sorted(path for path in stack.media.rglob(f"{document_id}-*.pdf"))


def assert_rendered_once(stack: Stack, document_id: int) -> None:
    from documents.models import Document

    wait_for(f"document {document_id} to be rendered", lambda: document_state(document_id)[0] == "done")
    _state, _error, number = document_state(document_id)
    files = pdf_files(stack, document_id)
    if len(files) != 1:
        raise FaultFailed(f"document {document_id} has {len(files)} PDF files: {files}")
    if Document.objects.filter(number=number).count() != 1:
        raise FaultFailed(f"number {number} is held by more than one document")


def outbox_delivered_once(since_id: int) -> None:
    from core.models import OutboxMessage

    wait_for(
        "every outbox message to be delivered",
        lambda: not OutboxMessage.objects.filter(pk__gt=since_id).exclude(state="done").exists(),
    )
    twice = OutboxMessage.objects.filter(pk__gt=since_id, delivery_count__gt=1)
    if twice.exists():
        raise FaultFailed(f"delivered more than once: {list(twice.values_list('topic', 'delivery_count'))}")


def last_outbox_id() -> int:
    from core.models import OutboxMessage

    return OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- the faults ---------------------------------------------------------------------------------


def rendering_now(document_id: int) -> bool:
    """Return whether a worker holds the document's row lock, which it does exactly while rendering."""
    from django.db import OperationalError, close_old_connections, transaction

    from documents.models import Document

    close_old_connections()
    try:
        with transaction.atomic():
            Document.objects.select_for_update(nowait=True).filter(pk=document_id).exists()
    except OperationalError:
        return True
    return False


def fault_worker_killed(stack: Stack) -> str:
    for attempt in range(1, 6):
        # A long document, watched closely: a one-page render ends between two half-second looks.
        document = draft_document(reason_pages=40)
        issue_over_http(stack, document.pk)
        wait_for(
            "the worker to start rendering",
            lambda pk=document.pk: rendering_now(pk) or document_state(pk)[0] == "done",
            60,
            every=0.02,
        )
        stack.kill("worker")  # SIGKILL mid-render: its transaction and row lock die with it
        if document_state(document.pk)[0] == "done":
            stack.start("worker")
            continue  # it committed before the kill landed; try again with a new document
        stack.start("worker")
        assert_rendered_once(stack, document.pk)
        return f"killed mid-render on attempt {attempt}; re-queued by the sweep and rendered once"
    raise FaultFailed("the worker always finished before it could be killed")


def fault_redis_down(stack: Stack) -> str:
    since = last_outbox_id()
    stack.redis_stop()
    try:
        for path in ("/api/v1/me/", "/api/v1/cases/", "/api/v1/inbox/", "/api/v1/documents/"):
            status, body = stack.get(path, token=token("wuhou.investigator"))
            if status != 200:
                raise FaultFailed(f"GET {path} answered {status} while Redis was down: {body[:200]!r}")
        document = draft_document()
        issue_over_http(stack, document.pk)  # writes succeed; the render waits in the outbox
        time.sleep(6)
        if document_state(document.pk)[0] == "done":
            raise FaultFailed("the render ran although Redis was down: the check proves nothing")
    finally:
        stack.redis_start()
    assert_rendered_once(stack, document.pk)
    outbox_delivered_once(since)
    return "pages and API answered 200 without Redis; the queued render and notifications went out once"


def fault_postgres_restart(stack: Stack) -> str:
    from django.db import connections

    reader = token("wuhou.investigator")
    if stack.get("/api/v1/cases/", token=reader)[0] != 200:
        raise FaultFailed("the stack did not answer before the restart")
    connections.close_all()
    stack.postgres_stop("fast")
    stack.postgres_start()
    # Every gunicorn worker and the Celery worker held connections the restart cut.
    for _ in range(6):
        status, body = stack.get("/api/v1/cases/", token=reader)
        if status != 200:
            raise FaultFailed(f"after the restart GET /api/v1/cases/ answered {status}: {body[:200]!r}")
    document = draft_document()
    issue_over_http(stack, document.pk)
    assert_rendered_once(stack, document.pk)
    alive = [name for name, process in stack.processes.items() if process.poll() is None]
    if sorted(alive) != ["ticker", "web", "worker"]:
        raise FaultFailed(f"processes alive after the restart: {alive}")
    return "requests and a render after the restart succeeded; no process was restarted"


@contextlib.contextmanager
def read_only(directory: Path):
    if os.geteuid() == 0:  # root writes through permission bits: the immutable flag stops it
        subprocess.run(["chattr", "+i", str(directory)], check=True)
    else:
        directory.chmod(0o555)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        else:
            directory.chmod(0o755)


def fault_media_read_only(stack: Stack) -> str:
    documents_dir = stack.media / "documents"
    if documents_dir.exists():
        shutil.rmtree(documents_dir)  # so the first write must create it in the read-only folder
    with read_only(stack.media):
        document = draft_document()
        issue_over_http(stack, document.pk)
        wait_for("the render to fail", lambda: document_state(document.pk)[0] == "failed", 60)
        status, body = stack.get(f"/api/v1/documents/{document.pk}/", token=token("wuhou.investigator"))
        detail = json.loads(body)
        if (
            status != 200
            or detail["render_state"] != "failed"
            or "PermissionError" not in detail["render_error"]
        ):
            raise FaultFailed(f"the API does not say why: {status} {body[:300]!r}")
        reason = detail["render_error"]
    assert_rendered_once(stack, document.pk)
    return f"said: {reason!r}; stored once the folder was writable"


FAULTS = {
    "worker-killed": fault_worker_killed,
    "redis-down": fault_redis_down,
    "postgres-restart": fault_postgres_restart,
    "media-read-only": fault_media_read_only,
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("faults", nargs="*", help=f"any of {', '.join(FAULTS)} (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the stack's folder (logs) afterwards")
    args = parser.parse_args()
    chosen = args.faults or list(FAULTS)
    unknown = sorted(set(chosen) - set(FAULTS))
    if unknown:
        parser.error(f"unknown fault(s) {', '.join(unknown)}; choose from {', '.join(FAULTS)}")
    folder = Path(tempfile.mkdtemp(prefix="lianban-faults-"))
    stack = Stack(folder)
    results: list[tuple[str, bool, str]] = []
    try:
        print(f"Building the stack in {folder}…", flush=True)
        stack.build()
        django_setup(stack)
        for name in chosen:
            started = time.monotonic()
            try:
                detail = FAULTS[name](stack)
                results.append((name, True, detail))
            except Exception as error:  # a crash of the check is a failed verdict, with its reason
                results.append((name, False, f"{type(error).__name__}: {error}"))
            verdict = "PASS" if results[-1][1] else "FAIL"
            print(f"{verdict} {name} ({time.monotonic() - started:.0f} s): {results[-1][2]}", flush=True)
            for process_name in ("web", "worker", "ticker"):  # a fault may have left one down
                if process_name not in stack.processes or stack.processes[process_name].poll() is not None:
                    stack.processes.pop(process_name, None)
                    stack.start(process_name)
    finally:
        stack.close()
        if args.keep or not all(ok for _name, ok, _detail in results):
            print(f"Logs kept in {folder / 'logs'}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    failed = [name for name, ok, _detail in results if not ok]
    print(f"{'FAIL' if failed else 'PASS'}: {len(results) - len(failed)} of {len(results)} faults held.")
    return 1 if failed or len(results) != len(chosen) else 0


if __name__ == "__main__":
    sys.exit(main())
