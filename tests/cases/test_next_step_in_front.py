"""The next step on a case is always in front of the officer (issue 20 item 2).

- A 呈请立案报告书 (or 呈请不予立案报告书) the head sends back is the asking officer's to ask again: it
  waits in their 待办 and they are notified once (MPS-2020 art 178).
- With no step of the case open to them, the case page's panel offers the case's other next actions
  (ask another unit for assistance, add a place or a person) instead of saying there is nothing to do.
- 移送审查起诉 is blocked, with the reason, while a jurisdiction proceeding is open on the case: the unit
  with jurisdiction transfers it (MPS-2020 arts 22, 23, 185).
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases import filing, refusal
from cases.models import CaseState, RefusalGround
from core.inbox import inbox_for
from core.models import Notification
from core.steps import Availability, check_transition
from jurisdiction.models import JurisdictionProceeding, ProceedingKind, ProceedingState
from organisation.models import Role
from tests.support.factories.cases import CaseFactory, unit
from tests.support.factories.organisation import TEST_PASSWORD, member
from tests.support.personas import officer
from tests.support.units import WUHOU

pytestmark = pytest.mark.django_db

REASONS = "经审查，有诈骗犯罪事实，需要追究刑事责任，且属于本局管辖。"


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def _returned_keys(user, case) -> list[str]:
    return list(
        Notification.objects.filter(user=user, key__startswith=f"cases:{case.pk}:returned:").values_list(
            "key", flat=True
        )
    )


def test_a_filing_request_sent_back_waits_for_the_officer_who_asked_and_tells_them_once(
    django_capture_on_commit_callbacks,
):
    author = officer(WUHOU)
    asker = officer(WUHOU)  # a colleague of the case's author asks for the filing
    head = officer(WUHOU, Role.UNIT_HEAD)
    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=unit(WUHOU), created_by=author)
    with django_capture_on_commit_callbacks(execute=True):
        filing.filing_request(case=case, by=asker, reasons=REASONS)
    assert not any(item.object_id == str(case.pk) for item in inbox_for(asker))

    with django_capture_on_commit_callbacks(execute=True):
        filing.filing_return(case=case, by=head, reason="事实部分需补充被害人陈述。")

    for user in (asker, author):
        waiting = [item for item in inbox_for(user) if item.object_id == str(case.pk)]
        assert [item.kind for item in waiting] == ["case.file"], user.username
        assert len(_returned_keys(user, case)) == 1, user.username
    assert _returned_keys(head, case) == []

    # Asked again and sent back again: a new request, told once more (not twice for the same).
    with django_capture_on_commit_callbacks(execute=True):
        filing.filing_request(case=case, by=asker, reasons=REASONS)
        filing.filing_return(case=case, by=head, reason="仍需补充。")
    assert len(_returned_keys(asker, case)) == 2


def test_a_request_not_to_file_sent_back_tells_its_author(django_capture_on_commit_callbacks):
    asker = officer(WUHOU)
    head = officer(WUHOU, Role.UNIT_HEAD)
    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=unit(WUHOU))
    with django_capture_on_commit_callbacks(execute=True):
        refusal.not_filing_request(
            case=case, by=asker, ground=RefusalGround.values[0], facts="经审查，没有犯罪事实。"
        )
        refusal.not_filing_return(case=case, by=head, reason="尚需调查。")
    assert len(_returned_keys(asker, case)) == 1
    assert [item.kind for item in inbox_for(asker) if item.object_id == str(case.pk)] == ["case.file"]


def _panel(html: str) -> str:
    return html.split('id="next-title"', 1)[1].split("</section>", 1)[0]


def test_with_no_step_open_the_panel_offers_the_case_s_next_actions():
    investigator = member(WUHOU, Role.INVESTIGATOR, username="wuhou_inv_next", department_kind="criminal")
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(WUHOU), lead_unit=unit(WUHOU))

    html = _client(investigator).get(reverse("cases:detail", args=[case.pk])).content.decode()
    panel = _panel(html)
    assert "当前您对该案件无可执行的操作" not in panel
    ask = f"{reverse('assistance:create')}?case={case.pk}"
    # The request for assistance leads, as the primary action; places and persons follow.
    first = re.search(r'<a class="([^"]*)" href="([^"]*)"', panel)
    assert first is not None and first.group(2) == ask and "button--primary" in first.group(1)
    assert "请求其他单位协作" in panel
    assert (
        f'href="/cases/{case.pk}/locations/new/"' in panel
        and f'href="/cases/{case.pk}/persons/new/"' in panel
    )


def test_a_step_open_to_the_user_keeps_the_panel_to_the_steps():
    investigator = member(WUHOU, Role.INVESTIGATOR, username="wuhou_inv_filer", department_kind="criminal")
    case = CaseFactory(state=CaseState.REGISTERED, accepting_unit=unit(WUHOU), created_by=investigator)
    panel = _panel(_client(investigator).get(reverse("cases:detail", args=[case.pk])).content.decode())
    assert "呈请立案" in panel
    assert f"{reverse('assistance:create')}?case={case.pk}" not in panel


def test_transfer_for_prosecution_waits_until_the_jurisdiction_is_settled_mps_2020_art_22():
    head = member(WUHOU, Role.UNIT_HEAD, username="wuhou_head_next")
    case = CaseFactory(state=CaseState.UNDER_INVESTIGATION, accepting_unit=unit(WUHOU), lead_unit=unit(WUHOU))
    assert check_transition(case, "transfer_for_prosecution", head).available

    # A proceeding designated another unit and the files are being handed over (MPS-2020 art 185):
    # the case is under investigation again, its jurisdiction not settled until the handover ends.
    proceeding = JurisdictionProceeding.objects.create(
        case=case,
        kind=ProceedingKind.DISPUTE,
        state=ProceedingState.HANDOVER,
        opened_by=head,
        opening_unit=unit(WUHOU),
        holding_unit=unit(WUHOU),
        reason="管辖争议",
    )
    check = check_transition(case, "transfer_for_prosecution", head)
    assert check.status is Availability.BLOCKED
    assert "第二十二条" in " ".join(str(reason) for reason in check.reasons)

    html = _client(head).get(reverse("cases:detail", args=[case.pk])).content.decode()
    form = html.split(f'action="/cases/{case.pk}/transitions/transfer_for_prosecution/"', 1)[1].split(
        "</form>", 1
    )[0]
    assert "disabled" in form and "管辖尚未确定" in form

    JurisdictionProceeding.objects.filter(pk=proceeding.pk).update(state=ProceedingState.SETTLED)
    assert check_transition(case, "transfer_for_prosecution", head).available
