"""The Chinese catalogue speaks as officers do: the glossary's words, full-width punctuation in Chinese text.

docs/glossary.md is the reference; these tests read its table and the committed catalogue, so a new
message that says 法制审查 where the glossary says 法制审核, or "当前: 主张管辖" with an ASCII colon,
fails here. Templates are read too: a translated word followed by an ASCII colon in the template shows
"当前: …" in Chinese whatever the catalogue says.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
ZH_CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# Han characters, CJK punctuation (、。《》「」…) and full-width forms (：，；？！（）).
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ASCII_MARKS = re.compile(r"[:;,?!]")
LINE = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$")


def catalogue(path: Path = ZH_CATALOGUE) -> list[tuple[str, list[str]]]:
    """Read a .po file: (msgid, [msgstr, ...]) for each message, the header left out."""
    messages: list[tuple[str, list[str]]] = []
    current: dict | None = None
    key = None

    def close():
        if current and current.get("msgid"):
            messages.append((current["msgid"], current["msgstr"]))

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if current and current["msgstr"]:
                close()
                current = None
            continue
        match = LINE.match(line)
        if match:
            field, value = match.group(1), ast.literal_eval(match.group(2))
            if field in ("msgctxt", "msgid") and current and current["msgstr"]:
                close()
                current = None
            if current is None:
                current = {"msgid": "", "msgstr": []}
            if field.startswith("msgstr"):
                current["msgstr"].append(value)
                key = ("msgstr", len(current["msgstr"]) - 1)
            else:
                current[field] = value
                key = (field, None)
        elif line.startswith('"') and current is not None:
            value = ast.literal_eval(line)
            if key[1] is None:
                current[key[0]] += value
            else:
                current["msgstr"][key[1]] += value
    close()
    return messages


def glossary() -> list[dict]:
    """Read the glossary's table: term, exact English messages, variants not used, allowed phrases."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| 中文") or line.startswith("|---"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == 5, f"docs/glossary.md: a row needs five cells: {line}"
        term, english, _where, variants, allowed = cells
        rows.append(
            {
                # "纪要 / 会议纪要" and "接收（归口接收）" are checked by their first word.
                "term": re.split(r" / |（", term)[0],
                "messages": re.findall(r"`([^`]+)`", english),
                "variants": [word for word in variants.split("、") if word],
                "allowed": [phrase for phrase in allowed.split("、") if phrase],
            }
        )
    return rows


MESSAGES = catalogue()
TERMS = glossary()


def test_the_glossary_and_the_catalogue_are_read():
    assert len(TERMS) >= 20
    assert {"立案", "受理", "指定管辖", "办案协作函", "呈请报告书", "法制审核", "纪要", "会签", "回执"} <= {
        row["term"] for row in TERMS
    }
    assert len(MESSAGES) > 3000
    assert ("Drafted", ["已起草"]) in MESSAGES


@pytest.mark.parametrize("row", TERMS, ids=lambda row: row["term"])
def test_no_chinese_text_uses_a_variant_the_glossary_rules_out(row):
    offenders = []
    for msgid, texts in MESSAGES:
        for text in texts:
            for phrase in row["allowed"]:
                text = text.replace(phrase, "")
            offenders += [(msgid, text, word) for word in row["variants"] if word in text]
    assert not offenders, f"say {row['term']} (docs/glossary.md): {offenders}"


@pytest.mark.parametrize("row", [row for row in TERMS if row["messages"]], ids=lambda row: row["term"])
def test_the_glossary_messages_use_the_term(row):
    translations = dict(MESSAGES)
    for english in row["messages"]:
        assert english in translations, f"docs/glossary.md names {english!r}, which the catalogue lacks"
        assert all(row["term"] in text for text in translations[english]), (english, translations[english])


def ascii_marks_in_chinese(text: str) -> list[str]:
    """Return each ASCII : ; , ? ! that stands next to Chinese text (a code span and a time excepted)."""
    text = re.sub(r"`[^`]*`", "", text)
    found = []
    for match in ASCII_MARKS.finditer(text):
        before = text[: match.start()].rstrip()[-1:]
        after = text[match.end() :].lstrip()[:1]
        if CJK.match(before) or CJK.match(after):
            found.append(text[max(match.start() - 8, 0) : match.end() + 8])
    return found


@pytest.mark.parametrize(
    ("text", "offending"),
    [
        ("当前: 主张管辖", True),
        ("是否同意?", True),
        ("成都市公安局, 昆明市公安局", True),
        ("当前：主张管辖", False),
        ("如 2026-03-08 24:00。", False),
        ("以 `Authorization: Token <令牌>` 发送", False),
        ("/api/v1/units/?search=名称", False),
    ],
)
def test_the_punctuation_rule(text, offending):
    assert bool(ascii_marks_in_chinese(text)) is offending


def test_chinese_messages_use_full_width_punctuation():
    offenders = [
        (msgid, mark) for msgid, texts in MESSAGES for text in texts for mark in ascii_marks_in_chinese(text)
    ]
    assert not offenders, offenders


# A translated word (or a label, a name, a choice's display), then an ASCII colon the template writes
# itself: "{% translate "now" %}: …", "{{ clock.label }}: …".
TEMPLATE_COLON = re.compile(
    r"(?:\{%\s*(?:translate|trans|endblocktranslate|endblocktrans)\b[^%]*%\}"
    r"|\{\{\s*[\w.]*(?:label|name|display)\s*\}\}):(?=\s|<)"
)


def test_templates_put_no_ascii_colon_after_translated_words():
    """A colon after a translated label comes from {% colon %}: "：" in Chinese, ": " in English."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            offenders += [f"{path.relative_to(ROOT)}:{number}" for _ in TEMPLATE_COLON.finditer(line)]
    assert not offenders, offenders
