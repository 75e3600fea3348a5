"""What each kind of assistance request (办案协作) is and which documents it must carry.

Pure data and logic, no ORM: the request model, its forms, the intake check and the documents app
all read this one catalogue, so the rule "a request cannot be sent while a document is missing"
has a single source. Citations name the rule version (MPS-2020 = 《公安机关办理刑事案件程序规定》 as
amended by 公安部令第159号).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DocumentSource(StrEnum):
    GENERATED = "generated"  # drafted, approved and issued in this system (documents app)
    UPLOADED = "uploaded"  # from the unit's own records: a scan with its number and date


class DocumentType(StrEnum):
    ASSISTANCE_LETTER = "assistance_letter"
    POLICE_ID_COPY = "police_id_copy"
    CASE_FILING_DECISION = "case_filing_decision"
    SUMMONS_WARRANT = "summons_warrant"
    COMPELLED_APPEARANCE_WARRANT = "compelled_appearance_warrant"
    DETENTION_WARRANT = "detention_warrant"
    ARREST_WARRANT = "arrest_warrant"
    SEARCH_WARRANT = "search_warrant"
    SEALING_DECISION = "sealing_decision"
    SEIZURE_DECISION = "seizure_decision"
    PROPERTY_INQUIRY_NOTICE = "property_inquiry_notice"
    PROPERTY_FREEZE_NOTICE = "property_freeze_notice"
    EVIDENCE_CALL_NOTICE = "evidence_call_notice"
    DOCUMENTS_TO_SERVE = "documents_to_serve"


@dataclass(frozen=True)
class DocumentSpec:
    type: DocumentType
    label: Promise
    source: DocumentSource
    citation: str


DOCUMENTS: dict[DocumentType, DocumentSpec] = {
    spec.type: spec
    for spec in [
        DocumentSpec(
            DocumentType.ASSISTANCE_LETTER,
            _("Assistance letter (办案协作函)"),
            DocumentSource.GENERATED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.POLICE_ID_COPY,
            _("Copy of the officers' police ID cards"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.CASE_FILING_DECISION,
            _("Case filing decision (立案决定书)"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.SUMMONS_WARRANT,
            _("Summons warrant (传唤证)"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.COMPELLED_APPEARANCE_WARRANT,
            _("Compelled appearance warrant (拘传证)"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.DETENTION_WARRANT,
            _("Detention warrant (拘留证)"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.ARREST_WARRANT,
            _("Arrest warrant (逮捕证)"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.SEARCH_WARRANT,
            _("Search warrant (搜查证)"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.SEALING_DECISION,
            _("Sealing decision (查封决定书)"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.SEIZURE_DECISION,
            _("Seizure decision (扣押决定书)"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 347",
        ),
        DocumentSpec(
            DocumentType.PROPERTY_INQUIRY_NOTICE,
            _("Notice of assistance in inquiring property (协助查询财产通知书)"),
            DocumentSource.GENERATED,
            "MPS-2020 arts 238, 347",
        ),
        DocumentSpec(
            DocumentType.PROPERTY_FREEZE_NOTICE,
            _("Notice of assistance in freezing property (协助冻结财产通知书)"),
            DocumentSource.GENERATED,
            "MPS-2020 arts 239, 347",
        ),
        DocumentSpec(
            DocumentType.EVIDENCE_CALL_NOTICE,
            _("Notice to produce evidence (调取证据通知书)"),
            DocumentSource.GENERATED,
            "MPS-2020 art 62",
        ),
        DocumentSpec(
            DocumentType.DOCUMENTS_TO_SERVE,
            _("The documents to be served"),
            DocumentSource.UPLOADED,
            "MPS-2020 art 346 ¶2",
        ),
    ]
}


class AssistanceKind(StrEnum):
    SUMMONS = "summons"
    COMPELLED_APPEARANCE = "compelled_appearance"
    DETENTION = "detention"
    ARREST = "arrest"
    INSPECTION = "inspection"
    SEARCH = "search"
    SEALING = "sealing"
    SEIZURE = "seizure"
    FREEZING = "freezing"
    PROPERTY_INQUIRY = "property_inquiry"
    IDENTITY_CHECK = "identity_check"
    EVIDENCE_COLLECTION = "evidence_collection"
    INTERROGATION = "interrogation"
    INTERVIEW = "interview"
    LINE_UP = "line_up"
    SERVICE_OF_DOCUMENTS = "service_of_documents"
    MANPOWER = "manpower"
    WORK_IN_AREA_NOTICE = "work_in_area_notice"


class FreezeScope(StrEnum):
    """What a freeze (冻结) reaches: it sets the period and the approval (MPS-2020 arts 239, 243–245)."""

    DEPOSITS = "deposits"  # 存款、汇款、证券交易结算资金、期货保证金等 (6 months, art 243 ¶1)
    DEPOSITS_MAJOR = "deposits_major"  # the same for one year in a major, complex case (art 243 ¶2)
    SECURITIES = "securities"  # 债券、股票、基金份额等证券 (2 years, art 244)
    EQUITY_OR_INSURANCE = "equity_or_insurance"  # 股权、保单权益 (art 239 ¶2)
    LISTED_EQUITY = "listed_equity"  # 上市公司股权 (art 239 ¶3)
    INVESTMENT_RIGHTS = "investment_rights"  # other investment rights (art 245)


class OrganLevel(StrEnum):
    """The level of public security organ whose head the law names as approver."""

    COUNTY = "county"  # 县级以上公安机关负责人
    CITY = "city"  # 设区的市一级以上公安机关负责人
    PROVINCE = "province"  # 省级以上公安机关负责人


@dataclass(frozen=True)
class ApprovalRule:
    """Who approves a request: the head of an organ of `level` or higher, by `citation`."""

    level: OrganLevel
    citation: str


# A freeze needs the head of a county-level or higher organ (art 239 ¶1), except these.
_FREEZE_APPROVAL = {
    FreezeScope.DEPOSITS_MAJOR: ApprovalRule(OrganLevel.CITY, "MPS-2020 art 243 ¶2"),
    FreezeScope.EQUITY_OR_INSURANCE: ApprovalRule(OrganLevel.CITY, "MPS-2020 art 239 ¶2"),
    FreezeScope.LISTED_EQUITY: ApprovalRule(OrganLevel.PROVINCE, "MPS-2020 art 239 ¶3"),
}


def approval_rule(kind: "AssistanceKind | str", freeze_scope: str = "") -> ApprovalRule | None:
    """Return the organ level whose head must approve a request, where the law names one, else None.

    A property inquiry (查询, MPS-2020 art 238) and a freeze (冻结, art 239) need the head of a
    county-level or higher organ, not a department head; some freezes a higher one (_FREEZE_APPROVAL).
    A freeze whose scope is not given is read as the ordinary one (deposits).
    """
    kind = AssistanceKind(kind)
    if kind == AssistanceKind.PROPERTY_INQUIRY:
        return ApprovalRule(OrganLevel.COUNTY, "MPS-2020 art 238")
    if kind == AssistanceKind.FREEZING:
        scope = FreezeScope(freeze_scope or FreezeScope.DEPOSITS)
        return _FREEZE_APPROVAL.get(scope, ApprovalRule(OrganLevel.COUNTY, "MPS-2020 art 239"))
    return None


class Urgency(StrEnum):
    NORMAL = "normal"  # 普通
    URGENT = "urgent"  # 加急
    EXTRA_URGENT = "extra_urgent"  # 特急


@dataclass(frozen=True)
class KindSpec:
    kind: AssistanceKind
    label: Promise
    citation: str
    # Art 346 ¶1: these measures outside the unit's own area must go through the local police.
    must_ask: bool
    # Coercive measures are approved by the unit head; the rest by the department head (DESIGN.md).
    coercive: bool
    documents: tuple[DocumentType, ...]
    # Key of the completion deadline in core.deadlines.DEFAULT_RULES, when the law sets one.
    completion_rule: str | None = None
    # A notice is acknowledged, not accepted: the requested unit has nothing to execute.
    notice_only: bool = False
    # Capture → requester notified → collection by ≥ 2 officers or interrogation within 24 h (art 351).
    custody_follow_up: bool = False
    # Freezes and seals carry periods with renewal reminders; unrelated property is released in 3 days.
    property_follow_up: bool = False
    # 公通字〔2020〕6号 no. 3 [S]: held back while the case's jurisdiction is disputed, because it is a
    # coercive request or sends the requester's officers into another area (coercive kinds always are).
    sends_officers: bool = False

    @property
    def dispute_guarded(self) -> bool:
        return self.coercive or self.sends_officers

    @property
    def approver_role(self) -> str:
        # A property inquiry is no coercive measure, yet the law names the organ's head (MPS-2020 art 238).
        head = self.coercive or self.kind == AssistanceKind.PROPERTY_INQUIRY
        return "unit_head" if head else "department_head"


_BASE = (DocumentType.ASSISTANCE_LETTER, DocumentType.POLICE_ID_COPY)


def _kind(kind, label, citation, *, must_ask, coercive, extra=(), **flags) -> KindSpec:
    return KindSpec(kind, label, citation, must_ask, coercive, _BASE + tuple(extra), **flags)


KINDS: dict[AssistanceKind, KindSpec] = {
    spec.kind: spec
    for spec in [
        _kind(
            AssistanceKind.SUMMONS,
            _("Summons (传唤)"),
            "MPS-2020 arts 346, 347, 350",
            must_ask=True,
            coercive=True,
            extra=[DocumentType.SUMMONS_WARRANT],
            custody_follow_up=True,
        ),
        _kind(
            AssistanceKind.COMPELLED_APPEARANCE,
            _("Compelled appearance (拘传)"),
            "MPS-2020 arts 346, 347, 350",
            must_ask=True,
            coercive=True,
            extra=[DocumentType.COMPELLED_APPEARANCE_WARRANT],
            custody_follow_up=True,
        ),
        _kind(
            AssistanceKind.DETENTION,
            _("Detention (拘留)"),
            "MPS-2020 arts 346, 347, 350, 351",
            must_ask=True,
            coercive=True,
            extra=[DocumentType.DETENTION_WARRANT],
            custody_follow_up=True,
        ),
        _kind(
            AssistanceKind.ARREST,
            _("Arrest (逮捕)"),
            "MPS-2020 arts 346, 347, 350, 351",
            must_ask=True,
            coercive=True,
            extra=[DocumentType.ARREST_WARRANT],
            custody_follow_up=True,
        ),
        # Art 346 ¶1 names 勘验、检查 among the acts that must go through the local police; art 347 ¶2
        # has them carry the 立案决定书 (with the letter and the officers' ID of art 347 ¶1).
        _kind(
            AssistanceKind.INSPECTION,
            _("Inspection or examination (勘验、检查)"),
            "MPS-2020 arts 346, 347",
            must_ask=True,
            coercive=False,
            extra=[DocumentType.CASE_FILING_DECISION],
        ),
        _kind(
            AssistanceKind.SEARCH,
            _("Search (搜查)"),
            "MPS-2020 arts 346, 347",
            must_ask=True,
            coercive=True,
            extra=[DocumentType.SEARCH_WARRANT],
        ),
        _kind(
            AssistanceKind.SEALING,
            _("Sealing (查封)"),
            "MPS-2020 arts 346, 347",
            must_ask=True,
            coercive=True,
            extra=[DocumentType.SEALING_DECISION],
            property_follow_up=True,
        ),
        _kind(
            AssistanceKind.SEIZURE,
            _("Seizure (扣押)"),
            "MPS-2020 arts 346, 347",
            must_ask=True,
            coercive=True,
            extra=[DocumentType.SEIZURE_DECISION],
            property_follow_up=True,
        ),
        _kind(
            AssistanceKind.FREEZING,
            _("Property freeze (冻结)"),
            "MPS-2020 arts 239, 346, 347",
            must_ask=True,
            coercive=True,
            extra=[DocumentType.PROPERTY_FREEZE_NOTICE],
            property_follow_up=True,
        ),
        _kind(
            AssistanceKind.PROPERTY_INQUIRY,
            _("Property inquiry (查询财产)"),
            "MPS-2020 arts 238, 346, 347",
            must_ask=False,
            coercive=False,
            extra=[DocumentType.PROPERTY_INQUIRY_NOTICE],
        ),
        _kind(
            AssistanceKind.IDENTITY_CHECK,
            _("Identity, age or criminal-record check (协查)"),
            "MPS-2020 arts 346, 353",
            must_ask=False,
            coercive=False,
            completion_rule="identity_check",
        ),
        _kind(
            AssistanceKind.EVIDENCE_COLLECTION,
            _("Evidence collection (调取证据)"),
            "MPS-2020 arts 62, 346, 353",
            must_ask=False,
            coercive=False,
            extra=[DocumentType.EVIDENCE_CALL_NOTICE, DocumentType.CASE_FILING_DECISION],
        ),
        _kind(
            AssistanceKind.INTERROGATION,
            _("Interrogation on the requester's behalf (代为讯问)"),
            "MPS-2020 arts 346, 347, 352",
            must_ask=True,
            coercive=False,
            extra=[DocumentType.CASE_FILING_DECISION],
        ),
        _kind(
            AssistanceKind.INTERVIEW,
            _("Witness interview (询问)"),
            "MPS-2020 arts 346, 347, 352",
            must_ask=False,
            coercive=False,
            extra=[DocumentType.CASE_FILING_DECISION],
        ),
        _kind(
            AssistanceKind.LINE_UP,
            _("Identification line-up (辨认)"),
            "MPS-2020 arts 346, 352",
            must_ask=False,
            coercive=False,
            extra=[DocumentType.CASE_FILING_DECISION],
        ),
        _kind(
            AssistanceKind.SERVICE_OF_DOCUMENTS,
            _("Service of documents (送达)"),
            "MPS-2020 art 346 ¶2",
            must_ask=False,
            coercive=False,
            extra=[DocumentType.DOCUMENTS_TO_SERVE],
        ),
        _kind(
            AssistanceKind.MANPOWER,
            _("Manpower support (警力支援)"),
            "MPS-2020 arts 12, 350",
            must_ask=False,
            coercive=False,
        ),
        _kind(
            AssistanceKind.WORK_IN_AREA_NOTICE,
            _("Notice of officers working in the area (异地办案告知)"),
            "MPS-2020 art 346 ¶2",
            must_ask=False,
            coercive=False,
            notice_only=True,
            # The notice announces officers sent to work in the area.
            sends_officers=True,
        ),
    ]
}


def required_documents(kind: AssistanceKind | str) -> tuple[DocumentSpec, ...]:
    """Return the documents a request of this kind must carry before it may be sent (MPS-2020 art 347)."""
    return tuple(DOCUMENTS[document_type] for document_type in KINDS[AssistanceKind(kind)].documents)


def missing_documents(
    kind: AssistanceKind | str, present: Iterable[DocumentType | str]
) -> tuple[DocumentSpec, ...]:
    """Name the required documents not among `present`, in the order the form lists them."""
    have = {DocumentType(item) for item in present}
    return tuple(spec for spec in required_documents(kind) if spec.type not in have)
