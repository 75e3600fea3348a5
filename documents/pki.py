"""Signing credentials of the issuing units (issue 19 item 5): the police PKI's, or a local demo CA's.

settings.DOCUMENT_SIGNING chooses where they come from:

- "pki": an administrator imports each issuing unit's key and certificate from the police PKI
  (`manage.py import_signing_credentials`, a PKCS#12 file or a key and a certificate in PEM); the
  certificate must chain to the trust roots in DOCUMENT_SIGNING_TRUST_ROOTS. A unit without one
  cannot sign, and its documents wait unrendered (SigningUnavailable names the unit and the command).
- "demo": a local CA under DOCUMENT_SIGNING_DIR/demo-ca certifies a unit the first time it signs.
  Its names say 演示 and it proves nothing outside this installation; `check --deploy` refuses it.
- "off": nothing is signed (documents.checks warns wherever checks run).

Private keys are files under DOCUMENT_SIGNING_DIR, mode 0600 in directories of mode 0700; the
database holds the certificates (public) and the key file's name only. Keys and certificates are
made and read with `cryptography`, paths validated with pyhanko-certvalidator: nothing hand-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit, words
from documents.models import CredentialSource, SigningCredential

PKI, DEMO, OFF = "pki", "demo", "off"
DEMO_CA_NAME = "联办演示根证书（仅供演示，非正式）"
DEMO_ORGANISATION = "联办演示证书（非正式）"
DEMO_CA_DAYS = 3650
DEMO_UNIT_DAYS = 825
# A demo certificate this close to its end is replaced before it signs again.
RENEW_BEFORE = dt.timedelta(days=7)


class SigningUnavailable(Exception):
    """The unit cannot sign now; the message says why and what an administrator does about it.

    Raised with the message's key (an English msgid) and arguments: ``stored`` is what a document
    keeps as its render_error, read in each reader's language (core.words); ``str()`` is the
    message in the active language.
    """

    def __init__(self, msgid: str, **params):
        self.stored = words.stored(msgid, **params)
        super().__init__(words.shown(self.stored))


class CredentialRefused(ValueError):
    """An import was refused: the key, certificate or chain does not do (the message says which)."""


@dataclass(frozen=True)
class LoadedCredential:
    credential: SigningCredential
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def mode() -> str:
    return settings.DOCUMENT_SIGNING


def signing_dir() -> Path:
    return Path(settings.DOCUMENT_SIGNING_DIR)


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def _private_directory(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 in one step (never world-readable for an instant), and never over another key.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


@contextlib.contextmanager
def _lock():
    """Serialise key generation among this machine's processes (the database backs it up across)."""
    with open(_private_directory(signing_dir()) / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pem(certificates) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certificates)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


# --- trust roots --------------------------------------------------------------------------------


def configured_roots() -> list[x509.Certificate]:
    """Return the certificates of DOCUMENT_SIGNING_TRUST_ROOTS (none when unset; OSError, ValueError)."""
    path = settings.DOCUMENT_SIGNING_TRUST_ROOTS
    if not path:
        return []
    return x509.load_pem_x509_certificates(Path(path).read_bytes())


def trust_roots() -> list[x509.Certificate]:
    """Return the roots a signature's chain is validated against: the configured ones, and in demo
    mode the demo CA."""
    try:
        roots = configured_roots()
    except (OSError, ValueError):
        roots = []  # documents.checks reports the unreadable file; verification then trusts nothing
    if mode() == DEMO:
        roots.append(demo_ca()[1])
    return roots


# --- the demo CA ---------------------------------------------------------------------------------


def _name(common: str, *, unit_code: str = "") -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ]
    if unit_code:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, unit_code))
    return x509.Name(attributes)


def _ensure_demo_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    directory = _private_directory(signing_dir() / "demo-ca")
    key_path, cert_path = directory / "ca.key.pem", directory / "ca.pem"
    if not cert_path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        now = timezone.now()
        name = _name(DEMO_CA_NAME)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=DEMO_CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        if key_path.exists():
            key_path.unlink()  # a key whose certificate was never written
        _write_private(key_path, _key_pem(key))
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        # A plain `pdfsig -nssdir sql:DOCUMENT_SIGNING_DIR/nssdb` trusts the new CA from its first
        # signature on (issue 19 item 5). Imported here: documents.truststore imports this module.
        from documents import truststore

        truststore.refresh_after_demo_ca(certificate)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return key, x509.load_pem_x509_certificate(cert_path.read_bytes())


