"""Who sees a case: parties, their superiors (not for 限制 cases), nobody else; 404 for everyone else."""

import datetime as dt

import pytest
from django.urls import URLPattern, get_resolver
from django.utils import timezone

from cases import api_urls
from cases.models import CaseState, HandlingCode, PartyRole
from cases.selectors import case_discoverable_by, case_discovery_summary, case_visible_to
from cases.services import case_party_add, case_party_paths_refresh
from core.models import AuditEvent
from organisation.models import Role, Unit
from tests.support.api import assert_error, token_client
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, CasePersonFactory, unit
from tests.support.personas import officer
from tests.support.units import CHENGDU, KUNMING, SICHUAN, WUHOU, WUHUA, XINING


@pytest.fixture
def full_case(db):
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    person = CasePersonFactory(case=case, phones=["13812345678"])
    location = CaseLocationFactory(case=case)
    return case, person, location


def case_requests(case, person, location) -> list[tuple[str, str, dict]]:
    """Every case endpoint that names a case, with a body that would be valid for the owner."""
    base = f"/api/v1/cases/{case.pk}/"
    return [
        ("get", base, {}),
        ("patch", base, {"name": "改名"}),
        ("post", f"{base}transitions/suspend/", {"reason": "x"}),
        ("post", f"{base}transitions/close/", {"reason": "x"}),
        ("post", f"{base}transitions/no_such_transition/", {}),
        ("post", f"{base}locations/", {"role": "conduct", "division_code": WUHOU}),
        ("patch", f"{base}locations/{location.pk}/", {"address": "x"}),
        ("delete", f"{base}locations/{location.pk}/", {}),
        ("post", f"{base}persons/", {"role": "witness", "name": "x"}),
        ("patch", f"{base}persons/{person.pk}/", {"name": "x"}),
        ("delete", f"{base}persons/{person.pk}/", {}),
    ]


def test_the_requests_cover_every_case_route():
    routes = {str(p.pattern) for p in api_urls.urlpatterns if isinstance(p, URLPattern)}
    with_case = {route for route in routes if "<int:pk>" in route}
    covered = {
        "cases/<int:pk>/",
        "cases/<int:pk>/transitions/<str:name>/",
        "cases/<int:pk>/locations/",
        "cases/<int:pk>/locations/<int:location_id>/",
        "cases/<int:pk>/persons/",
        "cases/<int:pk>/persons/<int:person_id>/",
        # Dossier routes: their 404 for an uninvolved province is asserted in tests/cases/test_dossier.py.
        "cases/<int:pk>/dossiers/",
        "cases/<int:pk>/dossiers/<int:dossier_id>/",
        "cases/<int:pk>/dossiers/<int:dossier_id>/file/",
    }
    assert with_case == covered
    assert get_resolver()  # the project's URLs load


@pytest.mark.django_db
def test_an_uninvolved_province_gets_404_everywhere_and_finds_nothing(full_case, qinghai_investigator):
    case, person, location = full_case
    client = token_client(qinghai_investigator)

    for method, url, body in case_requests(case, person, location):
        assert_error(getattr(client, method)(url, body, format="json"), 404, "not_found")

    assert client.get("/api/v1/cases/").json()["results"] == []
    assert client.get("/api/v1/cases/", {"q": case.number}).json()["results"] == []
    export = client.get("/api/v1/cases/export.csv").content.decode("utf-8-sig")
    assert case.number not in export and len(export.strip().splitlines()) == 1
    case.refresh_from_db()
    assert case.name != "改名" and case.state == CaseState.UNDER_INVESTIGATION
    assert not AuditEvent.objects.filter(action="cases.case.viewed_identities").exists()


@pytest.mark.django_db
def test_the_owner_reaches_every_endpoint(full_case, wuhou_investigator):
    case, person, location = full_case
    client = token_client(wuhou_investigator)

    statuses = [
        getattr(client, method)(url, body, format="json").status_code
        for method, url, body in case_requests(case, person, location)
    ]

    # An investigator may not suspend or close (403) and there is no such transition (404).
    assert statuses == [200, 200, 403, 403, 404, 201, 200, 204, 201, 200, 204]


@pytest.mark.parametrize("code", [SICHUAN, CHENGDU, "000000"])
@pytest.mark.django_db
def test_a_superior_sees_a_wuhou_case(full_case, code):
    case, _, _ = full_case
    superior = officer(code)
    client = token_client(superior)

    assert [row["id"] for row in client.get("/api/v1/cases/").json()["results"]] == [case.pk]
    response = client.get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    assert response.json()["available_transitions"] == []


