"""Build the demo scenario of issue 3 through the real services, for the demo accounts of seed_demo.

Wuhou (成都市公安局武侯区分局) investigates the "4·15 电信网络诈骗案": victims in Kunming, the
suspect living in Guiyang, the server in Chongqing. It has asked Kunming for an evidence
collection (sent, waiting for Kunming's intake officer to check the formalities) and Guiyang for
an identity check (received, its 7-day clock running). A smaller Kunming case names the suspect's
phone, so both units have a related-case notice. A property inquiry sent to Guiyang's 南明 branch
ten days ago has never been acknowledged: the overdue request a joint meeting's agenda offers.

Every step goes through cases.services and cases.assistance.services, as the demo accounts would
through the pages, so the audit trail, timelines, deadlines, notices and inboxes are the real
ones. Idempotent: the Wuhou case's external number marks the scenario as built.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases import filing
from cases import services as case_services
from cases.assistance import clocks
from cases.assistance import services as request_services
from cases.assistance.models import AssistanceRequest
from cases.assistance.selectors import request_deadlines
from cases.assistance_kinds import KINDS, AssistanceKind, DocumentType
from cases.models import Case, CasePerson, Charge, IdType, LocationRole, Offence, PersonRole
from core import deadline_rows
from core.deadlines import format_due
from core.identity import make_id_number
from core.models import Deadline
from organisation.demo import DEMO_PASSWORD
from organisation.models import Unit, User

WUHOU, KUNMING, GUIYANG, NANMING = "510107", "530100", "520100", "520102"
CASE_EXTERNAL_NUMBER = "DEMO-2026-0415"
KUNMING_EXTERNAL_NUMBER = "DEMO-2026-0502"
SHARED_PHONE = "18685067890"
FILING_REASONS = "经审查，有诈骗犯罪事实，需要追究刑事责任，且属于本局管辖。"

ACCOUNTS = (
    "wuhou.investigator",
    "wuhou.dept-head",
    "wuhou.unit-head",
    "kunming.investigator",
    "kunming.dept-head",
    "kunming.unit-head",
    "kunming.intake",
    "guiyang.intake",
)
# How long ago the unanswered property inquiry went to 南明 (its acknowledgement was due a working day later).
OVERDUE_SENT_DAYS_AGO = 10


# --- scans ---------------------------------------------------------------------------------------


def _pdf(title: str) -> bytes:
    """Return a one-page PDF saying `title` (ASCII): small, but a well-formed file with its xref."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii")
    stream = b"BT /F1 16 Tf 72 770 Td (" + text + b") Tj 0 -24 Td /F1 11 Tf (Lianban demo scan) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def _scan(document_type: str) -> SimpleUploadedFile:
    # The PDF's built-in font has no Chinese, so the scan is titled by the document type's key.
    title = str(document_type).replace("_", " ").capitalize()
    return SimpleUploadedFile(f"{document_type}.pdf", _pdf(title), content_type="application/pdf")


# --- the scenario --------------------------------------------------------------------------------


@dataclass
class Scenario:
    case: Case
    kunming_case: Case | None
    evidence: AssistanceRequest | None
    identity_check: AssistanceRequest | None
    created: bool
    overdue: AssistanceRequest | None = None


def _users() -> dict[str, User]:
    users = User.objects.in_bulk(ACCOUNTS, field_name="username")
    if missing := sorted(set(ACCOUNTS) - users.keys()):
        raise CommandError(f"Demo accounts {', '.join(missing)} are missing: run manage.py seed_demo first.")
    return users


def _on_or_before_today(day: dt.date) -> dt.date:
    return min(day, timezone.localdate())


def _attach(request: AssistanceRequest, by: User, numbers: dict[str, tuple[str, dt.date]]) -> None:
    """Upload a scan, with its number and date, for every document the request's kind needs."""
    for document_type in KINDS[AssistanceKind(request.kind)].documents:
        number, issued_on = numbers[document_type]
        request_services.request_document_upload(
            by=by,
            request=request,
            document_type=document_type,
            number=number,
            issued_on=_on_or_before_today(issued_on),
            file=_scan(document_type),
        )


