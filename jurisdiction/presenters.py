"""How proceedings read on the pages: the analysis in words, what a user can do next, what is awaited.

Read-only helpers shared by the proceeding page, the case panel, the queues and the inbox. The
rules engine's analysis is shown from its plain-data form (`Analysis.to_dict()`, as stored on a
proceeding when it opened, or computed live for a case): the candidates with their bases and
citations, the recommendation with its alternatives, and the decision-support factors side by
side. The factors carry no score and no total: the Eurojust guidelines set no hierarchy among
them, so the page only marks which unit has the most of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.steps import machine_for
from documents import kinds as document_kinds
from documents import services as document_services
from documents.models import Document, DocumentState
from documents.selectors import documents_readable_by
from jurisdiction import permissions as perms
from jurisdiction import rules
from jurisdiction.models import (
    PartyPosition,
    ProceedingKind,
    ProceedingParty,
    ProceedingState,
)
from jurisdiction.selectors import LINK_TYPE, consensus, parties_of
from organisation.models import Role, Unit
from organisation.selectors import common_superior
from organisation.standing import user_standing

S = ProceedingState

# The Eurojust factor each row reflects, as the engine names it (rules._factors), in words.
GUIDELINE_LABELS = {
    "territoriality: where most of the conduct was": _("territoriality: where most of the conduct was"),
    "territoriality: where most harm arose": _("territoriality: where most harm arose"),
    "territoriality: where most loss arose": _("territoriality: where most loss arose"),
    "location of the suspect": _("location of the suspect"),
    "availability of evidence": _("availability of evidence"),
    "victims' interests": _("victims' interests"),
    "stage and length of proceedings": _("stage and length of proceedings"),
}

# What the page offers besides the machine's steps (jurisdiction.steps labels those).
ACTION_LABELS = {
    "position": _("Record your unit's position"),
    "decision_draft": _("Draft the designation decision (指定管辖决定书)"),
    "handover_edit": _("Write the handover list"),
    "handover_confirm": _("Sign the handover list"),
    "complainants_notified": _("Record that the complainants were told"),
    "document_step": _("Take the next step on a document"),
}

TIMELINE_LABELS = {
    **ACTION_LABELS,
    "open": _("Proceeding opened"),
    "start_consultation": _("Start the consultation"),
    "position": _("Position recorded"),
    "agree": _("Agreement recorded"),
    "approve_agreement": _("Agreement approved"),
    "send_back_agreement": _("Agreement sent back"),
    "request_designation": _("Designation requested"),
    "file_designation": _("Request sent up"),
    "forward": _("Approved and forwarded"),
    "return_designation": _("Request returned"),
    "take_up": _("Taken up by the superior"),
    "designate": _("Lead unit designated"),
    "prepare_transfer": _("Transfer prepared"),
    "start_handover": _("Handover started"),
    "settle": _("Settled"),
    "withdraw": _("Withdrawn"),
    "handover_confirm": _("Handover list signed"),
    "complainants_notified": _("Complainants told of the transfer"),
    "deadline_escalated": _("Deadline reminder or escalation"),
}

SIDE_LABELS = {"sender": _("handing over"), "receiver": _("receiving")}

# The step of a document's chain that is waiting, and who takes it.
DOCUMENT_WAITING = {
    DocumentState.DRAFTED: _("waiting to be submitted by an officer of %(unit)s"),
    DocumentState.LEGAL_REVIEW: _("waiting for the legal review of %(unit)s"),
    DocumentState.APPROVAL: _("waiting for the approval of the head of %(unit)s"),
    DocumentState.APPROVED: _("approved, issued when the proceeding takes its next step"),
}


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _text(data: dict, stem: str) -> str:
    """Pick the engine's text in the active language (Chinese unless the page is in English)."""
    return data.get(f"{stem}_en" if _english() else f"{stem}_zh") or data.get(f"{stem}_zh", "")


# --- the rules analysis -------------------------------------------------------------------------


def basis_label(kind: str) -> str:
    labels = rules.KIND_LABELS.get(kind)
    if labels is None:
        return kind
    return labels[1] if _english() else labels[0]


