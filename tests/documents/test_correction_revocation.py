"""Correction (更正) and revocation (撤销) of issued documents, issue 19 item 7.

An issued document is never changed. A correction is a new document naming the one it corrects,
which stands until the correction is issued and is then superseded; a revocation is a 撤销决定书 with
its own legal review and approval, which revokes the document once issued. Verification answers
"superseded" or "revoked" with the later document's number. Issued minutes (纪要) are corrected by
being signed again by every member.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.api import Conflict
from documents import kinds, services, tasks
from documents.models import Document
from tests.support.documents import EVIDENCE_DATA, draft, issue, walk_to_issue
from tests.support.pdf import pdf_text

BASIS = "《公安机关办理刑事案件程序规定》第七条第一款"


def revoke_fully(office, document, reason="重复制作") -> Document:
    decision = services.document_revoke(document=document, by=office.investigator, reason=reason)
    services.document_update(
        document=decision, by=office.investigator, data={**decision.data, "legal_basis": BASIS}
    )
    return walk_to_issue(office, decision)


def test_a_revoked_document_verifies_as_revoked_naming_the_decision(office, linked, kunming_intake_officer):
    document = issue(office)
    decision = revoke_fully(office, document)
    facts = services.document_verify_code(
        code=document.verification_code, by=kunming_intake_officer
    ).as_dict()
    assert facts["result"] == "revoked" and facts["status"] == "revoked"
    assert facts["revocation"]["number"] == decision.number
    assert facts["revocation"]["kind_title"] == "撤销决定书"
    assert facts["revocation"]["verification_code"] == decision.verification_code
    assert facts["replacement"] is None and decision.number in facts["voided_reason"]


def test_the_decision_needs_the_legal_basis_review_and_the_heads_approval(office, linked):
    document = issue(office)
    decision = services.document_revoke(document=document, by=office.investigator, reason="重复制作")
    with pytest.raises(ValidationError) as refused:
        services.document_transition(document=decision, name="submit_for_review", by=office.investigator)
    assert "legal_basis" in str(refused.value)
    services.document_update(
        document=decision, by=office.investigator, data={**decision.data, "legal_basis": BASIS}
    )
    services.document_transition(document=decision, name="submit_for_review", by=office.investigator)
    # The investigator cannot pass the review nor approve: the legal officer and the head do.
    with pytest.raises(PermissionDenied):
        services.document_transition(document=decision, name="approve_review", by=office.investigator)
    services.document_transition(document=decision, name="approve_review", by=office.legal)
    services.document_transition(document=decision, name="approve", by=office.head)
    services.document_issue(document=decision, by=office.head)
    document.refresh_from_db()
    decision.refresh_from_db()
    assert document.state == "revoked" and decision.reviewed_by == office.legal
    # Every recipient of the revoked document is served the decision.
    assert [r.name for r in decision.recipients.all()] == [r.name for r in document.recipients.all()]


def test_a_later_document_cannot_end_a_document_another_one_ended(office, linked):
    document = issue(office)
    correction = services.document_correct(document=document, by=office.investigator, reason="案由写错")
    # One later document at a time: a revocation cannot be started while the correction is under way.
    with pytest.raises(Conflict):
        services.document_revoke(document=document, by=office.investigator, reason="重复制作")
    walk_to_issue(office, correction)
    # Once superseded, nothing more ends it.
    with pytest.raises(Conflict):
        services.document_correct(document=document, by=office.investigator, reason="again")
    with pytest.raises(Conflict):
        services.document_revoke(document=document, by=office.investigator, reason="again")


def test_the_issue_of_a_later_document_rolls_back_whole_when_the_original_ended_meanwhile(office, linked):
    document = issue(office)
    decision = services.document_revoke(document=document, by=office.investigator, reason="重复制作")
    services.document_update(
        document=decision, by=office.investigator, data={**decision.data, "legal_basis": BASIS}
    )
    for name, who in (
        ("submit_for_review", office.investigator),
        ("approve_review", office.legal),
        ("approve", office.head),
    ):
        services.document_transition(document=decision, name=name, by=who)
    # Another path ended the original (a stale view, a second tab): the decision's issue is refused.
    Document.objects.filter(pk=document.pk).update(state="superseded")
    with pytest.raises(Conflict):
        services.document_issue(document=decision, by=office.head)
    decision.refresh_from_db()
    assert decision.state == "approved" and decision.number == ""


def test_a_process_approved_kind_is_corrected_with_legal_review_and_approval(office, linked):
    original = issue(office, "evidence_call_notice", EVIDENCE_DATA)
    assert original.approval_chain == ["external"]
    correction = services.document_correct(document=original, by=office.investigator, reason="证据名称写错")
    assert correction.approval_chain == ["legal_review", "approval"]
    services.document_update(
        document=correction, by=office.investigator, data={**correction.data, "evidence": "张三名下账户流水"}
    )
    assert Document.objects.get(pk=correction.pk).approval_chain == ["legal_review", "approval"]
    walk_to_issue(office, correction)
    original.refresh_from_db()
    assert original.state == "superseded"


def test_the_correction_prints_what_it_corrects_and_the_decision_renders(office, linked):
    original = issue(office)
    correction = walk_to_issue(
        office, services.document_correct(document=original, by=office.investigator, reason="案由写错")
    )
    assert correction.snapshot["corrects"]["number"] == original.number
    assert tasks.render_document(correction.pk) == "done"
    decision = revoke_fully(office, correction)
    assert tasks.render_document(decision.pk) == "done"
    correction.refresh_from_db()
    decision.refresh_from_db()
    flat = pdf_text(correction.file.read(), squeeze=True)
    assert "本文书更正" in flat and original.number in flat
    flat = pdf_text(decision.file.read(), squeeze=True)
    assert "撤销决定书" in flat and correction.number in flat and "决定予以撤销" in flat
    assert BASIS in flat


def test_drafting_a_revocation_is_refused_to_other_units_and_without_a_reason(
    office, linked, kunming_intake_officer
):
    document = issue(office)
    with pytest.raises(PermissionDenied):
        services.document_revoke(document=document, by=kunming_intake_officer, reason="x")
    with pytest.raises(ValidationError):
        services.document_correct(document=document, by=office.investigator, reason=" ")
    assert not Document.objects.filter(revokes=document).exists()
    assert not Document.objects.filter(replaces=document).exists()


# --- the pages: an officer corrects and revokes from the document's page, no code typed --------------


def test_the_page_journey_of_a_correction(client, office, linked, kunming_intake_officer):
    original = issue(office)
    client.force_login(office.investigator)
    page = client.get(reverse("documents:detail", args=[original.pk])).content.decode()
    assert reverse("documents:step", args=[original.pk, "correct"]) in page
    answer = client.post(
        reverse("documents:step", args=[original.pk, "correct"]),
        {"reason": "案由写错", "expected_state": "issued"},
    )
    correction = Document.objects.get(replaces=original)
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "documents:detail", args=[correction.pk]
    )
    page = client.get(answer["Location"]).content.decode()
    assert 'name="reason"' in page and reverse("documents:preview", args=[correction.pk]) in page
    saved = client.post(
        reverse("documents:fields", args=[correction.pk]),
        {
            **{k: v for k, v in correction.data.items() if isinstance(v, str)},
            "reason": "犯罪地在昆明市盘龙区",
        },
    )
    assert saved.status_code == 302
    assert Document.objects.get(pk=correction.pk).data["reason"] == "犯罪地在昆明市盘龙区"
    for user, name in (
        (office.investigator, "submit_for_review"),
        (office.legal, "approve_review"),
        (office.head, "approve"),
        (office.head, "issue"),
    ):
        client.force_login(user)
        state = Document.objects.get(pk=correction.pk).state
        step = client.post(
            reverse("documents:step", args=[correction.pk, name]), {"expected_state": state, "reason": ""}
        )
        assert step.status_code == 302, (name, step.status_code)
    original.refresh_from_db()
    assert original.state == "superseded"
    client.force_login(kunming_intake_officer)
    verify = client.get(reverse("documents:verify"), {"code": original.verification_code}).content.decode()
    assert Document.objects.get(pk=correction.pk).number in verify
    assert "superseded" in verify or "已被更正" in verify or "更正" in verify


def test_an_uninvolved_province_sees_none_of_the_document_pages(client, office, linked, qinghai_investigator):
    original = issue(office)
    correction = services.document_correct(document=original, by=office.investigator, reason="案由写错")
    client.force_login(qinghai_investigator)
    for pk in (original.pk, correction.pk):
        assert client.get(reverse("documents:detail", args=[pk])).status_code == 404
        assert client.post(reverse("documents:step", args=[pk, "revoke"]), {"reason": "x"}).status_code == 404
        assert client.post(reverse("documents:fields", args=[pk]), {"reason": "x"}).status_code == 404
    assert Document.objects.filter(revokes=original).count() == 0


def test_a_process_document_is_not_issued_from_its_own_page(client, office, linked):
    document = draft(office, "evidence_call_notice", EVIDENCE_DATA)
    client.force_login(office.head)
    answer = client.post(
        reverse("documents:step", args=[document.pk, "issue"]), {"expected_state": "drafted"}
    )
    assert answer.status_code == 404
    assert Document.objects.get(pk=document.pk).state == "drafted"


def test_the_revocation_decision_kind_is_registered_with_the_reviewed_chain():
    spec = kinds.get("revocation_decision")
    assert spec.title == "撤销决定书" and spec.chain() == ("legal_review", "approval")
    assert {"revoked_number", "reason", "legal_basis"} <= set(spec.required_fields)
