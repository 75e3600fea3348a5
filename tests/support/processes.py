"""Django in a fresh process, with production's environment or a variation of it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-for-tests-only-0123456789",
    "ALLOWED_HOSTS": "lianban.example",
    "DATABASE_URL": "postgresql://lianban@db.example:5432/lianban",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "AUDIT_CHECKPOINT_KEY": "production-audit-checkpoint-key-for-tests-only-0123456789",
}


def run_django(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    """Run Python in the project with the test run's environment less production's keys, plus `env_overrides`.

    Without `args`, set Django up and print "settings ok".
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION and key not in {"LIANBAN_VAR_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_overrides)
    command = args or ("-c", "import django; django.setup(); print('settings ok')")
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