def condition_label(condition: str) -> str:
    labels = rules.CONDITION_LABELS.get(condition)
    if labels is None:
        return ""
    return labels[1] if _english() else labels[0]


def bases_display(bases: list[dict]) -> list[dict]:
    """Return the bases of one unit with their labels, facts, citations and conditions in words."""
    return [
        {
            "label": basis_label(basis.get("kind", "")),
            # In English the facts' English texts (an analysis stored before they were kept has none).
            "facts": (basis.get("facts_en") if _english() else None) or basis.get("facts", []),
            "citation": basis.get("citation", ""),
            "condition": condition_label(basis.get("condition", "")),
            "secondary": bool(basis.get("condition")),
        }
        for basis in bases or []
    ]


def analysis_display(analysis: dict, *, party_codes: set[str] | None = None) -> dict:
    """Return the analysis as the templates show it; empty when there is none."""
    if not analysis:
        return {}
    candidates = analysis.get("candidates", [])
    codes = [candidate["unit"]["code"] for candidate in candidates]
    recommendation = analysis.get("recommendation") or {}
    recommended = (recommendation.get("unit") or {}).get("code")
    factors = []
    for factor in analysis.get("factors", []):
        rows = {row["unit"]["code"]: row for row in factor.get("rows", [])}
        guideline = factor.get("guideline", "")
        factors.append(
            {
                "key": factor.get("key", ""),
                "label": _text(factor, "label"),
                "guideline": GUIDELINE_LABELS.get(guideline, guideline),
                "cells": [
                    {
                        "code": code,
                        "text": _text(rows[code], "text") if code in rows else "—",
                        "leads": bool(rows.get(code, {}).get("leads")),
                    }
                    for code in codes
                ],
                "leaders": [leader["name"] for leader in factor.get("leaders", [])],
            }
        )
    rule_set = analysis.get("rule_set") or rules.MPS_2020
    rule_set_labels = rules.RULE_SET_LABELS.get(rule_set, (rule_set, rule_set))
    return {
        "rules_version": analysis.get("rules_version", ""),
        # Which rules the case's charges select (MPS-2020 alone, or with the telecom-fraud opinions).
        "rule_set": rule_set,
        "rule_set_label": rule_set_labels[1] if _english() else rule_set_labels[0],
        "rule_set_citations": analysis.get("rule_set_citations", []),
        "candidates": [
            {
                "code": candidate["unit"]["code"],
                "name": candidate["unit"]["name"],
                "bases": bases_display(candidate.get("bases", [])),
                "has_jurisdiction": candidate.get("has_jurisdiction", True),
                "recommended": candidate["unit"]["code"] == recommended,
                "is_party": party_codes is None or candidate["unit"]["code"] in party_codes,
            }
            for candidate in candidates
        ],
        "outside_system": [
            {"code": place.get("division_code", ""), "bases": bases_display(place.get("bases", []))}
            for place in analysis.get("outside_system", [])
        ],
        "recommendation": {
            "unit": (recommendation.get("unit") or {}).get("name", ""),
            "outcome": recommendation.get("outcome", ""),
            "explanation": _text(recommendation, "explanation"),
            "citations": recommendation.get("citations", []),
            "alternatives": [
                {
                    "unit": alternative["unit"]["name"],
                    "citation": alternative.get("citation", ""),
                    "explanation": _text(alternative, "explanation"),
                }
                for alternative in recommendation.get("alternatives", [])
            ],
        }
        if recommendation
        else None,
        "columns": [candidate["unit"]["name"] for candidate in candidates],
        "factors": factors,
        "notes": [
            {"text": _text(note, "text"), "citation": note.get("citation", "")}
            for note in analysis.get("notes", [])
        ],
        "common_superior": (analysis.get("common_superior") or {}).get("name", ""),
    }


