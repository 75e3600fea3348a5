"""The approver of an assistance request reads each of its draft forms as a PDF before approving (issue 19).

The request's page links each generated form not yet issued to its draft PDF (documents:preview) for
who may read the draft (the requesting unit's officers who take its steps, its head included); the
preview answers the form as it will be issued, marked 草稿; an officer of an uninvolved province gets 404.
"""

from django.test import Client
from django.urls import reverse

from cases.assistance import services
from cases.assistance.documents_bridge import linked_documents
from cases.assistance_kinds import AssistanceKind, DocumentType
from documents.services import document_update
from tests.support.factories.assistance import attach_all, case_in

GENERATED = {DocumentType.ASSISTANCE_LETTER, DocumentType.PROPERTY_INQUIRY_NOTICE}


def _submitted_inquiry(cast):
    # A property inquiry: its approval is the organ head's (MPS-2020 art 238), not a department head's.
    request = services.request_create(
        by=cast.investigator,
        case=case_in("510107"),
        requested_unit=cast.office(cast.requested).unit,
        kind=AssistanceKind.PROPERTY_INQUIRY,
        matters="协助查询犯罪嫌疑人名下银行账户",
    )
    attach_all(cast.investigator, request, skip=GENERATED)
    # The notice names whose property is asked after: the drafter completes the draft before
    # submitting it (the checklist holds the submission until then, issue 20).
    for document in linked_documents(request):
        if document.spec.missing_fields(document.data):
            document_update(
                document=document, by=cast.investigator, data={**document.data, "subject_name": "罗志勇"}
            )
    return services.request_transition(by=cast.investigator, request=request, name="submit")


def _client(user, password) -> Client:
    client = Client()
    assert client.login(username=user.username, password=password)
    return client


def test_the_head_reads_each_draft_form_as_a_pdf_before_approving(cast, qinghai_investigator, password):
    request = _submitted_inquiry(cast)
    drafts = list(linked_documents(request))
    assert drafts and all(not doc.is_issued for doc in drafts)
    head = _client(cast.unit_head, password)

    page = head.get(reverse("assistance:detail", args=[request.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for document in drafts:
        assert reverse("documents:preview", args=[document.pk]) in html, document.kind
    # The head is the request's approver: the approval is still to give.
    assert reverse("assistance:transition", args=[request.pk, "approve"]) in html

    for document in drafts:
        preview = head.get(reverse("documents:preview", args=[document.pk]))
        assert preview.status_code == 200, document.kind
        assert preview["Content-Type"] == "application/pdf"
        assert preview.content.startswith(b"%PDF")

    outsider = _client(qinghai_investigator, password)
    for document in drafts:
        assert outsider.get(reverse("documents:preview", args=[document.pk])).status_code == 404
    assert (
        reverse("documents:preview", args=[drafts[0].pk])
        not in outsider.get(reverse("assistance:detail", args=[request.pk])).content.decode()
    )


def test_an_issued_form_is_no_longer_offered_as_a_draft(cast, password, django_capture_on_commit_callbacks):
    request = _submitted_inquiry(cast)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_transition(by=cast.unit_head, request=request, name="approve")
    issued = [doc for doc in linked_documents(request) if doc.is_issued]
    assert issued
    html = (
        _client(cast.unit_head, password)
        .get(reverse("assistance:detail", args=[request.pk]))
        .content.decode()
    )
    for document in issued:
        assert reverse("documents:preview", args=[document.pk]) not in html
