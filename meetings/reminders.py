"""Reminders before a meeting, by the periodic scan. Owner: H1."""


def meeting_reminder_scan(now=None) -> int:
    raise NotImplementedError