def factors_for_unit(analysis: dict, code: str) -> list[dict]:
    """Return each factor's text for one unit and whether it leads there (the review queue's row)."""
    result = []
    for factor in analysis.get("factors", []) if analysis else []:
        row = next((row for row in factor.get("rows", []) if row["unit"]["code"] == code), None)
        result.append(
            {
                "label": _text(factor, "label"),
                "text": _text(row, "text") if row else "—",
                "leads": bool(row and row.get("leads")),
                "leaders": [leader["name"] for leader in factor.get("leaders", [])],
            }
        )
    return result


# --- what the user can do --------------------------------------------------------------------------


def proceeding_documents(proceeding, user) -> list[Document]:
    """Return the proceeding's documents the user may read, oldest first (report, decision, notice, list).

    A draft is listed only to the officers of its issuing unit who take its steps, never to the
    other parties or a superior (documents_readable_by, issue 16 leak 9); the caller has found the
    proceeding visible to the user.
    """
    linked = Document.objects.filter(link_target_type=LINK_TYPE, link_target_id=str(proceeding.pk))
    return list(documents_readable_by(user, linked).select_related("issuing_unit").order_by("id"))


def latest_of_kind(documents: list[Document], kind: str) -> Document | None:
    found = [doc for doc in documents if doc.kind == kind and doc.state != DocumentState.VOIDED]
    return found[-1] if found else None


# The steps of a document's approval chain taken on the proceeding page; issuing one is the
# proceeding's own step (filing the request, designating, starting the handover).
DOCUMENT_CHAIN_STEPS = frozenset(document_services.TRANSITIONS)
DOCUMENT_FINAL_STATES = (DocumentState.ISSUED, DocumentState.VOIDED)


def document_machine():
    """Return the documents app's machine (registered by the documents app)."""
    return machine_for(Document)


def document_steps(document: Document, user) -> list[str]:
    """Name the steps of the document's approval chain this user may take now."""
    if document.state in DOCUMENT_FINAL_STATES:
        return []
    return [name for name in document_machine().available(document, user) if name in DOCUMENT_CHAIN_STEPS]


@dataclass
class UserActions:
    """What one user may do on one proceeding besides the steps of its machine (jurisdiction.steps)."""

    position_units: list = field(default_factory=list)  # ProceedingParty rows the user speaks for
    may_draft_decision: bool = False
    may_edit_handover: bool = False
    handover_side: str | None = None
    may_notify_complainants: bool = False

    @property
    def positions_pending(self) -> bool:
        return any(not party.position for party in self.position_units)

    @property
    def labels(self) -> list[str]:
        """Name these actions; a position already stated counts only while owed."""
        labels = [ACTION_LABELS["position"]] if self.positions_pending else []
        if self.may_draft_decision:
            labels.append(ACTION_LABELS["decision_draft"])
        if self.may_edit_handover:
            labels.append(ACTION_LABELS["handover_edit"])
        if self.handover_side:
            labels.append(ACTION_LABELS["handover_confirm"])
        if self.may_notify_complainants:
            labels.append(ACTION_LABELS["complainants_notified"])
        return [str(label) for label in labels]


def user_actions(
    proceeding,
    user,
    *,
    parties: list[ProceedingParty],
    documents: list[Document],
    complainant_deadline_open: bool = False,
) -> UserActions:
    """Work out what this user may do on the proceeding that is not a step of its machine."""
    actions = UserActions()
    if proceeding.state == S.CONSULTING:
        actions.position_units = [
            party for party in parties if perms.may_record_position(proceeding, user, party.unit_id)
        ]
    if proceeding.state == S.AT_SUPERIOR:
        decision = latest_of_kind(documents, document_kinds.JURISDICTION_DESIGNATION_DECISION.code)
        drafter = user_standing(user).holds(proceeding.superior_unit_id, perms.MANAGERS | {Role.INVESTIGATOR})
        actions.may_draft_decision = drafter and (decision is None or decision.state == DocumentState.DRAFTED)
    if proceeding.state == S.HANDOVER:
        actions.may_edit_handover = perms.may_edit_handover(proceeding, user)
        actions.handover_side = perms.handover_side(proceeding, user)
    if proceeding.state in (S.HANDOVER, S.SETTLED) and complainant_deadline_open:
        actions.may_notify_complainants = perms.handover_side(proceeding, user) == "sender"
    return actions


