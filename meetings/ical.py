"""iCalendar (RFC 5545) objects of joint meetings. Owner: H1."""


def meeting_calendar(meeting, *, method, stamp, only=None) -> bytes:
    raise NotImplementedError
