"""The read rule of assistance requests (cases.visibility, issue 16); imported from AssistanceConfig.ready().

A request shows its case (number, name, facts in its documents), so `request_visible_to` keeps a
request only while its case is visible to the user, handling code included.
"""

from cases.assistance.models import AssistanceRequest
from cases.assistance.selectors import request_visible_to
from cases.visibility import case_data_rule

case_data_rule(AssistanceRequest, shows=("case",), visible_to=request_visible_to)
