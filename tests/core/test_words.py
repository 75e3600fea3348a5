"""Words as the reader's language writes them: colons, names of reference data, stored messages, deadlines."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from core import words

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "当前：主张管辖"), ("en", "now: claims")])
def test_the_colon_after_a_label_is_the_languages_own(language, expected):
    template = Template('{% load i18n words %}{% translate "now" %}{% colon %}{{ value }}')
    value = "主张管辖" if language == "zh-hans" else "claims"
    with translation.override(language):
        shown = template.render(Context({"value": value}))
    # "now" is 当前 in the Chinese catalogue: the colon after it is full-width, with no space.
    assert shown == expected


FRAUD = SimpleNamespace(name="诈骗罪", name_en="Fraud")


@pytest.mark.parametrize(
    ("language", "obj", "expected"),
    [
        ("zh-hans", FRAUD, "诈骗罪"),
        ("en", FRAUD, "Fraud"),
        # No English text kept: the Chinese name rather than nothing.
        ("en", SimpleNamespace(name="毒品", name_en=""), "毒品"),
        ("en", None, ""),
    ],
)
def test_reference_data_is_named_in_the_readers_language(language, obj, expected):
    with translation.override(language):
        assert Template("{% load words %}{{ obj|localized }}").render(Context({"obj": obj})) == expected
        assert words.localized(obj) == expected


MSGID = "The PDF could not be stored (%(error)s); rendering is retried."


def test_a_stored_message_is_a_key_with_arguments_read_in_each_language():
    # A msgid of the catalogue: the worker stores it untranslated, whatever language it runs in.
    with translation.override("zh-hans"):
        text = words.stored(
            "The PDF could not be stored (%(error)s); rendering is retried.", error="OSError: 28"
        )
    assert "无法" not in text and "could not" in text and "OSError: 28" in text
    with translation.override("en"):
        assert words.shown(text) == "The PDF could not be stored (OSError: 28); rendering is retried."
    with translation.override("zh-hans"):
        shown = words.shown(text)
    assert "OSError: 28" in shown and "could not" not in shown and re.search(r"[\u4e00-\u9fff]", shown)
    with translation.override("en"):
        assert (
            Template("{% load words %}{{ text|shown }}").render(Context({"text": text})).startswith("The PDF")
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A row written before messages were stored as keys reads as it was written.
        ("文书字体中没有“𠀀”的字形", "文书字体中没有“𠀀”的字形"),
        ("", ""),
        (None, ""),
        # A damaged stored row shows what it holds rather than failing the page.
        ("msg:{not json", "{not json"),
    ],
)
def test_older_and_damaged_rows_stay_readable(text, expected):
    assert words.shown(text) == expected


# A deadline shown with the date filter reads "2026-12-11 00:00" where its deadline panel says
# "2026-12-10 24:00" (CPL-2018 art 105): every due date goes through legal_due.
DUE_WITH_DATE = re.compile(r"\{\{\s*[\w.]*due(?:_at)?\s*\|\s*date\s*:\s*[\"']Y-m-d H:i")


def test_every_template_writes_deadlines_with_legal_due():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DUE_WITH_DATE.search(line)
    ]
    assert not offenders, offenders


def _state_labels() -> set[str]:
    """Every state's label in the active language, over every model with a state field."""
    from django.apps import apps

    labels = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.name.endswith("state") and getattr(field, "choices", None):
                labels |= {str(label) for _value, label in field.flatchoices}
    return labels


@pytest.mark.parametrize("module", ["cases.assistance.views", "bulletins.views"])
def test_the_creating_event_is_not_named_by_a_state(module):
    """One word per state: the timeline read "已起草 → 草稿", naming the draft by a document's state."""
    import importlib

    labels = importlib.import_module(module).TIMELINE_LABELS
    with translation.override("zh-hans"):
        assert str(labels["create"]) not in _state_labels()


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("zh-hans", "《公安机关办理刑事案件程序规定》第三百五十三条", "MPS-2020 art 353"),
        ("en", "(MPS-2020 art 353)", "第三百五十三条"),
    ],
)
def test_a_notification_writes_its_citation_as_the_language_reads_it(language, expected, absent):
    """A deadline reminder said "（MPS-2020 art 353）" in the middle of its Chinese text."""
    from core.notifications import render

    body = "%(title)s: “%(label)s” is due by %(due)s (%(citation)s). Please complete it before then."
    params = {"title": "R510107202600001", "label": "协查", "due": "2026-12-10 24:00"}
    params["citation"] = "MPS-2020 art 353"
    with translation.override(language):
        text = render(body, params)
    assert expected in text and absent not in text
