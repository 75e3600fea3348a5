"""The dispute guard (公安部"六个严禁", 公通字〔2020〕6号 no. 3):
"严禁在管辖争议解决前，擅自派警跨所属公安机关管辖区域办案。依法依规进行先期处置的除外。"
While a case's jurisdiction is disputed no party, the lead or first-accepting unit included,
sends officers or a coercive request into another area, except a first-response measure recorded
with its reason.

The case is put in dispute as opening a jurisdiction proceeding puts it
(cases.services.case_jurisdiction_question_open); a case opened from `registered` has no lead while
disputed.
"""

import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import translation

from cases.assistance import services
from cases.assistance.models import AssistanceRequest
from cases.assistance_kinds import KINDS, AssistanceKind, DocumentType
from cases.models import CaseState, PartyRole
from cases.services import case_jurisdiction_question_open, case_party_add
from core.models import AuditEvent
from core.workflow import timeline_for
from organisation.models import Role, Unit
from tests.support.api import assert_error, token_client
from tests.support.factories.assistance import attach_all, case_in, walk
from tests.support.factories.cases import CaseFactory
from tests.support.factories.organisation import member
from tests.support.personas import Cast

BASE = "/api/v1/assistance-requests/"
WUHOU, GUIYANG, KUNMING = "510107", "520100", "530100"
RULE = "公通字〔2020〕6号"
RULE_EN = "The jurisdiction of this case is in dispute"
RULE_ZH = "本案管辖权存在争议"
REASON_EN = "Give the reason for the first-response emergency."
REASON_ZH = "请说明先期处置紧急情况的理由"
URGENT_REASON = "嫌疑人正在转移赃款，须立即冻结"


def _dispute(case):
    """Open the jurisdiction question on the case, as a legal officer of its responsible unit does."""
    opener = member(case.responsible_unit.code, Role.LEGAL_OFFICER)
    case = case_jurisdiction_question_open(case=case, by=opener, reason="管辖争议")
    assert case.state == CaseState.JURISDICTION_PENDING
    return case


def _case(*, disputed: str):
    """A case accepted by Wuhou, with Guiyang a party to the jurisdiction proceeding.

    disputed: "no" (under investigation, Wuhou leads), "lead_kept" (disputed from under investigation:
    Wuhou is still recorded as lead), "lead_unset" (disputed from registered: no lead at all).
    """
    case = CaseFactory(state=CaseState.REGISTERED) if disputed == "lead_unset" else case_in(WUHOU)
    case_party_add(case=case, unit=Unit.objects.get(code=GUIYANG), role=PartyRole.PROCEEDING)
    if disputed != "no":
        case = _dispute(case)
        assert (case.lead_unit.code if case.lead_unit else None) == (
            WUHOU if disputed == "lead_kept" else None
        )
    return case


def _create(cast, case, kind, *, urgent=False, reason=""):
    return services.request_create(
        by=cast.investigator,
        case=case,
        requested_unit=Unit.objects.get(code=KUNMING),
        kind=kind,
        matters="协助对嫌疑人张三采取措施",
        first_response_urgent=urgent,
        first_response_reason=reason,
    )


def _messages(error: ValidationError, field: str) -> dict[str, str]:
    """The error's message on `field` in the default language (zh-hans) and in English."""
    assert set(error.message_dict) == {field}, error.message_dict
    default = " ".join(error.message_dict[field])
    with translation.override("en"):
        english = " ".join(error.message_dict[field])
    return {"default": default, "en": english}


# --- the table ---------------------------------------------------------------------------------

D = AssistanceKind


