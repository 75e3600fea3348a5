"""Fixtures of the documents tests: one issuing office in Wuhou and the stand-ins of linking and rendering."""

import pytest

from documents import access
from tests.support.documents import LINK, FakeRendered
from tests.support.personas import Office


@pytest.fixture
def office(wuhou_office) -> Office:
    return wuhou_office


@pytest.fixture
def linked():
    """A linking app that lets the Kunming intake officer see documents linked to case "1", and
    approves the documents of an "external" chain (as an assistance request's approval would)."""
    access.register_resolver(LINK, lambda document, user: user.username == "kunming_intake")
    access.register_external_approval(LINK, lambda document: True)
    yield LINK
    access.unregister_resolver(LINK)
    access.unregister_external_approval(LINK)


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
