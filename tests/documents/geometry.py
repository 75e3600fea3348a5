"""Read a rendered document's GB/T 9704 geometry from the PDF itself (issue 19): the layout tests' harness.

Everything here is measured from what the PDF draws: pdfplumber's characters (x0, x1, baseline, size,
font) and, for the page number's dash, the page's ink. Use it for any kind:

    pdf = Geometry(rendered.content)
    page = pdf.pages[0]
    page.body_rows()                 # rows of glyphs in the type area, top to bottom, by baseline
    pdf.assert_on_grid(page)         # every body row on the 22-line grid
    pdf.assert_full_grid(page)       # 22 rows, and every full-width row 28 positions on the pitch
    pdf.assert_no_stretched_gap(page)
    pdf.page_numbers()               # "— 1 —" per page (None on a blank page)
    pdf.dash_drop_mm(page)           # how far under the type area the page number's dash is drawn
    pdf.signature(page, organ, date) # the signature block's lines and the seal image over them

Units are PDF points (1/72 in) unless a name says mm. Pages are A4; recto (odd) pages have the binding
margin (28 mm) on the left, verso pages on the right.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from functools import cached_property

import pdfplumber

MM = 72 / 25.4
PAGE_HEIGHT = 297 * MM
TYPE_TOP = 37 * MM
TYPE_BOTTOM = (297 - 35) * MM
TYPE_WIDTH = 156 * MM
LINES = 22
POSITIONS = 28
PITCH = TYPE_WIDTH / POSITIONS  # 15.793 pt: one grid position
LINE = 225 * MM / LINES  # 28.99 pt: one grid line
BODY_SIZE = 16.0  # 3号
# The CSS sets the pitch and the line a hair under the exact values (so rounding never pushes the 28th
# character or the 22nd line out); over a page that drifts by well under a point.
TOLERANCE = 0.8
NUMBER_CHARACTERS = set("—-0123456789 ")


@dataclass
class Glyph:
    text: str
    x0: float
    x1: float
    baseline: float  # from the top of the page
    size: float
    font: str

    @property
    def advance(self) -> float:
        return self.x1 - self.x0


@dataclass
class Row:
    baseline: float
    glyphs: list[Glyph] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(g.text for g in self.glyphs)

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return self.glyphs[-1].x1

    @property
    def size(self) -> float:
        return max(g.size for g in self.glyphs)


class Page:
    def __init__(self, plumber_page, index: int):
        self.index = index  # 0-based physical page
        self.plumber = plumber_page
        self.glyphs = [
            Glyph(
                text=c["text"],
                x0=float(c["x0"]),
                x1=float(c["x1"]),
                baseline=PAGE_HEIGHT - float(c["matrix"][5]),
                size=round(float(c["size"]), 2),
                font=c["fontname"],
            )
            for c in plumber_page.chars
        ]

    @property
    def recto(self) -> bool:
        return self.index % 2 == 0

    @property
    def type_left(self) -> float:
        return (28 if self.recto else 26) * MM

    @property
    def type_right(self) -> float:
        return self.type_left + TYPE_WIDTH

    def _rows(self, glyphs) -> list[Row]:
        rows: list[Row] = []
        for glyph in sorted(glyphs, key=lambda g: (g.baseline, g.x0)):
            if rows and abs(rows[-1].baseline - glyph.baseline) < 1.5:
                rows[-1].glyphs.append(glyph)
            else:
                rows.append(Row(baseline=glyph.baseline, glyphs=[glyph]))
        for row in rows:
            row.glyphs.sort(key=lambda g: g.x0)
        return rows

    def body_rows(self) -> list[Row]:
        """Return the rows of text inside the type area (the 版记 included), top to bottom."""
        # Spaces stay in (an ideographic space takes a grid position); a row of spaces alone is no row.
        inside = [g for g in self.glyphs if TYPE_TOP < g.baseline <= TYPE_BOTTOM + 1]
        return [row for row in self._rows(inside) if row.text.strip()]

    def foot_rows(self) -> list[Row]:
        """Return the rows under the type area: the page number and the verification code."""
        return self._rows([g for g in self.glyphs if g.baseline > TYPE_BOTTOM + 1])

    def page_number(self) -> Row | None:
        for row in self.foot_rows():
            numbered = [g for g in row.glyphs if g.text in NUMBER_CHARACTERS and g.size >= 13]
            if numbered and any(g.text == "—" for g in numbered):
                return Row(baseline=row.baseline, glyphs=numbered)
        return None

    def find_rows(self, text: str) -> list[Row]:
        return [row for row in self.body_rows() if text in row.text]

    def images(self) -> list[dict]:
        """Return the images drawn in the type area (a seal), with x0, x1, top, bottom in points."""
        return [
            image
            for image in self.plumber.images
            if image["top"] > TYPE_TOP - 40 * MM and image["bottom"] < TYPE_BOTTOM + 10 * MM
        ]

    def ink_rows(self, x0: float, x1: float, top: float, bottom: float, resolution: int = 288) -> list[float]:
        """Return the y (points from the page top) of every pixel row with ink inside the box."""
        picture = (
            self.plumber.crop((x0, top, x1, bottom)).to_image(resolution=resolution).original.convert("L")
        )
        scale = 72 / resolution
        width, height = picture.size
        pixels = picture.load()
        return [
            top + (y + 0.5) * scale for y in range(height) if any(pixels[x, y] < 128 for x in range(width))
        ]


class Geometry:
    """A rendered PDF's pages and the checks of the GB/T 9704 grid."""

    def __init__(self, content: bytes):
        self.content = content

    @cached_property
    def pages(self) -> list[Page]:
        pdf = pdfplumber.open(io.BytesIO(self.content))
        return [Page(page, index) for index, page in enumerate(pdf.pages)]

    # --- the page number ---------------------------------------------------------------------------

    def page_numbers(self) -> list[str | None]:
        """Return each page's printed number ("— 1 —"), None on a page that prints none (a blank verso)."""
        numbers = []
        for page in self.pages:
            row = page.page_number()
            numbers.append(None if row is None else " ".join(row.text.split()))
        return numbers

    def dash_drop_mm(self, page: Page) -> float:
        """Return how far (mm) under the type area the page number's dashes are drawn (their ink)."""
        row = page.page_number()
        assert row is not None, f"page {page.index + 1} has no page number"
        dash = next(g for g in row.glyphs if g.text == "—")
        ink = page.ink_rows(dash.x0 + 1, dash.x1 - 1, TYPE_BOTTOM, row.baseline + 6)
        assert ink, "the dash draws no ink"
        return (min(ink) - TYPE_BOTTOM) / MM

    def number_side(self, page: Page) -> str:
        """Return "right" or "left": where the page number stands in the type area's width."""
        row = page.page_number()
        assert row is not None
        middle = (row.x0 + row.x1) / 2
        return "right" if middle > page.type_left + TYPE_WIDTH / 2 else "left"

    # --- the grid ----------------------------------------------------------------------------------

    def grid_origin(self, page: Page) -> float:
        """Return the baseline of the first grid line: a body-size row's baseline less whole lines."""
        rows = [r for r in page.body_rows() if abs(r.size - BODY_SIZE) < 0.1]
        assert rows, f"page {page.index + 1} has no body text"
        first = rows[0].baseline
        return first - round((first - TYPE_TOP) / LINE - 0.5) * LINE

    def line_index(self, page: Page, row: Row) -> float:
        return (row.baseline - self.grid_origin(page)) / LINE

    def assert_on_grid(self, page: Page) -> None:
        """Assert that every body-size row (fallback glyphs and all) stands on a line of the 22-line grid."""
        origin = self.grid_origin(page)
        for row in page.body_rows():
            if abs(row.size - BODY_SIZE) > 0.1 and not all(abs(g.size - BODY_SIZE) < 0.1 for g in row.glyphs):
                continue  # a title (2号 over two lines) or the 版记 (4号)
            index = (row.baseline - origin) / LINE
            off = abs(index - round(index)) * LINE
            assert off < TOLERANCE, f"page {page.index + 1}: {row.text!r} is {off:.2f} pt off the grid"
            assert 0 <= round(index) < LINES, (
                f"page {page.index + 1}: {row.text!r} is on line {round(index) + 1}"
            )

    def assert_full_grid(self, page: Page) -> None:
        """Assert a full page: 22 body rows on the grid, and each full-width row on the 28 positions."""
        self.assert_on_grid(page)
        rows = [r for r in page.body_rows() if abs(r.size - BODY_SIZE) < 0.1]
        lines = {round(self.line_index(page, r)) for r in rows}
        assert lines == set(range(LINES)), f"page {page.index + 1} holds lines {sorted(lines)}"
        full = 0
        for row in rows:
            wide = all(abs(g.advance - BODY_SIZE) < 0.1 for g in row.glyphs)
            if not wide:
                continue
            positions = [(g.x0 - page.type_left) / PITCH for g in row.glyphs]
            for glyph, position in zip(row.glyphs, positions, strict=True):
                assert abs(position - round(position)) * PITCH < TOLERANCE, (
                    f"page {page.index + 1}: {glyph.text!r} of {row.text!r} is off the 28-position grid"
                )
                assert 0 <= round(position) < POSITIONS, (
                    f"{glyph.text!r} of {row.text!r} is outside the type area"
                )
            if len(row.glyphs) + round(positions[0]) == POSITIONS:
                full += 1
        assert full, f"page {page.index + 1} has no full-width row filling the 28 positions"

    def full_rows(self, page: Page) -> list[Row]:
        """Return the rows that fill the line: from an indent of whole positions to the right edge."""
        return [
            r
            for r in page.body_rows()
            if abs(r.size - BODY_SIZE) < 0.1 and abs(r.x1 - (BODY_SIZE - PITCH) - page.type_right) < 1.0
        ]

    def assert_no_stretched_gap(self, page: Page, ignore: tuple[str, ...] = ()) -> None:
        """Assert that no two neighbouring glyphs of a line are further apart than one advance plus the step.

        A line is justified by one step added after every character, so every gap of a line (the space
        between one glyph's advance and the next glyph) is the same: a space widened alone, as
        WeasyPrint's own justification does, is a gap wider than the others. The step itself stays
        under half a position. Only body text is read (3号 rows): tables (4号, 小四) and the 版记 set
        their cells and their date apart on purpose; `ignore` names other rows set apart on purpose
        (text they contain), such as a 纪要's issuing line (number left, date right).
        """
        for row in page.body_rows():
            glyphs = row.glyphs
            if len(glyphs) < 3 or any(abs(g.size - BODY_SIZE) > 0.1 for g in glyphs):
                continue
            if any(text in row.text for text in ignore):
                continue
            gaps = [right.x0 - left.x1 for left, right in itertools.pairwise(glyphs)]
            step = min(gaps)
            for left, right, gap in zip(glyphs, glyphs[1:], gaps, strict=False):
                assert gap - step <= 0.3, (
                    f"page {page.index + 1}: {gap:.1f} pt between {left.text!r} and {right.text!r} "
                    f"in {row.text!r} (the line's step is {step:.2f} pt)"
                )
            assert step < PITCH / 2, (
                f"page {page.index + 1}: {row.text!r} is spread {step:.1f} pt a character"
            )

    # --- the signature block -----------------------------------------------------------------------

    def signature(self, page: Page, organ: str, date: str) -> dict:
        """Return the signature block on a page: the organ's and the date's rows (the last of each)."""
        # Body-size glyphs only: the seal's own marks (a specimen's 样章) may share a baseline.
        rows = [
            Row(baseline=r.baseline, glyphs=[g for g in r.glyphs if abs(g.size - BODY_SIZE) < 0.1])
            for r in page.body_rows()
        ]
        organ_rows = [r for r in rows if r.text.strip() == organ]
        date_rows = [r for r in rows if r.text.strip() == date]
        assert organ_rows and date_rows, f"page {page.index + 1} has no signature {organ} / {date}"
        organ_row, date_row = organ_rows[-1], date_rows[-1]
        # The last glyph's box includes the letter-spacing it gives back (16 pt glyph on a 15.79 pt pitch).
        date_right = date_row.x1 - (BODY_SIZE - PITCH)
        organ_right = organ_row.x1 - (BODY_SIZE - PITCH)
        return {
            "organ": organ_row,
            "date": date_row,
            "date_right_positions": (page.type_right - date_right) / PITCH,
            "organ_centre_offset": (organ_row.x0 + organ_right) / 2 - (date_row.x0 + date_right) / 2,
            "lines_apart": (date_row.baseline - organ_row.baseline) / LINE,
        }


def rules(
    page: Page, x: float, top: float, bottom: float, resolution: int = 600
) -> list[tuple[float, float]]:
    """Return the horizontal rules across the vertical line x between top and bottom: (top, thickness), mm.

    Read from the page's ink, so it does not matter how the PDF draws a border (a stroke or a fill).
    """
    rows = page.ink_rows(x - 0.5, x + 0.5, top, bottom, resolution=resolution)
    pitch = 72 / resolution
    found: list[list[float]] = []
    for y in rows:
        if found and y - found[-1][1] <= pitch * 1.5:
            found[-1][1] = y
        else:
            found.append([y, y])
    return [(first / MM, (last - first + pitch) / MM) for first, last in found]
