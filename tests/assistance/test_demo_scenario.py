"""The demo scenario of seed_demo_cases: built through the services, once, and hidden from Qinghai."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases.assistance.models import AssistanceRequest, RequestDocument
from cases.assistance.selectors import request_deadlines, request_visible_to
from cases.models import Case, CasePerson, CaseState, RelatedCaseMatch
from cases.selectors import case_visible_to
from core.identity import parse_id_number
from core.inbox import inbox_for
from core.models import AuditEvent, DeadlineState, Notification, TimelineEntry
from organisation.demo import demo_accounts, demo_seed
from organisation.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = False  # the command runs with --force, as on a demonstration machine without DEBUG
    demo_seed()


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo_cases", "--force", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Case,
            CasePerson,
            AssistanceRequest,
            RequestDocument,
            RelatedCaseMatch,
            TimelineEntry,
            AuditEvent,
            Notification,
        )
    }


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _inbox_ids(username: str) -> set[str]:
    return {item.object_id for item in inbox_for(_user(username)) if item.object_type}


def test_refuses_without_debug_or_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo_cases", verbosity=0)
    assert not Case.objects.exists()


def test_refuses_without_the_demo_accounts(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_cases", verbosity=0)
    assert not Case.objects.exists()


@pytest.mark.usefixtures("demo")
def test_builds_the_scenario_once():
    first = _seed()
    assert "Created the demo scenario" in first
    assert "kunming.intake" in first and "guiyang.intake" in first
    after_first = _counts()

    second = _seed()
    assert "nothing created" in second
    assert _counts() == after_first

    case = Case.objects.get(external_number="DEMO-2026-0415")
    assert case.state == CaseState.UNDER_INVESTIGATION
    assert case.accepting_unit.code == case.lead_unit.code == "510107"
    assert case.number.startswith("A510107")
    roles = set(case.locations.values_list("role", "division_code"))
    assert {("conduct", "510107"), ("victim_loss", "530102"), ("server", "500103")} <= roles
    suspect = case.persons.get(role="suspect")
    assert parse_id_number(suspect.id_number).number == suspect.id_number
    assert suspect.household_unit.code == "520102"
    assert set(suspect.phones.values_list("number", flat=True)) == {"13985012345", "18685067890"}
    assert suspect.bank_accounts.count() == 1
    victims = case.persons.filter(role="victim")
    assert victims.count() == 2
    assert {victim.household_unit.code[:4] for victim in victims} == {"5301"}

    evidence = case.assistance_requests.get(kind="evidence_collection")
    assert (evidence.requested_unit.code, evidence.state) == ("530100", "sent")
    documents = evidence.current_documents()
    assert {doc.document_type for doc in documents} == {
        "assistance_letter",
        "police_id_copy",
        "evidence_call_notice",
        "case_filing_decision",
    }
    for document in documents:
        with document.file.open("rb") as scan:
            content = scan.read()
        assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")

    check = case.assistance_requests.get(kind="identity_check")
    assert (check.requested_unit.code, check.state) == ("520100", "received")
    deadline = next(row for row in request_deadlines(check) if row.rule_key == "identity_check")
    assert deadline.period == "7 days" and deadline.state == DeadlineState.RUNNING

    assert str(evidence.pk) in _inbox_ids("kunming.intake")
    assert str(check.pk) in _inbox_ids("guiyang.intake")

    kunming_case = Case.objects.get(external_number="DEMO-2026-0502")
    assert kunming_case.accepting_unit.code == "530100"
    assert kunming_case.state == CaseState.UNDER_INVESTIGATION
    matches = set(RelatedCaseMatch.objects.values_list("case_id", "other_case_id", "kind"))
    assert matches == {(case.pk, kunming_case.pk, "phone"), (kunming_case.pk, case.pk, "phone")}

    qinghai = [a.username for a in demo_accounts() if a.username.split(".")[0] in ("qinghai", "xining")]
    # Every role of the two Qinghai units, the security officer (issue 16) included: 2 × 8.
    assert len(qinghai) == 16
    case_ids = [case.pk, kunming_case.pk]
    request_ids = {str(evidence.pk), str(check.pk)}
    for username in qinghai:
        user = _user(username)
        assert not case_visible_to(user).filter(pk__in=case_ids).exists(), username
        assert not request_visible_to(user).exists(), username
        assert not _inbox_ids(username) & request_ids, username


@pytest.mark.usefixtures("demo")
def test_qinghai_investigator_gets_404_on_the_pages(client):
    _seed("--verbosity", "0")
    case = Case.objects.get(external_number="DEMO-2026-0415")
    client.force_login(_user("qinghai.investigator"))
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    for request in case.assistance_requests.all():
        assert client.get(f"/assistance-requests/{request.pk}/").status_code == 404


@pytest.mark.usefixtures("demo")
def test_the_demo_case_is_charged_with_fraud_and_analysed_by_the_telecom_rules(client):
    """The 4·15 case carries its charge (诈骗罪, CL art 266) under the 电信网络诈骗 grouping, so the
    jurisdiction analysis applies the telecom-fraud opinions; the page names the grouping 案件类别 and the
    charge 罪名, and writes every citation the Chinese way, the conditions of a basis included."""
    _seed("--verbosity", "0")
    case = Case.objects.get(external_number="DEMO-2026-0415")
    assert [charge.code for charge in case.charges.all()] == ["fraud"]
    client.force_login(_user("wuhou.investigator"))
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "<dt>案件类别</dt><dd>电信网络诈骗</dd>" in html
    assert "诈骗罪" in html
    assert "MPS-2020 art" not in html
