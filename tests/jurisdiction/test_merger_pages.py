"""The merger pages (并案侦查, MPS-2020 art 21(2)): the case panel and its form, the proposal page and
its steps, errors on the forms, 409 and 403 as messages, and 404 for a unit that sees neither case."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import CaseState, HandlingCode
from jurisdiction.merger import services as merger
from jurisdiction.models import MergerProposal, MergerState
from tests.support.jurisdiction import REASONS, related_pair
from tests.support.pages import EXTERNAL, INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from tests.support.units import CHENGDU, WUHOU, WUHUA


@pytest.fixture
def english(client):
    """Answer in English, so assertions on labels do not depend on the state of the catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def pair(offices):
    return related_pair(offices)


def case_page(case) -> str:
    return reverse("cases:detail", args=[case.pk])


def propose_url(case) -> str:
    return reverse("mergers:propose", args=[case.pk])


def detail(proposal) -> str:
    return reverse("mergers:detail", args=[proposal.pk])


def action(proposal, name: str) -> str:
    return reverse("mergers:transition", args=[proposal.pk, name])


def as_user(client, user):
    client.force_login(user)
    return client


def steps_offered(html: str) -> set[str]:
    """Name the steps the page offers to take now (a blocked step's form is shown disabled)."""
    pattern = (
        r'<form class="next-step next-step--\w+" method="post" '
        r'action="/jurisdiction/mergers/\d+/transitions/(\w+)/"'
    )
    return set(re.findall(pattern, html))


def post_step(client, user, proposal, name: str, *, expected: str | None = None, **data):
    proposal.refresh_from_db()
    payload = {"expected_state": expected or proposal.state, **data}
    return as_user(client, user).post(action(proposal, name), payload)


def related_option(html: str) -> tuple[str, str]:
    """Return (value, label) of the one related case the proposal form offers."""
    select = re.search(r'<select name="other"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the form offers no related case"
    options = [
        (v, label.strip())
        for v, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select[1])
    ]
    assert len(options) == 1, options
    return options[0]


def assert_clean(html: str) -> None:
    """Nothing loaded from outside, nothing inline the CSP would refuse."""
    assert not EXTERNAL.findall(html)
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_STYLE.findall(html)
    assert not INLINE_HANDLER.findall(html)


def test_propose_from_the_case_panel_consent_approve_and_the_merged_case_says_so(english, pair, offices):
    chengdu, kunming = pair
    head = offices[WUHOU].head
    page = as_user(english, head).get(case_page(chengdu))
    assert page.status_code == 200
    html = page.text
    assert 'id="merger"' in html and "Propose a merged investigation" in html
    assert_clean(html)
    # The related Kunming case is offered as its notice names it: number, name and unit.
    value, label = related_option(html)
    assert kunming.number in label and kunming.name in label and offices[WUHUA].unit.name in label

    response = english.post(
        propose_url(chengdu),
        {"other": value, "direction": "into_other", "ground": "one_person", "reasons": REASONS},
    )
    proposal = MergerProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(proposal)
    assert (
        proposal.into_case == kunming and proposal.merged_case == chengdu and proposal.match_id == int(value)
    )

    page = english.get(detail(proposal))
    assert page.status_code == 200
    assert f"Waiting for {offices[WUHUA].unit.name} to consent or decline" in page.text
    assert steps_offered(page.text) == {"withdraw"}
    # Wuhou does not see the Kunming case: its number and unit, no name, no link.
    assert kunming.number in page.text and kunming.name not in page.text
    assert f'href="{case_page(kunming)}"' not in page.text
    assert_clean(page.text)

    # Kunming's head finds it on the Kunming case page with the step it may take.
    kunming_head = offices[WUHUA].head
    panel = as_user(english, kunming_head).get(case_page(kunming)).text
    assert f'href="{detail(proposal)}"' in panel
    assert "Your next step" in panel and "Consent to the merger" in panel
    row = re.search(r'<ul class="related-list" id="merger-proposals">(.*?)</ul>', panel, re.S)
    assert row and chengdu.number in row[1] and chengdu.name not in row[1]
    assert steps_offered(english.get(detail(proposal)).text) == {"consent", "decline"}
    response = post_step(english, kunming_head, proposal, "consent", reason="同意并案")
    assert response.status_code == 302 and response["Location"] == detail(proposal)
    proposal.refresh_from_db()
    assert proposal.state == MergerState.AGREED and proposal.response == "同意并案"

    legal = offices[WUHUA].legal
    page = as_user(english, legal).get(detail(proposal))
    assert steps_offered(page.text) == {"approve", "reject"}
    assert "Waiting for the legal review of" in page.text
    response = post_step(english, legal, proposal, "approve", reason="符合并案条件")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == MergerState.MERGED
    page = english.get(detail(proposal))
    assert "Merged" in page.text and "符合并案条件" in page.text
    for label in ("Merger proposed", "Consented", "Approved in legal review"):
        assert label in page.text

    # The merged case's page says it is merged into the other, which Wuhou now assists in and sees.
    chengdu.refresh_from_db()
    assert chengdu.state == CaseState.MERGED
    html = as_user(english, offices[WUHOU].investigator).get(case_page(chengdu)).text
    merged_into = re.search(r'<p id="merger-merged-into">(.*?)</p>', html, re.S)
    assert merged_into, "the merged case does not say what it is merged into"
    assert "This case is merged into" in merged_into[1]
    assert f'href="{case_page(kunming)}"' in merged_into[1] and kunming.number in merged_into[1]
    assert kunming.name in merged_into[1]
    # The surviving case lists the merged one, by number and unit to Kunming, which does not see it.
    html = as_user(english, kunming_head).get(case_page(kunming)).text
    merged_list = re.search(r'<ul class="related-list" id="merger-merged-cases">(.*?)</ul>', html, re.S)
    assert merged_list and chengdu.number in merged_list[1] and offices[WUHOU].unit.name in merged_list[1]


