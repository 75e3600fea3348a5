"""A request for 勘验、检查、讯问、询问 carries the case's 立案决定书 (MPS-2020 art 347 ¶2).

The system issued it when the case was filed (MPS-2020 art 178, cases.filing), so the request
carries that document, not a scan of it; a case filed on paper before the system still uploads one.
Rendered with the real renderer (Celery is eager in tests; the outbox delivers on commit).
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import filing
from cases.assistance import services
from cases.assistance.models import Defect, RequestDocument
from cases.assistance.steps import FILING_NEED
from cases.assistance_kinds import AssistanceKind, DocumentSource, DocumentType
from cases.models import Case, CaseState
from core.exceptions import Conflict
from core.models import AuditEvent
from core.steps import Availability, check_transition
from tests.support.api import assert_error, token_client
from tests.support.factories.assistance import attach_all, draft_request, scan, walk
from tests.support.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db

FILING_DECISION = DocumentType.CASE_FILING_DECISION
BASE = "/api/v1/assistance-requests/"
# The letter is issued on approval; the filing decision comes from the case.
BY_HAND = [DocumentType.ASSISTANCE_LETTER, FILING_DECISION]


def _filed_case(cast, django_capture_on_commit_callbacks, *, case=None) -> Case:
    """File a registered case of the requesting unit through the system (MPS-2020 art 178)."""
    case = case or CaseFactory(state=CaseState.REGISTERED)
    with django_capture_on_commit_callbacks(execute=True):
        filing.filing_request(case=case, by=cast.investigator, reasons="有犯罪事实，需要追究刑事责任。")
        filing.filing_approve(case=case, by=cast.unit_head)
    return Case.objects.select_related("filing_decision").get(pk=case.pk)


def _current(request) -> RequestDocument | None:
    return next((doc for doc in request.current_documents() if doc.document_type == FILING_DECISION), None)


def _sent(cast, request, django_capture_on_commit_callbacks):
    attach_all(cast.investigator, request, skip=BY_HAND)
    with django_capture_on_commit_callbacks(execute=True):
        return walk(request, cast, "sent")


def _login(user, password) -> Client:
    client = Client()
    assert client.login(username=user.username, password=password)
    return client


def test_a_request_drafted_on_a_filed_case_carries_its_filing_decision_mps_2020_art_347_2(
    cast, django_capture_on_commit_callbacks
):
    case = _filed_case(cast, django_capture_on_commit_callbacks)
    decision = case.filing_decision
    request = draft_request(cast.investigator, case=case, kind=AssistanceKind.INTERROGATION)

    attached = _current(request)
    assert attached is not None
    assert attached.source == DocumentSource.GENERATED
    assert attached.generated_document_id == decision.pk
    assert attached.number == decision.number
    assert all(spec.type != FILING_DECISION for spec in request.missing_documents())
    event = AuditEvent.objects.get(action="assistance.requestdocument.generated", target_id=str(request.pk))
    assert event.payload["generated_document"] == decision.pk
    assert event.payload["document_type"] == FILING_DECISION
    # Attached once: approving and sending find it there.
    request = _sent(cast, request, django_capture_on_commit_callbacks)
    assert request.state == "sent"
    assert request.documents.filter(document_type=FILING_DECISION).count() == 1
    assert _current(request).generated_document_id == decision.pk


def test_the_page_lists_the_filing_decision_once_present_not_missing_mps_2020_art_347_2(
    cast, password, django_capture_on_commit_callbacks
):
    case = _filed_case(cast, django_capture_on_commit_callbacks)
    request = draft_request(cast.investigator, case=case, kind=AssistanceKind.INSPECTION)
    attach_all(cast.investigator, request, skip=BY_HAND)
    with django_capture_on_commit_callbacks(execute=True):
        request = walk(request, cast, "approved")

    page = _login(cast.investigator, password).get(reverse("assistance:detail", args=[request.pk]))
    assert page.status_code == 200
    rows = [row for row in page.context["documents"] if row["spec"].type == FILING_DECISION]
    assert len(rows) == 1 and rows[0]["state"] == "present"
    assert rows[0]["document"].generated_document_id == case.filing_decision_id
    html = page.content.decode()
    assert html.count(case.filing_decision.number) == 1
    assert reverse("documents:download", args=[case.filing_decision_id]) in html
    send = next(offer for offer in page.context["offers"] if offer.name == "send")
    assert send.check.available, send.check.reasons


def test_the_requested_unit_opens_the_filing_decision_through_the_request_an_outsider_gets_404(
    cast, kunming_intake_officer, qinghai_investigator, password, django_capture_on_commit_callbacks
):
    """MPS-2020 art 347 ¶2: the 立案决定书 goes to the requested unit with the request, to no one else."""
    case = _filed_case(cast, django_capture_on_commit_callbacks)
    decision = case.filing_decision
    assert decision.render_state == "done"
    request = draft_request(cast.investigator, case=case, kind=AssistanceKind.INTERVIEW)
    attached = _current(request)
    download = reverse("documents:download", args=[decision.pk])
    via_request = reverse("assistance:document", args=[request.pk, attached.pk])
    via_api = f"{BASE}{request.pk}/documents/{attached.pk}/file/"

    # Not sent yet: the requested unit has nothing of the case.
    intake = _login(kunming_intake_officer, password)
    assert intake.get(download).status_code == 404
    assert intake.get(via_request).status_code == 404

    request = _sent(cast, request, django_capture_on_commit_callbacks)
    page = intake.get(reverse("assistance:detail", args=[request.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert decision.number in html and download in html and decision.verification_code in html
    for url in (download, via_request):
        response = intake.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    api = token_client(kunming_intake_officer)
    assert api.get(via_api).status_code == 200
    rows = {row["document_type"]: row for row in api.get(f"{BASE}{request.pk}/").json()["required_documents"]}
    assert rows[FILING_DECISION]["document"]["generated_document_id"] == decision.pk

    outsider = _login(qinghai_investigator, password)
    for url in (download, via_request, reverse("assistance:detail", args=[request.pk])):
        assert outsider.get(url).status_code == 404, url
    outsider_api = token_client(qinghai_investigator)
    assert_error(outsider_api.get(via_api), 404, "not_found")
    assert_error(outsider_api.get(f"/api/v1/documents/{decision.pk}/"), 404, "not_found")
    assert outsider_api.get(f"/api/v1/documents/{decision.pk}/file/").status_code == 404


def test_on_a_case_not_filed_submitting_says_file_it_first_mps_2020_arts_178_347(
    cast, password, django_capture_on_commit_callbacks
):
    case = CaseFactory(state=CaseState.REGISTERED)
    request = draft_request(cast.investigator, case=case, kind=AssistanceKind.INTERROGATION)
    assert _current(request) is None

    check = check_transition(request, "submit", cast.investigator)
    # The filing first; the scans still to upload follow (the checklist, issue 20).
    assert check.status is Availability.BLOCKED and check.reasons[0] == FILING_NEED.reason
    page = _login(cast.investigator, password).get(reverse("assistance:detail", args=[request.pk]))
    assert "MPS-2020 art 178" in page.content.decode() or "第一百七十八条" in page.content.decode()
    with pytest.raises(Conflict):
        services.request_transition(by=cast.investigator, request=request, name="submit")
    api = token_client(cast.investigator)
    refused = api.post(f"{BASE}{request.pk}/transitions/submit/", {}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["current_state"]) == ("step_blocked", "draft")
    assert "立案" in body["message"] and "347" in body["message"]

    # Filed meanwhile: submitting is open, and the approval attaches the decision it issued.
    case = _filed_case(cast, django_capture_on_commit_callbacks, case=case)
    request.refresh_from_db()
    attach_all(cast.investigator, request, skip=BY_HAND)
    services.request_transition(by=cast.investigator, request=request, name="submit")
    assert _current(request) is None
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_transition(by=cast.department_head, request=request, name="approve")
    assert _current(request).generated_document_id == case.filing_decision_id
    assert services.request_transition(by=cast.investigator, request=request, name="send").state == "sent"


def test_a_case_filed_on_paper_uploads_its_filing_decision_mps_2020_art_347_2(cast):
    """A case filed before the system has no issued 立案决定书: the scan is the fallback, as before."""
    case = CaseFactory(state=CaseState.REGISTERED)
    request = draft_request(cast.investigator, case=case, kind=AssistanceKind.LINE_UP)
    attach_all(cast.investigator, request, skip=[DocumentType.ASSISTANCE_LETTER])
    # The scan answers the need though the case is not filed in the system.
    assert check_transition(request, "submit", cast.investigator).status is Availability.AVAILABLE
    assert _current(request).source == DocumentSource.UPLOADED

    # Filed in the system's records (filed_at) with no decision issued here: the scan is asked for.
    paper = draft_request(cast.investigator, kind=AssistanceKind.INTERROGATION)
    assert paper.case.is_filed and paper.case.filing_decision_id is None
    # Submitting waits for the scans (issue 20), but not for the filing: the case is filed.
    assert FILING_NEED.reason not in check_transition(paper, "submit", cast.investigator).reasons
    attach_all(cast.investigator, paper, skip=[DocumentType.ASSISTANCE_LETTER, FILING_DECISION])
    assert check_transition(paper, "submit", cast.investigator).status is Availability.AVAILABLE
    assert FILING_DECISION in {spec.type for spec in paper.missing_documents()}


def test_an_uploaded_scan_stands_when_the_case_is_filed_later_mps_2020_art_347_2(
    cast, django_capture_on_commit_callbacks
):
    case = CaseFactory(state=CaseState.REGISTERED)
    request = draft_request(cast.investigator, case=case, kind=AssistanceKind.INTERROGATION)
    attach_all(cast.investigator, request, skip=[DocumentType.ASSISTANCE_LETTER])
    scan_row = _current(request)
    _filed_case(cast, django_capture_on_commit_callbacks, case=case)
    request = _sent(cast, request, django_capture_on_commit_callbacks)
    assert _current(request).pk == scan_row.pk
    assert not request.documents.filter(generated_document_id__isnull=False, document_type=FILING_DECISION)


def test_a_scan_replaces_the_attached_decision_and_a_returned_one_is_not_attached_again_mps_2020_art_348(
    cast, django_capture_on_commit_callbacks
):
    case = _filed_case(cast, django_capture_on_commit_callbacks)
    request = draft_request(cast.investigator, case=case, kind=AssistanceKind.INTERROGATION)
    request = _sent(cast, request, django_capture_on_commit_callbacks)
    request = walk(request, cast, "received")
    request = services.request_transition(
        by=cast.intake,
        request=request,
        name="return_request",
        reason="立案决定书未盖章",
        fields={"defects": [{"document_type": FILING_DECISION, "defect": Defect.UNSIGNED}]},
    )
    assert request.state == "returned"
    # The requester answers the defect with a copy of its own; the same decision is not attached again.
    services.request_document_upload(
        by=cast.investigator,
        request=request,
        document_type=FILING_DECISION,
        number=case.filing_decision.number,
        issued_on=timezone.localdate() - dt.timedelta(days=1),
        file=scan(),
    )
    request = services.request_transition(by=cast.investigator, request=request, name="resubmit")
    assert request.state == "sent"
    current = _current(request)
    assert current.source == DocumentSource.UPLOADED and not current.defect
    assert request.documents.filter(generated_document_id=case.filing_decision_id).count() == 1
