"""不予立案 as a step of its own (MPS-2020 arts 178, 179): asked for, approved, served, reviewed, reopened.

MPS-2020 art 178 ¶1: a case with no criminal fact, or one obviously minor calling for no criminal
liability, or another case where the law exempts criminal liability, is not filed "经县级以上公安机关
负责人批准" — the same head who approves 立案 (cases.filing):

1. investigators of the responsible unit ask for it (`request_not_filing`) on one of those grounds
   with the facts: a 呈请不予立案报告书 (a 呈请报告书 of documents.kinds in the organ's name; its
   purpose is FILING_PURPOSE, the organ head's decision on filing under art 178, whichever way it
   goes, so that the decision on the case approves it and no second chain runs);
2. the head approves (`refuse_filing`): the report is issued and the case is 不予立案 (NOT_FILED),
   with a 不予立案通知书 where it has a complainant; or sends the request back
   (`return_not_filing_request`);
3. where the case has a complainant (控告人, a person of the case in that role) the notice is served
   within 3 days (art 178 ¶2): a Deadline row, met by `serve_refusal_notice`;
4. the complainant may apply for 复议 within 7 days of receiving the notice; the organ decides within
   30 days of receipt (art 179 ¶1) — `receive_reconsideration`, a Deadline row — and, upheld, may
   apply to the superior organ for 复核 within 7 days of receiving that decision, decided within 30
   days (art 179 ¶2, `receive_superior_review`); a major or complex case's time limit may be
   extended once by at most 30 days, the applicant told in writing (art 179 ¶3,
   `extend_filing_review`); `decide_filing_review` upholds or revokes;
5. a revoked 不予立案, or new facts or evidence or an error in the facts found (art 178 ¶3,
   `reopen_for_filing`), registers the case again: it is then filed through request_filing and the
   head's approval (art 178 ¶1), since revoking a refusal is not itself the 立案 and the 立案决定书
   rests on a 呈请立案报告书 of the facts as they now are [R].
"""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions
from cases.documents import CASE_NOT_FILING_NOTICE, LINK_TYPE
from cases.filing import _approvers, _case, _department_in, _name, _suspects, notify_returned
from cases.models import (
    Case,
    CaseState,
    FilingReview,
    FilingReviewKind,
    FilingReviewOutcome,
    PersonRole,
    RefusalGround,
)
from cases.services import _transition
from core import deadline_rows
from core.notifications import notify
from documents import kinds as document_kinds
from documents import services as document_services
from documents.models import Document, DocumentState

RULE = "MPS-2020 art 178 ¶1"
SERVICE_RULE = "MPS-2020 art 178 ¶2"
REOPEN_RULE = "MPS-2020 art 178 ¶3"
RECONSIDERATION_RULE = "MPS-2020 art 179 ¶1"
REVIEW_RULE = "MPS-2020 art 179 ¶2"
EXTENSION_RULE = "MPS-2020 art 179 ¶3"

# Deadline rules (core.deadlines): the organ's clocks, each escalating.
SERVE_NOTICE = "serve_not_filing_notice"
DECIDE_RECONSIDERATION = "decide_filing_reconsideration"
DECIDE_REVIEW = "decide_filing_review"
DECIDE_EXTENDED = "decide_filing_review_extended"
DECISION_CLOCKS = (DECIDE_RECONSIDERATION, DECIDE_REVIEW, DECIDE_EXTENDED)

# The complainant's own window to apply (art 179 ¶1–2): checked on receipt, not the organ's clock.
APPLICATION_DAYS = 7

REVOKED = FilingReviewOutcome.REVOKED
REVIEW_OUTCOMES = frozenset(FilingReviewOutcome.values)

# The wording of each ground on the forms (MPS-2020 art 178 ¶1).
GROUND_TEXT = {
    RefusalGround.NO_CRIME: "没有犯罪事实",
    RefusalGround.TRIVIAL: "犯罪事实显著轻微，不需要追究刑事责任",
    RefusalGround.EXEMPT: "具有其他依法不追究刑事责任的情形",
}
MPS_178 = "《公安机关办理刑事案件程序规定》第一百七十八条"
MPS_179 = "《公安机关办理刑事案件程序规定》第一百七十九条"
LEGAL_BASIS = f"{MPS_178}第一款"

