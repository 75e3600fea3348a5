"""Inbox provider: what waits for each user on jurisdiction proceedings (registered in AppConfig.ready).

Three queries whatever the number of proceedings (no N+1), each limited to the proceedings the user
sees: the steps on the proceedings themselves (every kind a boolean column of one query), the positions
the user's units owe, and the documents waiting in their approval chain. The kinds follow the machine: a
proceeding to start or a case to transfer, a position to state before the consultation deadline, an
agreement to review, a request to designate to file, to forward or to designate on, a handover list to
sign, the complainants to tell of a transfer, and a document of a proceeding waiting for the user's step
in its approval chain (the documents app has no inbox of its own).

Five kinds are the machine's waiting steps (jurisdiction.steps, PROCEEDING_MACHINE.inbox_kinds): start,
transfer, review, file and route list exactly the proceedings on which the user may take a waiting
step now (tests/web/test_inbox_matches_the_steps.py holds them to it). The others are duties that are
no single step of the machine: a position, a consultation that did not agree (its holding unit's head
asks the superior to designate), the superior's decision (draft, review, sign), the handover
list, the complainants, a document's chain.
"""

from django.db.models import (
    BigIntegerField,
    CharField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import inbox
from core.deadline_rows import TargetDescription, register_target_describer
from core.labels import choice_label, detail_url
from core.models import Deadline, DeadlineState
from documents.kinds import CASE_TRANSFER_NOTICE
from documents.models import Document, DocumentState
from jurisdiction import permissions as perms
from jurisdiction.models import (
    DesignationRequest,
    HandoverConfirmation,
    JurisdictionProceeding,
    ProceedingKind,
    ProceedingParty,
    ProceedingState,
)
from jurisdiction.selectors import LINK_TYPE, consensus, proceeding_visible_to
from jurisdiction.services import COMPLAINANT_RULE, HANDOVER_LIST_KIND, TRANSFER_RULE
from organisation.models import Role
from organisation.standing import user_standing

S = ProceedingState
TARGET_TYPE = "jurisdiction.jurisdictionproceeding"
LIMIT = 200
OPEN_DEADLINES = (DeadlineState.RUNNING, DeadlineState.PAUSED)

# What an item of a proceeding shows, and what decides its side of a handover.
ITEM_FIELDS = (
    "state",
    "agreement_citation",
    "holding_unit_id",
    "lead_unit_id",
    "superior_unit_id",
    "case__number",
    "case__name",
    "case__state",  # read by django-fsm when the case is built
    "lead_unit__name",
    "holding_unit__name",
    "superior_unit__name",
)
KINDS = {
    "start": _("Jurisdiction consultations to start"),
    "transfer": _("Cases to transfer to the unit with jurisdiction (移送)"),
    "position": _("Jurisdiction consultations waiting for your unit's position"),
    "undecided": _("Jurisdiction consultations that did not agree: ask the superior to designate"),
    "review": _("Jurisdiction agreements waiting for your legal review"),
    "file": _("Requests to designate jurisdiction to sign and send up"),
    "route": _("Requests to designate jurisdiction waiting for your approval"),
    "designate": _("Jurisdiction matters your unit designates"),
    "handover": _("Handover lists waiting for your signature"),
    "complainants": _("Complainants to tell of a transfer (3 days)"),
    "document": _("Jurisdiction documents waiting for your step"),
}
DOCUMENT_STEPS = {
    DocumentState.DRAFTED: _("submit it"),
    DocumentState.LEGAL_REVIEW: _("legal review"),
    DocumentState.APPROVAL: _("approval"),
}


def _units(standing, roles) -> list[int]:
    return [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, roles)]


def _title(case, *more) -> str:
    return " · ".join([f"{case.number} {case.name}", *[str(part) for part in more if part]])


def _url(pk) -> str:
    return detail_url("jurisdiction:proceeding-detail")(pk)


