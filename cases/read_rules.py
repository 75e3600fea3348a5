"""The read rules of the cases app's models that show case data (cases.visibility, issue 16).

Imported from CasesConfig.ready(). Each rule is the one queryset its model's reads start from:
the case itself (`case_visible_to`), its facts and parties and dossiers (only while the case is
visible), related-case matches (the own case shown, the other only mentioned as discovery allows),
access requests and grants (seen by the requester and the deciding unit; the requested case is
only mentioned to the requester, as search told of it). Assistance requests declare theirs in
cases.assistance (cases/assistance/read_rules.py).
"""

from cases import dossiers
from cases.access import selectors as access
from cases.models import (
    Case,
    CaseAccessGrant,
    CaseAccessRequest,
    CaseDossier,
    CaseLocation,
    CaseParty,
    CasePerson,
    FilingReview,
    RelatedCaseMatch,
)
from cases.selectors import case_visible_to
from cases.visibility import case_data_rule

# A case merged into another names the case it went into; that one is told only as discovery allows.
case_data_rule(Case, shows=(), mentions=("merged_into",), visible_to=case_visible_to)
case_data_rule(CaseParty, shows=("case",))
case_data_rule(CaseLocation, shows=("case",))
case_data_rule(CasePerson, shows=("case",))
# A complainant's application against a 不予立案 (MPS-2020 art 179) is seen with its case.
case_data_rule(FilingReview, shows=("case",))
case_data_rule(RelatedCaseMatch, shows=("case",), mentions=("other_case",))
case_data_rule(CaseDossier, shows=("case",), visible_to=dossiers.dossiers_visible_to)
case_data_rule(
    CaseAccessRequest,
    shows=(),
    mentions=("case", "purpose_case"),
    visible_to=access.access_requests_visible_to,
)
case_data_rule(CaseAccessGrant, shows=(), mentions=("case",), visible_to=access.access_grants_visible_to)
