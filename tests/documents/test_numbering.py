"""Numbers are assigned at issue only, by the kind's pattern, gap-free per unit, kind and year."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from documents import kinds, numbering, services
from documents.models import Document, DocumentCounter
from organisation.models import Unit
from tests.support.documents import draft, issue


def test_the_number_follows_the_pattern_with_unit_and_department_codes(db):
    unit = Unit.objects.get(code="510107")
    department = unit.departments.get(kind="criminal")
    spec = kinds.get("assistance_letter")
    text = numbering.format_number(spec=spec, unit=unit, department=department, year=2026, serial=12)
    assert text == f"武侯公（{department.code_prefix}）协字〔2026〕12号"
    assert (
        numbering.format_number(spec=spec, unit=unit, department=None, year=2026, serial=3)
        == "武侯公协字〔2026〕3号"
    )


def test_a_kind_may_carry_its_own_pattern(db):
    unit = Unit.objects.get(code="510107")
    spec = kinds.DocumentKindSpec(
        code="x",
        title="x",
        label="x",
        template_name="x",
        template_version=1,
        category_char="指",
        number_pattern="{unit}公{category}〔{year}〕{serial}号",
    )
    assert (
        numbering.format_number(spec=spec, unit=unit, department=None, year=2027, serial=1)
        == "武侯公指〔2027〕1号"
    )


def test_serials_count_per_kind_and_a_refused_issue_leaves_no_gap(office, linked):
    first = issue(office, "evidence_call_notice")
    second = issue(office, "evidence_call_notice")
    other_kind = issue(office)
    assert (first.number_serial, second.number_serial, other_kind.number_serial) == (1, 2, 1)
    refused = draft(office, "evidence_call_notice", link="tests.unapproved")
    with pytest.raises(PermissionDenied):
        services.document_issue(document=refused, by=office.investigator)
    counter = DocumentCounter.objects.get(issuing_unit=office.unit, kind="evidence_call_notice")
    assert counter.last == 2
    assert issue(office, "evidence_call_notice").number_serial == 3


@pytest.mark.postgres
def test_fifty_documents_issued_at_once_get_fifty_consecutive_numbers(organisation_loaded, fake_renderer):
    from documents import access
    from organisation.models import Role
    from tests.support.factories.organisation import member

    unit = Unit.objects.get(code="510107")
    investigator = member(
        "510107", Role.INVESTIGATOR, username="race_investigator", department_kind="criminal"
    )
    access.register_external_approval("tests.race", lambda document: True)
    try:
        drafts = [
            services.document_draft(
                kind="evidence_call_notice",
                issuing_unit=unit,
                by=investigator,
                data={"recipient": "银行", "case_name": "案", "evidence": f"流水{i}"},
                link_target_type="tests.race",
                link_target_id=str(i),
            )
            for i in range(50)
        ]
        ids = [draft.pk for draft in drafts]
        barrier = threading.Barrier(50)
        errors = []

        def issue_one(document):
            try:
                barrier.wait()
                services.document_issue(document=document, by=investigator)
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=issue_one, args=(draft,)) for draft in drafts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        access.unregister_external_approval("tests.race")
    assert errors == []
    serials = sorted(Document.objects.filter(pk__in=ids).values_list("number_serial", flat=True))
    assert serials == list(range(1, 51))
    assert len(set(Document.objects.filter(pk__in=ids).values_list("number", flat=True))) == 50
    assert DocumentCounter.objects.get(issuing_unit=unit, kind="evidence_call_notice").last == 50
