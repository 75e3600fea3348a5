"""Issue 16 leak 9: drafts stay with the unit drafting them; a process's documents come from the process.

A draft (not yet issued) is read by the drafting unit's officers who take its steps, never by the
other parties of its process or their superiors; once issued, it follows its process object's
visibility. A kind that belongs to a process (kinds.DocumentKindSpec.process_owned) is drafted only
by that process, never through the generic POST /api/v1/documents/, and verification does not
answer "authentic" for one that was issued outside it.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.assistance.documents_bridge import linked_documents
from core.models import AuditEvent
from documents import kinds, services
from documents.models import Document, DocumentState, RenderState
from documents.samples import SAMPLE_FIELDS
from organisation.models import Role, Unit
from tests.support.factories.assistance import draft_request, walk
from tests.support.factories.organisation import member
from tests.support.personas import Cast

DESIGNATION = kinds.JURISDICTION_DESIGNATION_DECISION.code
DESIGNATION_DATA = SAMPLE_FIELDS.get(
    DESIGNATION,
    {
        "recipient": "成都市公安局",
        "case_name": "成都“4·15”诈骗案",
        "designated_unit": "成都市公安局武侯区分局",
        "reason": "主要犯罪地在武侯区",
        "legal_basis": "《公安机关办理刑事案件程序规定》第二十二条",
    },
)


def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- drafts ----------------------------------------------------------------------------------------


@pytest.fixture
def sent_with_drafts(db):
    """A request Wuhou → Kunming, sent with scans uploaded, so its generated forms are still drafts."""
    cast = Cast()
    request = walk(draft_request(cast.investigator), cast, "sent")
    drafts = list(linked_documents(request).filter(state=DocumentState.DRAFTED))
    assert drafts, "the generated forms stay drafts when scans stand in for them"
    return cast, request, drafts


def test_a_draft_of_the_requesting_unit_is_not_read_by_the_other_side_or_any_superior(sent_with_drafts):
    cast, request, drafts = sent_with_drafts
    yunnan = member("530000", Role.DEPARTMENT_HEAD, username="yunnan_head", department_kind="criminal")
    chengdu = member("510100", Role.DEPARTMENT_HEAD, username="chengdu_head", department_kind="criminal")
    for outsider in (yunnan, cast.intake, chengdu):
        # Each of them sees the request itself (a party, or a superior of one).
        assert api(outsider).get(f"/api/v1/assistance-requests/{request.pk}/").status_code == 200
        for document in drafts:
            client = api(outsider)
            response = client.get(f"/api/v1/documents/{document.pk}/")
            assert response.status_code == 404, (outsider.username, document.kind)
            assert document.data["case_name"] not in response.content.decode()
            edited = client.patch(
                f"/api/v1/documents/{document.pk}/", {"title": "x"}, content_type="application/json"
            )
            assert edited.status_code == 404
            assert client.get(f"/api/v1/documents/{document.pk}/file/").status_code == 404
            assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
            listed = client.get("/api/v1/documents/").json()["results"]
            assert document.pk not in [item["id"] for item in listed]


def test_the_drafting_units_officers_who_take_its_steps_read_the_draft(sent_with_drafts):
    cast, _request, drafts = sent_with_drafts
    legal = member("510107", Role.LEGAL_OFFICER, username="wuhou_legal", department_kind="legal")
    for user in (cast.investigator, cast.department_head, cast.unit_head, legal):
        for document in drafts:
            assert api(user).get(f"/api/v1/documents/{document.pk}/").status_code == 200, user.username
    listed = api(cast.investigator).get("/api/v1/documents/").json()["results"]
    assert {d.pk for d in drafts} <= {item["id"] for item in listed}


def test_a_draft_is_not_read_by_a_member_of_its_unit_who_takes_no_step(sent_with_drafts):
    _cast, _request, drafts = sent_with_drafts
    intake = member("510107", Role.INTAKE_OFFICER, username="wuhou_intake", department_kind="command")
    client = api(intake)
    for document in drafts:
        assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert not {d.pk for d in drafts} & {i["id"] for i in client.get("/api/v1/documents/").json()["results"]}


def test_once_issued_the_document_follows_the_request_and_stays_out_of_an_uninvolved_province(
    sent_with_drafts, fake_renderer, qinghai_investigator, django_capture_on_commit_callbacks
):
    cast, _request, drafts = sent_with_drafts
    letter = next(d for d in drafts if d.kind == kinds.ASSISTANCE_LETTER.code)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_issue(document=letter, by=cast.investigator)
    letter.refresh_from_db()
    assert letter.state == DocumentState.ISSUED and letter.render_state == RenderState.DONE
    yunnan = member("530000", Role.DEPARTMENT_HEAD, username="yunnan_head", department_kind="criminal")
    for reader in (yunnan, cast.intake):
        client = api(reader)
        assert client.get(f"/api/v1/documents/{letter.pk}/").status_code == 200
        assert client.get(f"/api/v1/documents/{letter.pk}/file/").status_code == 200
    outsider = api(qinghai_investigator)
    assert outsider.get(f"/api/v1/documents/{letter.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/documents/{letter.pk}/file/").status_code == 404
    assert outsider.get(reverse("documents:download", args=[letter.pk])).status_code == 404


# --- process-owned kinds ---------------------------------------------------------------------------


def _draft_body(spec) -> dict:
    return {
        "kind": spec.code,
        "issuing_unit": "510107",
        "department": "criminal",
        "data": SAMPLE_FIELDS.get(spec.code, {name: f"（{name}）" for name in spec.required_fields}),
        "recipients": ["昆明市公安局"],
    }


def test_the_generic_endpoint_accepts_only_the_free_standing_kinds(office):
    """Walk every registered kind: a process's kind is refused with 400 on `kind`, nothing is drafted."""
    client = api(office.investigator)
    registered = kinds.all_kinds()
    # Every app that registers kinds is loaded: the processes' kinds are all here.
    assert {"handover_list", "meeting_minutes", "briefing_pack", DESIGNATION} <= {s.code for s in registered}
    accepted = set()
    for spec in registered:
        before = Document.objects.count()
        response = client.post("/api/v1/documents/", _draft_body(spec), content_type="application/json")
        if spec.process_owned:
            assert response.status_code == 400, (spec.code, response.status_code)
            body = response.json()
            assert body["code"] == "invalid" and list(body["fields"]) == ["kind"], body
            assert Document.objects.count() == before
        else:
            assert response.status_code == 201, (spec.code, response.json())
            accepted.add(spec.code)
    # Declaring a new kind free-standing is a decision: it must be made here too.
    assert accepted == {kinds.REPORT_FOR_APPROVAL.code}


