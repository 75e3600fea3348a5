"""The unit directory: tree, htmx child lists, detail pages and search; shared with every signed-in user."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROVINCIAL_ORGANS = [
    "重庆市公安局",
    "四川省公安厅",
    "贵州省公安厅",
    "云南省公安厅",
    "西藏自治区公安厅",
    "青海省公安厅",
]


@pytest.fixture
def signed_in(client, wuhou_investigator):
    client.force_login(wuhou_investigator)
    return client


def test_tree_shows_the_ministry_and_the_six_provincial_organs(signed_in):
    response = signed_in.get(reverse("organisation:unit-tree"))

    assert response.status_code == 200
    html = response.text
    assert "公安部" in html
    for name in PROVINCIAL_ORGANS:
        assert name in html
    assert [unit.code for unit in response.context["provinces"]] == [
        "500000", "510000", "520000", "530000", "540000", "630000",
    ]  # fmt: skip
    # Each province expands by htmx and, without JavaScript, links to its own page.
    assert 'hx-get="/units/510000/children/"' in html
    assert 'href="/units/510000/"' in html
    # Prefectures are not in the page until a province is opened.
    assert 'href="/units/510100/"' not in html


def test_children_partial_returns_only_the_child_list(signed_in):
    response = signed_in.get(
        reverse("organisation:unit-children", args=["510000"]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<ul class="unit-tree__list">')
    assert "<html" not in html
    assert "masthead" not in html
    assert "成都市公安局" in html
    assert "绵阳市公安局" in html
    assert "昆明市公安局" not in html
    assert 'hx-get="/units/510100/children/"' in html
    assert "HX-Request" in response["Vary"]


def test_children_partial_of_a_prefecture_lists_county_units(signed_in):
    html = signed_in.get(
        reverse("organisation:unit-children", args=["510100"]), headers={"HX-Request": "true"}
    ).text

    assert "成都市公安局武侯区分局" in html
    # County-level units have nothing below them: a plain entry, not an expander.
    assert 'hx-get="/units/510107/children/"' not in html


def test_children_without_htmx_goes_to_the_unit_page(signed_in):
    response = signed_in.get(reverse("organisation:unit-children", args=["510000"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:unit-detail", args=["510000"])


def test_children_partial_costs_the_same_queries_for_any_number_of_children(signed_in):
    def queries(code):
        with CaptureQueriesContext(connection) as captured:
            signed_in.get(reverse("organisation:unit-children", args=[code]), headers={"HX-Request": "true"})
        return len(captured)

    assert queries("510000") == queries("540000") == queries("000000")


def test_unit_detail_shows_particulars_and_parent_chain(signed_in):
    response = signed_in.get(reverse("organisation:unit-detail", args=["510107"]))

    assert response.status_code == 200
    assert [unit.code for unit in response.context["ancestors"]] == ["000000", "510000", "510100"]
    html = response.text
    assert "<h1" in html and "成都市公安局武侯区分局" in html
    breadcrumbs = html[
        html.index('class="breadcrumbs"') : html.index("</nav>", html.index('class="breadcrumbs"'))
    ]
    assert breadcrumbs.index("公安部") < breadcrumbs.index("四川省公安厅") < breadcrumbs.index("成都市公安局")
    assert 'href="/units/510100/"' in breadcrumbs
    assert "510107" in html
    assert "刑事侦查大队" in html
    assert "情报指挥中心" in html  # the intake point


def test_province_detail_shows_code_prefix_and_children(signed_in):
    response = signed_in.get(reverse("organisation:unit-detail", args=["510000"]))

    html = response.text
    assert "川" in html
    assert "机关代字" in html
    assert "成都市公安局" in html
    assert len(response.context["children"]) == 21


def test_remote_flag_is_shown(signed_in):
    response = signed_in.get(reverse("organisation:unit-detail", args=["540000"]))
    unit = response.context["unit"]

    if unit.is_remote:
        assert "tag--remote" in response.text
    else:
        assert "tag--remote" not in response.text


def test_unknown_code_is_a_404_page(signed_in):
    response = signed_in.get(reverse("organisation:unit-detail", args=["999999"]))

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert "页面不存在" in response.text


def test_unknown_code_children_is_404(signed_in):
    response = signed_in.get(
        reverse("organisation:unit-children", args=["999999"]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 404


def test_search_filters_by_name_and_shows_where_each_unit_sits(signed_in):
    response = signed_in.get(reverse("organisation:unit-tree"), {"q": "武侯"})

    assert response.status_code == 200
    results = response.context["results"]
    assert [unit.code for unit in results] == ["510107"]
    assert results[0].ancestor_names == ["四川省公安厅", "成都市公安局"]
    assert "四川省公安厅 › 成都市公安局" in response.text


def test_search_with_no_match_says_so(signed_in):
    response = signed_in.get(reverse("organisation:unit-tree"), {"q": "不存在的单位"})

    assert response.context["results"] == []
    assert response.context["total"] == 0
    assert "没有找到" in response.text


@pytest.mark.parametrize(
    "persona", ["qinghai_investigator", "auditor", "system_admin", "kunming_intake_officer"]
)
def test_directory_is_shared_with_every_signed_in_user(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("organisation:unit-tree")).status_code == 200
    assert client.get(reverse("organisation:unit-detail", args=["510107"])).status_code == 200


def test_children_partial_sends_an_expired_session_to_sign_in_as_a_whole_page(client):
    response = client.get(
        reverse("organisation:unit-children", args=["510000"]),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/units/"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('organisation:login')}?next=/units/"
