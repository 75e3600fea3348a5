"""The units' seal images (issue 19 item 5): registered by an administrator, drawn on the documents.

A seal image is a PNG or an SVG an administrator uploads for a unit (documents:seals). Replacing it
keeps the old one, inactive from that moment, so a document is always drawn with the seal in force
when it was issued (seal_for) and a copy rendered later shows the same seal as the original. SVG is
checked element by element and refused, not repaired, when it holds anything but drawing: no
script, no event handler, no reference outside the file, no DOCTYPE. The demo registers specimens
(specimen_svg): a square outline that reads 样章 SPECIMEN and the unit's name, no imitation of a
real seal.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from html import escape

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from documents.models import SealContentType, SealImage

# A document with its seal must stay under the render budget of 300 KB (bench/render_bench.py).
MAX_SEAL_BYTES = 128 * 1024
MAX_SEAL_PIXELS = 2048
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Drawing only: shapes, text, groups, gradients, clipping. No script, foreignObject, image, use of
# another file, animation or style sheet (whose url() could reach out).
SVG_ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "defs",
        "title",
        "desc",
        "metadata",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "use",
        "symbol",
        "linearGradient",
        "radialGradient",
        "stop",
        "clipPath",
        "mask",
        "pattern",
    }
)
_OUTSIDE_URL = re.compile(r"url\(\s*['\"]?(?!#)", re.IGNORECASE)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"image": [message]}, code="seal_image")


def _check_png(content: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            fmt, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _refuse(_("The PNG image cannot be read.")) from exc
    if fmt != "PNG":
        raise _refuse(_("Upload a PNG or SVG image."))
    if width > MAX_SEAL_PIXELS or height > MAX_SEAL_PIXELS:
        raise _refuse(
            _("The image may be at most %(pixels)s pixels wide and high.") % {"pixels": MAX_SEAL_PIXELS}
        )


def _check_svg(content: bytes) -> None:
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=False
    )
    try:
        tree = etree.parse(io.BytesIO(content), parser)
    except etree.XMLSyntaxError as exc:
        raise _refuse(_("The SVG image is not well-formed XML.")) from exc
    if tree.docinfo.doctype:
        raise _refuse(_("The SVG image may not have a DOCTYPE (entities could reach outside the file)."))
    root = tree.getroot()
    if root.tag != f"{{{SVG_NS}}}svg":
        raise _refuse(_("Upload a PNG or SVG image."))
    for node in root.iter():
        if not isinstance(node.tag, str):
            if isinstance(node, etree._ProcessingInstruction):
                raise _refuse(_("The SVG image may hold drawing only (found a processing instruction)."))
            continue  # comments
        namespace, _sep, local = (
            node.tag[1:].partition("}") if node.tag.startswith("{") else ("", "", node.tag)
        )
        if namespace != SVG_NS or local not in SVG_ELEMENTS:
            raise _refuse(
                _("The SVG image may hold drawing only (found <%(element)s>).") % {"element": local}
            )
        for name, value in node.attrib.items():
            bare = name.rpartition("}")[2].lower()
            if bare.startswith("on"):
                raise _refuse(
                    _("The SVG image may not hold scripts or event handlers (%(name)s).") % {"name": bare}
                )
            if bare == "href" and not value.strip().startswith("#"):
                raise _refuse(_("The SVG image may not refer to anything outside itself."))
            if _OUTSIDE_URL.search(value):
                raise _refuse(_("The SVG image may not refer to anything outside itself."))
        if node.text and _OUTSIDE_URL.search(node.text) and local != "text":
            raise _refuse(_("The SVG image may not refer to anything outside itself."))


def check_seal_image(content: bytes) -> str:
    """Return the content type of an acceptable seal image; ValidationError on `image` otherwise."""
    if not content:
        raise _refuse(_("Choose an image file."))
    if len(content) > MAX_SEAL_BYTES:
        raise _refuse(_("The image may be at most %(kb)s KB.") % {"kb": MAX_SEAL_BYTES // 1024})
    if content.startswith(PNG_MAGIC):
        _check_png(content)
        return SealContentType.PNG
    head = content[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype")):
        _check_svg(content)
        return SealContentType.SVG
    raise _refuse(_("Upload a PNG or SVG image."))


@transaction.atomic
def seal_register(*, unit, content: bytes, by, specimen: bool = False) -> SealImage:
    """Register the unit's seal image; the one in force until now stays, inactive from now. Audited."""
    content_type = check_seal_image(content)
    now = timezone.now()
    previous = SealImage.objects.select_for_update().filter(unit=unit, active_until__isnull=True).first()
    if previous is not None:
        previous.active_until = now
        previous.save(update_fields=["active_until"])
    seal = SealImage.objects.create(
        unit=unit,
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        specimen=specimen,
        registered_by=by,
        active_from=now,
    )
    if previous is not None:
        previous.replaced_by = seal
        previous.save(update_fields=["replaced_by"])
    audit.record(
        action="documents.seal.register",
        actor=by,
        acting_unit_code=unit.code,
        target=seal,
        payload={
            "unit": unit.code,
            "content_type": content_type,
            "sha256": seal.sha256,
            "bytes": len(content),
            "specimen": specimen,
            "replaces": previous.pk if previous is not None else None,
        },
    )
    return seal


