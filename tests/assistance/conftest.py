# The browser test here uses the Chromium set-up of tests/browser; `cast` is tests/conftest.py's.
from tests.support.browser import (  # noqa: F401
    browser_context_args,
    browser_problems,
    browser_type_launch_args,
)
