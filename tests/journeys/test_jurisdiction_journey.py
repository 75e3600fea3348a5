"""Journey 2 of the README: the 4·15 jurisdiction consultation through designation and handover.

`wuhou.unit-head` opens a consultation from the case page and starts it; the six candidates state
their positions; two claim the case, so Wuhou asks the common superior to designate (呈请指定管辖,
MPS-2020 art 22): its 呈请报告书 passes its legal department and head, goes up through Chengdu and
Sichuan to 公安部, where the 指定管辖决定书 is drafted, reviewed and signed (art 23). Wuhou then gives
the case up: its 移送案件通知书 is reviewed, approved and issued (art 184), both sides sign the
handover list (art 185; Wuhou's investigator on a phone) and Wuhou records telling the complainants.
Every user starts from their inbox (待办) and reaches the proceeding by clicking.
"""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from core.models import Deadline, DeadlineState
from jurisdiction.models import HandoverConfirmation, JurisdictionProceeding, ProceedingState
from jurisdiction.services import COMPLAINANT_RULE, CONSULTATION_RULE
from tests.support.journeys import documented_clicks

pytestmark = pytest.mark.browser

WUHUA_NAME = "昆明市公安局五华区分局"
PHONE = {"width": 390, "height": 844}
POSITIONS = [
    ("wuhou.legal", "主张管辖", "本案最初由我局受理，话务窝点在我区，为主要犯罪地。"),
    ("wuhua.legal", "主张管辖", "我区被害人23人、损失38.6万元，危害最集中。"),
    ("panlong.legal", "不主张管辖", "我区仅有被害人1人，不主张管辖。"),
    ("yuzhong.legal", "不主张管辖", "我区仅为服务器所在地，不主张管辖。"),
    ("nanming.legal", "不主张管辖", "我区仅为取现地，不主张管辖。"),
    ("yunyan.legal", "不主张管辖", "犯罪嫌疑人居住地在我区，但不主张管辖。"),
]


def open_item(journey, page, kind=None, text="4·15"):
    """Click the 4·15 item of the inbox (of one kind when given)."""
    scope = page.locator("main tr, main li").filter(has_text=kind) if kind else page
    journey.click(scope.get_by_role("link", name=re.compile(text)).first)


def to_inbox(journey, page):
    journey.click(page.get_by_role("link", name="待办", exact=True))


def step(journey, page, label):
    """The user's turn: the step is the live primary one in front of them; take it."""
    journey.expect_turn(page, label)
    journey.click(page.get_by_role("button", name=label))


def step_form(page, label):
    return page.locator("form").filter(has=page.get_by_role("button", name=label)).first


