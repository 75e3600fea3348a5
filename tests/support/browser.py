"""Playwright against Debian's Chromium, with a live Django server and a watch on the browser console.

Fixtures: the folders with browser tests import them into their conftest.py.
"""

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A police workstation: Chinese locale and time zone, a laptop-sized window.
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 800},
    }


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def browser_problems(page):
    """Collect console errors (CSP violations among them), page errors, failed and refused requests."""
    problems: list[str] = []
    page.on(
        "console", lambda message: message.type == "error" and problems.append(f"console: {message.text}")
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.method} {request.url}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}")
        ),
    )
    return problems


@pytest.fixture
def sign_in(live_server):
    """Sign a user in by session cookie: `sign_in(page_or_context, user)`.

    For walks whose subject is a page behind the login: the session is made on the server as the
    test client's force_login makes it (the same session store and auth hash the login form's
    session has), and its cookie is given to the browser context, which saves the login page and
    its POST per sign-in. A test about signing in (the form, a redirect to it, a refusal) fills in
    the form instead.
    """
    from django.conf import settings
    from django.test import Client

    def sign_in(target, user) -> None:
        client = Client()
        client.force_login(user)
        context = getattr(target, "context", target)  # a Page's context, or the context itself
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )

    return sign_in
