"""The jurisdiction rules engine: which police organs may handle a case, and which should.

Pure Python, no ORM and no Django, so that every rule is tested without a database;
`jurisdiction.facts` builds the input from a case. The rules are those of the Ministry of Public
Security's 《公安机关办理刑事案件程序规定》 as amended in 2020 (RULES_VERSION "MPS-2020"),
chapter 2, and every basis names the article it applies ("MPS-2020 art 16"). For telecom and
network fraud a second rule set adds the crime locations of the 两高一部 opinions 法发〔2016〕32号
and 法发〔2021〕22号 (MPS-2020 art 15 ¶2), selected by the case's charges (`rule_set_for`); its
bases cite the opinions ("法发〔2016〕32号 §5").

`analyse(facts)` returns:

- the candidates: every unit of the system with a legal basis (crime location, network-crime
  places, vehicle stops, suspect residence) plus the first-accepting unit, each with its bases,
  the facts behind each basis and a citation;
- the places outside the system (divisions of other provinces), reported but never candidates;
- a recommendation following arts 15 and 21, with every alternative named, in Chinese and English
  (a transfer is art 175's at intake, art 184's once the case is filed; without any place or
  residence the facts are said to be missing);
- decision-support factors in the spirit of the Eurojust guidelines (where most conduct and harm
  are, where suspects and evidence are, victims' interests, stage of proceedings), one row per
  candidate, for people to weigh side by side. There is deliberately no total score: the
  guidelines set no hierarchy among factors.

Units are addressed by division code; a county-level code maps to its county bureau or branch,
which the caller resolves (a place outside the six regions has no unit). A unit's materialised
path (000000.510000.510100.510107) is all the engine knows of the tree: it finds common superiors
and whether one unit's area contains another's from it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

RULES_VERSION = "MPS-2020"
PATH_SEPARATOR = "."


def cite(article: int) -> str:
    """Return the citation of an article of the rule version in force ("MPS-2020 art 16")."""
    return f"{RULES_VERSION} art {article}"


ART_15 = cite(15)  # crime location by default; suspect residence when more suitable
ART_15_2 = f"{ART_15} ¶2"  # special rules of other normative documents prevail
ART_16 = cite(16)  # what crime location and residence mean (one year for a habitual residence)
ART_17 = cite(17)  # network crime
ART_18 = cite(18)  # crimes on moving vehicles
ART_21 = cite(21)  # first-accepting unit; main crime location where necessary
ART_21_2 = f"{ART_21} ¶2"  # merged investigation: several crimes, joint crimes, linked crimes
ART_22 = cite(22)  # negotiation, then designation by the common superior
ART_24 = cite(24)  # city-level organs and superiors for major cross-regional cases
ART_26 = cite(26)  # railway police
ART_175 = cite(175)  # transfer at intake (before 立案): head's approval, within 24 hours
ART_184 = cite(184)  # transfer after 立案: head's approval, no 24-hour limit; complainants told within 3 days

# --- rule sets -----------------------------------------------------------------------------------
#
# MPS-2020 applies to every case. Art 15 ¶2 lets other normative documents set special rules; for
# telecom and network fraud the two joint opinions of the 两高一部 add places that count as crime
# location. They form a second rule set, selected by the case's charges (`rule_set_for`): its
# places found bases cited to the opinions, and everything else (arts 15, 21, 22, 24) still applies.
#
# [S] The opinions' wording below comes from secondary copies (DOMAIN.md §1a): check every phrase,
# and the section numbers (2016 section 五; 2021 section 一), against the official text.

MPS_2020 = RULES_VERSION
TELECOM_FRAUD = "telecom_fraud"
OPINION_2016 = "法发〔2016〕32号"  # 《关于办理电信网络诈骗等刑事案件适用法律若干问题的意见》
OPINION_2021 = "法发〔2021〕22号"  # 《关于办理电信网络诈骗等刑事案件适用法律若干问题的意见（二）》
TF_2016 = f"{OPINION_2016} §5"  # [S] section 五: jurisdiction; crime location of telecom fraud
TF_2021 = f"{OPINION_2021} §1"  # [S] section 一: further crime locations (cards, accounts, devices)

RULE_SET_LABELS: dict[str, tuple[str, str]] = {
    MPS_2020: ("《公安机关办理刑事案件程序规定》（2020）", "MPS provisions (2020)"),
    TELECOM_FRAUD: (
        f"电信网络诈骗案件管辖特别规定（{OPINION_2016}、{OPINION_2021}），并适用《公安机关办理刑事案件程序规定》",
        f"special jurisdiction rules for telecom and network fraud ({OPINION_2016}, {OPINION_2021}) "
        "beside the MPS provisions",
    ),
}
RULE_SET_CITATIONS: dict[str, tuple[str, ...]] = {
    MPS_2020: (),
    TELECOM_FRAUD: (ART_15_2, TF_2016, TF_2021),
}

# The charges (罪名, cases.models.Charge codes) that select the telecom rule set. 帮助信息网络犯罪活动罪
# always does: it is by definition aid to crime on information networks. The others select it only
# when committed by telecom or network means, which the case says by its grouping: a case filed
# under the grouping 电信网络诈骗 (TELECOM_GROUPING) was committed by those means; the same charge
# under another grouping (诈骗 at a market stall) keeps MPS-2020 alone.
TELECOM_GROUPING = "telecom_fraud"
TELECOM_CHARGES_ALWAYS = frozenset({"aiding_cyber_crime"})
TELECOM_CHARGES_BY_MEANS = frozenset(
    {"fraud", "concealing_proceeds", "personal_information", "illegal_use_of_network"}
)


# --- kinds of basis ------------------------------------------------------------------------------

CRIME_CONDUCT = "crime_conduct"
CRIME_RESULT = "crime_result"
PROCEEDS = "proceeds"
FRAUD_TOOLS = "fraud_tools"  # 法发〔2021〕22号 §1: cards, accounts, devices and messages used
NETWORK = "network"
VEHICLE = "vehicle"
SUSPECT_HOUSEHOLD = "suspect_household"
SUSPECT_HABITUAL = "suspect_habitual"
FIRST_ACCEPTING = "first_accepting"
MAIN_CRIME_LOCATION = "main_crime_location"
ACCEPTED_WITHOUT_BASIS = "accepted_without_basis"
LEAD_UNIT = "lead_unit"

CRIME_LOCATION_KINDS = frozenset({CRIME_CONDUCT, CRIME_RESULT, PROCEEDS, FRAUD_TOOLS, NETWORK, VEHICLE})
RESIDENCE_KINDS = frozenset({SUSPECT_HOUSEHOLD, SUSPECT_HABITUAL})
# The kinds that give a unit jurisdiction of its own; the others rank units that have it (art 21)
# or record what has happened (acceptance without jurisdiction, a lead unit fixed by art 22).
JURISDICTION_KINDS = CRIME_LOCATION_KINDS | RESIDENCE_KINDS

KIND_ORDER = (
    FIRST_ACCEPTING,
    ACCEPTED_WITHOUT_BASIS,
    LEAD_UNIT,
    MAIN_CRIME_LOCATION,
    CRIME_CONDUCT,
    CRIME_RESULT,
    PROCEEDS,
    FRAUD_TOOLS,
    NETWORK,
    VEHICLE,
    SUSPECT_HOUSEHOLD,
    SUSPECT_HABITUAL,
)

KIND_LABELS: dict[str, tuple[str, str]] = {
    CRIME_CONDUCT: ("犯罪行为发生地", "place of the criminal conduct"),
    CRIME_RESULT: ("犯罪结果发生地", "place of the criminal result"),
    # MPS-2020 art 16: a place of the criminal result, named in the article's words.
    PROCEEDS: (
        "犯罪所得的实际取得地、藏匿地、转移地、使用地、销售地",
        "place where proceeds were obtained, hidden, transferred, used or sold",
    ),
    FRAUD_TOOLS: (
        "电信网络诈骗犯罪地（作案卡号、账户、设备、信息）",
        "telecom-fraud crime location (cards, accounts, devices, messages)",
    ),
    NETWORK: ("网络犯罪案件管辖地", "network-crime place"),
    VEHICLE: ("交通工具停靠地", "vehicle stop"),
    SUSPECT_HOUSEHOLD: ("犯罪嫌疑人户籍所在地", "suspect's registered household"),
    SUSPECT_HABITUAL: ("犯罪嫌疑人经常居住地", "suspect's habitual residence"),
    FIRST_ACCEPTING: ("最初受理地", "first-accepting unit"),
    MAIN_CRIME_LOCATION: ("主要犯罪地", "main crime location"),
    ACCEPTED_WITHOUT_BASIS: ("受理但无管辖依据", "accepted without jurisdiction"),
    LEAD_UNIT: ("已确定的承办单位", "lead unit fixed"),
}

# A basis that holds only under a condition the rules leave to judgement.
IF_NECESSARY = "if_necessary"  # art 18 origin, transit and destination of a vehicle
IF_MORE_SUITABLE = "if_more_suitable"  # art 15 suspect residence

CONDITION_LABELS: dict[str, tuple[str, str]] = {
    IF_NECESSARY: (f"必要时（{ART_18}）", f"if necessary ({ART_18})"),
    IF_MORE_SUITABLE: (f"管辖更为适宜的（{ART_15}）", f"where more suitable ({ART_15})"),
}


# --- roles of places and persons (the values of cases.models.LocationRole and PersonRole) -------

SUSPECT = "suspect"
VICTIM = "victim"
OTHER_PLACE = "other"

# Each role of a place: the basis it founds, the article, and the condition it holds under.
PLACE_RULES: dict[str, tuple[str, str, str]] = {
    "conduct": (CRIME_CONDUCT, ART_16, ""),
    "result": (CRIME_RESULT, ART_16, ""),
    "proceeds": (PROCEEDS, ART_16, ""),
    "server": (NETWORK, ART_17, ""),
    "provider": (NETWORK, ART_17, ""),
    "victim_system": (NETWORK, ART_17, ""),
    "offender_system": (NETWORK, ART_17, ""),
    "victim_system_used": (NETWORK, ART_17, ""),
    "victim_loss": (NETWORK, ART_17, ""),
    "vehicle_first_stop": (VEHICLE, ART_18, ""),
    "vehicle_origin": (VEHICLE, ART_18, IF_NECESSARY),
    "vehicle_transit": (VEHICLE, ART_18, IF_NECESSARY),
    "vehicle_destination": (VEHICLE, ART_18, IF_NECESSARY),
}
VEHICLE_ROLES = frozenset(role for role, rule in PLACE_RULES.items() if rule[0] == VEHICLE)

# The places the telecom-fraud opinions add (rule set TELECOM_FRAUD only). [S] The phrases are
# those of secondary copies of the opinions: check them against the official text.
TELECOM_PLACE_RULES: dict[str, tuple[str, str, str]] = {
    # 2016 §5: 犯罪行为发生地
    "fraud_call_made": (CRIME_CONDUCT, TF_2016, ""),
    "fraud_call_received": (CRIME_CONDUCT, TF_2016, ""),
    "site_builder": (CRIME_CONDUCT, TF_2016, ""),
    # 2016 §5: 犯罪结果发生地
    "victim_deceived": (CRIME_RESULT, TF_2016, ""),
    "fraud_proceeds": (CRIME_RESULT, TF_2016, ""),
    # 2021 §1: further crime locations
    "phone_card": (FRAUD_TOOLS, TF_2021, ""),
    "bank_card": (FRAUD_TOOLS, TF_2021, ""),
    "funds_counterparty": (FRAUD_TOOLS, TF_2021, ""),
    "im_message": (FRAUD_TOOLS, TF_2021, ""),
    "fraud_device": (FRAUD_TOOLS, TF_2021, ""),
    "internet_account": (FRAUD_TOOLS, TF_2021, ""),
}
TELECOM_ROLES = frozenset(TELECOM_PLACE_RULES)
ALL_PLACE_RULES: dict[str, tuple[str, str, str]] = {**PLACE_RULES, **TELECOM_PLACE_RULES}

# Where the traces of the offence are kept: the offender's and the attacked systems, the server,
# the provider and the sites' builders hold the logs, the place of conduct and the hidden devices
# the physical evidence (Eurojust: evidence).
EVIDENCE_ROLES = frozenset(
    {"conduct", "server", "provider", "offender_system", "victim_system", "site_builder", "fraud_device"}
)
# Places where victims were harmed: one with no victim count is said to be uncounted.
VICTIM_ROLES = frozenset({"victim_loss", "victim_deceived"})

# The labels of MPS-2020's places are the words of arts 16–18.
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "conduct": ("犯罪行为发生地", "place of the criminal conduct"),
    "result": ("犯罪结果发生地", "place of the criminal result"),
    "proceeds": (
        "犯罪所得的实际取得地、藏匿地、转移地、使用地、销售地",
        "place where proceeds were obtained, hidden, transferred, used or sold",
    ),
    "server": (
        "用于实施犯罪行为的网络服务使用的服务器所在地",
        "place of the server used by the network service used for the offence",
    ),
    "provider": ("网络服务提供者所在地", "place of the network service provider"),
    "victim_system": (
        "被侵害的网络信息系统及其管理者所在地",
        "place of the attacked network information system or of its managers",
    ),
    "offender_system": (
        "犯罪过程中犯罪嫌疑人使用的网络信息系统所在地",
        "place of the network information system the suspect used",
    ),
    "victim_system_used": (
        "犯罪过程中被害人使用的网络信息系统所在地",
        "place of the network information system the victim used",
    ),
    "victim_loss": (
        "被害人被侵害时所在地和被害人财产遭受损失地",
        "place where the victim was when harmed and where the property was lost",
    ),
    # The telecom-fraud opinions' places. [S] check the words against the official text.
    "fraud_call_made": (
        "诈骗电话、短信息、电子邮件等的拨打地、发送地",
        "place where fraudulent calls, text messages or e-mails were made or sent",
    ),
    "fraud_call_received": (
        "诈骗电话、短信息、电子邮件等的到达地、接受地",
        "place where fraudulent calls, text messages or e-mails arrived or were received",
    ),
    "site_builder": (
        "用于电信网络诈骗犯罪的网站建立者、管理者所在地",
        "place of the builders or managers of the website used for the fraud",
    ),
    "victim_deceived": ("被害人被骗时所在地", "place where the victim was when deceived"),
    "fraud_proceeds": (
        "诈骗所得财物的实际取得地、藏匿地、转移地、使用地、销售地",
        "place where the fraud's proceeds were obtained, hidden, transferred, used or sold",
    ),
    "phone_card": (
        "用于犯罪活动的手机卡、流量卡、物联网卡的开立地、销售地、转移地、藏匿地",
        "place where the SIM, data or IoT cards used were opened, sold, transferred or hidden",
    ),
    "bank_card": (
        "用于犯罪活动的信用卡、银行账户、非银行支付账户的开立地、销售地、转移地、藏匿地、使用地",
        "place where the bank cards or payment accounts used were opened, sold, transferred, hidden or used",
    ),
    "funds_counterparty": (
        "资金交易对手资金交付和汇出地",
        "place where the counterparties paid or remitted the funds",
    ),
    "im_message": (
        "用于犯罪活动的即时通讯信息、广告推广信息的发送地、接受地、到达地",
        "place where the instant or advertising messages used were sent, received or arrived",
    ),
    "fraud_device": (
        "用于犯罪活动的“猫池”、GOIP设备、多卡宝等硬件设备的销售地、入网地、藏匿地",
        "place where the modem pools, GOIP or multi-SIM devices used were sold, connected or hidden",
    ),
    "internet_account": (
        "用于犯罪活动的互联网账号的销售地、登录地",
        "place where the internet accounts used were sold or logged into",
    ),
    "vehicle_first_stop": ("交通工具最初停靠地", "first stop of the vehicle"),
    "vehicle_origin": ("交通工具始发地", "origin of the vehicle"),
    "vehicle_transit": ("交通工具途经地", "transit point of the vehicle"),
    "vehicle_destination": ("交通工具到达地", "destination of the vehicle"),
    OTHER_PLACE: ("其他地点", "other place"),
}


# --- input ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    """A police organ: its division code, name and materialised path from the ministry down."""

    code: str
    name: str
    path: str

    @property
    def ancestor_codes(self) -> tuple[str, ...]:
        return tuple(self.path.split(PATH_SEPARATOR)[:-1])

    @property
    def level(self) -> int:
        """Return 0 for the ministry, 1 for a province, 2 for a prefecture, 3 for a county."""
        return self.path.count(PATH_SEPARATOR)

    def contains(self, other: UnitRef) -> bool:
        """Return whether `other` is this unit or lies in its area (its subtree)."""
        return other.code == self.code or other.path.startswith(self.path + PATH_SEPARATOR)


@dataclass(frozen=True)
class Place:
    """A place in the case: its role (a cases.models.LocationRole value) and its division.

    `unit` is the police organ of the division, None for a division outside the six regions.
    `victim_count` and `loss_amount` say where the harm fell; they found no jurisdiction themselves
    but are weighed as factors.
    """

    role: str
    division_code: str
    unit: UnitRef | None
    address: str = ""
    is_main: bool = False
    victim_count: int | None = None
    loss_amount: Decimal | None = None
    occurred: str = ""


@dataclass(frozen=True)
class Person:
    """A suspect, victim or witness with the police organs of their residences.

    `habitual_counts` is whether the habitual residence had lasted a year (MPS-2020 art 16) on the
    date the caller judged it; a habitual residence that does not count founds nothing.
    """

    role: str
    name: str
    household_unit: UnitRef | None = None
    habitual_unit: UnitRef | None = None
    habitual_counts: bool = False
    household_division_code: str = ""
    habitual_division_code: str = ""
    household_address: str = ""
    habitual_address: str = ""
    habitual_since: date | None = None


@dataclass(frozen=True)
class Charge:
    """A charge (罪名) of the case: its code (cases.models.Charge), name and Criminal Law article."""

    code: str
    name: str = ""
    article: str = ""  # "CL art 266"


@dataclass(frozen=True)
class CaseFacts:
    """What the engine knows of a case.

    `superiors` are units above those named in the facts, given only so that a common superior
    can be named rather than shown as a bare code. `charges` and `grouping` (the code of the case's
    offence grouping, e.g. "telecom_fraud") select the rule set; `is_filed` says whether the case
    has been opened (立案), which decides whether a transfer is art 175's or art 184's; `linked_cases`
    counts the cases recorded as linked to this one (art 21 ¶2 (4)).
    """

    accepting_unit: UnitRef
    accepted_on: date | None
    places: tuple[Place, ...] = ()
    persons: tuple[Person, ...] = ()
    lead_unit: UnitRef | None = None
    superiors: tuple[UnitRef, ...] = ()
    case_name: str = ""
    case_number: str = ""
    charges: tuple[Charge, ...] = ()
    grouping: str = ""
    is_filed: bool = False
    linked_cases: int = 0


# --- output --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """One legal basis of a unit: its kind, the facts behind it and the article applied.

    `facts` are in Chinese, `facts_en` the same facts in English, one for one (issue 20 item 6: an
    officer who chose English reads them in English; names and addresses stay as recorded).

    `condition` is empty for a basis that holds as such, IF_NECESSARY or IF_MORE_SUITABLE for one
    the rules allow only when necessary (art 18) or more suitable (art 15). `roles` are the roles
    of the places or persons behind it.
    """

    kind: str
    facts: tuple[str, ...]
    citation: str
    condition: str = ""
    roles: tuple[str, ...] = ()
    facts_en: tuple[str, ...] = ()

    @property
    def secondary(self) -> bool:
        return bool(self.condition)

    @property
    def label_zh(self) -> str:
        return KIND_LABELS[self.kind][0]

    @property
    def label_en(self) -> str:
        return KIND_LABELS[self.kind][1]


@dataclass(frozen=True)
class Candidate:
    """A unit of the system with its bases, in KIND_ORDER."""

    unit: UnitRef
    bases: tuple[Basis, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(basis.kind for basis in self.bases))

    @property
    def citations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(basis.citation for basis in self.bases))

    @property
    def has_jurisdiction(self) -> bool:
        """Return whether the unit has a basis of its own (conditional ones included)."""
        return any(basis.kind in JURISDICTION_KINDS for basis in self.bases)

    @property
    def is_crime_location(self) -> bool:
        return any(basis.kind in CRIME_LOCATION_KINDS and not basis.condition for basis in self.bases)

    def basis(self, kind: str, *, condition: str | None = None) -> Basis | None:
        for basis in self.bases:
            if basis.kind == kind and (condition is None or basis.condition == condition):
                return basis
        return None


@dataclass(frozen=True)
class OutsideSystem:
    """A division outside the six regions that would found jurisdiction there; never a candidate."""

    division_code: str
    bases: tuple[Basis, ...]


@dataclass(frozen=True)
class Alternative:
    """A unit that may also take the case, and on what condition."""

    unit: UnitRef
    kind: str  # MAIN_CRIME_LOCATION, MOST_HARM, CRIME_LOCATION or RESIDENCE
    citation: str
    explanation_zh: str
    explanation_en: str


MOST_HARM = "most_harm"
CRIME_LOCATION = "crime_location"
RESIDENCE = "residence"

KEEP = "keep"  # the first-accepting unit has jurisdiction and keeps the case (art 21)
TRANSFER = "transfer"  # it has none and must transfer the case (art 175 at intake, art 184 after 立案)
NONE_IN_SYSTEM = "none_in_system"  # only organs outside the system have a basis
FACTS_MISSING = "facts_missing"  # no place and no residence recorded: nothing to judge yet


@dataclass(frozen=True)
class Recommendation:
    """The unit the rules point to, why, and every alternative; `unit` is None when they point nowhere."""

    unit: UnitRef | None
    outcome: str  # KEEP, TRANSFER, NONE_IN_SYSTEM or FACTS_MISSING
    citations: tuple[str, ...]
    explanation_zh: str
    explanation_en: str
    alternatives: tuple[Alternative, ...] = ()

    @property
    def must_transfer(self) -> bool:
        """Return whether the rules say the case must leave the accepting unit (unknown without facts)."""
        return self.outcome in (TRANSFER, NONE_IN_SYSTEM)


@dataclass(frozen=True)
class FactorRow:
    unit: UnitRef
    value: Any  # int, Decimal or str; None when the unit has nothing to show
    text_zh: str
    text_en: str
    leads: bool = False


@dataclass(frozen=True)
class Factor:
    """One consideration, shown per candidate; `leaders` are the units with the most of it."""

    key: str
    label_zh: str
    label_en: str
    guideline: str  # the Eurojust factor it reflects
    rows: tuple[FactorRow, ...]
    leaders: tuple[UnitRef, ...] = ()

    def row(self, code: str) -> FactorRow | None:
        return next((row for row in self.rows if row.unit.code == code), None)


@dataclass(frozen=True)
class Note:
    key: str
    text_zh: str
    text_en: str
    citation: str = ""


@dataclass(frozen=True)
class Analysis:
    rules_version: str
    candidates: tuple[Candidate, ...]
    outside_system: tuple[OutsideSystem, ...]
    recommendation: Recommendation
    factors: tuple[Factor, ...]
    notes: tuple[Note, ...]
    common_superior: UnitRef | None = None
    rule_set: str = MPS_2020
    rule_set_citations: tuple[str, ...] = ()
    charges: tuple[Charge, ...] = ()

    def candidate(self, code: str) -> Candidate | None:
        return next((candidate for candidate in self.candidates if candidate.unit.code == code), None)

    def factor(self, key: str) -> Factor | None:
        return next((factor for factor in self.factors if factor.key == key), None)

    def note_keys(self) -> tuple[str, ...]:
        return tuple(note.key for note in self.notes)

    def to_dict(self) -> dict[str, Any]:
        """Return the analysis as JSON-ready data (amounts as strings, dates in ISO form)."""
        return _plain(self)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        data = {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
        if isinstance(value, Basis):
            data["secondary"] = value.secondary
        if isinstance(value, Candidate):
            data["has_jurisdiction"] = value.has_jurisdiction
        return data
    return value


# --- the engine ----------------------------------------------------------------------------------


@dataclass
class _Entry:
    """One fact founding one basis at one unit, before grouping."""

    unit: UnitRef
    kind: str
    citation: str
    condition: str
    role: str
    text: str
    text_en: str = ""


@dataclass
class _Tally:
    """What a unit's area holds, for the factors."""

    crime_roles: list[str] = field(default_factory=list)
    evidence_roles: list[str] = field(default_factory=list)
    victims: int = 0
    victim_places_uncounted: int = 0
    loss: Decimal = Decimal("0.00")
    suspects: list[str] = field(default_factory=list)
    victims_resident: list[str] = field(default_factory=list)


