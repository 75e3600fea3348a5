"""The catalogue of assistance kinds: the documents each must carry (MPS-2020 arts 346–353)."""

import pytest

from cases.assistance_kinds import (
    DOCUMENTS,
    KINDS,
    AssistanceKind,
    DocumentSource,
    DocumentType,
    missing_documents,
    required_documents,
)
from core.deadlines import DEFAULT_RULES

WARRANTS = {
    AssistanceKind.SUMMONS: DocumentType.SUMMONS_WARRANT,
    AssistanceKind.COMPELLED_APPEARANCE: DocumentType.COMPELLED_APPEARANCE_WARRANT,
    AssistanceKind.DETENTION: DocumentType.DETENTION_WARRANT,
    AssistanceKind.ARREST: DocumentType.ARREST_WARRANT,
    AssistanceKind.SEARCH: DocumentType.SEARCH_WARRANT,
    AssistanceKind.SEALING: DocumentType.SEALING_DECISION,
    AssistanceKind.SEIZURE: DocumentType.SEIZURE_DECISION,
    AssistanceKind.FREEZING: DocumentType.PROPERTY_FREEZE_NOTICE,
    AssistanceKind.PROPERTY_INQUIRY: DocumentType.PROPERTY_INQUIRY_NOTICE,
}


def test_every_kind_of_art_346_is_in_the_catalogue():
    assert set(KINDS) == set(AssistanceKind)
    assert all(DOCUMENTS[document].type == document for document in DocumentType)


@pytest.mark.parametrize("kind", list(AssistanceKind))
def test_every_request_carries_the_letter_and_the_police_id_copy(kind):
    types = [spec.type for spec in required_documents(kind)]
    assert types[:2] == [DocumentType.ASSISTANCE_LETTER, DocumentType.POLICE_ID_COPY]
    assert len(types) == len(set(types))


@pytest.mark.parametrize(("kind", "document"), WARRANTS.items())
def test_measures_carry_their_warrant_or_notice(kind, document):
    assert document in [spec.type for spec in required_documents(kind)]


@pytest.mark.parametrize(
    "kind",
    [AssistanceKind.INTERROGATION, AssistanceKind.INTERVIEW, AssistanceKind.EVIDENCE_COLLECTION],
)
def test_questioning_and_evidence_carry_the_case_filing_decision(kind):
    assert DocumentType.CASE_FILING_DECISION in [spec.type for spec in required_documents(kind)]


def test_coercive_measures_need_the_unit_head():
    coercive = {kind for kind, spec in KINDS.items() if spec.coercive}
    assert coercive == {
        AssistanceKind.SUMMONS,
        AssistanceKind.COMPELLED_APPEARANCE,
        AssistanceKind.DETENTION,
        AssistanceKind.ARREST,
        AssistanceKind.SEARCH,
        AssistanceKind.SEALING,
        AssistanceKind.SEIZURE,
        AssistanceKind.FREEZING,
    }
    assert KINDS[AssistanceKind.ARREST].approver_role == "unit_head"
    assert KINDS[AssistanceKind.IDENTITY_CHECK].approver_role == "department_head"


def test_follow_up_flags():
    assert {k for k, s in KINDS.items() if s.custody_follow_up} == {
        AssistanceKind.SUMMONS,
        AssistanceKind.COMPELLED_APPEARANCE,
        AssistanceKind.DETENTION,
        AssistanceKind.ARREST,
    }
    assert {k for k, s in KINDS.items() if s.property_follow_up} == {
        AssistanceKind.SEALING,
        AssistanceKind.SEIZURE,
        AssistanceKind.FREEZING,
    }
    assert [k for k, s in KINDS.items() if s.notice_only] == [AssistanceKind.WORK_IN_AREA_NOTICE]


def test_completion_rules_exist_in_the_deadline_table():
    rule_codes = set(DEFAULT_RULES)
    named = {spec.completion_rule for spec in KINDS.values() if spec.completion_rule}
    assert named == {"identity_check"}
    assert named <= rule_codes


def test_missing_documents_names_each_missing_one_in_form_order():
    missing = missing_documents(AssistanceKind.EVIDENCE_COLLECTION, ["assistance_letter"])
    assert [spec.type for spec in missing] == [
        DocumentType.POLICE_ID_COPY,
        DocumentType.EVIDENCE_CALL_NOTICE,
        DocumentType.CASE_FILING_DECISION,
    ]
    assert missing[-1].source == DocumentSource.UPLOADED
    assert missing[1].source == DocumentSource.GENERATED
    assert missing_documents("identity_check", ["assistance_letter", "police_id_copy"]) == ()


def test_inspection_is_a_kind_that_must_ask_and_carries_the_filing_decision_mps_2020_arts_346_347():
    """Art 346 ¶1 names 勘验、检查; art 347 ¶2 has them carry the 立案决定书 (with the letter of ¶1)."""
    spec = KINDS[AssistanceKind.INSPECTION]
    assert spec.must_ask and not spec.coercive
    assert [document.type for document in required_documents(AssistanceKind.INSPECTION)] == [
        DocumentType.ASSISTANCE_LETTER,
        DocumentType.POLICE_ID_COPY,
        DocumentType.CASE_FILING_DECISION,
    ]
