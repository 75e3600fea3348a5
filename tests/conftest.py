"""Personas that encode the permission boundaries, and the loaded organisation for every test.

The unit tree (623 units) is loaded once into the test database; tests that flush the database
(transactional ones) get it back through the `organisation_loaded` fixture.
"""

import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import override_settings
from django.utils import translation

from organisation.models import Role, Unit, User
from tests.factories.organisation import TEST_PASSWORD, UserFactory, member

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
def wuhou_investigator(db) -> User:
    return member("510107", Role.INVESTIGATOR, username="wuhou_investigator", department_kind="criminal")


@pytest.fixture
def kunming_intake_officer(db) -> User:
    return member("530100", Role.INTAKE_OFFICER, username="kunming_intake", department_kind="command")


@pytest.fixture
def sichuan_legal_officer(db) -> User:
    return member("510000", Role.LEGAL_OFFICER, username="sichuan_legal", department_kind="legal")


@pytest.fixture
def chongqing_liaison_officer(db) -> User:
    return member("500000", Role.LIAISON_OFFICER, username="chongqing_liaison")


@pytest.fixture
def qinghai_investigator(db) -> User:
    """An investigator with no part in anything the other personas do."""
    return member("630100", Role.INVESTIGATOR, username="qinghai_investigator", department_kind="criminal")


@pytest.fixture
def auditor(db) -> User:
    return member("510000", Role.AUDITOR, username="sichuan_auditor")


@pytest.fixture
def system_admin(db) -> User:
    """A system administrator: manages accounts, holds no membership, reads no case data."""
    return UserFactory(username="sysadmin", is_staff=True, is_superuser=True)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run on any skipped test: a skip proves nothing (the SQLite run deselects by marker)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped: the suite allows no skips.", red=True)
        session.exitstatus = 1