def rule_set_for(charges: tuple[Charge, ...], grouping: str) -> str:
    """Return the rule set the case's charges select: TELECOM_FRAUD or MPS_2020 (MPS-2020 art 15 ¶2).

    帮助信息网络犯罪活动罪 selects the telecom rules by itself; 诈骗罪 and the related charges only
    when committed by telecom or network means, i.e. when the case is filed under the grouping
    电信网络诈骗. A case with no charge recorded yet keeps MPS-2020 alone (a note asks for the charge).
    """
    codes = {charge.code for charge in charges}
    if codes & TELECOM_CHARGES_ALWAYS:
        return TELECOM_FRAUD
    if grouping == TELECOM_GROUPING and codes & TELECOM_CHARGES_BY_MEANS:
        return TELECOM_FRAUD
    return MPS_2020


def grouping_is_telecom(facts: CaseFacts) -> bool:
    return facts.grouping == TELECOM_GROUPING


def founding_roles(rule_set: str) -> frozenset[str]:
    """Return the place roles that found a basis under the rule set."""
    return frozenset(ALL_PLACE_RULES if rule_set == TELECOM_FRAUD else PLACE_RULES)


def analyse(facts: CaseFacts) -> Analysis:
    """Find every unit with a legal basis, recommend one by arts 15 and 21, and lay out the factors."""
    entries: list[_Entry] = []
    outside: dict[str, list[_Entry]] = defaultdict(list)
    notes: list[Note] = []
    rule_set = rule_set_for(facts.charges, facts.grouping)
    founding = founding_roles(rule_set)
    if rule_set == TELECOM_FRAUD:
        notes.append(_telecom_note(facts))
    elif grouping_is_telecom(facts) and not facts.charges:
        notes.append(
            Note(
                "charge_missing",
                f"本案归类为电信网络诈骗，但尚未登记罪名：登记诈骗罪等罪名后，适用{OPINION_2016}、{OPINION_2021}"
                f"关于犯罪地的特别规定（{ART_15_2}）。",
                f"The case is grouped as telecom fraud but records no charge yet: once 诈骗罪 or a related "
                f"charge is recorded, the special crime-location rules of {OPINION_2016} and {OPINION_2021} "
                f"apply ({ART_15_2}).",
                ART_15_2,
            )
        )

    for place in facts.places:
        entries_of_place, place_notes = _place_entries(place, rule_set)
        notes.extend(place_notes)
        for entry in entries_of_place:
            if place.unit is None:
                outside[place.division_code].append(entry)
            else:
                entries.append(entry)
    for person in facts.persons:
        entries_of_person, person_notes = _person_entries(person)
        notes.extend(person_notes)
        for division_code, entry in entries_of_person:
            if entry.unit is None:
                outside[division_code].append(entry)
            else:
                entries.append(entry)

    units: dict[str, UnitRef] = {}
    for unit in (facts.accepting_unit, facts.lead_unit, *(entry.unit for entry in entries)):
        if unit is not None:
            units.setdefault(unit.code, unit)

    grouped: dict[str, list[_Entry]] = {code: [] for code in units}
    for entry in entries:
        for code, unit in units.items():
            if unit.code == entry.unit.code:
                grouped[code].append(entry)
            elif unit.contains(entry.unit):
                # A bureau's area includes its branches': the city bureau is the police of a crime
                # location in any of its districts, so it has that basis too.
                grouped[code].append(_inherited(entry))

    accepting = facts.accepting_unit
    has_own = any(entry.kind in JURISDICTION_KINDS for entry in grouped[accepting.code])
    has_facts = bool(entries or outside)
    accepted = f"{facts.accepted_on.isoformat()}受理" if facts.accepted_on else "尚未登记受理"
    accepted_en = f"on {facts.accepted_on.isoformat()}" if facts.accepted_on else "not yet recorded"
    if has_own:
        grouped[accepting.code].append(
            _Entry(
                accepting,
                FIRST_ACCEPTING,
                ART_21,
                "",
                "",
                f"最初受理本案（{accepted}）",
                f"accepted the case first ({accepted_en})",
            )
        )
    elif not has_facts:
        grouped[accepting.code].append(
            _Entry(
                accepting,
                ACCEPTED_WITHOUT_BASIS,
                ART_15,
                "",
                "",
                f"最初受理本案（{accepted}）；尚未登记犯罪地或犯罪嫌疑人居住地，管辖依据有待查明",
                f"accepted the case first ({accepted_en}); no crime location or suspect's residence is "
                "recorded yet, so the basis of jurisdiction is still to be established",
            )
        )
    else:
        grouped[accepting.code].append(
            _Entry(
                accepting,
                ACCEPTED_WITHOUT_BASIS,
                ART_184 if facts.is_filed else ART_175,
                "",
                "",
                f"最初受理本案（{accepted}），但不是本案犯罪地或犯罪嫌疑人居住地的公安机关",
                f"accepted the case first ({accepted_en}) but is not the police of a crime location or of a "
                "suspect's residence",
            )
        )
    lead = facts.lead_unit
    if lead is not None and lead.code != accepting.code:
        grouped[lead.code].append(
            _Entry(
                lead,
                LEAD_UNIT,
                ART_22,
                "",
                "",
                "已经协商或者指定确定为本案承办单位",
                "settled as the lead unit of the case by negotiation or designation",
            )
        )

    candidates = tuple(
        Candidate(unit=units[code], bases=_bases(grouped[code]))
        for code in sorted(units, key=lambda code: (code != accepting.code, code))
    )
    outside_system = tuple(
        OutsideSystem(division_code=code, bases=_bases(outside[code])) for code in sorted(outside)
    )
    for item in outside_system:
        labels = "、".join(basis.label_zh for basis in item.bases)
        notes.append(
            Note(
                "outside_system",
                f"区划{item.division_code}不在本系统的六省区市范围内：当地公安机关依{labels}"
                "也有管辖依据，但不列为候选单位，需要时通过系统外渠道联系。",
                f"Division {item.division_code} lies outside the six regions of this system: its police "
                "also have a basis but are not listed as candidates; contact them outside the system.",
                item.bases[0].citation,
            )
        )

    tallies = {code: _tally(units[code], facts, founding) for code in units}
    factors = _factors(facts, candidates, tallies)
    with_jurisdiction = [candidate for candidate in candidates if candidate.has_jurisdiction]
    # The competent organs outside the system count too: a dispute with them is decided by the
    # common superior of both, which for a division of another province is the ministry.
    outside_holders = [
        item for item in outside_system if any(basis.kind in JURISDICTION_KINDS for basis in item.bases)
    ]
    known = {unit.code: unit for unit in (*facts.superiors, *units.values())}
    # The units that could be designated are those with jurisdiction; their common superior designates.
    if outside_holders and len(with_jurisdiction) + len(outside_holders) > 1:
        superior = _ministry(accepting, known)
    else:
        superior = _common_superior([candidate.unit for candidate in with_jurisdiction or candidates], known)
    recommendation = _recommend(facts, candidates, tallies, rule_set=rule_set, has_facts=has_facts)
    notes.extend(
        _general_notes(
            facts,
            candidates,
            with_jurisdiction,
            superior,
            outside_holders=len(outside_holders),
            rule_set=rule_set,
            founding=founding,
        )
    )
    return Analysis(
        rules_version=RULES_VERSION,
        candidates=candidates,
        outside_system=outside_system,
        recommendation=recommendation,
        factors=factors,
        notes=tuple(notes),
        common_superior=superior,
        rule_set=rule_set,
        rule_set_citations=RULE_SET_CITATIONS[rule_set],
        charges=facts.charges,
    )


