"""Pickers (issue 20 item 1): units by name, pinyin or code, officers by name within the unit.

The forms' fields resolve what was typed to the code or user name the services take; the look-ups
list units grouped by province and city, and officers of the user's own units only.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from bulletins.forms import BulletinForm
from cases.assistance.forms import AssignForm, LeadForm, RequestForm
from cases.forms import LocationForm
from jurisdiction.forms import OpenForm, PrepareTransferForm
from meetings.forms import AnswerForm, ResolutionForm
from organisation.models import Role, Unit
from organisation.pickers import (
    MultiUnitPickerField,
    UnitPickerField,
    resolve_unit_code,
    resolve_username,
    search_key,
)
from tests.support.factories.meetings import invite, meeting_in, pan_southwest_series
from tests.support.factories.organisation import member
from tests.support.units import CHENGDU, KUNMING, NANMING, WUHOU, WUHUA, XINING

pytestmark = pytest.mark.django_db


def _officer(code: str, username: str, full_name: str, role=Role.INVESTIGATOR):
    user = member(code, role, username=username)
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return user


# --- units: name, pinyin, initials, code -------------------------------------------------------------


def test_search_key_reads_heteronyms_by_phrase():
    assert search_key("重庆市公安局") == ("chongqingshigonganju", "cqsgaj")


@pytest.mark.parametrize(
    "typed",
    ["昆明市公安局", "kunmingshigonganju", "kmsgaj", "KunMingShiGongAnJu", "530100", " 530100 "],
)
def test_a_name_a_pinyin_initials_or_a_code_resolve_to_the_unit(typed):
    assert resolve_unit_code(typed) == KUNMING


def test_a_unique_part_of_a_name_resolves():
    assert resolve_unit_code("五华") == WUHUA


def test_an_ambiguous_name_is_refused_naming_the_candidates():
    with pytest.raises(Exception) as refused:
        resolve_unit_code("昆明市")
    message = " ".join(refused.value.messages)
    assert "昆明市公安局" in message and "昆明市公安局五华区分局" in message


def test_a_name_of_no_unit_is_refused_as_such():
    with pytest.raises(Exception) as refused:
        resolve_unit_code("不存在的公安局")
    assert refused.value.code == "no_match"


def test_a_code_passes_unchanged_for_the_service_to_judge():
    # A division outside the six provinces is a location outside the system, not an error here.
    assert resolve_unit_code("110105") == "110105"


def test_requested_unit_of_a_new_request_is_picked_by_name(cast):
    form = RequestForm({"requested_unit": "昆明市公安局"}, user=cast.investigator)
    form.is_valid()
    assert "requested_unit" not in form.errors
    assert form.cleaned_data["requested_unit"] == Unit.objects.get(code=KUNMING)


@pytest.mark.parametrize("typed", ["昆明市公安局", "kunmingshigonganju", "530100"])
def test_a_forwarded_lead_unit_is_picked_by_name_pinyin_or_code(typed):
    form = LeadForm({"to_unit": typed, "matters": "线索"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["to_unit"].code == KUNMING


def test_a_location_takes_a_unit_name_as_its_help_text_says():
    form = LocationForm({"role": "victim_loss", "division_code": "昆明市公安局五华区分局"})
    form.is_valid()
    assert "division_code" not in form.errors
    assert form.cleaned_data["division_code"] == WUHUA


def test_a_transfer_target_is_picked_by_pinyin_and_still_a_code_for_the_api():
    form = PrepareTransferForm({"lead_unit": "kmsgaj", "reason": "移送"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["lead_unit"] == KUNMING
    # The API's schema keeps its six characters: only the code is bounded.
    assert PrepareTransferForm.base_fields["lead_unit"].max_length == 6


def test_a_meeting_decisions_lead_unit_refuses_an_ambiguous_name_with_the_candidates():
    form = ResolutionForm({"kind": "jurisdiction", "text": "x", "lead_unit": "昆明市"})
    form.is_valid()
    assert "昆明市公安局五华区分局" in " ".join(form.errors["lead_unit"])
    form = ResolutionForm({"kind": "action_item", "text": "x", "owner_unit": "wuhua"})
    form.is_valid()
    assert "owner_unit" not in form.errors
    assert form.cleaned_data["owner_unit"] == WUHUA


def test_the_picker_shows_the_name_of_the_unit_it_holds_and_no_length_limit():
    field = UnitPickerField(max_length=6)
    html = field.widget.render("unit", KUNMING, attrs=field.widget_attrs(field.widget) | {"id": "id_unit"})
    assert 'value="昆明市公安局"' in html
    assert 'data-picked-value="530100"' in html
    assert 'role="combobox"' in html and 'aria-controls="id_unit_listbox"' in html
    assert "maxlength" not in html
    assert "<script src=" in html and "nonce" not in html


def test_the_chosen_item_rides_beside_the_text():
    form = LeadForm({"to_unit": "昆明市公安局", "to_unit_picked": WUHUA, "matters": "线索"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["to_unit"].code == WUHUA


# --- officers: by name within the unit ------------------------------------------------------------


@pytest.fixture
def kunming_officers(db):
    return {
        "zhang": _officer(KUNMING, "km_zhang", "张伟"),
        "li_a": _officer(KUNMING, "km_li_a", "李娜"),
        "li_b": _officer(KUNMING, "km_li_b", "李娜", role=Role.DEPARTMENT_HEAD),
        "xining": _officer(XINING, "xn_wang", "王芳"),
    }


def _assign(data, unit_code=KUNMING):
    unit = Unit.objects.get(code=unit_code)
    return AssignForm(data, instance=SimpleNamespace(requested_unit=unit))


@pytest.mark.parametrize("typed", ["张伟", "zhangwei", "zw", "km_zhang"])
def test_the_assigned_officer_is_picked_by_name_pinyin_or_user_name(kunming_officers, typed):
    form = _assign({"assignee": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["assignee"] == "km_zhang"


def test_two_officers_of_one_name_are_refused_naming_both(kunming_officers):
    form = _assign({"assignee": "李娜"})
    assert not form.is_valid()
    message = " ".join(form.errors["assignee"])
    # Each with their role, so the officer can tell them apart.
    assert message.count("李娜（") == 2


def test_the_chosen_officer_of_two_with_one_name_is_taken(kunming_officers):
    form = _assign({"assignee": "李娜", "assignee_picked": "km_li_b"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["assignee"] == "km_li_b"


def test_an_officer_of_another_unit_is_not_found_by_name(kunming_officers):
    form = _assign({"assignee": "王芳"})
    form.is_valid()
    # Passed on as typed: the service answers "no such officer", as it did for a user name.
    assert form.cleaned_data.get("assignee", "王芳") == "王芳"
    assert resolve_username("王芳", Unit.objects.filter(code=KUNMING).values("pk")) == "王芳"


def test_the_assign_widget_asks_for_the_requested_units_officers(kunming_officers):
    html = str(_assign(None)["assignee"])
    assert 'data-picker-unit="530100"' in html
    assert reverse("organisation:lookup-officers") in html


# --- the look-ups ------------------------------------------------------------------------------------


def test_unit_lookup_groups_by_province_and_city(client, kunming_officers, django_assert_max_num_queries):
    client.force_login(kunming_officers["zhang"])
    with django_assert_max_num_queries(4):
        answer = client.get(reverse("organisation:lookup-units"), {"q": "kunming"})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert results[0] == {
        "value": KUNMING,
        "label": "昆明市公安局",
        "hint": KUNMING,
        "group": "云南省公安厅 › 昆明市公安局",
    }
    assert {item["value"] for item in results} >= {KUNMING, WUHUA}
    assert all(item["group"] == "云南省公安厅 › 昆明市公安局" for item in results)


def test_unit_lookup_by_code_and_chinese(client, kunming_officers):
    client.force_login(kunming_officers["zhang"])
    by_code = client.get(reverse("organisation:lookup-units"), {"q": "5301"}).json()["results"]
    assert by_code[0]["value"] == KUNMING
    by_name = client.get(reverse("organisation:lookup-units"), {"q": "西宁"}).json()["results"]
    assert by_name[0]["group"] == "青海省公安厅 › 西宁市公安局"
    assert client.get(reverse("organisation:lookup-units"), {"q": ""}).json() == {
        "results": [],
        "more": False,
    }


def test_officer_lookup_lists_only_the_users_own_unit(
    client, kunming_officers, django_assert_max_num_queries
):
    client.force_login(kunming_officers["zhang"])
    with django_assert_max_num_queries(4):
        answer = client.get(reverse("organisation:lookup-officers"), {"q": ""})
    usernames = {item["value"] for item in answer.json()["results"]}
    assert usernames == {"km_zhang", "km_li_a", "km_li_b"}
    by_pinyin = client.get(reverse("organisation:lookup-officers"), {"q": "lina"}).json()["results"]
    assert {item["value"] for item in by_pinyin} == {"km_li_a", "km_li_b"}
    assert all(item["group"] == "昆明市公安局" for item in by_pinyin)


def test_officer_lookup_never_lists_an_uninvolved_provinces_officers(client, kunming_officers):
    client.force_login(kunming_officers["zhang"])
    url = reverse("organisation:lookup-officers")
    assert client.get(url, {"q": "王芳"}).json()["results"] == []
    # Asking for another province's unit by code gives nothing either.
    assert client.get(url, {"q": "", "unit": XINING}).json()["results"] == []
    client.force_login(kunming_officers["xining"])
    assert {item["value"] for item in client.get(url, {"q": ""}).json()["results"]} == {"xn_wang"}


def test_lookups_need_a_signed_in_user(client):
    assert client.get(reverse("organisation:lookup-units"), {"q": "kunming"}).status_code == 403
    assert client.get(reverse("organisation:lookup-officers"), {"q": ""}).status_code == 403


# --- a meeting's delegate: a colleague of the participant's unit -----------------------------------


def test_a_meeting_delegate_is_picked_by_name_among_the_participants_unit(kunming_officers):
    meeting = meeting_in(pan_southwest_series(), host="530000", organiser=kunming_officers["li_b"])
    participant = invite(meeting, kunming_officers["li_a"])
    data = {"participant": participant.pk, "answer": "delegated", "reason": ""}
    form = AnswerForm({**data, "delegate": "zhangwei"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["delegate"] == "km_zhang"
    # 王芳 works in Xining: not a colleague, so the name is passed on for the page to refuse.
    form = AnswerForm({**data, "delegate": "王芳"})
    assert form.is_valid()
    assert form.cleaned_data["delegate"] == "王芳"
    html = str(AnswerForm(participant_id=participant.pk)["delegate"])
    assert 'data-picker-unit="530100"' in html and 'role="combobox"' in html


# --- several units: the multi picker (proceeding's other units, a decision's assisting units, a
# bulletin's extra targets) ------------------------------------------------------------------------


def _resolution(**data):
    return ResolutionForm({"kind": "jurisdiction", "text": "x", **data})


def _bulletin(**data):
    unit = Unit.objects.get(code=KUNMING)
    values = {
        "issuing_unit": KUNMING,
        "kind": "alert",
        "title": "通报",
        "body": "正文",
        "handling_code": "normal",
        "urgency": "ordinary",
        **data,
    }
    return BulletinForm(values, units=[unit])


def test_a_proceedings_other_units_are_picked_by_name_pinyin_initials_or_code():
    form = OpenForm(
        {"kind": "dispute", "reason": "管辖争议", "extra_units": "昆明市公安局五华区分局，kmsgaj 520102"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["extra_units"] == [WUHUA, KUNMING, NANMING]


def test_chosen_chips_and_typed_text_are_both_taken_once_each():
    form = OpenForm(
        {
            "kind": "dispute",
            "reason": "x",
            "extra_units": "成都市公安局、wuhua",
            "extra_units_picked": [WUHUA, WUHOU],
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["extra_units"] == [WUHUA, WUHOU, CHENGDU]


def test_a_decisions_assisting_units_take_names_and_stay_codes_for_the_service():
    form = _resolution(assisting_units="五华 成都市公安局")
    form.is_valid()
    assert "assisting_units" not in form.errors
    assert form.cleaned_data["assisting_units"] == [WUHUA, CHENGDU]


def test_a_bulletins_extra_units_are_picked_by_name():
    form = _bulletin(units="五华、西宁市公安局")
    assert form.is_valid(), form.errors
    assert form.target_spec(Unit.objects.get(code=KUNMING))["units"] == [WUHUA, XINING]


@pytest.mark.parametrize(
    ("language", "ambiguous", "unknown"),
    [("zh-hans", "匹配", "没有"), ("en", "matches", "No unit matches")],
)
def test_wrong_and_ambiguous_names_are_refused_on_the_field_naming_the_candidates(
    language, ambiguous, unknown
):
    with translation.override(language):
        for form, field in (
            (_resolution(assisting_units="昆明市 不存在的公安局"), "assisting_units"),
            (
                OpenForm({"kind": "dispute", "reason": "x", "extra_units": "昆明市 不存在的公安局"}),
                "extra_units",
            ),
            (_bulletin(units="昆明市 不存在的公安局"), "units"),
        ):
            assert not form.is_valid()
            errors = [str(error) for error in form.errors[field]]
            # One message per unit that fails: the ambiguous one names its candidates, the other says so.
            assert len(errors) == 2, errors
            assert ambiguous in errors[0] and "昆明市公安局五华区分局" in errors[0], errors
            assert unknown in errors[1] and "不存在的公安局" in errors[1], errors


def test_the_multi_picker_shows_units_as_chips_and_keeps_unresolved_text():
    field = MultiUnitPickerField(required=False)
    html = field.widget.render("units", [KUNMING, "昆明市"], attrs={"id": "id_units"})
    assert 'name="units_picked" value="530100"' in html
    assert '<span class="picker__chip-label">昆明市公安局</span>' in html
    assert 'name="units" value="昆明市"' in html
    assert 'role="combobox"' in html and 'aria-controls="id_units_listbox"' in html
    assert "data-picker-multi" in html and "<script src=" in html and " style=" not in html
    assert field.clean("") == []