def _item(key: str, proceeding, title: str, *, due_at=None, state_label="", url="") -> inbox.InboxItem:
    return inbox.InboxItem(
        kind=f"jurisdiction.{key}",
        kind_label=str(KINDS[key]),
        title=title,
        url=url or _url(proceeding.pk),
        state=proceeding.state,
        state_label=state_label or choice_label(JurisdictionProceeding, "state", proceeding.state),
        due_at=due_at,
        object_type=TARGET_TYPE,
        object_id=str(proceeding.pk),
    )


class RouteStation(Func):
    """The unit a forwarded designation request stands at: `route[route_position]`, in SQL.

    `JurisdictionProceeding.current_route_unit_id` in the database, so the inbox finds the requests
    at the user's units by a condition rather than reading every request under a superior.
    """

    output_field = BigIntegerField()

    def __init__(self):
        super().__init__(F("route"), F("route_position"))

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="((%(expressions)s)::bigint)", arg_joiner=" ->> ")

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="json_extract(%(expressions)s || ']')", arg_joiner=", '$[' || "
        )


def _deadline_due(rule_key: str) -> Subquery:
    """The due time of the proceeding's open deadline of a rule, as an annotation (no query per row)."""
    return Subquery(
        Deadline.objects.filter(
            target_type=TARGET_TYPE,
            target_id=Cast(OuterRef("pk"), CharField()),
            rule_key=rule_key,
            state__in=OPEN_DEADLINES,
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )


def _transfer_notice_state() -> Subquery:
    """The state of the proceeding's latest 移送案件通知书 that is not voided, as an annotation."""
    return Subquery(
        Document.objects.filter(
            link_target_type=LINK_TYPE,
            link_target_id=Cast(OuterRef("pk"), CharField()),
            kind=CASE_TRANSFER_NOTICE.code,
        )
        .exclude(state=DocumentState.VOIDED)
        .order_by("-id")
        .values("state")[:1]
    )


@inbox.register("jurisdiction")
def jurisdiction_items(user) -> list[inbox.InboxItem]:
    """List one item per step waiting for this user on the proceedings the user sees."""
    standing = user_standing(user)
    if not standing.unit_ids:
        return []
    managers = _units(standing, perms.MANAGERS)
    legal = _units(standing, perms.LEGAL)
    heads = _units(standing, perms.UNIT_HEADS)
    deciders = _units(standing, perms.DECIDERS)
    handlers = _units(standing, perms.HANDOVER_ROLES)
    drafters = _units(standing, {Role.DEPARTMENT_HEAD, Role.UNIT_HEAD})
    visible = proceeding_visible_to(user)
    items: list[inbox.InboxItem] = []

    if managers:
        silent = (
            ProceedingParty.objects.filter(
                proceeding__in=visible.filter(state=S.CONSULTING), position="", unit_id__in=managers
            )
            .select_related("proceeding__case", "unit")
            # The analysis at opening is the largest column and no item shows it.
            .defer("proceeding__analysis")
            .order_by("proceeding_id", "id")[:LIMIT]
        )
        for party in silent:
            proceeding = party.proceeding
            items.append(
                _item(
                    "position",
                    proceeding,
                    _title(proceeding.case, party.unit.name),
                    due_at=proceeding.consultation_due_at,
                )
            )

    if heads:
        items += _undecided_items(visible, heads)
    items += _proceeding_items(visible, managers, legal, heads, deciders, handlers)
    items += _document_items(visible, legal, heads, drafters)
    return items


def _undecided_items(visible, heads) -> list[inbox.InboxItem]:
    """List the consultations held by the user's units that failed: two units claim, or time ran out.

    Any party may then ask the common superior to designate (MPS-2020 art 22; the step
    request_designation), so the machine makes nobody wait for it; but the unit holding the case is
    the one the stalemate stops, so its head finds the question in the inbox rather than only on
    the page. Two queries: the consultations, then their parties (consensus is read in Python).
    """
    consulting = list(
        visible.filter(state=S.CONSULTING, holding_unit_id__in=heads)
        .select_related("case")
        .only("state", "consultation_due_at", "case__number", "case__name", "case__state")
        .order_by("id")[:LIMIT]
    )
    if not consulting:
        return []
    parties: dict[int, list[ProceedingParty]] = {}
    for party in ProceedingParty.objects.filter(proceeding__in=[p.pk for p in consulting]).only(
        "proceeding_id", "unit_id", "position", "proposed_unit_id"
    ):
        parties.setdefault(party.proceeding_id, []).append(party)
    now = timezone.now()
    items = []
    for proceeding in consulting:
        _lead, dissent = consensus(parties.get(proceeding.pk, []))
        due = proceeding.consultation_due_at
        if dissent or (due is not None and now >= due):
            items.append(_item("undecided", proceeding, _title(proceeding.case), due_at=None))
    return items


def _proceeding_items(visible, managers, legal, heads, deciders, handlers) -> list[inbox.InboxItem]:
    """List the items that are steps on the proceeding itself, every kind from one query.

    Each kind's condition is a boolean column of the same row (as the assistance inbox does), so
    the cost does not grow with the kinds the user's roles open (issue 8).
    """
    conditions: dict[str, Q] = {}
    annotations: dict = {}
    transfer = Q(pk__in=[])
    if managers:
        own = Q(holding_unit_id__in=managers) | Q(opening_unit_id__in=managers)
        conditions["start"] = own & Q(state=S.OPEN) & ~Q(kind=ProceedingKind.TRANSFER)
        transfer |= own & Q(state=S.OPEN, kind=ProceedingKind.TRANSFER)
    if heads:
        # Once its 移送案件通知书 is approved, the head of the unit giving the case up issues it and
        # starts the handover (jurisdiction.steps: start_handover); until then the notice waits in its
        # own chain (`document`). A designation or an approved agreement that moves the case has its
        # notice too (MPS-2020 art 184).
        annotations["notice_state"] = _transfer_notice_state()
        transfer |= Q(
            state__in=[S.TRANSFERRING, S.DESIGNATED],
            notice_state=DocumentState.APPROVED,
            holding_unit_id__in=heads,
        )
    if managers or heads:
        conditions["transfer"] = transfer
        annotations["transfer_due"] = _deadline_due(TRANSFER_RULE)
    if legal:
        conditions["review"] = Q(state=S.AGREED, lead_unit_id__in=legal)
    if heads:
        latest = DesignationRequest.objects.filter(proceeding=OuterRef("pk")).order_by("-id")
        annotations["filing"] = Subquery(latest.values("filing_unit_id")[:1])
        annotations["report_state"] = Subquery(latest.values("report_document__state")[:1])
        conditions["file"] = Q(
            state=S.DESIGNATION_REQUESTED,
            filing__in=heads,
            report_state__in=[DocumentState.APPROVED, DocumentState.ISSUED],
        )
    if deciders:
        annotations["station"] = RouteStation()
        conditions["route"] = Q(state=S.FORWARDING, station__in=deciders)
    if deciders or managers:
        conditions["designate"] = Q(state=S.AT_SUPERIOR, superior_unit_id__in=set(deciders + managers))
    if handlers:
        signed = HandoverConfirmation.objects.filter(proceeding=OuterRef("pk"))
        annotations["sender_signed"] = Exists(signed.filter(side="sender"))
        annotations["receiver_signed"] = Exists(signed.filter(side="receiver"))
        annotations["complainants_due"] = _deadline_due(COMPLAINANT_RULE)
        conditions["handover"] = Q(state=S.HANDOVER) & (
            Q(holding_unit_id__in=handlers) | Q(lead_unit_id__in=handlers)
        )
        conditions["complainants"] = Q(
            state__in=[S.HANDOVER, S.SETTLED], holding_unit_id__in=handlers, complainants_due__isnull=False
        )
    if not conditions:
        return []
    handler_units = set(handlers)
    annotated = visible.annotate(**annotations)

    def rows_for(keys: list[str]):
        return (
            inbox.flagged(annotated, {key: conditions[key] for key in keys})
            .select_related("case", "lead_unit", "holding_unit", "superior_unit")
            .only(*ITEM_FIELDS)
        )

    return inbox.items_by_kind(
        rows_for, conditions, lambda key, row: _proceeding_item(key, row, handler_units), limit=LIMIT
    )


def _proceeding_item(key: str, proceeding, handler_units) -> inbox.InboxItem | None:
    case = proceeding.case
    if key in ("start", "transfer"):
        return _item(key, proceeding, _title(case), due_at=proceeding.transfer_due)
    if key == "review":
        # An agreement reached at a joint meeting names the 纪要 it stands on.
        title = _title(case, proceeding.lead_unit.name, proceeding.agreement_citation)
        return _item(key, proceeding, title)
    if key in ("file", "route"):
        return _item(key, proceeding, _title(case))
    if key == "designate":
        return _item(key, proceeding, _title(case, proceeding.superior_unit.name))
    if key == "handover":
        # A change to the list clears both signatures, so a signature on record is on this list.
        side = "sender" if proceeding.holding_unit_id in handler_units else "receiver"
        if proceeding.sender_signed if side == "sender" else proceeding.receiver_signed:
            return None
        units = f"{proceeding.holding_unit.name} → {proceeding.lead_unit.name}"
        return _item(key, proceeding, _title(case, units))
    return _item(key, proceeding, _title(case), due_at=proceeding.complainants_due)


def _document_items(visible, legal, heads, drafters) -> list[inbox.InboxItem]:
    """List the proceeding's documents waiting for the user's step in their approval chain."""
    items: list[inbox.InboxItem] = []
    waiting = Q(pk__in=[])
    if legal:
        waiting |= Q(state=DocumentState.LEGAL_REVIEW, issuing_unit_id__in=legal)
    if heads:
        waiting |= Q(state=DocumentState.APPROVAL, issuing_unit_id__in=heads)
    if drafters:
        waiting |= Q(state=DocumentState.DRAFTED, issuing_unit_id__in=drafters)
    if legal or heads or drafters:
        documents = list(
            Document.objects.filter(
                waiting,
                link_target_type=LINK_TYPE,
                link_target_id__in=visible.annotate(key=Cast("pk", CharField())).values("key"),
            )
            # The handover list has no chain of its own: both signatures issue it at once.
            .exclude(kind=HANDOVER_LIST_KIND)
            .order_by("id")[:LIMIT]
        )
        proceedings = (
            JurisdictionProceeding.objects.defer("analysis")
            .select_related("case")
            .in_bulk({int(document.link_target_id) for document in documents})
        )
        for document in documents:
            proceeding = proceedings.get(int(document.link_target_id))
            if proceeding is None:
                continue
            items.append(
                _item(
                    "document",
                    proceeding,
                    _title(proceeding.case, document.title),
                    state_label=f"{choice_label(Document, 'state', document.state)} · "
                    f"{DOCUMENT_STEPS[document.state]}",
                    url=f"{_url(proceeding.pk)}#document-{document.pk}",
                )
            )
    return items


def _describe(deadline) -> TargetDescription:
    proceeding = (
        JurisdictionProceeding.objects.select_related("case").filter(pk=deadline.target_id).first()
        if str(deadline.target_id).isdigit()
        else None
    )
    if proceeding is None:
        return TargetDescription(title=f"#{deadline.target_id}")
    return TargetDescription(
        title=f"{proceeding.case.number} {proceeding.case.name} · {proceeding.get_kind_display()}",
        url=_url(proceeding.pk),
    )


register_target_describer(TARGET_TYPE, _describe)
