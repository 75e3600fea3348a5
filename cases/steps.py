"""The steps of a case, declared once (core.steps): register, file (立案), suspend, resume, end.

立案 (MPS-2020 art 178) is asked for (request_filing) and approved by the head of the county-level or
higher organ (start_investigation, its name from before it needed the approval), or sent back
(return_filing_request): cases.filing takes them.

Jurisdiction is settled one way only, through a jurisdiction proceeding (jurisdiction app): the
case's own transitions open_jurisdiction_question and settle_jurisdiction are the proceeding's
effects on the case (cases.services.case_jurisdiction_question_open / case_jurisdiction_settle),
and merge_into an approved merger's; none of them is a step a page or the API offers.
"""

from django.utils.translation import gettext_lazy as _

from cases import filing, permissions, refusal, services
from cases.forms import (
    FilingRequestForm,
    FilingReviewApplicationForm,
    FilingReviewDecisionForm,
    FilingReviewExtensionForm,
    NotFilingRequestForm,
    NoticeServedForm,
    ReasonForm,
    SuperiorReviewApplicationForm,
)
from cases.models import Case
from core.steps import DANGER, PRIMARY, SECONDARY, Machine, Need, Step


def _take_step(case, name, *, by, expected_state=None, **values):
    if name in refusal.TRANSITIONS:
        return refusal.refusal_transition(
            case=case, name=name, by=by, expected_state=expected_state, **values
        )
    if name in services.FILING_TRANSITIONS:
        return filing.filing_transition(case=case, name=name, by=by, expected_state=expected_state, **values)
    return services.case_transition(case=case, name=name, by=by, expected_state=expected_state, **values)


