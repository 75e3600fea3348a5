"""Writes on jurisdiction proceedings: open, consult, agree, review, designate, transfer, hand over.

Every state change goes through `proceeding_transition` → core.workflow.run_transition (lock,
check, transition, save, audit, timeline); what a transition sets off elsewhere — the case's state
and lead unit, deadlines, documents, notifications — happens in its `after` callback, inside the
same transaction. The documents of a proceeding (呈请报告书, 指定管辖决定书, 移送案件通知书, the
handover list) go through the documents app's own chains (legal review, then the head's approval);
the step that issues one of them is the proceeding transition that depends on it, so a number is
never drawn for a decision that is then refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import services as case_services
from cases.models import Case, CaseState, PartyRole
from core import audit, deadline_rows
from core.exceptions import Conflict, Invalid, NotAllowed
from core.models import TimelineEntry
from core.notifications import notify
from core.steps import Availability, check_transition
from core.workflow import model_update, run_transition, timeline_add
from documents import kinds as document_kinds
from documents import services as document_services
from documents.models import Document, DocumentRecipient, DocumentState
from jurisdiction import permissions as perms
from jurisdiction.models import (
    ACTIVE_STATES,
    DESIGNATION_NOT_YET,
    TRANSITION_NAMES,
    DesignationRequest,
    HandoverConfirmation,
    HandoverItem,
    HandoverItemKind,
    JurisdictionProceeding,
    PartyPosition,
    ProceedingKind,
    ProceedingParty,
    ProceedingState,
    RouteStep,
    RouteStepAction,
)
from jurisdiction.selectors import (
    LINK_TYPE,
    consensus,
    latest_designation_request,
    proceeding_document,
)
from organisation.models import Membership, Role, Unit, User
from organisation.selectors import common_superior
from organisation.standing import user_standing

S = ProceedingState
TIMELINE_TARGET = "jurisdiction.jurisdictionproceeding"
CONSULTATION_RULE = "jurisdiction_consultation"
TRANSFER_RULE = "transfer_case"
COMPLAINANT_RULE = "notify_complainant_of_transfer"
HANDOVER_LIST_KIND = "handover_list"


def case_is_filed(case: Case) -> bool:
    """Return whether the case was opened (立案, MPS-2020 art 178): art 175 before it, art 184 after it."""
    return case.is_filed


def proceeding_url(proceeding: JurisdictionProceeding) -> str:
    return reverse("jurisdiction:proceeding-detail", args=[proceeding.pk])


def _lock(pk: int) -> JurisdictionProceeding:
    """Read the proceeding again under a row lock: the instance handed in may be stale."""
    return JurisdictionProceeding.objects.select_for_update(of=("self",)).get(pk=pk)


def _acting_unit_code(proceeding: JurisdictionProceeding, user, *candidates: int | None) -> str:
    """Name the unit the user acts for: the first of the candidate units the user works in."""
    standing = user_standing(user)
    ids = [unit_id for unit_id in candidates if unit_id is not None]
    ids += list(perms.party_units(proceeding))
    for unit_id in ids:
        if unit_id in standing.roles_by_unit:
            return Unit.objects.filter(pk=unit_id).values_list("code", flat=True).first() or ""
    return ""


def officers_of(unit_ids: Iterable[int], roles: Iterable[str]) -> list[User]:
    """Return the active users holding one of `roles` in any of the units today."""
    memberships = Membership.objects.current().filter(unit_id__in=list(unit_ids), role__in=list(roles))
    return list(User.objects.filter(pk__in=memberships.values("user_id")))


def _notify_units(proceeding, unit_ids, *, event: str, subject, roles=perms.MANAGERS) -> None:
    # A step may come round again (a returned request filed anew, an agreement sent back and agreed
    # again): the number of steps taken so far makes each occurrence a notification of its own.
    occurrence = TimelineEntry.objects.filter(
        target_type=TIMELINE_TARGET, target_id=str(proceeding.pk)
    ).count()
    notify(
        users=officers_of(unit_ids, roles),
        key=f"jurisdiction:{proceeding.pk}:{event}:{occurrence}",
        subject=subject,
        url=proceeding_url(proceeding),
        params={"case": str(proceeding.case)},
    )


# --- opening ---------------------------------------------------------------------------------------


def _analysis_for(case: Case) -> dict:
    """Return the rules engine's analysis of the case as plain data (stored with the proceeding)."""
    from jurisdiction.facts import case_analysis

    return audit.json_safe(case_analysis(case).to_dict())


def _candidate_codes(analysis: dict) -> list[str]:
    return [candidate["unit"]["code"] for candidate in analysis.get("candidates", [])]


def _bases_by_code(analysis: dict) -> dict[str, list]:
    return {
        candidate["unit"]["code"]: candidate.get("bases", []) for candidate in analysis.get("candidates", [])
    }


@transaction.atomic
def proceeding_open(
    *,
    case: Case,
    by: User,
    kind: str = ProceedingKind.DISPUTE,
    reason: str,
    extra_units: Iterable[Unit] = (),
) -> JurisdictionProceeding:
    """Open a proceeding on a case: list the candidate units as parties and put the case in question.

    The parties are the units the rules engine finds a legal basis for, the unit holding the case,
    and any unit the opener adds (a unit claiming the case with a basis the facts do not show yet).
    """
    case = case_services._lock(case)
    if kind not in ProceedingKind.values:
        raise Invalid({"kind": [_("Choose consultation or transfer.")]})
    if not (reason or "").strip():
        raise Invalid({"reason": [_("Say why the jurisdiction is in question.")]})
    if JurisdictionProceeding.objects.filter(case=case, state__in=ACTIVE_STATES).exists():
        raise Conflict(_("A jurisdiction proceeding is already open on this case."), current_state=case.state)
    holding = case.responsible_unit
    standing = user_standing(by)
    if not standing.holds(holding.pk, perms.MANAGERS):
        raise NotAllowed
    if case.state not in (CaseState.REGISTERED, CaseState.UNDER_INVESTIGATION):
        raise Conflict(current_state=case.state)
    after_filing = case_is_filed(case)
    analysis = _analysis_for(case)
    bases = _bases_by_code(analysis)
    units = {
        unit.code: unit for unit in Unit.objects.filter(code__in=_candidate_codes(analysis), is_active=True)
    }
    units.setdefault(holding.code, holding)
    for unit in extra_units:
        if not unit.is_active:
            raise Invalid({"extra_units": [_("%(unit)s is no longer active.") % {"unit": unit.name}]})
        units.setdefault(unit.code, unit)
    if kind == ProceedingKind.DISPUTE and len(units) < 2:
        raise Invalid(
            {
                "extra_units": [
                    _("A consultation needs at least two units: add the unit that disputes the case.")
                ]
            }
        )
    proceeding = JurisdictionProceeding.objects.create(
        case=case,
        kind=kind,
        opened_by=by,
        opening_unit=holding,
        holding_unit=holding,
        reason=reason.strip(),
        analysis=analysis,
        rules_version=analysis.get("rules_version", "MPS-2020"),
        after_filing=after_filing,
    )
    for code, unit in sorted(units.items()):
        ProceedingParty.objects.create(proceeding=proceeding, unit=unit, bases=bases.get(code, []))
        case_services.case_party_add(case=case, unit=unit, role=PartyRole.PROCEEDING)
    audit.record(
        action="jurisdiction.proceeding.open",
        actor=by,
        acting_unit_code=holding.code,
        target=proceeding,
        payload={"case": case.pk, "kind": kind, "parties": sorted(units), "reason": reason.strip()},
    )
    timeline_add(
        instance=proceeding, actor=by, acting_unit_code=holding.code, action="open", to_state=proceeding.state
    )
    case_services.case_jurisdiction_question_open(case=case, by=by, reason=reason)
    if kind == ProceedingKind.TRANSFER and not after_filing:
        # MPS-2020 art 175: at intake, before 立案, a case outside the unit's jurisdiction is moved
        # within 24 hours; after 立案 art 184 sets no such limit (the head's approval instead).
        deadline_rows.deadline_start(
            target=proceeding,
            rule_key=TRANSFER_RULE,
            start=timezone.now(),
            responsible_unit_code=holding.code,
        )
    return proceeding


