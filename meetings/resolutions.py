"""Resolutions that act once the minutes are issued. Owner: H4."""


def register() -> None:
    """Register the jurisdiction authority of published resolutions (filled in by H4)."""


def resolution_add(*, minutes_id, by, kind, text, agenda_item=None, **typed):
    raise NotImplementedError


def resolutions_apply(*, minutes, by, document):
    raise NotImplementedError
