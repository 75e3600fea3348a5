"""The transition kit's page side: the one step view, the "next steps" panel, and domain errors on pages.

`StepView` answers `POST …/<pk>/transitions/<name>/` for every machine: 404 for an object out of
sight or no such step, 403 (the object's page with a message) for one who may not take it, before the
form is read; 400 with the form's errors on the object's page; 409 with the current state when the
object moved on; otherwise a message and a redirect. `next_steps` builds the panel from the machine.
"""

from functools import cache

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from core.exceptions import Conflict, DomainError, NotAllowed
from core.steps import Machine, Offer, check_transition, reasons_text, state_field_of


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: each message on its field, the rest on the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


class StepForm(forms.Form):
    """What every step's form carries: the state the user saw, so that a stale page answers 409."""

    expected_state = forms.CharField(required=False, widget=forms.HiddenInput)


@cache
def step_form_class(step) -> type[forms.Form]:
    """Return the page form of a step: its declared form (if any) with the expected-state field.

    A danger step asks the officer to tick its confirmation text; the browser holds the form until it
    is ticked (the service does not read it: the API and scripted clients confirm by calling).
    """
    attrs = {}
    if step.confirm:
        attrs["confirmed"] = forms.BooleanField(
            label=step.confirm, required=False, widget=forms.CheckboxInput(attrs={"required": True})
        )
    base = step.form or StepForm
    if issubclass(base, StepForm) and not attrs:
        return base
    bases = (base,) if issubclass(base, StepForm) else (base, StepForm)
    return type(f"{step.name.title().replace('_', '')}PageForm", bases, attrs)


def step_form(step, instance, data=None) -> forms.Form:
    """Return the form of a step for `instance`, bound to `data` or showing the current state."""
    form_class = step_form_class(step)
    state = getattr(instance, state_field_of(type(instance), step.name))
    kwargs = step.form_kwargs(instance)
    if data is not None:
        return form_class(data, auto_id=f"id_{step.name}_%s", **kwargs)
    return form_class(auto_id=f"id_{step.name}_%s", initial={"expected_state": state}, **kwargs)


def next_steps(machine: Machine, instance, user, *, url_for, bound: forms.Form | None = None, bound_step=""):
    """Return the offers of the "next steps" panel: each with its form and URL, primary first.

    `url_for(name)` gives a step's URL; `bound` is the form of a step that was just refused (shown
    with its errors in place of a blank one).
    """
    offers: list[Offer] = machine.offers(instance, user)
    for offer in offers:
        offer.form = (
            bound if bound is not None and offer.name == bound_step else step_form(offer.step, instance)
        )
        offer.url = url_for(offer.name)
    return offers


class StepView(View):
    """Take one step of an object's machine from its page.

    A subclass names `machine`, finds the object (`get_object`, 404 out of sight), renders its page
    (`render_object(request, instance, status=…, bound=form, bound_step=name)`) and says where to go
    after (`success_url(request, instance)`, the object's page; the list when the step took it out of
    the user's sight: `still_visible`).
    """

    http_method_names = ["post", "options"]
    machine: Machine | None = None
    object_noun = ""
    result = None

    def get_object(self, request, **kwargs):
        raise NotImplementedError

    def render_object(self, request, instance, *, status: int, bound=None, bound_step: str = ""):
        raise NotImplementedError

    def success_url(self, request, instance) -> str:
        raise NotImplementedError

    def still_visible(self, request, instance) -> bool:
        return True

    def gone_url(self, request, instance) -> str:
        return self.success_url(request, instance)

    def refused_message(self) -> str:
        return _("You may not take this step on this object.")

    def conflict_message(self, instance) -> str:
        return _("It was changed by someone else and is now “%(state)s”. Check it and choose again.") % {
            "state": _state_label(instance, self.machine)
        }

    def post(self, request, name: str, **kwargs):
        instance = self.get_object(request, **kwargs)
        step = self.machine.step(name)
        if step is None or not step.page:
            raise Http404(name)
        check = check_transition(instance, name, request.user)
        if check.refused:
            messages.error(request, reasons_text(check.reasons) if check.reasons else self.refused_message())
            return self.render_object(request, instance, status=403)
        form = step_form(step, instance, data=request.POST)
        if not form.is_valid():
            if "expected_state" in form.errors:
                return self._conflict(request, instance, **kwargs)
            return self.render_object(request, instance, status=400, bound=form, bound_step=name)
        values = dict(form.cleaned_data)
        expected = values.pop("expected_state", "") or None
        values.pop("confirmed", None)
        try:
            self.result = self.machine.take(
                instance, name, by=request.user, values=values, expected_state=expected
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.render_object(request, instance, status=400, bound=form, bound_step=name)
        except Conflict as error:
            return self._conflict(request, instance, message=error, **kwargs)
        except PermissionDenied as error:
            specific = isinstance(error, DomainError) and error.message is not NotAllowed.default_message
            messages.error(request, str(error.message) if specific else self.refused_message())
            return self.render_object(request, instance, status=403)
        messages.success(request, _("Done: %(action)s.") % {"action": step.label})
        instance.refresh_from_db()
        return self.finished(request, instance, step)

    def finished(self, request, instance, step):
        """Answer a step taken: the object's page, or the list when it left the user's sight.

        What the service returned is `self.result` (a one-time password to show once, say).
        """
        if not self.still_visible(request, instance):
            return redirect(self.gone_url(request, instance))
        return redirect(self.success_url(request, instance))

    def _conflict(self, request, instance, message=None, **kwargs):
        fresh = self.get_object(request, **kwargs)
        # A conflict that says what happened (not the default "changed by someone else") is shown as said.
        specific = message is not None and message.message is not Conflict.default_message
        text = str(message.message) if specific else None
        messages.error(request, text or self.conflict_message(fresh))
        return self.render_object(request, fresh, status=409)


def _state_label(instance, machine: Machine | None) -> str:
    field = machine.state_field if machine else "state"
    display = getattr(instance, f"get_{field}_display", None)
    return str(display()) if display else str(getattr(instance, field, ""))


class DomainErrorMiddleware:
    """Answer a domain error that a page did not handle itself: 409 or 400 with its message, not 500.

    Pages that can show the error in place (the step view, forms) catch it first; this is the floor.
    NotAllowed is a PermissionDenied and Invalid a ValidationError: Django and the forms know them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, Conflict):
            return render(request, "core/domain_error.html", {"message": exception.message}, status=409)
        if isinstance(exception, ValidationError):
            return render(
                request, "core/domain_error.html", {"message": " ".join(exception.messages)}, status=400
            )
        if isinstance(exception, DomainError) and not isinstance(exception, PermissionDenied):
            return render(request, "core/domain_error.html", {"message": exception.message}, status=400)
        return None


def permanent_redirect(url: str) -> HttpResponseRedirect:
    """Answer 308 to `url`: a page URL that moved, so that a POST stays a POST (301 would make it a GET)."""
    response = HttpResponseRedirect(url)
    response.status_code = 308
    return response


class MovedView(View):
    """A page URL that became one shape: 308 to its new place (same URL arguments)."""

    pattern_name = ""

    def dispatch(self, request, *args, **kwargs):
        return permanent_redirect(reverse(self.pattern_name, kwargs=kwargs))


def moved(pattern_name: str):
    """Return the view of an old page URL that now lives at `pattern_name` (same URL arguments)."""
    return MovedView.as_view(pattern_name=pattern_name)
