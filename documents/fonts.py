"""Font discovery and glyph coverage for rendered documents.

Fonts are named by family in ``settings.DOCUMENT_FONTS`` (one ordered stack per typographic role) and
resolved through fontconfig, the same lookup WeasyPrint/Pango uses, so the coverage check below sees
exactly the faces the renderer can pick. Only families that are installed go into the CSS stacks:
fontconfig silently substitutes an unknown family name with its default font, which would hide a
missing 仿宋 behind an arbitrary face.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from documents import harfbuzz

# Free defaults. The first installed family of each stack is the primary face; the Noto CJK families at
# the end cover the rarer characters in names (Fandol and the AR PL fonts cover GB2312 only), and the
# HanaMin faces (Debian fonts-hanazono) last of all CJK Extensions B to F (𪚥 U+2A6A5), so that no
# name a population register holds is refused (issue 19 item 6). Absent families are left out.
_LAST_FALLBACK = ("HanaMinA", "HanaMinB")
DEFAULT_DOCUMENT_FONTS: dict[str, tuple[str, ...]] = {
    # 2号小标宋 title: no free 小标宋 exists; Noto Serif CJK Bold is the closest free face.
    "title": ("FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", *_LAST_FALLBACK),
    # 3号仿宋 body.
    "body": ("FandolFang", "FangSong", "Noto Serif CJK SC", "Noto Sans CJK SC", *_LAST_FALLBACK),
    # 黑体 for first-level headings and labels.
    "heading": ("FandolHei", "SimHei", "Noto Sans CJK SC", *_LAST_FALLBACK),
    # 楷体 for second-level headings.
    "kai": ("FandolKai", "KaiTi", "AR PL UKai CN", "LXGW WenKai", "Noto Serif CJK SC", *_LAST_FALLBACK),
    # Half-width digits of page numbers (Times New Roman in the police form instructions).
    "digits": ("Times New Roman", "Liberation Serif", "Noto Serif CJK SC"),
}

# Characters that need no glyph: whitespace, controls and format characters the layout consumes.
_IGNORED = frozenset(
    [
        *map(chr, range(0x00, 0x21)),
        "\x7f",
        "\u00a0",
        "\u00ad",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\u3000",
        "\ufeff",
    ]
)
_SAFE_FAMILY = re.compile(r"^[\w .\-]+$")
_FC_TIMEOUT = 20
_CODE_SPACE = 0x110000


@dataclass(frozen=True)
class FontFace:
    family: str
    path: str
    index: int
    style: str


def document_fonts() -> dict[str, tuple[str, ...]]:
    """Return the configured font stacks, the defaults filling any role the setting leaves out."""
    configured: Mapping[str, Iterable[str]] = getattr(settings, "DOCUMENT_FONTS", None) or {}
    stacks = dict(DEFAULT_DOCUMENT_FONTS)
    for role, families in configured.items():
        stacks[role] = tuple(families)
    for role, families in stacks.items():
        for family in families:
            if not _SAFE_FAMILY.match(family):
                raise ValueError(f"DOCUMENT_FONTS[{role!r}] has an unsafe family name: {family!r}")
    return stacks


@functools.cache
def installed_faces() -> dict[str, tuple[FontFace, ...]]:
    """Map each installed family name (case-folded) to its faces, as fontconfig lists them."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise RuntimeError("fc-list (fontconfig) is required to render documents")
    output = subprocess.run(  # noqa: S603
        [fc_list, "--format", "%{file}\t%{index}\t%{family}\t%{style}\n"],
        capture_output=True,
        text=True,
        check=True,
        timeout=_FC_TIMEOUT,
    ).stdout
    faces: dict[str, list[FontFace]] = {}
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        path, index, families, style = parts
        for family in families.split(","):
            face = FontFace(family=family, path=path, index=int(index or 0), style=style.split(",")[0])
            faces.setdefault(family.casefold(), []).append(face)
    return {family: tuple(found) for family, found in faces.items()}


def _preferred_face(faces: tuple[FontFace, ...]) -> FontFace:
    # Weights of one family share a character set; prefer the regular face, the one most often cached.
    for face in faces:
        if face.style.casefold() in {"regular", "book", "normal"}:
            return face
    return faces[0]


def resolve_stack(families: Iterable[str]) -> tuple[FontFace, ...]:
    """Return one face per installed family of the stack, in stack order; absent families are dropped."""
    faces = installed_faces()
    return tuple(_preferred_face(faces[f.casefold()]) for f in families if f.casefold() in faces)


def css_font_stacks() -> dict[str, SafeString]:
    """Return a CSS ``font-family`` value per role, naming installed families only."""
    stacks = {}
    for role, families in document_fonts().items():
        installed = [face.family for face in resolve_stack(families)]
        if not installed:
            raise RuntimeError(f"No font of DOCUMENT_FONTS[{role!r}] is installed: {', '.join(families)}")
        # Family names are checked against _SAFE_FAMILY, so quoting them is enough for CSS.
        stacks[role] = mark_safe(", ".join(f'"{family}"' for family in installed))  # noqa: S308
    return stacks