TRANSITIONS = frozenset(
    {
        "request_not_filing",
        "return_not_filing_request",
        "refuse_filing",
        "serve_refusal_notice",
        "receive_reconsideration",
        "receive_superior_review",
        "extend_filing_review",
        "decide_filing_review",
        "reopen_for_filing",
    }
)


# --- what the law asks of an application ----------------------------------------------------------


def complainants(case: Case) -> list[str]:
    """Return the names of the case's complainants (控告人), who are served the notice (art 178 ¶2)."""
    return list(
        case.persons.filter(role=PersonRole.COMPLAINANT).order_by("pk").values_list("name", flat=True)
    )


def last_day_to_apply(served_on: dt.date | None) -> dt.date | None:
    """Return the last day a complainant may apply, 7 days after receiving the document (art 179).

    The day of receipt is not counted (CPL-2018 art 105).
    """
    return served_on + dt.timedelta(days=APPLICATION_DAYS) if served_on else None


def review_errors(
    case: Case,
    *,
    kind: str,
    applicant: str,
    received_on: dt.date | None,
    today: dt.date,
    decision_received_on: dt.date | None = None,
) -> dict[str, Any]:
    """Return the field errors of an application for 复议 or 复核 (MPS-2020 art 179 ¶1–2)."""
    errors: dict[str, Any] = {}
    if not (applicant or "").strip():
        errors["applicant"] = _("Name the complainant who applies (MPS-2020 art 179).")
    elif applicant.strip() not in complainants(case):
        errors["applicant"] = _(
            "Only a complainant (控告人) of the case may apply (MPS-2020 art 179): record the person as a "
            "complainant first."
        )
    if received_on is None:
        errors["received_on"] = _("Give the day the application was received.")
        return errors
    if received_on > today:
        errors["received_on"] = _("The day of receipt cannot be in the future.")
        return errors
    if kind == FilingReviewKind.RECONSIDERATION:
        if case.refusal_served_on is None:
            errors["received_on"] = _(
                "Record the service of the 不予立案通知书 first: the 7 days to apply for 复议 run from it "
                "(MPS-2020 art 179 ¶1)."
            )
        elif received_on < case.refusal_served_on:
            errors["received_on"] = _("The application cannot be received before the notice was served.")
        elif received_on > last_day_to_apply(case.refusal_served_on):
            errors["received_on"] = _(
                "复议 is applied for within 7 days of receiving the 不予立案通知书 (MPS-2020 art 179 ¶1): "
                "the last day was %(day)s."
            ) % {"day": last_day_to_apply(case.refusal_served_on).isoformat()}
        elif case.filing_reviews.filter(kind=FilingReviewKind.RECONSIDERATION).exists():
            errors["received_on"] = _("The 复议 of this decision not to file was applied for already.")
        return errors
    upheld = (
        case.filing_reviews.filter(kind=FilingReviewKind.RECONSIDERATION, outcome=FilingReviewOutcome.UPHELD)
        .order_by("-pk")
        .first()
    )
    if upheld is None:
        errors["received_on"] = _(
            "复核 is applied for against a 复议 decision upholding the 不予立案 (MPS-2020 art 179 ¶2)."
        )
    elif case.filing_reviews.filter(kind=FilingReviewKind.REVIEW).exists():
        errors["received_on"] = _("The 复核 of this decision not to file was applied for already.")
    elif decision_received_on is None:
        errors["decision_received_on"] = _("Give the day the applicant received the 复议 decision.")
    elif decision_received_on < timezone.localdate(upheld.decided_at) or decision_received_on > received_on:
        errors["decision_received_on"] = _(
            "The 复议 decision is received after it was made and before the 复核 is applied for."
        )
    elif received_on > last_day_to_apply(decision_received_on):
        errors["received_on"] = _(
            "复核 is applied for within 7 days of receiving the 复议 decision (MPS-2020 art 179 ¶2): "
            "the last day was %(day)s."
        ) % {"day": last_day_to_apply(decision_received_on).isoformat()}
    return errors


