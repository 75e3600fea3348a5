"""Reads of jurisdiction proceedings: the one queryset that decides who sees a proceeding.

A proceeding shows its case (number, name, facts, the analysis), so what it shows of the case is
what the viewer may see of the case, no more (DESIGN.md "Visibility and security", issue 16): a
proceeding is visible to the units of its own audience — its parties and any unit above one — *and*
only while `cases.selectors.case_visible_to` opens its case to the viewer, handling code and access
grants included. A unit that must act on a restricted case's proceeding without standing above its
lead (a level of the designation route, 层报, MPS-2020 art 22) is made a party to the case when the
request reaches it (jurisdiction.services), never let past the case's rule. The rows hanging off a
proceeding (parties, requests, route steps, the handover list) are read only through a visible
proceeding (`proceeding_rows_visible_to`). An auditor or system administrator sees none.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from cases.selectors import case_visible_to, grant_uses_record
from documents import kinds as document_kinds
from documents.models import Document, DocumentState
from jurisdiction import permissions as perms
from jurisdiction.models import (
    ACTIVE_STATES,
    DesignationRequest,
    JurisdictionProceeding,
    ProceedingParty,
    ProceedingState,
)
from organisation.models import PATH_SEPARATOR, Unit
from organisation.paths import at_or_below
from organisation.standing import user_standing

# What a proceeding's documents are linked to (documents.Document.link_target_type).
LINK_TYPE = "jurisdiction.proceeding"


def proceeding_visible_to(user) -> QuerySet[JurisdictionProceeding]:
    """Return the proceedings with a party at or below one of the user's units, whose case the user sees."""
    standing = user_standing(user)
    if not standing.paths:
        return JurisdictionProceeding.objects.none()
    parties = ProceedingParty.objects.filter(at_or_below(standing.paths), proceeding=OuterRef("pk"))
    # The case is never null: a plain IN lets PostgreSQL join through the case's primary key
    # (cases.visibility.shown_cases_condition's "or null" would force a full scan of the cases).
    return JurisdictionProceeding.objects.filter(Exists(parties), case__in=case_visible_to(user).values("pk"))


def proceeding_rows_visible_to(model):
    """Return the read rule of a model hanging off a proceeding: its rows of visible proceedings."""

    def visible_to(user) -> QuerySet:
        return model._default_manager.filter(proceeding__in=proceeding_visible_to(user).values("pk"))

    return visible_to


def proceedings_read_record(user, proceedings, *, path: str) -> None:
    """Audit each proceeding shown whose case only an access grant opens (`cases.caseaccessgrant.use`)."""
    grant_uses_record(user, {proceeding.case_id for proceeding in proceedings}, path=path)


def proceeding_get_visible(user, pk) -> JurisdictionProceeding:
    """Return the proceeding if the user sees it, with what its page needs; 404 otherwise.

    What shows it (the API's representation, the page) audits a grant's use with
    `proceedings_read_record`; a step that fails before showing anything records none.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    proceeding = (
        proceeding_visible_to(user)
        .select_related(
            "case__accepting_unit",
            "case__lead_unit",
            "case__offence",
            "opening_unit",
            "holding_unit",
            "lead_unit",
            "superior_unit",
            "opened_by",
        )
        .filter(pk=pk)
        .first()
    )
    if proceeding is None:
        raise Http404
    return proceeding


def proceeding_active_for_case(case) -> JurisdictionProceeding | None:
    return (
        JurisdictionProceeding.objects.filter(case=case, state__in=ACTIVE_STATES)
        .select_related("lead_unit", "superior_unit", "holding_unit", "opening_unit")
        .first()
    )


# --- what a proceeding has: its parties' positions and its documents (the steps' needs read these) ---

_PARTIES_ATTRIBUTE = "_party_rows"


def parties_of(proceeding) -> list[ProceedingParty]:
    """Return the proceeding's parties with their units, in order, read once per proceeding object."""
    cached = getattr(proceeding, _PARTIES_ATTRIBUTE, None)
    if cached is None:
        cached = list(
            proceeding.parties.select_related("unit", "proposed_unit", "positioned_by").order_by("id")
        )
        setattr(proceeding, _PARTIES_ATTRIBUTE, cached)
    return cached