def your_steps(proceeding, user, *, actions: UserActions, documents: list[Document]) -> list[str]:
    """Name what the user may do on the proceeding now, as the case panel lists it.

    The owed position first, then the machine's steps open to the user (not withdrawing, which is
    always there and never the next step), then the rest and a document waiting for the user's step.
    """
    machine = machine_for(proceeding)
    steps = [
        str(machine.step(name).label)
        for name in machine.available(proceeding, user)
        if machine.step(name).page and name != "withdraw"
    ]
    labels = actions.labels
    pending = labels[:1] if actions.positions_pending else []
    labels = labels[1:] if actions.positions_pending else labels
    if any(document_steps(document, user) for document in documents):
        labels.append(str(ACTION_LABELS["document_step"]))
    return [*pending, *steps, *labels]


def may_open(case, user) -> bool:
    """Whether the user may open a proceeding on the case now: its responsible unit's managers.

    The same test as services.proceeding_open, so the form is offered only where it would work.
    """
    from cases.models import CaseState

    return case.state in (CaseState.REGISTERED, CaseState.UNDER_INVESTIGATION) and user_standing(user).holds(
        case.responsible_unit.pk, perms.MANAGERS
    )


# --- what a step's form offers -------------------------------------------------------------------

_GENDER_ZH = {"male": "男", "female": "女"}


def charge_text(case) -> str:
    """Write the suspected offence as the 呈请报告书 names it: the case's charges (罪名), as the Criminal
    Law names them, or its grouping (案件类别) while no charge is recorded.
    """
    names = [charge.name for charge in case.charges.order_by("id")]
    if names:
        return "、".join(names)
    return case.offence.name if case.offence_id else ""


def suspects_text(case) -> str:
    """Write the case's suspects as the request lists them (Chinese: the 呈请报告书 is a Chinese form).

    Identity numbers are left out: showing them is audited on the case page, and the officer adds
    them from there when the request needs them.
    """
    from cases.models import PersonRole

    lines = []
    for person in case.persons.filter(role=PersonRole.SUSPECT).order_by("id"):
        parts = [person.name]
        if person.gender in _GENDER_ZH:
            parts.append(_GENDER_ZH[person.gender])
        if person.birth_date:
            day = person.birth_date
            parts.append(f"{day.year}年{day.month}月{day.day}日生")
        if person.household_address or person.household_division_code:
            parts.append(f"户籍地{person.household_address or person.household_division_code}")
        if person.habitual_address or person.habitual_division_code:
            parts.append(f"经常居住地{person.habitual_address or person.habitual_division_code}")
        lines.append("，".join(parts))
    return "\n".join(lines)


def dispute_text(parties) -> str:
    """Write the dispute as the request states it: who claims the case, who has not spoken."""
    claiming = [party.unit.name for party in parties if party.position == "claim"]
    silent = [party.unit.name for party in parties if not party.position]
    parts = []
    if len(claiming) > 1:
        parts.append(f"{'、'.join(claiming)}均主张管辖")
    if silent:
        parts.append(f"协商期限内{'、'.join(silent)}未表态")
    return "；".join(parts)


def common_superiors(proceeding) -> list[Unit]:
    """Return the units standing at or above every party, the nearest first (who may take it up)."""
    units = [party.unit for party in parties_of(proceeding)]
    if not units:
        return []
    superior = common_superior(units)
    return [superior, *reversed(list(Unit.objects.ancestors_of(superior)))]


# --- what the proceeding waits for -----------------------------------------------------------------


