"""The citation register (core.citations): every citation the code emits is registered, and it
reads as the UI language reads it (Chinese 《公安机关办理刑事案件程序规定》第十六条, English unchanged)."""

import os
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from core import citations
from core.citations import REGISTER, VERSIONS, CitationError, citation, references_in, render, unregistered

ROOT = Path(__file__).resolve().parents[2]
# Not the project's own code: the virtualenv, tests, migrations (history), caches and data.
_SKIPPED_DIRS = {".venv", ".git", "tests", "migrations", "node_modules", "__pycache__", "var", "staticfiles"}
# jurisdiction.rules builds its citations from article numbers: cite(16) is "MPS-2020 art 16".
_CITE_CALL = re.compile(r"\bcite\((\d+)\)")


def _project_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".py", ".html")):
                yield Path(folder) / name


def test_every_citation_in_the_code_is_in_the_register():
    missing = []
    for path in _project_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        found = unregistered(text)
        if path.name == "rules.py":
            found += unregistered(" ".join(f"MPS-2020 art {n}" for n in _CITE_CALL.findall(text)))
        missing += [f"{path.relative_to(ROOT)}: {canonical}" for canonical in dict.fromkeys(found)]
    assert not missing, "Citations not in core/citations.py's REGISTER:\n" + "\n".join(missing)