class CodePoints:
    """An immutable set of Unicode code points, kept as a bitmap of the whole code space.

    A CJK face maps about 65,000 code points: 136 KB as a bitmap, some 4 MB as a frozenset of ints.
    """

    __slots__ = ("_bits",)

    def __init__(self, bits: bytes = bytes(_CODE_SPACE // 8)):
        if len(bits) != _CODE_SPACE // 8:
            raise ValueError("A code point bitmap covers the whole Unicode code space")
        self._bits = bytes(bits)

    @classmethod
    def from_ranges(cls, ranges: Iterable[tuple[int, int]]) -> CodePoints:
        """Return the code points of the inclusive ranges (first, last)."""
        bits = bytearray(_CODE_SPACE // 8)
        for first, last in ranges:
            for code_point in range(max(first, 0), min(last, _CODE_SPACE - 1) + 1):
                bits[code_point >> 3] |= 1 << (code_point & 7)
        return cls(bits)

    def __contains__(self, code_point: object) -> bool:
        return (
            isinstance(code_point, int)
            and 0 <= code_point < _CODE_SPACE
            and bool(self._bits[code_point >> 3] >> (code_point & 7) & 1)
        )

    def __iter__(self) -> Iterator[int]:
        for index, byte in enumerate(self._bits):
            if byte:
                yield from (index * 8 + bit for bit in range(8) if byte >> bit & 1)

    def __len__(self) -> int:
        return int.from_bytes(self._bits, "little").bit_count()

    def __or__(self, other: CodePoints) -> CodePoints:
        union = int.from_bytes(self._bits, "little") | int.from_bytes(other._bits, "little")
        return CodePoints(union.to_bytes(_CODE_SPACE // 8, "little"))


@functools.cache
def face_codepoints(path: str, index: int) -> CodePoints:
    """Return the code points one face's cmap maps, as HarfBuzz (and so the renderer) reads it (cached).

    HarfBuzz reads the cmap where it lies in the mapped file, in milliseconds; fontTools, used before,
    named all 65,000 glyphs of a Noto CJK face first: about 100 MB of objects for a moment (issue 8).
    """
    ffi, core, _subset = harfbuzz.binding()
    blob = core.hb_blob_create_from_file_or_fail(os.fsencode(path))
    if blob == ffi.NULL:
        raise OSError(f"Cannot read the font file {path}")
    face = core.hb_face_create(blob, index)
    core.hb_blob_destroy(blob)  # the face holds its own reference
    unicodes = core.hb_set_create()
    first = ffi.new("hb_codepoint_t *", harfbuzz.SET_VALUE_INVALID)
    last = ffi.new("hb_codepoint_t *")
    ranges = []
    try:
        if not core.hb_face_get_glyph_count(face):  # HarfBuzz answers an empty face, not an error
            raise OSError(f"The font file {path} has no face {index}")
        core.hb_face_collect_unicodes(face, unicodes)
        while core.hb_set_next_range(unicodes, first, last):
            ranges.append((first[0], last[0]))
    finally:
        core.hb_set_destroy(unicodes)
        core.hb_face_destroy(face)
    return CodePoints.from_ranges(ranges)


@functools.cache
def _coverage(faces: tuple[FontFace, ...]) -> CodePoints:
    covered = CodePoints()
    for face in faces:
        covered |= face_codepoints(face.path, face.index)
    return covered


def configured_faces() -> tuple[FontFace, ...]:
    """Return every installed face named by any role, without duplicates."""
    seen: dict[tuple[str, int], FontFace] = {}
    for families in document_fonts().values():
        for face in resolve_stack(families):
            seen.setdefault((face.path, face.index), face)
    return tuple(seen.values())


def missing_characters(text: str) -> tuple[str, ...]:
    """Return, in order of first appearance, the characters of ``text`` that no configured font has."""
    covered = _coverage(configured_faces())
    missing: dict[str, None] = {}
    for char in text:
        if char not in _IGNORED and ord(char) not in covered:
            missing.setdefault(char, None)
    return tuple(missing)


@functools.cache
def _primary_coverage() -> CodePoints:
    # What every role's first installed face draws itself: a character outside it is drawn by a
    # fallback face, whose ascent and descent differ from the grid's.
    covered = None
    for role, families in document_fonts().items():
        faces = resolve_stack(families)
        if role == "digits":  # page numbers and the verification code: ASCII only
            continue
        if not faces:
            continue
        mine = face_codepoints(faces[0].path, faces[0].index)
        if covered is None:
            covered = mine
        else:
            both = int.from_bytes(covered._bits, "little") & int.from_bytes(mine._bits, "little")
            covered = CodePoints(both.to_bytes(_CODE_SPACE // 8, "little"))
    return covered or CodePoints()


def grid_fallback_characters(text: str) -> frozenset[str]:
    """Return the characters of ``text`` (ASCII aside) that some role's primary face lacks."""
    covered = _primary_coverage()
    return frozenset(c for c in text if ord(c) > 0x7F and c not in _IGNORED and ord(c) not in covered)


def warm_up() -> None:
    """Load every configured cmap now, e.g. at worker start, so the first render does not pay for it."""
    _coverage(configured_faces())