def consensus(parties: Iterable[ProceedingParty]) -> tuple[int | None, bool]:
    """Return (the unit every party favours or accepts, whether any party dissents).

    Agreement needs every party to have spoken, exactly one unit favoured (claimed or proposed), and
    no party favouring another; a declining party accepts whoever leads. Two units favoured, or a
    party favouring a unit others do not, is a dissent (MPS-2020 art 22: 协商不成).
    """
    parties = list(parties)
    favoured = {party.favoured_unit_id for party in parties if party.favoured_unit_id is not None}
    if len(favoured) > 1:
        return None, True
    if any(not party.position for party in parties):
        return None, False
    if len(favoured) == 1:
        return favoured.pop(), False
    return None, True  # everyone declined: nobody takes the case, the superior must decide


def consensus_lead(proceeding) -> Unit | None:
    """Return the party every position agrees on to lead, or None while they do not agree."""
    parties = parties_of(proceeding)
    lead_id, _dissent = consensus(parties)
    return next((party.unit for party in parties if party.unit_id == lead_id), None)


def every_position_stated(proceeding) -> bool:
    return all(party.position for party in parties_of(proceeding))


def positions_agree(proceeding) -> bool:
    """Whether the positions agree on one lead (counted only once every party has spoken)."""
    return not every_position_stated(proceeding) or consensus_lead(proceeding) is not None


def consultation_deadline_passed(proceeding) -> bool:
    due = proceeding.consultation_due_at
    return due is not None and timezone.now() >= due


def designation_may_be_requested(proceeding) -> bool:
    """Whether a party may ask the superior to designate: a dissent, or the deadline passed (art 22)."""
    _lead, dissent = consensus(parties_of(proceeding))
    return dissent or consultation_deadline_passed(proceeding)


def proceeding_document(proceeding, kind: str) -> Document | None:
    """Return the proceeding's latest document of `kind` that is not voided."""
    return (
        Document.objects.filter(link_target_type=LINK_TYPE, link_target_id=str(proceeding.pk), kind=kind)
        .exclude(state=DocumentState.VOIDED)
        .order_by("-id")
        .first()
    )


def latest_designation_request(proceeding) -> DesignationRequest | None:
    return (
        proceeding.designation_requests.select_related("report_document", "filing_unit")
        .order_by("-id")
        .first()
    )


def report_approved(proceeding) -> bool:
    """Whether the request's 呈请报告书 has passed legal review and the head's approval."""
    request = latest_designation_request(proceeding)
    report = request.report_document if request is not None else None
    return report is not None and report.state in (DocumentState.APPROVED, DocumentState.ISSUED)


def decision_approved(proceeding) -> bool:
    """Whether the 指定管辖决定书 has passed legal review and the head's approval."""
    decision = proceeding_document(proceeding, document_kinds.JURISDICTION_DESIGNATION_DECISION.code)
    return decision is not None and decision.state == DocumentState.APPROVED


def notice_approved(proceeding) -> bool:
    """Whether the 移送案件通知书 of the unit giving the case up is approved (MPS-2020 art 184).

    A transfer, an approved agreement and a designation that move the case all need it.
    """
    if proceeding.state not in (ProceedingState.TRANSFERRING, ProceedingState.DESIGNATED):
        return True
    notice = proceeding_document(proceeding, document_kinds.CASE_TRANSFER_NOTICE.code)
    return notice is not None and notice.state == DocumentState.APPROVED


# --- the queues and "awaiting me" --------------------------------------------------------------------


def _under_any(field: str, paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__path": path}) | Q(
            **{f"{field}__path__startswith": path + PATH_SEPARATOR}
        )
    return condition


def _parties_prefetch():
    return Prefetch(
        "parties",
        queryset=ProceedingParty.objects.select_related("unit", "proposed_unit").order_by("id"),
        to_attr="party_list",
    )


