"""Issued documents are digitally signed in their unit's name (issue 19 item 5, PAdES with pyHanko).

The issued file and every downloaded copy verify with pyHanko's validator and with a plain
`pdfsig`, which trusts the signer with the NSS database `manage.py export_trust_store` (or the demo
CA's first signature) writes, and a signer of any other CA not; one changed byte fails both.
Credentials come from the demo CA (DEBUG) or are imported from the PKI; a unit that cannot sign
gets no document stored unsigned.
"""

import asyncio
import datetime as dt
import hashlib
import io
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from core import words
from core.models import AuditEvent
from documents import pki, services, signing, tasks
from documents.models import Document, DocumentCopy, SigningCredential
from tests.support.documents import issue

pytestmark = pytest.mark.django_db

WUHOU_NAME = "成都市公安局武侯区分局"


@pytest.fixture
def signing_dir(settings, tmp_path):
    settings.DOCUMENT_SIGNING = "demo"
    settings.DOCUMENT_SIGNING_DIR = tmp_path / "signing"
    settings.DOCUMENT_SIGNING_TRUST_ROOTS = ""
    return settings.DOCUMENT_SIGNING_DIR


@pytest.fixture
def rendered(signing_dir, office, linked, media_root):
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    document = Document.objects.get(pk=document.pk)
    with document.file.open("rb") as handle:
        return document, handle.read()


def pyhanko_status(content: bytes):
    """Validate the file's signature with pyHanko against the trust roots the deployment configures."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in pki.trust_roots()
    ]
    embedded = PdfFileReader(io.BytesIO(content)).embedded_signatures
    assert len(embedded) == 1
    return embedded[0], validate_pdf_signature(embedded[0], ValidationContext(trust_roots=roots))


def pdfsig(content: bytes, tmp_path, name: str, *, nssdir=None) -> str:
    """Run a plain pdfsig on the file, with the NSS database at `nssdir` when given (as an officer would)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    command = ["pdfsig"]
    if nssdir is not None:
        command += ["-nssdir", f"sql:{nssdir}"]
    # pdfsig exits non-zero on a broken signature; its report is what is read either way.
    run = subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