def _send(request: AssistanceRequest, *, drafter: User, approver: User) -> AssistanceRequest:
    for name, by in (("submit", drafter), ("approve", approver), ("send", drafter)):
        request = request_services.request_transition(by=by, request=request, name=name)
    return request


def _wuhou_case(users: dict[str, User], offence: Offence) -> tuple[Case, CasePerson, list[CasePerson]]:
    investigator, head = users["wuhou.investigator"], users["wuhou.unit-head"]
    case = case_services.case_create(
        by=investigator,
        accepting_unit=Unit.objects.get(code=WUHOU),
        name="4·15 电信网络诈骗案",
        offence=offence,
        # 诈骗罪 (CL art 266) by telecom means: the telecom-fraud rules apply (jurisdiction.rules).
        charges=[Charge.objects.get(code="fraud")],
        external_number=CASE_EXTERNAL_NUMBER,
        summary=(
            "2026年4月以来，犯罪嫌疑人罗志勇等人在成都市武侯区租用写字楼设立话务窝点，冒充电商平台客服，"
            "以“退款理赔”为名诱骗昆明市五华区、盘龙区多名受害人向指定银行账户转账，涉案金额共计人民币"
            "52.3万元。诈骗网站服务器架设于重庆市渝中区，赃款经贵阳市南明区ATM取现。"
        ),
    )
    case = case_services.case_transition(case=case, name="register", by=investigator)
    # 立案 (MPS-2020 art 178): the investigator asks with a 呈请立案报告书, the bureau's head approves.
    case = filing.filing_request(case=case, by=investigator, reasons=FILING_REASONS)
    case = case_services.case_transition(case=case, name="start_investigation", by=head)
    for location in (
        {
            "role": LocationRole.CONDUCT,
            "division_code": WUHOU,
            "address": "成都市武侯区天府大道北段某写字楼12层（话务窝点）",
            "occurred": "2026年4月至今",
            "is_main": True,
        },
        {
            "role": LocationRole.VICTIM_LOSS,
            "division_code": "530102",
            "address": "昆明市五华区（受害人李秀兰等住所）",
            "occurred": "2026年4月15日",
            "victim_count": 23,
            "loss_amount": "386000",
        },
        {
            "role": LocationRole.VICTIM_LOSS,
            "division_code": "530103",
            "address": "昆明市盘龙区（受害人赵明住所）",
            "occurred": "2026年4月18日",
            "victim_count": 1,
            "loss_amount": "42000",
        },
        {
            "role": LocationRole.SERVER,
            "division_code": "500103",
            "address": "重庆市渝中区某数据中心（诈骗网站服务器）",
        },
        {
            "role": LocationRole.PROCEEDS,
            "division_code": "520102",
            "address": "贵阳市南明区某银行自助取款机（赃款取现）",
            "occurred": "2026年4月16日",
        },
    ):
        case_services.case_location_add(case=case, by=investigator, data=location)

    suspect = case_services.case_person_add(
        case=case,
        by=investigator,
        data={
            "role": PersonRole.SUSPECT,
            "name": "罗志勇",
            "id_type": IdType.RESIDENT_ID,
            "id_number": make_id_number("520102", dt.date(1991, 3, 8), 137),
            "household_division_code": "520102",
            "household_address": "贵阳市南明区花果园街道某小区3栋",
            "habitual_division_code": "520103",
            "habitual_address": "贵阳市云岩区中华北路某公寓",
            "habitual_since": dt.date(2025, 8, 1),
            "phones": ["139 8501 2345", "186-8506-7890"],
            "bank_accounts": [
                {"bank": "中国农业银行贵阳南明支行", "account_number": "6228 4807 9012 3456 781"}
            ],
            "note": "话务窝点组织者",
        },
    )
    victims = [
        case_services.case_person_add(
            case=case,
            by=investigator,
            data={
                "role": PersonRole.VICTIM,
                "name": "李秀兰",
                "id_type": IdType.RESIDENT_ID,
                "id_number": make_id_number("530102", dt.date(1968, 9, 21), 246),
                "household_division_code": "530102",
                "household_address": "昆明市五华区某小区",
                "phones": ["13708712345"],
                "bank_accounts": [
                    {"bank": "中国建设银行昆明五华支行", "account_number": "6217 0037 1000 2233 445"}
                ],
                "note": "被骗38.6万元",
            },
        ),
        case_services.case_person_add(
            case=case,
            by=investigator,
            data={
                "role": PersonRole.VICTIM,
                "name": "赵明",
                "id_type": IdType.RESIDENT_ID,
                "id_number": make_id_number("530103", dt.date(1985, 12, 2), 351),
                "household_division_code": "530103",
                "household_address": "昆明市盘龙区某小区",
                "phones": ["15912345678"],
                "note": "被骗13.7万元",
            },
        ),
    ]
    return case, suspect, victims


