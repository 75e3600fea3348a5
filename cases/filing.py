"""立案 as a step of its own (MPS-2020 art 178): asked for, approved by an organ's head, recorded.

受理 (registering) is not 立案. On review, a case with a criminal fact calling for criminal liability
and within the organ's jurisdiction is filed "经县级以上公安机关负责人批准" (MPS-2020 art 178):

1. an investigator or head of the responsible unit asks for it (`request_filing`) with a
   呈请立案报告书: a 呈请报告书 (documents.kinds, purpose FILING_PURPOSE) in the name of the organ
   whose head decides, linked to the case;
2. the head (or acting head) of that county-level or higher organ approves it
   (`start_investigation`, the name the step had before it needed the approval): the report and a
   立案决定书 are issued in the organ's name, and the case is investigated by its lead unit; or sends
   the request back with the reason (`return_filing_request`), and it may be asked for again.

A 派出所 (organisation.models.UnitLevel.STATION) is below county level: its head cannot approve, its
county bureau's head does; a department head never does. `Case.is_filed` then tells a transfer at
intake (MPS-2020 art 175) from one after 立案 (MPS-2020 art 184).
"""

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions
from cases.documents import CASE_FILING_DECISION, LINK_TYPE
from cases.models import Case, PersonRole
from cases.services import _transition
from core.notifications import notify
from documents import kinds as document_kinds
from documents import services as document_services
from documents.models import Document, DocumentState
from organisation.models import Membership, Role, Unit, UnitLevel, User
from organisation.standing import user_standing

# The legal basis the 立案决定书 prints. The official form cites the Criminal Procedure Law's article
# on filing for investigation ("CPL-2018 art 109" by our reading [R]: check it against the official
# text before relying on it) beside MPS-2020 art 178, checked in shared/law/mps-2020.md.
LEGAL_BASIS = "《中华人民共和国刑事诉讼法》第一百零九条、《公安机关办理刑事案件程序规定》第一百七十八条"
RULE = "MPS-2020 art 178"
MPS_178 = "《公安机关办理刑事案件程序规定》第一百七十八条"


# --- who decides ----------------------------------------------------------------------------------


def filing_organ(case: Case) -> Unit:
    """Return the organ whose head approves the case's filing (MPS-2020 art 178)."""
    return permissions.filing_organ(case)


def approval_refusal(case: Case, user) -> str | None:
    """Say why `user` may not approve the filing, to those who would expect to (MPS-2020 art 178).

    Shown beside the disabled step and in the 403: a department head, the head of a 派出所, and while
    a request waits, the investigators who asked. Anyone else is not shown the step at all.
    """
    standing = user_standing(user)
    organ = filing_organ(case)
    responsible_id = permissions.responsible_unit_id(case)
    station_head = standing.holds(responsible_id, permissions.UNIT_HEADS) and responsible_id != organ.pk
    if station_head:
        return _(
            "Filing (立案) needs the approval of the head of a county-level or higher organ "
            "(MPS-2020 art 178): %(unit)s is below county level, so the head of %(organ)s approves it."
        ) % {"unit": case.responsible_unit.name, "organ": organ.name}
    if standing.holds(responsible_id, permissions.HEADS) or standing.holds(organ.pk, permissions.HEADS):
        return _(
            "Filing (立案) needs the approval of the head of a county-level or higher organ "
            "(MPS-2020 art 178): the head of %(organ)s approves it, not a department head."
        ) % {"organ": organ.name}
    if case.filing_pending and standing.holds(responsible_id, permissions.WRITERS):
        return _(
            "The request for filing waits for the approval of the head of %(organ)s (MPS-2020 art 178)."
        ) % {"organ": organ.name}
    return None


def organs_headed_by(user) -> list[int]:
    """Return the ids of the county-level or higher organs the user heads (or heads as acting head)."""
    standing = user_standing(user)
    headed = [unit_id for unit_id in standing.unit_ids if standing.holds(unit_id, permissions.UNIT_HEADS)]
    return list(Unit.objects.filter(pk__in=headed, level__lte=UnitLevel.COUNTY).values_list("pk", flat=True))


def units_filed_by(organ_ids: list[int]) -> list[int]:
    """Return the units whose filing these organs approve: the organs and the 派出所 directly under them.

    A unit below county level sits directly under a county-level or higher organ (levels grow
    downwards and 派出所 is the only level below county), so its parent is its organ.
    """
    if not organ_ids:
        return []
    stations = Unit.objects.filter(parent_id__in=organ_ids, level__gt=UnitLevel.COUNTY).values_list(
        "pk", flat=True
    )
    return [*organ_ids, *stations]


