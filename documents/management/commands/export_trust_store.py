"""Write the deployment's trust roots into an NSS database for a plain `pdfsig` (issue 19 item 5).

    manage.py export_trust_store [--dir DIR] [--by ADMIN]
    pdfsig -nssdir sql:var/signing/nssdb file.pdf

The database (DOCUMENT_SIGNING_DIR/nssdb unless --dir says otherwise) holds exactly the roots the
deployment verifies signatures against: each certificate of DOCUMENT_SIGNING_TRUST_ROOTS, and in
demo mode the demo CA (made now if it does not exist yet). It is rebuilt from scratch each time and
swapped in, so run it again after changing the roots. Refused when signing is off, when pki mode has
no readable roots, or without certutil (Debian libnss3-tools). Audited: it changes what an
officer's pdfsig calls trusted.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import audit
from documents import pki, truststore
from organisation.models import User


class Command(BaseCommand):
    help = "Write the configured signature trust roots into an NSS database, for pdfsig -nssdir."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", help="directory of the NSS database (default: DOCUMENT_SIGNING_DIR/nssdb)"
        )
        parser.add_argument("--by", help="user name of the administrator running it (for the audit trail)")

    def handle(self, *args, dir, by, **options):
        actor = None
        if by:
            actor = User.objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active account is called {by}.")
        try:
            directory, roots = truststore.export(Path(dir).resolve() if dir else None)
        except truststore.TrustStoreError as exc:
            raise CommandError(str(exc)) from None
        prints = [pki.fingerprint(root) for root in roots]
        audit.record(
            action="documents.trust_store.export",
            actor=actor,
            payload={"directory": str(directory), "mode": pki.mode(), "fingerprints": prints},
        )
        for root, print_ in zip(roots, prints, strict=True):
            self.stdout.write(f"Trusted: {pki.common_name(root.subject)} (SHA-256 {print_})")
        self.stdout.write(
            f"Wrote {len(roots)} trust root(s) to {directory}; check a PDF with "
            f"`pdfsig -nssdir {truststore.nss_spec(directory)} file.pdf`."
        )
