"""Case dossiers: a cover, a table of contents and every issued document of a case, one PDF."""

import datetime
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import cases.assistance.dossier_source  # noqa: F401 - registers the assistance-request source
from cases import dossiers
from cases.models import CaseDossier
from core import periodic
from core.models import AuditEvent
from documents import services as document_services
from tests.support.api import assert_error, token_client
from tests.support.cases import build_dossier
from tests.support.documents import TRANSFER_DATA, issued
from tests.support.factories.assistance import case_in, draft_request
from tests.support.personas import Office


@pytest.fixture
def office(wuhou_office) -> Office:
    return wuhou_office


@pytest.fixture
def case(office):
    return case_in("510107", created_by=office.investigator)


@pytest.fixture
def two_documents(office, case):
    request = draft_request(office.investigator, case=case)
    on_case = issued(office, link_type="cases.case", link_id=case.pk, reason="犯罪地在昆明市五华区")
    on_request = issued(
        office, link_type="assistance.request", link_id=request.pk, reason="嫌疑人居住在昆明市"
    )
    return [on_case, on_request]


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def dossier_files(media_root: Path) -> list[Path]:
    return sorted((media_root / "dossiers").rglob("*.pdf"))


def test_the_dossier_holds_cover_contents_and_every_issued_document(
    office, case, two_documents, django_capture_on_commit_callbacks, media_root
):
    dossier = build_dossier(django_capture_on_commit_callbacks, case, office.investigator)

    assert dossier.state == "done", dossier.error
    assert (dossier.progress, dossier.total, dossier.done_count) == (100, 2, 2)
    files = dossier_files(media_root)
    assert files == [media_root / dossier.file.name]
    for document in two_documents:
        document.refresh_from_db()
        assert document.render_state == "done"
    front = dossier.pages - sum(document.pages for document in two_documents)
    assert front >= 2  # the cover page and at least one page of contents
    assert pdf_pages(files[0]) == dossier.pages
    text = subprocess.run(
        ["pdftotext", str(files[0]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert case.name in text
    assert "卷内文书目录" in text
    for document in two_documents:
        assert text.count(document.number) >= 2  # in the contents and on the document itself
    assert AuditEvent.objects.filter(action="cases.dossier.request").count() == 1


def test_a_draft_or_a_document_of_another_case_stays_out(
    office, case, two_documents, django_capture_on_commit_callbacks
):
    other = case_in("510107", created_by=office.investigator)
    issued(office, link_type="cases.case", link_id=other.pk, reason="另案文书")
    document_services.document_draft(
        kind="case_transfer_notice",
        issuing_unit=office.unit,
        by=office.investigator,
        data=TRANSFER_DATA,
        link_target_type="cases.case",
        link_target_id=case.pk,
    )
    assert [d.pk for d in dossiers.case_documents(case, office.investigator)] == [d.pk for d in two_documents]


def test_a_retried_build_leaves_one_file(
    office, case, two_documents, django_capture_on_commit_callbacks, media_root
):
    dossier = build_dossier(django_capture_on_commit_callbacks, case, office.investigator)
    first = dossier.file.name
    # A worker lost after writing the file but before recording it: the row still says building, and
    # its clock has stood still since.
    CaseDossier.objects.filter(pk=dossier.pk).update(
        state="building", progress=50, file="", sha256="", updated_at=stale_time()
    )
    assert dossiers.dossier_build(dossier.pk) == "done"
    assert dossiers.dossier_build(dossier.pk) == "done"  # a finished dossier is left alone
    dossier.refresh_from_db()
    assert dossier.state == "done" and dossier.progress == 100 and dossier.file.name == first
    assert dossier_files(media_root) == [media_root / first]


def stale_time():
    return timezone.now() - datetime.timedelta(seconds=dossiers.STALE_AFTER_SECONDS + 1)


def test_a_build_does_not_start_while_another_one_is_advancing(office, case, two_documents):
    dossier = CaseDossier.objects.create(case=case, requested_by=office.investigator, state="building")
    assert dossiers.dossier_build(dossier.pk) == "busy"
    dossier.refresh_from_db()
    assert dossier.state == "building" and not dossier.file


def test_stale_dossiers_are_handed_to_celery_again_once_the_broker_answers(
    office, case, two_documents, monkeypatch, media_root
):
    # A broker that was down when the outbox handed the build over left the dossier queued.
    lost = CaseDossier.objects.create(case=case, requested_by=office.investigator, updated_at=stale_time())
    fresh = CaseDossier.objects.create(case=case, requested_by=office.investigator)
    calls = []

    def broker_down(dossier_id):
        calls.append(dossier_id)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(dossiers.build_dossier_task, "delay", broker_down)
    assert dossiers.dossier_requeue_stale() == 0
    assert calls == [lost.pk]
    lost.refresh_from_db()
    assert lost.state == "queued"

    monkeypatch.undo()  # the broker is back; Celery runs eagerly in tests
    assert dossiers.dossier_requeue_stale() == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.state == "done" and lost.file
    assert fresh.state == "queued"  # not stale yet: its own hand-over may still be on its way
    assert dossiers.dossier_requeue_stale() == 0  # a finished dossier is never queued again
    assert "cases.dossier_requeue" in [job.name for job in periodic.jobs()]


def test_progress_is_written_after_each_document(office, case, two_documents, monkeypatch):
    dossier = CaseDossier.objects.create(case=case, requested_by=office.investigator)
    seen = []
    original = dossiers._save_progress

    def record(dossier_id, **fields):
        original(dossier_id, **fields)
        seen.append(CaseDossier.objects.values_list("done_count", "progress").get(pk=dossier_id))

    monkeypatch.setattr(dossiers, "_save_progress", record)
    assert dossiers.dossier_build(dossier.pk) == "done"
    assert seen == [(0, 0), (1, 33), (2, 66)]
    dossier.refresh_from_db()
    assert dossier.progress == 100


def test_the_page_offers_the_build_polls_the_progress_and_downloads(
    client, office, case, two_documents, django_capture_on_commit_callbacks
):
    client.force_login(office.investigator)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:dossier-new", args=[case.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:dossier-new", args=[case.pk]))
    assert response.status_code == 302
    dossier = CaseDossier.objects.get(case=case)
    assert dossier.state == "done"

    progress = client.get(reverse("cases:dossier-progress", args=[case.pk, dossier.pk])).content.decode()
    assert "hx-get" not in progress  # finished: the partial stops polling
    assert reverse("cases:dossier-file", args=[case.pk, dossier.pk]) in progress

    download = client.get(reverse("cases:dossier-file", args=[case.pk, dossier.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="cases.dossier.download").count() == 1


def test_the_partial_polls_with_a_progress_element_while_building(client, office, case):
    dossier = CaseDossier.objects.create(
        case=case, requested_by=office.investigator, state="building", progress=40, total=3, done_count=1
    )
    client.force_login(office.investigator)
    body = client.get(reverse("cases:dossier-progress", args=[case.pk, dossier.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert reverse("cases:dossier-progress", args=[case.pk, dossier.pk]) in body
    assert '<progress id="dossier-progress-bar" value="40" max="100">' in body
    assert "style=" not in body


def test_the_progress_partial_costs_the_same_queries_whatever_the_progress(client, office, case):
    client.force_login(office.investigator)
    counts = []
    for state, progress in (("queued", 0), ("building", 50), ("done", 100)):
        dossier = CaseDossier.objects.create(
            case=case, requested_by=office.investigator, state=state, progress=progress, total=20
        )
        url = reverse("cases:dossier-progress", args=[case.pk, dossier.pk])
        client.get(url)  # warm the session and the user's memberships
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


def test_the_api_queues_and_reports_the_dossier(
    client, office, case, two_documents, django_capture_on_commit_callbacks
):
    client.force_login(office.investigator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api:case-dossier-create", args=[case.pk]))
    assert response.status_code == 202
    dossier_id = response.json()["id"]
    detail = client.get(reverse("api:case-dossier-detail", args=[case.pk, dossier_id])).json()
    assert detail["state"] == "done" and detail["progress"] == 100 and detail["total"] == 2
    download = client.get(detail["file_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_an_uninvolved_investigator_gets_404_everywhere(
    client, office, case, qinghai_investigator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossiers.dossier_request(case=case, by=office.investigator)
    client.force_login(qinghai_investigator)
    args = [case.pk, dossier.pk]
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("cases:dossier-new", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:dossier-progress", args=args)).status_code == 404
    assert client.get(reverse("cases:dossier-file", args=args)).status_code == 404
    api = token_client(qinghai_investigator)
    assert_error(api.post(reverse("api:case-dossier-create", args=[case.pk])), 404, "not_found")
    assert_error(api.get(reverse("api:case-dossier-detail", args=args)), 404, "not_found")
    assert_error(api.get(reverse("api:case-dossier-file", args=args)), 404, "not_found")
    assert CaseDossier.objects.filter(case=case).count() == 1


def test_another_officer_of_the_case_does_not_see_someone_elses_dossier(
    client, office, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossiers.dossier_request(case=case, by=office.investigator)
    client.force_login(office.head)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("cases:dossier-file", args=[case.pk, dossier.pk])).status_code == 404
