"""Personas that encode the permission boundaries, and the loaded organisation for every test.

The unit tree (623 units) is loaded once into the test database; tests that flush the database
(transactional ones) get it back through the `organisation_loaded` fixture. The personas are
officers of one `cast` per test (tests/support/personas.py); helpers, factories and fixtures
shared by the folders live in tests/support/.
"""

import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import override_settings
from django.utils import translation

from organisation.models import Unit, User
from tests.support.factories.organisation import TEST_PASSWORD, UserFactory
from tests.support.personas import Cast, Office
from tests.support.units import CHONGQING, KUNMING, SICHUAN, WUHOU, XINING

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.support.fixtures"]


def _open_audit_purge(sender, connection, **kwargs):
    """Let the test harness flush the audit table; production connections never do this."""
    from core.audit_db import allow_purge

    allow_purge(connection)


connection_created.connect(_open_audit_purge, dispatch_uid="tests-open-audit-purge")
if connection.connection is not None:
    _open_audit_purge(None, connection)


@pytest.fixture(autouse=True, scope="session")
def _fast_hasher():
    """Hash test passwords with MD5: Argon2 per user would dominate the run.

    Production settings keep Argon2 first (tests/config/test_settings.py checks that in a fresh
    process); no test here depends on which hasher stored a password.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """Start and end every test in the default language: a request asking for English leaves it active."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _audit_checkpoint_store(settings, tmp_path_factory):
    """Give every test a checkpoint store of its own, never var/ (core.audit_checkpoints)."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("audit-checkpoints")
    settings.AUDIT_CHECKPOINT_KEY = "test-only-audit-checkpoint-key-" + "k" * 32


@pytest.fixture(autouse=True)
def _celery_join_flag():
    """Undo a flag eager Celery leaves set when threads publish at once (tests with concurrent threads).

    Celery's eager apply_async guards with a process-global "joining would block" flag that it sets
    and restores without a lock, so two threads can leave it set; a later eager `.get()` would then
    refuse to run. Production code never joins a result, so only the tests need this.
    """
    yield
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_organisation", verbosity=0)


@pytest.fixture
def organisation_loaded(transactional_db):
    """Reload the unit tree for a transactional test (a previous flush may have removed it)."""
    if not Unit.objects.exists():
        call_command("load_organisation", verbosity=0)


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def cast(db) -> Cast:
    """The officers of this test, by unit and post, each made when first named."""
    return Cast()


@pytest.fixture
def wuhou_investigator(cast) -> User:
    return cast.office(WUHOU, "wuhou").investigator


@pytest.fixture
def wuhou_office(cast, wuhou_investigator) -> Office:
    """Wuhou's investigator, legal officer (wuhou_legal) and unit head (wuhou_head), who issue documents."""
    return cast.office(WUHOU, "wuhou").staff("legal", "head")


@pytest.fixture
def kunming_intake_officer(cast) -> User:
    return cast.office(KUNMING, "kunming").intake


@pytest.fixture
def sichuan_legal_officer(cast) -> User:
    return cast.office(SICHUAN, "sichuan").legal


@pytest.fixture
def chongqing_liaison_officer(cast) -> User:
    return cast.office(CHONGQING, "chongqing").liaison


@pytest.fixture
def qinghai_investigator(cast) -> User:
    """An investigator (of 西宁市公安局) with no part in anything the other personas do."""
    return cast.office(XINING, "qinghai").investigator


@pytest.fixture
def auditor(cast) -> User:
    return cast.office(SICHUAN, "sichuan").auditor


@pytest.fixture
def system_admin(db) -> User:
    """A system administrator: manages accounts, holds no membership, reads no case data."""
    return UserFactory(username="sysadmin", is_staff=True, is_superuser=True)


# Fixtures only Playwright's `page`, `context` and `browser` pull in (a test's own fixture may be
# called `page`): a test that needs one, itself or through a fixture, walks a browser.
_BROWSER_FIXTURES = {"playwright", "browser_type"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every browser walk `browser` before `-m` selects, so none runs in both CI runs.

    The PostgreSQL run deselects `browser` (the walks test the web layer; the engine's behaviour is
    covered by the other tests on both engines), the SQLite run deselects `postgres`: a test with
    both marks would run in neither, so that is refused.
    """
    for item in items:
        if _BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("browser") and item.get_closest_marker("postgres"):
            raise pytest.UsageError(f"{item.nodeid} is marked browser and postgres: no CI run would run it")


def pytest_sessionfinish(session, exitstatus):
    """Fail the run on any skipped test: a skip proves nothing (the SQLite run deselects by marker)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped: the suite allows no skips.", red=True)
        session.exitstatus = 1
