"""Forms of the organisation pages: sign-in and the unit directory search."""

import math
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organisation.models import LoginThrottle


class LoginForm(AuthenticationForm):
    """Sign-in form that tells a locked-out user why and when to try again.

    The message is the same whether or not the username exists, so it reveals no accounts.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is not correct. Both are case-sensitive."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", spellcheck="false")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    def get_invalid_login_error(self):
        username = self.cleaned_data.get("username") or ""
        locked_until = self._locked_until(username)
        if locked_until is not None:
            return ValidationError(self._locked_message(locked_until), code="locked_out")
        return super().get_invalid_login_error()

    def _locked_until(self, username: str):
        # The backend marks the request when it refused a locked username; the failure just
        # recorded may also have been the one that locked it.
        throttle = LoginThrottle.objects.filter(username=username.lower()).only("locked_until").first()
        now = timezone.now()
        if throttle and throttle.locked_until and throttle.locked_until > now:
            return throttle.locked_until
        if getattr(self.request, "login_locked_out", False):
            return now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        return None

    @staticmethod
    def _locked_message(locked_until) -> str:
        minutes = max(1, math.ceil((locked_until - timezone.now()).total_seconds() / 60))
        return ngettext(
            "This account is temporarily locked after %(failures)d failed sign-in attempts. "
            "Try again in %(minutes)d minute (after %(time)s) or ask your system administrator.",
            "This account is temporarily locked after %(failures)d failed sign-in attempts. "
            "Try again in %(minutes)d minutes (after %(time)s) or ask your system administrator.",
            minutes,
        ) % {
            "failures": settings.LOGIN_MAX_FAILURES,
            "minutes": minutes,
            "time": timezone.localtime(locked_until).strftime("%H:%M"),
        }


class UnitSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Unit name"),
        required=False,
        max_length=64,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 武侯 or 成都市公安局")}),
    )


class NoteForm(forms.Form):
    """The note a second person may give with a decision on a role proposal or a password reset."""

    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.TextInput(attrs={"maxlength": 2000})
    )
