"""Every page renders with no network: nothing from outside, every asset ours, and a strict CSP."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from django.urls import reverse

from tests.support.pages import EXTERNAL, INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE

pytestmark = pytest.mark.django_db

STATIC_REF = re.compile(r"""(?:src|href)="/static/([^"]+)\"""")


def _pages(client, wuhou_investigator, system_admin):
    """Return (name, response) for every page of the web skeleton, signed out and signed in."""
    pages = [("login", client.get(reverse("organisation:login")))]
    client.force_login(wuhou_investigator)
    pages += [
        ("home", client.get(reverse("organisation:home"))),
        ("tree", client.get(reverse("organisation:unit-tree"))),
        ("search", client.get(reverse("organisation:unit-tree"), {"q": "成都"})),
        ("detail", client.get(reverse("organisation:unit-detail", args=["510107"]))),
        (
            "children",
            client.get(
                reverse("organisation:unit-children", args=["510000"]), headers={"HX-Request": "true"}
            ),
        ),
        ("404", client.get("/units/999999/")),
    ]
    client.force_login(system_admin)
    pages.append(("admin home", client.get(reverse("organisation:home"))))
    return pages


def test_no_page_loads_anything_from_outside(client, wuhou_investigator, system_admin):
    for name, response in _pages(client, wuhou_investigator, system_admin):
        assert not EXTERNAL.findall(response.text), name


def test_no_inline_script_style_or_event_handler(client, wuhou_investigator, system_admin):
    for name, response in _pages(client, wuhou_investigator, system_admin):
        html = response.text
        assert not INLINE_SCRIPT.findall(html), name
        assert not INLINE_STYLE.findall(html), name
        assert not INLINE_HANDLER.findall(html), name


def test_pages_carry_a_strict_content_security_policy(client, wuhou_investigator, system_admin):
    for name, response in _pages(client, wuhou_investigator, system_admin):
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy, name
        assert "style-src 'self'" in policy, name
        assert "unsafe-inline" not in policy, name
        assert "unsafe-eval" not in policy, name


def test_htmx_is_configured_for_the_csp(client):
    html = client.get(reverse("organisation:login")).text

    assert '<meta name="htmx-config"' in html
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html


def test_every_static_asset_of_the_base_layout_exists_and_is_served(client, wuhou_investigator):
    client.force_login(wuhou_investigator)
    html = client.get(reverse("organisation:home")).text
    assets = set(STATIC_REF.findall(html))
    assert {"css/lianban.css", "vendor/htmx/htmx.min.js", "img/favicon.svg"} <= assets

    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        static_client = Client()  # a new handler, so WhiteNoise reads the settings above
        for asset in assets:
            assert finders.find(asset), asset
            response = static_client.get(f"/static/{asset}")
            assert response.status_code == 200, asset
            assert b"".join(response.streaming_content), asset


def test_style_sheet_refers_to_nothing_outside():
    css = Path(finders.find("css/lianban.css")).read_text(encoding="utf-8")

    assert "@import" not in css
    assert "@font-face" not in css
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", css)


def test_vendored_htmx_is_version_2_with_its_licence():
    assert 'version:"2.' in Path(finders.find("vendor/htmx/htmx.min.js")).read_text(encoding="utf-8")
    assert finders.find("vendor/htmx/LICENSE")
    assert finders.find("vendor/htmx/VERSION")


@pytest.mark.parametrize(
    ("status", "template", "text"), [(403, "403.html", "拒绝访问"), (404, "404.html", "页面不存在")]
)
def test_error_templates_render_in_chinese(rf, wuhou_investigator, status, template, text):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = wuhou_investigator
    html = render_to_string(template, request=request)

    assert str(status) in html
    assert text in html


def test_server_error_template_needs_no_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")

    assert "500" in html
    assert "服务器错误" in html
    assert "/static/css/lianban.css" in html
