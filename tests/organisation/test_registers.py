"""The shared registers (issue 7 item 5): the expert pool and the liaison register, services and selectors.

Search by specialty and region; edits by the unit head or liaison officer of the unit or of a unit
above it, audited; a second open liaison officer of a unit is a 400 on `role`, not an IntegrityError.
"""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.api import Conflict
from core.models import AuditEvent
from organisation.demo import demo_seed
from organisation.models import (
    Availability,
    ExpertProfile,
    LiaisonAssignment,
    LiaisonRole,
    Role,
    Specialty,
)
from organisation.registers import selectors, services
from tests.support.factories.organisation import member
from tests.support.organisation import SEEDED, ensure_specialties, listed, outside, unit

pytestmark = pytest.mark.django_db

BRIEF_NAMES = [
    "电信网络诈骗", "经济犯罪", "毒品犯罪", "枪支爆炸物", "网络安全", "电子数据取证",
    "法医", "痕迹检验", "涉外案件", "法律适用", "反恐", "警务指挥",
]  # fmt: skip


# --- personas -------------------------------------------------------------------------------------


@pytest.fixture
def specialties(db):
    return ensure_specialties()


@pytest.fixture
def sichuan_head(db):
    return member("510000", Role.UNIT_HEAD, username="sichuan_head")


@pytest.fixture
def chengdu_liaison(db):
    return member("510100", Role.LIAISON_OFFICER, username="chengdu_liaison")


@pytest.fixture
def kunming_liaison(db):
    return member("530100", Role.LIAISON_OFFICER, username="kunming_liaison")


@pytest.fixture
def wuhou_officer(db):
    return member("510107", Role.INVESTIGATOR, username="wuhou_officer", department_kind="criminal")


@pytest.fixture
def chengdu_officer(db):
    return member("510100", Role.INVESTIGATOR, username="chengdu_officer", department_kind="criminal")


# --- specialties ----------------------------------------------------------------------------------


def test_migration_seeds_the_twelve_specialties(specialties):
    assert [name for _code, name in SEEDED] == BRIEF_NAMES
    names = list(Specialty.objects.order_by("sort").values_list("name", flat=True))
    assert names[:12] == BRIEF_NAMES
    assert len({code for code, _name in SEEDED}) == 12


# --- expert search --------------------------------------------------------------------------------


def test_expert_search_by_specialty_region_availability_and_name(specialties, wuhou_officer, kunming_liaison):
    wuhou = listed(
        wuhou_officer, at="510107", specialties=("telecom_fraud", "digital_forensics"), title="侦查员"
    )
    kunming = listed(kunming_liaison, at="530100", specialties=("drugs",), availability=Availability.LIMITED)
    lab = outside("周明远", "四川大学华西法医学院", at="510000", specialties=("forensic_medicine",))
    gone = outside("退休专家", "某研究所", at="510000", specialties=("telecom_fraud",), active=False)

    def ids(**filters):
        return [e.pk for e in selectors.expert_list(**filters)]

    assert ids() == [wuhou.pk, kunming.pk, lab.pk]
    assert ids(specialty="telecom_fraud") == [wuhou.pk]
    assert ids(region="51") == [wuhou.pk, lab.pk]
    assert ids(region="510000") == [wuhou.pk, lab.pk]  # the province itself and its subtree
    assert ids(region="53") == [kunming.pk]
    assert ids(region="63") == []
    assert ids(availability="limited") == [kunming.pk]
    assert ids(availability=["available", "limited"], region="53") == [kunming.pk]
    assert ids(q="华西") == [lab.pk]
    assert ids(q=wuhou_officer.full_name) == [wuhou.pk]
    assert ids(q="侦查") == [wuhou.pk]
    assert ids(active=False) == [gone.pk]
    assert ids(active=None, specialty="telecom_fraud") == [wuhou.pk, gone.pk]


@pytest.mark.parametrize("region", ["5", "510100", "00", "abc", "000000"])
def test_bad_region_is_a_field_error(region):
    with pytest.raises(ValidationError) as error:
        list(selectors.expert_list(region=region))
    assert set(error.value.message_dict) == {"region"}


def test_bad_availability_is_a_field_error():
    with pytest.raises(ValidationError) as error:
        selectors.expert_list(availability="sometimes")
    assert set(error.value.message_dict) == {"availability"}


def test_expert_list_costs_two_queries_for_any_number_of_rows(specialties, django_assert_num_queries):
    def run():
        with django_assert_num_queries(2):  # the rows with user and unit, then every row's specialties
            experts = list(selectors.expert_list(region="51"))
            return [(e.display_name, e.unit.name, [s.name for s in e.specialties.all()]) for e in experts]

    for n in range(3):
        outside(f"专家{n}", "研究所", at="510107", specialties=("drugs", "cyber_security"))
    assert len(run()) == 3
    for _n in range(3, 15):
        member_user = member("510100", Role.INVESTIGATOR)
        listed(member_user, at="510100", specialties=("trace_evidence",))
    assert len(run()) == 15