def _telecom_note(facts: CaseFacts) -> Note:
    names = "、".join(charge.name or charge.code for charge in facts.charges) or "电信网络诈骗"
    return Note(
        "telecom_rules",
        f"本案罪名（{names}）属电信网络诈骗类，除本规定外，适用{OPINION_2016}第五部分、{OPINION_2021}"
        # The 2021 opinion is numbered in articles (core.citations: "法发〔2021〕22号 §1" reads 第一条).
        f"第一条关于犯罪地的特别规定（{ART_15_2}）。",
        f"The charges ({names}) are of the telecom-fraud group: beside the MPS provisions, the special "
        f"crime-location rules of {OPINION_2016} section 5 and {OPINION_2021} article 1 apply ({ART_15_2}).",
        ART_15_2,
    )


def _where(address: str, unit: UnitRef | None, code: str) -> str:
    """Describe a place by its address, else by the unit's area, always with its division code."""
    where = address or (f"{unit.name}辖区" if unit is not None else "")
    return f"{where}（{code}）" if where else code


def _where_en(address: str, unit: UnitRef | None, code: str) -> str:
    where = address or (f"the area of {unit.name}" if unit is not None else "")
    return f"{where} ({code})" if where else code


def _place_text_en(place: Place) -> str:
    text = f"{ROLE_LABELS[place.role][1]}: {_where_en(place.address, place.unit, place.division_code)}"
    harm = []
    if place.victim_count:
        harm.append(f"{place.victim_count} victim(s)")
    if place.loss_amount:
        harm.append(f"loss {place.loss_amount:,.2f} yuan")
    if place.occurred:
        harm.insert(0, place.occurred)
    return text + (f", {', '.join(harm)}" if harm else "")


