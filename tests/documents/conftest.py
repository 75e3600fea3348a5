"""Fixtures of the documents tests: one issuing office in Wuhou, a private media root, helpers."""

import datetime as dt
import hashlib
from dataclasses import dataclass

import pytest
from django.utils import timezone

from documents import access, services
from documents.models import Document
from organisation.models import Role, Unit, User
from tests.factories.organisation import member

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


@dataclass
class Office:
    unit: Unit
    investigator: User
    legal: User
    head: User


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def office(wuhou_investigator) -> Office:
    unit = Unit.objects.get(code="510107")
    return Office(
        unit=unit,
        investigator=wuhou_investigator,
        legal=member("510107", Role.LEGAL_OFFICER, username="wuhou_legal", department_kind="legal"),
        head=member("510107", Role.UNIT_HEAD, username="wuhou_head"),
    )


@pytest.fixture
def linked():
    """A linking app that lets the Kunming intake officer see documents linked to case "1", and
    approves the documents of an "external" chain (as an assistance request's approval would)."""
    access.register_resolver(LINK, lambda document, user: user.username == "kunming_intake")
    access.register_external_approval(LINK, lambda document: True)
    yield LINK
    access.unregister_resolver(LINK)
    access.unregister_external_approval(LINK)


class FakeRendered:
    def __init__(self, content: bytes):
        self.content = content
        self.sha256 = hashlib.sha256(content).hexdigest()
        self.pages = 1


@pytest.fixture
def fake_renderer(monkeypatch):
    """Stand in for WeasyPrint in tests of pure logic: a small PDF whose bytes follow the snapshot."""
    calls = []

    def render_pdf(*, template_name, context, verification_code, **kwargs):
        calls.append(template_name)
        body = f"{template_name}|{context.get('number')}|{verification_code}".encode()
        return FakeRendered(b"%PDF-1.7\n" + body + b"\n%%EOF\n")

    monkeypatch.setattr("documents.rendering.render_pdf", render_pdf)
    return calls


def draft(office: Office, kind: str = "case_transfer_notice", data=None, link: str = LINK) -> Document:
    return services.document_draft(
        kind=kind,
        issuing_unit=office.unit,
        department=office.unit.departments.get(kind="criminal"),
        by=office.investigator,
        data=data or (TRANSFER_DATA if kind == "case_transfer_notice" else EVIDENCE_DATA),
        recipients=[{"name": "昆明市公安局", "unit": Unit.objects.get(code="530100")}],
        link_target_type=link,
        link_target_id="1",
    )


def walk_to_issue(office: Office, document: Document) -> Document:
    """Take a reviewed-chain document from draft to issued through the services."""
    step = services.document_transition
    step(document_id=document.pk, name="submit_for_review", by=office.investigator)
    step(document_id=document.pk, name="approve_review", by=office.legal)
    step(document_id=document.pk, name="approve", by=office.head)
    return services.document_issue(document_id=document.pk, by=office.head)


def issue(office: Office, kind: str = "case_transfer_notice", data=None) -> Document:
    document = draft(office, kind, data)
    if kind == "case_transfer_notice":
        return walk_to_issue(office, document)
    return services.document_issue(document_id=document.pk, by=office.investigator)


def acting_head(office: Office) -> User:
    today = timezone.localdate()
    return member(
        "510107",
        Role.UNIT_HEAD,
        username="wuhou_acting_head",
        is_acting=True,
        valid_from=today,
        valid_to=today + dt.timedelta(days=7),
    )
