"""What the tests share: personas, factories, API clients, fixtures and helpers.

Test modules import from here, never from one another (tests/test_suite_hygiene.py checks it);
`tests/conftest.py` loads the fixture modules (`tests.support.fixtures`) as pytest plugins.
"""
