"""Why a PDF could not be made is stored as a key with its arguments and read in the reader's language.

The worker runs in the system's language: a render error frozen in it read Chinese to an officer who
chose English. It is stored as the English msgid with the characters and fields it names (core.words),
so the page and the API say it in each reader's language; a row written before reads as it was.
"""

import pytest
from django.conf import settings
from django.utils import translation

from core import words
from documents import pki, rendering, tasks
from documents.models import Document
from tests.support.documents import issue

pytestmark = pytest.mark.django_db

PRIVATE_USE = "\U000f0000"


@pytest.fixture
def missing_glyph(monkeypatch):
    def render_pdf(**kwargs):
        raise rendering.MissingGlyphError((PRIVATE_USE,), ("fields.subject_name",))

    monkeypatch.setattr("documents.rendering.render_pdf", render_pdf)


def test_a_missing_glyph_is_stored_as_a_key_and_read_in_each_language(office, linked, missing_glyph):
    document = issue(office)
    with translation.override("zh-hans"):
        assert tasks.render_document(document.pk) == tasks.FAILED
    document.refresh_from_db()
    stored = document.render_error
    # Neither language's sentence is frozen into the row: its key and its arguments are.
    assert stored.startswith(words.PREFIX) and "文书字体" not in stored
    assert PRIVATE_USE in stored and "fields.subject_name" in stored
    with translation.override("en"):
        english = words.shown(stored)
    with translation.override("zh-hans"):
        chinese = words.shown(stored)
    assert english.startswith("No document font can print") and "fields.subject_name" in english
    assert chinese.startswith("文书字体中没有") and "U+F0000" in chinese


def test_the_api_says_the_render_error_in_the_language_of_the_request(client, office, linked, missing_glyph):
    document = issue(office)
    tasks.render_document(document.pk)
    client.force_login(office.investigator)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/api/v1/documents/{document.pk}/").json()["render_error"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get(f"/api/v1/documents/{document.pk}/").json()["render_error"]

    assert english.startswith("No document font can print")
    assert chinese.startswith("文书字体中没有")


def test_a_unit_that_cannot_sign_is_stored_as_a_key_with_the_unit_and_the_command(office):
    exc = pki.SigningUnavailable(
        "%(unit)s has no signing certificate; an administrator imports one with "
        "`manage.py import_signing_credentials %(code)s`.",
        unit="成都市公安局武侯区分局",
        code="510107",
    )
    with translation.override("en"):
        assert words.shown(exc.stored).startswith("成都市公安局武侯区分局 has no signing certificate")
    with translation.override("zh-hans"):
        chinese = words.shown(exc.stored)
    assert "import_signing_credentials 510107" in chinese and "has no signing" not in chinese


def test_a_render_error_written_before_reads_as_it_was(client, office, linked):
    document = issue(office)
    Document.objects.filter(pk=document.pk).update(
        render_state="failed", render_error="文书字体中没有该字的字形。"
    )
    client.force_login(office.investigator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert (
        client.get(f"/api/v1/documents/{document.pk}/").json()["render_error"] == "文书字体中没有该字的字形。"
    )