def _kunming_case(users: dict[str, User], offence: Offence) -> Case:
    """A smaller Kunming case whose unidentified suspect used the Wuhou suspect's phone."""
    investigator = users["kunming.investigator"]
    case = case_services.case_create(
        by=investigator,
        accepting_unit=Unit.objects.get(code=KUNMING),
        name="5·02 冒充客服退款诈骗案",
        offence=offence,
        # 诈骗罪 (CL art 266) by telecom means: the telecom-fraud rules apply (jurisdiction.rules).
        charges=[Charge.objects.get(code="fraud")],
        external_number=KUNMING_EXTERNAL_NUMBER,
        summary="2026年5月2日，受害人接到自称电商客服的电话，按其指示转账4.8万元。",
    )
    case_services.case_location_add(
        case=case,
        by=investigator,
        data={
            "role": LocationRole.VICTIM_LOSS,
            "division_code": "530111",
            "address": "昆明市官渡区（受害人住所）",
            "occurred": "2026年5月2日",
            "is_main": True,
        },
    )
    case_services.case_person_add(
        case=case,
        by=investigator,
        data={"role": PersonRole.SUSPECT, "name": "身份不明男子（自称“客服小罗”）", "phones": [SHARED_PHONE]},
    )
    case_services.case_person_add(
        case=case,
        by=investigator,
        data={
            "role": PersonRole.VICTIM,
            "name": "陈丽",
            "household_division_code": "530111",
            "phones": ["13888001122"],
        },
    )
    # Registration looks up all the case's suspects: the phone matches the Wuhou case's suspect.
    case = case_services.case_transition(case=case, name="register", by=investigator)
    case = filing.filing_request(case=case, by=users["kunming.dept-head"], reasons=FILING_REASONS)
    return case_services.case_transition(case=case, name="start_investigation", by=users["kunming.unit-head"])


def _overdue_inquiry(case: Case, users: dict[str, User]) -> AssistanceRequest:
    """Send 南明 a property inquiry dated ten days back, so its acknowledgement is long overdue.

    The request goes through the services like the others; then its sending and the clock that
    sending started are moved back to the scenario's date (the clock computed again from there, on
    the holiday calendar). The audit chain and the timeline keep the true time of seeding: the chain
    never runs backwards, and the demo does not pretend otherwise.
    """
    investigator = users["wuhou.investigator"]
    # The suspect whose account it is; a demo whose officers removed him asks about no one named.
    suspect = case.persons.filter(role=PersonRole.SUSPECT, name="罗志勇").first()
    inquiry = request_services.request_create(
        by=investigator,
        case=case,
        requested_unit=Unit.objects.get(code=NANMING),
        kind=AssistanceKind.PROPERTY_INQUIRY,
        matters=(
            "查询犯罪嫌疑人罗志勇在中国农业银行贵阳南明支行所开账户（6228 4807 9012 3456 781）的开户资料"
            "及2026年4月以来的交易明细。"
        ),
        legal_basis="《公安机关办理刑事案件程序规定》第二百三十八条、第三百四十六条",
        subjects=[suspect] if suspect else [],
    )
    _attach(
        inquiry,
        investigator,
        {
            DocumentType.ASSISTANCE_LETTER: ("武公（刑）协字〔2026〕90号", dt.date(2026, 4, 21)),
            DocumentType.POLICE_ID_COPY: (
                "武侯分局民警警官证复印件（警号031245、031287）",
                dt.date(2026, 4, 20),
            ),
            DocumentType.PROPERTY_INQUIRY_NOTICE: ("武公（刑）查询字〔2026〕17号", dt.date(2026, 4, 21)),
        },
    )
    # A property inquiry is approved by the organ's head (MPS-2020 art 238).
    inquiry = _send(inquiry, drafter=investigator, approver=users["wuhou.unit-head"])
    sent_at = timezone.now() - dt.timedelta(days=OVERDUE_SENT_DAYS_AGO)
    AssistanceRequest.objects.filter(pk=inquiry.pk).update(created_at=sent_at, sent_at=sent_at)
    inquiry.refresh_from_db()
    clock = deadline_rows.deadline_open(target=inquiry, rule_key=clocks.ACKNOWLEDGE_RULE)
    moved = deadline_rows.deadline_build(
        target=inquiry,
        rule_key=clocks.ACKNOWLEDGE_RULE,
        start=sent_at,
        responsible_unit_code=inquiry.requested_unit.code,
        requester_unit_code=inquiry.requesting_unit.code,
        urgency=inquiry.urgency,
    )
    Deadline.objects.filter(pk=clock.pk).update(
        started_at=moved.started_at, due_at=moved.due_at, next_escalation_at=moved.next_escalation_at
    )
    return inquiry


