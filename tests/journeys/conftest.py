"""The README's journeys walked in Chromium as the demo's named officers (issue 20, "done when")."""

import pytest

from organisation.demo import DEMO_PASSWORD
from tests.support.browser import (  # noqa: F401
    artifacts,
    browser_context_args,
    browser_problems,
    browser_type_launch_args,
)
from tests.support.demo import demo  # noqa: F401 - the demo world, shared with tests/browser/test_accessibility.py
from tests.support.journeys import Journey


@pytest.fixture
def journey(request, browser, demo):  # noqa: F811 - the demo fixture imported above
    """A journey named after its test; every browser it opened is closed at the end."""
    walk = Journey(request.node.originalname.removeprefix("test_"), browser, demo.url, DEMO_PASSWORD)
    yield walk
    walk.close()