def _place_text(place: Place) -> str:
    text = f"{ROLE_LABELS[place.role][0]}：{_where(place.address, place.unit, place.division_code)}"
    harm = []
    if place.victim_count:
        harm.append(f"被害人{place.victim_count}人")
    if place.loss_amount:
        harm.append(f"损失{_yuan(place.loss_amount)}")
    if place.occurred:
        harm.insert(0, place.occurred)
    return text + (f"，{'，'.join(harm)}" if harm else "")


def _place_entries(place: Place, rule_set: str = MPS_2020) -> tuple[list[_Entry], list[Note]]:
    if place.role == OTHER_PLACE:
        note = Note(
            "other_place",
            f"“其他地点”{place.address or place.division_code}不是管辖依据，仅作记录。",
            f"The “other place” {place.division_code} is recorded but founds no jurisdiction.",
        )
        return [], [note] + ([_main_not_crime_location(place)] if place.is_main else [])
    if place.role not in ALL_PLACE_RULES:
        raise ValueError(f"The rules engine does not know the place role {place.role!r}.")
    kind, citation, condition = ALL_PLACE_RULES[place.role]
    if place.role in TELECOM_ROLES and rule_set != TELECOM_FRAUD:
        note = Note(
            "telecom_place_not_applicable",
            f"“{ROLE_LABELS[place.role][0]}”{place.address or place.division_code}"
            f"是电信网络诈骗案件特别规定的犯罪地（{citation}），本案罪名不属电信网络诈骗类，不作为管辖依据。",
            f"The place {place.division_code} ({ROLE_LABELS[place.role][1]}) is a crime location only under "
            f"the telecom-fraud rules ({citation}), which the case's charges do not select.",
            citation,
        )
        return [], [note] + ([_main_not_crime_location(place)] if place.is_main else [])
    text, text_en = _place_text(place), _place_text_en(place)
    entries = [_Entry(place.unit, kind, citation, condition, place.role, text, text_en)]
    if place.is_main:
        entries.append(
            _Entry(
                place.unit,
                MAIN_CRIME_LOCATION,
                ART_21,
                "",
                place.role,
                f"认定为主要犯罪地：{text}",
                f"taken as the main crime location: {text_en}",
            )
        )
    return entries, []