@pytest.mark.parametrize(
    "disputed, requester, kind, urgent, reason, refused_on",
    [
        pytest.param(
            "lead_unset", WUHOU, D.DETENTION, False, "", "first_response_urgent", id="no-lead-refused"
        ),
        pytest.param(
            "lead_kept", GUIYANG, D.SEARCH, False, "", "first_response_urgent", id="non-lead-refused"
        ),
        pytest.param("lead_kept", GUIYANG, D.FREEZING, True, URGENT_REASON, None, id="urgent-with-reason"),
        pytest.param(
            "lead_unset", WUHOU, D.ARREST, True, URGENT_REASON, None, id="no-lead-urgent-with-reason"
        ),
        pytest.param(
            "lead_kept", GUIYANG, D.DETENTION, True, "  ", "first_response_reason", id="urgent-no-reason"
        ),
        pytest.param(
            "lead_kept", WUHOU, D.DETENTION, False, "", "first_response_urgent", id="lead-refused-too"
        ),
        pytest.param("lead_kept", WUHOU, D.SEIZURE, True, URGENT_REASON, None, id="lead-urgent-with-reason"),
        pytest.param(
            "lead_kept",
            WUHOU,
            D.WORK_IN_AREA_NOTICE,
            False,
            "",
            "first_response_urgent",
            id="officers-sent-refused",
        ),
        pytest.param("lead_kept", GUIYANG, D.EVIDENCE_COLLECTION, False, "", None, id="non-coercive-allowed"),
        pytest.param("no", GUIYANG, D.DETENTION, False, "", None, id="undisputed-allowed"),
    ],
)
def test_guard_at_creation_follows_gongtongzi_2020_6_no_3(
    db, disputed, requester, kind, urgent, reason, refused_on
):
    """公通字〔2020〕6号 no. 3 binds every party to the dispute; first-response measures are excepted."""
    case = _case(disputed=disputed)
    cast = Cast(requesting=requester, requested=KUNMING)
    before = AssistanceRequest.objects.count()
    if refused_on:
        with pytest.raises(ValidationError) as caught:
            _create(cast, case, kind, urgent=urgent, reason=reason)
        messages = _messages(caught.value, refused_on)
        if refused_on == "first_response_urgent":
            assert RULE_ZH in messages["default"] and RULE in messages["default"]
            assert RULE_EN in messages["en"] and RULE in messages["en"]
        else:
            assert REASON_ZH in messages["default"]
            assert messages["en"] == REASON_EN
        assert AssistanceRequest.objects.count() == before
        return
    request = _create(cast, case, kind, urgent=urgent, reason=reason)
    assert request.requesting_unit.code == requester
    assert request.first_response_urgent is urgent
    assert request.first_response_reason == reason.strip()
    event = AuditEvent.objects.get(target_id=str(request.pk), action="assistance.assistancerequest.create")
    created = timeline_for(request).get(action="create")
    # Only a request that needed the exception records it as such.
    needed = disputed != "no" and KINDS[kind].dispute_guarded
    if needed:
        exception = event.payload["first_response_exception"]
        assert exception["rule"] == services.DISPUTE_GUARD_RULE
        assert exception["reason"] == URGENT_REASON
        assert exception["case_state"] == CaseState.JURISDICTION_PENDING
        assert URGENT_REASON in created.note and RULE in created.note
        assert created.data["first_response_exception"]["reason"] == URGENT_REASON
    else:
        assert "first_response_exception" not in event.payload
        assert created.note == ""


@pytest.mark.parametrize("kind", list(AssistanceKind))
def test_every_coercive_or_officer_sending_kind_and_only_those_is_held_back(db, kind):
    """公通字〔2020〕6号 no. 3: coercive requests and officers sent elsewhere wait for the settlement."""
    case = _case(disputed="lead_kept")
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    assert KINDS[kind].dispute_guarded >= KINDS[kind].coercive
    if KINDS[kind].dispute_guarded:
        with pytest.raises(ValidationError) as caught:
            _create(cast, case, kind)
        assert "first_response_urgent" in caught.value.message_dict
    else:
        assert _create(cast, case, kind).state == "draft"


def test_the_guard_can_be_switched_off_by_setting(db, settings):
    # DOMAIN.md has the rule from a secondary source only [S], so it is a configurable default.
    case = _case(disputed="lead_kept")
    settings.ASSISTANCE_DISPUTE_GUARD = False
    request = _create(Cast(requesting=GUIYANG, requested=KUNMING), case, D.DETENTION)
    assert request.state == "draft"


