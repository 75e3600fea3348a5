"""Pages of the shared registers: /registers/experts/ and /registers/liaisons/, search and edit forms."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from organisation.models import Availability, ExpertProfile, LiaisonAssignment, LiaisonRole, Role
from tests.support.factories.organisation import member
from tests.support.organisation import ensure_specialties, listed, outside, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def chengdu_liaison(db):
    return member("510100", Role.LIAISON_OFFICER, username="chengdu_liaison")


@pytest.fixture
def chengdu_officer(db):
    return member("510100", Role.INVESTIGATOR, username="chengdu_officer", department_kind="criminal")


@pytest.fixture
def experts(db):
    ensure_specialties()
    officer = member("510107", Role.INVESTIGATOR, username="wuhou_expert")
    return {
        "wuhou": listed(officer, at="510107", specialties=("telecom_fraud",), phone="028-55501234"),
        "kunming": outside(
            "李专家", "云南警官学院", at="530100", specialties=("drugs",), phone="0871-55509876"
        ),
    }


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("registers:experts"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_expert_page_shows_contacts_to_officers_only(client, experts, wuhou_investigator, auditor):
    client.force_login(wuhou_investigator)
    page = client.get(reverse("registers:experts")).content.decode()
    assert "李专家" in page and "云南警官学院" in page and "028-55501234" in page and "电信网络诈骗" in page
    assert reverse("registers:expert-new") not in page  # an investigator keeps no register
    client.force_login(auditor)
    page = client.get(reverse("registers:experts")).content.decode()
    assert "李专家" in page and "028-55501234" not in page and "0871-55509876" not in page


def test_expert_search_form_filters(client, experts, wuhou_investigator):
    client.force_login(wuhou_investigator)
    url = reverse("registers:experts")
    page = client.get(url, {"specialty": "drugs"}).content.decode()
    assert "李专家" in page and "028-55501234" not in page
    page = client.get(url, {"region": "510000"}).content.decode()
    assert "028-55501234" in page and "李专家" not in page
    page = client.get(url, {"q": "警官"}).content.decode()
    assert "李专家" in page and "028-55501234" not in page
    assert '<option value="510000"' in page and '<option value="telecom_fraud"' in page


def test_expert_page_queries_do_not_grow_with_rows(client, experts, wuhou_investigator):
    client.force_login(wuhou_investigator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("registers:experts"))
        assert response.status_code == 200
        return len(queries), len(response.context["experts"])

    few = count()
    for n in range(15):
        outside(f"专家{n}", "研究所", at="520100", specialties=("drugs", "trace_evidence"))
    many = count()
    assert few[1] == 2 and many[1] == 17 and few[0] == many[0]


def test_list_an_expert_through_the_form(client, chengdu_liaison, chengdu_officer, wuhou_investigator):
    ensure_specialties()
    client.force_login(wuhou_investigator)
    assert client.get(reverse("registers:expert-new")).status_code == 403
    client.force_login(chengdu_liaison)
    assert client.get(reverse("registers:expert-new")).status_code == 200
    form = {
        "user": "chengdu_officer",
        "unit": "510100",
        "title": "经侦骨干",
        "specialties": ["economic_crime", "telecom_fraud"],
        "availability": Availability.AVAILABLE,
        "phone": "028-1",
    }
    response = client.post(reverse("registers:expert-new"), form)
    assert response.status_code == 302 and response["Location"] == reverse("registers:experts")
    expert = ExpertProfile.objects.get(user=chengdu_officer)
    assert expert.title == "经侦骨干" and expert.specialties.count() == 2
    assert AuditEvent.objects.filter(action="organisation.expert.create", target_id=str(expert.pk)).exists()

    # The service's field error comes back on the form: an outside expert needs an affiliation.
    bad = client.post(
        reverse("registers:expert-new"),
        {"external_name": "甲", "unit": "510100", "specialties": ["drugs"], "availability": "available"},
    )
    assert bad.status_code == 400
    assert "affiliation" in bad.context["form"].errors

    page = client.get(reverse("registers:experts")).content.decode()
    assert reverse("registers:expert-edit", args=[expert.pk]) in page
    edit = client.post(
        reverse("registers:expert-edit", args=[expert.pk]),
        {**form, "availability": Availability.LIMITED, "user": "someone_else"},
    )
    assert edit.status_code == 302
    expert.refresh_from_db()
    assert expert.availability == Availability.LIMITED and expert.user_id == chengdu_officer.pk

    outsider = member("530100", Role.LIAISON_OFFICER)
    client.force_login(outsider)
    assert client.get(reverse("registers:expert-edit", args=[expert.pk])).status_code == 403
    assert client.post(reverse("registers:expert-end", args=[expert.pk])).status_code == 403
    client.force_login(chengdu_liaison)
    assert (
        client.post(reverse("registers:expert-end", args=[expert.pk]), {"reason": "调离"}).status_code == 302
    )
    expert.refresh_from_db()
    assert not expert.is_active


def test_liaison_page_and_forms(client, chengdu_liaison, chengdu_officer, auditor):
    client.force_login(chengdu_liaison)
    url = reverse("registers:liaison-new")
    ok = client.post(
        url, {"unit": "510100", "user": "chengdu_liaison", "role": "primary", "mobile": "13900000001"}
    )
    assert ok.status_code == 302
    clash = client.post(url, {"unit": "510100", "user": "chengdu_officer", "role": "primary", "mobile": "1"})
    assert clash.status_code == 400 and "role" in clash.context["form"].errors
    unknown = client.post(url, {"unit": "999999", "user": "chengdu_officer", "role": "deputy", "mobile": "1"})
    assert unknown.status_code == 400 and "unit" in unknown.context["form"].errors
    primary = LiaisonAssignment.objects.get(unit__code="510100", role=LiaisonRole.PRIMARY)

    page = client.get(reverse("registers:liaisons"), {"region": "510000"}).content.decode()
    assert "13900000001" in page and reverse("registers:liaison-edit", args=[primary.pk]) in page
    client.force_login(auditor)
    page = client.get(reverse("registers:liaisons"), {"unit": "510100"}).content.decode()
    assert chengdu_liaison.full_name in page and "13900000001" not in page
    assert client.get(reverse("registers:liaison-edit", args=[primary.pk])).status_code == 403

    client.force_login(chengdu_liaison)
    edit = client.post(reverse("registers:liaison-edit", args=[primary.pk]), {"phone": "028-2", "mobile": ""})
    assert edit.status_code == 302
    primary.refresh_from_db()
    assert (primary.phone, primary.mobile) == ("028-2", "")
    end = client.post(reverse("registers:liaison-end", args=[primary.pk]), {"reason": "轮岗"})
    assert end.status_code == 302
    primary.refresh_from_db()
    assert primary.valid_to == timezone.localdate()


def test_liaison_page_queries_do_not_grow_with_rows(client, wuhou_investigator):
    client.force_login(wuhou_investigator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("registers:liaisons"))
        assert response.status_code == 200
        return len(queries), len(response.context["assignments"])

    for code in ("510000", "520000"):
        LiaisonAssignment.objects.create(unit=unit(code), user=member(code, Role.LIAISON_OFFICER), phone="1")
    few = count()
    for code in ("530000", "540000", "630000", "500000", "510100", "530100"):
        LiaisonAssignment.objects.create(unit=unit(code), user=member(code, Role.LIAISON_OFFICER), phone="1")
    many = count()
    assert few[1] == 2 and many[1] == 8 and few[0] == many[0]
