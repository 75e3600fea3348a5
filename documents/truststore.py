"""An NSS certificate database of the deployment's trust roots, for a plain `pdfsig` (issue 19 item 5).

pyHanko verifies signatures against documents.pki.trust_roots(); poppler's `pdfsig` (an officer's
own check of a PDF) uses NSS, which knows none of them and calls every issued file's signer
untrusted. This module writes those roots, and only those, into an NSS database
(DOCUMENT_SIGNING_DIR/nssdb by default) with NSS's own `certutil` (Debian libnss3-tools):

    pdfsig -nssdir sql:var/signing/nssdb file.pdf

Without -nssdir, Debian 12's pdfsig (poppler 22.12) reads the default Firefox profile's database,
else /etc/pki/nssdb, else ~/.pki/nssdb; the app writes none of them (an administrator may point
`--dir` at one).

The database is rebuilt from scratch beside the old one and swapped in, so running it again gives
the same database and a root removed from the configuration leaves it. Only public certificates go
in; it has no keys and an empty password. `manage.py export_trust_store` writes it on demand; in
demo mode documents.pki writes it when it makes the demo CA.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from documents import pki

logger = logging.getLogger(__name__)

DIRECTORY_NAME = "nssdb"
# Trusted to issue certificates for S/MIME signers, and nothing else: pdfsig checks a signer with
# NSS's e-mail-signer usage, so this flag is the one that matters (with "C,," alone, the TLS flag,
# pdfsig still says "Certificate issuer isn't Trusted"), and the roots vouch for no TLS server.
TRUST_FLAGS = ",C,"
CERTUTIL_TIMEOUT = 60


class TrustStoreError(Exception):
    """The database cannot be written; the message names the problem and what to do about it."""


def default_directory() -> Path:
    return pki.signing_dir() / DIRECTORY_NAME


def nss_spec(directory: Path) -> str:
    """Return the database's name as NSS tools take it (`pdfsig -nssdir`, `certutil -d`)."""
    return f"sql:{directory}"


def roots(*, demo_ca: x509.Certificate | None = None) -> list[x509.Certificate]:
    """Return the roots the deployment trusts, once each: DOCUMENT_SIGNING_TRUST_ROOTS, and in demo
    mode the demo CA (`demo_ca` when the caller holds it, else read or made now).

    TrustStoreError when signing is off, the file cannot be read, or pki mode has no roots.
    """
    mode = pki.mode()
    if mode == pki.OFF:
        raise TrustStoreError("DOCUMENT_SIGNING is off: nothing is signed, so there is nothing to trust.")
    path = settings.DOCUMENT_SIGNING_TRUST_ROOTS
    try:
        found = pki.configured_roots()
    except (OSError, ValueError) as exc:
        raise TrustStoreError(
            f"DOCUMENT_SIGNING_TRUST_ROOTS ({path}) cannot be read as PEM certificates: {exc}"
        ) from exc
    if mode == pki.DEMO:
        found.append(demo_ca if demo_ca is not None else pki.demo_ca()[1])
    if not found:
        raise TrustStoreError(
            "No trust roots are configured: set DOCUMENT_SIGNING_TRUST_ROOTS to the PEM file of the "
            "police PKI's root certificates."
        )
    unique = {}
    for certificate in found:
        unique.setdefault(pki.fingerprint(certificate), certificate)
    return list(unique.values())


def nickname(certificate: x509.Certificate) -> str:
    # The fingerprint keeps two roots of the same name apart (a renewed root beside the old one).
    return f"{pki.common_name(certificate.subject)} [{pki.fingerprint(certificate)[:16]}]"


def _certutil() -> str:
    path = shutil.which("certutil")
    if path is None:
        raise TrustStoreError(
            "certutil (NSS's tool, Debian package libnss3-tools) is not installed: run, as root, "
            "`apt-get install libnss3-tools` or `bin/ensure-system-packages`."
        )
    return path


def _run(command: list[str]) -> None:
    try:
        subprocess.run(  # noqa: S603  (certutil found on PATH, arguments from settings)
            command,
            check=True,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,  # never wait for a password prompt
            timeout=CERTUTIL_TIMEOUT,
        )
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip()
        raise TrustStoreError(f"certutil failed ({' '.join(command[1:3])}): {detail}") from exc
    except subprocess.TimeoutExpired as exc:
        raise TrustStoreError(f"certutil did not finish within {CERTUTIL_TIMEOUT} s.") from exc


@contextlib.contextmanager
def _lock(parent: Path):
    """Serialise writers of databases in `parent` on this machine (a command and a first signing)."""
    # Its own lock file, not documents.pki's: pki calls in here while holding that one.
    with open(parent / ".nssdb.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write(certificates: list[x509.Certificate], directory: Path | None = None) -> Path:
    """Write an NSS database holding exactly `certificates` as trusted roots at `directory`.

    Built in a new directory beside it and swapped in by two renames, so a reader finds the old
    database or the new one (or, between the renames, none), never half of one; whatever was at
    `directory` before is removed.
    """
    certutil = _certutil()
    directory = Path(directory) if directory is not None else default_directory()
    parent = directory.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _lock(parent):
        building = Path(tempfile.mkdtemp(prefix=f".{directory.name}-new-", dir=parent))
        try:
            _run([certutil, "-N", "--empty-password", "-d", nss_spec(building)])
            for certificate in certificates:
                pem = building / "root.pem"
                pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
                name = nickname(certificate)
                _run(
                    [certutil, "-A", "-n", name, "-t", TRUST_FLAGS, "-i", str(pem), "-d", nss_spec(building)]
                )
                pem.unlink()
            # Public certificates only: whoever may run pdfsig on the server may read them.
            building.chmod(0o755)
            for path in building.iterdir():
                path.chmod(0o644)
            _swap(building, directory)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    return directory


def _swap(new: Path, directory: Path) -> None:
    if not directory.exists() and not directory.is_symlink():
        os.rename(new, directory)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{directory.name}-old-", dir=directory.parent))
    os.rename(directory, old / directory.name)
    os.rename(new, directory)
    shutil.rmtree(old, ignore_errors=True)


def export(directory: Path | None = None) -> tuple[Path, list[x509.Certificate]]:
    """Write the configured roots (roots()) into the database at `directory`; return it and them."""
    certificates = roots()
    return write(certificates, directory), certificates


def refresh_after_demo_ca(certificate: x509.Certificate) -> None:
    """Write the default database for a demo CA just made (documents.pki, holding its lock).

    Signing goes on when it cannot be written: the database only serves pdfsig, so the problem
    is logged, and `manage.py export_trust_store` says it again with the cure.
    """
    try:
        write(roots(demo_ca=certificate))
    except TrustStoreError as exc:
        logger.warning("The NSS trust store for pdfsig was not written: %s", exc)
