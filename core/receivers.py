"""Audit receivers for authentication and admin changes (filled in by the audit trail)."""