# --- positions (协商) ------------------------------------------------------------------------------


@transaction.atomic
def position_record(
    *,
    proceeding: JurisdictionProceeding,
    unit: Unit,
    by: User,
    position: str,
    reasons: str,
    proposed_unit: Unit | None = None,
) -> ProceedingParty:
    """Record a party's position in the consultation: claim, decline, or propose another unit."""
    proceeding = _lock(proceeding.pk)
    if proceeding.state != S.CONSULTING:
        raise Conflict(current_state=proceeding.state)
    party = ProceedingParty.objects.filter(proceeding=proceeding, unit=unit).first()
    if party is None or not perms.may_record_position(proceeding, by, unit.pk):
        raise NotAllowed
    errors: dict[str, list] = {}
    if position not in PartyPosition.values:
        errors["position"] = [_("Choose claim, decline or propose another unit.")]
    if not (reasons or "").strip():
        errors["reasons"] = [_("Give the reasons for the position.")]
    if position == PartyPosition.PROPOSE:
        if proposed_unit is None:
            errors["proposed_unit"] = [_("Name the unit proposed to lead.")]
        elif proposed_unit.pk == unit.pk:
            errors["proposed_unit"] = [_("To lead the case yourself, claim it.")]
        elif not ProceedingParty.objects.filter(proceeding=proceeding, unit=proposed_unit).exists():
            errors["proposed_unit"] = [_("Propose one of the units taking part in the consultation.")]
    if errors:
        raise Invalid(errors)
    party.position = position
    party.reasons = reasons.strip()
    party.proposed_unit = proposed_unit if position == PartyPosition.PROPOSE else None
    party.positioned_by = by
    party.positioned_at = timezone.now()
    party.save()
    payload = {"unit": unit.code, "position": position, "proposed_unit": getattr(proposed_unit, "code", "")}
    audit.record(
        action="jurisdiction.proceeding.position",
        actor=by,
        acting_unit_code=unit.code,
        target=proceeding,
        payload={**payload, "reasons": party.reasons},
    )
    timeline_add(
        instance=proceeding,
        actor=by,
        acting_unit_code=unit.code,
        action="position",
        note=f"{unit.name}: {party.get_position_display()} — {party.reasons}",
        data=payload,
    )
    return party


# --- the single transition path --------------------------------------------------------------------


def _unit_arg(value, field: str) -> Unit | None:
    if value is None or value == "":
        return None
    if isinstance(value, Unit):
        return value
    unit = Unit.objects.filter(code=str(value), is_active=True).first()
    if unit is None:
        raise Invalid({field: [_("No active unit has the code %(code)s.") % {"code": value}]})
    return unit


def _units_arg(values, field: str) -> list[Unit]:
    return [unit for unit in (_unit_arg(value, field) for value in values or []) if unit is not None]


def _settle_case(proceeding: JurisdictionProceeding, by: User, assisting: Iterable[Unit] = ()) -> None:
    case = proceeding.case
    case.refresh_from_db()
    if case.state != CaseState.JURISDICTION_PENDING:
        return
    case_services.case_jurisdiction_settle(
        case=case,
        by=by,
        lead_unit=proceeding.lead_unit,
        assisting_units=[unit for unit in assisting if unit.pk != proceeding.lead_unit_id],
    )


def _close_deadlines(proceeding: JurisdictionProceeding, *rule_keys: str) -> None:
    for rule_key in rule_keys:
        deadline = deadline_rows.deadline_open(target=proceeding, rule_key=rule_key)
        if deadline is not None:
            deadline_rows.deadline_meet(deadline=deadline)


def proceeding_transition(
    *,
    proceeding: JurisdictionProceeding,
    name: str,
    by: User,
    reason: str = "",
    fields: dict[str, Any] | None = None,
    expected_state: str | None = None,
) -> JurisdictionProceeding:
    """Take transition `name` through the single service path, with the effects it sets off.

    Conflict (409) when the proceeding has moved on, NotAllowed (403) when the user may not take the
    step, Invalid (400) naming the field when the input is refused.
    """
    if name not in TRANSITION_NAMES:
        raise Invalid({"name": [_("No such transition.")]})
    fields = dict(fields or {})
    # Read again: the handlers work on the proceeding as it is now (core.workflow.run_transition locks it).
    proceeding = JurisdictionProceeding.objects.select_related("case", "lead_unit", "superior_unit").get(
        pk=proceeding.pk
    )
    # A page or client that saw another state acts on nothing: 409 before the input is looked at.
    if expected_state is not None and expected_state != proceeding.state:
        raise Conflict(current_state=proceeding.state)
    # 403 before the input is looked at, to one who may not take the step the state allows.
    if check_transition(proceeding, name, by).refused:
        raise NotAllowed
    handler = _HANDLERS.get(name, _plain)
    handler(proceeding=proceeding, name=name, by=by, reason=reason, fields=fields, expected=expected_state)
    # A step may take the next one in the same transaction (a designation opens the handover).
    return JurisdictionProceeding.objects.select_related("case", "lead_unit", "superior_unit").get(
        pk=proceeding.pk
    )


