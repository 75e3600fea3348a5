"""Both catalogues are complete and current: every message in the code has a Chinese and an English text."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = [
    "config",
    "core",
    "organisation",
    "documents",
    "cases",
    "jurisdiction",
    "bulletins",
    "meetings",
    "templates",
]


def statistics(po_file: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_catalogue_has_no_untranslated_or_fuzzy_message(language):
    stats = statistics(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    assert "untranslated" not in stats
    assert "fuzzy" not in stats
    assert "translated message" in stats


def test_catalogues_hold_every_message_of_the_code(tmp_path):
    """Extract the messages afresh from a copy of the sources and compare with the committed catalogues."""
    for name in [*SOURCE_DIRS, "locale"]:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-l", "en", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"DEBUG": "true", "LIANBAN_VAR_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    for language in ["zh_Hans", "en"]:
        stats = statistics(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")
        assert "untranslated" not in stats, f"{language}: run `make messages-update` and translate: {stats}"
        assert "fuzzy" not in stats, f"{language}: {stats}"
