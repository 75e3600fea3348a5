"""Permission first: tell whether a user may not take a transition, before its input is looked at.

The API (core.api.refuse_unpermitted_transition) and the pages ask the same question, so that a user
who may not act hears 403 before any complaint about the form or body (issue 16).
"""

from core.registry import Slot


def transition_refused(instance, name: str, user) -> bool:
    """Tell whether the service would refuse `user` transition `name` of `instance` with 403 now.

    False for a name that is no transition and for a transition not available from the current
    state or whose conditions fail: the service answers those (409) after validating the input.
    """
    from core.steps import check_transition, transition_names

    if name not in transition_names(type(instance)):
        return False
    return check_transition(instance, name, user).refused


_roles_reader = Slot("roles reader")


def register_roles_reader(reader) -> None:
    """Tell core how to read the roles a user holds today: `reader(user)` -> iterable of role names.

    organisation fills it in its AppConfig.ready(); core may not import the apps above it.
    """
    _roles_reader.fill(reader)


def holds_role_anywhere(user, roles) -> bool:
    """Tell whether `user` holds one of `roles` in some unit today (an operational membership).

    The question a create asks before its body is read: one who holds no such role anywhere may not
    create, whatever the body names; which unit the body names is checked after, by the service.
    """
    reader = _roles_reader.get()
    if reader is None:
        raise RuntimeError("no roles reader registered (organisation's AppConfig.ready() registers it)")
    return not set(roles).isdisjoint(reader(user))


class RolesFirstMixin:
    """Refuse a page's POST (403) before the form is read when the user holds none of `write_roles`.

    Put it after the sign-in mixin (CaseDataPageMixin, LoginRequiredMixin), so that an anonymous
    request is still sent to sign in. A view that writes declares `write_roles`; see
    tests/api/test_permission_first_everywhere.py, which fails for a create that declares none.
    """

    write_roles = None

    def dispatch(self, request, *args, **kwargs):
        # A page about one object (its id in the URL) first answers 404 to one who may not see it, as
        # every page does; the object's own view then refuses the step before reading the form.
        if (
            request.method == "POST"
            and not kwargs
            and self.write_roles is not None
            and not holds_role_anywhere(request.user, self.write_roles)
        ):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AdministratorsOnlyMixin:
    """Answer 404 to anyone but a system administrator before the request is read.

    For the pages of the system's administration that are not Django's admin (the units' seal images):
    an officer holds roles, an administrator none, so RolesFirstMixin cannot say it. Put it after the
    sign-in mixin, so that an anonymous request is still sent to sign in.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not getattr(request.user, "is_administrator", False):
            from django.http import Http404

            raise Http404
        return super().dispatch(request, *args, **kwargs)
