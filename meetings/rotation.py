"""Rotation of the duty (轮值) among a series' members, and the host it proposes. Owner: H1."""


def next_in_rotation(order, current_position):
    raise NotImplementedError


def series_propose_host(series):
    """Return (unit, reason text) of the proposed host of the next regular meeting."""
    raise NotImplementedError