def seal_for(unit_id: int, at) -> SealImage | None:
    """Return the seal image in force for the unit at that moment (None before any was registered)."""
    return (
        SealImage.objects.filter(unit_id=unit_id, active_from__lte=at)
        .exclude(active_until__lte=at)
        .order_by("-active_from", "-id")
        .first()
    )


def data_uri(seal: SealImage) -> str:
    return f"data:{seal.content_type};base64,{base64.b64encode(bytes(seal.content)).decode('ascii')}"


def seal_context(unit_id: int, at) -> dict | None:
    """Return the render context's `seal`: {"image": data: URI, "specimen": bool}, or None."""
    seal = seal_for(unit_id, at)
    if seal is None:
        return None
    return {"image": data_uri(seal), "specimen": seal.specimen}


def _name_lines(name: str, width: int = 9) -> list[str]:
    return [name[i : i + width] for i in range(0, len(name), width)][:3] or [""]


def specimen_svg(unit_name: str) -> bytes:
    """Return a plainly marked specimen seal: a square outline, 样章 SPECIMEN and the unit's name.

    Deliberately unlike a real seal (GB 公章 are round, red, with a star): square, slate grey, and it
    says what it is. Translucent, as ink over print is: the organ's name and date it overlaps
    (GB/T 9704-2012 §7.3.5.1) stay legible through it.
    """
    lines = _name_lines(unit_name)
    names = "".join(
        f'<text x="100" y="{40 + 20 * index}" font-size="16" text-anchor="middle">{escape(line)}</text>'
        for index, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="40mm" height="40mm" viewBox="0 0 200 200">'
        "<title>样章 SPECIMEN</title>"
        '<g fill="none" stroke="#4a5a6a" stroke-width="4" stroke-opacity="0.6">'
        '<rect x="6" y="6" width="188" height="188"/>'
        '<rect x="16" y="16" width="168" height="168" stroke-width="1.5" stroke-dasharray="6 4"/>'
        "</g>"
        '<g fill="#4a5a6a" fill-opacity="0.45" font-family="FandolHei, Noto Sans CJK SC, sans-serif">'
        f"{names}"
        '<text x="100" y="130" font-size="44" text-anchor="middle" font-weight="bold">样章</text>'
        '<text x="100" y="160" font-size="18" text-anchor="middle" letter-spacing="3">SPECIMEN</text>'
        '<text x="100" y="180" font-size="11" text-anchor="middle">演示用 非正式印章</text>'
        "</g></svg>"
    ).encode()