def _run(proceeding, name, by, *, expected, arguments=None, note="", payload=None, after=None, acting=()):
    result = run_transition(
        model=JurisdictionProceeding,
        pk=proceeding.pk,
        name=name,
        by=by,
        acting_unit_code=_acting_unit_code(proceeding, by, *acting),
        expected_state=expected,
        arguments=arguments or {},
        note=note,
        audit_payload=payload,
        after=after,
    )
    return result.instance


def _plain(*, proceeding, name, by, reason, fields, expected):
    arguments = (
        {"reason": reason} if name in {"withdraw", "return_designation", "send_back_agreement"} else {}
    )
    if name == "forward":
        arguments = {"note": reason}
    from_unit = proceeding.current_route_unit_id

    def after(instance, from_state, to_state):
        if name == "withdraw":
            _close_deadlines(instance, CONSULTATION_RULE, TRANSFER_RULE)
            case = instance.case
            case.refresh_from_db()
            if case.state == CaseState.JURISDICTION_PENDING:
                # The question is moot: the unit that held the case goes on with it.
                instance.lead_unit = case.lead_unit or instance.holding_unit
                _settle_case(instance, by)
        if name in {"forward", "return_designation"}:
            RouteStep.objects.create(
                proceeding=instance,
                unit_id=from_unit,
                action=RouteStepAction.FORWARD if name == "forward" else RouteStepAction.RETURN,
                note=reason.strip(),
                by=by,
            )
            if name == "forward":
                _involve_request_holder(instance)
                _notify_units(
                    instance,
                    [instance.current_route_unit_id],
                    event=f"route:{instance.route_position}",
                    subject=_("A request to designate jurisdiction awaits your approval: %(case)s"),
                    roles=perms.DECIDERS,
                )
            else:
                _notify_units(
                    instance,
                    [perms.filing_unit_id(instance)],
                    event="returned",
                    subject=_("The request to designate jurisdiction was returned: %(case)s"),
                )

    return _run(
        proceeding,
        name,
        by,
        expected=expected,
        arguments=arguments,
        note=reason,
        payload={"reason": reason} if reason else None,
        after=after,
        acting=(from_unit,),
    )


def _start_consultation(*, proceeding, name, by, reason, fields, expected):
    start = timezone.now()

    def after(instance, from_state, to_state):
        deadline = deadline_rows.deadline_start(
            target=instance,
            rule_key=CONSULTATION_RULE,
            start=start,
            responsible_unit_code=instance.holding_unit.code,
        )
        JurisdictionProceeding.objects.filter(pk=instance.pk).update(consultation_due_at=deadline.due_at)
        instance.consultation_due_at = deadline.due_at
        _notify_units(
            instance,
            perms.party_units(instance),
            event="consultation",
            subject=_("You are asked to state your position on the jurisdiction of %(case)s"),
        )

    return _run(proceeding, name, by, expected=expected, after=after)


def _agree(*, proceeding, name, by, reason, fields, expected):
    parties = list(proceeding.parties.all())
    lead_id, _dissent = consensus(parties)
    if lead_id is None:
        raise Invalid(
            {
                "lead_unit": [
                    _(
                        "The positions do not agree on one lead unit: every party must speak and "
                        "favour the same unit."
                    )
                ]
            }
        )
    lead = Unit.objects.get(pk=lead_id)
    requested = _unit_arg(fields.get("lead_unit"), "lead_unit")
    if requested is not None and requested.pk != lead.pk:
        raise Invalid({"lead_unit": [_("The positions agree on %(unit)s.") % {"unit": lead.name}]})
    party_ids = {party.unit_id for party in parties}
    assisting = _units_arg(fields.get("assisting_units"), "assisting_units")
    if any(unit.pk not in party_ids or unit.pk == lead.pk for unit in assisting):
        raise Invalid({"assisting_units": [_("Assisting units must be other parties to the consultation.")]})

    def after(instance, from_state, to_state):
        instance.assisting_units.set(assisting)
        _close_deadlines(instance, CONSULTATION_RULE)
        _notify_units(
            instance,
            [lead.pk],
            event="agreed",
            subject=_("An agreement on the jurisdiction of %(case)s awaits your legal review"),
            roles=perms.LEGAL,
        )

    return _run(
        proceeding,
        name,
        by,
        expected=expected,
        arguments={"lead_unit": lead, "reason": reason},
        note=reason,
        payload={"lead_unit": lead.code, "assisting_units": [unit.code for unit in assisting]},
        after=after,
    )


def _approve_agreement(*, proceeding, name, by, reason, fields, expected):
    def after(instance, from_state, to_state):
        _settle_case(instance, by, instance.assisting_units.all())
        if to_state == S.TRANSFERRING:
            # The case changes hands by agreement: the holding unit's notice and the handover follow
            # (MPS-2020 arts 184, 185); the proceeding settles with the signed handover list.
            _draft_transfer_notice(instance, by, instance.outcome_reason or instance.agreement_citation)
            return
        _notify_units(
            instance,
            perms.party_units(instance),
            event="settled",
            subject=_("The jurisdiction of %(case)s is settled"),
        )

    return _run(
        proceeding,
        name,
        by,
        expected=expected,
        arguments={"note": reason, "settled_at": timezone.now()},
        note=reason,
        after=after,
        acting=(proceeding.lead_unit_id,),
    )