CASE_MACHINE = Machine(
    Case,
    [
        # A draft is its author's to finish: the inbox reminds its author and the unit's heads
        # ("case.register"), a rule by person that a step's waiting rule (by object) cannot say.
        Step(
            "register",
            _("Register the case"),
            emphasis=PRIMARY,
            waiting=False,
            help=_("Accept the case (受理): it gets its case number. Needs the offence and a summary."),
        ),
        # 立案 (MPS-2020 art 178): asked for with a 呈请立案报告书 (the organ's heads are notified and
        # find it in their inbox, "case.decide"); a person's reminder to ask is "case.file".
        Step(
            "request_filing",
            _("Ask for the filing (呈请立案)"),
            emphasis=PRIMARY,
            waiting=False,
            form=FilingRequestForm,
            help=_(
                "Drafts the 呈请立案报告书: the head of the county-level or higher organ approves the "
                "filing (MPS-2020 art 178)."
            ),
        ),
        Step(
            "start_investigation",
            _("Approve the filing (立案) and start the investigation"),
            emphasis=PRIMARY,
            needs=(
                Need(
                    _(
                        "No 呈请立案报告书 awaits approval: the investigators ask for the filing first "
                        "(MPS-2020 art 178)."
                    ),
                    lambda case: case.filing_pending,
                ),
            ),
            refusal=filing.approval_refusal,
            help=_(
                "立案 (MPS-2020 art 178): issues the 立案决定书; the lead unit investigates, the accepting "
                "unit when the jurisdiction is not in question."
            ),
        ),
        Step(
            "return_filing_request",
            _("Send the request for filing back"),
            emphasis=DANGER,
            form=ReasonForm,
            confirm=_("Send the 呈请立案报告书 back to the investigators with the reason."),
        ),
        # 不予立案 (MPS-2020 arts 178, 179): cases.refusal takes these steps.
        Step(
            "request_not_filing",
            _("Ask not to file (呈请不予立案)"),
            emphasis=SECONDARY,
            waiting=False,
            form=NotFilingRequestForm,
            help=_(
                "Drafts the 呈请不予立案报告书 on a ground of MPS-2020 art 178 ¶1: the head of the "
                "county-level or higher organ decides."
            ),
        ),
        Step(
            "refuse_filing",
            _("Approve not filing (不予立案)"),
            emphasis=DANGER,
            confirm=_(
                "Decide not to file the case: the 不予立案通知书 is issued, to be served on the complainants "
                "within 3 days (MPS-2020 art 178 ¶2)."
            ),
            refusal=refusal.refusal_approval_refusal,
            # The organ's head finds the request in the inbox ("case.decide"), as a request for 立案.
            waiting=True,
            help=_("MPS-2020 art 178 ¶1: issues the 不予立案通知书."),
        ),
        Step(
            "return_not_filing_request",
            _("Send the request not to file back"),
            emphasis=SECONDARY,
            form=ReasonForm,
            confirm=_("Send the 呈请不予立案报告书 back to the investigators with the reason."),
        ),
        Step(
            "serve_refusal_notice",
            _("Record the service of the 不予立案通知书"),
            emphasis=PRIMARY,
            form=NoticeServedForm,
            needs=(
                Need(
                    _("The case has no complainant to serve (MPS-2020 art 178 ¶2)."),
                    lambda case: case.has_complainant,
                ),
            ),
            help=_("Within 3 days of the decision (MPS-2020 art 178 ¶2)."),
        ),
        Step(
            "receive_reconsideration",
            _("Record an application for 复议"),
            emphasis=SECONDARY,
            waiting=False,
            form=FilingReviewApplicationForm,
            help=_(
                "A complainant applies within 7 days of receiving the notice; the organ decides within "
                "30 days (MPS-2020 art 179 ¶1)."
            ),
        ),
        Step(
            "receive_superior_review",
            _("Record an application for 复核"),
            emphasis=SECONDARY,
            waiting=False,
            form=SuperiorReviewApplicationForm,
            help=_(
                "Against a 复议 that upheld the decision, within 7 days of receiving it; the superior organ "
                "decides within 30 days (MPS-2020 art 179 ¶2)."
            ),
        ),
        Step(
            "decide_filing_review",
            _("Decide the application (复议 / 复核)"),
            emphasis=PRIMARY,
            form=FilingReviewDecisionForm,
            refusal=refusal.review_decision_refusal,
            help=_(
                "Uphold the decision not to file, or revoke it: the case is then filed (MPS-2020 art 179)."
            ),
        ),
        Step(
            "extend_filing_review",
            _("Extend the time limit (major or complex case)"),
            emphasis=SECONDARY,
            form=FilingReviewExtensionForm,
            refusal=refusal.review_decision_refusal,
            help=_("By at most 30 days, once, telling the applicant in writing (MPS-2020 art 179 ¶3)."),
        ),
        Step(
            "reopen_for_filing",
            _("Take up again on new facts (art 178 ¶3)"),
            emphasis=SECONDARY,
            waiting=False,
            form=ReasonForm,
            help=_(
                "New facts or evidence, or an error in the facts found, call for criminal liability: the "
                "case is registered again and its filing asked for (MPS-2020 art 178 ¶3)."
            ),
        ),
        Step(
            "suspend",
            _("Suspend the investigation"),
            emphasis=SECONDARY,
            form=ReasonForm,
            help=_("For example while a suspect cannot be found (中止侦查)."),
        ),
        Step("resume", _("Resume the investigation"), emphasis=SECONDARY),
        Step(
            "transfer_for_prosecution",
            _("Transfer for prosecution"),
            emphasis=SECONDARY,
            # Only the unit with jurisdiction hands the case to the procuratorate: not while a
            # proceeding still decides which unit that is, or hands the files over (MPS-2020 arts
            # 22, 23 ¶2, 185).
            needs=(
                Need(
                    _(
                        "The jurisdiction is not settled: a jurisdiction proceeding is open on the case "
                        "(MPS-2020 art 22). The unit with jurisdiction transfers it once the proceeding "
                        "is settled and the case files are handed over (MPS-2020 arts 23, 185)."
                    ),
                    lambda case: not permissions.jurisdiction_unsettled(case),
                ),
            ),
            help=_("To the procuratorate for review and prosecution (移送审查起诉)."),
        ),
        Step(
            "close",
            _("Close the case"),
            emphasis=DANGER,
            form=ReasonForm,
            help=_("Close the case other than by transferring it for prosecution (结案)."),
            confirm=_("Close this case: its investigation ends."),
        ),
        Step(
            "revoke",
            _("Revoke the case"),
            emphasis=DANGER,
            form=ReasonForm,
            help=_("Revoke the case (撤销案件)."),
            confirm=_("Revoke this case: it is no longer a case."),
        ),
    ],
    run=_take_step,
    inbox_kinds=("case.decide", "case.serve", "case.review"),
)
