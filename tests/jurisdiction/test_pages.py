"""The pages of jurisdiction proceedings: the proceeding page and its steps, the case panel, the queues."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseState
from documents.models import Document, DocumentState
from jurisdiction import services
from jurisdiction.models import (
    HandoverItem,
    JurisdictionProceeding,
    ProceedingParty,
    ProceedingState,
)
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, CaseLocationFactory, unit
from tests.support.factories.organisation import member
from tests.support.jurisdiction import hand_over_notice, walk_document
from tests.support.pages import EXTERNAL, INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from tests.support.units import CHENGDU, MPS, NANMING, SICHUAN, WUHOU, WUHUA, YUZHONG

S = ProceedingState


@pytest.fixture
def english(client):
    """Answer in English, so assertions on labels do not depend on the state of the catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def detail(proceeding) -> str:
    return reverse("jurisdiction:proceeding-detail", args=[proceeding.pk])


# The page's forms that are no step of the machine, each at its own address.
FORM_URLS = {
    "position": "jurisdiction:proceeding-position",
    "decision_draft": "jurisdiction:proceeding-decision",
    "handover_add": "jurisdiction:handover-add",
    "handover_confirm": "jurisdiction:handover-confirm",
    "complainants_notified": "jurisdiction:complainants-notified",
}


def action(proceeding, name: str) -> str:
    if name in FORM_URLS:
        return reverse(FORM_URLS[name], args=[proceeding.pk])
    return reverse("jurisdiction:proceeding-transition", args=[proceeding.pk, name])


def document_step(proceeding, document, name: str) -> str:
    return reverse("jurisdiction:document-transition", args=[proceeding.pk, document.pk, name])


def as_user(client, user):
    client.force_login(user)
    return client


def post(client, user, proceeding, name: str, data: dict | None = None, *, expected: str | None = None):
    """Post a step's form as the page would, with the state the page showed."""
    proceeding.refresh_from_db()
    payload = {"expected_state": expected or proceeding.state, **(data or {})}
    return as_user(client, user).post(action(proceeding, name), payload)


FORM_NAMES = {
    "positions": "position",
    "decision": "decision_draft",
    "handover": "handover_add",
    "handover/confirm": "handover_confirm",
    "complainants-notified": "complainants_notified",
    "family-notified": "family_notified",
}
# A form the page offers; a step not yet possible is shown disabled (`next-step--blocked`), not offered.
OFFERED = re.compile(
    r'<form class="next-step(?: next-step--(?:primary|secondary|danger))?(?: next-step--cautious)?" '
    r'method="post" action="/jurisdiction/\d+/(transitions/[a-z_]+|[a-z/-]+)/"'
)


def actions_offered(response) -> set[str]:
    """Name the steps and other forms the page offers to take now (their action URLs)."""
    return {
        found.removeprefix("transitions/") if found.startswith("transitions/") else FORM_NAMES[found]
        for found in OFFERED.findall(response.text)
    }


def open_dispute(case, offices):
    return services.proceeding_open(
        case=case, by=offices[WUHOU].head, reason="多地均有管辖依据，需协商确定主办单位"
    )


def consulting(case, offices):
    proceeding = open_dispute(case, offices)
    return services.proceeding_transition(
        proceeding=proceeding, name="start_consultation", by=offices[WUHOU].head
    )


def position(proceeding, code, offices, value, reasons="意见", proposed=None):
    return services.position_record(
        proceeding=proceeding,
        unit=unit(code),
        by=offices[code].legal,
        position=value,
        reasons=reasons,
        proposed_unit=unit(proposed) if proposed else None,
    )


def assert_clean(response):
    """Nothing from outside the server, no inline script, style or handler (the CSP forbids them)."""
    html = response.text
    assert not EXTERNAL.findall(html)
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_STYLE.findall(html)
    assert not INLINE_HANDLER.findall(html)


# --- the case panel and opening ---------------------------------------------------------------------