def _main_not_crime_location(place: Place) -> Note:
    return Note(
        "main_not_crime_location",
        f"标为主要犯罪地的{place.division_code}不是犯罪地，不能作为主要犯罪地（{ART_21}）。",
        f"{place.division_code} is marked as the main crime location but is not a crime location ({ART_21}).",
        ART_21,
    )


def _person_entries(person: Person) -> tuple[list[tuple[str, _Entry]], list[Note]]:
    """Return the residence bases of a suspect: founded by art 15, the terms defined by art 16."""
    if person.role != SUSPECT:
        return [], []
    found: list[tuple[str, _Entry]] = []
    notes: list[Note] = []
    if person.household_unit is not None or person.household_division_code:
        code = person.household_division_code or person.household_unit.code
        where = _where(person.household_address, person.household_unit, code)
        where_en = _where_en(person.household_address, person.household_unit, code)
        found.append(
            (
                code,
                _Entry(
                    person.household_unit,
                    SUSPECT_HOUSEHOLD,
                    ART_15,
                    IF_MORE_SUITABLE,
                    SUSPECT,
                    f"犯罪嫌疑人{person.name}户籍所在地：{where}",
                    f"registered residence (household) of suspect {person.name}: {where_en}",
                ),
            )
        )
    if person.habitual_unit is not None or person.habitual_division_code:
        code = person.habitual_division_code or person.habitual_unit.code
        where = _where(person.habitual_address, person.habitual_unit, code)
        since = f"自{person.habitual_since.isoformat()}起" if person.habitual_since else ""
        where_en = _where_en(person.habitual_address, person.habitual_unit, code)
        since_en = f" since {person.habitual_since.isoformat()}" if person.habitual_since else ""
        if person.habitual_counts:
            found.append(
                (
                    code,
                    _Entry(
                        person.habitual_unit,
                        SUSPECT_HABITUAL,
                        ART_15,
                        IF_MORE_SUITABLE,
                        SUSPECT,
                        f"犯罪嫌疑人{person.name}经常居住地：{where}，{since}连续居住满一年",
                        f"habitual residence of suspect {person.name}: {where_en}, lived in for a year "
                        f"without a break{since_en}",
                    ),
                )
            )
        else:
            notes.append(
                Note(
                    "habitual_too_short",
                    f"犯罪嫌疑人{person.name}在{where}{since}居住未满一年（或起始日期不明），"
                    f"不是经常居住地（{ART_16}）。",
                    f"Suspect {person.name} has not lived a year at {code} (or the start is unknown): "
                    f"not a habitual residence ({ART_16}).",
                    ART_16,
                )
            )
    return found, notes


def _inherited(entry: _Entry) -> _Entry:
    return _Entry(
        entry.unit,
        entry.kind,
        entry.citation,
        entry.condition,
        entry.role,
        f"辖区内{entry.unit.name}：{entry.text}",
        f"within its area, {entry.unit.name}: {entry.text_en or entry.text}",
    )


def _bases(entries: list[_Entry]) -> tuple[Basis, ...]:
    groups: dict[tuple[str, str, str], list[_Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.kind, entry.citation, entry.condition), []).append(entry)
    ordered = sorted(groups, key=lambda key: (KIND_ORDER.index(key[0]), key[2]))
    # Each fact once, by its Chinese text, with its English text beside it in the same order.
    texts = {
        key: {entry.text: entry.text_en or entry.text for entry in reversed(groups[key])} for key in groups
    }
    return tuple(
        Basis(
            kind=kind,
            facts=tuple(dict.fromkeys(entry.text for entry in groups[kind, citation, condition])),
            facts_en=tuple(
                texts[kind, citation, condition][text]
                for text in dict.fromkeys(entry.text for entry in groups[kind, citation, condition])
            ),
            citation=citation,
            condition=condition,
            roles=tuple(
                dict.fromkeys(entry.role for entry in groups[kind, citation, condition] if entry.role)
            ),
        )
        for kind, citation, condition in ordered
    )


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


def _resident_unit(person: Person) -> UnitRef | None:
    """Return where a person lives: the habitual residence if it counts, else the household."""
    if person.habitual_counts and person.habitual_unit is not None:
        return person.habitual_unit
    return person.household_unit


def _tally(unit: UnitRef, facts: CaseFacts, founding: frozenset[str] = frozenset(PLACE_RULES)) -> _Tally:
    tally = _Tally()
    for place in facts.places:
        if place.unit is None or not unit.contains(place.unit):
            continue
        if place.role in founding:
            tally.crime_roles.append(place.role)
        if place.role in EVIDENCE_ROLES and place.role in founding:
            tally.evidence_roles.append(place.role)
        if place.victim_count:
            tally.victims += place.victim_count
        elif place.role in VICTIM_ROLES:
            tally.victim_places_uncounted += 1
        if place.loss_amount:
            tally.loss += place.loss_amount
    for person in facts.persons:
        residences = {
            resident.code: resident
            for resident in (
                person.household_unit,
                person.habitual_unit if person.habitual_counts else None,
            )
            if resident is not None
        }
        if person.role == SUSPECT and any(unit.contains(resident) for resident in residences.values()):
            tally.suspects.append(person.name)
        resident = _resident_unit(person)
        if person.role == VICTIM and resident is not None and unit.contains(resident):
            tally.victims_resident.append(person.name)
    return tally


def _role_summary(roles: list[str]) -> str:
    counts: dict[str, int] = {}
    for role in roles:
        counts[role] = counts.get(role, 0) + 1
    return "、".join(
        ROLE_LABELS[role][0] + (f"{count}处" if count > 1 else "") for role, count in counts.items()
    )


def _leaders(rows: list[tuple[UnitRef, Any]]) -> tuple[UnitRef, ...]:
    numbers = [value for _unit, value in rows if isinstance(value, (int, Decimal)) and value]
    if not numbers:
        return ()
    best = max(numbers)
    return tuple(unit for unit, value in rows if value == best)