# --- expert edits ---------------------------------------------------------------------------------


def test_liaison_lists_an_officer_of_a_unit_below_and_it_is_audited(
    specialties, chengdu_liaison, wuhou_officer
):
    expert = services.expert_upsert(
        by=chengdu_liaison,
        user=wuhou_officer,
        unit=unit("510107"),
        title="电诈专家",
        specialties=["telecom_fraud", "cyber_security"],
        availability=Availability.AVAILABLE,
        phone="028-86300000",
    )
    assert expert.display_name == wuhou_officer.full_name and expert.is_active
    assert sorted(s.code for s in expert.specialties.all()) == ["cyber_security", "telecom_fraud"]
    event = AuditEvent.objects.get(action="organisation.expert.create")
    assert event.actor_id == chengdu_liaison.pk and event.acting_unit_code == "510100"
    assert event.target_id == str(expert.pk) and event.payload["unit"] == "510107"

    # Upsert by the officer: the same listing changes, and only what changed is recorded.
    again = services.expert_upsert(by=chengdu_liaison, user=wuhou_officer, availability=Availability.LIMITED)
    assert again.pk == expert.pk and again.availability == Availability.LIMITED and again.title == "电诈专家"
    update = AuditEvent.objects.get(action="organisation.expert.update")
    assert update.payload["changes"] == {"availability": {"from": "available", "to": "limited"}}

    services.expert_deactivate(by=chengdu_liaison, expert=expert, reason="调离")
    assert not ExpertProfile.objects.get(pk=expert.pk).is_active
    assert AuditEvent.objects.get(action="organisation.expert.deactivate").payload["reason"] == "调离"
    with pytest.raises(Conflict):
        services.expert_deactivate(by=chengdu_liaison, expert=expert)
    # Listing the officer again puts the same listing back on the pool.
    relisted = services.expert_upsert(by=chengdu_liaison, user=wuhou_officer, is_active=True)
    assert relisted.pk == expert.pk and relisted.is_active


def test_superior_head_may_edit_other_province_and_plain_officers_may_not(
    specialties, sichuan_head, kunming_liaison, wuhou_officer, chengdu_liaison
):
    lab = services.expert_upsert(
        by=sichuan_head,
        external_name="周明远",
        affiliation="四川大学华西法医学院",
        unit=unit("510100"),
        specialties=["forensic_medicine"],
    )
    assert lab.display_name == "周明远" and lab.user is None
    for outsider in (kunming_liaison, wuhou_officer):
        with pytest.raises(PermissionDenied):
            services.expert_upsert(by=outsider, expert=lab, availability=Availability.UNAVAILABLE)
        with pytest.raises(PermissionDenied):
            services.expert_deactivate(by=outsider, expert=lab)
    # Chengdu's liaison keeps Chengdu's listings but cannot move one up to the province.
    services.expert_upsert(by=chengdu_liaison, expert=lab, title="教授")
    with pytest.raises(PermissionDenied):
        services.expert_upsert(by=chengdu_liaison, expert=lab, unit=unit("510000"))
    assert ExpertProfile.objects.get(pk=lab.pk).unit.code == "510100"
    assert AuditEvent.objects.filter(action__startswith="organisation.expert.").count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"external_name": "无单位专家", "affiliation": "某大学", "specialties": ["drugs"]}, "unit"),
        ({"external_name": "无单位专家", "unit": "510100", "specialties": ["drugs"]}, "affiliation"),
        ({"affiliation": "某大学", "unit": "510100", "specialties": ["drugs"]}, "external_name"),
        ({"external_name": "甲", "affiliation": "乙", "unit": "510100", "specialties": []}, "specialties"),
        (
            {"external_name": "甲", "affiliation": "乙", "unit": "510100", "specialties": ["astrology"]},
            "specialties",
        ),
        ({"external_name": "甲", "affiliation": "乙", "unit": "510100"}, "specialties"),
        (
            {
                "external_name": "甲",
                "affiliation": "乙",
                "unit": "510100",
                "specialties": ["drugs"],
                "email": "x",
            },
            "email",
        ),
        (
            {
                "external_name": "甲",
                "affiliation": "乙",
                "unit": "510100",
                "specialties": ["drugs"],
                "availability": "x",
            },
            "availability",
        ),
        ({"officer": "kunming", "unit": "510100", "specialties": ["drugs"]}, "user"),
    ],
)
def test_bad_expert_input_names_the_field(specialties, sichuan_head, kunming_liaison, fields, field):
    fields = dict(fields)
    if "unit" in fields:
        fields["unit"] = unit(fields["unit"])
    if fields.pop("officer", None):
        fields["user"] = kunming_liaison  # works in Kunming, not in Chengdu
    with pytest.raises(ValidationError) as error:
        services.expert_upsert(by=sichuan_head, **fields)
    assert field in error.value.message_dict
    assert not ExpertProfile.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="organisation.expert.").exists()


