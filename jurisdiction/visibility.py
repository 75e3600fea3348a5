"""The read rules of the jurisdiction models that show case data (cases.visibility, issue 16).

Imported once by JurisdictionConfig.ready(); a module runs once per process, so each rule is
declared once.

- A proceeding shows its case: visible only within its audience and while the case is
  (jurisdiction.selectors.proceeding_visible_to).
- The rows hanging off a proceeding (parties with their reasons, the designation request with the
  suspects and facts it copied from the case, route steps, the handover list and its signatures)
  are read only through a visible proceeding.
- A merger proposal is visible to whoever sees either of its cases (jurisdiction.merger); each case
  is *shown* only to a viewer who sees it and otherwise *mentioned* under the discovery rules
  (cases.selectors.case_discovery_summary: a restricted case never by number), and the proposal's
  texts only as jurisdiction.merger.presenters.texts_visible allows.
"""

from cases.visibility import case_data_rule
from jurisdiction.merger.selectors import merger_visible_to
from jurisdiction.models import (
    DesignationRequest,
    HandoverConfirmation,
    HandoverItem,
    JurisdictionProceeding,
    MergerProposal,
    ProceedingParty,
    RouteStep,
)
from jurisdiction.selectors import proceeding_rows_visible_to, proceeding_visible_to

case_data_rule(JurisdictionProceeding, shows=("case",), visible_to=proceeding_visible_to)
case_data_rule(
    ProceedingParty,
    shows=(),
    stored_text=("reasons",),
    visible_to=proceeding_rows_visible_to(ProceedingParty),
)
case_data_rule(
    DesignationRequest,
    shows=(),
    stored_text=("suspects", "charge", "facts", "dispute", "consultation_record", "reasons"),
    visible_to=proceeding_rows_visible_to(DesignationRequest),
)
case_data_rule(RouteStep, shows=(), stored_text=("note",), visible_to=proceeding_rows_visible_to(RouteStep))
case_data_rule(
    HandoverItem,
    shows=(),
    stored_text=("description", "quantity", "note"),
    visible_to=proceeding_rows_visible_to(HandoverItem),
)
case_data_rule(HandoverConfirmation, shows=(), visible_to=proceeding_rows_visible_to(HandoverConfirmation))
case_data_rule(
    MergerProposal,
    shows=(),
    mentions=("into_case", "merged_case"),
    stored_text=("reasons", "response", "legal_review_note"),
    visible_to=merger_visible_to,
)
