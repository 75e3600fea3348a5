"""An inspection or examination (勘验、检查) elsewhere goes through the local police (MPS-2020 art 346 ¶1)."""

import pytest
from django.core.exceptions import ValidationError

from cases.assistance import services
from cases.assistance_kinds import AssistanceKind, DocumentType
from tests.support.factories.assistance import attach_all, draft_request, walk
from tests.support.personas import Cast

pytestmark = pytest.mark.django_db


def test_an_inspection_request_is_sent_with_the_filing_decision_mps_2020_arts_346_347():
    cast = Cast()
    request = draft_request(cast.investigator, kind=AssistanceKind.INSPECTION)
    attach_all(cast.investigator, request, skip=[DocumentType.CASE_FILING_DECISION])
    request = walk(request, cast, "approved")
    with pytest.raises(ValidationError) as refused:
        services.request_transition(by=cast.investigator, request=request, name="send")
    assert "立案决定书" in str(refused.value.message_dict["documents"])
    attach_all(cast.investigator, request, skip=[DocumentType.ASSISTANCE_LETTER])
    assert walk(request, cast, "accepted").state == "accepted"