def test_a_case_number_the_user_sees_may_be_typed(english, offices):
    chengdu, _kunming = related_pair(offices)
    other, _ = related_pair(offices, sequence=416)  # another Wuhou case, no notice between the two
    response = as_user(english, offices[WUHOU].head).post(
        propose_url(chengdu),
        {"other_number": other.number, "direction": "into_this", "ground": "linked", "reasons": REASONS},
    )
    proposal = MergerProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(proposal)
    assert proposal.into_case == chengdu and proposal.merged_case == other and proposal.match is None
    # Both cases are Wuhou's: the same unit answers, and both are named in full.
    page = english.get(detail(proposal)).text
    assert (
        chengdu.name in page
        and other.name in page
        and steps_offered(page) == {"consent", "decline", "withdraw"}
    )


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"ground": "", "reasons": REASONS}, "This field is required."),
        ({"ground": "convenience", "reasons": REASONS}, "Select a valid choice."),
        ({"ground": "linked", "reasons": ""}, "This field is required."),
    ],
)
def test_a_refused_proposal_comes_back_with_its_errors(english, pair, offices, data, field_error):
    chengdu, _kunming = pair
    page = as_user(english, offices[WUHOU].head).get(case_page(chengdu)).text
    value, _label = related_option(page)
    response = english.post(propose_url(chengdu), {"other": value, "direction": "into_other", **data})
    assert response.status_code == 400
    assert field_error in response.text and 'class="form__error"' in response.text
    assert REASONS in response.text or not data["reasons"]
    assert not MergerProposal.objects.exists()


def test_the_other_case_must_be_one_the_user_knows(english, offices):
    chengdu, kunming = related_pair(offices, kunming_code=HandlingCode.RESTRICTED)
    head = offices[WUHOU].head
    page = as_user(english, head).get(case_page(chengdu)).text
    # The restricted Kunming case is not offered: its notice named no case.
    assert 'name="other"' not in page and kunming.number not in page
    for number in (kunming.number, "A999999202699999", ""):
        response = english.post(
            propose_url(chengdu),
            {"other_number": number, "direction": "into_other", "ground": "one_person", "reasons": REASONS},
        )
        assert response.status_code == 400
        assert 'class="form__error"' in response.text
    assert not MergerProposal.objects.exists()
    # A case merged into itself is refused on the number's field.
    response = english.post(
        propose_url(chengdu),
        {
            "other_number": chengdu.number,
            "direction": "into_this",
            "ground": "one_person",
            "reasons": REASONS,
        },
    )
    assert response.status_code == 400 and "Choose another case to merge." in response.text


def test_a_second_proposal_is_a_conflict_on_the_form(english, pair, offices):
    chengdu, kunming = pair
    merger.merger_propose(
        into_case=kunming, merged_case=chengdu, by=offices[WUHOU].head, ground="linked", reasons="x"
    )
    page = as_user(english, offices[WUHOU].head).get(case_page(chengdu)).text
    value, _label = related_option(page)
    response = english.post(
        propose_url(chengdu),
        {"other": value, "direction": "into_other", "ground": "one_person", "reasons": REASONS},
    )
    assert response.status_code == 409
    assert "A merger of one of these cases is already proposed." in response.text


