"""Result files: the assignee attaches them from the page or the API, and downloads are audited."""

from django.utils import timezone

from cases.assistance.models import AssistanceRequest, RequestDocument
from core.models import AuditEvent
from tests.support.api import assert_error, token_client
from tests.support.factories.assistance import draft_request, scan, walk
from tests.support.pages import flash_messages, page_client
from tests.support.personas import Cast

BASE = "/api/v1/assistance-requests/"


def test_assignee_attaches_result_files_from_the_page_and_downloads_are_audited(db, qinghai_investigator):
    cast = Cast()
    request = walk(draft_request(cast.investigator), cast, "in_progress")
    officer = page_client(cast.officer)
    page = officer.get(f"/assistance-requests/{request.pk}/").content.decode()
    assert 'name="document_type" value="result"' in page
    response = officer.post(
        f"/assistance-requests/{request.pk}/documents/",
        {
            "document_type": "result",
            "number": "银行流水（三份）",
            "issued_on": timezone.localdate().isoformat(),
            "file": scan(),
        },
    )
    assert response.status_code == 302
    document = RequestDocument.objects.get(request=request, document_type="result")
    assert document.uploaded_by == cast.officer
    bad = officer.post(
        f"/assistance-requests/{request.pk}/documents/",
        {
            "document_type": "result",
            "number": "x",
            "issued_on": "2026-01-05",
            "file": scan().__class__("x.pdf", b"MZ...", content_type="application/pdf"),
        },
        follow=True,
    )
    assert flash_messages(bad)
    assert RequestDocument.objects.filter(request=request, document_type="result").count() == 1
    # The requester does not attach results.
    requester = page_client(cast.investigator)
    requester.post(
        f"/assistance-requests/{request.pk}/documents/",
        {"document_type": "result", "number": "y", "issued_on": "2026-01-05", "file": scan()},
    )
    assert RequestDocument.objects.filter(request=request, document_type="result").count() == 1
    request = walk(request, cast, "fulfilled")
    page = requester.get(f"/assistance-requests/{request.pk}/").content.decode()
    download_url = f"/assistance-requests/{request.pk}/documents/{document.pk}/"
    assert "银行流水（三份）" in page and download_url in page
    assert 'name="document_type" value="result"' not in page
    download = requester.get(download_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="assistance.requestdocument.download", actor_id=cast.investigator.pk, target_id=str(request.pk)
    ).exists()
    assert page_client(qinghai_investigator).get(download_url).status_code == 404
    # Once fulfilled, the assignee's page upload is refused and says why.
    late = officer.post(
        f"/assistance-requests/{request.pk}/documents/",
        {"document_type": "result", "number": "z", "issued_on": "2026-01-05", "file": scan()},
        follow=True,
    )
    assert flash_messages(late)
    assert RequestDocument.objects.filter(request=request, document_type="result").count() == 1


def test_result_files_through_the_api(db, qinghai_investigator):
    cast = Cast()
    request = walk(draft_request(cast.investigator), cast, "in_progress")
    url = f"{BASE}{request.pk}/documents/"

    def upload(user):
        return token_client(user).post(
            url,
            {"document_type": "result", "number": "笔录", "issued_on": "2026-01-05", "file": scan()},
            format="multipart",
        )

    assert_error(upload(qinghai_investigator), 404, "not_found")
    assert_error(upload(cast.investigator), 403, "permission_denied")
    created = upload(cast.officer)
    assert created.status_code == 201, created.content
    walk(request, cast, "fulfilled")
    late = upload(cast.officer)
    assert late.status_code == 409
    assert late.json()["current_state"] == "fulfilled"
    detail = token_client(cast.investigator).get(f"{BASE}{request.pk}/").json()
    results = [doc for doc in detail["documents"] if doc["document_type"] == "result"]
    assert len(results) == 1
    download = token_client(cast.investigator).get(results[0]["download_url"])
    assert download.status_code == 200
    assert AssistanceRequest.objects.get(pk=request.pk).state == "fulfilled"
