"""The 呈请指定管辖 form names the suspected offence by the case's charges (罪名), not its grouping.

The walk of issue 20's jurisdiction journey found the form filled with 电信网络诈骗 (the case's 案件类别)
where the 呈请报告书 names the charge, 诈骗罪 (issue 18 item 13: charges with their Criminal Law
articles; MPS-2020 art 22 asks the request to state the case).
"""

import pytest

from cases.models import Charge
from jurisdiction.forms import RequestDesignationForm
from jurisdiction.presenters import charge_text
from jurisdiction.services import proceeding_open
from tests.support.units import WUHOU

pytestmark = pytest.mark.django_db


def test_the_request_names_the_charges_of_the_case_and_the_grouping_only_without_one(fraud_case, offices):
    assert charge_text(fraud_case) == fraud_case.offence.name  # no charge recorded yet

    fraud_case.charges.set([Charge.objects.get(code="fraud"), Charge.objects.get(code="aiding_cyber_crime")])
    assert charge_text(fraud_case) == "诈骗罪、帮助信息网络犯罪活动罪"

    proceeding = proceeding_open(case=fraud_case, by=offices[WUHOU].head, reason="两地均主张管辖。")
    form = RequestDesignationForm(instance=proceeding)
    assert form.initial["charge"] == "诈骗罪、帮助信息网络犯罪活动罪"
