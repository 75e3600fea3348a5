"""Permission first: tell whether a user may not take a transition, before its input is looked at.

The API (core.api.refuse_unpermitted_transition) and the pages ask the same question, so that a user
who may not act hears 403 before any complaint about the form or body (issue 16).
"""


def transition_refused(instance, name: str, user) -> bool:
    """Tell whether the service would refuse `user` transition `name` of `instance` with 403 now.

    False for a name that is no FSM transition and for a transition not available from the current
    state or whose conditions fail: the service answers those (409) after validating the input.
    """
    meta = getattr(getattr(instance, name, None), "_django_fsm", None)
    if meta is None:
        return False
    field = meta.field if isinstance(meta.field, str) else meta.field.name
    state = getattr(instance, field)
    return bool(
        meta.has_transition(state)
        and meta.conditions_met(instance, state)
        and not meta.has_transition_perm(instance, state, user)
    )
