"""The application log goes to LOG_FILE, rotates with logrotate and is kept at least six months."""

import shutil
import textwrap

import pytest

from tests.support.processes import run_django

ROTATE_IN_ONE_PROCESS = textwrap.dedent(
    """
    import logging, subprocess, sys
    import django
    django.setup()
    from django.core.management import call_command
    folder = sys.argv[1]
    log = logging.getLogger("lianban.rotation")
    log.warning("written before the rotation")
    with open(folder + "/lianban.logrotate", "w") as config:
        call_command("logrotate_config", stdout=config)
    subprocess.run(["logrotate", "-f", "-s", folder + "/state", folder + "/lianban.logrotate"], check=True)
    log.warning("written after the rotation")
    """
)


def test_logrotate_rotates_the_file_and_the_process_writes_on_in_the_new_one(tmp_path):
    if shutil.which("logrotate") is None:
        pytest.fail("logrotate is not installed (Debian package logrotate)")
    log_file = tmp_path / "lianban.log"
    env = {"DEBUG": "true", "LOG_FILE": str(log_file), "LOG_RETENTION_DAYS": "200"}
    result = run_django(env, "-c", ROTATE_IN_ONE_PROCESS, str(tmp_path))
    assert result.returncode == 0, result.stderr
    (rotated,) = tmp_path.glob("lianban.log-*")
    assert "written before the rotation" in rotated.read_text()
    current = log_file.read_text()
    assert "written after the rotation" in current and "before" not in current
    config = (tmp_path / "lianban.logrotate").read_text()
    assert "rotate 200" in config and "maxage 200" in config and str(log_file) in config


def test_retention_shorter_than_six_months_stops_start_up():
    result = run_django({"DEBUG": "true", "LOG_RETENTION_DAYS": "90"})
    assert result.returncode != 0
    assert "Environment variable LOG_RETENTION_DAYS=" in result.stderr and "183" in result.stderr


def test_the_stanza_needs_a_log_file():
    result = run_django({"DEBUG": "true"}, "manage.py", "logrotate_config")
    assert result.returncode != 0 and "Set LOG_FILE" in result.stderr
