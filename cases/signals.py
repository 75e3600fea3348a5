"""Signals for apps above cases (jurisdiction, meetings): they connect receivers in their ready().

Sent inside the transaction of the change: a receiver writes in the same transaction (or through
the outbox), so its effect commits or rolls back with the change.
"""

from django.dispatch import Signal

# A case transition was applied. Arguments: case, name, from_state, to_state, by.
case_transitioned = Signal()