def _request_designation(*, proceeding, name, by, reason, fields, expected):
    """Draft the request (呈请指定管辖) and its 呈请报告书 in the filing party's name (MPS-2020 art 22)."""
    parties = list(proceeding.parties.select_related("unit", "proposed_unit"))
    _lead, dissent = consensus(parties)
    deadline_passed = (
        proceeding.consultation_due_at is not None and timezone.now() >= proceeding.consultation_due_at
    )
    standing = user_standing(by)
    filing = next((party.unit for party in parties if standing.holds(party.unit_id, perms.MANAGERS)), None)
    if filing is None:
        raise NotAllowed
    errors = {}
    values = {}
    for field in ("suspects", "charge", "facts", "dispute", "reasons"):
        values[field] = str(fields.get(field) or "").strip()
        if not values[field]:
            errors[field] = [_("This part of the request is required (MPS-2020 art 22).")]
    proposed = _unit_arg(fields.get("proposed_unit"), "proposed_unit")
    if errors:
        raise Invalid(errors)
    if not (dissent or deadline_passed):
        raise Invalid({"state": [DESIGNATION_NOT_YET]})
    record = consultation_record(proceeding, parties)

    def after(instance, from_state, to_state):
        _close_deadlines(instance, CONSULTATION_RULE)
        request = DesignationRequest.objects.create(
            proceeding=instance,
            filing_unit=filing,
            proposed_unit=proposed,
            consultation_record=record,
            created_by=by,
            **values,
        )
        report = document_services.document_draft(
            kind=document_kinds.REPORT_FOR_APPROVAL.code,
            issuing_unit=filing,
            by=by,
            check_permission=False,
            title=_report_title(instance),
            data={
                "purpose": document_kinds.DESIGNATION_PURPOSE,
                # The matter, not a sentence: the form's title is 呈请指定管辖报告书 (documents.form_data).
                "subject": f"{instance.case.name}指定管辖",
                "facts": "\n".join(
                    [
                        f"犯罪嫌疑人基本情况：{values['suspects']}",
                        f"涉嫌罪名：{values['charge']}",
                        f"基本案情：{values['facts']}",
                        f"争议情况：{values['dispute']}",
                        f"协商情况：{record}",
                    ]
                ),
                "request": values["reasons"]
                + (f"建议指定{proposed.name}管辖。" if proposed is not None else ""),
            },
            link_target_type=LINK_TYPE,
            link_target_id=instance.pk,
        )
        request.report_document = report
        request.save(update_fields=["report_document"])

    return _run(
        proceeding,
        name,
        by,
        expected=expected,
        arguments={"dissent": dissent, "deadline_passed": deadline_passed},
        note=values.get("reasons", ""),
        payload={"dissent": dissent, "deadline_passed": deadline_passed, "filing_unit": filing.code},
        after=after,
        acting=(filing.pk,),
    )


def _involve_request_holder(proceeding: JurisdictionProceeding) -> None:
    """Make the unit the designation request has reached a party to the case (role `proceeding`).

    MPS-2020 art 22: the request goes up level by level (层报) and each level approves it on the
    case's facts; the designating superior decides on them. A level that stands above another party
    but not above the case's lead would not see a restricted (限制) case: it becomes involved in the
    case when the request reaches it, as a unit handling it, rather than the proceeding showing the
    case past the case's own rule (DESIGN.md "Visibility and security"). It stays involved after it
    acted: its decision is part of the case's record.
    """
    unit_id = proceeding.current_route_unit_id
    if unit_id is not None:
        case_services.case_party_add(
            case=proceeding.case, unit=Unit.objects.get(pk=unit_id), role=PartyRole.PROCEEDING
        )


def _report_title(proceeding) -> str:
    return f"关于{proceeding.case.name}指定管辖的呈请报告书"


def consultation_record(proceeding, parties=None) -> str:
    """Write the consultation as the request must carry it: each party's position and reasons."""
    parties = parties if parties is not None else proceeding.parties.select_related("unit", "proposed_unit")
    lines = []
    for party in parties:
        if not party.position:
            lines.append(f"{party.unit.name}：未表态")
            continue
        text = {"claim": "主张管辖", "decline": "不主张管辖", "propose": "建议由其他单位管辖"}[party.position]
        if party.position == PartyPosition.PROPOSE and party.proposed_unit is not None:
            text = f"建议由{party.proposed_unit.name}管辖"
        lines.append(f"{party.unit.name}：{text}（{party.reasons}）")
    return "；".join(lines)


def designation_route(filing: Unit, parties: Iterable[Unit]) -> tuple[Unit, list[Unit]]:
    """Return the common superior of the parties and the route up to it from the filing unit (层报).

    The route holds every unit above the filing unit up to and including the superior: same city →
    the city bureau; same province → the provincial department; different provinces → 公安部.
    A filing unit that is itself the superior (a city bureau against its own branch) keeps it.
    """
    units = list(parties)
    superior = common_superior(units)
    if superior.pk == filing.pk:
        return superior, [superior]
    ancestors = list(Unit.objects.ancestors_of(filing))  # from the ministry down
    chain = list(reversed(ancestors))  # from the parent up
    route = []
    for unit in chain:
        route.append(unit)
        if unit.pk == superior.pk:
            break
    return superior, route


def _file_designation(*, proceeding, name, by, reason, fields, expected):
    """Have the filing unit's head sign the approved 呈请报告书 and send the request up (层报)."""
    request = latest_designation_request(proceeding)
    if request is None or request.report_document is None:
        raise Invalid({"report": [_("Draft the request to designate first.")]})
    report = request.report_document
    if report.state not in (DocumentState.APPROVED, DocumentState.ISSUED):
        raise Invalid(
            {
                "report": [
                    _("The 呈请报告书 must pass legal review and the unit head's approval before it goes up.")
                ]
            }
        )
    parties = [party.unit for party in proceeding.parties.select_related("unit")]
    superior, route = designation_route(request.filing_unit, parties)

    def after(instance, from_state, to_state):
        _involve_request_holder(instance)
        if report.state == DocumentState.APPROVED:
            document_services.document_issue(document=report, by=by)
        _notify_units(
            instance,
            [instance.current_route_unit_id],
            event="filed",
            subject=_("A request to designate jurisdiction awaits your approval: %(case)s"),
            roles=perms.DECIDERS,
        )

    return _run(
        proceeding,
        name,
        by,
        expected=expected,
        arguments={"superior": superior, "route": [unit.pk for unit in route]},
        payload={"superior": superior.code, "route": [unit.code for unit in route]},
        after=after,
        acting=(request.filing_unit_id,),
    )


def _take_up(*, proceeding, name, by, reason, fields, expected):
    superiors = perms.superior_units_of(proceeding, by)
    superior = _unit_arg(fields.get("superior_unit"), "superior_unit")
    if superior is None:
        superior = Unit.objects.filter(pk__in=superiors).order_by("-level").first() if superiors else None
    if superior is None or superior.pk not in superiors:
        raise NotAllowed

    def after(instance, from_state, to_state):
        RouteStep.objects.create(
            proceeding=instance, unit=superior, action=RouteStepAction.TAKE_UP, note=reason.strip(), by=by
        )
        _involve_request_holder(instance)
        _close_deadlines(instance, CONSULTATION_RULE)
        _notify_units(
            instance,
            perms.party_units(instance),
            event="taken_up",
            subject=_("A superior takes up the jurisdiction of %(case)s to designate it directly"),
        )

    return _run(
        proceeding,
        name,
        by,
        expected=expected,
        arguments={"superior": superior, "reason": reason},
        note=reason,
        payload={"superior": superior.code, "reason": reason},
        after=after,
        acting=(superior.pk,),
    )


# --- the designation decision (指定管辖决定书, MPS-2020 art 23) --------------------------------------


