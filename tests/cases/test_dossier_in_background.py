"""Issue 20 item 4: 生成卷宗 answers at once with its progress; the embedded worker builds the dossier.

In the embedded setup (Celery eager) the build ran on commit inside the request (2.3 s on the demo).
Now the page request hands the outbox relay to the worker thread (core.background), answers the
progress partial, which polls, and the panel posts in place with htmx.
"""

import pytest
from django.urls import reverse

from cases.models import CaseDossier
from core import background
from tests.support.factories.assistance import case_in
from tests.support.personas import Office

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(wuhou_office) -> Office:
    return wuhou_office


@pytest.fixture
def case(office):
    return case_in("510107", created_by=office.investigator)


@pytest.fixture
def worker(settings, monkeypatch):
    """The embedded worker switched on, its jobs held back so the test runs them when it chooses."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.OUTBOX_EAGER_BACKGROUND = True
    jobs: list = []
    monkeypatch.setattr(background, "submit", lambda func, *args: jobs.append((func, args)))
    return jobs


def test_building_the_dossier_answers_its_progress_before_the_build(
    client, office, case, worker, django_capture_on_commit_callbacks
):
    client.force_login(office.investigator)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    # The panel posts in place and its button is guarded against a second post.
    assert f'hx-post="{reverse("cases:dossier-new", args=[case.pk])}"' in page
    assert 'hx-target="#dossier-status"' in page and "js/busy.js" in page

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("cases:dossier-new", args=[case.pk]), HTTP_HX_REQUEST="true")
    assert answer.status_code == 202
    dossier = CaseDossier.objects.get(case=case)
    assert dossier.state == "queued"  # nothing built while the request ran
    body = answer.content.decode()
    assert reverse("cases:dossier-progress", args=[case.pk, dossier.pk]) in body and "<progress" in body
    assert len(worker) == 1

    with django_capture_on_commit_callbacks(execute=True):
        func, args = worker.pop()
        func(*args)
    dossier.refresh_from_db()
    assert dossier.state == "done"
    done = client.get(reverse("cases:dossier-progress", args=[case.pk, dossier.pk])).content.decode()
    assert "hx-get" not in done and reverse("cases:dossier-file", args=[case.pk, dossier.pk]) in done
