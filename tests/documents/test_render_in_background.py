"""Issue 20 item 4: a step that renders a PDF answers at once; the worker renders; the page polls.

In the embedded setup (Celery eager) the outbox relay used to run on commit inside the request, so
签发 waited 1–3 s for WeasyPrint and the signature. Now the relay of a page request goes to the
embedded worker (core.background) and the document's pages poll its render state.
"""

import threading

import pytest
from django.urls import reverse

from core import background
from core.models import OutboxMessage, OutboxState
from documents.models import Document, RenderState
from tests.support.documents import draft, issue

pytestmark = pytest.mark.django_db

RENDER_TOPIC = "documents.render"


@pytest.fixture
def worker(settings, monkeypatch):
    """The embedded worker switched on, its jobs held back so a test runs them when it chooses."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.OUTBOX_EAGER_BACKGROUND = True
    jobs: list = []
    monkeypatch.setattr(background, "submit", lambda func, *args: jobs.append((func, args)))
    return jobs


@pytest.fixture
def recorded_renders(fake_renderer, monkeypatch):
    """The renderer's calls with the thread each ran on and whether a web request was still open."""
    from documents import rendering

    calls: list[dict] = []
    fake = rendering.render_pdf

    def record(**kwargs):
        calls.append({"thread": threading.current_thread().name, "in_request": _in_request.is_set()})
        return fake(**kwargs)

    monkeypatch.setattr(rendering, "render_pdf", record)
    return calls


_in_request = threading.Event()


def approved(office) -> Document:
    """A correction (更正) approved by the head: a document issued from its own page (issue 19 item 7)."""
    from documents import services

    original = issue(office)
    document = services.document_correct(document=original, by=office.investigator, reason="案由写错")
    step = services.document_transition
    step(document=document, name="submit_for_review", by=office.investigator)
    step(document=document, name="approve_review", by=office.legal)
    step(document=document, name="approve", by=office.head)
    return document


def post_issue(client, office, document, django_capture_on_commit_callbacks):
    client.force_login(office.head)
    _in_request.set()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(
                reverse("documents:step", args=[document.pk, "issue"]), {"expected_state": "approved"}
            )
    finally:
        _in_request.clear()
    return answer


def test_issuing_from_the_page_answers_before_the_pdf_is_rendered(
    client, office, linked, worker, recorded_renders, django_capture_on_commit_callbacks
):
    document = approved(office)
    answer = post_issue(client, office, document, django_capture_on_commit_callbacks)

    assert answer.status_code == 302
    # Nothing rendered while the request ran: the render waits for the worker, queued in the outbox.
    assert recorded_renders == []
    document.refresh_from_db()
    assert document.state == "issued" and document.render_state == RenderState.PENDING
    message = OutboxMessage.objects.get(idempotency_key=f"{RENDER_TOPIC}:{document.pk}")
    assert message.state == OutboxState.PENDING
    assert len(worker) == 1

    # The worker's turn: the relay it was handed delivers the render, once.
    func, args = worker.pop()
    func(*args)
    assert recorded_renders == [{"thread": threading.current_thread().name, "in_request": False}]
    document.refresh_from_db()
    message.refresh_from_db()
    assert document.render_state == RenderState.DONE and document.file
    assert message.state == OutboxState.DONE


def test_commands_and_tests_keep_the_eager_relay_in_their_own_thread(
    client, office, linked, settings, recorded_renders, django_capture_on_commit_callbacks, monkeypatch
):
    # Out of a web server (seed_demo, the ticker) the effect is done when the call returns.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.delattr(settings, "OUTBOX_EAGER_BACKGROUND", raising=False)
    monkeypatch.setattr("sys.argv", ["manage.py", "seed_demo"])
    assert background.enabled() is False
    document = approved(office)
    post_issue(client, office, document, django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert document.render_state == RenderState.DONE and len(recorded_renders) == 1


@pytest.mark.parametrize(
    ("argv", "eager", "expected"),
    [
        (["manage.py", "runserver", "127.0.0.1:8000"], True, True),
        (["/srv/.venv/bin/gunicorn", "config.wsgi"], True, True),
        (["manage.py", "run_ticker"], True, False),
        (["manage.py", "runserver"], False, False),  # a broker: the worker process renders
    ],
)
def test_the_embedded_worker_serves_web_processes_only(settings, monkeypatch, argv, eager, expected):
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    monkeypatch.delattr(settings, "OUTBOX_EAGER_BACKGROUND", raising=False)
    monkeypatch.setattr("sys.argv", argv)
    assert background.enabled() is expected


def test_the_worker_thread_runs_a_job_off_the_calling_thread_and_closes_its_connections(monkeypatch):
    closed: list[str] = []
    monkeypatch.setattr(background.connections, "close_all", lambda: closed.append("closed"))
    ran_on: list[str] = []
    background.submit(lambda: ran_on.append(threading.current_thread().name)).result(timeout=10)
    background.wait()
    assert ran_on and ran_on[0] != threading.current_thread().name
    assert ran_on[0].startswith("lianban-worker")
    assert closed  # the job's connections are not left to the idle thread


def test_a_failing_job_is_logged_and_the_worker_goes_on(monkeypatch, caplog):
    monkeypatch.setattr(background.connections, "close_all", lambda: None)

    def boom():
        raise RuntimeError("the volume is gone")

    background.submit(boom).result(timeout=10)
    after = background.submit(lambda: "still here")
    assert after.result(timeout=10) is None  # _run returns nothing; it ran without raising
    assert "Background job" in caplog.text and "the volume is gone" in caplog.text


# --- the polling fragment ------------------------------------------------------------------------


def test_the_render_state_fragment_answers_pending_then_done(
    client, office, linked, worker, recorded_renders, django_capture_on_commit_callbacks
):
    document = approved(office)
    post_issue(client, office, document, django_capture_on_commit_callbacks)
    url = reverse("documents:render-state", args=[document.pk])

    pending = client.get(url)
    assert pending.status_code == 200 and pending["Cache-Control"] == "no-store"
    body = pending.content.decode()
    # Polls itself while pending, and says what it waits for.
    assert f'hx-get="{url}"' in body and 'hx-trigger="every 1s"' in body
    assert "<progress" in body and reverse("documents:download", args=[document.pk]) not in body

    func, args = worker.pop()
    func(*args)
    done = client.get(url).content.decode()
    assert reverse("documents:download", args=[document.pk]) in done
    assert "hx-get" not in done and "<progress" not in done  # polling stops with the answer


def test_the_render_state_fragment_is_404_out_of_sight_and_for_a_draft(
    client, office, linked, worker, recorded_renders, qinghai_investigator, django_capture_on_commit_callbacks
):
    document = approved(office)
    post_issue(client, office, document, django_capture_on_commit_callbacks)
    url = reverse("documents:render-state", args=[document.pk])
    client.force_login(qinghai_investigator)
    assert client.get(url).status_code == 404
    assert client.get(reverse("documents:render-state", args=[document.pk + 1000])).status_code == 404
    # A draft has no PDF to wait for, even for the officer who drafted it.
    client.force_login(office.investigator)
    assert client.get(reverse("documents:render-state", args=[draft(office).pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_render_state_fragment_reads_few_queries(
    client,
    office,
    linked,
    worker,
    recorded_renders,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    document = approved(office)
    post_issue(client, office, document, django_capture_on_commit_callbacks)
    url = reverse("documents:render-state", args=[document.pk])
    client.get(url)
    # Polled every second by every page open on a rendering document: session, user, document, the
    # user's memberships, and nothing per recipient or per link.
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200
