"""Fixtures every folder may use (a pytest plugin, loaded by tests/conftest.py)."""

import pytest

from config.celery import app as celery_app
from core import outbox


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Give every test a media root of its own (not yet created), never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_celery(monkeypatch):
    """Run Celery tasks in the caller whatever CELERY_BROKER_URL the shell has, the outbox out of back-off."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
