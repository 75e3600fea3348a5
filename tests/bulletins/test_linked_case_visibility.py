"""A bulletin shows the case it links (and the case a recipient opened for it) only to a viewer who
may see that case now (issue 16, leak 3): an officer who reads the bulletin but gets 404 on the case
reads no case id; when the case may be seen again, the id comes back."""

import pytest

from bulletins.models import BulletinRecipient
from bulletins.services import bulletin_transition
from cases.models import Case, CaseParty, CaseState, HandlingCode, PartyRole
from cases.selectors import case_visible_to
from organisation.models import Role
from tests.support.api import token_client
from tests.support.bulletins import draft
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import member

WUHUA, NANMING = "530102", "520102"


@pytest.fixture
def case(db):
    case = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(WUHUA), handling_code=HandlingCode.NORMAL
    )
    # 南明 assists: Guizhou's provincial organ sees the case while it is not 限制.
    CaseParty.objects.create(case=case, unit=unit(NANMING), role=PartyRole.ASSISTING)
    return case


def _code(case: Case, handling: str) -> None:
    Case.objects.filter(pk=case.pk).update(handling_code=handling)


def test_linked_and_opened_case_ids_follow_the_case_visibility(yunnan_head, case):
    bulletin = draft(yunnan_head, "530000", linked_case_id=case.pk)
    bulletin_transition(bulletin=bulletin, name="issue", by=yunnan_head)
    BulletinRecipient.objects.filter(bulletin=bulletin, unit__code=NANMING).update(opened_case=case)
    guizhou = member("520000", Role.UNIT_HEAD, username="guizhou_head_linked")

    def seen(user):
        client = token_client(user)
        detail = client.get(f"/api/v1/bulletins/{bulletin.pk}/")
        assert detail.status_code == 200
        recipients = client.get(f"/api/v1/bulletins/{bulletin.pk}/recipients/")
        assert recipients.status_code == 200
        opened = {
            row["opened_case"] for row in recipients.json()["recipients"] if row["unit"]["code"] == NANMING
        }
        return detail.json()["linked_case"], opened

    assert case_visible_to(guizhou).filter(pk=case.pk).exists()
    assert seen(guizhou) == (case.pk, {case.pk})

    _code(case, HandlingCode.RESTRICTED)
    assert not case_visible_to(guizhou).filter(pk=case.pk).exists()
    assert seen(guizhou) == (None, {None})
    # The issuer, above the lead unit, still sees the case and its id.
    assert seen(yunnan_head)[0] == case.pk

    _code(case, HandlingCode.NORMAL)
    assert seen(guizhou) == (case.pk, {case.pk})
