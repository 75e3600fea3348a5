"""The steps of a case, declared once (core.steps): register, investigate, suspend, resume, end.

Jurisdiction is settled one way only, through a jurisdiction proceeding (jurisdiction app): the
case's own transitions open_jurisdiction_question and settle_jurisdiction are the proceeding's
effects on the case (cases.services.case_jurisdiction_question_open / case_jurisdiction_settle),
and merge_into an approved merger's; none of them is a step a page or the API offers.
"""

from django.utils.translation import gettext_lazy as _

from cases import services
from cases.forms import ReasonForm
from cases.models import Case
from core.steps import DANGER, PRIMARY, SECONDARY, Machine, Step


def _take_step(case, name, *, by, expected_state=None, **values):
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
        Step(
            "start_investigation",
            _("Start the investigation"),
            emphasis=PRIMARY,
            help=_(
                "Investigate as the lead unit; the accepting unit leads when the jurisdiction is not in "
                "question."
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
    inbox_kinds=("case.decide",),
)