def awaiting_approval_of(user) -> Q:
    """Return the condition on cases whose request to file, or not to file, waits for this user (inbox)."""
    units = units_filed_by(organs_headed_by(user))
    if not units:
        return Q(pk__in=[])
    responsible = Q(lead_unit_id__in=units) | Q(lead_unit__isnull=True, accepting_unit_id__in=units)
    # A request not to file (不予立案, MPS-2020 art 178 ¶1) waits for the same head.
    asked = Q(filing_requested_at__isnull=False, filed_at__isnull=True) | Q(
        refusal_requested_at__isnull=False, state="registered"
    )
    return asked & responsible


# --- the documents --------------------------------------------------------------------------------


def _name(user) -> str:
    return getattr(user, "display_name", "") or user.get_username()


def _department_in(user, unit: Unit):
    """Return the user's department in the unit (the form's 部门代字), or None."""
    for unit_id, _path, _role, department_id in user_standing(user).rows:
        if unit_id == unit.pk and department_id is not None:
            return unit.departments.filter(pk=department_id).first()
    return None


def _suspects(case: Case) -> str:
    return "、".join(
        case.persons.filter(role=PersonRole.SUSPECT).order_by("pk").values_list("name", flat=True)
    )


def report_data(case: Case, *, reasons: str, facts: str) -> dict[str, Any]:
    """Write the 呈请立案报告书's fields (documents.kinds.REPORT_FOR_APPROVAL; its template reads them)."""
    offence = case.offence.name if case.offence_id else ""
    lines = [
        f"案件编号：{case.number}",
        f"涉嫌罪名：{offence}" if offence else "",
        f"受理单位：{case.accepting_unit.name}",
        f"基本案情：{(facts or case.summary).strip()}",
    ]
    return {
        "purpose": document_kinds.FILING_PURPOSE,
        "subject": f"对{case.name}立案侦查",
        "facts": "\n".join(line for line in lines if line),
        "request": f"{reasons.strip()}\n根据{MPS_178}之规定，拟对{case.name}立案侦查。",
        "unit_opinion": "",
        "leader_instruction": "",
        "review_opinion": "",
    }


def _report_title(case: Case) -> str:
    return f"关于{case.name}立案的呈请报告书"


def _report_draft_or_update(case: Case, *, by, reasons: str, facts: str) -> Document:
    """Draft the case's 呈请立案报告书, or bring the one sent back up to date (still a draft)."""
    data = report_data(case, reasons=reasons, facts=facts)
    report = case.filing_report
    if report is not None and report.state == DocumentState.DRAFTED:
        # The request's own permission covered it; a 派出所's investigator drafts in the bureau's name.
        return document_services.document_update(document=report, by=by, data=data, check_permission=False)
    organ = filing_organ(case)
    return document_services.document_draft(
        kind=document_kinds.REPORT_FOR_APPROVAL.code,
        issuing_unit=organ,
        department=_department_in(by, organ),
        by=by,
        title=_report_title(case),
        data=data,
        link_target_type=LINK_TYPE,
        link_target_id=case.pk,
        check_permission=False,
    )


def _decision_data(case: Case, *, by, report: Document, now) -> dict[str, Any]:
    return {
        "case_name": case.name,
        "case_number": case.number,
        "suspects": _suspects(case),
        "legal_basis": LEGAL_BASIS,
        "approver": _name(by),
        "approved_on": document_services.local_date_text(now),
        "officers": _name(report.created_by),
        "handling_unit": case.responsible_unit.name,
        # 填发人 on the stub (issue 19): the head who decides issues it in the same step.
        "issued_by": _name(by),
    }


def _approvers(case: Case) -> list[User]:
    organ = filing_organ(case)
    heads = Membership.objects.current().filter(unit=organ, role=Role.UNIT_HEAD).values("user_id")
    return list(User.objects.filter(pk__in=heads))


# --- the steps ------------------------------------------------------------------------------------


def _case(case: Case | int) -> Case:
    return case if isinstance(case, Case) else Case.objects.get(pk=case)


def filing_request(*, case: Case | int, by, reasons: str, facts: str = "", expected_state=None) -> Case:
    """Ask for the filing with a 呈请立案报告书 (MPS-2020 art 178); the organ's heads are told."""
    reasons, facts = (reasons or "").strip(), (facts or "").strip()

    def then(instance: Case) -> None:
        report = _report_draft_or_update(instance, by=by, reasons=reasons, facts=facts)
        if instance.filing_report_id != report.pk:
            instance.filing_report = report
            instance.save(update_fields=["filing_report", "updated_at"])
        notify(
            users=_approvers(instance),
            key=f"cases:{instance.pk}:filing:{instance.filing_requested_at.isoformat()}",
            subject=gettext_lazy("A request for filing (立案) awaits your approval: %(case)s"),
            asks=True,
            params={"case": str(instance)},
            url=reverse("cases:detail", args=[instance.pk]),
            about=instance,
        )

    return _transition(
        case=case,
        name="request_filing",
        by=by,
        expected_state=expected_state,
        extra_arguments={"reasons": reasons, "facts": facts, "now": timezone.now()},
        extra_payload={"organ": filing_organ(_case(case)).code, "rule": RULE},
        then=then,
    )


