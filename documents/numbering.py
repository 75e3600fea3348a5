"""Document numbers (发文字号), assigned at issue time only, gap-free per issuing unit, kind and year.

The serial comes from DocumentCounter under a row lock in the issuing transaction: a rolled-back
issue rolls its serial back too, so the sequence has no gaps and no duplicates.
"""

from django.db import IntegrityError, transaction

from documents.kinds import DocumentKindSpec
from documents.models import DocumentCounter


def next_serial(*, issuing_unit_id: int, kind: str, year: int) -> int:
    """Advance and return the counter of (unit, kind, year); call inside the issuing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_serial must run inside the transaction that issues the document")
    while True:
        counter = (
            DocumentCounter.objects.select_for_update()
            .filter(issuing_unit_id=issuing_unit_id, kind=kind, year=year)
            .first()
        )
        if counter is not None:
            break
        try:
            # Its own savepoint: when another transaction created the row first, only this insert
            # rolls back, and the loop then waits for that row's lock.
            with transaction.atomic():
                DocumentCounter.objects.create(issuing_unit_id=issuing_unit_id, kind=kind, year=year)
        except IntegrityError:
            continue
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def format_number(*, spec: DocumentKindSpec, unit, department, year: int, serial: int) -> str:
    """Write the number by the kind's pattern, e.g. 川公（刑）协字〔2026〕12号."""
    unit_part = unit.code_prefix or unit.name
    dept = department.code_prefix if department is not None else ""
    text = spec.number_pattern.format(
        unit=unit_part, dept=dept, category=spec.category_char, year=year, serial=serial
    )
    # A unit-level document has no department code; the pattern's empty brackets go with it.
    return text.replace("（）", "").replace("()", "")