def test_no_criminal_procedure_law_citation_lacks_its_version():
    """CPL-2018 art 105, not "CPL art 105": the articles were renumbered in 2012 and 2018."""
    versionless = re.compile(r"\bCPL art \d")
    found = [
        str(path.relative_to(ROOT))
        for path in _project_files()
        if versionless.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not found, f"Write CPL-2018 art N in: {', '.join(found)}"


def test_the_scan_finds_what_it_must():
    # The scan would pass vacuously if it read nothing; it does find and reject these.
    assert len(list(_project_files())) > 100
    assert unregistered("see MPS-2020 art 999 and CL art 1000") == ["MPS-2020 art 999", "CL art 1000"]
    assert unregistered("MPS-2020 arts 346, 347, 350") == []


def test_the_citations_the_rule_tables_emit_are_registered():
    from cases.assistance_kinds import DOCUMENTS, KINDS
    from cases.models import LOCATION_CITATIONS
    from core.deadlines import DEFAULT_RULES
    from jurisdiction import rules

    emitted = [rule.citation for rule in DEFAULT_RULES.values()]
    emitted += list(LOCATION_CITATIONS.values())
    emitted += [spec.citation for spec in KINDS.values()] + [doc.citation for doc in DOCUMENTS.values()]
    rule_constants = [
        value for name, value in vars(rules).items() if name.isupper() and isinstance(value, str)
    ]
    assert {rules.TF_2016, rules.TF_2021, rules.ART_16} <= set(rule_constants)
    for text in filter(None, emitted):
        assert references_in(text), text
        assert unregistered(text) == [], text
    # The rules' constants, some built from parts (f"{OPINION_2016} §5"), which the source scan cannot see.
    for text in rule_constants:
        assert unregistered(text) == [], text


def test_the_register_names_only_known_versions_and_no_provision_twice():
    keys = [(version, str(article), paragraph) for version, article, paragraph, _title in REGISTER]
    assert len(keys) == len(set(keys))
    assert {version for version, *_ in REGISTER} <= set(VERSIONS)
    assert all(title for *_, title in REGISTER)


def test_lookup_parses_a_canonical_citation_mps_2020_art_16():
    entry = citation("MPS-2020 art 16")

    assert (entry.version, entry.article, entry.paragraph) == ("MPS-2020", "16", None)
    assert entry.canonical == "MPS-2020 art 16"
    assert entry.full_title == "公安机关办理刑事案件程序规定"
    assert citation("MPS-2020 art 239 ¶2").paragraph == 2
    assert citation("MPS-2020 art 178").title == "立案"


@pytest.mark.parametrize(
    "text",
    ["MPS-2020 art 999", "MPS-2020 art 16 ¶9", "MPS-2020 arts 16, 17", "art 16", "", "CPL art 105"],
)
def test_lookup_refuses_an_unregistered_or_malformed_citation(text):
    with pytest.raises(CitationError):
        citation(text)


@pytest.mark.parametrize(
    ("text", "chinese"),
    [
        ("MPS-2020 art 16", "《公安机关办理刑事案件程序规定》第十六条"),
        ("MPS-2020 art 239 ¶2", "《公安机关办理刑事案件程序规定》第二百三十九条第二款"),
        ("MPS-2020 art 21(2)", "《公安机关办理刑事案件程序规定》第二十一条第二款"),
        (
            "MPS-2020 arts 346, 347, 350",
            "《公安机关办理刑事案件程序规定》第三百四十六条、第三百四十七条、第三百五十条",
        ),
        ("MPS-2020 arts 16–18", "《公安机关办理刑事案件程序规定》第十六条至第十八条"),
        ("MPS-2020 art 351 ¶2–3", "《公安机关办理刑事案件程序规定》第三百五十一条第二款至第三款"),
        (
            "MPS-2020 art 243 ¶1; MPS-2020 art 240",
            "《公安机关办理刑事案件程序规定》第二百四十三条第一款；《公安机关办理刑事案件程序规定》第二百四十条",
        ),
        ("CPL-2018 art 105", "《中华人民共和国刑事诉讼法》第一百零五条"),
        ("CL art 266", "《中华人民共和国刑法》第二百六十六条"),
        ("CL art 287之二", "《中华人民共和国刑法》第二百八十七条之二"),
        (
            "法发〔2016〕32号 §5",
            "《最高人民法院 最高人民检察院 公安部关于办理电信网络诈骗等刑事案件适用法律若干问题的意见》"
            "（法发〔2016〕32号）第五部分",
        ),
        ("公通字〔2020〕6号 no. 3", "《公安机关异地办案协作“六个严禁”》（公通字〔2020〕6号）第三条"),
        ("GB/T 9704-2012 §10.3", "《党政机关公文格式》（GB/T 9704-2012）10.3"),
        # Words around a citation stay; a text without one is unchanged.
        ("(MPS-2020 art 22)", "(《公安机关办理刑事案件程序规定》第二十二条)"),
        ("《泛西南警务合作联席会议纪要》第1项", "《泛西南警务合作联席会议纪要》第1项"),
    ],
)
def test_rendering_in_chinese_mps_2020_art_239_para_2(text, chinese):
    assert render(text, "zh-hans") == chinese
    assert render(text, "en") == text


def test_the_template_filter_follows_the_ui_language():
    template = Template('{% load citations %}{{ c|cite }}|{{ c|cite:"zh-hans" }}')

    with translation.override("zh-hans"):
        zh = template.render(Context({"c": "MPS-2020 art 16"}))
    with translation.override("en"):
        en = template.render(Context({"c": "MPS-2020 art 16"}))

    assert zh == "《公安机关办理刑事案件程序规定》第十六条|《公安机关办理刑事案件程序规定》第十六条"
    assert en == "MPS-2020 art 16|《公安机关办理刑事案件程序规定》第十六条"


def test_every_registered_entry_renders_in_both_languages():
    for entry in citations.ENTRIES.values():
        assert render(entry.canonical, "en") == entry.canonical
        assert render(entry.canonical, "zh-hans") == entry.zh
        assert entry.zh.startswith("《") and "MPS" not in entry.zh
        assert citation(entry.canonical) == entry


def test_a_deadline_without_an_article_reads_as_a_system_default_mps_2020_art_348():
    template = Template("{% load citations %}{{ c|deadline_basis }}")

    with translation.override("en"):
        assert template.render(Context({"c": ""})) == "System default period, not set by law"
        assert template.render(Context({"c": "MPS-2020 art 353"})) == "MPS-2020 art 353"
    with translation.override("zh-hans"):
        assert (
            template.render(Context({"c": "MPS-2020 art 353"}))
            == "《公安机关办理刑事案件程序规定》第三百五十三条"
        )


def test_citations_written_the_chinese_way_are_read_and_checked_too():
    text = (
        "根据《公安机关办理刑事案件程序规定》第六十二条、第三百四十六条之规定；"
        "《中华人民共和国刑法》第二百八十七条之二"
    )

    assert [ref.canonical for ref in citations.zh_references_in(text)] == [
        "MPS-2020 art 62",
        "MPS-2020 art 346",
        "CL art 287之二",
    ]
    assert unregistered(text) == []
    assert unregistered("《公安机关办理刑事案件程序规定》第九百条第二款") == ["MPS-2020 art 900 ¶2"]


def test_chinese_numerals_read_back():
    from core.numerals import chinese_numeral

    assert all(citations.parse_chinese_numeral(chinese_numeral(n)) == n for n in range(1, 10000))


def test_a_remote_unit_s_longer_period_says_the_list_is_the_system_s_mps_2020_art_353():
    from core.models import Deadline

    template = Template("{% load citations %}{{ row|deadline_basis }}")
    remote = Deadline(rule_key="identity_check", period="15 days", citation="MPS-2020 art 353")
    ordinary = Deadline(rule_key="identity_check", period="7 days", citation="MPS-2020 art 353")

    with translation.override("en"):
        assert template.render(Context({"row": remote})) == (
            "MPS-2020 art 353 · remote area by the system&#x27;s list, set per unit"
        )
        assert template.render(Context({"row": ordinary})) == "MPS-2020 art 353"
        assert template.render(Context({"row": Deadline(rule_key="acknowledge_receipt", citation="")})) == (
            "System default period, not set by law"
        )


def test_the_filter_escapes_what_it_is_given_and_keeps_safe_text_safe():
    from django.utils.safestring import mark_safe

    template = Template("{% load citations %}{{ c|cite }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"c": "<b>MPS-2020 art 16</b>"})) == (
            "&lt;b&gt;《公安机关办理刑事案件程序规定》第十六条&lt;/b&gt;"
        )
        assert template.render(Context({"c": mark_safe("<b>MPS-2020 art 16</b>")})) == (
            "<b>《公安机关办理刑事案件程序规定》第十六条</b>"
        )


# Help texts of fields that store the canonical form itself (the API's and the admin's input): they
# show the form to type, so they keep it in Chinese too.
_INPUT_FORMAT_HINTS = {
    "In the form CL art 266.",
    "The Criminal Law article, e.g. CL art 266.",
    "The article applied, e.g. MPS-2020 art 16.",
}


def test_no_chinese_message_writes_a_citation_the_english_way():
    """Issue 18 item 14: the Chinese UI writes 《公安机关办理刑事案件程序规定》第一百七十八条 in the
    catalogue's own texts too (step descriptions, refusals, help), not "MPS-2020 art 178"."""
    from django.utils.translation import trans_real

    catalogue = trans_real.translation("zh-hans")._catalog
    english_way = re.compile(r"\barts? \d")
    offenders = {
        msgid: text
        for msgid, text in catalogue.items()
        if isinstance(msgid, str)
        and msgid not in _INPUT_FORMAT_HINTS
        and (references_in(text) or english_way.search(text))
    }
    assert not offenders, offenders


def test_two_citations_of_one_document_side_by_side_name_it_once_mps_2020_arts_15_16():
    """The rules' "no places" advice cited 《规定》第十五条、《规定》第十六条: the title is written once."""
    assert render("（MPS-2020 art 15、MPS-2020 art 16）", "zh-hans") == (
        "（《公安机关办理刑事案件程序规定》第十五条、第十六条）"
    )
    assert render("MPS-2020 art 15 ¶2, MPS-2020 art 16", "zh-hans") == (
        "《公安机关办理刑事案件程序规定》第十五条第二款、第十六条"
    )
    # Different documents keep their own titles.
    assert render("MPS-2020 art 15、CPL-2018 art 109", "zh-hans") == (
        "《公安机关办理刑事案件程序规定》第十五条、《中华人民共和国刑事诉讼法》第一百零九条"
    )