def _factor(
    key: str, label_zh: str, label_en: str, guideline: str, rows: list[tuple[UnitRef, Any, str, str]]
) -> Factor:
    leaders = _leaders([(unit, value) for unit, value, _zh, _en in rows])
    leading = {unit.code for unit in leaders}
    return Factor(
        key=key,
        label_zh=label_zh,
        label_en=label_en,
        guideline=guideline,
        rows=tuple(
            FactorRow(unit=unit, value=value, text_zh=zh, text_en=en, leads=unit.code in leading)
            for unit, value, zh, en in rows
        ),
        leaders=leaders,
    )


def _factors(
    facts: CaseFacts, candidates: tuple[Candidate, ...], tallies: dict[str, _Tally]
) -> tuple[Factor, ...]:
    units = [candidate.unit for candidate in candidates]
    crime, victims, losses, suspects, evidence, resident, stage = [], [], [], [], [], [], []
    for unit in units:
        tally = tallies[unit.code]
        count = len(tally.crime_roles)
        crime.append(
            (
                unit,
                count,
                _role_summary(tally.crime_roles) or "无",
                f"{count} crime location(s)" if count else "none",
            )
        )
        uncounted = (
            f"（另有{tally.victim_places_uncounted}处被害地未登记人数）"
            if tally.victim_places_uncounted
            else ""
        )
        victims.append(
            (
                unit,
                tally.victims,
                (f"被害人{tally.victims}人" if tally.victims else "未登记被害人数") + uncounted,
                f"{tally.victims} victim(s)",
            )
        )
        losses.append(
            (
                unit,
                tally.loss,
                f"损失{_yuan(tally.loss)}" if tally.loss else "未登记损失",
                f"loss {tally.loss:,.2f} yuan",
            )
        )
        suspects.append(
            (
                unit,
                len(tally.suspects),
                f"犯罪嫌疑人{'、'.join(tally.suspects)}居住于此" if tally.suspects else "无",
                f"{len(tally.suspects)} suspect(s) live here",
            )
        )
        evidence.append(
            (
                unit,
                len(tally.evidence_roles),
                _role_summary(tally.evidence_roles) or "无",
                f"{len(tally.evidence_roles)} evidence place(s)",
            )
        )
        resident.append(
            (
                unit,
                len(tally.victims_resident),
                f"被害人{'、'.join(tally.victims_resident)}居住于此" if tally.victims_resident else "无",
                f"{len(tally.victims_resident)} victim(s) live here",
            )
        )
        stage.append(_stage_row(facts, unit))
    stage_leader = facts.lead_unit or facts.accepting_unit
    stage_factor = Factor(
        key="stage",
        label_zh="诉讼进程",
        label_en="Stage of proceedings",
        guideline="stage and length of proceedings",
        rows=tuple(
            FactorRow(unit=unit, value=value, text_zh=zh, text_en=en, leads=unit.code == stage_leader.code)
            for unit, value, zh, en in stage
        ),
        leaders=(stage_leader,),
    )
    return (
        _factor(
            "crime_places",
            "犯罪地",
            "Crime locations",
            "territoriality: where most of the conduct was",
            crime,
        ),
        _factor("victims", "被害人数", "Victims harmed", "territoriality: where most harm arose", victims),
        _factor("losses", "损失金额", "Losses", "territoriality: where most loss arose", losses),
        _factor("suspects", "犯罪嫌疑人所在", "Suspects living there", "location of the suspect", suspects),
        _factor("evidence", "证据所在", "Evidence there", "availability of evidence", evidence),
        _factor("victims_resident", "被害人居住地", "Victims living there", "victims' interests", resident),
        stage_factor,
    )


def _stage_row(facts: CaseFacts, unit: UnitRef) -> tuple[UnitRef, Any, str, str]:
    parts_zh, parts_en, value = [], [], None
    if unit.code == facts.accepting_unit.code:
        value = "first_accepting"
        parts_zh.append(
            f"{facts.accepted_on.isoformat()}最初受理" if facts.accepted_on else "受理单位（尚未受理）"
        )
        parts_en.append(
            f"accepted first on {facts.accepted_on.isoformat()}" if facts.accepted_on else "accepting unit"
        )
    if facts.lead_unit is not None and unit.code == facts.lead_unit.code:
        value = "lead" if value is None else "first_accepting_and_lead"
        parts_zh.append("本案承办单位")
        parts_en.append("lead unit")
    return unit, value, "；".join(parts_zh) or "尚未参与办理", "; ".join(parts_en) or "not handling it yet"


def _ministry(unit: UnitRef, known: dict[str, UnitRef]) -> UnitRef:
    """Return the root of the tree (公安部): the only superior common to a unit and another province's."""
    code = unit.path.split(PATH_SEPARATOR)[0]
    return known.get(code) or UnitRef(code=code, name="公安部", path=code)


def _common_superior(units: list[UnitRef], known: dict[str, UnitRef]) -> UnitRef | None:
    """Return the lowest common ancestor of the units (a unit counts as its own), by their paths."""
    if not units:
        return None
    chains = [unit.path.split(PATH_SEPARATOR) for unit in units]
    shared = []
    for segments in zip(*chains, strict=False):
        if any(segment != segments[0] for segment in segments):
            break
        shared.append(segments[0])
    if not shared:
        return None
    code = shared[-1]
    return known.get(code) or UnitRef(code=code, name=code, path=PATH_SEPARATOR.join(shared))


# --- the recommendation --------------------------------------------------------------------------


def _harm_key(tally: _Tally) -> tuple[int, Decimal, int]:
    return tally.victims, tally.loss, len(tally.crime_roles)


def _harm_text(tally: _Tally) -> tuple[str, str]:
    zh, en = [], []
    if tally.victims:
        zh.append(f"被害人{tally.victims}人")
        en.append(f"{tally.victims} victims")
    if tally.loss:
        zh.append(f"损失{_yuan(tally.loss)}")
        en.append(f"losses of {tally.loss:,.2f} yuan")
    if not zh:
        zh.append(f"犯罪地{len(tally.crime_roles)}处")
        en.append(f"{len(tally.crime_roles)} crime locations")
    return "、".join(zh), ", ".join(en)


def _most_harm(candidates: list[Candidate], tallies: dict[str, _Tally]) -> Candidate | None:
    """Return the crime-location unit where most victims, then most loss, then most places are.

    None when two units tie: the rules then leave the choice to negotiation (art 22). A unit whose
    area contains the other's ties with it by construction; the narrower unit is the place meant.
    """
    pool = [candidate for candidate in candidates if candidate.is_crime_location]
    if not pool:
        return None
    best = max(_harm_key(tallies[candidate.unit.code]) for candidate in pool)
    top = [candidate for candidate in pool if _harm_key(tallies[candidate.unit.code]) == best]
    top = [
        candidate
        for candidate in top
        if not any(other is not candidate and candidate.unit.contains(other.unit) for other in top)
    ]
    return top[0] if len(top) == 1 else None


def _main_units(facts: CaseFacts, founding: frozenset[str]) -> list[UnitRef]:
    return [
        place.unit
        for place in facts.places
        if place.is_main and place.unit is not None and place.role in founding
    ]


def _transfer_text(facts: CaseFacts) -> tuple[str, str, str]:
    """Return what a transfer demands, in Chinese and English, and its article.

    Before 立案 it is art 175 (the head's approval at once, within 24 hours, the complainants
    told); after 立案 it is art 184 (the head's approval, no 24-hour limit, the complainants told
    in writing within 3 days of the transfer).
    """
    accepting = facts.accepting_unit
    if facts.is_filed:
        zh = (
            f"{accepting.name}已对本案立案，但不是本案犯罪地或犯罪嫌疑人居住地的公安机关，对本案没有管辖权，"
            "应当经县级以上公安机关负责人批准，制作移送案件通知书，移送有管辖权的机关，"
            f"并在移送案件后三日以内书面通知扭送人、报案人、控告人、举报人（{ART_184}）。"
        )
        en = (
            f"{accepting.name} has opened the case (立案) but is neither the police of a crime location "
            "nor of a suspect's residence: it has no jurisdiction and, with the approval of a county-level "
            "head, must transfer the case with a transfer notice to the competent organ, telling the "
            f"complainants in writing within 3 days of the transfer ({ART_184})."
        )
        return zh, en, ART_184
    zh = (
        f"{accepting.name}最初受理本案，但不是本案犯罪地或犯罪嫌疑人居住地的公安机关，对本案没有管辖权，"
        "应当在24小时内移送有管辖权的机关（立即报经县级以上公安机关负责人批准，制作移送案件通知书），"
        f"并告知扭送人、报案人、控告人、举报人（{ART_175}）。"
    )
    en = (
        f"{accepting.name} accepted the case first but is neither the police of a crime location nor of "
        "a suspect's residence: it has no jurisdiction and must transfer the case within 24 hours, with "
        "a county-level head's approval and a transfer notice, and tell the complainants "
        f"({ART_175})."
    )
    return zh, en, ART_175