def test_the_flag_always_needs_a_reason_and_the_database_refuses_one_without(db):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    with pytest.raises(ValidationError) as caught:
        _create(cast, _case(disputed="no"), D.DETENTION, urgent=True)
    assert set(caught.value.message_dict) == {"first_response_reason"}
    request = _create(cast, _case(disputed="no"), D.DETENTION)
    with pytest.raises(IntegrityError), transaction.atomic():
        AssistanceRequest.objects.filter(pk=request.pk).update(first_response_urgent=True)


# --- a case that becomes disputed after drafting ----------------------------------------------------


def _returned(request, cast):
    request = walk(request, cast, "received")
    return services.request_transition(
        by=cast.intake,
        request=request,
        name="return_request",
        reason="拘留证未签章",
        fields={"defects": [{"document_type": DocumentType.DETENTION_WARRANT, "defect": "unsigned"}]},
    )


@pytest.mark.parametrize(
    "reached, name",
    [("draft", "submit"), ("approved", "send"), ("returned", "resubmit")],
)
def test_a_case_disputed_after_drafting_holds_the_request_at_the_next_step(db, reached, name):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    case = _case(disputed="no")
    request = _create(cast, case, D.DETENTION)
    request = _returned(request, cast) if reached == "returned" else walk(request, cast, reached)
    assert request.state == reached
    _dispute(case)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.request_transition(by=cast.investigator, request=request, name=name)
    messages = _messages(caught.value, "first_response_urgent")
    assert RULE_ZH in messages["default"] and RULE_EN in messages["en"]
    request.refresh_from_db()
    # Nothing moved and nothing was recorded: the request waits as it was.
    assert request.state == reached
    assert AuditEvent.objects.count() == events
    assert not timeline_for(request).filter(action=name).exists()


@pytest.mark.postgres
def test_a_send_racing_the_opening_of_a_dispute_waits_for_it_and_is_refused(organisation_loaded):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    case = _case(disputed="no")
    request = walk(_create(cast, case, D.DETENTION), cast, "approved")
    opener = member(WUHOU, Role.LEGAL_OFFICER)
    opened = threading.Event()
    outcome = {}

    def open_dispute():
        try:
            with transaction.atomic():
                case_jurisdiction_question_open(case=case, by=opener, reason="管辖争议")
                opened.set()
                # Commit only once the send waits for the case row (or give up after a while).
                for _ in range(200):
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                        if cursor.fetchone()[0]:
                            break
                    threading.Event().wait(0.05)
        finally:
            connection.close()

    def send():
        try:
            opened.wait()
            services.request_transition(by=cast.investigator, request=request, name="send")
            outcome["send"] = "sent"
        except ValidationError as error:
            outcome["send"] = sorted(error.message_dict)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_dispute), threading.Thread(target=send)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcome["send"] == ["first_response_urgent"]
    request.refresh_from_db()
    assert request.state == "approved"


def test_the_first_accepting_unit_is_held_back_too_gongtongzi_2020_6_no_3(db):
    """No. 3 binds every party to the dispute, the unit that first accepted the case included."""
    cast = Cast(requesting=WUHOU, requested=KUNMING)
    case = _case(disputed="no")
    request = walk(_create(cast, case, D.DETENTION), cast, "approved")
    case = _dispute(case)
    assert case.lead_unit.code == WUHOU
    with pytest.raises(ValidationError) as caught:
        services.request_transition(by=cast.investigator, request=request, name="send")
    messages = _messages(caught.value, "first_response_urgent")
    quoted = "严禁在管辖争议解决前，擅自派警跨所属公安机关管辖区域办案。依法依规进行先期处置的除外"
    assert quoted in messages["default"] and quoted in messages["en"]
    request.refresh_from_db()
    assert request.state == "approved"


