"""The steps of a jurisdiction proceeding, declared once (core.steps).

A dispute is consulted on (协商), agreed and reviewed by the lead's legal department, or — on a
dissent or a passed deadline — asked up level by level (层报) to the common superior, which may also
take the matter up directly and designates (MPS-2020 arts 21–23); a transfer names the unit with
jurisdiction and issues its notice (arts 175, 184); whenever the case changes hands, the unit
giving it up issues a 移送案件通知书 its head approved, and the handover (art 185) settles the
proceeding. Who may take each step is the transition's permission on the model
(jurisdiction.permissions); what a step needs before it can be taken (positions that agree, a
document through its approval chain) is declared here, so the page says why a step is not yet
possible. `settle` follows by itself (a designation without a handover, the second signature on
the handover list) and `agree_by_resolution` is a joint meeting's (meetings): neither is offered
on the page.
"""

from django.utils.translation import gettext_lazy as _

from core.steps import DANGER, PRIMARY, SECONDARY, Availability, Machine, Need, Step, check_transition
from jurisdiction import forms, selectors, services
from jurisdiction.models import JurisdictionProceeding


def _take_step(proceeding, name, *, by, expected_state=None, reason="", **fields):
    return services.proceeding_transition(
        proceeding=proceeding,
        name=name,
        by=by,
        reason=reason,
        fields=fields,
        expected_state=expected_state,
    )


EVERY_POSITION_STATED = Need(
    _("An agreement can be recorded once every party has stated its position."),
    selectors.every_position_stated,
)
POSITIONS_AGREE = Need(
    _("The positions do not agree on one lead unit: every party must speak and favour the same unit."),
    selectors.positions_agree,
)
DISSENT_OR_DEADLINE = Need(
    _(
        "The superior can be asked to designate once a party dissents or the consultation deadline "
        "has passed (MPS-2020 art 22)."
    ),
    selectors.designation_may_be_requested,
)
REPORT_APPROVED = Need(
    _("The request goes up once its 呈请报告书 has passed legal review and the head's approval."),
    selectors.report_approved,
)
DECISION_APPROVED = Need(
    _("The superior designates once the 指定管辖决定书 has passed legal review and the head's approval."),
    selectors.decision_approved,
)
NOTICE_APPROVED = Need(
    _("The handover starts once the 移送案件通知书 has passed legal review and the head's approval."),
    selectors.notice_approved,
)