def _recommend(
    facts: CaseFacts,
    candidates: tuple[Candidate, ...],
    tallies: dict[str, _Tally],
    *,
    rule_set: str = MPS_2020,
    has_facts: bool = True,
) -> Recommendation:
    accepting = facts.accepting_unit
    by_code = {candidate.unit.code: candidate for candidate in candidates}
    holder = by_code[accepting.code]
    founding = founding_roles(rule_set)
    mains = _main_units(facts, founding)
    main = mains[0] if mains else None
    most = _most_harm(list(candidates), tallies)
    residence_units = [
        candidate
        for candidate in candidates
        if any(basis.kind in RESIDENCE_KINDS for basis in candidate.bases)
    ]
    # The telecom opinions restate art 21's rule (2016 §5: the first-accepting organ or that of the
    # main crime location); they are cited beside it.
    first_rule = f"{ART_21}；{TF_2016}" if rule_set == TELECOM_FRAUD else ART_21
    first_rule_en = f"{ART_21}; {TF_2016}" if rule_set == TELECOM_FRAUD else ART_21

    if not has_facts:
        unit, outcome = None, FACTS_MISSING
        zh = (
            "本案尚未登记犯罪地（犯罪行为发生地、犯罪结果发生地等）或犯罪嫌疑人居住地，无法判断管辖"
            f"（{ART_15}、{ART_16}）。请先补充案件地点和犯罪嫌疑人的户籍所在地、经常居住地。"
        )
        en = (
            "No crime location and no suspect's residence is recorded: jurisdiction cannot be judged yet "
            f"({ART_15}, {ART_16}). Add the places of the case and the suspects' residences first."
        )
        citations = [ART_15, ART_16]
    elif holder.has_jurisdiction:
        unit, outcome = accepting, KEEP
        own = [basis for basis in holder.bases if basis.kind in JURISDICTION_KINDS]
        labels_zh = "、".join(dict.fromkeys(basis.label_zh for basis in own))
        labels_en = ", ".join(dict.fromkeys(basis.label_en for basis in own))
        citations = [ART_21]
        if rule_set == TELECOM_FRAUD:
            citations.append(TF_2016)
        citations += dict.fromkeys(basis.citation for basis in own)
        zh = (
            f"{accepting.name}最初受理本案，且是本案{labels_zh}的公安机关。"
            f"几个公安机关都有权管辖的，由最初受理的公安机关管辖（{first_rule}），建议由{accepting.name}继续管辖。"
        )
        en = (
            f"{accepting.name} accepted the case first and is the police of its {labels_en}. Where several "
            f"organs have jurisdiction the first-accepting one keeps the case ({first_rule_en}): "
            "it should keep it."
        )
        if all(basis.condition for basis in own):
            conditions = dict.fromkeys(basis.condition for basis in own)
            zh += "但其依据均附条件：" + "；".join(CONDITION_LABELS[c][0] for c in conditions) + "。"
            en += (
                " Its bases are all conditional: "
                + "; ".join(CONDITION_LABELS[c][1] for c in conditions)
                + "."
            )
            citations.append(ART_15 if IF_MORE_SUITABLE in conditions else ART_18)
    else:
        transfer_zh, transfer_en, transfer_article = _transfer_text(facts)
        citations = [transfer_article]
        residents = [candidate for candidate in residence_units if candidate.unit.code != accepting.code]
        if main is not None:
            unit, outcome = main, TRANSFER
            zh = transfer_zh + f"建议移送主要犯罪地的{main.name}（{first_rule}）。"
            en = (
                transfer_en
                + f" It should go to {main.name}, the police of the main crime location ({first_rule_en})."
            )
            citations.append(ART_21)
        elif most is not None:
            unit, outcome = most.unit, TRANSFER
            harm_zh, harm_en = _harm_text(tallies[most.unit.code])
            zh = (
                transfer_zh
                + f"建议移送{most.unit.name}：该地{harm_zh}，为危害最集中的犯罪地，"
                + f"必要时可认定为主要犯罪地（{first_rule}）。"
            )
            en = transfer_en + (
                f" It should go to {most.unit.name}, the crime location with most harm ({harm_en}), "
                f"which may be taken as the main crime location where necessary ({first_rule_en})."
            )
            citations.append(ART_21)
        elif any(candidate.is_crime_location for candidate in candidates):
            unit, outcome = None, TRANSFER
            zh = transfer_zh + (
                "几处犯罪地的危害程度相当，应当与其协商确定接收单位；协商不成的，由共同上级指定管辖"
                f"（{ART_22}）。"
            )
            en = transfer_en + (
                " The crime locations weigh the same: agree the receiving unit with them, or ask the common "
                f"superior to designate one ({ART_22})."
            )
            citations.append(ART_22)
        elif residents:
            target = max(residents, key=lambda candidate: len(tallies[candidate.unit.code].suspects))
            unit, outcome = target.unit, TRANSFER
            zh = transfer_zh + (
                f"系统内没有犯罪地的公安机关，建议移送犯罪嫌疑人居住地的{target.unit.name}，"
                f"由其管辖更为适宜的，可以由其管辖（{ART_15}）。"
            )
            en = transfer_en + (
                f" No crime location lies in the system: it may go to {target.unit.name}, the police of the "
                f"suspects' residence, where that is more suitable ({ART_15})."
            )
            citations.append(ART_15)
        else:
            unit, outcome = None, NONE_IN_SYSTEM
            zh = transfer_zh + "本系统内没有其他有管辖依据的公安机关，应当移送系统外有管辖权的公安机关。"
            en = (
                transfer_en
                + " No organ of this system has a basis: transfer it to the competent police outside."
            )
        if rule_set == TELECOM_FRAUD and outcome == TRANSFER and ART_21 in citations:
            citations.append(TF_2016)

    # Every other crime-location unit is named, whether the case stays or goes: on KEEP they too
    # have jurisdiction (art 21 only gives the first-accepting unit priority).
    receivers = [candidate for candidate in candidates if candidate.is_crime_location]
    alternatives = _alternatives(unit, main, most, receivers, residence_units, tallies, keep=outcome == KEEP)
    for alternative in alternatives:
        citations.append(alternative.citation)
    return Recommendation(
        unit=unit,
        outcome=outcome,
        citations=tuple(dict.fromkeys(citations)),
        explanation_zh=zh,
        explanation_en=en,
        alternatives=alternatives,
    )