def test_a_draft_flagged_after_the_dispute_goes_through_audited_at_each_step(db):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    case = _case(disputed="no")
    request = _create(cast, case, D.DETENTION)
    _dispute(case)
    services.request_update(
        by=cast.investigator, request=request, first_response_urgent=True, first_response_reason=URGENT_REASON
    )
    request = walk(request, cast, "sent")
    for name in ("submit", "send"):
        event = AuditEvent.objects.get(
            target_id=str(request.pk), action=f"assistance.assistancerequest.{name}"
        )
        assert event.payload["first_response_exception"]["reason"] == URGENT_REASON
        assert event.payload["first_response_exception"]["lead_unit"] == WUHOU
        entry = timeline_for(request).get(action=name)
        assert URGENT_REASON in entry.note
    # The approval is not a guarded step and records no exception.
    approval = AuditEvent.objects.get(
        target_id=str(request.pk), action="assistance.assistancerequest.approve"
    )
    assert "first_response_exception" not in approval.payload


def test_a_returned_request_keeps_its_first_response_flag(db):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    request = _returned(_create(cast, _case(disputed="no"), D.DETENTION), cast)
    with pytest.raises(ValidationError) as caught:
        services.request_update(
            by=cast.investigator, request=request, first_response_urgent=True, first_response_reason="紧急"
        )
    assert set(caught.value.message_dict) == {"first_response_urgent"}
    # Sending the same values again changes nothing and is allowed.
    services.request_update(by=cast.investigator, request=request, first_response_urgent=False)


# --- API ------------------------------------------------------------------------------------------


def test_api_refuses_with_the_standard_400_body_in_both_languages_and_saves_nothing(db):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    case = _case(disputed="lead_kept")
    payload = {"case": case.pk, "requested_unit": KUNMING, "kind": "detention", "matters": "协助拘留张三"}
    client = token_client(cast.investigator)
    body = assert_error(client.post(BASE, payload, format="json"), 400, "invalid")
    assert set(body["fields"]) == {"first_response_urgent"}
    assert RULE_EN in body["fields"]["first_response_urgent"][0]
    assert RULE in body["fields"]["first_response_urgent"][0]
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")
    body = assert_error(client.post(BASE, payload, format="json"), 400, "invalid")
    assert RULE_ZH in body["fields"]["first_response_urgent"][0]
    no_reason = client.post(BASE, payload | {"first_response_urgent": True}, format="json")
    assert set(assert_error(no_reason, 400, "invalid")["fields"]) == {"first_response_reason"}
    assert not AssistanceRequest.objects.filter(case=case).exists()

    created = client.post(
        BASE, payload | {"first_response_urgent": True, "first_response_reason": URGENT_REASON}, format="json"
    )
    assert created.status_code == 201, created.content
    detail = created.json()
    assert detail["first_response_urgent"] is True
    assert detail["first_response_reason"] == URGENT_REASON
    assert any(URGENT_REASON in entry["note"] for entry in detail["timeline"] if entry["action"] == "create")