def test_the_case_panel_shows_the_live_analysis_and_opens_a_consultation(english, fraud_case, offices):
    case_url = reverse("cases:detail", args=[fraud_case.pk])
    open_url = reverse("jurisdiction:proceeding-open", args=[fraud_case.pk])
    response = as_user(english, offices[WUHOU].investigator).get(case_url)
    assert response.status_code == 200
    html = response.text
    # Before any proceeding the investigator sees the candidates, their bases and the recommendation.
    for name in ("昆明市公安局五华区分局", "重庆市公安局渝中区分局", "贵阳市公安局南明区分局"):
        assert name in html
    assert "MPS-2020 art 17" in html and "MPS-2020 art 21" in html
    assert "accepted the case first" in html  # the recommendation's explanation
    assert open_url not in html  # an investigator may not open a proceeding

    response = as_user(english, offices[WUHOU].head).get(case_url)
    assert open_url in response.text
    assert_clean(response)

    # An empty reason comes back on its field, in place for htmx, on its own page without.
    response = english.post(open_url, {"kind": "dispute", "reason": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="jurisdiction-open-form"' in response.text
    assert "<html" not in response.text
    assert "This field is required." in response.text
    response = english.post(open_url, {"kind": "dispute", "reason": "争议", "extra_units": "999999"})
    assert response.status_code == 400 and "999999" in response.text

    response = english.post(open_url, {"kind": "dispute", "reason": "多地均有管辖依据"})
    proceeding = JurisdictionProceeding.objects.get(case=fraud_case)
    assert response.status_code == 302 and response.url == detail(proceeding)
    assert proceeding.state == S.OPEN
    assert set(proceeding.parties.values_list("unit__code", flat=True)) == {WUHOU, WUHUA, NANMING, YUZHONG}

    # Now the panel shows the proceeding, what it waits for and the head's next step.
    html = english.get(case_url).text
    assert detail(proceeding) in html
    assert "Start the consultation" in html
    assert open_url not in html
    # A second opening is refused: one active proceeding per case.
    response = english.post(open_url, {"kind": "dispute", "reason": "再次"})
    assert response.status_code == 409


def test_a_transfer_is_opened_prepared_and_handed_over_through_the_pages(english, offices):
    case = CaseFactory(
        accepting_unit=unit(WUHOU), state=CaseState.REGISTERED, created_by=offices[WUHOU].investigator
    )
    head = offices[WUHOU].head
    # From the panel with htmx: the browser is sent on to the new proceeding's page.
    response = as_user(english, head).post(
        reverse("jurisdiction:proceeding-open", args=[case.pk]),
        {"kind": "transfer", "reason": "犯罪地不在本辖区"},
        headers={"HX-Request": "true"},
    )
    proceeding = JurisdictionProceeding.objects.get(case=case)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == detail(proceeding)
    assert proceeding.kind == "transfer"
    page = english.get(detail(proceeding))
    assert {"prepare_transfer", "withdraw"} <= actions_offered(page)
    assert "Transfer a case outside the unit&#x27;s jurisdiction" in page.text  # the 24-hour deadline

    response = post(
        english, head, proceeding, "prepare_transfer", {"lead_unit": "12", "reason": "犯罪地在五华区"}
    )
    assert response.status_code == 400 and "six-digit" in response.text
    response = post(
        english, head, proceeding, "prepare_transfer", {"lead_unit": WUHUA, "reason": "犯罪地在五华区"}
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.TRANSFERRING and proceeding.lead_unit.code == WUHUA

    notice = Document.objects.get(kind="case_transfer_notice", link_target_id=str(proceeding.pk))
    response = post(english, head, proceeding, "start_handover")
    assert response.status_code == 400 and "移送案件通知书" in response.text  # not approved yet
    walk_document(notice, offices[WUHOU])
    response = post(english, head, proceeding, "start_handover")
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.HANDOVER


# --- the consultation -------------------------------------------------------------------------------


def test_a_consultation_runs_through_the_page_to_the_approved_agreement(english, fraud_case, offices):
    proceeding = open_dispute(fraud_case, offices)
    page = as_user(english, offices[WUHOU].head).get(detail(proceeding))
    assert page.status_code == 200
    assert {"start_consultation", "withdraw"} <= actions_offered(page)
    assert not actions_offered(as_user(english, offices[WUHUA].head).get(detail(proceeding)))

    assert post(english, offices[WUHOU].head, proceeding, "start_consultation").status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.CONSULTING

    page = as_user(english, offices[WUHUA].legal).get(detail(proceeding))
    html = page.text
    assert_clean(page)
    # Candidates with their bases and citations, the factors side by side with the leaders marked.
    # the suspects' residence founds its basis by art 15 (art 16 only defines it; corrected in issue 18)
    assert "MPS-2020 art 17" in html and "MPS-2020 art 15" in html
    assert "<mark><strong>37 victim(s)</strong></mark>" in html
    assert "<mark><strong>loss 1,250,000.00 yuan</strong></mark>" in html
    assert "with no score and no order among them" in html
    # The consultation deadline as time left, and the party's own position form only.
    assert "State a position in a jurisdiction consultation" in html
    assert re.search(r"\d+ days? \d+ hours? left|\d+ days? left", html)
    assert f'name="unit" value="{WUHUA}"' in html
    assert f'name="unit" value="{WUHOU}"' not in html

    # A position without reasons comes back with the error on the field and what was typed kept.
    response = post(
        english, offices[WUHUA].legal, proceeding, "position", {"unit": WUHUA, "position": "claim"}
    )
    assert response.status_code == 400
    assert re.search(r'id="id_position_530102_reasons"', response.text)
    assert "This field is required." in response.text
    # Speaking for another party's unit is refused.
    response = post(
        english,
        offices[WUHUA].legal,
        proceeding,
        "position",
        {"unit": WUHOU, "position": "claim", "reasons": "x"},
    )
    assert response.status_code == 403

    for code, data in [
        (WUHUA, {"position": "claim", "reasons": "被害人多数在五华区"}),
        (WUHOU, {"position": "propose", "proposed_unit": WUHUA, "reasons": "被害人及损失集中在昆明"}),
        (YUZHONG, {"position": "propose", "proposed_unit": WUHUA, "reasons": "被害人及损失集中在昆明"}),
        (NANMING, {"position": "decline", "reasons": "仅为嫌疑人户籍地"}),
    ]:
        response = post(english, offices[code].legal, proceeding, "position", {"unit": code, **data})
        assert response.status_code == 302, code
    assert not ProceedingParty.objects.filter(proceeding=proceeding, position="").exists()

    page = as_user(english, offices[WUHOU].head).get(detail(proceeding))
    assert "agree" in actions_offered(page)
    assert "The positions agree on 昆明市公安局五华区分局" in page.text
    response = post(english, offices[WUHOU].head, proceeding, "agree", {"assisting_units": [WUHOU]})
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.AGREED and proceeding.lead_unit.code == WUHUA

    # Only the proposed lead's legal department reviews it.
    assert "approve_agreement" not in actions_offered(
        as_user(english, offices[WUHOU].legal).get(detail(proceeding))
    )
    page = as_user(english, offices[WUHUA].legal).get(detail(proceeding))
    assert {"approve_agreement", "send_back_agreement"} <= actions_offered(page)
    response = post(english, offices[WUHOU].legal, proceeding, "approve_agreement", {"reason": ""})
    assert response.status_code == 403
    response = post(
        english, offices[WUHUA].legal, proceeding, "approve_agreement", {"reason": "管辖依据充分"}
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    fraud_case.refresh_from_db()
    # MPS-2020 arts 184, 185: the case changes hands; Chengdu's notice and the handover come first.
    assert proceeding.state == S.TRANSFERRING and fraud_case.lead_unit.code == WUHUA
    page = english.get(detail(proceeding))
    assert "Agreement approved" in page.text  # the timeline
    head = offices[WUHOU].head
    assert post(english, head, proceeding, "start_handover").status_code == 400  # notice not approved
    proceeding = hand_over_notice(proceeding, offices[WUHOU])
    services.handover_item_add(proceeding=proceeding, by=head, kind="file", description="案卷2册")
    services.handover_confirm(proceeding=proceeding, by=head)
    services.handover_confirm(proceeding=proceeding, by=offices[WUHUA].head)
    proceeding.refresh_from_db()
    assert proceeding.state == S.SETTLED
    page = english.get(detail(proceeding))
    assert "Settled: 昆明市公安局五华区分局 leads the case." in page.text


def test_a_stale_page_answers_409_and_the_default_language_renders(client, english, fraud_case, offices):
    proceeding = consulting(fraud_case, offices)
    # Someone else withdrew it while the page was open.
    services.proceeding_transition(
        proceeding=proceeding, name="withdraw", by=offices[WUHOU].head, reason="争议已消除"
    )
    response = post(english, offices[WUHOU].head, proceeding, "agree", expected=S.CONSULTING)
    assert response.status_code == 409
    assert "Withdrawn" in response.text and "check it and choose again" in response.text
    response = post(
        english,
        offices[WUHUA].legal,
        proceeding,
        "position",
        {"unit": WUHUA, "position": "claim", "reasons": "x"},
    )
    assert response.status_code == 409
    # The former addresses answer 308 to where the forms live now, so a form posted there still lands.
    for name in ("agree", "position", "handover_confirm"):
        moved = english.post(reverse("jurisdiction:proceeding-action", args=[proceeding.pk, name]), {})
        assert moved.status_code == 308 and moved["Location"] == action(proceeding, name)
    # The Chinese page (the default) renders too.
    client.cookies.clear()
    response = as_user(client, offices[WUHOU].head).get(detail(proceeding))
    assert response.status_code == 200 and 'lang="zh-hans"' in response.text


# --- designation, documents, handover -----------------------------------------------------------------


def test_designation_goes_up_through_the_pages_and_the_handover_is_signed(english, fraud_case, offices):
    proceeding = consulting(fraud_case, offices)
    position(proceeding, WUHOU, offices, "claim", "最初受理")
    position(proceeding, WUHUA, offices, "claim", "被害人多数在五华区")

    page = as_user(english, offices[WUHOU].legal).get(detail(proceeding))
    assert "request_designation" in actions_offered(page)
    assert "agree" not in actions_offered(page)
    # The request is prefilled with the case's suspects and offence.
    assert "吉某某，男，1990年3月7日生" in page.text and "王某" in page.text
    assert f">{fraud_case.offence.name}<" in page.text or f'value="{fraud_case.offence.name}"' in page.text
    response = post(english, offices[WUHOU].legal, proceeding, "request_designation", {"charge": "诈骗罪"})
    assert response.status_code == 400
    response = post(
        english,
        offices[WUHOU].legal,
        proceeding,
        "request_designation",
        {
            "suspects": "吉某某，男，1990年3月7日生",
            "charge": "诈骗罪",
            "facts": "犯罪嫌疑人利用位于重庆的服务器实施电信网络诈骗",
            "dispute": "武侯区分局与五华区分局均主张管辖",
            "reasons": "被害人及损失集中在昆明",
            "proposed_unit": WUHUA,
        },
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.DESIGNATION_REQUESTED
    report = proceeding.designation_requests.get().report_document

    # The 呈请报告书 goes through its chain from the proceeding page: submit, legal review, approval.
    def step(user, name, data=None):
        report.refresh_from_db()
        return as_user(english, user).post(
            document_step(proceeding, report, name),
            {"expected_state": report.state, **(data or {})},
        )

    # The head is offered to send the request up only once its report is approved.
    page = as_user(english, offices[WUHOU].head).get(detail(proceeding))
    assert "file_designation" not in actions_offered(page)
    assert "The 呈请报告书 is waiting to be submitted by an officer of 成都市公安局武侯区分局." in page.text
    assert post(english, offices[WUHOU].head, proceeding, "file_designation").status_code == 400
    assert (
        step(offices[WUHOU].legal, "submit_for_review").status_code == 403
    )  # a legal officer does not submit
    assert step(offices[WUHOU].head, "submit_for_review").status_code == 302
    assert step(offices[WUHOU].legal, "send_back").status_code == 400  # needs the reason
    assert step(offices[WUHOU].legal, "approve_review").status_code == 302
    response = as_user(english, offices[WUHOU].head).post(
        document_step(proceeding, report, "approve"),
        {"expected_state": DocumentState.LEGAL_REVIEW},
    )
    assert response.status_code == 409  # the page showed the review, it has moved on
    assert step(offices[WUHOU].head, "approve").status_code == 302
    moved = english.post(reverse("jurisdiction:document-step", args=[proceeding.pk, report.pk, "approve"]))
    assert moved.status_code == 308 and moved["Location"] == document_step(proceeding, report, "approve")
    report.refresh_from_db()
    assert report.state == DocumentState.APPROVED

    assert "file_designation" not in actions_offered(
        as_user(english, offices[WUHOU].legal).get(detail(proceeding))
    )
    assert "file_designation" in actions_offered(
        as_user(english, offices[WUHOU].head).get(detail(proceeding))
    )
    assert post(english, offices[WUHOU].head, proceeding, "file_designation").status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.FORWARDING and proceeding.current_route_unit_id == unit(CHENGDU).pk

    # Level by level: Chengdu, then Sichuan; the route shows who holds the request.
    page = as_user(english, offices[CHENGDU].head).get(detail(proceeding))
    assert {"forward", "return_designation"} <= actions_offered(page)
    assert "Holds the request now" in page.text
    assert post(english, offices[SICHUAN].head, proceeding, "forward").status_code == 403
    assert (
        post(english, offices[CHENGDU].head, proceeding, "forward", {"reason": "同意上报"}).status_code == 302
    )
    assert (
        post(english, offices[SICHUAN].legal, proceeding, "forward", {"reason": "同意上报"}).status_code
        == 302
    )
    proceeding.refresh_from_db()
    assert proceeding.state == S.AT_SUPERIOR and proceeding.superior_unit.code == MPS

    # At the ministry: the decision is drafted on the page, reviewed and approved, then signed.
    page = as_user(english, offices[MPS].head).get(detail(proceeding))
    assert "decision_draft" in actions_offered(page)
    assert post(english, offices[MPS].head, proceeding, "designate").status_code == 400  # no decision yet
    response = as_user(english, offices[MPS].head).post(
        action(proceeding, "decision_draft"), {"lead_unit": WUHUA, "reason": "被害人及损失主要在昆明"}
    )
    assert response.status_code == 302
    decision = Document.objects.get(
        kind="jurisdiction_designation_decision", link_target_id=str(proceeding.pk)
    )
    assert "designate" not in actions_offered(as_user(english, offices[MPS].head).get(detail(proceeding)))
    walk_document(decision, offices[MPS])
    assert "designate" in actions_offered(as_user(english, offices[MPS].head).get(detail(proceeding)))
    assert post(english, offices[MPS].head, proceeding, "designate").status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.DESIGNATED and proceeding.lead_unit.code == WUHUA
    # MPS-2020 arts 23 ¶2, 184: Chengdu's head approves its 移送案件通知书, then it is issued.
    page = as_user(english, offices[WUHOU].head).get(detail(proceeding))
    assert "The 移送案件通知书 is" in page.text and "sign the same handover list" not in page.text
    notice = Document.objects.get(kind="case_transfer_notice", link_target_id=str(proceeding.pk))
    assert post(english, offices[WUHOU].head, proceeding, "start_handover").status_code == 400
    walk_document(notice, offices[WUHOU])
    assert "start_handover" in actions_offered(as_user(english, offices[WUHOU].head).get(detail(proceeding)))
    assert post(english, offices[WUHOU].head, proceeding, "start_handover").status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.HANDOVER

    # The handover: Chengdu's officers write the list, both sides sign the list they see.
    page = as_user(english, offices[WUHOU].investigator).get(detail(proceeding))
    assert "handover_add" in actions_offered(page)
    assert "handover_add" not in actions_offered(
        as_user(english, offices[WUHUA].head).get(detail(proceeding))
    )
    for kind, description in [
        ("suspect", "犯罪嫌疑人吉某某"),
        ("property", "扣押手机2部"),
        ("file", "案卷3册"),
    ]:
        response = as_user(english, offices[WUHOU].investigator).post(
            action(proceeding, "handover_add"), {"kind": kind, "description": description}
        )
        assert response.status_code == 302
    extra = HandoverItem.objects.create(
        proceeding=proceeding, kind="file", description="多余", added_by=offices[WUHOU].investigator
    )
    response = english.post(reverse("jurisdiction:handover-remove", args=[proceeding.pk, extra.pk]))
    assert response.status_code == 302 and not HandoverItem.objects.filter(pk=extra.pk).exists()

    page = as_user(english, offices[WUHOU].head).get(detail(proceeding))
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page.text).group(1)
    assert digest == services.handover_digest(proceeding)
    response = as_user(english, offices[WUHOU].head).post(
        action(proceeding, "handover_confirm"), {"digest": digest}
    )
    assert response.status_code == 302
    response = as_user(english, offices[WUHUA].head).post(
        action(proceeding, "handover_confirm"), {"digest": "0" * 64}
    )
    assert response.status_code == 409  # a list other than the one signed
    response = as_user(english, offices[WUHUA].head).post(
        action(proceeding, "handover_confirm"), {"digest": digest}
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.SETTLED

    page = as_user(english, offices[WUHOU].investigator).get(detail(proceeding))
    assert "complainants_notified" in actions_offered(page)
    for kind in ("report_for_approval", "jurisdiction_designation_decision", "handover_list"):
        document = Document.objects.get(kind=kind, link_target_id=str(proceeding.pk))
        assert document.state == DocumentState.ISSUED
        assert document.title in page.text
    response = as_user(english, offices[WUHOU].investigator).post(
        action(proceeding, "complainants_notified"), {"note": "2026年4月20日书面告知"}
    )
    assert response.status_code == 302
    assert "complainants_notified" not in actions_offered(english.get(detail(proceeding)))


def test_the_superior_takes_up_the_matter_from_the_page(english, fraud_case, offices):
    proceeding = consulting(fraud_case, offices)
    assert "take_up" not in actions_offered(as_user(english, offices[SICHUAN].head).get(detail(proceeding)))
    page = as_user(english, offices[MPS].legal).get(detail(proceeding))
    assert "take_up" in actions_offered(page)
    response = post(english, offices[MPS].legal, proceeding, "take_up", {"superior_unit": MPS, "reason": ""})
    assert response.status_code == 400
    response = post(
        english, offices[MPS].legal, proceeding, "take_up", {"superior_unit": MPS, "reason": "案情重大"}
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.state == S.AT_SUPERIOR and proceeding.designated_directly


# --- visibility ---------------------------------------------------------------------------------------


def test_an_uninvolved_province_gets_404_on_every_page(
    english, fraud_case, offices, qinghai_investigator, auditor
):
    proceeding = consulting(fraud_case, offices)
    position(proceeding, WUHOU, offices, "claim")
    position(proceeding, WUHUA, offices, "claim")
    services.proceeding_transition(
        proceeding=proceeding,
        name="request_designation",
        by=offices[WUHOU].legal,
        fields={
            "suspects": "吉某某",
            "charge": "诈骗罪",
            "facts": "事实",
            "dispute": "争议",
            "reasons": "理由",
        },
    )
    report = proceeding.designation_requests.get().report_document
    urls = [
        detail(proceeding),
        reverse("jurisdiction:proceeding-open", args=[fraud_case.pk]),
    ]
    posts = [
        *(
            action(proceeding, name)
            for name in ("position", "agree", "withdraw", "file_designation", "handover_add")
        ),
        reverse("jurisdiction:handover-remove", args=[proceeding.pk, 1]),
        document_step(proceeding, report, "submit_for_review"),
        reverse("jurisdiction:proceeding-open", args=[fraud_case.pk]),
    ]
    for user in (qinghai_investigator, auditor):
        as_user(english, user)
        for url in urls:
            assert english.get(url).status_code == 404, url
        for url in posts:
            assert (
                english.post(url, {"expected_state": proceeding.state, "reason": "x"}).status_code == 404
            ), url
    # The queues are lists: they answer, with nothing in them.
    as_user(english, qinghai_investigator)
    for name in ("jurisdiction:review-queue", "jurisdiction:designation-queue"):
        response = english.get(reverse(name))
        assert response.status_code == 200 and fraud_case.name not in response.text
    # A Kunming branch that is not a party sees nothing either.
    neighbour = member("530103", Role.UNIT_HEAD)
    assert as_user(english, neighbour).get(detail(proceeding)).status_code == 404


# --- the queues ---------------------------------------------------------------------------------------


def agreed_case(offices, *, place: str, lead: str, other: str):
    """A Wuhou case with one place elsewhere, its two parties agreed that `lead` leads it."""
    case = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    CaseLocationFactory(case=case, division_code=place, address="某地")
    proceeding = consulting(case, offices)
    position(proceeding, lead, offices, "claim", "主张管辖")
    position(proceeding, other, offices, "decline", "同意对方管辖")
    return services.proceeding_transition(proceeding=proceeding, name="agree", by=offices[WUHOU].head)


def test_the_review_queue_lists_agreements_in_the_legal_departments_subtree(english, offices):
    to_kunming = agreed_case(offices, place=WUHUA, lead=WUHUA, other=WUHOU)
    to_wuhou = agreed_case(offices, place=YUZHONG, lead=WUHOU, other=YUZHONG)
    queue = reverse("jurisdiction:review-queue")

    def listed(user):
        response = as_user(english, user).get(queue)
        assert response.status_code == 200
        return {p.pk for p in JurisdictionProceeding.objects.all() if detail(p) in response.text}, response

    # Sichuan's and Chengdu's legal departments see the agreement led by their branch, not Kunming's.
    for user in (offices[SICHUAN].legal, offices[CHENGDU].legal):
        assert listed(user)[0] == {to_wuhou.pk}
    seen, response = listed(offices[WUHOU].legal)
    assert seen == {to_wuhou.pk} and "Yours to review" in response.text
    seen, response = listed(offices[WUHUA].legal)
    assert seen == {to_kunming.pk}
    # With the basis of the agreed lead and its factors.
    assert "MPS-2020 art 17" in response.text and "victim(s)" in response.text
    # A head or an investigator has no legal queue.
    assert listed(offices[SICHUAN].head)[0] == set()

    # The same number of queries for one row as for three.
    as_user(english, offices[SICHUAN].legal)
    english.get(queue)
    with CaptureQueriesContext(connection) as one:
        english.get(queue)
    agreed_case(offices, place=YUZHONG, lead=WUHOU, other=YUZHONG)
    agreed_case(offices, place=YUZHONG, lead=WUHOU, other=YUZHONG)
    with CaptureQueriesContext(connection) as three:
        response = english.get(queue)
    assert (
        response.text.count("Yours to review") == 0 and response.text.count('class="panel queue-item"') == 3
    )
    assert len(three.captured_queries) == len(one.captured_queries)


def forwarded(case, offices):
    proceeding = consulting(case, offices)
    position(proceeding, WUHOU, offices, "claim")
    position(proceeding, WUHUA, offices, "claim")
    proceeding = services.proceeding_transition(
        proceeding=proceeding,
        name="request_designation",
        by=offices[WUHOU].legal,
        fields={
            "suspects": "吉某某",
            "charge": "诈骗罪",
            "facts": "事实",
            "dispute": "两地均主张管辖",
            "reasons": "理由",
        },
    )
    walk_document(proceeding.designation_requests.get().report_document, offices[WUHOU])
    return services.proceeding_transition(
        proceeding=proceeding, name="file_designation", by=offices[WUHOU].head
    )


def test_the_designation_queue_follows_the_request_up_the_route(english, fraud_case, offices):
    proceeding = forwarded(fraud_case, offices)
    queue = reverse("jurisdiction:designation-queue")

    def shows(user) -> bool:
        response = as_user(english, user).get(queue)
        assert response.status_code == 200
        return detail(proceeding) in response.text

    assert shows(offices[CHENGDU].head)  # it holds the request now
    assert shows(offices[MPS].head)  # it designates
    assert not shows(offices[SICHUAN].head)  # next on the route, not there yet
    assert not shows(offices[WUHUA].head)  # a party, not on the route
    response = as_user(english, offices[CHENGDU].head).get(queue)
    assert "With your unit now" in response.text and "两地均主张管辖" in response.text
    assert "<mark><strong>37 victim(s)</strong></mark>" in response.text  # the factors

    services.proceeding_transition(proceeding=proceeding, name="forward", by=offices[CHENGDU].head)
    assert shows(offices[SICHUAN].head) and not shows(offices[CHENGDU].head)

    as_user(english, offices[MPS].head)
    english.get(queue)
    with CaptureQueriesContext(connection) as one:
        english.get(queue)
    second = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    CaseLocationFactory(case=second, division_code=WUHUA)
    forwarded(second, offices)
    with CaptureQueriesContext(connection) as two:
        response = english.get(queue)
    assert response.text.count('class="panel queue-item"') == 2
    assert len(two.captured_queries) == len(one.captured_queries)


def test_the_proceeding_page_costs_the_same_queries_however_many_parties(english, fraud_case, offices):
    small = CaseFactory(accepting_unit=unit(WUHOU), state=CaseState.UNDER_INVESTIGATION)
    CaseLocationFactory(case=small, division_code=WUHUA)
    two_parties = consulting(small, offices)
    four_parties = consulting(fraud_case, offices)
    as_user(english, offices[SICHUAN].head)
    english.get(detail(two_parties))
    with CaptureQueriesContext(connection) as few:
        assert english.get(detail(two_parties)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert english.get(detail(four_parties)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