def _alternatives(
    unit: UnitRef | None,
    main: UnitRef | None,
    most: Candidate | None,
    receivers: list[Candidate],
    residence_units: list[Candidate],
    tallies: dict[str, _Tally],
    *,
    keep: bool = False,
) -> tuple[Alternative, ...]:
    """Name every other unit the rules let take the case, so that none is hidden behind the choice.

    `receivers` are the crime-location units: when the first unit has no jurisdiction they may
    receive the transferred case (art 21's priority belongs to none of them yet); when it keeps the
    case (`keep`) they have jurisdiction too, behind the first-accepting unit.
    """
    found: list[Alternative] = []
    seen: set[str] = set()

    def covered(other: UnitRef) -> bool:
        return other.code in seen or (unit is not None and unit.contains(other))

    if main is not None and not covered(main):
        harm_zh, harm_en = _harm_text(tallies[main.code])
        found.append(
            Alternative(
                unit=main,
                kind=MAIN_CRIME_LOCATION,
                citation=ART_21,
                explanation_zh=f"{main.name}是主要犯罪地的公安机关（{harm_zh}），必要时可以由其管辖（{ART_21}）。",
                explanation_en=(
                    f"{main.name} is the police of the main crime location ({harm_en}) and may take the case "
                    f"where necessary ({ART_21})."
                ),
            )
        )
        seen.add(main.code)
    if most is not None and not covered(most.unit) and any(_harm_key(tallies[most.unit.code])[:2]):
        harm_zh, harm_en = _harm_text(tallies[most.unit.code])
        found.append(
            Alternative(
                unit=most.unit,
                kind=MOST_HARM,
                citation=ART_21,
                explanation_zh=(
                    f"{most.unit.name}辖区{harm_zh}，为危害最集中的犯罪地，必要时可认定为主要犯罪地，由其管辖（{ART_21}）。"
                ),
                explanation_en=(
                    f"{most.unit.name} has the most harm ({harm_en}); where necessary it may be taken as "
                    f"the main crime location and take the case ({ART_21})."
                ),
            )
        )
        seen.add(most.unit.code)
    for candidate in receivers:
        if covered(candidate.unit):
            continue
        own = [
            basis for basis in candidate.bases if basis.kind in CRIME_LOCATION_KINDS and not basis.condition
        ]
        labels_zh = "、".join(dict.fromkeys(basis.label_zh for basis in own))
        labels_en = ", ".join(dict.fromkeys(basis.label_en for basis in own))
        found.append(
            Alternative(
                unit=candidate.unit,
                kind=CRIME_LOCATION,
                citation=own[0].citation,
                explanation_zh=(
                    f"{candidate.unit.name}是本案{labels_zh}的公安机关，也有管辖权（{own[0].citation}）；"
                    f"本案由最初受理的公安机关管辖（{ART_21}），经协商或者指定也可以由其管辖（{ART_22}）。"
                    if keep
                    else f"{candidate.unit.name}是本案{labels_zh}的公安机关，也有管辖权，"
                    f"可以接收移送（{own[0].citation}）。"
                ),
                explanation_en=(
                    f"{candidate.unit.name} is the police of a {labels_en} and also has jurisdiction "
                    f"({own[0].citation}); the first-accepting unit keeps the case ({ART_21}), but by "
                    f"agreement or designation it may take it ({ART_22})."
                    if keep
                    else f"{candidate.unit.name} is the police of a {labels_en} and also has "
                    f"jurisdiction: it may receive the case ({own[0].citation})."
                ),
            )
        )
        seen.add(candidate.unit.code)
    for candidate in residence_units:
        if covered(candidate.unit):
            continue
        names = "、".join(tallies[candidate.unit.code].suspects)
        found.append(
            Alternative(
                unit=candidate.unit,
                kind=RESIDENCE,
                citation=ART_15,
                explanation_zh=(
                    f"{candidate.unit.name}是犯罪嫌疑人{names}居住地的公安机关，由其管辖更为适宜的，可以由其管辖（{ART_15}）。"
                ),
                explanation_en=(
                    f"{candidate.unit.name} is the police of the residence of suspect(s) {names} and may "
                    f"take the case where that is more suitable ({ART_15})."
                ),
            )
        )
        seen.add(candidate.unit.code)
    return tuple(found)


# --- general notes -------------------------------------------------------------------------------


def _merge_note(facts: CaseFacts, founding: frozenset[str]) -> Note | None:
    """Return the note that the crimes may be investigated together (并案侦查, MPS-2020 art 21 ¶2).

    Only where the facts show one of art 21 ¶2's grounds: several charges (several crimes, (1) and
    (3)), several suspects (a joint crime, (2)) or cases recorded as linked ((4)); and only where
    there is something to bring together: crime locations in several areas, or a linked case. One
    crime whose conduct and result fall in two areas is one case, not a merger.
    """
    areas = {
        place.unit.code if place.unit is not None else place.division_code
        for place in facts.places
        if place.role in founding
    }
    suspects = [person for person in facts.persons if person.role == SUSPECT]
    grounds_zh, grounds_en = [], []
    if len(facts.charges) > 1:
        names = "、".join(charge.name or charge.code for charge in facts.charges)
        grounds_zh.append(f"涉嫌{len(facts.charges)}个罪名（{names}）")
        grounds_en.append(f"{len(facts.charges)} charges")
    if len(suspects) > 1:
        grounds_zh.append(f"有{len(suspects)}名犯罪嫌疑人")
        grounds_en.append(f"{len(suspects)} suspects")
    if facts.linked_cases:
        grounds_zh.append(f"已记录{facts.linked_cases}起关联案件")
        grounds_en.append(f"{facts.linked_cases} linked case(s)")
    if not grounds_zh or (len(areas) < 2 and not facts.linked_cases):
        return None
    return Note(
        "merge_possible",
        f"本案{'，'.join(grounds_zh)}，犯罪地分布在{len(areas)}个公安机关辖区。一人犯数罪、共同犯罪、"
        "共同犯罪的犯罪嫌疑人还实施其他犯罪、多个犯罪嫌疑人实施的犯罪存在关联并案处理有利于查明犯罪事实的，"
        f"可以在职责范围内并案侦查（{ART_21_2}）。",
        f"The case has {', '.join(grounds_en)}; its crime locations lie in {len(areas)} areas. "
        "Several crimes by one person, joint crimes, further crimes of co-offenders and linked crimes "
        f"may be investigated together ({ART_21_2}).",
        ART_21_2,
    )


def _general_notes(
    facts: CaseFacts,
    candidates: tuple[Candidate, ...],
    with_jurisdiction: list[Candidate],
    superior: UnitRef | None,
    *,
    outside_holders: int = 0,
    rule_set: str = MPS_2020,
    founding: frozenset[str] = frozenset(PLACE_RULES),
) -> list[Note]:
    notes: list[Note] = []
    holders = {candidate.unit.code for candidate in with_jurisdiction}
    competent = len(with_jurisdiction) + outside_holders
    # A city bureau and its own branch need no negotiation: the bureau may simply handle it (art 24).
    if competent > 1 and (superior is None or superior.code not in holders):
        superior_name = superior.name if superior is not None else "共同上级公安机关"
        outside_zh = f"（其中{outside_holders}个在系统外）" if outside_holders else ""
        outside_en = f" ({outside_holders} outside the system)" if outside_holders else ""
        principle_zh, principle_en = "", ""
        if rule_set == TELECOM_FRAUD:
            principle_zh = f"按照有利于查清犯罪事实、有利于诉讼的原则（{TF_2016}）"
            principle_en = (
                f" on the principle of what best serves finding the facts and the prosecution ({TF_2016})"
            )
        notes.append(
            Note(
                "negotiate",
                f"{competent}个公安机关{outside_zh}对本案有管辖依据。对管辖有争议的，应当{principle_zh}协商管辖；"
                f"协商不成的，由共同上级{superior_name}指定管辖（{ART_22}）。",
                f"{competent} organs{outside_en} have a basis. A dispute is negotiated{principle_en}; "
                f"failing agreement, the common superior {superior_name} designates ({ART_22}).",
                ART_22,
            )
        )
    if competent > 1:
        notes.append(
            Note(
                "superior_may_handle",
                "跨区域犯罪中的重大案件，由设区的市一级以上公安机关负责侦查；上级公安机关认为有必要的，"
                f"可以侦查下级公安机关管辖的刑事案件（{ART_24}）。",
                "City-level organs and above are responsible for investigating major cross-regional cases; a "
                f"superior may investigate a case of a lower organ where it sees the need ({ART_24}).",
                ART_24,
            )
        )
    merge = _merge_note(facts, founding)
    if merge is not None:
        notes.append(merge)
    if any(place.role in VEHICLE_ROLES for place in facts.places):
        notes.append(
            Note(
                "railway",
                f"在行驶中的列车上发生的案件由铁路公安机关管辖（{ART_26}），铁路公安机关不在本系统的单位树中；"
                f"本分析仅适用于公路、水路等其他交通工具（{ART_18}）。",
                f"Offences on moving trains belong to the railway police ({ART_26}), who are outside this "
                f"system's tree; this analysis covers other vehicles ({ART_18}).",
                ART_26,
            )
        )
    lead = facts.lead_unit
    if lead is not None and lead.code != facts.accepting_unit.code:
        notes.append(
            Note(
                "lead_fixed",
                f"本案已经确定由{lead.name}承办（{ART_22}）；上述建议依规则得出，"
                "不改变已经作出的协商或者指定管辖决定。",
                f"{lead.name} has been fixed as the lead unit ({ART_22}); the recommendation follows the "
                "rules and does not undo an agreement or designation already made.",
                ART_22,
            )
        )
    if (
        lead is not None
        and not any(
            candidate.unit.code == lead.code and candidate.has_jurisdiction for candidate in candidates
        )
        and lead.code != facts.accepting_unit.code
    ):
        notes.append(
            Note(
                "lead_without_basis",
                f"已确定的承办单位{lead.name}本身没有犯罪地或居住地依据，其管辖来自协商或指定（{ART_22}）。",
                f"The lead unit {lead.name} has no basis of its own: it holds the case by agreement or "
                f"designation ({ART_22}).",
                ART_22,
            )
        )
    return notes
