"""make backup / make restore: database and media come back as they were and the audit chain verifies."""

import tarfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core import audit
from core.backup import MEDIA_ARCHIVE, BackupError, backup_create, backup_restore
from core.models import AuditEvent
from organisation.models import Unit


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "documents" / "2026").mkdir(parents=True)
    scan = settings.MEDIA_ROOT / "documents" / "2026" / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 the scan before the backup")
    return settings.MEDIA_ROOT


def _events(count: int) -> None:
    for number in range(count):
        audit.record(action="tests.backup", payload={"number": number})


def _round_trip(tmp_path, media) -> None:
    _events(3)
    unit = Unit.objects.get(code="510107")
    name_then = unit.name
    folder = backup_create(to=tmp_path / "backups")

    # After the backup: more events, a renamed unit, one media file changed and one added.
    _events(2)
    Unit.objects.filter(pk=unit.pk).update(name="改过的名字")
    (media / "documents" / "2026" / "scan.pdf").write_bytes(b"%PDF-1.4 overwritten")
    (media / "later.png").write_bytes(b"\x89PNG\r\n\x1a\n later")

    output = StringIO()
    call_command("restore", str(folder), "--yes", stdout=output)
    assert "audit chain OK: 3 events verified" in output.getvalue()
    assert AuditEvent.objects.filter(action="tests.backup").count() == 3
    assert Unit.objects.get(pk=unit.pk).name == name_then
    assert (media / "documents" / "2026" / "scan.pdf").read_bytes() == b"%PDF-1.4 the scan before the backup"
    assert not (media / "later.png").exists()
    call_command("audit_verify", stdout=StringIO())  # raises CommandError if the chain were broken


def test_restore_brings_back_database_and_media_and_the_chain_verifies(organisation_loaded, tmp_path, media):
    """Use the suite's database: pg_dump and pg_restore on PostgreSQL, SQLite's backup API otherwise."""
    _round_trip(tmp_path, media)


def test_a_damaged_backup_is_refused_before_anything_changes(db, tmp_path, media):
    _events(1)
    folder = backup_create(to=tmp_path / "backups")
    with tarfile.open(folder / MEDIA_ARCHIVE, "w:gz") as archive:  # replaced by other content
        archive.add(media / "documents" / "2026" / "scan.pdf", arcname="evil.pdf")
    _events(1)
    with pytest.raises(BackupError, match="does not match its SHA-256"):
        backup_restore(folder=folder)
    assert AuditEvent.objects.filter(action="tests.backup").count() == 2
    assert not (media / "evil.pdf").exists()
    with pytest.raises(CommandError, match="not a Lianban backup"):
        call_command("restore", str(tmp_path), "--yes")


def test_backup_command_writes_a_manifest_with_hashes(db, tmp_path, media):
    output = StringIO()
    call_command("backup", "--to", str(tmp_path / "b"), stdout=output)
    (folder,) = (tmp_path / "b").iterdir()
    assert str(folder) in output.getvalue()
    assert {path.name for path in folder.iterdir()} >= {"manifest.json", MEDIA_ARCHIVE}