# --- the clocks ------------------------------------------------------------------------------------


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _start_clock(case: Case, rule_key: str, start: dt.datetime, unit_code: str) -> None:
    deadline_rows.deadline_start(target=case, rule_key=rule_key, start=start, responsible_unit_code=unit_code)


def _meet(case: Case, *rule_keys: str) -> None:
    for rule_key in rule_keys:
        deadline = deadline_rows.deadline_open(target=case, rule_key=rule_key)
        if deadline is not None:
            deadline_rows.deadline_meet(deadline=deadline)


def _cancel(case: Case, *rule_keys: str) -> None:
    for rule_key in rule_keys:
        deadline = deadline_rows.deadline_open(target=case, rule_key=rule_key)
        if deadline is not None:
            deadline_rows.deadline_cancel(deadline=deadline)


def open_clocks(case: Case):
    """Return the running clocks of the 不予立案 on the case (the page shows them)."""
    return deadline_rows.deadlines_for(case).filter(
        rule_key__in=(SERVE_NOTICE, *DECISION_CLOCKS), state__in=("running", "paused")
    )


def _describe(deadline):
    case = Case.objects.filter(pk=deadline.target_id).only("number", "name").first()
    if case is None:
        return deadline_rows.TargetDescription(title=f"cases.case #{deadline.target_id}")
    return deadline_rows.TargetDescription(title=str(case), url=reverse("cases:detail", args=[case.pk]))


deadline_rows.register_target_describer(LINK_TYPE, _describe)


# --- the documents --------------------------------------------------------------------------------


def report_data(case: Case, *, ground: str, facts: str) -> dict[str, Any]:
    """Write the 呈请不予立案报告书's fields (documents.kinds.REPORT_FOR_APPROVAL's template reads them)."""
    offence = case.offence.name if case.offence_id else ""
    lines = [
        f"案件编号：{case.number}",
        f"涉嫌罪名：{offence}" if offence else "",
        f"受理单位：{case.accepting_unit.name}",
        f"审查认定的事实：{facts.strip()}",
    ]
    return {
        "purpose": document_kinds.FILING_PURPOSE,
        "subject": f"对{case.name}不予立案",
        "facts": "\n".join(line for line in lines if line),
        "request": f"经审查，{GROUND_TEXT[ground]}。根据{MPS_178}第一款之规定，拟对{case.name}不予立案。",
        "unit_opinion": "",
        "leader_instruction": "",
        "review_opinion": "",
    }


def _report_draft_or_update(case: Case, *, by, ground: str, facts: str) -> Document:
    data = report_data(case, ground=ground, facts=facts)
    report = case.refusal_report
    if report is not None and report.state == DocumentState.DRAFTED:
        return document_services.document_update(document=report, by=by, data=data, check_permission=False)
    organ = permissions.filing_organ(case)
    return document_services.document_draft(
        kind=document_kinds.REPORT_FOR_APPROVAL.code,
        issuing_unit=organ,
        department=_department_in(by, organ),
        by=by,
        title=f"关于{case.name}不予立案的呈请报告书",
        data=data,
        link_target_type=LINK_TYPE,
        link_target_id=case.pk,
        check_permission=False,
    )


def _notice_data(case: Case, *, by, report: Document, now) -> dict[str, Any]:
    return {
        "case_name": case.name,
        "case_number": case.number,
        "complainants": "、".join(complainants(case)),
        "suspects": _suspects(case),
        "ground": GROUND_TEXT[case.refusal_ground],
        "legal_basis": LEGAL_BASIS,
        "reconsideration": f"{MPS_179}第一款",
        "approver": _name(by),
        "approved_on": document_services.local_date_text(now),
        "officers": _name(report.created_by),
        "handling_unit": case.responsible_unit.name,
        # 填发人 on the stub (issue 19): the head who decides issues it in the same step.
        "issued_by": _name(by),
    }


# --- the steps ------------------------------------------------------------------------------------


