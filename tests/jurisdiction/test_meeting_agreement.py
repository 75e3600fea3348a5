"""An agreement reached at a joint meeting (task J, plan §11.1): `agree_by_resolution`.

The jurisdiction side alone: an authority registered the way the meetings app registers its own
stands in for a published 纪要, so these tests do not depend on meetings. The transition brings
the dispute to `agreed`; the lead's legal department reviews it as any agreement.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import CaseParty, CaseState, PartyRole
from core.api import Conflict
from core.models import AuditEvent, Deadline, DeadlineState, OutboxMessage
from jurisdiction import inbox as jurisdiction_inbox
from jurisdiction import permissions as perms
from jurisdiction import services
from jurisdiction.models import TRANSITION_NAMES, JurisdictionProceeding, ProceedingParty, ProceedingState
from organisation.models import Unit
from tests.support.units import CHENGDU, MPS, SICHUAN, WUHOU

S = ProceedingState
CITATION = "《川渝公安法制执法协作联席会议纪要》（川公纪字〔2026〕3号）第2项"
REFERENCE = "meetings.resolution:901"


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def meeting_host(offices):
    """Register an authority that allows Sichuan's head (standing in for a meeting's host head)."""
    allowed = offices[SICHUAN].head

    def published_minutes_stand_in(proceeding, user):
        return user.pk == allowed.pk

    perms.register_resolution_authority(published_minutes_stand_in)
    yield allowed
    perms._resolution_authorities.remove_function(published_minutes_stand_in)


def consulting(case, offices) -> JurisdictionProceeding:
    proceeding = services.proceeding_open(case=case, by=offices[WUHOU].head, reason="多地均有管辖依据")
    return services.proceeding_transition(
        proceeding=proceeding, name="start_consultation", by=offices[WUHOU].head
    )


def agree(proceeding, by, *, lead=CHENGDU, assisting=(WUHOU,), reference=REFERENCE, citation=CITATION):
    return services.proceeding_agree_by_resolution(
        proceeding=proceeding,
        by=by,
        lead_unit=Unit.objects.get(code=lead),
        assisting_units=[Unit.objects.get(code=code) for code in assisting],
        citation=citation,
        reference=reference,
        acting_unit_code=SICHUAN,
    )


def test_refused_unless_a_registered_authority_allows_it(fraud_case, offices):
    proceeding = consulting(fraud_case, offices)
    assert "agree_by_resolution" not in TRANSITION_NAMES
    with pytest.raises(ValidationError):
        services.proceeding_transition(
            proceeding=proceeding, name="agree_by_resolution", by=offices[SICHUAN].head
        )
    # No authority stands behind Sichuan's head: no meeting issued minutes deciding this proceeding.
    with pytest.raises(PermissionDenied):
        agree(proceeding, offices[SICHUAN].head)
    proceeding.refresh_from_db()
    assert proceeding.state == S.CONSULTING and proceeding.lead_unit is None
    assert not ProceedingParty.objects.filter(proceeding=proceeding, unit__code=CHENGDU).exists()


def test_agreement_adds_the_lead_as_party_and_waits_for_legal_review(
    fraud_case, offices, meeting_host, english
):
    proceeding = consulting(fraud_case, offices)
    with pytest.raises(PermissionDenied):
        agree(proceeding, offices[WUHOU].head)  # a party cannot record a meeting's agreement itself
    with pytest.raises(ValidationError) as refused:
        agree(proceeding, meeting_host, citation=" ")
    assert "citation" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        agree(proceeding, meeting_host, assisting=(CHENGDU,))
    assert "assisting_units" in refused.value.message_dict

    proceeding = agree(proceeding, meeting_host)
    assert proceeding.state == S.AGREED and proceeding.lead_unit.code == CHENGDU
    assert proceeding.agreement_citation == CITATION and proceeding.agreement_reference == REFERENCE
    assert proceeding.outcome_reason == f"经{CITATION}议定"
    assert [unit.code for unit in proceeding.assisting_units.all()] == [WUHOU]
    # Chengdu was no party: it becomes one, in the proceeding and in the case (so it sees the case).
    assert ProceedingParty.objects.filter(proceeding=proceeding, unit__code=CHENGDU).exists()
    assert CaseParty.objects.filter(case=fraud_case, unit__code=CHENGDU, role=PartyRole.PROCEEDING).exists()
    added = AuditEvent.objects.get(action="jurisdiction.proceeding.party_add")
    assert added.payload["unit"] == CHENGDU
    event = AuditEvent.objects.get(action="jurisdiction.jurisdictionproceeding.agree_by_resolution")
    assert event.payload["citation"] == CITATION and event.payload["reference"] == REFERENCE
    assert event.payload["lead_unit"] == CHENGDU and event.payload["parties_added"] == [CHENGDU]
    assert event.acting_unit_code == SICHUAN
    deadline = Deadline.objects.get(target_id=str(proceeding.pk), rule_key="jurisdiction_consultation")
    assert deadline.state == DeadlineState.MET
    review = OutboxMessage.objects.get(
        idempotency_key=f"notify:jurisdiction:{proceeding.pk}:agreed_by_resolution:{REFERENCE}:"
        f"{offices[CHENGDU].legal.pk}"
    )
    assert review.payload["params"]["citation"] == CITATION
    # The case's lead stays until the legal review approves.
    fraud_case.refresh_from_db()
    assert fraud_case.state == CaseState.JURISDICTION_PENDING and fraud_case.lead_unit.code == WUHOU

    # Chengdu's legal officer finds it in the inbox, the review queue and the proceeding page, cited.
    items = [
        item
        for item in jurisdiction_inbox.jurisdiction_items(offices[CHENGDU].legal)
        if item.kind == "jurisdiction.review"
    ]
    assert [item.object_id for item in items] == [str(proceeding.pk)] and CITATION in items[0].title
    english.force_login(offices[CHENGDU].legal)
    queue = english.get(reverse("jurisdiction:review-queue"))
    assert queue.status_code == 200 and CITATION in queue.text and "Agreed at a joint meeting" in queue.text
    page = english.get(reverse("jurisdiction:proceeding-detail", args=[proceeding.pk]))
    assert page.status_code == 200 and CITATION in page.text

    services.proceeding_transition(
        proceeding=proceeding, name="approve_agreement", by=offices[CHENGDU].legal, reason="依据充分"
    )
    fraud_case.refresh_from_db()
    assert fraud_case.state == CaseState.UNDER_INVESTIGATION and fraud_case.lead_unit.code == CHENGDU
    assert AuditEvent.objects.filter(action="cases.case.settle_jurisdiction").count() == 1


def test_same_reference_changes_nothing_even_after_a_send_back(fraud_case, offices, meeting_host):
    proceeding = agree(consulting(fraud_case, offices), meeting_host)
    services.proceeding_transition(
        proceeding=proceeding,
        name="send_back_agreement",
        by=offices[CHENGDU].legal,
        reason="证据材料不全",
    )
    again = agree(proceeding, meeting_host)
    assert again.state == S.CONSULTING and again.lead_unit is None  # the send-back is not undone
    assert again.agreement_citation == "" and again.agreement_reference == REFERENCE
    assert (
        AuditEvent.objects.filter(action="jurisdiction.jurisdictionproceeding.agree_by_resolution").count()
        == 1
    )
    # A later meeting's resolution (another reference) may agree it again.
    later = agree(proceeding, meeting_host, lead=SICHUAN, assisting=(), reference="meetings.resolution:902")
    assert later.state == S.AGREED and later.lead_unit.code == SICHUAN


def test_from_open_but_not_once_the_request_is_with_a_superior(fraud_case, offices, meeting_host):
    proceeding = services.proceeding_open(case=fraud_case, by=offices[WUHOU].head, reason="多地均有管辖依据")
    assert proceeding.state == S.OPEN
    # Before the consultation even starts: no consultation clock to stop, the agreement stands.
    opened = agree(proceeding, meeting_host)
    assert opened.state == S.AGREED
    services.proceeding_transition(
        proceeding=proceeding, name="send_back_agreement", by=offices[CHENGDU].legal, reason="退回"
    )
    services.proceeding_transition(
        proceeding=proceeding, name="take_up", by=offices[MPS].legal, reason="案情重大，直接指定"
    )
    with pytest.raises(Conflict):
        agree(proceeding, meeting_host, reference="meetings.resolution:903")
    proceeding.refresh_from_db()
    assert proceeding.state == S.AT_SUPERIOR
