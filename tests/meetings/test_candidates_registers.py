"""Meeting participant candidates come from the expert pool too (issue 7 item 5, plan 6 §5.1 hook)."""

import pytest

from meetings import scheduling
from organisation.models import Availability, Role
from tests.support.factories.meetings import invite, meeting_in
from tests.support.factories.organisation import member
from tests.support.organisation import listed, outside
from tests.support.units import CHONGQING, GUIZHOU, YUNNAN

pytestmark = pytest.mark.django_db


def test_listed_available_experts_are_offered_after_the_member_officers(
    provinces, pan_southwest, nanming, django_assert_num_queries
):
    meeting = meeting_in(pan_southwest, host=CHONGQING, organiser=provinces[CHONGQING].liaison)
    # An investigator of a branch (not a member unit itself), listed and available.
    listed(nanming.investigator, at="520102", specialties=("telecom_fraud",))
    limited = member("530100", Role.INVESTIGATOR, username="kunming_expert")
    listed(limited, at="530100", specialties=("drugs",), availability=Availability.LIMITED)
    busy = member("510100", Role.INVESTIGATOR, username="busy_expert")
    listed(busy, at="510100", availability=Availability.UNAVAILABLE)
    unlisted = member("510100", Role.INVESTIGATOR, username="unlisted_expert")
    listed(unlisted, at="510100", active=False)
    outside("周明远", "四川大学", at="510000")  # no account: invited as a guest, never a candidate
    # A member unit's officer who is also listed stays an officer.
    listed(provinces[YUNNAN].legal, at="530000", specialties=("legal_application",))
    invite(meeting, provinces[GUIZHOU].head)

    with django_assert_num_queries(2):  # the member units, then officers and listed experts together
        candidates = scheduling.participant_candidates(meeting)
    kinds = {c.user_id: c.kind for c in candidates}
    officers = {u.pk for office in provinces.values() for u in (office.head, office.legal, office.liaison)}
    assert set(kinds) == (officers - {provinces[GUIZHOU].head.pk}) | {nanming.investigator.pk, limited.pk}
    assert kinds[nanming.investigator.pk] == kinds[limited.pk] == "expert"
    assert kinds[provinces[YUNNAN].legal.pk] == "legal"
    # Officers first, experts after them.
    assert [c.kind for c in candidates][-2:] == ["expert", "expert"]
    by_user = {c.user_id: c for c in candidates}
    assert by_user[nanming.investigator.pk].unit_name == "贵阳市公安局南明区分局"


def test_a_query_finds_listed_experts_by_specialty(provinces, pan_southwest, nanming):
    meeting = meeting_in(pan_southwest, host=CHONGQING, organiser=provinces[CHONGQING].liaison)
    listed(nanming.investigator, at="520102", specialties=("telecom_fraud",))
    found = scheduling.participant_candidates(meeting, query="电信网络")
    assert [(c.user_id, c.kind) for c in found] == [(nanming.investigator.pk, "expert")]
    # Once invited the expert is no longer proposed.
    invite(meeting, nanming.investigator, kind="expert")
    assert scheduling.participant_candidates(meeting, query="电信网络") == []