def test_a_listing_stays_with_its_officer(specialties, chengdu_liaison, chengdu_officer, wuhou_officer):
    expert = listed(wuhou_officer, at="510107")
    with pytest.raises(ValidationError) as error:
        services.expert_upsert(by=chengdu_liaison, expert=expert, user=chengdu_officer)
    assert "user" in error.value.message_dict


# --- liaison register -----------------------------------------------------------------------------


def test_assign_end_and_hand_over_a_liaison_officer(chengdu_liaison, chengdu_officer, sichuan_head):
    chengdu = unit("510100")
    first = services.liaison_assign(
        by=sichuan_head, unit=chengdu, user=chengdu_liaison, phone="028-86301234", mobile="13900000001"
    )
    assert first.role == LiaisonRole.PRIMARY and first.valid_to is None
    assign = AuditEvent.objects.get(action="organisation.liaison.assign")
    assert assign.acting_unit_code == "510000" and assign.payload["user"] == "chengdu_liaison"

    # A second open liaison officer is a field error on role (the partial unique index is not reached).
    with pytest.raises(ValidationError) as error:
        services.liaison_assign(by=sichuan_head, unit=chengdu, user=chengdu_officer, mobile="13900000002")
    assert set(error.value.message_dict) == {"role"}
    deputy = services.liaison_assign(
        by=chengdu_liaison, unit=chengdu, user=chengdu_officer, role=LiaisonRole.DEPUTY, mobile="13900000002"
    )
    assert [a.pk for a in selectors.liaisons_of(chengdu)] == [first.pk, deputy.pk]

    # Hand-over: the first ends today, the deputy becomes the liaison officer from today.
    ended = services.liaison_end(by=chengdu_liaison, assignment=first, reason="轮岗")
    assert ended.valid_to == timezone.localdate()
    assert AuditEvent.objects.get(action="organisation.liaison.end").payload["reason"] == "轮岗"
    services.liaison_end(by=chengdu_liaison, assignment=deputy)
    successor = services.liaison_assign(
        by=sichuan_head, unit=chengdu, user=chengdu_officer, mobile="13900000002"
    )
    assert successor.role == LiaisonRole.PRIMARY
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert [a.pk for a in selectors.liaisons_of(chengdu, on=tomorrow)] == [successor.pk]


def test_liaison_errors_and_permissions(chengdu_liaison, chengdu_officer, kunming_liaison, wuhou_officer):
    chengdu = unit("510100")
    with pytest.raises(ValidationError) as no_contact:
        services.liaison_assign(by=chengdu_liaison, unit=chengdu, user=chengdu_officer)
    assert set(no_contact.value.message_dict) == {"phone"}
    with pytest.raises(ValidationError) as elsewhere:
        services.liaison_assign(by=chengdu_liaison, unit=chengdu, user=wuhou_officer, phone="1")
    assert set(elsewhere.value.message_dict) == {"user"}  # works in Wuhou, not in Chengdu itself
    with pytest.raises(ValidationError) as bad_role:
        services.liaison_assign(
            by=chengdu_liaison, unit=chengdu, user=chengdu_officer, role="boss", phone="1"
        )
    assert set(bad_role.value.message_dict) == {"role"}
    with pytest.raises(PermissionDenied):
        services.liaison_assign(by=kunming_liaison, unit=chengdu, user=chengdu_officer, phone="1")
    with pytest.raises(PermissionDenied):
        services.liaison_assign(by=chengdu_officer, unit=chengdu, user=chengdu_officer, phone="1")

    assignment = services.liaison_assign(by=chengdu_liaison, unit=chengdu, user=chengdu_officer, phone="1")
    with pytest.raises(ValidationError) as twice:
        services.liaison_assign(
            by=chengdu_liaison, unit=chengdu, user=chengdu_officer, role=LiaisonRole.DEPUTY, phone="1"
        )
    assert set(twice.value.message_dict) == {"user"}
    with pytest.raises(PermissionDenied):
        services.liaison_end(by=kunming_liaison, assignment=assignment)
    with pytest.raises(ValidationError) as backwards:
        services.liaison_end(
            by=chengdu_liaison,
            assignment=assignment,
            valid_to=timezone.localdate() - dt.timedelta(days=1),
        )
    assert set(backwards.value.message_dict) == {"valid_to"}
    updated = services.liaison_update(by=chengdu_liaison, assignment=assignment, mobile="13900000009")
    assert updated.mobile == "13900000009"
    assert AuditEvent.objects.get(action="organisation.liaison.update").payload["changes"] == {
        "mobile": {"from": "", "to": "13900000009"}
    }
    with pytest.raises(ValidationError) as emptied:
        services.liaison_update(by=chengdu_liaison, assignment=assignment, phone="", mobile="")
    assert set(emptied.value.message_dict) == {"phone"}

    # An assignment that ended before today can be neither ended nor changed again.
    LiaisonAssignment.objects.filter(pk=assignment.pk).update(
        valid_from=timezone.localdate() - dt.timedelta(days=30),
        valid_to=timezone.localdate() - dt.timedelta(days=2),
    )
    with pytest.raises(Conflict):
        services.liaison_end(by=chengdu_liaison, assignment=assignment)
    with pytest.raises(Conflict):
        services.liaison_update(by=chengdu_liaison, assignment=assignment, phone="2")


