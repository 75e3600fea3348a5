"""Checks on uploaded files: size and real content, never the name or the browser's word.

Scans of warrants, 立案决定书 and police ID copies arrive as PDF or images. A file is accepted only
if its first bytes say it is one of the allowed kinds and it is within the size limit; otherwise
the error names the field's rule in the user's language.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    mime_type: str
    extension: str
    signatures: tuple[bytes, ...]


SCAN_KINDS = (
    FileKind("application/pdf", "pdf", (b"%PDF-",)),
    FileKind("image/jpeg", "jpg", (b"\xff\xd8\xff",)),
    FileKind("image/png", "png", (b"\x89PNG\r\n\x1a\n",)),
    FileKind("image/tiff", "tif", (b"II*\x00", b"MM\x00*")),
)
_SNIFF_BYTES = 16


def sniff(uploaded, kinds=SCAN_KINDS) -> FileKind | None:
    """Return the kind the file's leading bytes announce, or None; leave the file at its start."""
    uploaded.seek(0)
    head = uploaded.read(_SNIFF_BYTES)
    uploaded.seek(0)
    for kind in kinds:
        if any(head.startswith(signature) for signature in kind.signatures):
            return kind
    return None


def validate_scan(uploaded, *, max_bytes: int | None = None, kinds=SCAN_KINDS) -> FileKind:
    """Check an uploaded scan's size and content; raise ValidationError saying which rule it broke."""
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the largest accepted is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
        )
    kind = sniff(uploaded, kinds)
    if kind is None:
        raise ValidationError(
            _("The file's content is not one of the accepted kinds (%(kinds)s), whatever its name says."),
            code="bad_content",
            params={"kinds": ", ".join(k.extension.upper() for k in kinds)},
        )
    return kind
