"""Bulletins drafted through the service, to the county units of the six provinces by default."""

from bulletins.models import BulletinKind
from bulletins.services import bulletin_create
from organisation.models import Unit
from tests.support import units

# A list, as the target spec holds it once stored as JSON.
SIX = list(units.SIX)


def draft(user, unit_code, *, kind=BulletinKind.WANTED_NOTICE, targets=None, **extra):
    """Draft a bulletin of the unit with this code (to every county unit of the six by default)."""
    return bulletin_create(
        by=user,
        issuing_unit=Unit.objects.get(code=unit_code),
        data={
            "kind": kind,
            "title": "涉枪涉爆协查通报",
            "body": "请各单位协助查找下列涉枪涉爆线索。",
            "target_spec": targets or {"levels": [3], "provinces": SIX},
            **extra,
        },
    )
