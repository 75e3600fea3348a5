"""Builders for assistance-request tests: a registered case, a request, scans and whole walks."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import AssistanceRequest
from cases.assistance_kinds import KINDS, AssistanceKind
from cases.models import Case, CaseParty, CaseState, HandlingCode, Offence, PartyRole
from organisation.models import Role, Unit
from tests.factories.organisation import member

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_serial = iter(range(1, 10**6))


def scan(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def case_in(code: str = "510107", *, handling_code: str = HandlingCode.NORMAL, created_by=None) -> Case:
    """Return a case under investigation led by the unit with this code (built directly, not via services)."""
    unit = Unit.objects.get(code=code)
    serial = next(_serial)
    year = timezone.localdate().year
    case = Case.objects.create(
        number=f"A{code}{year}{serial:05d}",
        number_year=year,
        number_serial=serial,
        name="4·15 电信网络诈骗案",
        offence=Offence.objects.order_by("sort").first(),
        summary="受害人在昆明被骗，嫌疑人居住在贵阳。",
        accepting_unit=unit,
        accepted_at=timezone.now(),
        lead_unit=unit,
        handling_code=handling_code,
        state=CaseState.UNDER_INVESTIGATION,
        created_by=created_by,
    )
    CaseParty.objects.create(case=case, unit=unit, role=PartyRole.ACCEPTING)
    CaseParty.objects.create(case=case, unit=unit, role=PartyRole.LEAD)
    return case


def draft_request(
    by, *, case=None, to: str = "530100", kind: str = AssistanceKind.EVIDENCE_COLLECTION, urgency="normal"
) -> AssistanceRequest:
    case = case or case_in("510107")
    return services.request_create(
        by=by,
        case=case,
        requested_unit=Unit.objects.get(code=to),
        kind=kind,
        urgency=urgency,
        matters="调取受害人银行流水及通话记录",
    )


def attach_all(by, request: AssistanceRequest, *, skip=()) -> None:
    """Upload a scan for every document the kind needs, except those named in `skip`."""
    for document_type in KINDS[AssistanceKind(request.kind)].documents:
        if document_type in skip:
            continue
        services.request_document_upload(
            by=by,
            request=request,
            document_type=document_type,
            number=f"武公（刑）字〔2026〕{next(_serial)}号",
            issued_on=timezone.localdate() - dt.timedelta(days=1),
            file=scan(),
        )


class Cast:
    """The people of a request's walk, created on demand in the requesting and requested units."""

    def __init__(self, requesting="510107", requested="530100"):
        self.requesting, self.requested = requesting, requested
        self._people = {}

    def get(self, name, code, role, department_kind=None):
        if name not in self._people:
            self._people[name] = member(code, role, username=name, department_kind=department_kind)
        return self._people[name]

    @property
    def investigator(self):
        return self.get(f"inv_{self.requesting}", self.requesting, Role.INVESTIGATOR, "criminal")

    @property
    def department_head(self):
        return self.get(f"dh_{self.requesting}", self.requesting, Role.DEPARTMENT_HEAD, "criminal")

    @property
    def unit_head(self):
        return self.get(f"uh_{self.requesting}", self.requesting, Role.UNIT_HEAD)

    @property
    def intake(self):
        return self.get(f"intake_{self.requested}", self.requested, Role.INTAKE_OFFICER, "command")

    @property
    def requested_head(self):
        return self.get(f"dh_{self.requested}", self.requested, Role.DEPARTMENT_HEAD, "criminal")

    @property
    def officer(self):
        return self.get(f"officer_{self.requested}", self.requested, Role.INVESTIGATOR, "criminal")


def walk(request: AssistanceRequest, cast: Cast, upto: str) -> AssistanceRequest:
    """Take the request along the main path until it reaches state `upto`."""
    coercive = KINDS[AssistanceKind(request.kind)].coercive
    steps = {
        "draft": ("submit", lambda: cast.investigator, {}),
        "awaiting_approval": ("approve", lambda: cast.unit_head if coercive else cast.department_head, {}),
        "approved": ("send", lambda: cast.investigator, {}),
        "sent": ("receive", lambda: cast.intake, {}),
        "received": ("accept", lambda: cast.intake, {}),
        "accepted": ("route", lambda: cast.intake, {"department": "criminal"}),
        "routed": ("assign", lambda: cast.requested_head, {"assignee": cast.officer}),
        "assigned": ("start", lambda: cast.officer, {}),
        "in_progress": ("fulfil", lambda: cast.officer, {"results": "已调取银行流水三份"}),
        "fulfilled": ("close", lambda: cast.investigator, {}),
    }
    if request.state == "draft" and not request.documents.exists():
        attach_all(cast.investigator, request)
    while request.state != upto:
        name, user, fields = steps[request.state]
        request = services.request_transition(by=user(), request_id=request.pk, name=name, fields=fields)
    return request
