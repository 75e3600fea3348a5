import pytest

# The browser test here uses the Chromium set-up of tests/browser.
from tests.browser.conftest import (  # noqa: F401
    browser_context_args,
    browser_problems,
    browser_type_launch_args,
)
from tests.factories.assistance import Cast


@pytest.fixture
def cast(db) -> Cast:
    return Cast()
