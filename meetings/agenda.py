"""The agenda built from the member units' open matters. Owner: H2."""


def agenda_candidates(meeting, *, now=None):
    raise NotImplementedError


def agenda_item_add(*, meeting_id, by, source_kind, target_id="", title="", presenting_unit=None):
    raise NotImplementedError


def agenda_display(items, user):
    raise NotImplementedError
