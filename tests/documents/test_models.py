"""The kinds registry, the approval chain, and the immutability of an issued document."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.api import Conflict
from core.models import AuditEvent, OutboxMessage
from documents import kinds, services
from documents.models import Document, ImmutableDocumentError, normalise_verification_code
from tests.support.documents import EVIDENCE_DATA, acting_head, draft, issue, walk_to_issue

SEVEN = {
    "assistance_letter": ("办案协作函", "协"),
    "report_for_approval": ("呈请报告书", "呈"),
    "evidence_call_notice": ("调取证据通知书", "调"),
    "property_inquiry_notice": ("协助查询财产通知书", "询"),
    "property_freeze_notice": ("协助冻结财产通知书", "冻"),
    "case_transfer_notice": ("移送案件通知书", "移"),
    "jurisdiction_designation_decision": ("指定管辖决定书", "指"),
}


def test_the_seven_kinds_are_registered_with_their_category_and_chain():
    for code, (title, category) in SEVEN.items():
        spec = kinds.get(code)
        assert (spec.title, spec.category_char) == (title, category)
    assert kinds.get("jurisdiction_designation_decision").chain() == ("legal_review", "approval")
    assert kinds.get("case_transfer_notice").chain() == ("legal_review", "approval")
    assert kinds.get("report_for_approval").chain({"purpose": "jurisdiction_designation"}) == (
        "legal_review",
        "approval",
    )
    assert kinds.get("report_for_approval").chain({"purpose": "other"}) == ("approval",)
    assert kinds.get("assistance_letter").chain() == ("external",)
    assert kinds.get("evidence_call_notice").chain() == ("external",)


def test_every_registered_template_version_exists_and_matches_the_manifest():
    manifest = kinds.manifest()
    for spec in kinds.all_kinds():
        for name in kinds.template_versions(spec):
            assert kinds.template_path(name).is_file(), name
            # A released version file never changes: an edit is a new version beside it.
            assert manifest.get(name) == kinds.template_hash(name), f"{name} differs from its manifest hash"


def test_registering_a_kind_again_differently_is_refused():
    spec = kinds.get("assistance_letter")
    assert kinds.register(spec) is spec
    with pytest.raises(ValueError):
        kinds.register(kinds.DocumentKindSpec(**{**spec.__dict__, "category_char": "函"}))


def test_verification_codes_are_typable_and_forgive_typos():
    assert normalise_verification_code("7k3m q9xa 2f4d") == "7K3M-Q9XA-2F4D"
    assert normalise_verification_code("OIL0-0000-0000") == "0110-0000-0000"
    assert normalise_verification_code("too short") == ""


def test_the_reviewed_chain_runs_through_legal_review_and_approval(office, fake_renderer, linked):
    document = draft(office)
    assert document.number == "" and document.approval_chain == ["legal_review", "approval"]
    with pytest.raises(Conflict):  # the reviewed chain cannot skip the review
        services.document_transition(document=document, name="submit_for_approval", by=office.investigator)
    services.document_transition(document=document, name="submit_for_review", by=office.investigator)
    with pytest.raises(PermissionDenied):  # only the legal officer reviews
        services.document_transition(document=document, name="approve_review", by=office.head)
    services.document_transition(document=document, name="approve_review", by=office.legal)
    with pytest.raises(PermissionDenied):
        services.document_transition(document=document, name="approve", by=office.legal)
    services.document_transition(document=document, name="approve", by=office.head)
    issued = services.document_issue(document=document, by=office.head)
    assert issued.state == "issued"
    assert issued.number == f"武侯公（刑）移字〔{issued.number_year}〕1号"
    assert issued.snapshot["number"] == issued.number
    assert issued.snapshot["fields"]["case_name"] == "成都“4·15”诈骗案"
    assert issued.template_version == 2 and issued.render_state == "pending"  # v2 since issue 19
    assert OutboxMessage.objects.filter(topic="documents.render", payload={"document_id": issued.pk}).exists()
    actions = set(AuditEvent.objects.filter(target_id=str(document.pk)).values_list("action", flat=True))
    assert {"documents.document.draft", "documents.document.issue", "documents.document.approve"} <= actions
    issue_event = AuditEvent.objects.get(action="documents.document.issue", target_id=str(document.pk))
    assert issue_event.payload["number"] == issued.number


def test_an_acting_unit_head_approves_and_issues(office, linked):
    stand_in = acting_head(office)
    document = draft(office)
    services.document_transition(document=document, name="submit_for_review", by=office.investigator)
    services.document_transition(document=document, name="approve_review", by=office.legal)
    services.document_transition(document=document, name="approve", by=stand_in)
    assert services.document_issue(document=document, by=stand_in).state == "issued"


def test_send_back_needs_a_reason_and_returns_the_draft(office, linked):
    document = draft(office)
    services.document_transition(document=document, name="submit_for_review", by=office.investigator)
    with pytest.raises(ValidationError):
        services.document_transition(document=document, name="send_back", by=office.legal)
    back = services.document_transition(
        document=document, name="send_back", by=office.legal, reason="法律依据条文有误"
    )
    assert back.state == "drafted" and back.send_back_reason == "法律依据条文有误"


def test_an_external_chain_issues_directly_once_the_linking_app_approves(office, linked):
    document = draft(office, "evidence_call_notice")
    issued = services.document_issue(document=document, by=office.investigator)
    assert issued.state == "issued" and "调字" in issued.number


def test_an_external_chain_without_the_linking_approval_is_refused(office):
    document = draft(office, "evidence_call_notice", link="tests.unapproved")
    with pytest.raises(PermissionDenied):
        services.document_issue(document=document, by=office.investigator)
    document.refresh_from_db()
    assert document.state == "drafted" and document.number == ""


def test_issuing_requires_the_required_fields(office, linked):
    document = draft(office, "evidence_call_notice", data={**EVIDENCE_DATA, "evidence": ""})
    with pytest.raises(ValidationError):
        services.document_issue(document=document, by=office.investigator)


def test_the_model_refuses_to_change_an_issued_document(office, linked):
    issued = issue(office)
    document = Document.objects.get(pk=issued.pk)
    document.data = {**document.data, "case_name": "另一个案件"}
    with pytest.raises(ImmutableDocumentError) as refused:
        document.save()
    assert refused.value.fields == ("data",)
    document = Document.objects.get(pk=issued.pk)
    document.number = "川公（刑）移字〔2026〕99号"
    with pytest.raises(ImmutableDocumentError):
        document.save()
    assert Document.objects.get(pk=issued.pk).number == issued.number


def test_the_update_service_refuses_an_issued_document(office, linked):
    issued = issue(office)
    with pytest.raises(ImmutableDocumentError):
        services.document_update(document=issued, by=office.investigator, data={"case_name": "x"})


def test_the_rendered_file_is_frozen_once_done(office, fake_renderer, linked):
    from documents.tasks import render_document

    issued = issue(office)
    assert render_document(issued.pk) == "done"
    document = Document.objects.get(pk=issued.pk)
    document.sha256 = "0" * 64
    with pytest.raises(ImmutableDocumentError):
        document.save()


def test_a_correction_leaves_the_original_in_effect_until_it_is_issued_then_supersedes_it(office, linked):
    original = issue(office)
    correction = services.document_correct(document=original, by=office.investigator, reason="案由写错")
    original.refresh_from_db()
    # Drafting changes nothing of the original: it stands until the correction is signed and issued.
    assert original.state == "issued" and original.replaced_by_id is None
    assert correction.replaces_id == original.pk and correction.state == "drafted"
    reissued = walk_to_issue(office, correction)
    original.refresh_from_db()
    assert original.state == "superseded" and original.replaced_by_id == reissued.pk
    assert reissued.number in original.voided_reason
    assert reissued.number_serial == original.number_serial + 1 and reissued.number != original.number


def test_a_revocation_is_a_decision_with_its_own_review_and_approval(office, linked):
    document = issue(office)
    with pytest.raises(ValidationError):
        services.document_revoke(document=document, by=office.investigator, reason="")
    decision = services.document_revoke(document=document, by=office.investigator, reason="重复制作")
    assert decision.kind == "revocation_decision" and decision.revokes_id == document.pk
    assert decision.approval_chain == ["legal_review", "approval"]
    assert decision.data["revoked_number"] == document.number and decision.data["reason"] == "重复制作"
    document.refresh_from_db()
    assert document.state == "issued"  # not before the decision is issued
    services.document_update(
        document=decision,
        by=office.investigator,
        data={**decision.data, "legal_basis": "《公安机关办理刑事案件程序规定》第七条第一款"},
    )
    walk_to_issue(office, decision)
    document.refresh_from_db()
    assert document.state == "revoked" and document.replaced_by_id == decision.pk


def test_serving_is_per_recipient_with_the_time(office, linked):
    document = issue(office)
    recipient = document.recipients.get()
    served = services.document_serve(recipient=recipient, by=office.investigator)
    assert served.served_at is not None and served.served_by == office.investigator
    with pytest.raises(Conflict):
        services.document_serve(recipient=recipient, by=office.investigator)
    assert AuditEvent.objects.filter(action="documents.document.serve", target_id=str(document.pk)).exists()


def test_a_draft_is_not_served(office, linked):
    document = draft(office)
    with pytest.raises(Conflict):
        services.document_serve(recipient=document.recipients.get(), by=office.investigator)


def test_a_stale_instance_loaded_as_a_draft_cannot_change_the_issued_row(office, linked):
    stale = draft(office)
    walk_to_issue(office, Document.objects.get(pk=stale.pk))  # issued through another instance
    stale.data = {**stale.data, "case_name": "另一个案件"}
    with pytest.raises(ImmutableDocumentError):
        stale.save()
