"""Minutes (纪要): drafting, circulation, sign-off and issue. Owner: H3."""


def minutes_start(meeting, by):
    raise NotImplementedError


def minutes_content(minutes) -> dict:
    raise NotImplementedError


def minutes_update(*, minutes_id, by, opening=None, closing=None):
    raise NotImplementedError


def minutes_transition(*, minutes_id, name, by, reason="", expected_state=None):
    raise NotImplementedError


def minutes_signoff(*, minutes_id, unit, by, action, comment="", digest):
    raise NotImplementedError