def demo_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Return the demo CA's key and certificate, made on first use."""
    with _lock():
        return _ensure_demo_ca()


def _key_usage(*, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _demo_credential(unit) -> SigningCredential:
    with _lock():
        current = _active(unit)
        if current is not None and current.not_after - RENEW_BEFORE > timezone.now():
            return current
        ca_key, ca_certificate = _ensure_demo_ca()
        key = ec.generate_private_key(ec.SECP256R1())
        now = timezone.now()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(unit.name, unit_code=unit.code))
            .issuer_name(ca_certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=DEMO_UNIT_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        return _store(
            unit=unit, key=key, certificate=certificate, chain=[ca_certificate], source=CredentialSource.DEMO
        )


# --- the units' credentials ---------------------------------------------------------------------


def _active(unit) -> SigningCredential | None:
    return SigningCredential.objects.filter(unit=unit, active=True).first()


def _store(*, unit, key, certificate, chain, source, by=None) -> SigningCredential:
    """Write the key file and the credential row, replacing the unit's active credential."""
    print_ = fingerprint(certificate)
    relative = Path("units") / unit.code / f"{print_[:16]}.key.pem"
    path = signing_dir() / relative
    _private_directory(signing_dir() / "units")
    _private_directory(path.parent)
    if path.exists():
        path.unlink()  # the same certificate imported again: its key is the one given now
    _write_private(path, _key_pem(key))
    try:
        with transaction.atomic():
            previous = SigningCredential.objects.select_for_update().filter(unit=unit, active=True).first()
            # The same certificate imported again (a lost key file restored) takes up its own row.
            credential = SigningCredential.objects.filter(fingerprint=print_).first()
            if previous is not None and previous != credential:
                previous.active, previous.deactivated_at = False, timezone.now()
                previous.save(update_fields=["active", "deactivated_at"])
            if credential is not None and credential.unit_id != unit.pk:
                raise CredentialRefused(_("This certificate is already another unit's."))
            credential = credential or SigningCredential(
                unit=unit,
                certificate=_pem([certificate]),
                fingerprint=print_,
                subject=certificate.subject.rfc4514_string()[:500],
                issuer=certificate.issuer.rfc4514_string()[:500],
                not_before=certificate.not_valid_before_utc,
                not_after=certificate.not_valid_after_utc,
                source=source,
                created_by=by,
            )
            credential.chain, credential.key_file = _pem(chain), str(relative)
            credential.active, credential.deactivated_at = True, None
            credential.save()
    except CredentialRefused:
        path.unlink(missing_ok=True)
        raise
    except IntegrityError:
        # Another process made the unit's credential meanwhile: that one stands.
        path.unlink(missing_ok=True)
        current = _active(unit)
        if current is None:
            raise
        return current
    audit.record(
        action="documents.signing_credential.add",
        actor=by,
        acting_unit_code=unit.code,
        target=credential,
        payload={
            "source": source,
            "fingerprint": print_,
            "subject": credential.subject,
            "not_after": credential.not_after,
            "replaces": previous.fingerprint if previous not in (None, credential) else None,
        },
    )
    return credential


def credential_for(unit) -> SigningCredential:
    """Return the unit's active credential (made now in demo mode); SigningUnavailable otherwise."""
    if mode() == OFF:
        raise SigningUnavailable(gettext_noop("Document signing is off (DOCUMENT_SIGNING=off)."))
    if mode() == DEMO:
        return _demo_credential(unit)
    credential = _active(unit)
    if credential is None:
        raise SigningUnavailable(
            gettext_noop(
                "%(unit)s has no signing certificate; an administrator imports one with "
                "`manage.py import_signing_credentials %(code)s`."
            ),
            unit=unit.name,
            code=unit.code,
        )
    if credential.not_after <= timezone.now():
        raise SigningUnavailable(
            gettext_noop(
                "The signing certificate of %(unit)s expired on %(date)s; import its renewed certificate."
            ),
            unit=unit.name,
            date=timezone.localtime(credential.not_after).date().isoformat(),
        )
    return credential


def load(credential: SigningCredential) -> LoadedCredential:
    """Read the credential's key file; SigningUnavailable when it is missing or does not match."""
    path = signing_dir() / credential.key_file
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SigningUnavailable(
            gettext_noop(
                "The signing key of %(unit)s cannot be read (%(error)s); import the unit's credentials again."
            ),
            unit=credential.unit.name,
            error=type(exc).__name__,
        ) from exc
    certificate = x509.load_pem_x509_certificate(credential.certificate.encode())
    if _public(key) != _public(certificate.public_key()):
        raise SigningUnavailable(
            gettext_noop("The signing key file of %(unit)s does not match its certificate."),
            unit=credential.unit.name,
        )
    chain = tuple(x509.load_pem_x509_certificates(credential.chain.encode())) if credential.chain else ()
    return LoadedCredential(credential=credential, key=key, certificate=certificate, chain=chain)


def _public(key) -> bytes:
    if hasattr(key, "public_key"):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _validate_path(certificate: x509.Certificate, chain, roots) -> None:
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    def asn1(cert):
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    context = ValidationContext(trust_roots=[asn1(r) for r in roots], other_certs=[asn1(c) for c in chain])
    validator = CertificateValidator(asn1(certificate), validation_context=context)
    try:
        asyncio.run(validator.async_validate_path())
    except (PathBuildingError, PathValidationError) as exc:
        raise CredentialRefused(
            _("The certificate does not chain to the configured trust roots: %(error)s") % {"error": exc}
        ) from exc


def import_credential(
    *,
    unit,
    key_pem: bytes | None = None,
    certificate_pem: bytes | None = None,
    chain_pem: bytes = b"",
    pkcs12_data: bytes | None = None,
    password: bytes | None = None,
    by=None,
) -> SigningCredential:
    """Import a unit's key and certificate (PKCS#12, or PEM key and certificate) as its active credential.

    Refuse (CredentialRefused) a key that does not match, a certificate that is expired, not for
    signing, or does not chain to the trust roots. The previous credential stays, inactive.
    """
    try:
        if pkcs12_data is not None:
            bundle = pkcs12.load_pkcs12(pkcs12_data, password)
            key = bundle.key
            certificate = bundle.cert.certificate if bundle.cert else None
            chain = [c.certificate for c in bundle.additional_certs]
        else:
            key = serialization.load_pem_private_key(key_pem or b"", password=password)
            certificate = x509.load_pem_x509_certificate(certificate_pem or b"")
            chain = []
        if chain_pem:
            chain += x509.load_pem_x509_certificates(chain_pem)
    except (ValueError, TypeError) as exc:
        raise CredentialRefused(
            _("The key or certificate cannot be read: %(error)s") % {"error": exc}
        ) from exc
    if key is None or certificate is None:
        raise CredentialRefused(_("The file must hold both the private key and its certificate."))
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise CredentialRefused(_("Only ECDSA and RSA keys sign documents here."))
    if _public(key) != _public(certificate.public_key()):
        raise CredentialRefused(_("The private key does not belong to the certificate."))
    now = timezone.now()
    if not certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
        raise CredentialRefused(_("The certificate is not valid now."))
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None  # validators (pyHanko's included) then refuse it as a signer: so do we, now
    if usage is None or not (usage.digital_signature or usage.content_commitment):
        raise CredentialRefused(
            _("The certificate is not for signatures (key usage digitalSignature or nonRepudiation).")
        )
    roots = trust_roots()
    if not roots:
        raise CredentialRefused(_("No trust roots are configured (DOCUMENT_SIGNING_TRUST_ROOTS)."))
    chain = [c for c in chain if fingerprint(c) != fingerprint(certificate)]
    _validate_path(certificate, chain, roots)
    with _lock():
        return _store(
            unit=unit, key=key, certificate=certificate, chain=chain, source=CredentialSource.IMPORTED, by=by
        )


def unit_of_certificate(certificate_der: bytes) -> SigningCredential | None:
    """Return the credential (any, active or not) whose certificate this is, with its unit."""
    print_ = fingerprint(x509.load_der_x509_certificate(certificate_der))
    return SigningCredential.objects.select_related("unit").filter(fingerprint=print_).first()
