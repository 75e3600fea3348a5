"""A unit moved in the tree carries its cases' visibility with it (copied party paths are refreshed)."""

import pytest

from cases.models import CaseParty, CaseState
from cases.selectors import case_visible_to
from organisation.models import Role
from organisation.services import organisation_load
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import member
from tests.support.organisation import edited_copy

pytestmark = pytest.mark.django_db


def test_moving_a_unit_refreshes_party_paths_and_who_sees_its_cases(tmp_path):
    case = CaseFactory(accepting_unit=unit("513221"), state=CaseState.UNDER_INVESTIGATION)  # 汶川县公安局
    chengdu_head = member("510100", Role.UNIT_HEAD)
    aba_head = member("513200", Role.UNIT_HEAD)
    assert not case_visible_to(chengdu_head).filter(pk=case.pk).exists()
    assert case_visible_to(aba_head).filter(pk=case.pk).exists()

    def move_wenchuan_under_chengdu(rows):
        for row in rows:
            if row["code"] == "513221":
                row["parent_code"] = "510100"
        return rows

    organisation_load(path=edited_copy(tmp_path, move_wenchuan_under_chengdu))

    paths = set(CaseParty.objects.filter(case=case).values_list("unit_path", flat=True))
    assert paths == {"000000.510000.510100.513221"}
    assert case_visible_to(chengdu_head).filter(pk=case.pk).exists()
    assert not case_visible_to(aba_head).filter(pk=case.pk).exists()