def review_queue(user) -> QuerySet[JurisdictionProceeding]:
    """Agreements in legal review whose proposed lead is in the subtree of a unit where the user is legal."""
    standing = user_standing(user)
    paths = [
        standing.path_by_unit[unit_id]
        for unit_id in standing.unit_ids
        if standing.holds(unit_id, perms.LEGAL)
    ]
    if not paths:
        return JurisdictionProceeding.objects.none()
    return (
        proceeding_visible_to(user)
        .filter(state=ProceedingState.AGREED)
        .filter(_under_any("lead_unit", paths))
        .select_related("case", "lead_unit", "holding_unit")
        .prefetch_related(_parties_prefetch(), "assisting_units")
    )


def designation_queue(user) -> QuerySet[JurisdictionProceeding]:
    """Requests going up or at the superior where the user works in the unit holding them or designating."""
    standing = user_standing(user)
    if not standing.unit_ids:
        return JurisdictionProceeding.objects.none()
    # The designating superior stands at or above the unit holding the request: narrow by it in SQL.
    codes = {code for path in standing.paths for code in path.split(PATH_SEPARATOR)}
    return (
        proceeding_visible_to(user)
        .filter(
            state__in=[ProceedingState.FORWARDING, ProceedingState.AT_SUPERIOR],
            superior_unit__code__in=codes,
        )
        .select_related("case", "superior_unit", "holding_unit")
        .prefetch_related(
            _parties_prefetch(),
            Prefetch(
                "designation_requests",
                queryset=DesignationRequest.objects.select_related("filing_unit", "proposed_unit").order_by(
                    "-id"
                ),
                to_attr="request_list",
            ),
        )
    )


# A county unit has at most three superiors (prefecture, province, ministry), so a designation
# route holds at most three units; one more keeps a route from a unit one level lower in range.
ROUTE_MAX = 4


def awaiting_condition(user) -> Q:
    """Return the condition of the proceedings that wait on a step the user may take.

    The step that moves a proceeding on, by state (jurisdiction.permissions): start it (opening or
    holding unit), state a position, agree or ask for designation (any party), review the agreement
    (the proposed lead's legal department), file the request (the filing unit's head), forward or
    return it (the superior holding it, 层报), designate (the common superior), issue the transfer
    notice (the unit giving the case up), hand over (either side). Withdrawing and taking a matter
    up directly (MPS-2020 art 22) are open to managers and superiors at any time; nothing waits on
    them, so they do not put a proceeding in the list.
    The queryset must carry `awaiting_filing_unit_id` (see `with_filing_unit`).
    """
    S = ProceedingState
    standing = user_standing(user)

    def units(roles) -> list[int]:
        return [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, roles)]

    managers, legal, heads = units(perms.MANAGERS), units(perms.LEGAL), units(perms.UNIT_HEADS)
    deciders, handover = units(perms.DECIDERS), units(perms.HANDOVER_ROLES)
    my_party = Exists(ProceedingParty.objects.filter(proceeding=OuterRef("pk"), unit_id__in=managers))
    on_route = Q(pk__in=[])
    for index in range(ROUTE_MAX):
        on_route |= Q(route_position=index, **{f"route__{index}__in": deciders})
    either_side = Q(holding_unit_id__in=handover) | Q(lead_unit_id__in=handover)
    return (
        (Q(state=S.OPEN) & (Q(opening_unit_id__in=managers) | Q(holding_unit_id__in=managers)))
        | (Q(state=S.CONSULTING) & my_party)
        | Q(state=S.AGREED, lead_unit_id__in=legal)
        | Q(state=S.DESIGNATION_REQUESTED, awaiting_filing_unit_id__in=heads)
        | (Q(state=S.FORWARDING) & on_route)
        | Q(state=S.AT_SUPERIOR, superior_unit_id__in=deciders)
        # The 移送案件通知书 of the unit giving the case up: its chain, then its head issues it (art 184).
        | Q(state__in=[S.DESIGNATED, S.TRANSFERRING], holding_unit_id__in=managers)
        | (Q(state=S.HANDOVER) & either_side)
    )


def with_filing_unit(queryset):
    """Annotate each proceeding with the unit that filed its latest request to designate."""
    latest = DesignationRequest.objects.filter(proceeding=OuterRef("pk")).order_by("-id")
    return queryset.annotate(awaiting_filing_unit_id=Subquery(latest.values("filing_unit_id")[:1]))
