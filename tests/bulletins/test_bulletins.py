"""Bulletins and directives: targets, authority, issue to every county bureau, progress, escalation."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bulletins import authority, selectors, targets
from bulletins.models import Bulletin, BulletinKind, BulletinRecipient, BulletinState, RecipientState
from bulletins.services import (
    ACK_RULE,
    RESULT_RULE,
    TARGET_TYPE,
    bulletin_open_case,
    bulletin_transition,
    recipient_transition,
)
from core.api import Conflict
from core.deadline_rows import deadline_scan
from core.models import Deadline, DeadlineState, EscalationLevel, TimelineEntry
from organisation.models import Role, Unit, UnitLevel, User
from tests.support.bulletins import SIX, draft
from tests.support.factories.organisation import member

pytestmark = pytest.mark.django_db


# --- targets -------------------------------------------------------------------------------------


def test_every_county_bureau_of_the_six_regions_is_one_query(county_count, django_assert_num_queries):
    with django_assert_num_queries(1):
        units = list(targets.resolve({"levels": [3], "provinces": SIX}))
    assert len(units) == county_count > 500
    assert {unit.level for unit in units} == {UnitLevel.COUNTY}
    assert list(targets.resolve({"levels": [3]}).values_list("pk", flat=True)) == [u.pk for u in units]


def test_the_six_provincial_organs_and_their_subtrees():
    units = targets.resolve({"roots": SIX, "include_roots": True})
    assert units.count() == Unit.objects.exclude(code="000000").filter(is_active=True).count()
    assert set(units.filter(level=UnitLevel.PROVINCE).values_list("code", flat=True)) == set(SIX)
    below = targets.resolve({"roots": ["510000"]})
    assert "510000" not in set(below.values_list("code", flat=True))
    assert all(unit.path.startswith(Unit.objects.get(code="510000").path + ".") for unit in below)


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"levels": [0]},
        {"units": ["51"]},
        {"colour": ["red"]},
        {"include_roots": "yes", "roots": ["510000"]},
    ],
)
def test_unreadable_targets_are_refused_naming_targets(spec):
    with pytest.raises(ValidationError) as error:
        targets.clean_spec(spec)
    assert "targets" in error.value.message_dict


# --- issue, progress, escalation -----------------------------------------------------------------


def _issue_to_every_county(yunnan_head, **extra):
    bulletin = draft(yunnan_head, "530000", **extra)
    return bulletin_transition(bulletin=bulletin, name="issue", by=yunnan_head)


def test_issue_to_every_county_bureau_writes_rows_and_deadlines(
    yunnan_head, county_count, django_assert_max_num_queries
):
    bulletin = draft(yunnan_head, "530000")
    with django_assert_max_num_queries(40):  # constant: bulk writes, whatever the number of units
        bulletin = bulletin_transition(bulletin=bulletin, name="issue", by=yunnan_head)
    assert bulletin.state == BulletinState.ISSUED
    assert bulletin.recipient_count == county_count
    assert BulletinRecipient.objects.filter(bulletin=bulletin).count() == county_count
    deadlines = Deadline.objects.filter(
        target_type=TARGET_TYPE, rule_key=ACK_RULE, state=DeadlineState.RUNNING
    )
    assert deadlines.count() == county_count
    one = deadlines.get(responsible_unit_code="510107")
    assert one.requester_unit_code == "530000"
    assert one.period == "168 hours"  # ordinary urgency: one week (FD 2006/960, DOMAIN.md §4 [S])
    assert one.next_escalation_at is not None and one.next_escalation_at < one.due_at


def test_acknowledgements_arrive_in_the_progress_per_unit_and_region(
    yunnan_head, wuhou_intake, county_count, django_assert_num_queries
):
    bulletin = _issue_to_every_county(yunnan_head)
    wuhou = BulletinRecipient.objects.get(bulletin=bulletin, unit__code="510107")
    recipient_transition(recipient=wuhou, name="acknowledge", by=wuhou_intake)
    qinghai_units = list(BulletinRecipient.objects.filter(bulletin=bulletin, province_code="630000")[:3])
    for row in qinghai_units:
        head = member(row.unit.code, Role.UNIT_HEAD)
        recipient_transition(recipient=row, name="acknowledge", by=head)
    liaison = member(qinghai_units[0].unit.code, Role.LIAISON_OFFICER)
    recipient_transition(recipient=qinghai_units[0], name="report", by=liaison, result="辖区内未发现相关线索")

    with django_assert_num_queries(1):
        regions = selectors.progress_by_region(bulletin)
    by_code = {row["province_code"]: row for row in regions}
    assert set(by_code) == set(SIX)
    assert by_code["510000"]["acknowledged"] == 1
    assert by_code["630000"]["acknowledged"] == 2 and by_code["630000"]["reported"] == 1
    assert by_code["630000"]["province_name"] == Unit.objects.get(code="630000").name
    totals = selectors.progress_totals(regions)
    assert totals == {
        "total": county_count,
        "pending": county_count - 4,
        "acknowledged": 3,
        "reported": 1,
        "overdue": 0,
    }
    # Per unit: one query for every row, however many.
    with django_assert_num_queries(1):
        rows = list(selectors.recipients_visible(bulletin, yunnan_head))
    assert len(rows) == county_count
    assert {row.unit.code: row.state for row in rows}["510107"] == RecipientState.ACKNOWLEDGED
    # The acknowledgement met its deadline.
    assert Deadline.objects.get(target_type=TARGET_TYPE, target_id=str(wuhou.pk)).state == DeadlineState.MET


def test_overdue_recipients_are_reminded_and_escalated(
    yunnan_head, wuhou_intake, wuhou_liaison, county_count
):
    wuhou_head = member("510107", Role.UNIT_HEAD)
    chengdu_head = member("510100", Role.UNIT_HEAD)
    bulletin = _issue_to_every_county(yunnan_head, urgency="extra_urgent")
    assert bulletin.ack_within_hours == 8
    kunming_row = BulletinRecipient.objects.filter(bulletin=bulletin, province_code="530000").first()
    recipient_transition(
        recipient=kunming_row, name="acknowledge", by=member(kunming_row.unit.code, Role.INTAKE_OFFICER)
    )
    wuhou = BulletinRecipient.objects.get(bulletin=bulletin, unit__code="510107")
    later = wuhou.ack_due_at + dt.timedelta(hours=5)  # past due, the head's (2 h) and superior's (4 h) levels
    assert (
        selectors.progress_totals(selectors.progress_by_region(bulletin, now=later))["overdue"]
        == county_count - 1
    )

    deadline_scan(now=later)

    clock = Deadline.objects.get(target_type=TARGET_TYPE, target_id=str(wuhou.pk))
    assert clock.escalation_level == EscalationLevel.COMMON_SUPERIOR
    met = Deadline.objects.get(target_type=TARGET_TYPE, target_id=str(kunming_row.pk))
    assert met.escalation_level == EscalationLevel.NONE and met.state == DeadlineState.MET
    steps = TimelineEntry.objects.filter(
        target_type=TARGET_TYPE, target_id=str(wuhou.pk), action="deadline_escalated"
    ).values_list("data", flat=True)
    assert sorted(step["level"] for step in steps) == [2, 3, 4]  # already overdue: no "due soon"
    told = set(
        User.objects.filter(pk__in=[pk for step in steps for pk in step["recipients"]]).values_list(
            "username", flat=True
        )
    )
    # Levels 1–2: intake (organisation) and the liaison officer (bulletins); 3: the unit head;
    # 4: the head of the common superior of 云南省公安厅 and 武侯区分局 — 公安部 has none here.
    assert {"wuhou_intake", "wuhou_liaison", wuhou_head.username} <= told
    assert chengdu_head.username not in told
    # The scan sends each level once.
    assert deadline_scan(now=later) == 0


def test_directive_result_deadline_starts_at_acknowledgement_and_close_cancels(yunnan_head):
    kunming_intake = member("530100", Role.INTAKE_OFFICER)
    bulletin = draft(
        yunnan_head, "530000", kind=BulletinKind.DIRECTIVE, targets={"roots": ["530000"], "levels": [2]}
    )
    bulletin = bulletin_transition(bulletin=bulletin, name="issue", by=yunnan_head)
    assert bulletin.result_within_days == 7 and bulletin.on_behalf_label == ""
    row = BulletinRecipient.objects.get(bulletin=bulletin, unit__code="530100")
    row = recipient_transition(recipient=row, name="acknowledge", by=kunming_intake)
    assert row.result_due_at is not None
    assert Deadline.objects.filter(
        target_id=str(row.pk), rule_key=RESULT_RULE, state=DeadlineState.RUNNING
    ).exists()
    with pytest.raises(ValidationError) as error:
        recipient_transition(recipient=row, name="report", by=kunming_intake, result=" ")
    assert "result" in error.value.message_dict
    bulletin_transition(bulletin=bulletin, name="close", by=yunnan_head, reason="行动结束")
    assert not Deadline.objects.filter(target_type=TARGET_TYPE, state=DeadlineState.RUNNING).exists()
    with pytest.raises(Conflict):
        recipient_transition(recipient=row, name="report", by=kunming_intake, result="已完成")


# --- authority -----------------------------------------------------------------------------------


def test_directive_outside_own_subtree_is_refused(yunnan_head):
    with pytest.raises(ValidationError) as error:
        draft(yunnan_head, "530000", kind=BulletinKind.DIRECTIVE)
    assert "targets" in error.value.message_dict
    # A request to look out may go anywhere.
    assert draft(yunnan_head, "530000").state == BulletinState.DRAFT


def test_a_department_head_may_not_issue_a_directive(db):
    department_head = member("530000", Role.DEPARTMENT_HEAD, department_kind="criminal")
    bulletin = draft(department_head, "530000", kind=BulletinKind.DIRECTIVE, targets={"roots": ["530000"]})
    with pytest.raises(PermissionDenied):
        bulletin_transition(bulletin=bulletin, name="issue", by=department_head)


def test_the_ministry_may_direct_anywhere(db, county_count):
    minister = member("000000", Role.UNIT_HEAD)
    bulletin = draft(minister, "000000", kind=BulletinKind.DIRECTIVE)
    bulletin = bulletin_transition(bulletin=bulletin, name="issue", by=minister)
    assert bulletin.recipient_count == county_count


def test_a_series_duty_province_directs_across_provinces_on_its_behalf(yunnan_head, county_count):
    member_paths = tuple(Unit.objects.filter(code__in=SIX).values_list("path", flat=True))

    def duty_of_series_42(user, unit, series_id):
        if series_id == 42 and unit.code == "530000":
            return authority.SeriesIssuer(
                label="泛西南警务合作联席会议（轮值：云南）", member_paths=member_paths
            )
        return None

    authority.register_series_issuer(duty_of_series_42)
    try:
        with pytest.raises(PermissionDenied):
            draft(yunnan_head, "530000", kind=BulletinKind.DIRECTIVE, on_behalf_of_series_id=7)
        bulletin = draft(yunnan_head, "530000", kind=BulletinKind.DIRECTIVE, on_behalf_of_series_id=42)
        bulletin = bulletin_transition(bulletin=bulletin, name="issue", by=yunnan_head)
        assert bulletin.on_behalf_label == "泛西南警务合作联席会议（轮值：云南）"
        assert bulletin.recipient_count == county_count
        sichuan_head = member("510000", Role.UNIT_HEAD)
        with pytest.raises(PermissionDenied):
            draft(sichuan_head, "510000", kind=BulletinKind.DIRECTIVE, on_behalf_of_series_id=42)
    finally:
        authority.unregister_series_issuer(duty_of_series_42)


# --- visibility ----------------------------------------------------------------------------------


def test_visibility(yunnan_head, wuhou_intake, qinghai_investigator):
    bulletin = draft(yunnan_head, "530000", targets={"units": ["510107"]})
    assert not selectors.bulletin_visible_to(wuhou_intake).filter(pk=bulletin.pk).exists()  # a draft
    bulletin_transition(bulletin=bulletin, name="issue", by=yunnan_head)
    sichuan = member("510000", Role.LEGAL_OFFICER, department_kind="legal")
    ministry = member("000000", Role.INVESTIGATOR)
    for user in (yunnan_head, wuhou_intake, sichuan, ministry):
        assert selectors.bulletin_visible_to(user).filter(pk=bulletin.pk).exists()
    assert not selectors.bulletin_visible_to(qinghai_investigator).filter(pk=bulletin.pk).exists()
    # A recipient follows its own row only.
    assert [r.unit.code for r in selectors.recipients_visible(bulletin, wuhou_intake)] == ["510107"]

    restricted = draft(yunnan_head, "530000", targets={"units": ["510107"]}, handling_code="restricted")
    bulletin_transition(bulletin=restricted, name="issue", by=yunnan_head)
    assert selectors.bulletin_visible_to(wuhou_intake).filter(pk=restricted.pk).exists()
    assert not selectors.bulletin_visible_to(sichuan).filter(pk=restricted.pk).exists()
    assert not selectors.bulletin_visible_to(ministry).filter(pk=restricted.pk).exists()


def test_list_costs_one_query_for_any_number(yunnan_head, django_assert_num_queries):
    for _ in range(3):
        b = draft(yunnan_head, "530000", targets={"roots": ["530000"], "levels": [2]})
        bulletin_transition(bulletin=b, name="issue", by=yunnan_head)
    yunnan_head = type(yunnan_head).objects.get(pk=yunnan_head.pk)  # a fresh request's user
    with django_assert_num_queries(2):  # the standing, then the list with its counts
        few = list(selectors.bulletin_list_visible_to(yunnan_head))
    for _ in range(3):
        b = draft(yunnan_head, "530000", targets={"roots": ["530000"], "levels": [2]})
        bulletin_transition(bulletin=b, name="issue", by=yunnan_head)
    yunnan_head = type(yunnan_head).objects.get(pk=yunnan_head.pk)
    with django_assert_num_queries(2):
        many = list(selectors.bulletin_list_visible_to(yunnan_head))
    assert len(many) == len(few) + 3
    assert (
        many[0].acknowledged_count == 0
        and many[0].recipient_count == Unit.objects.filter(parent__code="530000").count()
    )


# --- a linked case -------------------------------------------------------------------------------


def test_a_directive_opens_a_case_for_the_recipient(yunnan_head):
    bulletin = draft(yunnan_head, "530000", kind=BulletinKind.DIRECTIVE, targets={"units": ["530100"]})
    bulletin_transition(bulletin=bulletin, name="issue", by=yunnan_head)
    row = BulletinRecipient.objects.get(bulletin=bulletin)
    investigator = member("530100", Role.INVESTIGATOR, department_kind="criminal")
    with pytest.raises(PermissionDenied):
        bulletin_open_case(recipient=row, by=yunnan_head)
    case = bulletin_open_case(recipient=row, by=investigator, name="4·15 涉枪案")
    assert case.accepting_unit.code == "530100" and case.name == "4·15 涉枪案"
    row.refresh_from_db()
    assert row.opened_case_id == case.pk
    with pytest.raises(Conflict):
        bulletin_open_case(recipient=row, by=investigator)


def test_supplement_cites_an_issued_bulletin(yunnan_head):
    first = draft(yunnan_head, "530000")
    with pytest.raises(ValidationError) as error:
        draft(yunnan_head, "530000", supplement_of_id=first.pk)  # still a draft
    assert "supplement_of" in error.value.message_dict
    bulletin_transition(bulletin=first, name="issue", by=yunnan_head)
    second = draft(yunnan_head, "530000", supplement_of_id=first.pk)
    assert second.supplement_of_id == first.pk
    assert Bulletin.objects.get(pk=first.pk).supplements.get() == second


def test_an_alert_from_the_ministry_reaches_all_other_622_units_and_escalates_the_silent_ones(
    django_assert_max_num_queries,
):
    """Show progress and escalation of a bulletin to all 623 units: the issuer and 622 recipients."""
    ministry_head = member("000000", Role.UNIT_HEAD, username="mps_head")
    everyone_else = Unit.objects.filter(is_active=True).exclude(code="000000").count()
    assert everyone_else + 1 == Unit.objects.filter(is_active=True).count() == 623
    bulletin = draft(
        ministry_head,
        "000000",
        kind=BulletinKind.ALERT,
        targets={"roots": SIX, "include_roots": True},
        urgency="extra_urgent",
    )
    # Bulk writes, whatever the number of recipients; the 41st is the transition path's one update of
    # the notifications that asked for a step on the bulletin (core.notifications.clear_dealt_with).
    with django_assert_max_num_queries(41):
        bulletin = bulletin_transition(bulletin=bulletin, name="issue", by=ministry_head)
    assert bulletin.recipient_count == everyone_else == 622
    # One unit of each region acknowledges.
    for province in SIX:
        row = (
            BulletinRecipient.objects.filter(bulletin=bulletin, province_code=province).order_by("id").first()
        )
        recipient_transition(recipient=row, name="acknowledge", by=member(row.unit.code, Role.INTAKE_OFFICER))
    row = BulletinRecipient.objects.filter(bulletin=bulletin).first()
    later = row.ack_due_at + dt.timedelta(hours=5)
    with django_assert_max_num_queries(3):
        regions = selectors.progress_by_region(bulletin, now=later)
    assert len(regions) == 6
    totals = selectors.progress_totals(regions)
    assert (totals["acknowledged"], totals["overdue"]) == (6, 616)
    # The scan escalates every silent recipient, each level once.
    deadline_scan(now=later)
    silent = Deadline.objects.filter(target_type=TARGET_TYPE, state=DeadlineState.RUNNING)
    assert silent.count() == 616
    assert not silent.exclude(escalation_level=EscalationLevel.COMMON_SUPERIOR).exists()
    assert deadline_scan(now=later) == 0
