"""A bulletin to every county bureau, end to end (issue 7).

Yunnan's provincial organ issues a firearms-and-explosives 协查通报 to every county bureau of the
six regions and watches the acknowledgements arrive.
"""

import pytest

from bulletins.models import BulletinKind, BulletinRecipient
from bulletins.selectors import progress_by_region
from bulletins.services import bulletin_create, bulletin_transition, recipient_transition
from organisation.models import Role, Unit, UnitLevel
from tests.support.factories.organisation import member
from tests.support.units import SIX

pytestmark = pytest.mark.django_db


def test_yunnan_sends_a_firearms_bulletin_to_every_county_bureau_and_watches_it_acknowledged():
    head = member("530000", Role.UNIT_HEAD)
    counties = Unit.objects.filter(
        level=UnitLevel.COUNTY, is_active=True, code__regex=r"^(50|51|52|53|54|63)"
    )
    bulletin = bulletin_create(
        by=head,
        issuing_unit=Unit.objects.get(code="530000"),
        data={
            "kind": BulletinKind.WANTED_NOTICE,
            "title": "关于协查涉枪涉爆线索的通报",
            "body": "请各县级公安机关协助查找下列涉枪涉爆线索，并于规定时限内签收。",
            "target_spec": {"levels": [3], "provinces": list(SIX)},
        },
    )
    bulletin = bulletin_transition(bulletin=bulletin, name="issue", by=head)
    assert bulletin.recipient_count == counties.count() > 500

    before = {row["province_code"]: row for row in progress_by_region(bulletin)}
    assert sum(row["pending"] for row in before.values()) == bulletin.recipient_count
    for code in ("510107", "520102"):
        officer = member(code, Role.INTAKE_OFFICER, department_kind="command")
        recipient = BulletinRecipient.objects.get(bulletin=bulletin, unit__code=code)
        recipient_transition(recipient=recipient, name="acknowledge", by=officer)
    after = {row["province_code"]: row for row in progress_by_region(bulletin)}
    assert after["510000"]["acknowledged"] == before["510000"]["acknowledged"] + 1
    assert after["520000"]["acknowledged"] == before["520000"]["acknowledged"] + 1
    assert after["530000"]["acknowledged"] == before["530000"]["acknowledged"]