def test_step_errors_stale_pages_and_wrong_users(english, pair, offices):
    chengdu, kunming = pair
    proposal = merger.merger_propose(
        into_case=kunming, merged_case=chengdu, by=offices[WUHOU].head, ground="one_person", reasons="x"
    )
    head = offices[WUHUA].head
    # Declining needs reasons: the form comes back with the error, open.
    response = post_step(english, head, proposal, "decline", reason="")
    assert response.status_code == 400
    assert "This field is required." in response.text and steps_offered(response.text) == {
        "consent",
        "decline",
    }
    # A page that went stale: 409 with a message and the page as it is now.
    response = post_step(english, head, proposal, "consent", expected=MergerState.AGREED)
    assert response.status_code == 409
    assert "changed by someone else" in response.text and "Proposed" in response.text
    # The proposer may not answer its own proposal: 403 with a message.
    response = post_step(english, offices[WUHOU].head, proposal, "consent")
    assert response.status_code == 403 and "You may not take this step on this proposal." in response.text
    response = post_step(english, head, proposal, "decline", reason="并无关联")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == MergerState.DECLINED
    # The step taken, a second decline is stale.
    response = post_step(english, head, proposal, "decline", expected=MergerState.PROPOSED, reason="x")
    assert response.status_code == 409
    assert english.post(action(proposal, "no_such_step"), {}).status_code == 404
    # The old address of a step answers 308 to its one shape, so a form posted there still lands.
    old = english.post(reverse("mergers:action", args=[proposal.pk, "withdraw"]), {})
    assert old.status_code == 308 and old["Location"] == action(proposal, "withdraw")


def test_the_form_is_only_for_the_managers_of_the_unit_handling_the_case(english, pair, offices):
    chengdu, kunming = pair
    for user in (offices[WUHOU].investigator, offices[CHENGDU].head):
        as_user(english, user)
        assert 'id="merger"' not in english.get(case_page(chengdu)).text
        assert english.get(propose_url(chengdu)).status_code == 403
        assert english.post(propose_url(chengdu), {"other_number": kunming.number}).status_code == 403
    page = as_user(english, offices[WUHOU].legal).get(propose_url(chengdu))
    assert page.status_code == 200 and 'id="merger-propose-form"' in page.text
    assert_clean(page.text)


def test_an_uninvolved_province_gets_404_on_every_page(client, pair, offices, qinghai_investigator):
    chengdu, kunming = pair
    proposal = merger.merger_propose(
        into_case=kunming, merged_case=chengdu, by=offices[WUHOU].head, ground="one_person", reasons="x"
    )
    as_user(client, qinghai_investigator)
    for response in (
        client.get(detail(proposal)),
        client.post(action(proposal, "consent"), {"expected_state": "proposed"}),
        client.post(action(proposal, "no_such_step"), {}),
        client.get(propose_url(chengdu)),
        client.post(propose_url(chengdu), {"other_number": kunming.number}),
        client.get(case_page(chengdu)),
    ):
        assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.state == MergerState.PROPOSED


def test_the_panel_form_works_with_htmx(english, pair, offices):
    chengdu, _kunming = pair
    page = as_user(english, offices[WUHOU].head).get(case_page(chengdu)).text
    value, _label = related_option(page)
    # A refused form comes back in place (htmx swaps only 2xx answers), with its errors.
    response = english.post(
        propose_url(chengdu),
        {"other": value, "direction": "into_other", "reasons": REASONS},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.text.startswith("<form") and 'class="form__error"' in response.text
    response = english.post(
        propose_url(chengdu),
        {"other": value, "direction": "into_other", "ground": "linked", "reasons": REASONS},
        HTTP_HX_REQUEST="true",
    )
    proposal = MergerProposal.objects.get()
    assert response.status_code == 200 and response["HX-Redirect"] == detail(proposal)


def test_auditors_see_no_merger_page(client, pair, offices, auditor):
    chengdu, kunming = pair
    proposal = merger.merger_propose(
        into_case=kunming, merged_case=chengdu, by=offices[WUHOU].head, ground="one_person", reasons="x"
    )
    as_user(client, auditor)
    assert client.get(detail(proposal)).status_code == 404
    assert client.get(propose_url(chengdu)).status_code == 404