def judicial_recipients(unit: Unit) -> list[str]:
    """Name the procuratorate and court at the issuing superior's level, copied on the decision.

    MPS-2020 art 23 ¶1: the decision is copied "to the people's court and procuratorate at the same
    level" (同级) as needed; the organ at that level is the superior that issues it [R: DOMAIN.md §1
    reads 同级 as the issuing superior's level]. A prefecture-level area's court is an intermediate
    court (中级人民法院), a city's as well as an autonomous prefecture's (自治州) or a 地区's; a
    地区's procuratorate is a branch (分院) of the provincial one [R]. The ministry (公安部) has no
    同级 court or procuratorate (DOMAIN.md §1): its decision is copied to none.
    """
    if unit.is_ministry or unit.level == 0:
        return []
    division = (unit.division_name or "").strip()
    if unit.level == 1:
        region = division or unit.name.removesuffix("公安厅").removesuffix("公安局")
        return [f"{region}人民检察院", f"{region}高级人民法院"]
    if unit.level == 2:
        region = division or unit.name.removesuffix("公安局")
        if region.endswith("地区") and unit.parent is not None:
            province = (unit.parent.division_name or "").strip() or unit.parent.name.removesuffix("公安厅")
            return [f"{province}人民检察院{region.removesuffix('地区')}分院", f"{region}中级人民法院"]
        return [f"{region}人民检察院", f"{region}中级人民法院"]
    if not division:
        name = unit.name
        if "公安局" in name and name.endswith("分局"):
            city, district = name.split("公安局", 1)
            division = f"{city}{district.removesuffix('分局')}"
        else:
            division = name.removesuffix("公安局")
    elif division.endswith("区") and unit.parent is not None and unit.parent.division_name:
        # A city's district courts carry the city's name (昆明市五华区人民法院).
        division = f"{unit.parent.division_name}{division}"
    return [f"{division}人民检察院", f"{division}人民法院"]


def designable_units(superior: Unit):
    """The units a superior may designate: itself or any active unit under it (MPS-2020 arts 22, 24).

    Art 22 gives the choice to the common superior without limiting it to the units in dispute, and
    art 24 ¶3 lets a superior investigate a case of a unit under it (可以侦查下级公安机关管辖的刑事案件)
    [R: reading of the text, DOMAIN.md §1].
    """
    return Unit.objects.active().subtree_of(superior)


def _decision_document(proceeding) -> Document | None:
    return proceeding_document(proceeding, document_kinds.JURISDICTION_DESIGNATION_DECISION.code)


@transaction.atomic
def designation_decision_draft(
    *, proceeding: JurisdictionProceeding, by: User, lead_unit: Unit, reason: str
) -> Document:
    """Draft the 指定管辖决定书 at the superior: the legal department reviews it, the head approves it."""
    proceeding = _lock(proceeding.pk)
    if proceeding.state != S.AT_SUPERIOR:
        raise Conflict(current_state=proceeding.state)
    if not user_standing(by).holds(proceeding.superior_unit_id, perms.MANAGERS | {Role.INVESTIGATOR}):
        raise NotAllowed
    parties = list(proceeding.parties.select_related("unit"))
    superior = proceeding.superior_unit
    if lead_unit is None or not designable_units(superior).filter(pk=lead_unit.pk).exists():
        raise Invalid(
            {
                "lead_unit": [
                    _(
                        "Designate the superior itself or an active unit under it (MPS-2020 arts 22, 24): "
                        "%(unit)s is not."
                    )
                    % {"unit": getattr(lead_unit, "name", "—")}
                ]
            }
        )
    if not (reason or "").strip():
        raise Invalid({"reason": [_("Give the reasons for the designation.")]})
    existing = _decision_document(proceeding)
    if existing is not None and existing.state != DocumentState.DRAFTED:
        raise Conflict(
            _("A decision is already in review; send it back to change it."), current_state=existing.state
        )
    # MPS-2020 art 23 ¶1: served on the designated unit and every other unit concerned; copied to the
    # court and procuratorate at the issuing superior's level (none for the ministry).
    others = [party.unit for party in parties if party.unit_id != lead_unit.pk]
    copy_to = judicial_recipients(superior)
    data = {
        "recipient": lead_unit.name,
        "case_name": proceeding.case.name,
        "case_number": proceeding.case.number,
        "designated_unit": lead_unit.name,
        "designated_unit_code": lead_unit.code,
        "reason": reason.strip(),
        "legal_basis": "《公安机关办理刑事案件程序规定》第二十二条、第二十三条",
        "other_units": "、".join(unit.name for unit in others),
        # The form prints them all: 主送 the units served (the designated one first), 抄送 the copied.
        "served_on": [lead_unit.name, *(unit.name for unit in others)],
        "copy_to": copy_to,
    }
    recipients = [{"name": lead_unit.name, "unit": lead_unit}]
    recipients += [{"name": unit.name, "unit": unit} for unit in others]
    recipients += [{"name": name} for name in copy_to]
    if existing is not None:
        # A draft sent back from review is rewritten in place: its recipients follow the new choice.
        document = document_services.document_update(document=existing, by=by, data=data)
        DocumentRecipient.objects.filter(document=document).delete()
        for recipient in recipients:
            DocumentRecipient.objects.create(
                document=document, name=recipient["name"], unit=recipient.get("unit")
            )
        return document
    return document_services.document_draft(
        kind=document_kinds.JURISDICTION_DESIGNATION_DECISION.code,
        issuing_unit=proceeding.superior_unit,
        by=by,
        check_permission=False,
        data=data,
        recipients=recipients,
        link_target_type=LINK_TYPE,
        link_target_id=proceeding.pk,
    )


def _designate(*, proceeding, name, by, reason, fields, expected):
    """Sign and issue the reviewed, approved decision and designate (the head of the superior)."""
    decision = _decision_document(proceeding)
    if decision is None or decision.state != DocumentState.APPROVED:
        raise Invalid(
            {"decision": [_("The 指定管辖决定书 must pass legal review and the head's approval first.")]}
        )
    lead = (
        designable_units(proceeding.superior_unit)
        .filter(code=decision.data.get("designated_unit_code"))
        .first()
    )
    if lead is None:
        raise Invalid(
            {
                "decision": [
                    _("The decision names no active unit under the designating superior (MPS-2020 art 22).")
                ]
            }
        )

    def after(instance, from_state, to_state):
        # A unit designated from outside the dispute (or the superior taking the case) joins it.
        _party_add(instance, lead, by, instance.superior_unit.code, reason="designate")
        perms.forget_parties(instance)
        document_services.document_issue(document=decision, by=by)
        _settle_case(instance, by)
        _notify_units(
            instance,
            perms.party_units(instance),
            event="designated",
            subject=_("The superior designated the lead unit of %(case)s"),
        )
        if instance.needs_handover:
            # MPS-2020 art 23 ¶2: the original unit stops and hands the case over; the transfer's
            # formalities follow (arts 184, 185): its notice, approved by its head, then the list.
            _draft_transfer_notice(instance, by, instance.outcome_reason)
        else:
            run_transition(
                model=JurisdictionProceeding,
                pk=instance.pk,
                name="settle",
                by=by,
                acting_unit_code=instance.superior_unit.code,
                arguments={"settled_at": timezone.now()},
            )

    return _run(
        proceeding,
        name,
        by,
        expected=expected,
        arguments={"lead_unit": lead, "reason": decision.data.get("reason", "")},
        payload={"lead_unit": lead.code, "decision": decision.pk},
        after=after,
        acting=(proceeding.superior_unit_id,),
    )


