"""A real Celery worker and Redis: the outbox round trip, and delivery after Redis comes back.

The worker is a subprocess sharing the test database (so these tests commit: transactional_db)
and writing mail to files. The test process publishes to the same broker and a private queue.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from core import outbox
from core.models import OutboxMessage, OutboxState
from core.tasks import deliver_outbox_message

pytestmark = pytest.mark.redis

SHARED_REDIS = "redis://127.0.0.1:6379/9"  # a database number nothing else here uses
WAIT_SECONDS = 90


def _database_url() -> str:
    """The URL of the test database this process is using, for the worker to use too."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return "sqlite:///" + str(Path(db["NAME"]).resolve())
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or ""
    if db["PORT"]:
        host += f":{db['PORT']}"
    return f"postgresql://{auth}@{host}/{quote(db['NAME'], safe='')}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, what: str, *, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"Gave up waiting for {what}\n{tail}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _reset_publisher_pools() -> None:
    # The app caches its broker connection pool and producer pool; after a change of broker_url
    # they would still point at the old broker.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu keeps process-wide pools too; a closed one handed to the next eager publish (eager
    # apply_async still acquires a producer) fails with "Acquire on closed pool".
    kombu_pools.reset()


@contextlib.contextmanager
def publishing_to(broker_url: str, queue: str):
    """Make this process publish to a real broker and queue instead of running tasks eagerly."""
    keys = ("broker_url", "task_always_eager", "task_default_queue", "broker_transport_options")
    saved = {key: celery_app.conf[key] for key in keys}
    # Celery prefers the environment variable to the configured broker_url.
    saved_env = os.environ.pop("CELERY_BROKER_URL", None)
    celery_app.conf.update(
        broker_url=broker_url,
        task_always_eager=False,
        task_default_queue=queue,
        # A hung (not just stopped) broker must not hang the publisher either.
        broker_transport_options={**saved["broker_transport_options"], "socket_timeout": 5},
    )
    _reset_publisher_pools()
    outbox._broker_down_until = 0.0
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        if saved_env is not None:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _reset_publisher_pools()
        outbox._broker_down_until = 0.0
        with contextlib.suppress(redis.RedisError):
            client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=2)
            client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


@contextlib.contextmanager
def celery_worker(broker_url: str, queue: str, mail_dir: Path, log: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=solo", "-Q", queue, "--loglevel=INFO", "-n", f"{queue}@%h",
        "--without-heartbeat", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        _stop(process)


@contextlib.contextmanager
def redis_server(port: int, workdir: Path, log: Path):
    command = [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(workdir), "--daemonize", "no",
    ]  # fmt: skip
    with log.open("ab") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        client = redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=1)

        def answers():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        _wait_for(answers, f"redis-server on port {port}", process=process, log=log)
        yield process
    finally:
        _stop(process)


def _mail(key: str, subject: str) -> OutboxMessage:
    with transaction.atomic():
        payload = {"subject": subject, "body": "Delivered by the worker.", "to": ["a@example.cn"]}
        return outbox.enqueue(topic="mail.send", payload=payload, key=key)


def _all_done(*messages):
    pks = [message.pk for message in messages]
    return lambda: OutboxMessage.objects.filter(pk__in=pks, state=OutboxState.DONE).count() == len(pks)


def _subjects(mail_dir: Path) -> list[str]:
    subjects = []
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        subjects += [
            line[len("Subject: ") :] for line in path.read_text().splitlines() if line.startswith("Subject: ")
        ]
    return sorted(subjects)


def test_worker_round_trips_an_outbox_message(transactional_db, tmp_path):
    queue = f"lianban-test-{uuid.uuid4().hex[:10]}"
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"

    with publishing_to(SHARED_REDIS, queue), celery_worker(SHARED_REDIS, queue, mail_dir, log) as worker:
        message = _mail("roundtrip:1", "Round trip")
        message.refresh_from_db()
        assert message.dispatch_count == 1
        _wait_for(_all_done(message), "the worker to deliver the message", process=worker, log=log)

    message.refresh_from_db()
    assert (message.state, message.delivery_count, message.attempts) == (OutboxState.DONE, 1, 0)
    assert _subjects(mail_dir) == ["Round trip"]
    assert "core.tasks.deliver_outbox_message" in log.read_text()


def test_message_written_while_redis_is_down_is_delivered_once_when_it_is_back(transactional_db, tmp_path):
    port = _free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    queue = f"lianban-test-{uuid.uuid4().hex[:10]}"
    mail_dir, worker_log, redis_log = tmp_path / "mail", tmp_path / "worker.log", tmp_path / "redis.log"

    with publishing_to(broker, queue):
        # A publish while Redis runs leaves a live connection in the publisher's pool ...
        with redis_server(port, tmp_path, redis_log):
            lost = _mail("outage:lost", "Lost with the broker")
        # ... and Redis stops without saving: that message is gone, its row still pending.
        lost.refresh_from_db()
        assert (lost.state, lost.dispatch_count) == (OutboxState.PENDING, 1)

        # The write path completes while Redis is down; the row waits.
        written = _mail("outage:written", "Written while down")
        written.refresh_from_db()
        assert (written.state, written.dispatch_count, written.dispatched_at) == (
            OutboxState.PENDING,
            0,
            None,
        )

        with redis_server(port, tmp_path, redis_log):
            # Pretend the lost message was handed over long enough ago for the sweep to resend it.
            OutboxMessage.objects.filter(pk=lost.pk).update(
                dispatched_at=lost.dispatched_at.replace(year=2000)
            )
            assert outbox.sweep() == 2
            # A second hand-over of the same row (a sweep racing a slow worker) must not double it.
            assert outbox.relay([written.pk]) == 1

            with celery_worker(broker, queue, mail_dir, worker_log) as worker:
                _wait_for(
                    _all_done(lost, written), "delivery after Redis came back", process=worker, log=worker_log
                )
                # Queue behind the duplicate a last message; the solo worker takes them in order.
                deliver_outbox_message.apply_async(args=[written.pk])
                last = _mail("outage:last", "Last")
                _wait_for(_all_done(last), "the worker to drain the queue", process=worker, log=worker_log)

                assert outbox.sweep() == 0
                assert outbox.relay() == 0

    for message in (lost, written, last):
        message.refresh_from_db()
        assert (message.state, message.delivery_count) == (OutboxState.DONE, 1)
    assert written.dispatch_count == 2
    assert _subjects(mail_dir) == ["Last", "Lost with the broker", "Written while down"]
