"""The crime-pattern briefing (定期分析研判发案规律). Owner: H2."""


def briefing_compute(*, series, start, end) -> dict:
    raise NotImplementedError


def briefing_get(meeting):
    raise NotImplementedError


def briefing_refresh(*, meeting_id, by):
    raise NotImplementedError


def briefing_freeze(meeting, *, at):
    raise NotImplementedError


def briefing_pack_issue(*, meeting_id, by):
    raise NotImplementedError