def test_api_update_sets_the_flag_and_submission_is_refused_until_then(db):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    case = _case(disputed="no")
    request = _create(cast, case, D.SEARCH)
    _dispute(case)
    client = token_client(cast.investigator)
    refused = client.post(f"{BASE}{request.pk}/transitions/submit/", {}, format="json")
    body = assert_error(refused, 400, "invalid")
    assert RULE_EN in body["fields"]["first_response_urgent"][0]
    assert_error(
        client.patch(f"{BASE}{request.pk}/", {"first_response_urgent": True}, format="json"), 400, "invalid"
    )
    patched = client.patch(
        f"{BASE}{request.pk}/",
        {"first_response_urgent": True, "first_response_reason": URGENT_REASON},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["first_response_reason"] == URGENT_REASON
    update = AuditEvent.objects.get(target_id=str(request.pk), action="assistance.assistancerequest.update")
    assert update.payload["changes"]["first_response_urgent"] == [False, True]
    # The scans the kind needs are attached before submitting (the checklist, issue 20).
    attach_all(cast.investigator, request, skip=[DocumentType.ASSISTANCE_LETTER])
    submitted = client.post(f"{BASE}{request.pk}/transitions/submit/", {}, format="json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "awaiting_approval"
    assert submitted.json()["first_response_urgent"] is True


def test_clearing_the_flag_drops_the_reason(db):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    request = _create(cast, _case(disputed="no"), D.DETENTION, urgent=True, reason=URGENT_REASON)
    request = services.request_update(by=cast.investigator, request=request, first_response_urgent=False)
    request.refresh_from_db()
    assert (request.first_response_urgent, request.first_response_reason) == (False, "")


# --- pages ----------------------------------------------------------------------------------------


def _page_client(user, language=None) -> Client:
    """Pages speak Chinese unless the user chose another language (the language cookie)."""
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def test_form_shows_the_refusal_keeps_the_input_then_creates_the_flagged_request(db):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    case = _case(disputed="lead_kept")
    form = {
        "case": case.pk,
        "requested_unit": KUNMING,
        "kind": "detention",
        "urgency": "extra_urgent",
        "matters": "协助拘留嫌疑人张三",
    }
    client = _page_client(cast.investigator)
    assert "first_response_urgent" in client.get("/assistance-requests/new/").content.decode()
    refused = client.post("/assistance-requests/new/", form)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert RULE_ZH in page and RULE in page
    assert "协助拘留嫌疑人张三" in page  # what was typed comes back in the form
    assert refused.context["form"].errors["first_response_urgent"]
    english = _page_client(cast.investigator, "en").post("/assistance-requests/new/", form)
    assert english.status_code == 400 and RULE_EN in english.content.decode()
    assert not AssistanceRequest.objects.filter(case=case).exists()

    created = client.post(
        "/assistance-requests/new/",
        form | {"first_response_urgent": "on", "first_response_reason": URGENT_REASON},
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    request = AssistanceRequest.objects.get(case=case)
    assert request.first_response_urgent and request.first_response_reason == URGENT_REASON
    detail = client.get(created["Location"]).content.decode()
    assert URGENT_REASON in detail


def test_detail_page_warns_and_the_send_button_reports_the_refusal(db):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    case = _case(disputed="no")
    request = walk(_create(cast, case, D.DETENTION), cast, "approved")
    client = _page_client(cast.investigator, "en")
    assert RULE_EN not in client.get(f"/assistance-requests/{request.pk}/").content.decode()
    _dispute(case)
    assert RULE_EN in client.get(f"/assistance-requests/{request.pk}/").content.decode()
    response = client.post(
        f"/assistance-requests/{request.pk}/transitions/send/", {"expected_state": "approved"}, follow=True
    )
    # The step's form on the request's page says why it was refused (core.pages.StepView: 400 in place).
    assert response.status_code == 400
    send = next(offer for offer in response.context["offers"] if offer.name == "send")
    assert any(RULE_EN in str(message) for message in send.form.non_field_errors())
    request.refresh_from_db()
    assert request.state == "approved"


def test_edit_page_sets_the_flag_and_shows_a_missing_reason(db):
    cast = Cast(requesting=GUIYANG, requested=KUNMING)
    case = _case(disputed="lead_kept")
    request = _create(cast, case, D.EVIDENCE_COLLECTION)
    client = _page_client(cast.investigator, "en")
    form = {
        "kind": "detention",
        "urgency": "normal",
        "requested_unit": KUNMING,
        "matters": request.matters,
        "legal_basis": "",
        "first_response_urgent": "on",
    }
    missing = client.post(f"/assistance-requests/{request.pk}/edit/", form)
    assert missing.status_code == 400
    assert REASON_EN in missing.content.decode()
    saved = client.post(
        f"/assistance-requests/{request.pk}/edit/", form | {"first_response_reason": URGENT_REASON}
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    request.refresh_from_db()
    assert request.kind == "detention" and request.first_response_reason == URGENT_REASON
    attach_all(cast.investigator, request, skip=[DocumentType.ASSISTANCE_LETTER])
    services.request_transition(by=cast.investigator, request=request, name="submit")
    request.refresh_from_db()
    assert request.state == "awaiting_approval"