def _existing_overdue(case: Case) -> AssistanceRequest | None:
    return case.assistance_requests.filter(
        kind=AssistanceKind.PROPERTY_INQUIRY, requested_unit__code=NANMING
    ).first()


@transaction.atomic
def seed_demo_cases() -> Scenario:
    """Build the scenario unless the Wuhou case exists; return what there is either way."""
    existing = Case.objects.filter(accepting_unit__code=WUHOU, external_number=CASE_EXTERNAL_NUMBER).first()
    if existing is not None:
        return Scenario(
            case=existing,
            kunming_case=Case.objects.filter(
                accepting_unit__code=KUNMING, external_number=KUNMING_EXTERNAL_NUMBER
            ).first(),
            evidence=existing.assistance_requests.filter(kind=AssistanceKind.EVIDENCE_COLLECTION).first(),
            identity_check=existing.assistance_requests.filter(kind=AssistanceKind.IDENTITY_CHECK).first(),
            created=False,
            # A demo built before the overdue inquiry joined the scenario gets it now.
            overdue=_existing_overdue(existing) or _overdue_inquiry(existing, _users()),
        )

    users = _users()
    offence = Offence.objects.get(code="telecom_fraud")
    investigator, head = users["wuhou.investigator"], users["wuhou.dept-head"]
    case, suspect, victims = _wuhou_case(users, offence)

    filing = ("武公（刑）立字〔2026〕15号", dt.date(2026, 4, 15))
    police_ids = ("武侯分局民警警官证复印件（警号031245、031287）", dt.date(2026, 4, 20))
    evidence = request_services.request_create(
        by=investigator,
        case=case,
        requested_unit=Unit.objects.get(code=KUNMING),
        kind=AssistanceKind.EVIDENCE_COLLECTION,
        matters="调取受害人李秀兰、赵明2026年4月的银行流水及通话记录，并制作询问笔录。",
        legal_basis="《公安机关办理刑事案件程序规定》第六十二条、第三百四十六条",
        subjects=victims,
    )
    _attach(
        evidence,
        investigator,
        {
            DocumentType.ASSISTANCE_LETTER: ("武公（刑）协字〔2026〕88号", dt.date(2026, 4, 20)),
            DocumentType.POLICE_ID_COPY: police_ids,
            DocumentType.EVIDENCE_CALL_NOTICE: ("武公（刑）调证字〔2026〕41号", dt.date(2026, 4, 20)),
            DocumentType.CASE_FILING_DECISION: filing,
        },
    )
    evidence = _send(evidence, drafter=investigator, approver=head)

    identity_check = request_services.request_create(
        by=investigator,
        case=case,
        requested_unit=Unit.objects.get(code=GUIYANG),
        kind=AssistanceKind.IDENTITY_CHECK,
        matters="核查犯罪嫌疑人罗志勇的身份信息、户籍及前科情况，并核实其在贵阳的实际居住地。",
        legal_basis="《公安机关办理刑事案件程序规定》第三百四十六条、第三百五十三条",
        subjects=[suspect],
    )
    _attach(
        identity_check,
        investigator,
        {
            DocumentType.ASSISTANCE_LETTER: ("武公（刑）协字〔2026〕89号", dt.date(2026, 4, 20)),
            DocumentType.POLICE_ID_COPY: police_ids,
        },
    )
    _send(identity_check, drafter=investigator, approver=head)
    identity_check = request_services.request_transition(
        by=users["guiyang.intake"], request=identity_check, name="receive"
    )

    kunming_case = _kunming_case(users, offence)
    return Scenario(
        case=case,
        kunming_case=kunming_case,
        evidence=evidence,
        identity_check=identity_check,
        created=True,
        overdue=_overdue_inquiry(case, users),
    )


