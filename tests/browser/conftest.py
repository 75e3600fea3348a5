"""Playwright against Debian's Chromium (the fixtures are in tests/support/browser.py)."""

from tests.support.browser import (  # noqa: F401
    artifacts,
    browser_context_args,
    browser_problems,
    browser_type_launch_args,
    sign_in,
)