def not_filing_request(*, case, by, ground: str, facts: str, expected_state=None) -> Case:
    """Ask not to file with a 呈请不予立案报告书 (MPS-2020 art 178 ¶1); the organ's heads are told."""
    ground, facts = (ground or "").strip(), (facts or "").strip()

    def then(instance: Case) -> None:
        report = _report_draft_or_update(instance, by=by, ground=ground, facts=facts)
        if instance.refusal_report_id != report.pk:
            instance.refusal_report = report
            instance.save(update_fields=["refusal_report", "updated_at"])
        notify(
            users=_approvers(instance),
            key=f"cases:{instance.pk}:not-filing:{instance.refusal_requested_at.isoformat()}",
            asks=True,
            subject=gettext_lazy("A request not to file (不予立案) awaits your decision: %(case)s"),
            params={"case": str(instance)},
            url=reverse("cases:detail", args=[instance.pk]),
            about=instance,
        )

    return _transition(
        case=case,
        name="request_not_filing",
        by=by,
        expected_state=expected_state,
        extra_arguments={"ground": ground, "facts": facts, "now": timezone.now()},
        extra_payload={"ground": ground, "rule": RULE},
        then=then,
    )


def not_filing_return(*, case, by, reason: str, expected_state=None) -> Case:
    """Send the request not to file back with the reason; the report stays a draft."""
    reason = (reason or "").strip()
    asked_at = Case.objects.filter(pk=_case(case).pk).values_list("refusal_requested_at", flat=True).first()

    def then(instance: Case) -> None:
        notify_returned(
            instance,
            report=instance.refusal_report,
            asked_at=asked_at,
            subject=gettext_lazy("Your request not to file (不予立案) was sent back: %(case)s"),
        )

    return _transition(
        case=case,
        name="return_not_filing_request",
        by=by,
        reason=reason,
        expected_state=expected_state,
        extra_arguments={"reason": reason},
        then=then,
    )


def not_filing_approve(*, case, by, expected_state=None) -> Case:
    """Decide not to file: issue the report and, for a complainant, the 不予立案通知书 with its clock."""
    now = timezone.now()

    def then(instance: Case) -> None:
        organ = permissions.filing_organ(instance)
        report = Document.objects.get(pk=instance.refusal_report_id)
        data = {
            **report.data,
            "leader_instruction": f"同意不予立案。{_name(by)}　{document_services.local_date_text(now)}",
        }
        document_services.document_update(document=report, by=by, data=data, check_permission=False)
        document_services.document_issue(document=report, by=by)
        if not instance.has_complainant:
            # The 不予立案通知书 is made for a case with a complainant (MPS-2020 art 178 ¶2); without one
            # the approved report records the decision.
            return
        notice = document_services.document_draft(
            kind=CASE_NOT_FILING_NOTICE.code,
            issuing_unit=organ,
            department=report.department,
            by=by,
            title=f"{instance.name}不予立案通知书",
            data=_notice_data(instance, by=by, report=report, now=now),
            # Each complainant is a recipient: the signed 送达回执 is recorded against them (documents).
            recipients=[
                {"name": person.name}
                for person in instance.persons.filter(role=PersonRole.COMPLAINANT).order_by("pk")
            ],
            link_target_type=LINK_TYPE,
            link_target_id=instance.pk,
            check_permission=False,
        )
        instance.refusal_notice = notice
        instance.save(update_fields=["refusal_notice", "updated_at"])
        document_services.document_issue(document=notice, by=by)
        _start_clock(instance, SERVE_NOTICE, now, instance.responsible_unit.code)

    return _transition(
        case=case,
        name="refuse_filing",
        by=by,
        expected_state=expected_state,
        extra_arguments={"now": now},
        extra_payload={"rule": RULE},
        then=then,
    )


def notice_served(*, case, by, served_on, note: str = "", expected_state=None) -> Case:
    """Record the service of the 不予立案通知书 on the complainants; it meets the 3-day clock (art 178 ¶2)."""
    note = (note or "").strip()
    return _transition(
        case=case,
        name="serve_refusal_notice",
        by=by,
        reason=note,
        expected_state=expected_state,
        extra_arguments={"served_on": served_on, "note": note, "today": timezone.localdate()},
        extra_payload={"served_on": served_on.isoformat() if served_on else None, "rule": SERVICE_RULE},
        then=lambda instance: _meet(instance, SERVE_NOTICE),
    )


