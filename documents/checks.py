"""System checks of documents: say plainly when issued documents would not be signed, or signed in vain.

documents.W001 (every check): DOCUMENT_SIGNING=off, documents are issued unsigned. With
`check --deploy` also documents.E001: DOCUMENT_SIGNING=pki without readable trust roots (no
certificate can be imported and no signature shown trusted), and documents.E002: the demo CA in
production, whose signatures prove nothing outside the machine that made them.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from documents import pki


@register(Tags.security)
def signing_on(app_configs=None, **kwargs):
    """Warn wherever checks run (runserver, migrate, check) while documents are issued unsigned."""
    if pki.mode() != pki.OFF:
        return []
    return [
        Warning(
            "DOCUMENT_SIGNING is off: issued documents and their downloads carry no digital signature; "
            "only the verification code and the file's hash vouch for them.",
            hint="Set DOCUMENT_SIGNING=pki with DOCUMENT_SIGNING_TRUST_ROOTS and import each issuing unit's "
            "credentials (manage.py import_signing_credentials).",
            id="documents.W001",
        )
    ]


@register(Tags.security, deploy=True)
def signing_configured(app_configs=None, **kwargs):
    """Fail `check --deploy` when production would sign with the demo CA or has no trust roots."""
    if pki.mode() == pki.DEMO:
        return [
            Error(
                "DOCUMENT_SIGNING=demo: documents are signed with the local demo CA, "
                "which vouches for nothing.",
                hint="Set DOCUMENT_SIGNING=pki and DOCUMENT_SIGNING_TRUST_ROOTS to the police PKI's roots.",
                id="documents.E002",
            )
        ]
    if pki.mode() != pki.PKI:
        return []
    path = settings.DOCUMENT_SIGNING_TRUST_ROOTS
    try:
        roots = pki.configured_roots()
    except (OSError, ValueError) as exc:
        return [
            Error(
                f"DOCUMENT_SIGNING_TRUST_ROOTS ({path}) cannot be read as PEM certificates: "
                f"{type(exc).__name__}.",
                hint="Point it at a PEM file of the police PKI's root certificates.",
                id="documents.E001",
            )
        ]
    if roots:
        return []
    return [
        Error(
            "DOCUMENT_SIGNING_TRUST_ROOTS is not set: no unit certificate can be imported, so no document "
            "can be signed, and issued documents wait unrendered.",
            hint="Point DOCUMENT_SIGNING_TRUST_ROOTS at a PEM file of the police PKI's root certificates, "
            "then import each issuing unit's credentials (manage.py import_signing_credentials).",
            id="documents.E001",
        )
    ]