# --- transfer (移送, MPS-2020 arts 175, 184) ------------------------------------------------------


def _transfer_notice(proceeding) -> Document | None:
    return proceeding_document(proceeding, document_kinds.CASE_TRANSFER_NOTICE.code)


def _legal_basis(proceeding: JurisdictionProceeding) -> str:
    """Cite the articles the case changes hands under, in the notice's own words."""
    articles = []
    if proceeding.kind == ProceedingKind.DISPUTE:
        # A designation (art 23) or an agreement reached by consultation (art 22).
        articles.append("第二十三条" if proceeding.state == S.DESIGNATED else "第二十二条")
    # MPS-2020 art 175 at intake (before 立案), art 184 after it; art 185 for what travels with it.
    articles.append("第一百八十四条" if proceeding_after_filing(proceeding) else "第一百七十五条")
    articles.append("第一百八十五条")
    return "《公安机关办理刑事案件程序规定》" + "、".join(articles)


def proceeding_after_filing(proceeding: JurisdictionProceeding) -> bool:
    """Return whether the case was filed (立案) when it changes hands: art 184, else art 175."""
    return proceeding.after_filing or case_is_filed(proceeding.case)


def _draft_transfer_notice(instance: JurisdictionProceeding, by: User, reason: str) -> Document:
    """Draft the 移送案件通知书 in the name of the unit giving the case up (MPS-2020 arts 175, 184).

    Its legal department reviews it and its head approves it (县级以上公安机关负责人批准); the handover
    starts when it is issued.
    """
    lead = instance.lead_unit
    document = document_services.document_draft(
        kind=document_kinds.CASE_TRANSFER_NOTICE.code,
        issuing_unit=instance.holding_unit,
        by=by,
        check_permission=False,
        data={
            "recipient": lead.name,
            "case_name": instance.case.name,
            "case_number": instance.case.number,
            "reason": (reason or "").strip()
            or instance.outcome_reason
            or f"经有关公安机关协商一致，本案由{lead.name}管辖",
            "legal_basis": _legal_basis(instance),
        },
        recipients=[{"name": lead.name, "unit": lead}],
        link_target_type=LINK_TYPE,
        link_target_id=instance.pk,
    )
    _notify_units(
        instance,
        [instance.holding_unit_id],
        event="transfer_notice",
        subject=_("The 移送案件通知书 of %(case)s awaits its review and your head's approval"),
    )
    return document


def _prepare_transfer(*, proceeding, name, by, reason, fields, expected):
    lead = _unit_arg(fields.get("lead_unit"), "lead_unit")

    def after(instance, from_state, to_state):
        ProceedingParty.objects.get_or_create(proceeding=instance, unit=lead)
        case_services.case_party_add(case=instance.case, unit=lead, role=PartyRole.PROCEEDING)
        _draft_transfer_notice(instance, by, reason)

    return _run(
        proceeding,
        name,
        by,
        expected=expected,
        arguments={"lead_unit": lead, "reason": reason},
        note=reason,
        payload={"lead_unit": getattr(lead, "code", ""), "reason": reason},
        after=after,
    )


def _start_handover(*, proceeding, name, by, reason, fields, expected):
    """Issue the approved 移送案件通知书 and open the handover list (MPS-2020 arts 184, 185).

    Whether the case changes hands by transfer, agreement or designation, the unit giving it up
    issues its notice only once its head approved it.
    """
    notice = _transfer_notice(proceeding)
    if notice is None or notice.state != DocumentState.APPROVED:
        raise Invalid(
            {"notice": [_("The 移送案件通知书 must pass legal review and the head's approval first.")]}
        )

    def after(instance, from_state, to_state):
        document_services.document_issue(document=notice, by=by)
        _close_deadlines(instance, TRANSFER_RULE)
        _settle_case(instance, by)
        _open_handover(instance, by)

    return _run(proceeding, name, by, expected=expected, after=after)


def _open_handover(proceeding, by) -> None:
    """Tell both sides to hand over; after 立案 the complainants must be told within 3 days."""
    if proceeding_after_filing(proceeding):
        # MPS-2020 art 184: within 3 days of the transfer the person who seized the suspect, the
        # reporter, complainant or informant, or the referring administrative organ, is told in
        # writing. Art 175 (at intake) says only 告知, with no period: no clock then.
        deadline_rows.deadline_start(
            target=proceeding,
            rule_key=COMPLAINANT_RULE,
            start=timezone.now(),
            responsible_unit_code=proceeding.holding_unit.code,
        )
    _notify_units(
        proceeding,
        [proceeding.holding_unit_id, proceeding.lead_unit_id],
        event="handover",
        subject=_("Hand over the suspects, property and files of %(case)s"),
        roles=perms.HANDOVER_ROLES,
    )


def _settle(*, proceeding, name, by, reason, fields, expected):
    return _run(proceeding, name, by, expected=expected, arguments={"settled_at": timezone.now()})


_HANDLERS = {
    "settle": _settle,
    "start_consultation": _start_consultation,
    "agree": _agree,
    "approve_agreement": _approve_agreement,
    "request_designation": _request_designation,
    "file_designation": _file_designation,
    "take_up": _take_up,
    "designate": _designate,
    "prepare_transfer": _prepare_transfer,
    "start_handover": _start_handover,
}


# --- an agreement reached at a joint meeting (MPS-2020 art 22) ------------------------------------

AGREE_BY_RESOLUTION = "agree_by_resolution"