def _review_received(*, case, by, kind, name, values, expected_state) -> Case:
    applicant = (values.get("applicant") or "").strip()
    received_on = values.get("received_on")
    arguments: dict[str, Any] = {
        "applicant": applicant,
        "received_on": received_on,
        "today": timezone.localdate(),
    }
    rule, clock = RECONSIDERATION_RULE, DECIDE_RECONSIDERATION
    if kind == FilingReviewKind.REVIEW:
        arguments["decision_received_on"] = values.get("decision_received_on")
        rule, clock = REVIEW_RULE, DECIDE_REVIEW

    def then(instance: Case) -> None:
        organ = permissions.filing_organ(instance)
        deciding = organ if kind == FilingReviewKind.RECONSIDERATION else permissions.review_organ(instance)
        FilingReview.objects.create(
            case=instance,
            kind=kind,
            applicant=applicant,
            received_on=received_on,
            deciding_unit=deciding,
            recorded_by=by,
        )
        _start_clock(instance, clock, _start_of(received_on), deciding.code)
        heads = permissions.UNIT_HEADS
        from organisation.models import Membership, User

        users = User.objects.filter(
            pk__in=Membership.objects.current().filter(unit=deciding, role__in=heads).values("user_id")
        )
        notify(
            users=list(users),
            key=f"cases:{instance.pk}:filing-review:{kind}:{received_on.isoformat()}",
            subject=gettext_lazy(
                "An application against a decision not to file (不予立案) awaits your decision: %(case)s"
            ),
            params={"case": str(instance)},
            url=reverse("cases:detail", args=[instance.pk]),
            about=instance,
        )

    return _transition(
        case=case,
        name=name,
        by=by,
        expected_state=expected_state,
        extra_arguments=arguments,
        extra_payload={
            "applicant": applicant,
            "received_on": received_on.isoformat() if received_on else None,
            "rule": rule,
        },
        then=then,
    )


def review_extend(*, case, by, reason: str, notice: str, expected_state=None) -> Case:
    """Extend the open 复议 or 复核 by at most 30 days, the applicant told in writing (art 179 ¶3)."""
    reason, notice = (reason or "").strip(), (notice or "").strip()

    def then(instance: Case) -> None:
        review = FilingReview.objects.select_for_update().get(pk=instance.open_filing_review().pk)
        review.extended_at, review.extension_reason, review.extension_notice = timezone.now(), reason, notice
        review.save(update_fields=["extended_at", "extension_reason", "extension_notice"])
        _cancel(instance, DECIDE_RECONSIDERATION, DECIDE_REVIEW)
        _start_clock(instance, DECIDE_EXTENDED, _start_of(review.received_on), review.deciding_unit.code)

    return _transition(
        case=case,
        name="extend_filing_review",
        by=by,
        reason=reason,
        expected_state=expected_state,
        extra_arguments={"reason": reason, "notice": notice},
        extra_payload={"notice": notice, "rule": EXTENSION_RULE},
        then=then,
    )


def review_decide(*, case, by, outcome: str, reason: str, expected_state=None) -> Case:
    """Uphold or revoke the 不予立案 on the open application (art 179); it meets the decision's clock."""
    outcome, reason = (outcome or "").strip(), (reason or "").strip()
    review = _case(case).open_filing_review()

    def then(instance: Case) -> None:
        locked = FilingReview.objects.select_for_update().get(pk=review.pk)
        locked.decided_at, locked.decided_by = timezone.now(), by
        locked.outcome, locked.decision_reason = outcome, reason
        locked.save(update_fields=["decided_at", "decided_by", "outcome", "decision_reason"])
        _meet(instance, *DECISION_CLOCKS)

    rule = (
        REVIEW_RULE if review is not None and review.kind == FilingReviewKind.REVIEW else RECONSIDERATION_RULE
    )
    return _transition(
        case=case,
        name="decide_filing_review",
        by=by,
        reason=reason,
        expected_state=expected_state,
        extra_arguments={"outcome": outcome, "reason": reason},
        extra_payload={"outcome": outcome, "kind": getattr(review, "kind", ""), "rule": rule},
        then=then,
    )


