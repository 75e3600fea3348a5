"""Builders for assistance-request tests: a registered case, a request, scans and whole walks.

The people of a walk are a `Cast` (tests/support/personas.py).
"""

import datetime as dt

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.assistance import services
from cases.assistance.models import AssistanceRequest
from cases.assistance_kinds import KINDS, AssistanceKind
from cases.models import Case, CaseState, HandlingCode, Offence
from organisation.models import Unit
from tests.support.factories.cases import FACTORY_SERIAL_START, CaseFactory, unit
from tests.support.factories.organisation import UserFactory
from tests.support.personas import Cast

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_serial = iter(range(1, 10**6))


def scan(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def case_in(code: str = "510107", *, handling_code: str = HandlingCode.NORMAL, created_by=None) -> Case:
    """Return a case under investigation led by the unit with this code (built directly, not via services)."""
    return CaseFactory(
        serial=next(_serial),
        name="4·15 电信网络诈骗案",
        offence=Offence.objects.order_by("sort").first(),
        summary="受害人在昆明被骗，嫌疑人居住在贵阳。",
        accepting_unit=unit(code),
        handling_code=handling_code,
        state=CaseState.UNDER_INVESTIGATION,
        created_by=created_by,
    )


class AssistanceRequestFactory(factory.django.DjangoModelFactory):
    """A request written directly in any state (tests of a step build what comes before it here).

    The services' side effects (the requested unit's party row, deadlines, documents) are not made;
    tests of those call the services (`draft_request`, `walk`).
    """

    class Meta:
        model = AssistanceRequest

    class Params:
        serial = factory.Sequence(lambda n: FACTORY_SERIAL_START + n)

    case = factory.SubFactory(CaseFactory, state=CaseState.UNDER_INVESTIGATION)
    requesting_unit = factory.LazyAttribute(lambda o: o.case.responsible_unit)
    requested_unit = factory.LazyFunction(lambda: unit("530100"))
    kind = AssistanceKind.EVIDENCE_COLLECTION
    matters = "调取受害人银行流水及通话记录"
    number = factory.LazyAttribute(
        lambda o: f"R{o.requesting_unit.code}{timezone.localdate().year}{o.serial:05d}"
    )
    created_by = factory.SubFactory(UserFactory)


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


def walk(request: AssistanceRequest, cast: Cast, upto: str) -> AssistanceRequest:
    """Take the request along the main path until it reaches state `upto`."""
    # The unit head approves a coercive request and a property inquiry (MPS-2020 art 238).
    by_head = KINDS[AssistanceKind(request.kind)].approver_role == "unit_head"
    steps = {
        "draft": ("submit", lambda: cast.investigator, {}),
        "awaiting_approval": ("approve", lambda: cast.unit_head if by_head else cast.department_head, {}),
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
        request = services.request_transition(by=user(), request=request, name=name, fields=fields)
    return request
