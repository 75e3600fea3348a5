"""The officers who asked for the filing learn that the case is filed (立案, MPS-2020 art 178).

Found on the request journey (issue 20): the investigator who asked for the filing was told nothing
when the head filed the case, though the next steps are theirs (the investigation, and a request for
assistance, which carries the 立案决定书: MPS-2020 art 347 ¶2).
"""

import pytest
from django.urls import reverse
from django.utils import translation

from cases import filing
from cases.models import CaseState
from core.models import Notification
from core.notifications import localize
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, unit
from tests.support.personas import officer
from tests.support.units import WUHOU

pytestmark = pytest.mark.django_db

REASONS = "经审查，有诈骗犯罪事实，需要追究刑事责任，且属于本局管辖。"


def _filed(user, case) -> list[Notification]:
    return list(Notification.objects.filter(user=user, key__startswith=f"cases:{case.pk}:filed"))


def test_the_officers_who_asked_are_told_once_that_the_case_is_filed_mps_2020_art_178(
    django_capture_on_commit_callbacks,
):
    author = officer(WUHOU)
    asker = officer(WUHOU)  # a colleague of the case's author asks for the filing
    head = officer(WUHOU, Role.UNIT_HEAD)
    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=unit(WUHOU), created_by=author)
    with django_capture_on_commit_callbacks(execute=True):
        filing.filing_request(case=case, by=asker, reasons=REASONS)
    assert _filed(asker, case) == [] and _filed(author, case) == []

    with django_capture_on_commit_callbacks(execute=True):
        filing.filing_approve(case=case.pk, by=head)

    for user in (asker, author):
        [notice] = _filed(user, case)
        assert notice.url == reverse("cases:detail", args=[case.pk])
        with translation.override("zh-hans"):
            assert localize([notice])[0].subject.startswith("案件已立案：")
    assert _filed(head, case) == []  # the head who filed it is not told of their own decision
