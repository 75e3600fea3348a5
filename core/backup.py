"""Backups of the database and the media files, and their restore (make backup / make restore).

A backup is a folder `lianban-<UTC time>/` holding the database (`pg_dump` custom format on
PostgreSQL, an online copy through SQLite's backup API on the embedded default), the media
folder as `media.tar.gz`, and `manifest.json` with each file's SHA-256, the database engine and the
migrations applied. A restore checks every hash before it touches anything, replaces the database
and the media, then recomputes the audit chain: a restore whose chain does not verify is reported as
failed (the chain is what proves nothing was altered; 等级保护 asks that the audit trail survive).

Stop gunicorn, the Celery worker and beat before restoring: a restore replaces what they hold open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

from core.audit import ChainReport, verify_chain

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class RestoreReport:
    folder: Path
    engine: str
    media_files: int
    chain: ChainReport


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _postgres_env() -> tuple[list[str], dict[str, str]]:
    """Return libpq connection arguments and environment for pg_dump / pg_restore."""
    db = connection.settings_dict
    arguments = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        arguments += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        arguments += ["--port", str(db["PORT"])]
    if db.get("USER"):
        arguments += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # never on the command line, where ps shows it
    return arguments, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian package postgresql-client).") from None
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()[-2000:]}") from None


def _applied_migrations() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
        return dict(cursor.fetchall())


def backup_create(*, to: Path | str) -> Path:
    """Write a backup of the database and media into a new folder under `to`; return the folder."""
    folder = Path(to) / f"lianban-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S-%f}"
    folder.mkdir(parents=True)
    engine = connection.vendor
    if engine == "postgresql":
        database_file = folder / "database.dump"
        arguments, env = _postgres_env()
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(database_file), *arguments], env)
    elif engine == "sqlite":
        database_file = folder / "database.sqlite3"
        # A connection of its own: the copy holds what is committed, consistent while others write.
        source = sqlite3.connect(connection.settings_dict["NAME"])
        target = sqlite3.connect(database_file)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")
    media_root = Path(settings.MEDIA_ROOT)
    media_files = 0
    with tarfile.open(folder / MEDIA_ARCHIVE, "w:gz") as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media_root)))
                    media_files += 1
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "engine": engine,
        "database": database_file.name,
        "media_files": media_files,
        "migrations": _applied_migrations(),
        "sha256": {name: _sha256(folder / name) for name in (database_file.name, MEDIA_ARCHIVE)},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return folder


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} holds no {MANIFEST}: not a Lianban backup.") from None
    except json.JSONDecodeError as error:
        raise BackupError(f"{folder / MANIFEST} is not valid JSON: {error}.") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not {FORMAT_VERSION}.")
    for name, expected in manifest.get("sha256", {}).items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{path} is missing.")
        if _sha256(path) != expected:
            raise BackupError(f"{path} does not match its SHA-256 in the manifest: damaged or altered.")
    return manifest


def _restore_media(archive_path: Path) -> int:
    """Unpack the media beside MEDIA_ROOT, then swap it in, so a failed unpack leaves the old media."""
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=media_root.parent))
    with tarfile.open(archive_path, "r:gz") as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        archive.extractall(staging, members=members, filter="data")  # no absolute paths, links or ..
    if media_root.exists():
        retired = media_root.with_name(f".{media_root.name}-replaced")
        shutil.rmtree(retired, ignore_errors=True)
        media_root.rename(retired)
        staging.rename(media_root)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(media_root)
    return len(members)


def backup_restore(*, folder: Path | str) -> RestoreReport:
    """Replace the database and media with the backup in `folder`; return what the audit chain says."""
    folder = Path(folder)
    manifest = _read_manifest(folder)
    engine = connection.vendor
    if manifest["engine"] != engine:
        raise BackupError(f"The backup is of a {manifest['engine']} database; this one is {engine}.")
    database_file = folder / manifest["database"]
    connections.close_all()
    if engine == "postgresql":
        arguments, env = _postgres_env()
        _run(
            [
                "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                "--exit-on-error", *arguments, str(database_file),
            ],
            env,
        )  # fmt: skip
    else:
        source = sqlite3.connect(database_file)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    media_files = _restore_media(folder / MEDIA_ARCHIVE)
    connections.close_all()
    return RestoreReport(folder=folder, engine=engine, media_files=media_files, chain=verify_chain())
