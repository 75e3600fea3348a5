"""The citation register: every legal provision the code cites, in one table.

The code stores and the API returns citations in a canonical string form, one per rule version:

* articles of a law or regulation: "MPS-2020 art 16", "MPS-2020 art 239 ¶2", "CPL-2018 art 105",
  "CL art 266" (an added article: "CL art 287之二");
* sections of the telecom-fraud opinions: "法发〔2016〕32号 §5", with an item "法发〔2016〕32号 §5(1)";
* items of the 2020 notice: "公通字〔2020〕6号 no. 3";
* clauses of a standard: "GB/T 9704-2012 §10.3".

A text may cite several provisions of one version at once ("MPS-2020 arts 346, 347, 350",
"MPS-2020 arts 16–18", "MPS-2020 art 351 ¶2–3", "MPS-2020 art 21(2)" for art 21 ¶2);
``references_in`` reads each one out. ``REGISTER`` lists every provision the code cites, with a
short title; tests/core/test_citations.py scans the project's code and fails on a citation that is
not in it. New entries are appended (do not reorder). ``render`` writes a text's citations as the
UI language reads them: Chinese 《公安机关办理刑事案件程序规定》第十六条, English unchanged.

Pure: no ORM, no settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.numerals import chinese_numeral

# --- the rule versions ---------------------------------------------------------------------------

ARTICLES = "articles"  # 第N条第M款
SECTIONS = "sections"  # 第N部分第（M）项
ITEMS = "items"  # the items of a numbered list (一、二、…), cited 第N条
CLAUSES = "clauses"  # a standard's numbered clause, 10.3


@dataclass(frozen=True)
class Version:
    """A rule version: its code in citations, its full title (zh) and how its provisions are numbered."""

    code: str
    title: str
    style: str
    # Whether the Chinese form names the document number after the title (a normative document
    # is known by its number; a law or regulation by its title alone).
    numbered: bool = False
    # The Chinese word for a top-level provision (条, 部分, 项).
    unit: str = "条"


VERSIONS: dict[str, Version] = {
    version.code: version
    for version in (
        Version("MPS-2020", "公安机关办理刑事案件程序规定", ARTICLES),
        Version("CPL-2018", "中华人民共和国刑事诉讼法", ARTICLES),
        Version("CL", "中华人民共和国刑法", ARTICLES),
        # The two telecom-fraud opinions of the SPC, SPP and MPS [S: titles and numbering from
        # secondary copies; check against the official text]. The 2016 opinion is divided into
        # numbered parts (五、依法确定案件管辖) with items (一)(二)…; the 2021 one into numbered articles.
        Version(
            "法发〔2016〕32号",
            "最高人民法院 最高人民检察院 公安部关于办理电信网络诈骗等刑事案件适用法律若干问题的意见",
            SECTIONS,
            numbered=True,
            unit="部分",
        ),
        Version(
            "法发〔2021〕22号",
            "最高人民法院 最高人民检察院 公安部关于办理电信网络诈骗等刑事案件适用法律若干问题的意见（二）",
            SECTIONS,
            numbered=True,
        ),
        # 公安部关于印发《公安机关异地办案协作“六个严禁”》的通知, 2020-06-03 [S: secondary copies].
        Version("公通字〔2020〕6号", "公安机关异地办案协作“六个严禁”", ITEMS, numbered=True),
        Version("GB/T 9704-2012", "党政机关公文格式", CLAUSES, numbered=True),
    )
}


# --- the register --------------------------------------------------------------------------------

# (rule version, article / section / item / clause, paragraph or item within it, short title (zh)).
# Append new entries; an entry with a paragraph registers that paragraph only, the article itself
# needs its own entry when it is cited whole.
REGISTER: tuple[tuple[str, int | str, int | None, str], ...] = (
    # MPS-2020 ch. 1–2: principles and jurisdiction
    ("MPS-2020", 12, None, "协查、协办的协作义务"),
    ("MPS-2020", 15, None, "犯罪地管辖为主、居住地管辖为辅"),
    ("MPS-2020", 15, 1, "犯罪地管辖为主、居住地管辖为辅"),
    ("MPS-2020", 15, 2, "特别规定优先"),
    ("MPS-2020", 16, None, "犯罪地、居住地的含义"),
    ("MPS-2020", 17, None, "网络犯罪的管辖"),
    ("MPS-2020", 18, None, "行驶中交通工具上犯罪的管辖"),
    ("MPS-2020", 19, None, "境外中国航空器内犯罪的管辖"),
    ("MPS-2020", 20, None, "驻外使领馆内犯罪的管辖"),
    ("MPS-2020", 21, None, "最初受理地管辖；并案侦查"),
    ("MPS-2020", 21, 1, "最初受理地或者主要犯罪地管辖"),
    ("MPS-2020", 21, 2, "并案侦查的情形"),
    ("MPS-2020", 22, None, "协商与指定管辖"),
    ("MPS-2020", 22, 1, "管辖不明或有争议的协商与指定"),
    ("MPS-2020", 22, 2, "特殊案件的直接指定"),
    ("MPS-2020", 22, 3, "呈请指定管辖的材料与层报"),
    ("MPS-2020", 23, None, "指定管辖决定书与移交"),
    ("MPS-2020", 23, 1, "指定管辖决定书的送达"),
    ("MPS-2020", 23, 2, "原受理机关停止管辖并移送"),
    ("MPS-2020", 23, 3, "指定管辖案件的批捕与起诉"),
    ("MPS-2020", 24, None, "上级公安机关负责的案件"),
    ("MPS-2020", 24, 1, "县级公安机关负责本辖区案件"),
    ("MPS-2020", 24, 2, "设区的市一级以上公安机关负责的重大案件"),
    ("MPS-2020", 24, 3, "上级提办与下级报请"),
    ("MPS-2020", 26, None, "铁路公安机关的管辖"),
    # ch. 5–6: evidence, coercive measures
    ("MPS-2020", 62, None, "调取证据通知书"),
    ("MPS-2020", 80, None, "拘传的时限"),
    ("MPS-2020", 80, 1, "拘传持续时间不得超过十二小时，特殊情况二十四小时"),
    ("MPS-2020", 126, None, "拘留后送看守所羁押"),
    ("MPS-2020", 126, 2, "异地执行拘留后送抓获地看守所"),
    ("MPS-2020", 127, None, "拘留后通知家属"),
    ("MPS-2020", 127, 1, "拘留后二十四小时内通知家属"),
    ("MPS-2020", 145, None, "逮捕后通知家属"),
    ("MPS-2020", 145, 1, "逮捕后二十四小时内通知家属"),
    ("MPS-2020", 145, 4, "未在二十四小时内通知家属的记录"),
    # ch. 7: filing and transfer
    ("MPS-2020", 175, None, "不属于自己管辖的案件移送"),
    ("MPS-2020", 178, None, "立案"),
    ("MPS-2020", 184, None, "立案后移送管辖"),
    ("MPS-2020", 185, None, "移送案件时的移交与签收"),
    ("MPS-2020", 185, 1, "法律文书、证据、财物随案移交"),
    ("MPS-2020", 185, 2, "当面查点并共同签名"),
    ("MPS-2020", 200, None, "传唤的时限"),
    ("MPS-2020", 200, 1, "传唤持续时间不得超过十二小时，特殊情况二十四小时"),
    # ch. 8: investigation — seizure, inquiry and freezing of property
    ("MPS-2020", 233, None, "与案件无关的查封、扣押财物的解除"),
    ("MPS-2020", 238, None, "查询财产"),
    ("MPS-2020", 239, None, "冻结财产"),
    ("MPS-2020", 239, 2, "冻结股权、保单权益须设区的市一级以上公安机关负责人批准"),
    ("MPS-2020", 239, 3, "冻结上市公司股权须省级以上公安机关负责人批准"),
    ("MPS-2020", 240, None, "延长冻结期限"),
    ("MPS-2020", 241, None, "解除冻结"),
    ("MPS-2020", 242, None, "不得重复冻结"),
    ("MPS-2020", 243, None, "冻结存款等的期限"),
    ("MPS-2020", 243, 1, "冻结存款等的期限为六个月"),
    ("MPS-2020", 243, 2, "重大、复杂案件冻结存款等的期限为一年"),
    ("MPS-2020", 244, None, "冻结证券的期限"),
    ("MPS-2020", 245, None, "冻结股权、保单权益的期限"),
    ("MPS-2020", 246, None, "冻结证券的出售、变现"),
    ("MPS-2020", 247, None, "与案件无关的冻结财产的解除"),
    ("MPS-2020", 276, None, "补发通报"),
    # ch. 11: case cooperation (办案协作)
    ("MPS-2020", 346, None, "办案协作的范围"),
    ("MPS-2020", 346, 2, "可以委托协作的事项"),
    ("MPS-2020", 347, None, "办案协作的法律文书"),
    ("MPS-2020", 348, None, "归口接收与无条件配合"),
    ("MPS-2020", 349, None, "协作中发现的线索移交"),
    ("MPS-2020", 350, None, "协助传唤、拘留、逮捕"),
    ("MPS-2020", 351, None, "抓获后的通知与提解"),
    ("MPS-2020", 351, 2, "提解的人数"),
    ("MPS-2020", 351, 3, "二十四小时内代为讯问"),
    ("MPS-2020", 352, None, "代为讯问、询问、辨认"),
    ("MPS-2020", 353, None, "协查的期限"),
    ("MPS-2020", 353, 1, "身份、年龄、违法犯罪经历协查的期限"),
    ("MPS-2020", 353, 2, "协助调查取证、查询的及时办理"),
    ("MPS-2020", 354, None, "不履行协作职责的责任"),
    ("MPS-2020", 355, None, "协作中的法律责任"),
    ("MPS-2020", 356, None, "协作中管辖、定性争议的解决"),
    # Criminal Procedure Law 2018
    ("CPL-2018", 54, None, "收集、调取证据"),
    ("CPL-2018", 105, None, "期间的计算"),
    ("CPL-2018", 105, 4, "期间的最后一日为节假日"),
    ("CPL-2018", 109, None, "发现犯罪事实应当立案侦查"),
    ("CPL-2018", 110, None, "报案、控告、举报的接受"),
    ("CPL-2018", 112, None, "立案或者不立案的决定"),
    ("CPL-2018", 144, None, "查询、冻结财产"),
    # Criminal Law: the offences the jurisdiction rules select by
    ("CL", 125, None, "非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪"),
    ("CL", 176, None, "非法吸收公众存款罪"),
    ("CL", 191, None, "洗钱罪"),
    ("CL", 192, None, "集资诈骗罪"),
    ("CL", "224之一", None, "组织、领导传销活动罪"),
    ("CL", 232, None, "故意杀人罪"),
    ("CL", 234, None, "故意伤害罪"),
    ("CL", 239, None, "绑架罪"),
    ("CL", 240, None, "拐卖妇女、儿童罪"),
    ("CL", "253之一", None, "侵犯公民个人信息罪"),
    ("CL", 263, None, "抢劫罪"),
    ("CL", 264, None, "盗窃罪"),
    ("CL", 266, None, "诈骗罪"),
    ("CL", "287之一", None, "非法利用信息网络罪"),
    ("CL", "287之二", None, "帮助信息网络犯罪活动罪"),
    ("CL", 303, None, "赌博罪；开设赌场罪"),
    ("CL", 347, None, "走私、贩卖、运输、制造毒品罪"),
    # The telecom-fraud opinions [S]
    ("法发〔2016〕32号", 5, None, "依法确定案件管辖"),
    ("法发〔2016〕32号", 5, 1, "犯罪地管辖；犯罪行为发生地、犯罪结果发生地的范围"),
    ("法发〔2016〕32号", 5, 2, "最初发现地管辖"),
    ("法发〔2016〕32号", 5, 3, "并案侦查的情形"),
    ("法发〔2016〕32号", 5, 4, "多层级链条案件的指定"),
    ("法发〔2016〕32号", 5, 5, "最初受理地或者主要犯罪地管辖；争议的协商与指定"),
    ("法发〔2016〕32号", 5, 6, "指定、并案案件的批捕与起诉"),
    # [S]: the short titles of the 2021 opinion's articles are from secondary copies; check them.
    ("法发〔2021〕22号", 1, None, "犯罪地的补充：卡、设备、资金的开立、销售、转移、藏匿地"),
    ("法发〔2021〕22号", 2, None, "并案处理的情形"),
    ("法发〔2021〕22号", 3, None, "关联犯罪的认定"),
    # The 2020 notice's six prohibitions [S]
    ("公通字〔2020〕6号", 1, None, "严禁未履行协作手续异地执行强制措施"),
    ("公通字〔2020〕6号", 2, None, "严禁未履行协作手续异地查封、扣押、冻结"),
    ("公通字〔2020〕6号", 3, None, "严禁在管辖争议解决前擅自派警异地办案"),
    ("公通字〔2020〕6号", 4, None, "严禁对完备的协作请求不予配合"),
    ("公通字〔2020〕6号", 5, None, "严禁泄露协作请求信息"),
    ("公通字〔2020〕6号", 6, None, "严禁未经批准佩枪跨区域执行任务"),
    # GB/T 9704-2012 [S]
    ("GB/T 9704-2012", "10.3", None, "纪要格式"),
    ("GB/T 9704-2012", "7.3.2", None, "主送机关"),
    ("GB/T 9704-2012", "7.3.5.1", None, "加盖印章的公文：发文机关署名、成文日期和印章"),
    ("GB/T 9704-2012", "7.4.2", None, "抄送机关"),
    # Charges the maintained list adds (cases.Charge, issue 18 item 13)
    ("CL", 274, None, "敲诈勒索罪"),
    ("CL", 312, None, "掩饰、隐瞒犯罪所得、犯罪所得收益罪"),
    # The documents of a request for assistance, by paragraph (issue 18)
    ("MPS-2020", 347, 2, "请求协助勘验、检查、讯问、询问等侦查活动提供立案决定书"),
    # The release of a seal or seizure is approved as art 232 ¶2 has it for seized mail (our reading)
    ("MPS-2020", 232, None, "扣押邮件、电报"),
    ("MPS-2020", 232, 2, "解除扣押邮件、电报"),
    # 不予立案, its service, 复议 and 复核, and the filing on new facts (issue 18 item 1)
    ("MPS-2020", 178, 1, "立案与不予立案的审查批准"),
    ("MPS-2020", 178, 2, "不予立案通知书三日以内送达控告人"),
    ("MPS-2020", 178, 3, "不予立案后发现新的事实或者证据的立案"),
    ("MPS-2020", 179, None, "不予立案的复议、复核"),
    ("MPS-2020", 179, 1, "控告人申请复议"),
    ("MPS-2020", 179, 2, "控告人申请复核"),
    ("MPS-2020", 179, 3, "延长复议、复核时限"),
    # Correction and revocation of an issued document (issue 19 item 7)
    ("MPS-2020", 7, 1, "内部执法监督制度"),
    ("MPS-2020", 7, 2, "上级公安机关撤销或者变更下级的错误决定"),
)


class CitationError(ValueError):
    """A text is not a canonical citation, or cites a provision the register does not hold."""


@dataclass(frozen=True)
class Entry:
    """One provision of the register."""

    version: str
    article: str
    paragraph: int | None
    title: str

    @property
    def canonical(self) -> str:
        return _canonical(self.version, self.article, self.paragraph)

    @property
    def full_title(self) -> str:
        return VERSIONS[self.version].title

    @property
    def zh(self) -> str:
        """The provision as a Chinese text cites it: 《公安机关办理刑事案件程序规定》第十六条."""
        return _zh_document(self.version) + _zh_provision(self.version, self.article, self.paragraph)

    def __str__(self) -> str:
        return self.canonical


def _key(version: str, article: int | str, paragraph: int | None) -> tuple[str, str, int | None]:
    return version, str(article), paragraph


def _build(rows) -> dict[tuple[str, str, int | None], Entry]:
    entries: dict[tuple[str, str, int | None], Entry] = {}
    for version, article, paragraph, title in rows:
        if version not in VERSIONS:
            raise ValueError(f"Citation register: unknown rule version {version!r}.")
        key = _key(version, article, paragraph)
        if key in entries:
            raise ValueError(f"Citation register: {_canonical(*key)!r} is listed twice.")
        entries[key] = Entry(version, str(article), paragraph, title)
    return entries


ENTRIES = _build(REGISTER)


# --- reading citations ---------------------------------------------------------------------------

_NUM = r"\d+(?:之[一二三四五六七八九十]+)?"
_DASH = r"[–-]"
# One item of an article list: 16, 16–18, 239 ¶2, 351 ¶2–3, 21(2).
_ITEM = rf"{_NUM}(?: ¶\d+(?:{_DASH}\d+)?|\(\d+\)|{_DASH}\d+)?"
_ARTICLE_VERSIONS = "|".join(re.escape(v.code) for v in VERSIONS.values() if v.style == ARTICLES)
_SECTION_VERSIONS = "|".join(re.escape(v.code) for v in VERSIONS.values() if v.style == SECTIONS)
PATTERN = re.compile(
    rf"(?<![\w-])(?P<aversion>{_ARTICLE_VERSIONS}) arts? (?P<items>{_ITEM}(?:(?:, and |, | and ){_ITEM})*)"
    rf"|(?P<sversion>{_SECTION_VERSIONS}) §(?P<section>\d+)(?:\((?P<sitem>\d+)\))?"
    rf"|(?P<iversion>公通字〔2020〕6号) no\. (?P<item>\d+)"
    rf"|(?P<cversion>GB/T 9704-2012) §(?P<clause>\d+(?:\.\d+)*)"
)
_ITEM_SPLIT = re.compile(r", and |, | and ")
_ITEM_PARTS = re.compile(
    rf"^(?P<article>{_NUM})(?: ¶(?P<p1>\d+)(?:{_DASH}(?P<p2>\d+))?|\((?P<pp>\d+)\)|{_DASH}(?P<a2>\d+))?$"
)


@dataclass(frozen=True)
class Reference:
    """One provision a text cites, whether or not the register holds it."""

    version: str
    article: str
    paragraph: int | None = None

    @property
    def canonical(self) -> str:
        return _canonical(self.version, self.article, self.paragraph)

    @property
    def entry(self) -> Entry | None:
        return ENTRIES.get(_key(self.version, self.article, self.paragraph))


def _canonical(version: str, article: str, paragraph: int | None) -> str:
    style = VERSIONS[version].style
    if style == ARTICLES:
        return f"{version} art {article}" + (f" ¶{paragraph}" if paragraph else "")
    if style == SECTIONS:
        return f"{version} §{article}" + (f"({paragraph})" if paragraph else "")
    if style == ITEMS:
        return f"{version} no. {article}"
    return f"{version} §{article}"


# A group of one match: the references it cites in order, as runs (a range is one run of several).
def _groups(match: re.Match) -> tuple[str, list[list[Reference]]]:
    if match.group("aversion"):
        version = match.group("aversion")
        groups = []
        for item in _ITEM_SPLIT.split(match.group("items")):
            parts = _ITEM_PARTS.match(item)
            article = parts.group("article")
            if parts.group("a2"):
                first, last = int(article), int(parts.group("a2"))
                groups.append([Reference(version, str(n)) for n in range(first, last + 1)])
            elif parts.group("p1"):
                first = int(parts.group("p1"))
                last = int(parts.group("p2") or first)
                groups.append([Reference(version, article, n) for n in range(first, last + 1)])
            elif parts.group("pp"):
                groups.append([Reference(version, article, int(parts.group("pp")))])
            else:
                groups.append([Reference(version, article)])
        return version, groups
    if match.group("sversion"):
        version = match.group("sversion")
        item = match.group("sitem")
        return version, [[Reference(version, match.group("section"), int(item) if item else None)]]
    if match.group("iversion"):
        version = match.group("iversion")
        return version, [[Reference(version, match.group("item"))]]
    version = match.group("cversion")
    return version, [[Reference(version, match.group("clause"))]]


def references_in(text: str) -> list[Reference]:
    """Return every provision ``text`` cites in a canonical form, lists and ranges read out."""
    found = []
    for match in PATTERN.finditer(text):
        for group in _groups(match)[1]:
            found.extend(group)
    return found


def unregistered(text: str) -> list[str]:
    """Return the canonical form of each provision ``text`` cites (either way) that the register lacks."""
    refs = references_in(text) + zh_references_in(text)
    return list(dict.fromkeys(ref.canonical for ref in refs if ref.entry is None))


def citation(text: str) -> Entry:
    """Return the register's entry for one canonical citation ("MPS-2020 art 239 ¶2").

    Raises CitationError for a text that is not exactly one citation, or one the register lacks.
    """
    text = text.strip()
    match = PATTERN.fullmatch(text)
    refs = references_in(text) if match else []
    if len(refs) != 1:
        raise CitationError(f"Not one canonical citation: {text!r} (e.g. 'MPS-2020 art 16').")
    entry = refs[0].entry
    if entry is None:
        raise CitationError(f"Citation {refs[0].canonical!r} is not in the register (core/citations.py).")
    return entry


# Citations already written the Chinese way (《公安机关办理刑事案件程序规定》第三百四十六条、第三百五十三条),
# as document templates and Chinese texts hold them; the scan checks these against the register too.
_CN_NUM = "[零〇一二三四五六七八九十百千]+"
_ZH_TITLES = {spec.title: spec.code for spec in VERSIONS.values() if spec.style == ARTICLES}
_ZH_ITEM = rf"第{_CN_NUM}条(?:之{_CN_NUM})?(?:第{_CN_NUM}款)?"
_ZH_TITLE = "|".join(map(re.escape, _ZH_TITLES))
ZH_PATTERN = re.compile(rf"《(?P<title>{_ZH_TITLE})》(?P<items>{_ZH_ITEM}(?:(?:、|和|及|至){_ZH_ITEM})*)")
_ZH_ITEM_PARTS = re.compile(
    rf"第(?P<article>{_CN_NUM})条(?:之(?P<added>{_CN_NUM}))?(?:第(?P<paragraph>{_CN_NUM})款)?"
)
_CN_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
_CN_PLACES = {"十": 10, "百": 100, "千": 1000}


def parse_chinese_numeral(text: str) -> int:
    """Read a counted Chinese numeral below 10000 (十五 → 15, 一百零三 → 103), as chinese_numeral writes."""
    total, digit = 0, None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_PLACES:
            total += (1 if digit is None else digit) * _CN_PLACES[char]
            digit = None
        else:
            raise ValueError(f"Not a Chinese numeral: {text!r}")
    return total + (digit or 0)


def zh_references_in(text: str) -> list[Reference]:
    """Return every provision ``text`` cites the Chinese way (《…》第十六条第二款、第十七条)."""
    found = []
    for match in ZH_PATTERN.finditer(text):
        version = _ZH_TITLES[match.group("title")]
        for item in _ZH_ITEM_PARTS.finditer(match.group("items")):
            article = str(parse_chinese_numeral(item.group("article")))
            if item.group("added"):
                article += "之" + item.group("added")
            paragraph = item.group("paragraph")
            found.append(Reference(version, article, parse_chinese_numeral(paragraph) if paragraph else None))
    return found


# --- writing citations ---------------------------------------------------------------------------


def _zh_document(version: str) -> str:
    spec = VERSIONS[version]
    return f"《{spec.title}》" + (f"（{version}）" if spec.numbered else "")


def _zh_number(article: str) -> str:
    number, _, added = article.partition("之")
    return chinese_numeral(int(number)) + (f"条之{added}" if added else "条")


def _zh_provision(version: str, article: str, paragraph: int | None) -> str:
    spec = VERSIONS[version]
    if spec.style == ARTICLES:
        return f"第{_zh_number(article)}" + (f"第{chinese_numeral(paragraph)}款" if paragraph else "")
    if spec.style == CLAUSES:
        return article
    text = f"第{chinese_numeral(int(article))}{spec.unit}"
    return text + (f"第（{chinese_numeral(paragraph)}）项" if paragraph else "")


def _zh_run(run: list[Reference]) -> str:
    first, last = run[0], run[-1]
    text = _zh_provision(first.version, first.article, first.paragraph)
    if len(run) == 1:
        return text
    if first.article == last.article:  # a run of paragraphs: 第三百五十一条第二款至第三款
        return f"{text}至第{chinese_numeral(last.paragraph)}款"
    return f"{text}至{_zh_provision(last.version, last.article, last.paragraph)}"


def _zh(match: re.Match) -> str:
    version, groups = _groups(match)
    return _zh_document(version) + "、".join(_zh_run(run) for run in groups)


_SEPARATORS = re.compile(r"^[\s;；,，、]*$")


def render(text: str, language: str | None) -> str:
    """Write the citations in ``text`` as the language reads them; other words stay as they are.

    Chinese (any "zh" language): 《公安机关办理刑事案件程序规定》第十六条, lists joined with 、, and
    citations separated by "; " joined with "；". Any other language: the canonical form, unchanged.
    A provision the register lacks is written all the same (a stored row may be older than the
    register); the scan test keeps the code's own citations registered.
    """
    if not text or not (language or "").lower().startswith("zh"):
        return text
    rendered = PATTERN.sub(_zh, text)
    if rendered != text and _SEPARATORS.match(PATTERN.sub("", text)):
        rendered = rendered.replace("; ", "；")
    # Two citations of one document side by side name it once: 《规定》第十五条、第十六条.
    previous = None
    while previous != rendered:
        previous, rendered = rendered, _REPEATED_TITLE.sub(r"\1\2、", rendered)
    return rendered


# 《title》provision, then a separator and the same 《title》 again (the title itself is dropped).
_REPEATED_TITLE = re.compile(r"(《[^》]+》(?:（[^）]+）)?)(第[^、；，。（）《》\s]+?)(?:、|，|, )\1")
