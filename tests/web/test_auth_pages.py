"""Sign-in, sign-out and the language switch of the web pages."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _login(client, username, password, **extra):
    return client.post(reverse("organisation:login"), {"username": username, "password": password, **extra})


def test_login_page_is_in_chinese_by_default(client):
    response = client.get(reverse("organisation:login"))

    assert response.status_code == 200
    html = response.text
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "Sign in" not in html


def test_login_page_is_in_english_after_switching_language(client):
    switched = client.post("/i18n/setlang/", {"language": "en", "next": reverse("organisation:login")})
    assert switched.status_code == 302
    assert switched["Location"] == reverse("organisation:login")

    html = client.get(reverse("organisation:login")).text

    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "登录" not in html


def test_language_switch_goes_back_to_chinese(client, wuhou_investigator, password):
    client.force_login(wuhou_investigator)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Inbox" in client.get("/").text

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    html = client.get("/").text
    assert "待办" in html
    assert "Inbox" not in html


def test_language_switch_returns_to_the_current_page(client, wuhou_investigator):
    client.force_login(wuhou_investigator)

    html = client.get(reverse("organisation:unit-detail", args=["510107"])).text

    assert '<form class="lang-switch" action="/i18n/setlang/" method="post">' in html
    assert '<input type="hidden" name="next" value="/units/510107/">' in html


def test_persona_signs_in_and_lands_on_the_inbox(client, wuhou_investigator, password):
    response = _login(client, "wuhou_investigator", password)

    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:home")
    home = client.get(reverse("organisation:home"))
    assert home.status_code == 200
    assert home.context["user"] == wuhou_investigator
    assert wuhou_investigator.display_name in home.text


def test_sign_in_honours_next(client, wuhou_investigator, password):
    response = _login(client, "wuhou_investigator", password, next=reverse("organisation:unit-tree"))

    assert response["Location"] == reverse("organisation:unit-tree")


def test_sign_in_refuses_next_to_another_site(client, wuhou_investigator, password):
    response = _login(client, "wuhou_investigator", password, next="https://example.com/")

    assert response["Location"] == reverse("organisation:home")


def test_wrong_password_shows_an_error(client, wuhou_investigator):
    response = _login(client, "wuhou_investigator", "not-the-password")

    assert response.status_code == 200
    form = response.context["form"]
    assert [error.code for error in form.non_field_errors().as_data()] == ["invalid_login"]
    assert form.non_field_errors()[0] in response.text
    assert "_auth_user_id" not in client.session


def test_lockout_message_after_repeated_failures(client, wuhou_investigator, password):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        _login(client, "wuhou_investigator", "not-the-password")

    # Even the right password is refused while the account is locked, and the page says why.
    response = _login(client, "wuhou_investigator", password)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    errors = response.context["form"].non_field_errors().as_data()
    assert [error.code for error in errors] == ["locked_out"]
    message = errors[0].messages[0]
    assert message in response.text
    assert str(settings.LOGIN_LOCKOUT_MINUTES) in message
    assert "锁定" in message


def test_logout_needs_post(client, wuhou_investigator):
    client.force_login(wuhou_investigator)

    assert client.get(reverse("organisation:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_logout_ends_the_session_and_says_so(client, wuhou_investigator):
    client.force_login(wuhou_investigator)

    response = client.post(reverse("organisation:logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("organisation:login")
    assert "_auth_user_id" not in client.session
    assert "您已退出登录" in response.text


def test_signed_in_user_visiting_login_goes_home(client, wuhou_investigator):
    client.force_login(wuhou_investigator)

    response = client.get(reverse("organisation:login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:home")


@pytest.mark.parametrize("url", ["/", "/units/", "/units/510107/", "/units/510000/children/"])
def test_pages_require_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('organisation:login')}?next={url}"