def _party_add(
    proceeding: JurisdictionProceeding,
    unit: Unit,
    by: User,
    acting_unit_code: str,
    reason: str = "agree_by_resolution",
) -> bool:
    """Make `unit` a party to the proceeding and the case when it is not one yet; say if it was added."""
    _party, created = ProceedingParty.objects.get_or_create(proceeding=proceeding, unit=unit)
    case_services.case_party_add(case=proceeding.case, unit=unit, role=PartyRole.PROCEEDING)
    if created:
        audit.record(
            action="jurisdiction.proceeding.party_add",
            actor=by,
            acting_unit_code=acting_unit_code,
            target=proceeding,
            payload={"unit": unit.code, "reason": reason},
        )
    return created


@transaction.atomic
def proceeding_agree_by_resolution(
    *,
    proceeding: JurisdictionProceeding,
    by: User,
    lead_unit: Unit,
    assisting_units: Iterable[Unit] = (),
    citation: str,
    reference: str,
    acting_unit_code: str = "",
) -> JurisdictionProceeding:
    """Record the agreement a joint meeting reached on a dispute; the lead's legal department reviews it.

    Idempotent by `reference` (the resolution that brought it): a proceeding already carrying it is
    returned unchanged whatever its state, so applying the resolution again never undoes a later
    send-back. A lead or assisting unit not yet a party becomes one (and a party to the case). The
    case's lead unit changes only when the legal department approves (`approve_agreement`), once.
    Conflict when the proceeding is past consultation, NotAllowed unless a registered
    authority (the meetings app) allows `by`.
    """
    proceeding = _lock(proceeding.pk)
    if reference and proceeding.agreement_reference == reference:
        return proceeding
    status = check_transition(proceeding, AGREE_BY_RESOLUTION, by).status
    if status is Availability.UNAVAILABLE:
        raise Conflict(current_state=proceeding.state)
    assisting = list(assisting_units or [])
    errors: dict[str, list] = {}
    if lead_unit is None or not lead_unit.is_active:
        errors["lead_unit"] = [_("The lead unit must be an active unit.")]
    if any(not unit.is_active for unit in assisting):
        errors["assisting_units"] = [_("Every assisting unit must be active.")]
    elif lead_unit is not None and any(unit.pk == lead_unit.pk for unit in assisting):
        errors["assisting_units"] = [_("The lead unit cannot also be an assisting unit.")]
    if not (citation or "").strip():
        errors["citation"] = [_("Cite the minutes that record the agreement.")]
    if errors:
        raise Invalid(errors)
    if status is Availability.NOT_ALLOWED:
        raise NotAllowed
    citation = citation.strip()
    added = [
        unit.code for unit in [lead_unit, *assisting] if _party_add(proceeding, unit, by, acting_unit_code)
    ]
    perms.forget_parties(proceeding)

    def after(instance, from_state, to_state):
        instance.assisting_units.set(assisting)
        _close_deadlines(instance, CONSULTATION_RULE)
        params = {"case": str(instance.case), "citation": citation}
        notify(
            users=officers_of([lead_unit.pk], perms.LEGAL),
            key=f"jurisdiction:{instance.pk}:agreed_by_resolution:{reference}",
            subject=_(
                "An agreement reached at a joint meeting (%(citation)s) awaits your legal review: %(case)s"
            ),
            url=proceeding_url(instance),
            params=params,
        )
        notify(
            users=officers_of(perms.party_units(instance), perms.MANAGERS),
            key=f"jurisdiction:{instance.pk}:agreed_by_resolution:{reference}:parties",
            subject=_("The jurisdiction of %(case)s was agreed at a joint meeting (%(citation)s)"),
            url=proceeding_url(instance),
            params=params,
        )

    result = run_transition(
        model=JurisdictionProceeding,
        pk=proceeding.pk,
        name=AGREE_BY_RESOLUTION,
        by=by,
        acting_unit_code=acting_unit_code,
        arguments={"lead_unit": lead_unit, "citation": citation, "reference": reference},
        note=citation,
        audit_payload={
            "citation": citation,
            "reference": reference,
            "lead_unit": lead_unit.code,
            "assisting_units": [unit.code for unit in assisting],
            "parties_added": added,
        },
        after=after,
    )
    return result.instance


# --- handover list (移交清单, MPS-2020 arts 23, 185) -----------------------------------------------


def handover_digest(proceeding) -> str:
    return proceeding.handover_list_digest()


@transaction.atomic
def handover_item_add(
    *,
    proceeding: JurisdictionProceeding,
    by: User,
    kind: str,
    description: str,
    quantity: str = "",
    note: str = "",
) -> HandoverItem:
    """Add a line to the handover list; any change clears both sides' confirmations."""
    proceeding = _lock(proceeding.pk)
    if proceeding.state != S.HANDOVER:
        raise Conflict(current_state=proceeding.state)
    if not perms.may_edit_handover(proceeding, by):
        raise NotAllowed
    errors = {}
    if kind not in HandoverItemKind.values:
        errors["kind"] = [_("Choose suspect, property or case file.")]
    if not (description or "").strip():
        errors["description"] = [_("Describe what is handed over.")]
    if errors:
        raise Invalid(errors)
    item = HandoverItem.objects.create(
        proceeding=proceeding,
        kind=kind,
        description=description.strip()[:300],
        quantity=(quantity or "").strip()[:40],
        note=(note or "").strip()[:300],
        added_by=by,
    )
    HandoverConfirmation.objects.filter(proceeding=proceeding).delete()
    audit.record(
        action="jurisdiction.handover.item_add",
        actor=by,
        acting_unit_code=proceeding.holding_unit.code,
        target=proceeding,
        payload={"kind": kind, "description": item.description, "quantity": item.quantity},
    )
    return item


@transaction.atomic
def handover_item_remove(*, item: HandoverItem, by: User) -> None:
    """Strike a line off its proceeding's handover list; any change clears both sides' confirmations.

    The proceeding is locked by its pk, then the line is read again under that lock.
    """
    proceeding = _lock(item.proceeding_id)
    if proceeding.state != S.HANDOVER:
        raise Conflict(current_state=proceeding.state)
    if not perms.may_edit_handover(proceeding, by):
        raise NotAllowed
    # Another user may have struck it off since the page showed it.
    item = HandoverItem.objects.filter(proceeding=proceeding, pk=item.pk).first()
    if item is None:
        raise Invalid({"item": [_("No such line on the list.")]})
    audit.record(
        action="jurisdiction.handover.item_remove",
        actor=by,
        acting_unit_code=proceeding.holding_unit.code,
        target=proceeding,
        payload={"kind": item.kind, "description": item.description},
    )
    item.delete()
    HandoverConfirmation.objects.filter(proceeding=proceeding).delete()


