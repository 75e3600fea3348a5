"""Shrink the CID-keyed CFF fonts WeasyPrint embeds, with HarfBuzz, keeping every glyph's CID.

WeasyPrint subsets with retained glyph ids, so a Noto CJK subset drawing 80 glyphs still carries
65,000 empty charstrings and their metrics (about 150 KB compressed per font, three fonts a page).
In a CID-keyed CFF the charset maps each glyph to its CID, and a PDF CIDFontType0 selects glyphs by
CID, so the glyphs may be renumbered: the content streams, widths (/W) and ToUnicode, all keyed by
CID, stay valid. HarfBuzz's subsetter writes the retained glyphs' CIDs into the new charset.

The CFF structures are read here directly (a few INDEX and DICT reads) rather than through fontTools,
whose full parse of a 65,000-glyph font cost about half a second per font on the benchmark machine.
"""

from __future__ import annotations

import struct

from documents import harfbuzz

_NO_HINTING = 0x01
_DESUBROUTINIZE = 0x04
_NOTDEF_OUTLINE = 0x40
_CFF_TAG = int.from_bytes(b"CFF ", "big")
_OFFSET_FORMATS = {1: "B", 2: "H", 4: "I"}


class CffFormatError(ValueError):
    """The font is not the CID-keyed OpenType CFF this module can shrink."""


def _table(font: bytes, tag: bytes) -> bytes:
    (count,) = struct.unpack_from(">H", font, 4)
    for index in range(count):
        name, _checksum, offset, length = struct.unpack_from(">4sIII", font, 12 + 16 * index)
        if name == tag:
            return font[offset : offset + length]
    raise CffFormatError(f"no {tag.decode()!r} table")


def _index(data: bytes, at: int) -> tuple[list[int], int, int]:
    """Read a CFF INDEX at `at`; return its item offsets (absolute), and where its data ends."""
    (count,) = struct.unpack_from(">H", data, at)
    if count == 0:
        return [], at + 2, at + 2
    off_size = data[at + 2]
    first = at + 3
    raw = data[first : first + (count + 1) * off_size]
    if off_size in _OFFSET_FORMATS:
        relative = struct.unpack(f">{count + 1}{_OFFSET_FORMATS[off_size]}", raw)
    else:  # three-byte offsets have no struct code
        relative = [int.from_bytes(raw[i : i + 3], "big") for i in range(0, len(raw), 3)]
    base = first + (count + 1) * off_size - 1
    offsets = [base + offset for offset in relative]
    return offsets, offsets[0], offsets[-1]


def _dict(data: bytes) -> dict[int, list]:
    """Parse a CFF DICT into {operator: operands}; escaped operators are 1200 + their second byte."""
    result: dict[int, list] = {}
    operands: list = []
    i = 0
    while i < len(data):
        b0 = data[i]
        if b0 <= 21:
            if b0 == 12:
                operator, i = 1200 + data[i + 1], i + 2
            else:
                operator, i = b0, i + 1
            result[operator], operands = operands, []
        elif b0 == 28:
            operands.append(struct.unpack_from(">h", data, i + 1)[0])
            i += 3
        elif b0 == 29:
            operands.append(struct.unpack_from(">i", data, i + 1)[0])
            i += 5
        elif b0 == 30:  # a real: nibbles up to the 0xf terminator; its value is never needed here
            i += 1
            while data[i] & 0x0F != 0x0F and data[i] >> 4 != 0x0F:
                i += 1
            operands.append(0)
            i += 1
        elif 32 <= b0 <= 246:
            operands.append(b0 - 139)
            i += 1
        elif 247 <= b0 <= 250:
            operands.append((b0 - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif 251 <= b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise CffFormatError(f"bad DICT byte {b0}")
    return result


def drawn_glyphs(font: bytes) -> list[int]:
    """Return the glyph ids of a CID-keyed OpenType CFF whose charstring is more than an endchar."""
    if not font.startswith(b"OTTO"):
        raise CffFormatError("not an OpenType CFF font")
    cff = _table(font, b"CFF ")
    _names, _start, after_names = _index(cff, cff[2])
    top_offsets, _start, _end = _index(cff, after_names)
    top = _dict(cff[top_offsets[0] : top_offsets[1]])
    if 1230 not in top:  # ROS: only a CID-keyed font may have its glyphs renumbered
        raise CffFormatError("not CID-keyed")
    offsets, _start, _end = _index(cff, top[17][0])
    return [gid for gid in range(len(offsets) - 1) if gid == 0 or offsets[gid + 1] - offsets[gid] > 1]


def compact(font: bytes) -> bytes:
    """Return the font's drawn glyphs as a bare CID-keyed CFF (for a PDF FontFile3 /CIDFontType0C).

    Raise CffFormatError when the font is not CID-keyed OpenType CFF or HarfBuzz cannot subset it.
    """
    glyphs = drawn_glyphs(font)
    ffi, core, subset = harfbuzz.binding()
    blob = ffi.gc(core.hb_blob_create(font, len(font), 0, ffi.NULL, ffi.NULL), core.hb_blob_destroy)
    face = ffi.gc(core.hb_face_create(blob, 0), core.hb_face_destroy)
    request = subset.hb_subset_input_create_or_fail()
    if request == ffi.NULL:
        raise CffFormatError("HarfBuzz could not allocate a subset request")
    try:
        glyph_set = subset.hb_subset_input_glyph_set(request)
        for gid in glyphs:
            core.hb_set_add(glyph_set, gid)
        subset.hb_subset_input_set_flags(request, _NO_HINTING | _DESUBROUTINIZE | _NOTDEF_OUTLINE)
        result = subset.hb_subset_or_fail(face, request)
    finally:
        subset.hb_subset_input_destroy(request)
    if result == ffi.NULL:
        raise CffFormatError("HarfBuzz could not subset the font")
    result = ffi.gc(result, core.hb_face_destroy)
    table = ffi.gc(core.hb_face_reference_table(result, _CFF_TAG), core.hb_blob_destroy)
    length = ffi.new("unsigned int *")
    pointer = core.hb_blob_get_data(table, length)
    if not length[0]:
        raise CffFormatError("the subset has no CFF table")
    return bytes(ffi.buffer(pointer, length[0]))
