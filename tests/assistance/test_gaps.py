"""Editing a draft or returned request, renewing a freeze before expiry, result files on the page."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import AssistanceRequest, PropertyMeasure, RequestDocument
from cases.assistance_kinds import AssistanceKind, DocumentType
from cases.models import CasePerson
from core.models import AuditEvent, DeadlineState
from core.workflow import timeline_for
from organisation.models import Role
from tests.support.api import assert_error, token_client
from tests.support.factories.assistance import case_in, draft_request, scan, walk
from tests.support.factories.organisation import member
from tests.support.personas import Cast

BASE = "/api/v1/assistance-requests/"


def _page_client(user):
    client = token_client(user)
    client.force_login(user)
    return client


def _returned(cast):
    request = walk(draft_request(cast.investigator), cast, "received")
    return services.request_transition(
        by=cast.intake,
        request_id=request.pk,
        name="return_request",
        reason="立案决定书未签章",
        fields={"defects": [{"document_type": DocumentType.CASE_FILING_DECISION, "defect": "unsigned"}]},
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- 1. editing a draft or a returned request ----------------------------------------------------


def test_requester_edits_a_draft_through_the_api_audited_with_a_timeline_row(cast):
    case = case_in("510107")
    suspect = CasePerson.objects.create(case=case, role="suspect", name="张三")
    request = draft_request(cast.investigator, case=case)
    client = token_client(cast.investigator)
    response = client.patch(
        f"{BASE}{request.pk}/",
        {
            "kind": "identity_check",
            "urgency": "urgent",
            "requested_unit": "520100",
            "subjects": [suspect.pk],
            "matters": "核查张三身份及前科",
            "legal_basis": "《公安机关办理刑事案件程序规定》第三百四十六条",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "identity_check"
    assert body["urgency"] == "urgent"
    assert body["requested_unit"]["code"] == "520100"
    assert body["subjects"] == ["张三"]
    assert body["matters"] == "核查张三身份及前科"
    assert body["state"] == "draft"
    # The required documents follow the new kind.
    required = {row["document_type"] for row in body["required_documents"]}
    assert "evidence_call_notice" not in required
    event = AuditEvent.objects.get(target_id=str(request.pk), action="assistance.assistancerequest.update")
    assert event.payload["changes"]["requested_unit"] == ["530100", "520100"]
    assert event.payload["changes"]["subjects"] == [[], ["张三"]]
    assert [entry.action for entry in timeline_for(request)][-1] == "update"
    # Leaving fields out keeps them; a PATCH that changes nothing writes nothing.
    again = client.patch(f"{BASE}{request.pk}/", {"urgency": "urgent"}, format="json")
    assert again.status_code == 200
    assert again.json()["matters"] == "核查张三身份及前科"
    assert AuditEvent.objects.filter(action="assistance.assistancerequest.update").count() == 1


def test_edit_refuses_bad_input_with_field_errors(cast):
    request = draft_request(cast.investigator)
    client = token_client(cast.investigator)
    assert_error(
        client.patch(f"{BASE}{request.pk}/", {"requested_unit": "510107"}, format="json"), 400, "invalid"
    )
    assert_error(
        client.patch(f"{BASE}{request.pk}/", {"requested_unit": "999999"}, format="json"), 400, "invalid"
    )
    assert_error(client.patch(f"{BASE}{request.pk}/", {"kind": "bribe"}, format="json"), 400, "invalid")
    assert_error(client.patch(f"{BASE}{request.pk}/", {"matters": "  "}, format="json"), 400, "invalid")
    elsewhere = CasePerson.objects.create(case=case_in("510107"), role="suspect", name="李四")
    assert_error(
        client.patch(f"{BASE}{request.pk}/", {"subjects": [elsewhere.pk]}, format="json"), 400, "invalid"
    )
    request.refresh_from_db()
    assert request.requested_unit.code == "530100"
    assert request.kind == AssistanceKind.EVIDENCE_COLLECTION


def test_returned_request_edits_keep_its_kind_and_requested_unit(cast):
    request = _returned(cast)
    client = token_client(cast.investigator)
    kind = client.patch(f"{BASE}{request.pk}/", {"kind": "identity_check"}, format="json")
    assert_error(kind, 400, "invalid")
    assert "kind" in kind.json()["fields"]
    unit = client.patch(f"{BASE}{request.pk}/", {"requested_unit": "520100"}, format="json")
    assert "requested_unit" in unit.json()["fields"]
    ok = client.patch(f"{BASE}{request.pk}/", {"matters": "调取受害人银行流水（补正）"}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == "returned"
    assert ok.json()["matters"] == "调取受害人银行流水（补正）"


def test_edit_is_404_for_the_uninvolved_403_for_others_409_once_sent(cast, qinghai_investigator):
    request = _returned(cast)
    assert_error(
        token_client(qinghai_investigator).patch(f"{BASE}{request.pk}/", {"matters": "x"}, format="json"),
        404,
        "not_found",
    )
    # The requested unit sees the returned request but may not edit it.
    assert_error(
        token_client(cast.intake).patch(f"{BASE}{request.pk}/", {"matters": "x"}, format="json"),
        403,
        "permission_denied",
    )
    services.request_document_upload(
        by=cast.investigator,
        request=request,
        document_type=DocumentType.CASE_FILING_DECISION,
        number="武公立字〔2026〕2号",
        issued_on=timezone.localdate(),
        file=scan(),
    )
    request = services.request_transition(by=cast.investigator, request_id=request.pk, name="resubmit")
    conflict = token_client(cast.investigator).patch(f"{BASE}{request.pk}/", {"matters": "x"}, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["current_state"] == "sent"
    request.refresh_from_db()
    assert request.matters != "x"


def test_edit_page_for_the_requester(cast, qinghai_investigator):
    case = case_in("510107")
    suspect = CasePerson.objects.create(case=case, role="suspect", name="王五")
    request = draft_request(cast.investigator, case=case)
    client = _page_client(cast.investigator)
    detail = client.get(f"/assistance-requests/{request.pk}/").content.decode()
    assert f"/assistance-requests/{request.pk}/edit/" in detail
    form = client.get(f"/assistance-requests/{request.pk}/edit/")
    assert form.status_code == 200
    assert "王五" in form.content.decode()
    response = client.post(
        f"/assistance-requests/{request.pk}/edit/",
        {
            "kind": "evidence_collection",
            "urgency": "extra_urgent",
            "requested_unit": "530100",
            "subjects": [suspect.pk],
            "matters": "调取王五的通话记录",
            "legal_basis": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    request.refresh_from_db()
    assert request.urgency == "extra_urgent"
    assert request.matters == "调取王五的通话记录"
    assert list(request.subjects.all()) == [suspect]
    bad = client.post(
        f"/assistance-requests/{request.pk}/edit/",
        {"kind": "evidence_collection", "urgency": "normal", "requested_unit": "510107", "matters": "x"},
    )
    assert bad.status_code == 400
    request.refresh_from_db()
    assert request.requested_unit.code == "530100"
    assert (
        _page_client(qinghai_investigator).get(f"/assistance-requests/{request.pk}/edit/").status_code == 404
    )
    other_unit_head = member("510107", Role.LEGAL_OFFICER, username="legal_510107")
    assert _page_client(other_unit_head).get(f"/assistance-requests/{request.pk}/edit/").status_code == 403
    walk(request, cast, "approved")
    assert client.get(f"/assistance-requests/{request.pk}/edit/").status_code == 409
    assert client.post(f"/assistance-requests/{request.pk}/edit/", {"matters": "y"}).status_code == 409
    assert (
        f"/assistance-requests/{request.pk}/edit/"
        not in client.get(f"/assistance-requests/{request.pk}/").content.decode()
    )


def test_edit_page_of_a_returned_request_locks_kind_and_unit(cast):
    request = _returned(cast)
    client = _page_client(cast.investigator)
    response = client.post(
        f"/assistance-requests/{request.pk}/edit/",
        {
            "kind": "identity_check",
            "urgency": "normal",
            "requested_unit": "520100",
            "matters": "补正后的事项",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    request.refresh_from_db()
    assert request.kind == AssistanceKind.EVIDENCE_COLLECTION
    assert request.requested_unit.code == "530100"
    assert request.matters == "补正后的事项"


# --- 2. renewing a freeze before expiry (art 240) -------------------------------------------------


@pytest.fixture
def freeze(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    measure = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="deposits",
        target="6222 0000 1111",
        institution="工商银行昆明分行",
        starts_on=timezone.localdate() - dt.timedelta(days=170),
    )
    return cast, request, measure


def _measure_deadlines(measure):
    from core import deadline_rows

    return list(deadline_rows.deadlines_for(measure))


def test_renewal_through_the_api_meets_the_old_clock_and_starts_a_new_one(freeze):
    cast, request, old = freeze
    assert [d.state for d in _measure_deadlines(old)] == [DeadlineState.RUNNING]
    client = token_client(cast.investigator)
    url = f"{BASE}{request.pk}/property-measures/{old.pk}/renew/"
    response = client.post(url, {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["renewed_from"] == old.pk
    assert body["starts_on"] == old.expires_on.isoformat()
    assert body["state"] == "in_force"
    new = PropertyMeasure.objects.get(pk=body["id"])
    assert new.expires_on > old.expires_on + dt.timedelta(days=170)
    assert new.renewal_reminder_on is not None and old.expires_on < new.renewal_reminder_on < new.expires_on
    assert (new.target, new.institution, new.kind) == (old.target, old.institution, old.kind)
    old.refresh_from_db()
    assert old.state == "renewed"
    assert [d.state for d in _measure_deadlines(old)] == [DeadlineState.MET]
    assert [d.state for d in _measure_deadlines(new)] == [DeadlineState.RUNNING]
    assert AuditEvent.objects.filter(target_id=str(request.pk), action="assistance.property.renew").exists()
    assert "property_renewed" in [entry.action for entry in timeline_for(request)]
    # The old measure is spent: a second renewal of it lost the race (409); the new one renews on.
    again = client.post(url, {}, format="json")
    assert again.status_code == 409
    assert again.json()["current_state"] == "renewed"
    detail = client.get(f"{BASE}{request.pk}/").json()
    assert {m["state"] for m in detail["property_measures"]} == {"renewed", "in_force"}


def test_renewal_with_another_period_and_its_refusals(freeze, qinghai_investigator):
    cast, request, old = freeze
    url = f"{BASE}{request.pk}/property-measures/{old.pk}/renew/"
    assert_error(token_client(qinghai_investigator).post(url, {}, format="json"), 404, "not_found")
    client = token_client(cast.investigator)
    assert_error(client.post(url, {"kind": "sealed"}, format="json"), 400, "invalid")
    too_late = (old.expires_on + dt.timedelta(days=1)).isoformat()
    assert_error(client.post(url, {"starts_on": too_late}, format="json"), 400, "invalid")
    response = client.post(url, {"kind": "deposits_major"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "deposits_major"
    sealed = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="sealed",
        target="奔驰车 云A12345",
        starts_on=timezone.localdate(),
    )
    no_period = client.post(f"{BASE}{request.pk}/property-measures/{sealed.pk}/renew/", {}, format="json")
    assert_error(no_period, 400, "invalid")
    outsider = member("530100", Role.LEGAL_OFFICER, username="legal_530100")
    assert_error(
        token_client(outsider).post(
            f"{BASE}{request.pk}/property-measures/{response.json()['id']}/renew/", {}, format="json"
        ),
        403,
        "permission_denied",
    )


def test_a_lapsed_freeze_cannot_be_renewed_but_a_closed_request_can_renew(db):
    cast = Cast()
    request = walk(draft_request(cast.investigator, kind=AssistanceKind.FREEZING), cast, "in_progress")
    lapsed = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="deposits",
        target="6222 9",
        starts_on=timezone.localdate() - dt.timedelta(days=400),
    )
    live = services.property_measure_record(
        by=cast.officer,
        request=request,
        kind="securities",
        target="A股账户 0001",
        starts_on=timezone.localdate(),
    )
    request = walk(request, cast, "closed")
    client = token_client(cast.investigator)
    assert_error(
        client.post(f"{BASE}{request.pk}/property-measures/{lapsed.pk}/renew/", {}, format="json"),
        400,
        "invalid",
    )
    renewed = client.post(f"{BASE}{request.pk}/property-measures/{live.pk}/renew/", {}, format="json")
    assert renewed.status_code == 201, renewed.content


def test_renewal_from_the_page(freeze, qinghai_investigator):
    cast, request, old = freeze
    client = _page_client(cast.investigator)
    url = f"/assistance-requests/{request.pk}/property-measures/{old.pk}/renew/"
    page = client.get(f"/assistance-requests/{request.pk}/").content.decode()
    assert url in page
    assert _page_client(qinghai_investigator).post(url, {}).status_code == 404
    response = client.post(url, {"starts_on": "", "kind": ""}, follow=True)
    assert response.status_code == 200
    renewed = PropertyMeasure.objects.get(renewed_from=old)
    assert renewed.starts_on == old.expires_on
    page = response.content.decode()
    assert renewed.expires_on.strftime("%Y-%m-%d") in page
    # Renewing the spent measure again says why and changes nothing.
    again = client.post(url, {}, follow=True)
    assert any("in force" in message or "有效" in message for message in _messages(again))
    assert PropertyMeasure.objects.filter(request=request).count() == 2


# --- 3. result files on the page ------------------------------------------------------------------


def test_assignee_attaches_result_files_from_the_page_and_downloads_are_audited(db, qinghai_investigator):
    cast = Cast()
    request = walk(draft_request(cast.investigator), cast, "in_progress")
    officer = _page_client(cast.officer)
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
    assert _messages(bad)
    assert RequestDocument.objects.filter(request=request, document_type="result").count() == 1
    # The requester does not attach results.
    requester = _page_client(cast.investigator)
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
    assert _page_client(qinghai_investigator).get(download_url).status_code == 404
    # Once fulfilled, the assignee's page upload is refused and says why.
    late = officer.post(
        f"/assistance-requests/{request.pk}/documents/",
        {"document_type": "result", "number": "z", "issued_on": "2026-01-05", "file": scan()},
        follow=True,
    )
    assert _messages(late)
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
