"""Document numbers (发文字号), assigned at issue time only, gap-free per issuing unit, kind and year.

The serial comes from DocumentCounter under a row lock in the issuing transaction: a rolled-back
issue rolls its serial back too, so the sequence has no gaps and no duplicates.
"""

from core import serials
from documents.kinds import DocumentKindSpec
from documents.models import DocumentCounter


def next_serial(*, issuing_unit_id: int, kind: str, year: int) -> int:
    """Advance and return the counter of (unit, kind, year); call inside the issuing transaction."""
    return serials.next_serial(DocumentCounter, issuing_unit_id=issuing_unit_id, kind=kind, year=year)


def format_number(*, spec: DocumentKindSpec, unit, department, year: int, serial: int) -> str:
    """Write the number by the kind's pattern, e.g. 川公（刑）协字〔2026〕12号."""
    unit_part = unit.code_prefix or unit.name
    dept = department.code_prefix if department is not None else ""
    text = spec.number_pattern.format(
        unit=unit_part, dept=dept, category=spec.category_char, year=year, serial=serial
    )
    # A unit-level document has no department code; the pattern's empty brackets go with it.
    return text.replace("（）", "").replace("()", "")
