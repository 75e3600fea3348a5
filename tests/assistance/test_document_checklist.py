"""The documents of a request are a checklist from the first draft (issue 20 item 2; MPS-2020 art 347).

Submitting and approving wait, disabled with the document named, until every required document is
ready: its scan attached, or its generated form drafted in full (the approval issues it). The page
lists each document once, with one state; a missing scan is uploaded in its own row. An officer of the
requested unit who may only dispute sees first the step that moves the request on, disabled with
whose turn it is.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.assistance import services
from cases.assistance.models import RequestState
from cases.assistance.steps import REQUEST_MACHINE
from cases.assistance_kinds import AssistanceKind, DocumentType
from core.exceptions import Conflict
from core.steps import Availability, check_transition
from tests.support.factories.assistance import attach_all, case_in, draft_request, scan, walk

pytestmark = pytest.mark.django_db


def _client(user, password) -> Client:
    client = Client()
    assert client.login(username=user.username, password=password)
    return client


def _identity_check(cast):
    # An identity check carries the 办案协作函 (generated) and the police ID copies (a scan).
    return draft_request(cast.investigator, kind=AssistanceKind.IDENTITY_CHECK)


def _documents_section(html: str) -> str:
    return html.split('id="documents"', 1)[1].split("</section>", 1)[0]


def test_submit_waits_for_the_scans_with_the_document_named(cast, password):
    request = _identity_check(cast)
    check = check_transition(request, "submit", cast.investigator)
    assert check.status is Availability.BLOCKED
    assert any("人民警察证复印件" in str(reason) for reason in check.reasons), check.reasons
    # The service path refuses it too (the API's 409), not only the page.
    with pytest.raises(Conflict):
        services.request_transition(by=cast.investigator, request=request, name="submit")

    html = _client(cast.investigator, password).get(reverse("assistance:detail", args=[request.pk])).text
    submit = html.split(f'action="/assistance-requests/{request.pk}/transitions/submit/"', 1)[1].split(
        "</form>", 1
    )[0]
    assert "disabled" in submit and "请先上传扫描件" in submit

    attach_all(cast.investigator, request, skip={DocumentType.ASSISTANCE_LETTER})
    assert check_transition(request, "submit", cast.investigator).available
    request = services.request_transition(by=cast.investigator, request=request, name="submit")
    assert request.state == RequestState.AWAITING_APPROVAL


def test_approve_waits_for_the_documents_too(cast):
    request = _identity_check(cast)
    attach_all(cast.investigator, request, skip={DocumentType.ASSISTANCE_LETTER})
    request = services.request_transition(by=cast.investigator, request=request, name="submit")
    # The scan is replaced by a defective one's absence: drop it and the approval waits.
    request.documents.filter(document_type=DocumentType.POLICE_ID_COPY).delete()
    approver = cast.department_head
    check = check_transition(request, "approve", approver)
    assert check.status is Availability.BLOCKED
    assert any("人民警察证复印件" in str(reason) for reason in check.reasons)


def test_each_document_is_listed_once_with_one_state_and_a_missing_scan_uploads_in_its_row(cast, password):
    request = _identity_check(cast)
    client = _client(cast.investigator, password)
    section = _documents_section(client.get(reverse("assistance:detail", args=[request.pk])).text)

    letter = section.split('id="document-assistance_letter"', 1)[1].split("</li>", 1)[0]
    assert "已起草，审批通过后签发" in letter and "缺失" not in letter
    assert "Forms drafted from this request" not in section and "根据本请求起草的文书" not in section
    checklist = section.split('<ul class="person-list checklist">', 1)[1].split("</ul>", 1)[0]
    assert checklist.count("办案协作函") == 1

    copies = section.split('id="document-police_id_copy"', 1)[1].split("</li>", 1)[0]
    assert "缺失" in copies
    assert re.search(r'<input type="hidden" name="document_type" value="police_id_copy">', copies)

    response = client.post(
        reverse("assistance:document-upload", args=[request.pk]),
        {
            "document_type": "police_id_copy",
            "number": "警号031245",
            "issued_on": "2026-04-20",
            "file": scan(),
        },
    )
    assert response.status_code == 302
    section = _documents_section(client.get(reverse("assistance:detail", args=[request.pk])).text)
    copies = section.split('id="document-police_id_copy"', 1)[1].split("</li>", 1)[0]
    assert "已附" in copies and "缺失" not in copies
    assert check_transition(request, "submit", cast.investigator).available


def test_a_generated_form_missing_a_field_holds_the_submission(cast):
    # A freeze's notice needs the amount and the period, which the request does not supply.
    request = draft_request(cast.investigator, kind=AssistanceKind.FREEZING)
    attach_all(
        cast.investigator, request, skip={DocumentType.ASSISTANCE_LETTER, DocumentType.PROPERTY_FREEZE_NOTICE}
    )
    check = check_transition(request, "submit", cast.investigator)
    assert check.status is Availability.BLOCKED
    assert any("协助冻结财产通知书" in str(reason) and "补全草稿" in str(reason) for reason in check.reasons)


def test_one_who_may_only_dispute_sees_first_whose_turn_the_next_step_is(cast, password):
    request = walk(
        draft_request(cast.investigator, kind=AssistanceKind.IDENTITY_CHECK, case=case_in()), cast, "accepted"
    )
    head = cast.requested_head
    offers = REQUEST_MACHINE.offers(request, head)
    assert [offer.name for offer in offers][:1] == ["route"], [offer.name for offer in offers]
    assert not offers[0].enabled and "归口接收" in str(offers[0].reasons[0])
    assert all(offer.step.emphasis != "danger" for offer in offers[:1])

    html = _client(head, password).get(reverse("assistance:detail", args=[request.pk])).text
    panel = html.split('id="next-steps"', 1)[1].split("</section>", 1)[0]
    assert panel.index("/transitions/route/") < panel.index("/transitions/dispute/")
    # The intake officer, whose turn it is, has the step enabled and first.
    intake_offers = REQUEST_MACHINE.offers(request, cast.intake)
    assert intake_offers[0].name == "route" and intake_offers[0].enabled
