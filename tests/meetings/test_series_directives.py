"""A joint-meeting series' duty province issues directives on the series' behalf (issue 7 item 3)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bulletins.models import BulletinKind
from bulletins.services import bulletin_create, bulletin_transition
from meetings.models import DutyTerm
from organisation.models import Unit
from tests.support.units import CHONGQING, SICHUAN, SIX, YUNNAN

pytestmark = pytest.mark.django_db


def _directive(user, code, *, series, targets):
    return bulletin_create(
        by=user,
        issuing_unit=Unit.objects.get(code=code),
        data={
            "kind": BulletinKind.DIRECTIVE,
            "title": "联合清查涉枪涉爆隐患",
            "body": "请各成员单位组织辖区县级公安机关开展联合清查。",
            "target_spec": targets,
            "on_behalf_of_series_id": series.pk,
        },
    )


def test_only_the_duty_unit_directs_and_only_within_the_members(provinces, pan_southwest, chuanyu_legal):
    sichuan_member = pan_southwest.members.get(unit__code=SICHUAN)
    DutyTerm.objects.create(series=pan_southwest, member=sichuan_member, started_at=timezone.now())
    counties = {"levels": [3], "provinces": list(SIX)}

    bulletin = _directive(provinces[SICHUAN].head, SICHUAN, series=pan_southwest, targets=counties)
    bulletin = bulletin_transition(bulletin=bulletin, name="issue", by=provinces[SICHUAN].head)
    assert (
        bulletin.recipient_count == Unit.objects.filter(level=3, code__regex=r"^(50|51|52|53|54|63)").count()
    )
    assert bulletin.on_behalf_label == "泛西南警务合作联席会议（轮值：四川省公安厅）"

    # Not on duty: refused; and the duty unit of one series cannot act for another.
    with pytest.raises(PermissionDenied):
        _directive(provinces[YUNNAN].head, YUNNAN, series=pan_southwest, targets=counties)
    with pytest.raises(PermissionDenied):
        _directive(provinces[SICHUAN].head, SICHUAN, series=chuanyu_legal, targets=counties)
    # On duty, but the 川渝 series' members are Sichuan and Chongqing only.
    chongqing_member = chuanyu_legal.members.get(unit__code=CHONGQING)
    DutyTerm.objects.create(series=chuanyu_legal, member=chongqing_member, started_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        _directive(provinces[CHONGQING].head, CHONGQING, series=chuanyu_legal, targets=counties)
    assert "target_spec" in refused.value.message_dict or "targets" in refused.value.message_dict