# --- the command ---------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Build the issue 3 demo scenario (a Wuhou telecom-fraud case, its requests to Kunming and Guiyang, "
        "a related Kunming case) through the real services, once. Needs seed_demo's accounts. Runs only "
        "with DEBUG or LIANBAN_DEMO on, or with --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though neither DEBUG nor LIANBAN_DEMO is on"
        )

    def handle(self, *args, force: bool, verbosity: int, **options):
        if not (settings.DEBUG or settings.DEMO or force):
            raise CommandError(
                "Refusing to create demo cases with neither DEBUG nor LIANBAN_DEMO on: "
                "they belong with the demo accounts. "
                "Pass --force if this really is a demonstration machine."
            )
        try:
            scenario = seed_demo_cases()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            # A demo account lost the membership the scenario needs (edited in the administration).
            raise CommandError(f"A demo account may not take its step: {exc}") from exc
        if verbosity < 1:
            return
        self._report(scenario)

    def _line(self, text: str = "") -> None:
        self.stdout.write(text)

    def _report(self, scenario: Scenario) -> None:
        case = scenario.case
        if scenario.created:
            self._line(self.style.SUCCESS("Created the demo scenario:"))
        else:
            self._line(
                f"The demo scenario exists already (case {case.number}, external number "
                f"{CASE_EXTERNAL_NUMBER}); nothing created."
            )
        self._line(
            f"  Case {case.number} {case.name}, {case.accepting_unit.name}, {case.get_state_display()}: "
            f"{reverse('cases:detail', args=[case.pk])}"
        )
        self._line("    log in as wuhou.investigator (case page, timeline, related-case panel)")
        if scenario.evidence is not None:
            request = scenario.evidence
            self._line(
                f"  Request {request.number} {request.get_kind_display()} → {request.requested_unit.name}, "
                f"{request.get_state_display()}: {reverse('assistance:detail', args=[request.pk])}"
            )
            self._line(
                "    log in as kunming.intake: it waits in the inbox; receive it, then return it "
                "(立案决定书 unsigned) or accept it and route it to 刑侦"
            )
        if scenario.identity_check is not None:
            request = scenario.identity_check
            due = next(
                (row.due_at for row in request_deadlines(request) if row.rule_key == "identity_check"), None
            )
            due_text = f", due {format_due(due)}" if due else ""
            self._line(
                f"  Request {request.number} {request.get_kind_display()} → {request.requested_unit.name}, "
                f"{request.get_state_display()}{due_text}: "
                f"{reverse('assistance:detail', args=[request.pk])}"
            )
            self._line("    log in as guiyang.intake: the 7-day identity-check deadline runs from receipt")
        if scenario.overdue is not None:
            request = scenario.overdue
            self._line(
                f"  Request {request.number} {request.get_kind_display()} → {request.requested_unit.name}, "
                f"{request.get_state_display()}, sent {OVERDUE_SENT_DAYS_AGO} days ago, never acknowledged: "
                f"{reverse('assistance:detail', args=[request.pk])}"
            )
            self._line(
                "    overdue: chongqing.liaison finds it among the agenda candidates of the joint meeting; "
                "nanming.intake has it in the inbox"
            )
        if scenario.kunming_case is not None:
            other = scenario.kunming_case
            self._line(
                f"  Case {other.number} {other.name}, {other.accepting_unit.name}, "
                f"{other.get_state_display()}: {reverse('cases:detail', args=[other.pk])}"
            )
            self._line(
                "    shares the suspect's phone: wuhou.investigator, kunming.investigator and both units' "
                "heads have a related-case notice"
            )
        self._line("  qinghai.investigator sees none of it.")
        self._line(f"Password for every demo account: {DEMO_PASSWORD}")