def one_byte_changed(content: bytes) -> bytes:
    altered = bytearray(content)
    altered[len(altered) // 3] ^= 0x01  # inside the rendered pages, well before the signature
    return bytes(altered)


def test_the_issued_file_is_signed_by_its_unit_and_verifies_with_pyhanko(rendered):
    document, content = rendered
    assert hashlib.sha256(content).hexdigest() == document.sha256  # the stored hash is the signed file's
    embedded, status = pyhanko_status(content)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert embedded.sig_object["/Reason"] == f"文书编号：{document.number}"
    assert embedded.sig_object["/Name"] == WUHOU_NAME
    assert status.signing_cert.subject.native["common_name"] == WUHOU_NAME
    assert abs(status.signer_reported_dt - timezone.now()) < dt.timedelta(minutes=5)
    # The unit certificate and its chain (the demo CA) travel in the signature.
    embedded_certificates = {c.subject.native["common_name"] for c in embedded.other_embedded_certs}
    assert pki.DEMO_CA_NAME in embedded_certificates
    assert embedded.md_algorithm == "sha256"


def test_a_document_is_signed_in_a_thread_that_already_runs_an_event_loop(rendered):
    # pyHanko's own synchronous call is asyncio.run, which refuses to nest: inside an ASGI worker or a
    # Playwright-driven test the render failed and left the document without its PDF.
    document, _ = rendered
    credential = pki.load(pki.credential_for(document.issuing_unit))
    unsigned = render_unsigned(document)

    async def sign_inside_a_running_loop():
        return signing.sign_pdf(unsigned, credential, reason="文书编号：测试", name=WUHOU_NAME)

    _, status = pyhanko_status(asyncio.run(sign_inside_a_running_loop()))
    assert status.bottom_line and status.intact and status.valid


def render_unsigned(document) -> bytes:
    from documents import rendering
    from documents.services import render_arguments

    arguments = render_arguments(document)
    arguments["sign"] = None
    return rendering.render_pdf(**arguments).content


def test_pdfsig_finds_the_issued_file_valid_and_a_one_byte_change_invalid(rendered, tmp_path, signing_dir):
    _document, content = rendered
    # The demo CA made for the first signature was written at once into the NSS database pdfsig reads.
    nssdb = signing_dir / "nssdb"
    report = pdfsig(content, tmp_path, "issued", nssdir=nssdb)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Certificate Validation: Certificate is Trusted." in report, report
    assert "Total document signed" in report
    assert f"Signer Certificate Common Name: {WUHOU_NAME}" in report
    assert "ETSI.CAdES.detached" in report

    altered = one_byte_changed(content)
    assert "Signature is Valid." not in pdfsig(altered, tmp_path, "altered", nssdir=nssdb)
    _embedded, status = pyhanko_status(altered)
    assert not status.intact and not status.bottom_line


def test_a_downloaded_copy_carries_a_valid_signature_of_its_own(
    client, rendered, kunming_intake_officer, tmp_path
):
    document, original = rendered
    client.force_login(kunming_intake_officer)
    response = client.get(f"/api/v1/documents/{document.pk}/file/")
    assert response.status_code == 200
    copy = b"".join(response.streaming_content)
    assert copy != original

    embedded, status = pyhanko_status(copy)
    assert status.bottom_line and status.intact and status.trusted
    assert embedded.sig_object["/Reason"] == f"文书编号：{document.number}（下载件）"
    assert "Signature Validation: Signature is Valid." in pdfsig(copy, tmp_path, "copy")
    # Recorded as today, so verification recognises it as a copy of the document.
    assert DocumentCopy.objects.get(document=document).sha256 == hashlib.sha256(copy).hexdigest()
    answer = services.document_verify_file(content=copy, by=kunming_intake_officer).as_dict()
    assert answer["result"] == "authentic" and answer["copy"]["viewer"] == kunming_intake_officer.display_name
    assert answer["signature"]["valid"] and answer["signature"]["signer_unit"]["code"] == "510107"

    altered = one_byte_changed(copy)
    assert "Signature is Valid." not in pdfsig(altered, tmp_path, "copy-altered")
    assert not pyhanko_status(altered)[1].intact
    assert services.document_verify_file(content=altered).result == "unknown"


def test_an_uninvolved_province_still_gets_404_for_the_file(client, rendered, qinghai_investigator):
    document, _content = rendered
    client.force_login(qinghai_investigator)
    assert client.get(f"/api/v1/documents/{document.pk}/file/").status_code == 404
    assert client.get(f"/documents/{document.pk}/download/").status_code == 404
    assert not DocumentCopy.objects.filter(document=document).exists()


def test_the_api_reports_signer_time_integrity_and_chain(client, rendered, qinghai_investigator):
    document, content = rendered
    client.force_login(qinghai_investigator)
    upload = io.BytesIO(content)
    upload.name = "document.pdf"
    answer = client.post("/api/v1/documents/verify/", {"file": upload}).json()
    assert answer["result"] == "authentic"
    signature = answer["signature"]
    assert signature["signed"] and signature["valid"] and signature["intact"] and signature["chain_trusted"]
    assert signature["covers_whole_file"] and signature["demo"]
    assert signature["signer_unit"] == {"code": "510107", "name": WUHOU_NAME}
    assert signature["signer"] == WUHOU_NAME
    assert signature["reason"] == f"文书编号：{document.number}"
    assert dt.datetime.fromisoformat(signature["signed_at"]) <= timezone.now()
    assert signature["problems"] == []
    # By code: the stored original's signature.
    by_code = client.post(
        "/api/v1/documents/verify/", {"code": document.verification_code}, content_type="application/json"
    ).json()
    assert by_code["signature"]["valid"] and by_code["signature"]["signer_unit"]["code"] == "510107"
    event = AuditEvent.objects.filter(action="documents.document.verify").latest("id")
    assert event.payload["signature"] == {"valid": True, "signer_unit": "510107", "problems": []}


def test_the_verify_page_shows_the_signature(client, rendered, kunming_intake_officer):
    document, _content = rendered
    client.force_login(kunming_intake_officer)
    html = client.get("/documents/verify/", {"code": document.verification_code}).content.decode()
    assert "签名有效：文件与签发单位签名时完全一致。" in html
    assert "完整：签名后未被改动" in html and "可验证至所配置的信任根" in html
    assert WUHOU_NAME in html and "由演示证书机构签名" in html


def test_an_appended_update_is_reported_even_when_the_signed_bytes_are_intact(rendered):
    _document, content = rendered
    appended = content + b"\n% a later incremental update\n"
    report = signing.inspect(appended)
    assert report.signed and report.intact
    assert signing.APPENDED in report.problems or not report.ok
    assert not report.ok


def test_demo_credentials_are_made_once_per_unit_with_the_key_in_a_0600_file(rendered, office, signing_dir):
    credential = SigningCredential.objects.get(unit=office.unit)
    assert credential.source == "demo" and credential.active
    key_path = signing_dir / credential.key_file
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert key_path.parent.stat().st_mode & 0o777 == 0o700
    assert key_path.parent.parent.stat().st_mode & 0o777 == 0o700  # units/
    assert signing_dir.stat().st_mode & 0o777 == 0o700
    assert (signing_dir / "demo-ca" / "ca.key.pem").stat().st_mode & 0o777 == 0o600
    # Nothing secret in the database.
    row = SigningCredential.objects.filter(pk=credential.pk).values().get()
    assert not any("PRIVATE KEY" in str(value) for value in row.values())
    # The next document of the unit signs with the same credential.
    again = issue(office)
    assert tasks.render_document(again.pk) == "done"
    assert SigningCredential.objects.filter(unit=office.unit).count() == 1


# --- production: credentials imported from the PKI --------------------------------------------------


def _certificate(subject_name, issuer_name, public_key, signing_key, *, ca: bool, days: int = 365):
    now = timezone.now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture
def police_pki(settings, tmp_path):
    """A stand-in of the police PKI: a root CA in the trust roots file, and Wuhou's key and certificate."""
    settings.DOCUMENT_SIGNING = "pki"
    settings.DOCUMENT_SIGNING_DIR = tmp_path / "signing"
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("公安部测试根CA", "公安部测试根CA", root_key.public_key(), root_key, ca=True)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    settings.DOCUMENT_SIGNING_TRUST_ROOTS = str(roots)
    unit_key = ec.generate_private_key(ec.SECP256R1())
    unit = _certificate(WUHOU_NAME, "公安部测试根CA", unit_key.public_key(), root_key, ca=False)
    files = {"key": tmp_path / "wuhou.key.pem", "cert": tmp_path / "wuhou.pem"}
    files["key"].write_bytes(
        unit_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    files["cert"].write_bytes(unit.public_bytes(serialization.Encoding.PEM))
    return files


def test_without_its_credential_a_unit_gets_no_unsigned_document_until_one_is_imported(
    police_pki, office, linked, media_root, system_admin, capsys
):
    document = issue(office)
    assert tasks.render_document(document.pk) == tasks.SIGNING_UNAVAILABLE
    document.refresh_from_db()
    assert document.render_state == "failed" and not document.file and not document.sha256
    assert "import_signing_credentials 510107" in words.shown(document.render_error)

    call_command(
        "import_signing_credentials",
        "510107",
        key=str(police_pki["key"]),
        cert=str(police_pki["cert"]),
        by=system_admin.username,
    )
    document.refresh_from_db()
    assert document.render_state == "done"  # the waiting document was rendered by the import
    with document.file.open("rb") as handle:
        _embedded, status = pyhanko_status(handle.read())
    assert status.bottom_line and status.trusted
    credential = SigningCredential.objects.get(unit=office.unit, active=True)
    assert credential.source == "imported" and credential.created_by == system_admin
    event = AuditEvent.objects.get(action="documents.signing_credential.add")
    assert (
        event.actor_username == system_admin.username
        and event.payload["fingerprint"] == credential.fingerprint
    )


def test_an_import_refuses_a_certificate_outside_the_trust_roots_and_a_foreign_key(
    police_pki, office, tmp_path
):
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    stranger = _certificate(WUHOU_NAME, "Somebody", stranger_key.public_key(), stranger_key, ca=False)
    (tmp_path / "stranger.pem").write_bytes(stranger.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "stranger.key.pem").write_bytes(
        stranger_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with translation.override("en"), pytest.raises(CommandError, match="trust roots"):
        call_command(
            "import_signing_credentials",
            "510107",
            key=str(tmp_path / "stranger.key.pem"),
            cert=str(tmp_path / "stranger.pem"),
        )
    with translation.override("en"), pytest.raises(CommandError, match="does not belong"):
        call_command(
            "import_signing_credentials",
            "510107",
            key=str(tmp_path / "stranger.key.pem"),
            cert=str(police_pki["cert"]),
        )
    assert not SigningCredential.objects.exists()
    assert not list((tmp_path / "signing").rglob("*.key.pem"))


def test_a_pkcs12_import_replaces_the_unit_credential_and_keeps_the_old_one(police_pki, office, tmp_path):
    from cryptography.hazmat.primitives.serialization import pkcs12

    call_command(
        "import_signing_credentials", "510107", key=str(police_pki["key"]), cert=str(police_pki["cert"])
    )
    first = SigningCredential.objects.get(unit=office.unit)
    key = serialization.load_pem_private_key(police_pki["key"].read_bytes(), password=None)
    certificate = x509.load_pem_x509_certificate(police_pki["cert"].read_bytes())
    # The same credential arrives again as a PKCS#12, its password read from a file.
    bundle = pkcs12.serialize_key_and_certificates(
        b"wuhou", key, certificate, None, serialization.BestAvailableEncryption(b"s3cret")
    )
    (tmp_path / "wuhou.p12").write_bytes(bundle)
    (tmp_path / "wuhou.pass").write_text("s3cret\n")
    call_command(
        "import_signing_credentials",
        "510107",
        pkcs12=str(tmp_path / "wuhou.p12"),
        password_file=str(tmp_path / "wuhou.pass"),
    )
    # The same certificate imported again takes up its own row, still the active one.
    assert SigningCredential.objects.get(unit=office.unit, active=True).pk == first.pk
    with pytest.raises(CommandError, match="Give either"):
        call_command("import_signing_credentials", "510107", key=str(police_pki["key"]))


def test_a_foreign_signature_is_reported_untrusted(police_pki, rendered_in_demo_then_pki):
    report = signing.inspect(rendered_in_demo_then_pki)
    assert report.signed and report.intact and report.valid and not report.trusted
    assert signing.UNTRUSTED in report.problems and not report.ok


@pytest.fixture
def rendered_in_demo_then_pki(settings, tmp_path, office, linked, media_root):
    """A file signed by the demo CA, checked later by a deployment that trusts only its PKI."""
    saved = (settings.DOCUMENT_SIGNING, settings.DOCUMENT_SIGNING_DIR, settings.DOCUMENT_SIGNING_TRUST_ROOTS)
    settings.DOCUMENT_SIGNING, settings.DOCUMENT_SIGNING_DIR = "demo", tmp_path / "demo-signing"
    settings.DOCUMENT_SIGNING_TRUST_ROOTS = ""
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    content = Document.objects.get(pk=document.pk).file.read()
    settings.DOCUMENT_SIGNING, settings.DOCUMENT_SIGNING_DIR, settings.DOCUMENT_SIGNING_TRUST_ROOTS = saved
    return content


# --- off, and the checks that say so ----------------------------------------------------------------


def test_with_signing_off_documents_are_unsigned_and_every_check_says_so(
    settings, office, linked, media_root
):
    from documents import checks

    settings.DOCUMENT_SIGNING = "off"
    assert [m.id for m in checks.signing_on()] == ["documents.W001"]
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    content = Document.objects.get(pk=document.pk).file.read()
    answer = services.document_verify_file(content=content).as_dict()
    assert answer["result"] == "authentic"
    assert answer["signature"]["signed"] is False and answer["signature"]["problems"] == ["not_signed"]


def test_check_deploy_refuses_the_demo_ca_and_a_pki_without_trust_roots(settings, tmp_path):
    from documents import checks

    settings.DOCUMENT_SIGNING = "demo"
    assert [m.id for m in checks.signing_configured()] == ["documents.E002"]
    settings.DOCUMENT_SIGNING, settings.DOCUMENT_SIGNING_TRUST_ROOTS = "pki", ""
    assert [m.id for m in checks.signing_configured()] == ["documents.E001"]
    (tmp_path / "junk.pem").write_text("not a certificate")
    settings.DOCUMENT_SIGNING_TRUST_ROOTS = str(tmp_path / "junk.pem")
    assert [m.id for m in checks.signing_configured()] == ["documents.E001"]
    settings.DOCUMENT_SIGNING_TRUST_ROOTS = str(tmp_path / "missing.pem")
    assert [m.id for m in checks.signing_configured()] == ["documents.E001"]
    assert checks.signing_on() == []


def test_a_download_when_the_unit_cannot_sign_answers_409_with_the_reason(
    client, rendered, kunming_intake_officer, settings
):
    document, _content = rendered
    settings.DOCUMENT_SIGNING, settings.DOCUMENT_SIGNING_TRUST_ROOTS = "pki", ""
    SigningCredential.objects.all().delete()
    client.force_login(kunming_intake_officer)
    response = client.get(f"/api/v1/documents/{document.pk}/file/")
    assert response.status_code == 409
    assert response.json()["code"] == "signing_unavailable"
    assert not DocumentCopy.objects.filter(document=document).exists()


# --- the NSS trust store a plain pdfsig reads (manage.py export_trust_store) -------------------------


def _nss_listing(directory) -> dict[str, str]:
    """Return `certutil -L` of the database: nickname → trust flags."""
    run = subprocess.run(
        ["certutil", "-L", "-d", f"sql:{directory}"], capture_output=True, text=True, timeout=60, check=True
    )
    return {
        name.strip(): flags
        for name, _, flags in (line.rstrip().rpartition(" ") for line in run.stdout.splitlines()[3:])
        if name.strip()
    }


def _root_pem(name: str) -> tuple[x509.Certificate, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate(name, name, key.public_key(), key, ca=True)
    return root, root.public_bytes(serialization.Encoding.PEM).decode()


def test_export_trust_store_writes_exactly_the_pki_roots_and_rebuilds_on_each_run(
    police_pki, settings, tmp_path, system_admin
):
    roots_file = tmp_path / "roots.pem"
    first = x509.load_pem_x509_certificate(roots_file.read_bytes())
    second, second_pem = _root_pem("公安部测试第二根CA")
    roots_file.write_text(roots_file.read_text() + second_pem)
    out = io.StringIO()
    call_command("export_trust_store", by=system_admin.username, stdout=out)
    nssdb = settings.DOCUMENT_SIGNING_DIR / "nssdb"
    listing = _nss_listing(nssdb)
    assert sorted(listing) == sorted(
        f"{name} [{pki.fingerprint(c)[:16]}]"
        for name, c in (("公安部测试根CA", first), ("公安部测试第二根CA", second))
    )
    assert set(listing.values()) == {",C,"}  # trusted for signatures only
    assert f"pdfsig -nssdir sql:{nssdb} file.pdf" in out.getvalue()
    event = AuditEvent.objects.get(action="documents.trust_store.export")
    assert event.actor_username == system_admin.username
    assert event.payload["fingerprints"] == [pki.fingerprint(first), pki.fingerprint(second)]

    # A root taken out of the configuration leaves the database on the next run; nothing is left beside it.
    roots_file.write_text(second_pem)
    call_command("export_trust_store", stdout=io.StringIO())
    assert list(_nss_listing(nssdb)) == [f"公安部测试第二根CA [{pki.fingerprint(second)[:16]}]"]
    assert sorted(p.name for p in nssdb.parent.iterdir() if "nssdb" in p.name) == [".nssdb.lock", "nssdb"]


def test_pdfsig_trusts_a_pki_signed_document_with_the_exported_store(
    police_pki, settings, office, linked, media_root, tmp_path
):
    call_command(
        "import_signing_credentials", "510107", key=str(police_pki["key"]), cert=str(police_pki["cert"])
    )
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    content = Document.objects.get(pk=document.pk).file.read()
    nssdb = tmp_path / "officer-nssdb"
    assert "Certificate is Trusted" not in pdfsig(content, tmp_path, "before", nssdir=nssdb)
    call_command("export_trust_store", dir=str(nssdb), stdout=io.StringIO())
    report = pdfsig(content, tmp_path, "pki", nssdir=nssdb)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Certificate Validation: Certificate is Trusted." in report, report


def test_pdfsig_does_not_trust_a_signature_from_another_ca(
    signing_dir, settings, office, linked, media_root, tmp_path
):
    call_command("export_trust_store", stdout=io.StringIO())  # demo mode: the demo CA, made now
    nssdb = signing_dir / "nssdb"
    assert list(_nss_listing(nssdb)) == [f"{pki.DEMO_CA_NAME} [{pki.fingerprint(pki.demo_ca()[1])[:16]}]"]
    # Another CA certifies a certificate in Wuhou's very name; the file it signs is intact but untrusted.
    other_key = ec.generate_private_key(ec.SECP256R1())
    other_ca = _certificate("另一个证书机构", "另一个证书机构", other_key.public_key(), other_key, ca=True)
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = _certificate(WUHOU_NAME, "另一个证书机构", signer_key.public_key(), other_key, ca=False)
    settings.DOCUMENT_SIGNING = "off"
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    unsigned = Document.objects.get(pk=document.pk).file.read()
    forged = signing.sign_pdf(
        unsigned,
        pki.LoadedCredential(credential=None, key=signer_key, certificate=signer, chain=(other_ca,)),
        reason="文书编号：伪造",
        name=WUHOU_NAME,
    )
    report = pdfsig(forged, tmp_path, "forged", nssdir=nssdb)
    assert "Signature Validation: Signature is Valid." in report, report
    assert f"Signer Certificate Common Name: {WUHOU_NAME}" in report
    assert "Certificate is Trusted" not in report
    assert "Certificate Validation: Certificate issuer isn't Trusted." in report, report


def test_export_trust_store_refuses_pki_without_roots_and_signing_off(settings, tmp_path):
    settings.DOCUMENT_SIGNING, settings.DOCUMENT_SIGNING_TRUST_ROOTS = "pki", ""
    settings.DOCUMENT_SIGNING_DIR = tmp_path / "signing"
    with pytest.raises(CommandError, match="No trust roots are configured: set DOCUMENT_SIGNING_TRUST_ROOTS"):
        call_command("export_trust_store")
    (tmp_path / "junk.pem").write_text("not a certificate")
    settings.DOCUMENT_SIGNING_TRUST_ROOTS = str(tmp_path / "junk.pem")
    with pytest.raises(CommandError, match=r"DOCUMENT_SIGNING_TRUST_ROOTS \(.*junk.pem\) cannot be read"):
        call_command("export_trust_store")
    settings.DOCUMENT_SIGNING = "off"
    with pytest.raises(CommandError, match="DOCUMENT_SIGNING is off"):
        call_command("export_trust_store")
    assert not (tmp_path / "signing" / "nssdb").exists()
    assert not AuditEvent.objects.filter(action="documents.trust_store.export").exists()


def test_without_certutil_the_command_names_the_package_and_signing_goes_on(
    signing_dir, office, linked, media_root, monkeypatch, tmp_path, caplog
):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(CommandError, match=r"certutil .*libnss3-tools"):
        call_command("export_trust_store")
    # The first signing makes the demo CA; the store cannot be written, which is logged, not fatal.
    document = issue(office)
    assert tasks.render_document(document.pk) == "done"
    assert Document.objects.get(pk=document.pk).sha256
    assert not (signing_dir / "nssdb").exists()
    assert "The NSS trust store for pdfsig was not written" in caplog.text