PROCEEDING_MACHINE = Machine(
    JurisdictionProceeding,
    [
        Step(
            "start_consultation",
            _("Start the consultation"),
            emphasis=PRIMARY,
            help=_(
                "Every party is asked to claim, decline or propose another unit before the deadline (协商, "
                "MPS-2020 art 22)."
            ),
        ),
        # The consultation waits on the parties' positions (the inbox lists those owed), not on this.
        Step(
            "agree",
            _("Record the agreement"),
            emphasis=PRIMARY,
            form=forms.AgreeForm,
            needs=(EVERY_POSITION_STATED, POSITIONS_AGREE),
            waiting=False,
        ),
        Step(
            "approve_agreement",
            _("Approve the agreement (法制审核)"),
            emphasis=PRIMARY,
            form=forms.ReviewNoteForm,
            help=_(
                "The case gets its lead and assisting units (落实承办主体); when it changes hands, the "
                "unit holding it issues a 移送案件通知书 and hands it over (MPS-2020 arts 184, 185)."
            ),
        ),
        Step(
            "send_back_agreement",
            _("Send the agreement back"),
            emphasis=DANGER,
            form=forms.SendBackAgreementForm,
            confirm=_("Send the agreement back to the parties: the consultation resumes."),
        ),
        Step(
            "request_designation",
            _("Ask the common superior to designate (呈请指定管辖)"),
            emphasis=PRIMARY,
            form=forms.RequestDesignationForm,
            needs=(DISSENT_OR_DEADLINE,),
            waiting=False,
            help=_(
                "Drafts the 呈请报告书 in your unit's name; your legal department reviews it and your head "
                "approves it before it goes up level by level (MPS-2020 art 22)."
            ),
        ),
        Step(
            "file_designation",
            _("Sign and send the request up (层报)"),
            emphasis=PRIMARY,
            needs=(REPORT_APPROVED,),
            help=_(
                "The approved 呈请报告书 is issued and the request goes to the next superior on the route "
                "(层报)."
            ),
        ),
        Step(
            "forward",
            _("Approve and forward"),
            emphasis=PRIMARY,
            form=forms.ForwardForm,
            help=_("Passes the request to the next superior; the last one designates."),
        ),
        Step(
            "return_designation",
            _("Return the request"),
            emphasis=DANGER,
            form=forms.ReturnDesignationForm,
            confirm=_("Return the request to the filing unit."),
        ),
        Step(
            "take_up",
            _("Take up and designate directly"),
            emphasis=SECONDARY,
            form=forms.TakeUpForm,
            help=_("A superior of every party may designate directly (MPS-2020 art 22)."),
        ),
        # The superior's whole decision (draft, review, sign) is listed as one inbox kind of its own.
        Step(
            "designate",
            _("Sign the decision and designate"),
            emphasis=PRIMARY,
            needs=(DECISION_APPROVED,),
            waiting=False,
            help=_(
                "Issues the approved 指定管辖决定书 to the designated unit and every party, copied as the "
                "case needs to the procuratorate and court at the superior's level, as the decision lists "
                "them (MPS-2020 art 23; a decision of 公安部 lists none); the unit giving the case up then "
                "issues its 移送案件通知书 and hands it over (arts 184, 185)."
            ),
        ),
        Step(
            "prepare_transfer",
            _("Name the unit the case is transferred to"),
            emphasis=PRIMARY,
            form=forms.PrepareTransferForm,
            help=_(
                "Drafts the 移送案件通知书 for your head's approval: before 立案 the case moves within "
                "24 hours (MPS-2020 art 175); after 立案 there is no 24-hour limit (art 184)."
            ),
        ),
        Step(
            "start_handover",
            _("Issue the transfer notice and start the handover"),
            emphasis=PRIMARY,
            needs=(NOTICE_APPROVED,),
            help=_(
                "Issues the 移送案件通知书 your head approved and opens the handover list, which both "
                "sides sign (MPS-2020 arts 184, 185)."
            ),
        ),
        # Taken by the services themselves: a designation without a handover, the second signature.
        Step("settle", _("Settle"), emphasis=SECONDARY, page=False, waiting=False),
        Step(
            "withdraw",
            _("Withdraw the proceeding"),
            emphasis=DANGER,
            form=forms.WithdrawForm,
            confirm=_("Withdraw the proceeding: the unit holding the case goes on with it."),
            help=_("The question is moot: the unit holding the case goes on with it."),
        ),
        # A joint meeting's signed 纪要 (meetings.resolutions): never offered here.
        Step(
            "agree_by_resolution",
            _("Record the agreement of a joint meeting"),
            emphasis=SECONDARY,
            api=False,
            page=False,
            waiting=False,
        ),
    ],
    run=_take_step,
    # The kinds listing the proceedings a waiting step is open on (jurisdiction.inbox); a position,
    # the superior's decision, the handover list and a document's chain are listed under kinds of
    # their own, being no single step of this machine.
    inbox_kinds=(
        "jurisdiction.start",
        "jurisdiction.transfer",
        "jurisdiction.review",
        "jurisdiction.file",
        "jurisdiction.route",
    ),
)


OPEN = (Availability.AVAILABLE, Availability.BLOCKED)


def api_transitions(proceeding, user) -> list[str]:
    """Name the steps the API lists as open to the user now: the state allows them and the user may.

    A step still blocked by what it needs (positions that do not agree yet, a document in review)
    is listed too, as the API always listed it; its input is answered 400 naming what is missing.
    """
    return [
        step.name
        for step in PROCEEDING_MACHINE.steps
        if step.api and check_transition(proceeding, step.name, user).status in OPEN
    ]
