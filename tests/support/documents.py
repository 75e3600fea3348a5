"""Documents through their services: drafted, walked through their approval chain, issued."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from documents import services
from documents.models import Document
from organisation.models import Role, Unit, User
from tests.support.personas import Office
from tests.support.units import KUNMING, WUHOU

LINK = "tests.case"
TRANSFER_DATA = {
    "recipient": "昆明市公安局",
    "case_name": "成都“4·15”诈骗案",
    "reason": "犯罪地在昆明市五华区，由昆明市公安局管辖更为适宜",
    "legal_basis": "《公安机关办理刑事案件程序规定》第二十一条",
}
EVIDENCE_DATA = {
    "recipient": "中国工商银行昆明分行",
    "case_name": "成都“4·15”诈骗案",
    "evidence": "张三名下账户2026年1月至3月的交易流水",
}


class FakeRendered:
    """What WeasyPrint's stand-in returns: the bytes, their digest and one page."""

    def __init__(self, content: bytes):
        self.content = content
        self.sha256 = hashlib.sha256(content).hexdigest()
        self.pages = 1


def draft(office: Office, kind: str = "case_transfer_notice", data=None, link: str = LINK) -> Document:
    """Draft a document of the office's criminal department to the Kunming bureau, linked to case "1"."""
    return services.document_draft(
        kind=kind,
        issuing_unit=office.unit,
        department=office.unit.departments.get(kind="criminal"),
        by=office.investigator,
        data=data or (TRANSFER_DATA if kind == "case_transfer_notice" else EVIDENCE_DATA),
        recipients=[{"name": "昆明市公安局", "unit": Unit.objects.get(code=KUNMING)}],
        link_target_type=link,
        link_target_id="1",
    )


def walk_to_issue(office: Office, document: Document) -> Document:
    """Take a reviewed-chain document from draft to issued through the services."""
    step = services.document_transition
    step(document=document, name="submit_for_review", by=office.investigator)
    step(document=document, name="approve_review", by=office.legal)
    step(document=document, name="approve", by=office.head)
    return services.document_issue(document=document, by=office.head)


def issue(office: Office, kind: str = "case_transfer_notice", data=None) -> Document:
    """Draft and issue a document of this kind (a transfer notice through review and approval)."""
    document = draft(office, kind, data)
    if kind == "case_transfer_notice":
        return walk_to_issue(office, document)
    return services.document_issue(document=document, by=office.investigator)


def issued(office: Office, *, link_type: str, link_id, reason: str) -> Document:
    """Return a transfer notice issued by the office, linked to `link_type` `link_id`."""
    document = services.document_draft(
        kind="case_transfer_notice",
        issuing_unit=office.unit,
        department=office.unit.departments.get(kind="criminal"),
        by=office.investigator,
        data={**TRANSFER_DATA, "reason": reason},
        recipients=[{"name": "昆明市公安局", "unit": Unit.objects.get(code=KUNMING)}],
        link_target_type=link_type,
        link_target_id=link_id,
    )
    return walk_to_issue(office, document)


def acting_head(office: Office) -> User:
    """Return an acting head of Wuhou for a week from today."""
    today = timezone.localdate()
    return office.cast.get(
        "wuhou_acting_head",
        WUHOU,
        Role.UNIT_HEAD,
        is_acting=True,
        valid_from=today,
        valid_to=today + dt.timedelta(days=7),
    )