def reopen(*, case, by, reason: str, expected_state=None) -> Case:
    """Register the case again on new facts or evidence (MPS-2020 art 178 ¶3); filing follows as usual."""
    reason = (reason or "").strip()
    return _transition(
        case=case,
        name="reopen_for_filing",
        by=by,
        reason=reason,
        expected_state=expected_state,
        extra_arguments={"reason": reason},
        extra_payload={"rule": REOPEN_RULE},
        then=lambda instance: _cancel(instance, SERVE_NOTICE),
    )


def refusal_transition(*, case, name: str, by, expected_state=None, **values) -> Case:
    """Take one of the 不予立案's steps by name (cases.steps)."""
    if name == "request_not_filing":
        return not_filing_request(
            case=case,
            by=by,
            ground=values.get("ground", ""),
            facts=values.get("facts", ""),
            expected_state=expected_state,
        )
    if name == "return_not_filing_request":
        return not_filing_return(
            case=case, by=by, reason=values.get("reason", ""), expected_state=expected_state
        )
    if name == "refuse_filing":
        return not_filing_approve(case=case, by=by, expected_state=expected_state)
    if name == "serve_refusal_notice":
        return notice_served(
            case=case,
            by=by,
            served_on=values.get("served_on"),
            note=values.get("note", ""),
            expected_state=expected_state,
        )
    if name == "receive_reconsideration":
        return _review_received(
            case=case,
            by=by,
            kind=FilingReviewKind.RECONSIDERATION,
            name=name,
            values=values,
            expected_state=expected_state,
        )
    if name == "receive_superior_review":
        return _review_received(
            case=case,
            by=by,
            kind=FilingReviewKind.REVIEW,
            name=name,
            values=values,
            expected_state=expected_state,
        )
    if name == "extend_filing_review":
        return review_extend(
            case=case,
            by=by,
            reason=values.get("reason", ""),
            notice=values.get("notice", ""),
            expected_state=expected_state,
        )
    if name == "decide_filing_review":
        return review_decide(
            case=case,
            by=by,
            outcome=values.get("outcome", ""),
            reason=values.get("reason", ""),
            expected_state=expected_state,
        )
    if name == "reopen_for_filing":
        return reopen(case=case, by=by, reason=values.get("reason", ""), expected_state=expected_state)
    raise ValueError(f"{name} is not a step of the decision not to file")


def refusal_approval_refusal(case: Case, user) -> str | None:
    """Say why `user` may not decide the request not to file (MPS-2020 art 178 ¶1), as for 立案."""
    from organisation.standing import user_standing

    standing = user_standing(user)
    organ = permissions.filing_organ(case)
    responsible_id = permissions.responsible_unit_id(case)
    if standing.holds(responsible_id, permissions.UNIT_HEADS) and responsible_id != organ.pk:
        return _(
            "Not filing (不予立案) needs the approval of the head of a county-level or higher organ "
            "(MPS-2020 art 178 ¶1): %(unit)s is below county level, so the head of %(organ)s decides."
        ) % {"unit": case.responsible_unit.name, "organ": organ.name}
    if standing.holds(responsible_id, permissions.HEADS) or standing.holds(organ.pk, permissions.HEADS):
        return _(
            "Not filing (不予立案) needs the approval of the head of a county-level or higher organ "
            "(MPS-2020 art 178 ¶1): the head of %(organ)s decides, not a department head."
        ) % {"organ": organ.name}
    return None


def review_decision_refusal(case: Case, user) -> str | None:
    """Say why a department head or another organ's head may not decide the open application (art 179)."""
    from organisation.standing import user_standing

    review = case.open_filing_review()
    if review is None:
        return None
    standing = user_standing(user)
    if standing.holds(review.deciding_unit_id, permissions.HEADS) or standing.holds(
        permissions.responsible_unit_id(case), permissions.HEADS
    ):
        rule = REVIEW_RULE if review.kind == FilingReviewKind.REVIEW else RECONSIDERATION_RULE
        return _("The head of %(organ)s decides this application (%(rule)s).") % {
            "organ": review.deciding_unit.name,
            "rule": rule,
        }
    return None


def is_not_filed(case: Case) -> bool:
    return case.state == CaseState.NOT_FILED
