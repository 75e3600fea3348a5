"""Signals organisation sends for the apps above it."""

from django.dispatch import Signal

# Sent by organisation_load when units moved in the tree (their `path` changed), inside the load's
# transaction; apps that copied unit paths (case parties) re-copy them. Argument: codes (list[str]).
units_reorganised = Signal()
