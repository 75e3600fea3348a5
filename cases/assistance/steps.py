"""The steps of an assistance request and of a property measure, declared once (core.steps).

Who may take a step is the transition's permission on the model; what it does is the service's
(cases.assistance.services: one small function per step). Here: its label, emphasis, input and what
it needs. The documents a request must carry (art 347) are needs of the steps that hand it over or
take it on (send, resubmit, accept), so a page shows those steps disabled with the missing documents
instead of refusing them only when pressed.
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cases.assistance import documents_bridge, forms, services
from cases.assistance.inbox import DRAFT_KINDS as DRAFT_INBOX_KINDS
from cases.assistance.inbox import KINDS as INBOX_KINDS
from cases.assistance.models import AssistanceRequest, PropertyMeasure
from cases.assistance_kinds import DOCUMENTS, KINDS, AssistanceKind, DocumentSource, DocumentType
from core.steps import DANGER, PRIMARY, SECONDARY, Machine, Need, Step


def _document_need(document_type) -> Need:
    spec = DOCUMENTS[document_type]

    def met(request: AssistanceRequest) -> bool:
        if document_type not in KINDS[AssistanceKind(request.kind)].documents:
            return True
        if all(missing.type != document_type for missing in request.missing_documents()):
            return True
        # A generated form issued by hand after the approval, or the case's 立案决定书 issued on its
        # filing (MPS-2020 art 347 ¶2), is attached when the request is sent.
        return documents_bridge.issued_exists(request=request, document_type=document_type)

    return Need(format_lazy(_("Missing or defective: {document}"), document=spec.label), met)


DOCUMENT_NEEDS = tuple(_document_need(document_type) for document_type in DOCUMENTS)


def _checklist_need(document_type) -> Need:
    """Need a required document ready for the approval: its scan attached, or its form drafted in full.

    The documents are a checklist from the first draft (issue 20): submitting and approving are held,
    with the document named, until each is ready, rather than refused only at 发送 (MPS-2020 art 347).
    """
    spec = DOCUMENTS[document_type]

    def met(request: AssistanceRequest) -> bool:
        if document_type not in KINDS[AssistanceKind(request.kind)].documents:
            return True
        return all(row["spec"].type != document_type for row in documents_bridge.checklist_unready(request))

    if spec.source == DocumentSource.GENERATED:
        reason = format_lazy(_("Complete the draft first: {document}"), document=spec.label)
    else:
        reason = format_lazy(_("Upload the scan first: {document}"), document=spec.label)
    return Need(reason, met)


# The case's 立案决定书 is FILING_NEED's (below): attached from the case once it is filed.
CHECKLIST_NEEDS = tuple(
    _checklist_need(document_type)
    for document_type in DOCUMENTS
    if document_type != DocumentType.CASE_FILING_DECISION
)

# Said when the request is drafted and submitted, not only when it is sent: investigative acts are
# asked for on a filed case, whose 立案决定书 the request carries (MPS-2020 art 347 ¶2).
FILING_NEED = Need(
    _(
        "The case is not filed: a request for 勘验、检查、讯问、询问 and the like carries the 立案决定书 "
        "(MPS-2020 art 347 ¶2). File the case first (立案, MPS-2020 art 178), or upload the 立案决定书 "
        "of a case filed on paper."
    ),
    documents_bridge.filing_decision_ready,
)


# Whose turn each primary step is (core.steps.Step.turn), said to an officer who sees the request but
# has only a dispute or a refusal to take: the step that moves the work on stays in front of them.
def _requester_turn(request: AssistanceRequest):
    return format_lazy(_("{unit}'s officers take this step."), unit=request.requesting_unit.name)


def _approver_turn(request: AssistanceRequest):
    return format_lazy(_("The head of {unit} approves the request."), unit=request.requesting_unit.name)


def _intake_turn(request: AssistanceRequest):
    return format_lazy(
        _("The intake officer of {unit} takes this step (归口接收, MPS-2020 art 348)."),
        unit=request.requested_unit.name,
    )


def _department_turn(request: AssistanceRequest):
    department = request.routed_department
    return format_lazy(
        _("The head of {department} assigns the officer."),
        department=department.name if department is not None else request.requested_unit.name,
    )


def _assignee_turn(request: AssistanceRequest):
    assignee = request.assignee
    name = (assignee.display_name or assignee.get_username()) if assignee is not None else ""
    return format_lazy(_("The assigned officer, {name}, takes this step."), name=name) if name else ""


def _take_request_step(request, name, *, by, expected_state=None, reason="", **fields):
    return services.request_transition(
        by=by, request=request, name=name, reason=reason, expected_state=expected_state, fields=fields
    )


REQUEST_MACHINE = Machine(
    AssistanceRequest,
    [
        # The requesting unit. A draft waits in its drafter's 待办 under the inbox's own kinds
        # (cases.assistance.inbox.DRAFT_KINDS), even while a scan is missing; submitting is no
        # waiting step of the kit, which would put every draft before every officer of the unit.
        Step(
            "submit",
            _("Submit for approval"),
            emphasis=PRIMARY,
            form=forms.NoteForm,
            waiting=False,
            needs=(FILING_NEED, *CHECKLIST_NEEDS),
        ),
        Step(
            "approve",
            _("Approve"),
            emphasis=PRIMARY,
            form=forms.NoteForm,
            needs=(FILING_NEED, *CHECKLIST_NEEDS),
            turn=_approver_turn,
            help=_(
                "A property inquiry or freeze is approved by the head of an organ of the level the law "
                "names (MPS-2020 arts 238, 239, 243 ¶2); the request shows whose."
            ),
        ),
        Step(
            "reject",
            _("Send back to the drafter"),
            emphasis=DANGER,
            form=forms.ReasonForm,
            confirm=_("Send this request back to its drafter with the reason."),
        ),
        Step(
            "send",
            _("Send"),
            emphasis=PRIMARY,
            form=forms.NoteForm,
            needs=DOCUMENT_NEEDS,
            turn=_requester_turn,
        ),
        # The requested unit's intake (art 348).
        Step("receive", _("Confirm receipt"), emphasis=PRIMARY, form=forms.NoteForm, turn=_intake_turn),
        Step(
            "request_clarification",
            _("Ask the requester a question"),
            emphasis=SECONDARY,
            form=forms.QuestionForm,
        ),
        Step(
            "answer", _("Answer the question"), emphasis=PRIMARY, form=forms.AnswerForm, turn=_requester_turn
        ),
        Step(
            "accept",
            _("Accept"),
            emphasis=PRIMARY,
            form=forms.NoteForm,
            needs=DOCUMENT_NEEDS,
            turn=_intake_turn,
        ),
        Step("acknowledge", _("Acknowledge the notice"), emphasis=PRIMARY, form=forms.NoteForm),
        Step(
            "return_request",
            _("Return for defective formalities"),
            emphasis=DANGER,
            form=forms.ReturnForm,
            confirm=_("Return this request to its requester for defective formalities (art 348)."),
            # A received request waits for its intake officer whether it is accepted or returned.
            waiting=True,
        ),
        Step(
            "resubmit",
            _("Resubmit"),
            emphasis=PRIMARY,
            form=forms.NoteForm,
            needs=DOCUMENT_NEEDS,
            turn=_requester_turn,
        ),
        Step("route", _("Route to a department"), emphasis=PRIMARY, form=forms.RouteForm, turn=_intake_turn),
        # The department and the officer doing the work.
        Step(
            "assign", _("Assign an officer"), emphasis=PRIMARY, form=forms.AssignForm, turn=_department_turn
        ),
        Step("start", _("Start work"), emphasis=PRIMARY, form=forms.NoteForm, turn=_assignee_turn),
        Step(
            "fulfil", _("Record as fulfilled"), emphasis=PRIMARY, form=forms.FulfilForm, turn=_assignee_turn
        ),
        Step("close", _("Confirm and close"), emphasis=PRIMARY, form=forms.NoteForm, turn=_requester_turn),
        # Disputes (art 356).
        Step(
            "dispute",
            _("Dispute"),
            emphasis=DANGER,
            form=forms.DisputeForm,
            confirm=_("Dispute this request: it waits until the units' common superior decides (art 356)."),
        ),
        # The next step of a dispute, but no inbox lists disputed requests.
        Step(
            "refer", _("Refer to the common superior"), emphasis=PRIMARY, form=forms.NoteForm, waiting=False
        ),
        Step("decide_proceed", _("Decide: proceed"), emphasis=PRIMARY, form=forms.DecisionForm),
        Step(
            "decide_withdraw",
            _("Decide: withdraw"),
            emphasis=DANGER,
            form=forms.DecisionForm,
            confirm=_("Decide that the request is withdrawn; both units are bound by it."),
        ),
        Step(
            "withdraw",
            _("Withdraw"),
            emphasis=DANGER,
            form=forms.ReasonForm,
            confirm=_("Withdraw this request; the requested unit stops the work."),
        ),
    ],
    run=_take_request_step,
    inbox_kinds=tuple(f"assistance_request.{key}" for key in INBOX_KINDS if key not in DRAFT_INBOX_KINDS),
)


# The service of each step of a property measure. Asking for a renewal (续冻, art 240) is a transition
# of the measure too, but no generic step: it has its own route (…/renew/, with the period asked for),
# where a head who asks approves at once (201 with the new measure; 202 when it waits).
MEASURE_SERVICES = {
    "approve_renewal": services.property_measure_approve_renewal,
    "refuse_renewal": services.property_measure_refuse_renewal,
    "unrelated": services.property_measure_found_unrelated,
    "propose_release": services.property_measure_propose_release,
    "approve_release": services.property_measure_approve_release,
    "refuse_release": services.property_measure_refuse_release,
    "release": services.property_measure_release,
}


def _take_measure_step(measure, name, *, by, expected_state=None, **values):
    return MEASURE_SERVICES[name](by=by, measure=measure, expected_state=expected_state, **values)


def _head_only_refusal(measure, user):
    # The officers who asked read why they wait once, beside the approval; a refusal step is no news.
    return services.measure_approval_refusal(measure, user, waiting=False)


# The approver's steps wait for no inbox (inbox_kinds below): the approver is notified when asked.
MEASURE_MACHINE = Machine(
    PropertyMeasure,
    [
        # Renewal (MPS-2020 art 240): the head who approved the freeze decides before it expires.
        Step(
            "approve_renewal",
            _("Approve the renewal"),
            emphasis=PRIMARY,
            form=forms.NoteForm,
            help=_("Records the new period and issues its 协助冻结财产通知书 (继续冻结, MPS-2020 art 240)."),
            waiting=False,
            refusal=services.measure_approval_refusal,
        ),
        Step(
            "refuse_renewal",
            _("Refuse the renewal"),
            emphasis=DANGER,
            form=forms.ReasonForm,
            confirm=_("Refuse the renewal: the freeze lapses when its period ends (MPS-2020 art 240)."),
            refusal=_head_only_refusal,
        ),
        Step("unrelated", _("Found unrelated"), emphasis=SECONDARY, form=forms.UnrelatedForm),
        # Release (MPS-2020 arts 233, 241): asked for, approved by the head who approved the measure
        # (its notice or decision is issued then), then recorded as released.
        Step("propose_release", _("Ask for the release"), emphasis=SECONDARY, form=forms.ReleaseReasonForm),
        Step(
            "approve_release",
            _("Approve the release"),
            emphasis=PRIMARY,
            form=forms.NoteForm,
            help=_(
                "Issues the 协助解除冻结财产通知书 of a freeze (MPS-2020 art 241), the 解除查封决定书 or "
                "解除扣押决定书 of a seal or seizure (MPS-2020 art 233)."
            ),
            waiting=False,
            refusal=services.measure_approval_refusal,
        ),
        Step(
            "refuse_release",
            _("Refuse the release"),
            emphasis=DANGER,
            form=forms.ReasonForm,
            confirm=_(
                "Refuse the release: the measure stays in force; a finding that it is unrelated is cleared."
            ),
            refusal=_head_only_refusal,
        ),
        Step("release", _("Record release"), emphasis=SECONDARY, form=forms.ReleaseForm),
    ],
    run=_take_measure_step,
    # A measure's deadlines remind whoever answers for them (core.deadline_rows); no inbox kind lists it.
    inbox_kinds=(),
)