def notify_returned(case: Case, *, report: Document | None, asked_at, subject) -> None:
    """Tell the officers who asked that their report came back: the case is theirs to ask again.

    The report's drafter and the case's author are told once per request sent back (the request's
    time names it); the case waits in their inbox ("case.file") until they ask again.
    """
    users = [user for user in (getattr(report, "created_by", None), case.created_by) if user is not None]
    asked = asked_at.isoformat() if asked_at else ""
    notify(
        users=users,
        key=f"cases:{case.pk}:returned:{report.pk if report else 0}:{asked}",
        subject=subject,
        params={"case": str(case)},
        url=reverse("cases:detail", args=[case.pk]),
        about=case,
    )


def notify_filed(case: Case, *, report: Document, by) -> None:
    """Tell the officers who asked that the case is filed (立案, MPS-2020 art 178), once.

    The investigation is theirs now, and so are the steps that wait for the filing: a request for
    勘验、检查、讯问、询问 and the like carries the 立案决定书 (MPS-2020 art 347 ¶2). The head who filed it
    is not told of their own decision.
    """
    users = [
        user
        for user in (report.created_by, case.created_by)
        if user is not None and user.pk != getattr(by, "pk", None)
    ]
    notify(
        users=users,
        key=f"cases:{case.pk}:filed",
        subject=gettext_lazy("The case is filed (立案): %(case)s"),
        params={"case": str(case)},
        url=reverse("cases:detail", args=[case.pk]),
        about=case,
    )


def filing_return(*, case: Case | int, by, reason: str, expected_state=None) -> Case:
    """Send the request for filing back with the reason; the report stays a draft, to be asked anew."""
    # Read afresh: the request the head sends back names the notification (a caller's copy may be stale).
    asked_at = Case.objects.filter(pk=_case(case).pk).values_list("filing_requested_at", flat=True).first()

    def then(instance: Case) -> None:
        notify_returned(
            instance,
            report=instance.filing_report,
            asked_at=asked_at,
            subject=gettext_lazy("Your request for filing (立案) was sent back: %(case)s"),
        )

    return _transition(
        case=case,
        name="return_filing_request",
        by=by,
        reason=(reason or "").strip(),
        expected_state=expected_state,
        then=then,
    )


def filing_approve(*, case: Case | int, by, expected_state=None) -> Case:
    """File the case (立案): the organ's head approves; the report and the 立案决定书 are issued.

    The case then is investigated by its lead unit (the accepting unit when jurisdiction is not in
    question), as start_investigation always did. All in the transition's transaction.
    """
    now = timezone.now()

    def then(instance: Case) -> None:
        organ = filing_organ(instance)
        report = Document.objects.get(pk=instance.filing_report_id)
        data = {
            **report.data,
            "leader_instruction": f"同意立案。{_name(by)}　{document_services.local_date_text(now)}",
        }
        document_services.document_update(document=report, by=by, data=data, check_permission=False)
        decision = document_services.document_draft(
            kind=CASE_FILING_DECISION.code,
            issuing_unit=organ,
            department=report.department,
            by=by,
            title=f"{instance.name}立案决定书",
            data=_decision_data(instance, by=by, report=report, now=now),
            link_target_type=LINK_TYPE,
            link_target_id=instance.pk,
            check_permission=False,
        )
        instance.filing_decision = decision
        instance.save(update_fields=["filing_decision", "updated_at"])
        # Approved by this very step (cases.documents._approved): issued in the organ's name now.
        document_services.document_issue(document=report, by=by)
        document_services.document_issue(document=decision, by=by)
        notify_filed(instance, report=report, by=by)

    return _transition(
        case=case,
        name="start_investigation",
        by=by,
        expected_state=expected_state,
        extra_arguments={"now": now},
        extra_payload={"rule": RULE},
        then=then,
    )


def filing_transition(*, case: Case | int, name: str, by, expected_state=None, **values) -> Case:
    """Take one of the filing's steps by name (cases.steps and cases.services.case_transition)."""
    if name == "request_filing":
        return filing_request(
            case=case,
            by=by,
            reasons=values.get("reasons", ""),
            facts=values.get("facts", ""),
            expected_state=expected_state,
        )
    if name == "return_filing_request":
        return filing_return(case=case, by=by, reason=values.get("reason", ""), expected_state=expected_state)
    if name == "start_investigation":
        return filing_approve(case=case, by=by, expected_state=expected_state)
    raise ValueError(f"{name} is not a step of the filing")
