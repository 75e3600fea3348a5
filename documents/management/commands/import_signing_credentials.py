"""Import an issuing unit's signing key and certificate from the police PKI (issue 19 item 5).

    manage.py import_signing_credentials 510107 --pkcs12 wuhou.p12 --password-file wuhou.pass
    manage.py import_signing_credentials 510107 --key wuhou.key.pem --cert wuhou.pem [--chain ca.pem]

The certificate must match the key, be valid now, be for signatures and chain to the trust roots
(DOCUMENT_SIGNING_TRUST_ROOTS). The key is written 0600 under DOCUMENT_SIGNING_DIR, never to the
database; the unit's previous credential stays, inactive, so its signatures still name the unit.
The password is read from a file (never from the command line, where `ps` would show it). Documents
of the unit left unrendered for want of a credential are rendered at once. Audited.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from documents import pki, tasks
from documents.models import Document, RenderState
from organisation.models import Unit, User


def _read(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None


class Command(BaseCommand):
    help = "Import a unit's signing key and certificate (PKCS#12, or key and certificate in PEM)."

    def add_arguments(self, parser):
        parser.add_argument("unit", help="division code of the unit, e.g. 510107; the ministry is 000000")
        parser.add_argument("--pkcs12", help="PKCS#12 file (.p12/.pfx) holding the key and certificate")
        parser.add_argument("--key", help="private key in PEM (PKCS#8 or traditional)")
        parser.add_argument("--cert", help="the unit's certificate in PEM")
        parser.add_argument("--chain", help="intermediate CA certificates in PEM, if not in the PKCS#12")
        parser.add_argument("--password-file", help="file whose first line is the PKCS#12 or key password")
        parser.add_argument("--by", help="user name of the administrator importing it (for the audit trail)")

    def handle(self, *args, unit, pkcs12, key, cert, chain, password_file, by, **options):
        if pki.mode() == pki.OFF:
            raise CommandError("DOCUMENT_SIGNING is off: set it to pki before importing credentials.")
        if bool(pkcs12) == bool(key or cert) or (not pkcs12 and not (key and cert)):
            raise CommandError("Give either --pkcs12, or both --key and --cert.")
        target = Unit.objects.filter(code=unit, is_active=True).first()
        if target is None:
            raise CommandError(f"No active unit has the division code {unit}.")
        actor = None
        if by:
            actor = User.objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active account is called {by}.")
        password = _read(password_file)
        password = password.splitlines()[0] if password else None
        try:
            credential = pki.import_credential(
                unit=target,
                pkcs12_data=_read(pkcs12),
                key_pem=_read(key),
                certificate_pem=_read(cert),
                chain_pem=_read(chain) or b"",
                password=password,
                by=actor,
            )
        except pki.CredentialRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{target.name} ({target.code}) signs with {credential.subject}, valid until "
            f"{credential.not_after:%Y-%m-%d}, SHA-256 {credential.fingerprint}."
        )
        waiting = Document.objects.filter(issuing_unit=target, render_state=RenderState.FAILED).values_list(
            "pk", flat=True
        )
        for pk in waiting:
            outcome = tasks.render_document(pk)
            self.stdout.write(f"Document {pk}: {outcome}")