def test_the_refusal_names_the_rule_in_chinese_by_default_and_in_english_when_asked(office):
    client = api(office.investigator)
    body = _draft_body(kinds.get(DESIGNATION))
    chinese = client.post("/api/v1/documents/", body, content_type="application/json").json()
    assert "指定管辖决定书" in chinese["fields"]["kind"][0]
    assert "流程" in chinese["fields"]["kind"][0]
    english = client.post(
        "/api/v1/documents/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert "process" in english["fields"]["kind"][0]


def test_a_designation_decision_cannot_be_drafted_outside_a_proceeding_by_any_path(office):
    superior = member("510100", Role.UNIT_HEAD, username="chengdu_unit_head")
    response = api(superior).post(
        "/api/v1/documents/",
        {**_draft_body(kinds.get(DESIGNATION)), "issuing_unit": "510100", "department": "legal"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "kind" in response.json()["fields"]
    with pytest.raises(ValidationError) as refused:
        services.document_draft(
            kind=DESIGNATION, issuing_unit=Unit.objects.get(code="510100"), by=superior, data=DESIGNATION_DATA
        )
    assert "kind" in refused.value.message_dict
    assert not Document.objects.filter(kind=DESIGNATION).exists()


@pytest.fixture
def issued_outside(office, fake_renderer, django_capture_on_commit_callbacks):
    """A 指定管辖决定书 issued through the generic endpoint before the rule (data already stored)."""
    now = timezone.now()
    number = "武侯公（刑）指字〔2026〕1号"
    document = Document.objects.create(
        kind=DESIGNATION,
        issuing_unit=office.unit,
        title="指定管辖决定书",
        data=DESIGNATION_DATA,
        approval_chain=list(kinds.REVIEWED_CHAIN),
        created_by=office.investigator,
    )
    snapshot = services.build_snapshot(document, number=number, issued_at=now, template_version=1)
    # Stored as the old generic endpoint left it: issued, numbered, with no proceeding behind it.
    Document.objects.filter(pk=document.pk).update(
        state=DocumentState.ISSUED,
        number=number,
        number_year=now.year,
        number_serial=1,
        issued_at=now,
        issued_by=office.head,
        template_version=1,
        snapshot=snapshot,
        render_state=RenderState.PENDING,
    )
    from documents import tasks

    with django_capture_on_commit_callbacks(execute=True):
        tasks.render_document(document.pk)
    document.refresh_from_db()
    return document


def test_verification_does_not_vouch_for_a_decision_issued_outside_its_proceeding(
    office, issued_outside, qinghai_investigator
):
    client = api(qinghai_investigator)
    answer = client.post(
        "/api/v1/documents/verify/",
        {"code": issued_outside.verification_code},
        content_type="application/json",
    ).json()
    assert answer["result"] == "unknown", answer
    assert issued_outside.number not in str(answer)
    page = client.get(reverse("documents:verify"), {"code": issued_outside.verification_code})
    assert page.status_code == 200
    html = page.content.decode()
    assert issued_outside.number not in html
    event = AuditEvent.objects.filter(action="documents.document.verify").order_by("-id").first()
    assert event.payload["result"] == "unknown" and event.payload["outside_process"] is True


def test_a_decision_issued_outside_its_proceeding_is_not_downloaded_by_an_uninvolved_province(
    issued_outside, qinghai_investigator
):
    client = api(qinghai_investigator)
    assert client.get(f"/api/v1/documents/{issued_outside.pk}/").status_code == 404
    assert client.get(f"/api/v1/documents/{issued_outside.pk}/file/").status_code == 404
    assert client.get(reverse("documents:download", args=[issued_outside.pk])).status_code == 404


def test_a_stored_draft_of_a_process_kind_without_its_process_cannot_be_issued(office):
    """A draft made through the generic endpoint before the rule is stuck: it is never issued."""
    document = Document.objects.create(
        kind=DESIGNATION,
        issuing_unit=office.unit,
        title="指定管辖决定书",
        data=DESIGNATION_DATA,
        approval_chain=list(kinds.REVIEWED_CHAIN),
        state=DocumentState.APPROVED,
        created_by=office.investigator,
    )
    response = api(office.head).post(
        f"/api/v1/documents/{document.pk}/transitions/issue/", {}, content_type="application/json"
    )
    assert response.status_code == 400 and "kind" in response.json()["fields"]
    document.refresh_from_db()
    assert document.state == DocumentState.APPROVED and not document.number


def test_no_resolver_opens_a_draft_not_even_one_that_lets_everyone_in(
    office, linked, kunming_intake_officer, django_capture_on_commit_callbacks, fake_renderer
):
    """The draft rule is the documents app's, asked before any resolver: a resolver cannot forget it."""
    from tests.support.documents import draft

    document = draft(office, kind=kinds.EVIDENCE_CALL_NOTICE.code)  # the `linked` resolver admits Kunming
    client = api(kunming_intake_officer)
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        services.document_issue(document=document, by=office.investigator)
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 200