@transaction.atomic
def handover_confirm(
    *, proceeding: JurisdictionProceeding, by: User, digest: str = ""
) -> JurisdictionProceeding:
    """Sign the handover list for the user's side; when both sides signed the same list, settle.

    `digest` (from the page or API) must match the list as it is now, so nobody signs a list that
    changed under them.
    """
    proceeding = _lock(proceeding.pk)
    if proceeding.state != S.HANDOVER:
        raise Conflict(current_state=proceeding.state)
    side = perms.handover_side(proceeding, by)
    if side is None:
        raise NotAllowed
    current = handover_digest(proceeding)
    if not HandoverItem.objects.filter(proceeding=proceeding).exists():
        raise Invalid({"items": [_("The list is empty: add the suspects, property and files first.")]})
    if not HandoverItem.objects.filter(proceeding=proceeding, kind=HandoverItemKind.FILE).exists():
        # MPS-2020 art 185 ¶1: the legal documents and files of the case always travel with it.
        raise Invalid(
            {
                "items": [
                    _("List the case files and legal documents that travel with the case (MPS-2020 art 185).")
                ]
            }
        )
    if digest and digest != current:
        raise Conflict(
            _("The list changed since you opened it; read it again."), current_state=proceeding.state
        )
    unit = proceeding.holding_unit if side == "sender" else proceeding.lead_unit
    HandoverConfirmation.objects.update_or_create(
        proceeding=proceeding, side=side, defaults={"unit": unit, "by": by, "list_digest": current}
    )
    audit.record(
        action="jurisdiction.handover.confirm",
        actor=by,
        acting_unit_code=unit.code,
        target=proceeding,
        payload={"side": side, "digest": current},
    )
    timeline_add(
        instance=proceeding, actor=by, acting_unit_code=unit.code, action="handover_confirm", note=side
    )
    confirmations = list(HandoverConfirmation.objects.filter(proceeding=proceeding, list_digest=current))
    if len(confirmations) == 2:
        _handover_list_issue(proceeding)
        proceeding = _run(
            proceeding, "settle", by, expected=S.HANDOVER, arguments={"settled_at": timezone.now()}
        )
    return proceeding


def _signature(confirmation: HandoverConfirmation) -> dict:
    at = timezone.localtime(confirmation.at)
    return {
        "unit": confirmation.unit.name,
        "officer": confirmation.by.get_full_name() or confirmation.by.username,
        "at": f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}",
    }


def _handover_list_issue(proceeding) -> Document:
    """Issue the co-signed handover list in the sending unit's name, signed off by its own officer."""
    items = HandoverItem.objects.filter(proceeding=proceeding).order_by("id")
    confirmations = {
        confirmation.side: confirmation
        for confirmation in HandoverConfirmation.objects.filter(proceeding=proceeding).select_related(
            "by", "unit"
        )
    }
    data = {
        "recipient": proceeding.lead_unit.name,
        "case_name": proceeding.case.name,
        "case_number": proceeding.case.number,
        "items": [
            {
                "kind": item.get_kind_display(),
                "description": item.description,
                "quantity": item.quantity,
                "note": item.note,
            }
            for item in items
        ],
        "sender": _signature(confirmations["sender"]),
        "receiver": _signature(confirmations["receiver"]),
    }
    sender = confirmations["sender"].by
    document = document_services.document_draft(
        kind=HANDOVER_LIST_KIND,
        issuing_unit=proceeding.holding_unit,
        by=sender,
        check_permission=False,
        data=data,
        recipients=[{"name": proceeding.lead_unit.name, "unit": proceeding.lead_unit}],
        link_target_type=LINK_TYPE,
        link_target_id=proceeding.pk,
    )
    return document_services.document_issue(document=document, by=sender)


@transaction.atomic
def complainants_notified(
    *, proceeding: JurisdictionProceeding, by: User, note: str
) -> JurisdictionProceeding:
    """Record that the complainants were told of the transfer in writing (MPS-2020 art 184).

    Those told: the person who seized the suspect, the reporter, complainant or informant, or the
    administrative organ that referred the case (扭送人、报案人、控告人、举报人或者移送案件的行政执法机关).
    """
    proceeding = _lock(proceeding.pk)
    if proceeding.state not in (S.HANDOVER, S.SETTLED):
        raise Conflict(current_state=proceeding.state)
    if perms.handover_side(proceeding, by) != "sender":
        raise NotAllowed
    if not (note or "").strip():
        raise Invalid({"note": [_("Say how and when the complainants were told.")]})
    _close_deadlines(proceeding, COMPLAINANT_RULE)
    audit.record(
        action="jurisdiction.complainants_notified",
        actor=by,
        acting_unit_code=proceeding.holding_unit.code,
        target=proceeding,
        payload={"note": note.strip()},
    )
    timeline_add(
        instance=proceeding,
        actor=by,
        acting_unit_code=proceeding.holding_unit.code,
        action="complainants_notified",
        note=note.strip(),
    )
    return proceeding


def family_notice_owed(proceeding: JurisdictionProceeding) -> bool:
    """Return whether the suspect's family must be told of the transfer (MPS-2020 art 184).

    A suspect already in custody (已经到案) is one the handover list hands over; the family is told
    under the custody rules. Not yet told: owed.
    """
    return (
        proceeding.state in (S.HANDOVER, S.SETTLED)
        and proceeding.family_notified_at is None
        and proceeding.handover_items.filter(kind=HandoverItemKind.SUSPECT).exists()
    )


@transaction.atomic
def family_notified(*, proceeding: JurisdictionProceeding, by: User, note: str) -> JurisdictionProceeding:
    """Record that the family of a suspect in custody was told of the transfer (MPS-2020 art 184)."""
    proceeding = _lock(proceeding.pk)
    if proceeding.state not in (S.HANDOVER, S.SETTLED):
        raise Conflict(current_state=proceeding.state)
    if perms.handover_side(proceeding, by) is None:
        raise NotAllowed
    if not (note or "").strip():
        raise Invalid({"note": [_("Say how and when the family was told (MPS-2020 art 184).")]})
    if not proceeding.handover_items.filter(kind=HandoverItemKind.SUSPECT).exists():
        raise Invalid(
            {"note": [_("No suspect in custody is handed over: no family is told (MPS-2020 art 184).")]}
        )
    side = perms.handover_side(proceeding, by)
    unit = proceeding.holding_unit if side == "sender" else proceeding.lead_unit
    model_update(
        instance=proceeding,
        values={"family_notified_at": timezone.now(), "family_notice": note.strip()},
        by=by,
        action="family_notified",
        acting_unit_code=unit.code,
        with_values=("family_notice",),
        validate=False,
        extra_update_fields=("updated_at",),
        audit_action="jurisdiction.family_notified",
        timeline=lambda changes: {"note": note.strip(), "data": {"side": side}},
    )
    return proceeding