def waiting_for(proceeding, *, parties: list[ProceedingParty], documents: list[Document], units: dict) -> str:
    """Say in one sentence what the proceeding is waiting for (whoever the reader is)."""
    state = proceeding.state
    if state == S.OPEN:
        if proceeding.kind == ProceedingKind.TRANSFER:
            return _("Waiting for %(unit)s to name the unit the case is transferred to.") % {
                "unit": proceeding.holding_unit.name
            }
        return _("Waiting for %(unit)s to start the consultation.") % {"unit": proceeding.holding_unit.name}
    if state == S.CONSULTING:
        silent = [party.unit.name for party in parties if not party.position]
        if silent:
            return _("Waiting for the positions of %(units)s.") % {"units": "、".join(silent)}
        lead_id, _dissent = consensus(parties)
        if lead_id is not None:
            return _("Every party has spoken: a party can record the agreement.")
        return _("The parties do not agree: a party can ask the common superior to designate.")
    if state == S.AGREED:
        return _("Waiting for the legal review of %(unit)s.") % {"unit": proceeding.lead_unit.name}
    if state == S.DESIGNATION_REQUESTED:
        report = latest_of_kind(documents, document_kinds.REPORT_FOR_APPROVAL.code)
        if report is not None and report.state in DOCUMENT_WAITING and report.state != DocumentState.APPROVED:
            return _("The 呈请报告书 is %(step)s.") % {
                "step": DOCUMENT_WAITING[report.state] % {"unit": report.issuing_unit.name}
            }
        if report is None:
            # Its draft is not listed to this reader (issue 16 leak 9): say what, not how far.
            return _("Waiting for the party that asked for designation to send the request up.")
        return _("Waiting for the head of %(unit)s to sign and send the request up.") % {
            "unit": report.issuing_unit.name
        }
    if state in (S.FORWARDING, S.AT_SUPERIOR):
        unit_id = proceeding.current_route_unit_id
        unit = units.get(unit_id) or Unit.objects.filter(pk=unit_id).first()
        if state == S.FORWARDING:
            return _("Waiting for %(unit)s to approve and forward the request.") % {
                "unit": unit.name if unit else ""
            }
        decision = latest_of_kind(documents, document_kinds.JURISDICTION_DESIGNATION_DECISION.code)
        superior = proceeding.superior_unit.name
        if decision is None:
            return _("Waiting for %(unit)s to draft the designation decision.") % {"unit": superior}
        if decision.state != DocumentState.APPROVED:
            return _("The 指定管辖决定书 is %(step)s.") % {
                "step": DOCUMENT_WAITING[decision.state] % {"unit": superior}
            }
        return _("Waiting for the head of %(unit)s to sign the decision.") % {"unit": superior}
    # A transfer, an approved agreement or a designation that moves the case: the unit giving it up
    # has its 移送案件通知书 approved and issued first (MPS-2020 art 184).
    if state in (S.TRANSFERRING, S.DESIGNATED):
        notice = latest_of_kind(documents, document_kinds.CASE_TRANSFER_NOTICE.code)
        if notice is not None and notice.state != DocumentState.APPROVED:
            return _("The 移送案件通知书 is %(step)s.") % {
                "step": DOCUMENT_WAITING[notice.state] % {"unit": notice.issuing_unit.name}
            }
        return _("Waiting for %(unit)s to issue the transfer notice and start the handover.") % {
            "unit": proceeding.holding_unit.name
        }
    if state == S.HANDOVER:
        return _("Waiting for %(sender)s and %(receiver)s to sign the same handover list.") % {
            "sender": proceeding.holding_unit.name,
            "receiver": proceeding.lead_unit.name if proceeding.lead_unit_id else "",
        }
    if state == S.SETTLED:
        if proceeding.lead_unit_id:
            return _("Settled: %(unit)s leads the case.") % {"unit": proceeding.lead_unit.name}
        return _("Settled.")
    return _("Withdrawn: %(reason)s") % {"reason": proceeding.withdrawn_reason}


def position_label(party: ProceedingParty) -> str:
    """Say a party's position in words, naming the unit it proposes."""
    if not party.position:
        return str(_("Not stated yet"))
    if party.position == PartyPosition.PROPOSE and party.proposed_unit_id:
        return str(_("Proposes %(unit)s") % {"unit": party.proposed_unit.name})
    return str(party.get_position_display())
