"""Action items of resolutions, tracked as deadlines. Owner: H4."""


def action_item_open(*, resolution, by, citation, published_at):
    raise NotImplementedError


def action_item_transition(*, item_id, name, by, note="", reason="", expected_state=None):
    raise NotImplementedError
