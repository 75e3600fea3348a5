"""Gap-free serials (case, request and document numbers) advanced under a row lock.

One counter row per scope (e.g. unit and year). The row is created on first use without a race
(insert-or-ignore, then lock), and the increment belongs to the caller's transaction: if anything
after it fails, the serial rolls back with it, so numbers have neither gaps nor duplicates.
"""

from django.db import models, transaction


def next_serial(counter_model: type[models.Model], **scope) -> int:
    """Advance the counter of `scope` (its unique fields) and return the new serial."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_serial must run inside the transaction that uses the number")
    counter_model.objects.bulk_create([counter_model(**scope, last=0)], ignore_conflicts=True)
    counter = counter_model.objects.select_for_update().get(**scope)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last