def test_liaison_search_by_region_and_unit_current_only_by_default(django_assert_num_queries):
    today = timezone.localdate()
    rows = {}
    for code in ("510000", "510100", "530100", "630100"):
        user = member(code, Role.LIAISON_OFFICER)
        rows[code] = LiaisonAssignment.objects.create(unit=unit(code), user=user, phone="1", valid_from=today)
    old = LiaisonAssignment.objects.create(
        unit=unit("510100"),
        user=member("510100", Role.INVESTIGATOR),
        phone="1",
        valid_from=today - dt.timedelta(days=400),
        valid_to=today - dt.timedelta(days=30),
    )
    with django_assert_num_queries(1):
        found = [(a.pk, a.unit.name, a.user.display_name) for a in selectors.liaison_list(region="51")]
    assert [pk for pk, *_ in found] == [rows["510000"].pk, rows["510100"].pk]
    assert [a.pk for a in selectors.liaison_list(unit=unit("510100"))] == [rows["510100"].pk]
    assert [a.pk for a in selectors.liaison_list(unit=unit("510100"), current=False)] == [
        rows["510100"].pk,
        old.pk,
    ]
    assert [a.pk for a in selectors.liaison_list(region="63")] == [rows["630100"].pk]
    kunming = unit("530100")
    with django_assert_num_queries(1):
        assert [a.user_id for a in selectors.liaisons_of(kunming)] == [rows["530100"].user_id]


# --- who sees contact details ---------------------------------------------------------------------


def test_contacts_only_for_operational_roles(wuhou_officer, auditor, system_admin):
    assert selectors.may_see_contacts(wuhou_officer)
    assert not selectors.may_see_contacts(auditor)
    assert not selectors.may_see_contacts(system_admin)


# --- the demo -------------------------------------------------------------------------------------


def test_demo_seeds_experts_and_liaison_officers_once(specialties):
    first = demo_seed()
    assert first.experts_created >= 5 and first.liaisons_created >= 6
    again = demo_seed()
    assert again.experts_created == 0 and again.liaisons_created == 0
    sichuan = [(a.user.username, a.role) for a in selectors.liaisons_of(unit("510000"))]
    assert sichuan == [("sichuan.liaison", LiaisonRole.PRIMARY), ("sichuan.intake", LiaisonRole.DEPUTY)]
    for code in ("500000", "510000", "520000", "530000", "540000", "630000"):
        (primary, *_deputies) = selectors.liaisons_of(unit(code))
        assert primary.role == LiaisonRole.PRIMARY and (primary.phone and primary.mobile)
    firearms = [e.display_name for e in selectors.expert_list(specialty="firearms_explosives", region="53")]
    assert len(firearms) == 1


# --- a race for the one liaison officer (PostgreSQL row locks) ------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_primaries_one_wins_the_other_is_a_role_error(organisation_loaded):
    head = member("510100", Role.UNIT_HEAD)
    candidates = [member("510100", Role.INVESTIGATOR) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def assign(user):
        try:
            barrier.wait()
            services.liaison_assign(by=head, unit=unit("510100"), user=user, phone="1")
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(sorted(error.message_dict))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=assign, args=(user,)) for user in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [["role"], "ok"]
    assert LiaisonAssignment.objects.filter(unit__code="510100", role=LiaisonRole.PRIMARY).count() == 1
    with CaptureQueriesContext(connection):
        assert len(selectors.liaisons_of(unit("510100"))) == 1
