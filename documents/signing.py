"""PAdES signatures of issued documents (issue 19 item 5), made and checked with pyHanko.

Every issued PDF, and every watermarked copy served for download, is signed in its issuing unit's
name with the unit's credential (documents.pki): PAdES baseline B-B (ETSI.CAdES.detached), SHA-256,
the signing time, the document's number in the signature's reason, the organ's name as the signer
and the unit's certificate with its chain in the signature. The signature is an incremental update
of the rendered file, so it covers every byte before it; rendering.render_pdf calls the Signer as
its finisher, so what is stored and hashed is the signed file.

No time-stamp authority is reachable on the police network, so signatures carry the signer's own
clock (B-B, not B-T); a TSA of the police PKI would be one more argument to pyHanko's signer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import logging
import warnings
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from documents import pki

logger = logging.getLogger(__name__)

FIELD_NAME = "LianbanSignature"

# What can be wrong with a file's signature (SignatureReport.problems; the verify page words them).
NOT_SIGNED = "not_signed"  # no signature (issued while signing was off, or not a file of ours)
UNREADABLE = "unreadable"  # not a PDF one can read
BROKEN = "broken"  # the signature's own bytes are damaged
MODIFIED = "modified"  # the signed bytes changed: the digest does not match
INVALID = "invalid"  # the digest matches, the signature over it does not verify
UNTRUSTED = "untrusted"  # the certificate does not chain to the configured trust roots
APPENDED = "appended"  # bytes were added after the signature (an incremental update)


def _quietly_import_pyhanko() -> None:
    # pyHanko imports cryptography's DSA key class to recognise DSA keys, which cryptography now
    # warns about on every first import; nothing here uses DSA.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="DSA is deprecated")
        import pyhanko.sign.signers  # noqa: F401


def _asn1_certificate(certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def sign_pdf(content: bytes, credential: pki.LoadedCredential, *, reason: str, name: str) -> bytes:
    """Return the PDF with the credential's PAdES signature appended as an incremental update."""
    _quietly_import_pyhanko()
    from asn1crypto import keys as asn1_keys
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = asn1_keys.PrivateKeyInfo.load(
        credential.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=_asn1_certificate(credential.certificate),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([_asn1_certificate(c) for c in credential.chain]),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    return _run_to_completion(signers.async_sign_pdf(writer, metadata, signer=signer)).getvalue()


def _run_to_completion(coroutine):
    """Run pyHanko's coroutine here, or on a thread of its own when this thread already runs a loop.

    pyHanko's synchronous helpers call asyncio.run, which refuses to start inside a running loop (an
    ASGI worker's thread, a Playwright-driven test), leaving the document unsigned and unrendered.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Signer:
    """The finisher rendering.render_pdf calls: sign in the unit's name, the credential read when called.

    Read when called, not when made, so a renderer's test stand-in (which never calls it) needs no
    credential; SigningUnavailable (documents.pki) when the unit cannot sign.
    """

    def __init__(self, *, unit, number: str, copy: bool = False):
        self.unit = unit
        self.number = number
        self.copy = copy

    @property
    def reason(self) -> str:
        reason = f"文书编号：{self.number}"
        return f"{reason}（下载件）" if self.copy else reason

    def __call__(self, content: bytes) -> bytes:
        credential = pki.load(pki.credential_for(self.unit))
        return sign_pdf(content, credential, reason=self.reason, name=self.unit.name)


def signer_for(document, *, copy: bool = False) -> Signer | None:
    """Return the Signer of an issued document (or of a served copy of it); None while signing is off."""
    if pki.mode() == pki.OFF:
        return None
    return Signer(unit=document.issuing_unit, number=document.number, copy=copy)


# --- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureReport:
    """What a file's signature says: who signed, when, and whether the file and the chain hold."""

    signed: bool
    signer: str = ""
    unit_code: str = ""
    unit_name: str = ""
    signed_at: dt.datetime | None = None
    reason: str = ""
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_file: bool = False
    demo: bool = False
    problems: tuple[str, ...] = field(default_factory=tuple)  # the codes below

    @property
    def ok(self) -> bool:
        """Whether the signature holds: intact, sound, trusted, and nothing appended after it."""
        return self.signed and self.intact and self.valid and self.trusted and self.whole_file

    def as_dict(self) -> dict:
        return {
            "signed": self.signed,
            "valid": self.ok,
            "signer": self.signer,
            "signer_unit": {"code": self.unit_code, "name": self.unit_name} if self.unit_code else None,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "reason": self.reason,
            "intact": self.intact,
            "chain_trusted": self.trusted,
            "covers_whole_file": self.whole_file,
            "demo": self.demo,
            "problems": list(self.problems),
        }


UNSIGNED = SignatureReport(signed=False, problems=(NOT_SIGNED,))


def signer_key_usage():
    from pyhanko.sign.validation import KeyUsageConstraints

    # Either usage marks a signing certificate (pyHanko's default asks for nonRepudiation alone).
    return KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


def inspect(content: bytes) -> SignatureReport:
    """Validate the file's last signature against the configured trust roots (pyHanko's validator)."""
    _quietly_import_pyhanko()
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(content), strict=False).embedded_signatures
    except Exception as exc:  # pyHanko raises many kinds on a damaged file; all mean "cannot read it"
        logger.info("A PDF to verify cannot be read: %s", type(exc).__name__)
        return SignatureReport(signed=False, problems=(UNREADABLE,))
    if not signatures:
        return UNSIGNED
    embedded = signatures[-1]
    roots = [_asn1_certificate(c) for c in pki.trust_roots()]
    try:
        status = validate_pdf_signature(
            embedded, ValidationContext(trust_roots=roots), key_usage_settings=signer_key_usage()
        )
    except Exception:  # a damaged signature (bad CMS, wrong byte range) fails, it does not crash
        logger.info("Signature validation failed", exc_info=True)
        return SignatureReport(signed=True, problems=(BROKEN,))
    certificate = status.signing_cert
    credential = pki.unit_of_certificate(certificate.dump()) if certificate is not None else None
    problems = []
    if not status.intact:
        problems.append(MODIFIED)
    elif not status.valid:
        problems.append(INVALID)
    if not status.trusted:
        problems.append(UNTRUSTED)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not whole:
        problems.append(APPENDED)
    signed_at = status.signer_reported_dt
    return SignatureReport(
        signed=True,
        signer=certificate.subject.native.get("common_name", "") if certificate is not None else "",
        unit_code=credential.unit.code if credential else "",
        unit_name=credential.unit.name if credential else "",
        signed_at=timezone.localtime(signed_at) if signed_at else None,
        reason=str(embedded.sig_object.get("/Reason", "")),
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        whole_file=whole,
        demo=bool(credential and credential.source == "demo"),
        problems=tuple(problems),
    )