@pytest.mark.django_db
def test_a_sibling_unit_does_not_see_the_case(full_case):
    case, _, _ = full_case
    jinjiang = officer("510104")
    assert not case_visible_to(jinjiang).filter(pk=case.pk).exists()
    assert case_visible_to(officer(WUHOU)).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_a_draft_is_seen_by_its_accepting_unit_only(wuhou_investigator):
    draft = CaseFactory()

    assert list(case_visible_to(wuhou_investigator)) == [draft]
    assert not case_visible_to(officer(CHENGDU)).exists()
    assert not case_discoverable_by(officer(XINING)).exists()


@pytest.mark.parametrize(
    "handling_code", [HandlingCode.NORMAL, HandlingCode.INTERNAL, HandlingCode.RESTRICTED]
)
@pytest.mark.django_db
def test_restricted_cases_are_hidden_from_superiors_of_parties_other_than_the_lead(handling_code):
    case = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION,
        handling_code=handling_code,
        parties=[(unit(WUHUA), PartyRole.REQUESTED)],
    )
    restricted = handling_code == HandlingCode.RESTRICTED

    # The requested unit itself, and the superiors of the lead unit, always see it.
    assert case_visible_to(officer(WUHUA)).filter(pk=case.pk).exists()
    assert case_visible_to(officer(CHENGDU)).filter(pk=case.pk).exists()
    assert case_visible_to(officer(SICHUAN)).filter(pk=case.pk).exists()
    # The superior of the requested unit sees it only when it is not restricted.
    assert case_visible_to(officer(KUNMING)).filter(pk=case.pk).exists() is not restricted
    assert case_visible_to(officer("530000")).filter(pk=case.pk).exists() is not restricted
    # The ministry is above the lead unit too.
    assert case_visible_to(officer("000000")).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_a_restricted_case_before_a_lead_is_seen_above_the_accepting_unit(db):
    case = CaseFactory(state=CaseState.JURISDICTION_PENDING, handling_code=HandlingCode.RESTRICTED)
    case_party_add(case=case, unit=unit(KUNMING), role=PartyRole.PROCEEDING)

    assert case.lead_unit is None
    assert case_visible_to(officer(CHENGDU)).filter(pk=case.pk).exists()
    assert case_visible_to(officer(KUNMING)).filter(pk=case.pk).exists()
    assert not case_visible_to(officer("530000")).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_a_case_is_listed_once_however_many_parties_lie_below_the_user(db):
    case = CaseFactory(
        state=CaseState.UNDER_INVESTIGATION,
        parties=[(unit("510104"), PartyRole.ASSISTING), (unit(CHENGDU), PartyRole.REQUESTED)],
    )
    sichuan = officer(SICHUAN)
    sichuan.memberships.create(unit=unit(CHENGDU), role=Role.INVESTIGATOR)

    assert list(case_visible_to(sichuan)) == [case]


@pytest.mark.django_db
def test_auditors_and_administrators_see_nothing(full_case, auditor, system_admin):
    assert not case_visible_to(auditor).exists()
    assert not case_visible_to(system_admin).exists()
    assert not case_discoverable_by(auditor).exists()
    assert not case_discoverable_by(system_admin).exists()


@pytest.mark.django_db
def test_an_auditor_membership_adds_no_sight_to_an_investigator(db):
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    qinghai = officer(XINING)
    qinghai.memberships.create(unit=unit(SICHUAN), role=Role.AUDITOR)

    assert not case_visible_to(qinghai).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_an_expired_membership_gives_no_sight(db):
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    former = officer(WUHOU, valid_from=yesterday - dt.timedelta(days=30), valid_to=yesterday)

    assert not case_visible_to(former).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_discoverable_cases_never_include_restricted_ones_of_others(db):
    normal = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    internal = CaseFactory(state=CaseState.UNDER_INVESTIGATION, handling_code=HandlingCode.INTERNAL)
    restricted = CaseFactory(state=CaseState.UNDER_INVESTIGATION, handling_code=HandlingCode.RESTRICTED)
    qinghai = officer(XINING)
    wuhou = officer(WUHOU)

    assert set(case_discoverable_by(qinghai)) == {normal, internal}
    assert set(case_discoverable_by(wuhou)) == {normal, internal, restricted}
    assert case_discovery_summary(normal)["name"] == normal.name
    assert set(case_discovery_summary(internal)) == {"number", "unit_code", "unit_name"}
    assert case_discovery_summary(restricted) == {
        "restricted": True,
        "unit_code": WUHOU,
        "unit_name": "成都市公安局武侯区分局",
    }


@pytest.mark.django_db
def test_party_paths_follow_a_reorganised_tree(db):
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION)
    # 武侯 moves (in a test) under 绵阳: the copied paths follow after the refresh.
    wuhou = unit(WUHOU)
    Unit.objects.filter(pk=wuhou.pk).update(path="000000.510000.510700.510107")

    assert case_party_paths_refresh() == 2
    assert case_visible_to(officer("510700")).filter(pk=case.pk).exists()
    assert not case_visible_to(officer(CHENGDU)).filter(pk=case.pk).exists()
    assert case_party_paths_refresh() == 0