def test_jurisdiction(journey):
    # 1. The head of the unit holding the case opens the consultation from the case page and starts it.
    head = journey.open_as("wuhou.unit-head")
    journey.click(head.get_by_role("link", name="案件", exact=True).first)
    journey.click(head.get_by_role("link", name="4·15 电信网络诈骗案"))
    journey.click(head.get_by_text("发起管辖协商或案件移送"))
    form = head.locator("#jurisdiction-open-form")
    journey.type(
        form.locator("#id_open_reason"), "六地均有管辖依据，五华区被害人最多、损失最大，需协商确定主办单位。"
    )
    step(journey, head, "发起管辖程序")
    step(journey, head, "启动管辖协商")
    proceeding = JurisdictionProceeding.objects.get(case__name="4·15 电信网络诈骗案")

    # 2. Each candidate states its position from its inbox.
    for user, position, reasons in POSITIONS:
        page = journey.open_as(user)
        open_item(journey, page, "表明意见")
        form = step_form(page, "提交意见")
        journey.expect_turn(page, "提交意见")
        journey.check(form.get_by_label(position, exact=True))
        journey.type(form.get_by_label("理由").last, reasons)
        journey.click(form.get_by_role("button", name="提交意见"))
    expect(page.locator("#waiting-for")).to_contain_text("呈请共同上级指定管辖")

    # 3. Two claims: the stalemate waits in the Wuhou head's inbox, who asks for designation.
    head = journey.open_as("wuhou.unit-head")
    open_item(journey, head, "指定管辖")
    form = step_form(head, "呈请共同上级指定管辖")
    journey.expect_turn(head, "呈请共同上级指定管辖")
    journey.type(
        form.get_by_label("建议指定管辖的理由"),
        "五华区被害人最多、损失最大，由其管辖有利于查清犯罪事实、有利于诉讼。",
    )
    journey.choose(form.get_by_label("建议指定管辖的单位"), WUHUA_NAME)
    journey.click(form.get_by_role("button", name="呈请共同上级指定管辖"))
    step(journey, head, "提交法制审核")
    legal = journey.open_as("wuhou.legal")
    open_item(journey, legal, "管辖文书")
    step(journey, legal, "法制审核通过")
    to_inbox(journey, head)
    open_item(journey, head, "管辖文书")
    step(journey, head, "审批通过")
    step(journey, head, "签发并逐级上报")

    # 4. Up level by level to 公安部, which drafts, reviews and signs the decision.
    for user in ("chengdu.unit-head", "sichuan.unit-head"):
        page = journey.open_as(user)
        open_item(journey, page)
        step(journey, page, "审核同意并上报")
    mps = journey.open_as("mps.unit-head")
    open_item(journey, mps)
    form = step_form(mps, "保存决定书草稿")
    journey.expect_turn(mps, "保存决定书草稿")
    # The unit the request proposed is chosen already.
    expect(form.get_by_label("指定管辖的单位").locator("option:checked")).to_have_text(WUHUA_NAME)
    journey.type(
        form.get_by_label("指定管辖的理由"),
        "五华区为危害最集中的犯罪地，由其管辖有利于查清犯罪事实、有利于诉讼。",
    )
    journey.click(form.get_by_role("button", name="保存决定书草稿"))
    step(journey, mps, "提交法制审核")
    mps_legal = journey.open_as("mps.legal")
    open_item(journey, mps_legal)
    step(journey, mps_legal, "法制审核通过")
    to_inbox(journey, mps)
    open_item(journey, mps)
    step(journey, mps, "审批通过")
    step(journey, mps, "签发决定书并指定管辖")

    # 5. Wuhou gives the case up: its 移送案件通知书 is reviewed, approved and issued (art 184).
    to_inbox(journey, head)
    open_item(journey, head, text="移送案件通知书")
    step(journey, head, "提交法制审核")
    to_inbox(journey, legal)
    open_item(journey, legal, text="移送案件通知书")
    step(journey, legal, "法制审核通过")
    to_inbox(journey, head)
    open_item(journey, head, text="移送案件通知书")
    step(journey, head, "审批通过")
    step(journey, head, "签发移送案件通知书并开始移交")

    # 6. The handover list (art 185): Wuhou's investigator writes and signs it on a phone.
    investigator = journey.open_as("wuhou.investigator", viewport=PHONE)
    open_item(journey, investigator, "移交清单")
    handover = investigator.locator("#handover")
    lines = [
        ("案卷材料", "4·15 电信网络诈骗案案卷材料（立案决定书、询问笔录、调取证据材料）", "3卷"),
        ("证据", "话务窝点扣押的手机、电脑", "12件"),
    ]
    for kind, description, quantity in lines:
        journey.expect_turn(investigator, "加入清单")
        journey.choose(handover.get_by_label("类型"), kind)
        journey.type(handover.get_by_label("名称及说明"), description)
        journey.type(handover.get_by_label("数量"), quantity)
        journey.click(handover.get_by_role("button", name="加入清单"))
    assert investigator.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    step(journey, investigator, "签字确认移交清单")
    assert investigator.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    proceeding.refresh_from_db()
    assert proceeding.state == ProceedingState.HANDOVER  # one signature does not settle it

    receiver = journey.open_as("wuhua.unit-head")
    open_item(journey, receiver, "移交清单")
    step(journey, receiver, "签字确认移交清单")

    # 7. Wuhou records telling the complainants (within 3 days, art 184): the duty stands on the page
    # the investigator signed on (and in the inbox, as 待告知报案人、控告人、举报人的案件移送).
    form = step_form(investigator, "登记已告知报案人、控告人、举报人")
    journey.type(
        form.get_by_label("告知报案人、控告人、举报人的方式和时间"), "已于当日书面告知报案人李秀兰、赵明。"
    )
    step(journey, investigator, "登记已告知报案人、控告人、举报人")

    # The outcome as the law has it.
    proceeding.refresh_from_db()
    case = Case.objects.get(pk=proceeding.case_id)
    assert proceeding.state == ProceedingState.SETTLED
    assert proceeding.lead_unit.name == WUHUA_NAME and case.lead_unit.name == WUHUA_NAME
    signatures = HandoverConfirmation.objects.filter(proceeding=proceeding)
    assert {s.side for s in signatures} == {"sender", "receiver"}
    assert proceeding.settled_at >= max(s.at for s in signatures)
    rows = Deadline.objects.filter(
        target_type="jurisdiction.jurisdictionproceeding", target_id=str(proceeding.pk)
    )
    states = {row.rule_key: row.state for row in rows}
    assert states[CONSULTATION_RULE] != DeadlineState.RUNNING  # closed when designation was asked
    assert states[COMPLAINANT_RULE] == DeadlineState.MET
    assert not rows.filter(state=DeadlineState.RUNNING).exists()

    journey.assert_clean()
    figures = journey.record()
    assert figures["clicks"] == documented_clicks("jurisdiction", 1366)
