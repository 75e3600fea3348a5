"""Tests of the organisation: units, people, roles, registers."""
